"""A command refused at the door leaves the next one in the same process as it found it
(the add-in and the tests run many commands in one process)."""

from __future__ import annotations

from click.testing import CliRunner

from iipeval.cli.main import cli


def run(*args) -> tuple[int, str]:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output
    return res.exit_code, res.output


def test_a_command_refused_at_the_door_does_not_leave_the_next_outside_the_round(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert run("round", "init", "轮次", "--name", "2026年省级平台认定")[0] == 0
    monkeypatch.chdir(tmp_path / "轮次")
    code, said = run("status", "--round", tmp_path / "没有这个轮次")
    assert code == 2 and "没有这个轮次" in said
    code, said = run("status")
    assert code == 0, said
    assert "不在评审轮次中" not in said


def test_in_a_round_a_bare_publish_name_goes_beside_the_runs_results(tmp_path, monkeypatch):
    from support import REPO

    monkeypatch.chdir(tmp_path)
    assert run("round", "init", "轮次", "--name", "2026年省级平台认定")[0] == 0
    monkeypatch.chdir(tmp_path / "轮次")
    app = REPO / "examples" / "applications" / "national_2023.json"
    assert run("receive", app)[0] == 0
    code, said = run("score", "--publish", "公示名单.docx")
    assert code == 0, said
    assert (tmp_path / "轮次" / "9-结果" / "第1次" / "公示名单.docx").is_file()
    assert not (tmp_path / "轮次" / "公示名单.docx").exists()
    code, said = run("status")
    assert "当前阶段：" in said and "9-结果/第1次/results.manifest.json" in said


def test_a_rounds_run_waiting_for_a_form_reproduces_as_it_was_even_after_a_waiver(
    tmp_path, monkeypatch
):
    """A run inside a round waits for every form issued (its results 待定); its record keeps
    what it waited for, so reproduce re-runs it the same way, whatever was waived since."""
    import json

    from support import REPO

    monkeypatch.chdir(tmp_path)
    run("round", "init", "轮次", "--name", "2026年省级平台认定")
    (tmp_path / "评审组.toml").write_text(
        'id = "组"\nround = "轮"\n[[experts]]\nid = "E01"\n[[experts]]\nid = "E02"\n', "utf-8"
    )
    monkeypatch.chdir(tmp_path / "轮次")
    assert run("receive", REPO / "examples" / "applications" / "national_2023.json")[0] == 0
    assert run("panel", "--panel", tmp_path / "评审组.toml", "--forms", "json")[0] == 0
    (issued,) = (tmp_path / "轮次" / "3-评分表").glob("*_E01.json")
    form = json.loads(issued.read_text("utf-8"))
    for row in form["reviews"]:
        row["scores"] = dict.fromkeys(row["scores"], 80)
    (tmp_path / issued.name).write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    assert run("receive", tmp_path / issued.name)[0] == 0
    assert run("score")[0] == 0  # E02's form is missing: 待定
    first = json.loads((tmp_path / "轮次" / "9-结果" / "第1次" / "results.json").read_text("utf-8"))
    assert {e["outcome"] for r in first["rankings"] for e in r["entries"]} == {"待定"}
    assert run("waive", "E02", "--reason", "未能到会")[0] == 0
    code, said = run("reproduce", "9-结果/第1次/results.manifest.json")
    assert code == 0 and "一致" in said, said


def test_a_malformed_awaiting_list_is_a_usage_error_naming_the_option(tmp_path, monkeypatch):
    from support import REPO

    monkeypatch.chdir(tmp_path)
    app = REPO / "examples" / "applications" / "national_2023.json"
    code, said = run("score", app, "--awaiting", "E05")
    assert code == 2 and "--awaiting" in said and "JSON 列表" in said
