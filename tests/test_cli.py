"""The CLI contracts: output shapes, exit codes, determinism, parameters."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.core.model.results import Result

EXAMPLES = REPO / "examples" / "applications"
REVIEWS = REPO / "examples" / "reviews"  # the example round: its signed forms
RECORD = REPO / "examples" / "panel-record.json"  # and its record, kept apart (private)
BUILTIN = ["hunan_characteristic", "hunan_comprehensive", "hunan_professional", "national_2023"]
COUNTS = {
    "national_2023": 21,
    "hunan_comprehensive": 8,
    "hunan_characteristic": 8,
    "hunan_professional": 6,
}


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def test_frameworks_json_contract():
    rows = json.loads(run("frameworks", "--format", "json"))
    assert sorted(r["id"] for r in rows) == BUILTIN
    for r in rows:
        assert set(r) == {"id", "name", "plugin", "version"}
        assert r["plugin"] == r["id"]


@pytest.mark.parametrize("fw", BUILTIN)
def test_show_json_contract(fw):
    data = json.loads(run("show", fw, "--format", "json"))
    assert data["id"] == fw and data["name"]
    indicators = [i for d in data["dimensions"] for i in d["indicators"]]
    assert len(indicators) == COUNTS[fw]
    assert sum(d["weight"] for d in data["dimensions"]) == pytest.approx(100)
    for d in data["dimensions"]:
        assert {"id", "name", "weight", "indicators"} <= set(d)
        for i in d["indicators"]:
            assert {"id", "name", "description", "weight", "kind", "items"} <= set(i)
            assert i["kind"] in ("定量", "定性", "综合")


def test_show_text_lists_dimensions_in_chinese():
    out = run("show", "national_2023")
    assert "一、平台资源管理水平" in out and "自研杀手锏工业APP情况" in out


def test_show_unknown_framework_is_a_usage_error():
    out = run("show", "nope", code=2)
    assert "nope" in out and "national_2023" in out


def test_schema_names_every_item():
    schema = json.loads(run("schema", "national_2023"))
    props = schema["$defs"]["Application"]["properties"]["items"]["properties"]
    assert (
        "devices_operating" in props and props["devices_operating"]["title"] == "运行设备连接数量"
    )


def test_plugins_lists_versions_and_hooks():
    data = json.loads(run("plugins", "--format", "json"))
    by_name = {p["name"]: p for p in data["plugins"]}
    assert set(BUILTIN) <= set(by_name)
    assert "register_frameworks" in by_name["national_2023"]["hooks"]
    assert by_name["national_2023"]["frameworks"] == ["national_2023"]
    assert data["problems"] == []


def test_score_examples_json_contract():
    data = json.loads(
        run("score", EXAMPLES, "--reviews", REVIEWS, "--panel-record", RECORD, "--format", "json")
    )
    assert data["rejected"] == []
    assert sorted(r["framework"] for r in data["results"]) == BUILTIN
    for r in data["results"]:
        assert {
            "source",
            "framework",
            "total",
            "provisional",
            "dimensions",
            "indicators",
            "findings",
        } <= set(r)
        assert isinstance(r["total"], float) and 0 < r["total"] <= 100 and not r["provisional"]
        for d in r["dimensions"]:
            assert {"id", "name", "score"} <= set(d)
        for i in r["indicators"]:  # the explanation's every word is in the trace, once
            assert {"id", "name", "score", "trace"} <= set(i) and i["trace"]["text"]
            assert "explanation" not in i
        read = Result.model_validate(r)  # read back, each indicator explains itself again
        assert all(i.explanation.startswith(i.trace.text) for i in read.indicators)
        assert r["provenance"]["parameters_hash"].startswith("sha256:")
        key = r["framework"] + (f"/{r['subtype']}" if r["subtype"] else "")
        snapshot = data["parameters"][key]  # the parameters: once per batch, by hash
        assert snapshot["hash"] == r["provenance"]["parameters_hash"]
        assert "parameters" not in r["provenance"]


def test_score_is_byte_identical_across_runs():
    args = ("score", EXAMPLES, "--reviews", REVIEWS, "--panel-record", RECORD, "--format", "json")
    assert run(*args) == run(*args)


def test_score_text_is_a_chinese_score_card():
    out = run("score", EXAMPLES / "national_2023.json")
    assert "总分：" in out and "平台资源管理水平" in out and "参数哈希" in out


def test_params_file_moves_total_and_is_recorded(tmp_path):
    example = EXAMPLES / "national_2023.json"
    base = json.loads(
        run("score", example, "--reviews", REVIEWS, "--panel-record", RECORD, "--format", "json")
    )["results"][0]
    show = json.loads(run("show", "national_2023", "--format", "json"))
    dim = show["dimensions"][0]
    ind = dim["indicators"][0]
    params = tmp_path / "p.toml"
    params.write_text(f"[frameworks.national_2023.weights]\n{ind['id']} = {ind['weight'] * 2}\n")
    args = (
        "score",
        example,
        "--reviews",
        REVIEWS,
        "--panel-record",
        RECORD,
        "--params",
        params,
        "--format",
        "json",
    )
    # weights the experts' forms showed have moved: an error (exit 1), the scores still given
    report = json.loads(run(*args, code=1))
    assert {f["code"] for f in report["findings"]} >= {"review_parameters_changed"}
    moved = report["results"][0]
    # expected: the indicator's share within its dimension grows, the others shrink
    w = {i["id"]: i["weight"] for i in dim["indicators"]}
    w[ind["id"]] *= 2
    scores = {i["id"]: i["score"] for i in base["indicators"] if i["dimension"] == dim["id"]}
    old_dim = sum(i["points"] for i in base["indicators"] if i["dimension"] == dim["id"])
    new_dim = dim["weight"] * sum(w[k] * scores[k] / 100 for k in w) / sum(w.values())
    assert moved["total"] - base["total"] == pytest.approx(new_dim - old_dim)
    assert moved["provenance"]["parameters_hash"] != base["provenance"]["parameters_hash"]
    assert moved["provenance"]["parameters_file"] == str(params)


def test_bad_params_file_is_a_usage_error(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("[frameworks.national_2023.weights]\nunknown_indicator = 3\n")
    out = run("score", EXAMPLES / "national_2023.json", "--params", params, code=2)
    assert "unknown_indicator" in out and str(params) in out


def test_rejected_input_exits_1_and_others_are_still_scored(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    data = json.loads(
        run("score", bad, EXAMPLES / "national_2023.json", "--format", "json", code=1)
    )
    assert len(data["results"]) == 1
    [rej] = data["rejected"]
    assert rej["source"] == str(bad) and rej["findings"][0]["code"] == "bad_json"


def test_application_with_errors_exits_1(tmp_path):
    app = json.loads((EXAMPLES / "national_2023.json").read_text("utf-8"))
    app["application"]["items"]["developers_active"] = -1
    path = tmp_path / "a.json"
    path.write_text(json.dumps(app, ensure_ascii=False), "utf-8")
    out = json.loads(run("validate", path, "--format", "json", code=1))
    [row] = out["files"]
    assert not row["valid"]
    f = next(f for f in row["findings"] if f["item"] == "developers_active")
    assert set(f) == {"file", "sheet", "cell", "item", "severity", "code", "message"}
    assert f["file"] == str(path) and f["severity"] == "error"


def test_missing_file_is_reported_not_crashed(tmp_path):
    data = json.loads(run("score", tmp_path / "absent.json", "--format", "json", code=1))
    assert data["rejected"][0]["findings"][0]["code"] == "not_found"


def test_framework_option_scores_the_same_data_under_another_set():
    # 综合型 data lacks 专业型's 企业转型成效 figures: scored, but reported as incomplete
    args = ["score", EXAMPLES / "hunan_comprehensive.json", "--framework", "hunan_professional"]
    out = json.loads(run(*args, "--format", "json", code=1))
    r = out["results"][0]
    assert r["framework"] == "hunan_professional"
    assert any(f["code"] == "framework_override" for f in r["findings"])
    assert {f["item"] for f in r["findings"] if f["code"] == "missing"} >= {"efficiency_gain"}
    scores = {i["id"]: i["score"] for i in r["indicators"]}
    assert scores["devices"] > 0  # shared vocabulary: the figures that exist still count


def test_console_script_is_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "iipeval.cli", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and "iipeval" in proc.stdout


def test_usage_error_exit_code():
    run("score", code=2)


def test_help_lists_every_command_with_its_own_line_without_importing_it():
    """``iipeval --help`` names the commands kept in their own modules from a table, so
    that it starts without them; the table must say what each command says of itself."""
    from iipeval.cli.app import LAZY_COMMANDS

    code = (
        "import sys; from click.testing import CliRunner; from iipeval.cli.main import cli;"
        "print(CliRunner().invoke(cli, ['--help']).output);"
        "print('HEAVY', [m for m in ('openpyxl', 'pydantic', 'iipeval.core.api',"
        " 'iipeval.cli.score') if m in sys.modules])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lazy_help, heavy = proc.stdout.rsplit("HEAVY", 1)
    assert heavy.strip() == "[]"
    for name, (_module, line) in LAZY_COMMANDS.items():
        assert cli.get_command(None, name).get_short_help_str(1000) == line
    assert run("--help").strip() == lazy_help.strip()  # every command imported by now


def test_validate_loads_no_round_panel_record_or_workbook_writer():
    """``iipeval validate`` checks applications alone: the round's batch (ranking, 核查,
    the panel's signed record) and openpyxl are for other commands."""
    code = (
        "import sys, iipeval.cli.validate, iipeval.excel.intake as i;"
        "print([m for m in ('openpyxl', 'iipeval.core.round.batch', 'iipeval.core.round.ranking',"
        " 'iipeval.core.panel.record', 'iipeval.core.round.verification') if m in sys.modules])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_weights_lists_its_subcommands_by_their_own_lines():
    from iipeval.cli.weights.group import COMMANDS, weights

    listed = run("weights", "--help")
    for name, (_module, line) in COMMANDS.items():
        assert weights.get_command(None, name).get_short_help_str(1000) == line
        assert name in listed


def test_cards_flag_adds_score_cards_and_no_cards_leaves_them_out(tmp_path):
    import openpyxl

    def cards(*flag):
        out = tmp_path / f"r{len(flag)}{flag[0] if flag else ''}.xlsx"
        CliRunner().invoke(cli, ["score", str(EXAMPLES), "-o", str(out), *flag])
        return [n for n in openpyxl.load_workbook(out).sheetnames if n[:2].isdigit()]

    assert len(cards()) == 4  # a small batch has its cards by default
    assert cards("--no-cards") == []
    assert len(cards("--cards")) == 4


def test_clicks_own_words_are_chinese_whatever_the_locale():
    """Usage line, section headings, the help option and usage errors read in Chinese."""
    from click.testing import CliRunner

    from iipeval.cli.main import cli

    runner = CliRunner(env={"LANG": "C", "LANGUAGE": "", "LC_ALL": "C"})
    shown = runner.invoke(cli, ["score", "--help"], prog_name="iipeval").output
    assert shown.startswith("用法： iipeval score")
    assert "选项：" in shown and "显示本帮助并退出" in shown
    assert "Usage" not in shown and "Show this message" not in shown
    top = runner.invoke(cli, ["--help"], prog_name="iipeval").output
    assert "命令：" in top and "Commands" not in top
    wrong = runner.invoke(cli, ["scor"], prog_name="iipeval")
    assert wrong.exit_code == 2
    assert "错误：没有命令“scor”。" in wrong.output
    assert "请运行“iipeval --help”查看帮助。" in wrong.output
    missing = runner.invoke(cli, ["show"]).output
    assert "错误：缺少参数" in missing and "Error" not in missing
