"""A whole round in its folder, as an organiser runs it, and what ``status`` says at every step.

Four national applications, three of them sent back for 补正 twice; AHP weights for the set;
a panel of five whose fifth expert never returns a form (waived, with the reason); one
核查表 filled on site; the 公示名单. Nothing is assembled by hand: every file the round uses
came in through ``receive`` or was written by a command into the round, and the log holds
every step and still verifies at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import REPO
from test_verification import fill as fill_sheet
from test_weights_questionnaire import consistent_judgement
from test_weights_questionnaire import fill as fill_questionnaire

from iipeval.cli.main import cli

EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"
PANEL = 'id = "第一评审组"\nround = "2026年省级平台认定"\n' + "".join(
    f'[[experts]]\nid = "E0{k}"\nname = "专家{k}"\n' for k in range(1, 6)
)
#: the applicants: (name, credit code); the first three are sent back twice
APPLICANTS = [
    ("甲工业互联网有限公司", "91430100MA4L7X2K5M"),
    ("乙工业互联网有限公司", "91430100777777777Q"),
    ("丙工业互联网有限公司", "91430100888888888P"),
    ("丁工业互联网有限公司", "91430100AAAAAAAAAM"),
]


def iipeval(*args, code=0) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


def status() -> dict:
    return json.loads(iipeval("status", "--format", "json"))


def correction(s: dict) -> dict[str, str]:
    return {a["applicant"]: a["correction"] for a in s["applicants"]}


def application(folder: Path, name: str, code: str, *, broken: str | None) -> Path:
    """An applicant's file; ``broken``: the required item it leaves blank."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    app = data.get("application", data)
    app["applicant"]["name"], app["applicant"]["credit_code"] = name, code
    rank = [n for n, _ in APPLICANTS].index(name)  # the applicants differ, so no one ties
    app["items"]["devices_operating"] = 1_000_000 + 400_000 * rank
    if broken:
        app["items"][broken] = None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def filled_forms(issued: Path, out: Path, experts: set[str]) -> Path:
    """The experts' JSON forms, each filled as its expert would (scores by applicant)."""
    out.mkdir(parents=True, exist_ok=True)
    for k, path in enumerate(sorted(issued.glob("*.json"))):
        form = json.loads(path.read_text(encoding="utf-8"))
        if form["expert"] not in experts:
            continue
        for n, row in enumerate(form["reviews"]):
            for part in row["scores"]:
                row["scores"][part] = 70 + k + 4 * n
        (out / path.name).write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """The round walked once; each test reads what one step of it said."""
    home = tmp_path_factory.mktemp("round")
    said: dict[str, object] = {}
    old = Path.cwd()
    try:
        os.chdir(home)
        _walk(home, said)
    finally:
        os.chdir(old)
    return home, said


def _walk(home: Path, said: dict) -> None:
    iipeval("round", "init", "轮次", "--name", "2026年省级平台认定", "--framework", "national_2023")
    (home / "评审组.toml").write_text(PANEL, encoding="utf-8")
    blanks = ["devices_operating", "devices_operating", "models_rd_simulation", None]
    first = [
        application(home / "来件", n, c, broken=b)
        for (n, c), b in zip(APPLICANTS, blanks, strict=True)
    ]
    os.chdir(home / "轮次")
    iipeval("receive", *first)
    said["received"] = status()
    for batch, blank in ((1, "models_data_algorithm"), (2, None)):
        iipeval(
            "validate", "--return-to", f"2-补正/第{batch}次", "--deadline", "2026-12-20", code=1
        )
        said[f"returned{batch}"] = status()
        again = [application(home / f"补正{batch}", n, c, broken=blank) for n, c in APPLICANTS[:3]]
        iipeval("receive", *again)
        said[f"resubmitted{batch}"] = status()
    said["compare"] = iipeval("compare")
    iipeval("weights", "questionnaire", "national_2023", "--panel", home / "评审组.toml",
            "-o", "7-权重/调查表")  # fmt: skip
    for path in sorted(Path("7-权重/调查表").glob("*.xlsx")):
        fill_questionnaire(path, consistent_judgement)
    iipeval("weights", "derive", "7-权重/调查表", "--panel", home / "评审组.toml",
            "-o", "8-参数/权重.toml")  # fmt: skip
    Path("8-参数/名额与公示.toml").write_text(
        '[ranking]\nquota = 2\nreserve = 1\n[publication]\ntitle = "关于2026年省级平台拟认定名单的公示"\n'
        "start = 2026-12-20\nend = 2026-12-26\n",
        encoding="utf-8",
    )
    said["panel"] = iipeval("panel", "--panel", home / "评审组.toml", "--forms", "json")
    said["issued"] = status()
    forms = filled_forms(Path("3-评分表"), home / "交回", {"E01", "E02", "E03", "E04"})
    iipeval("receive", *sorted(forms.glob("*.json")))
    said["forms_back"] = status()
    said["score_waiting"] = json.loads(iipeval("score", "--format", "json"))
    iipeval("waive", "E05", "--reason", "出差无法参加评审，经组织方电话确认")
    said["waived"] = status()
    said["verification"] = iipeval("verification")
    sheet = next(Path("5-核查表").glob("*甲*"))
    checked = home / "核查" / sheet.name
    checked.parent.mkdir()
    shutil.copy(sheet, checked)
    fill_sheet(checked, "devices_operating", 1_500_000, day=dt.date(2026, 12, 10))
    iipeval("receive", checked)
    said["verified"] = status()
    iipeval("score", "-o", "9-结果/终/results.xlsx", "--publish", "9-结果/终/公示名单.docx")
    said["final"] = json.loads(Path("9-结果/终/results.json").read_text(encoding="utf-8"))
    said["scored"], said["scored_text"] = status(), iipeval("status")
    said["log"] = iipeval("log", "--verify")
    said["rerun"] = [x.split("复现：", 1)[1] for x in said["log"].splitlines() if "复现：" in x]
    for command in said["rerun"][-1:]:  # the final run re-run as the log says
        said["reproduce"] = iipeval(*shlex.split(command)[1:])


def test_status_says_who_waits_for_correction_at_every_turn(walk):
    _, said = walk
    first = correction(said["received"])
    assert first == {
        "甲工业互联网有限公司": "需补正（尚未退回）",
        "乙工业互联网有限公司": "需补正（尚未退回）",
        "丙工业互联网有限公司": "需补正（尚未退回）",
        "丁工业互联网有限公司": "无需补正",
    }
    assert said["received"]["stage"] == "符合性审查与补正"
    assert said["received"]["next_step"].startswith("退回补正：iipeval validate --return-to")
    assert said["returned1"]["next_step"] == "等待补正：收到补正后的申报，iipeval receive 受理"
    returned = correction(said["returned1"])
    assert returned["甲工业互联网有限公司"].startswith("待补正（B1-0001，截止2026-12-20）")
    assert returned["丁工业互联网有限公司"] == "无需补正"
    # the first resubmission still has an error: sent back again, answered the second time
    assert (
        correction(said["resubmitted1"])["乙工业互联网有限公司"]
        == "需补正（第2版仍有错误，尚未退回）"
    )
    assert correction(said["returned2"])["丙工业互联网有限公司"].startswith("待补正（B2-")
    done = said["resubmitted2"]
    assert set(correction(done).values()) == {"已补正（第3版）", "无需补正"}
    assert done["stage"] == "待专家评审" and done["blockers"] == []


def test_compare_in_the_round_takes_only_the_resubmissions(walk):
    _, said = walk
    assert "丁工业互联网有限公司" not in said["compare"]  # never asked to resubmit
    assert said["compare"].count("已全部改正") == 3


def test_the_panel_is_issued_the_current_versions_and_waits_for_every_form(walk):
    _, said = walk
    assert said["issued"]["stage"] == "专家评审中"
    assert {x["issued"] for x in said["issued"]["experts"]} == {4}
    back = said["forms_back"]
    assert back["blockers"] == ["1份专家评分表未交回：E05（2023年跨行业跨领域工业互联网平台）"]
    outcomes = {e["outcome"] for r in said["score_waiting"]["rankings"] for e in r["entries"]}
    assert outcomes == {"待定"}  # a form is missing and not waived: no one is ranked yet


def test_panel_in_the_round_says_the_next_step_in_round_terms(walk):
    _, said = walk
    last = said["panel"].strip().splitlines()[-1]
    assert last.startswith("下一步：把 3-评分表/ 中的评分表发给专家")
    assert "iipeval receive" in last and "iipeval status" in last
    assert "--panel-record" not in said["panel"]  # the round keeps the record; no path to type


def test_verification_in_the_round_says_the_sheets_come_back_through_receive(walk):
    _, said = walk
    assert "iipeval receive 交回的核查表" in said["verification"]
    assert "--panel-record" not in said["verification"]


def test_a_waived_expert_lets_the_round_go_on_with_the_reason_recorded(walk):
    _, said = walk
    assert said["waived"]["stage"] == "待评分"
    (e05,) = [x for x in said["waived"]["experts"] if x["expert"] == "E05"]
    assert e05["waived"] == "出差无法参加评审，经组织方电话确认"
    assert "iipeval waive" in said["log"] and "E05" in said["log"]


def test_the_final_run_is_ranked_verified_published_logged_and_reproducible(walk):
    home, said = walk
    final = said["final"]
    (ranking,) = final["rankings"]
    outcomes = [(e["outcome"], e["outcome_reason"]) for e in ranking["entries"]]
    assert [o for o, _ in outcomes].count("拟推荐") == 2, outcomes
    assert final["parameters_origin"]["national_2023"]["method"] == "AHP"
    e05 = [f["message"] for f in final["findings"] if "E05" in f["message"]]
    assert e05 and all("组织方已决定免于交回" in m for m in e05), e05
    verified = [r for r in final["results"] if r.get("verification")]
    assert [r["applicant"] for r in verified] == ["甲工业互联网有限公司"]
    assert (home / "轮次" / "9-结果" / "终" / "公示名单.docx").exists()
    assert "日志完整" in said["log"]
    assert "一致" in said.get("reproduce", "")


def test_status_after_the_final_run_says_it_is_scored_and_published_and_how_to_check(walk):
    _, said = walk
    assert said["verified"]["stage"] == "待评分"  # every form in or waived, not scored yet
    scored = said["scored"]
    assert scored["stage"] == "已评分并写出公示名单" and scored["blockers"] == []
    assert scored["last_run"]["manifest"] == "9-结果/终/results.manifest.json"
    assert "iipeval reproduce 9-结果/终/results.manifest.json" in scored["next_step"]
    (checked,) = [a for a in scored["applicants"] if a["verified"]]
    assert checked["applicant"] == "甲工业互联网有限公司"
    assert "甲工业互联网有限公司（第3版）" in said["scored_text"]
    assert f"；核查表 {checked['verified']}" in said["scored_text"]


def test_the_log_gives_each_scoring_run_that_wrote_its_record_the_command_to_reproduce_it(walk):
    _, said = walk
    assert said["rerun"] == ["iipeval reproduce 9-结果/终/results.manifest.json"]
    lines = said["log"].splitlines()
    (at,) = [k for k, x in enumerate(lines) if "复现：" in x]
    assert "iipeval score --output 9-结果/终/results.xlsx" in lines[at - 1]
    score_to_terminal = [x for x in lines if "iipeval score --format json" in x]
    assert len(score_to_terminal) == 1  # logged, but it wrote no record: nothing to re-run
    assert "一致" in said.get("reproduce", "")


def test_the_log_shows_each_command_as_it_was_typed(walk):
    _, said = walk
    assert (
        "iipeval validate --return-to 2-补正/第2次 --deadline 2026-12-20（退出码 1" in said["log"]
    )
    assert (
        "iipeval waive E05 --reason 出差无法参加评审，经组织方电话确认（退出码 0）" in said["log"]
    )


def test_a_received_file_changed_afterwards_breaks_the_log(walk):
    home, _ = walk
    os.chdir(home / "轮次")
    try:
        received = sorted(Path("1-申报").glob("S0001_*"))[0]
        os.chmod(received, 0o644)
        received.write_text(received.read_text(encoding="utf-8").replace("甲工业", "甲某工业"))
        out = iipeval("log", "--verify", code=1)
    finally:
        os.chdir(REPO)
    assert "受理编号 S0001" in out and "被改动" in out
