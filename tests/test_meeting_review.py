"""会议评审: the panel meets and its secretary records one agreed figure per part.

``iipeval panel --meeting`` issues one summary form per set (评审组会议评审汇总表), signed
by the round's record like an expert's form and admitted the same way. Its figures are
the panel's scores as they stand: never averaged with anyone's, never read as "1位专家评分
…取平均", never counted when altered after issue.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from points_demo import APPLICANTS, application, points_evaluator
from support import code_for
from test_panel_integrity import STRONG, WEAK, applications, panel_file, run

from iipeval.cli.main import cli
from iipeval.core.api import Loaded
from iipeval.core.model.application import SUMMARY_ID, ExpertReview, Submission
from iipeval.core.panel.record import RECORD_NAME, load_record
from iipeval.core.panel.roster import PanelError, load_panel
from iipeval.core.round.batch import index_reviews, score_batch
from iipeval.excel.review.layout import FIRST_ROW, GUIDE, META, SCORES
from iipeval.excel.review.reader import read_review_json, read_review_workbook
from iipeval.excel.review.workbook import generate_panel

NAMES = list(APPLICANTS)  # 满格科技, 中游平台, 起步工场
AGREED = {"（示例）满格科技": 19, "（示例）中游平台": "较好", "（示例）起步工场": 3.5}


def points_round(tmp_path: Path, forms: str = "xlsx"):
    """A 会议评审 of the points set: its summary form, filled as the secretary would."""
    ev = points_evaluator()
    loaded = [Loaded(f"{n}.json", Submission(application=application(n))) for n in NAMES]
    panel = load_panel(panel_file(tmp_path))
    out = tmp_path / "reviews"
    written, _, record = generate_panel(ev, loaded, panel, out, forms=forms, meeting=True)
    return ev, loaded, written, record


def fill_summary(path: Path) -> None:
    if path.suffix == ".json":
        form = json.loads(path.read_text("utf-8"))
        for r, a in zip(form["reviews"], form["applications"], strict=True):
            r["scores"] = {"advanced": AGREED[a["applicant"]]}
        path.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
        return
    wb = openpyxl.load_workbook(path)
    ws = wb[SCORES]
    for row in range(FIRST_ROW, FIRST_ROW + len(NAMES)):
        ws[f"F{row}"] = AGREED[ws[f"B{row}"].value]
    wb.save(path)


def read(path: Path):
    return read_review_json(path) if path.suffix == ".json" else read_review_workbook(path)


@pytest.mark.parametrize("forms", ["xlsx", "json"])
def test_the_agreed_figures_are_the_panels_scores_verified_by_the_record(tmp_path, forms):
    ev, loaded, [w], record = points_round(tmp_path, forms)
    assert w.expert.id == SUMMARY_ID and w.rows == 3 and w.path.name.startswith("summary_")
    assert [e.id for e in record.experts if e.forms] == [SUMMARY_ID]
    fill_summary(w.path)
    batch = score_batch(ev, loaded, [read(w.path)], record=record)
    middle = next(r for r in batch.results if r.applicant == "（示例）中游平台")
    advanced = next(i for i in middle.indicators if i.id == "advanced")
    assert advanced.points == 13  # 较好 = the middle of 11–15, the panel's one figure
    assert "评审组会议评审合议评分，得13分（满分20分）（较好）" in advanced.explanation
    assert "位专家评分" not in advanced.explanation and "取平均" not in advanced.explanation
    assert middle.total == 53  # 57 − 14 + 13
    assert middle.panel_check.verified and middle.panel_check.counted == [SUMMARY_ID]
    assert middle.panel_check.rule.startswith("评审组会议合议评分")
    assert (middle.panel_check.recused, middle.panel_check.missing) == ([], [])
    [detail] = middle.panels
    assert detail.method == "consensus" and detail.spread == 0
    codes = {f.code for r in batch.results for f in r.findings} | {f.code for f in batch.findings}
    assert not codes & {"too_few_experts", "partial_review", "review_not_returned"}


def test_a_summary_altered_after_issue_is_refused_and_not_counted(tmp_path):
    ev, loaded, [w], record = points_round(tmp_path)
    fill_summary(w.path)
    wb = openpyxl.load_workbook(w.path)
    meta = wb[META]
    for row in meta.iter_rows():
        if row[0].value == "panel":
            row[1].value = "另一个评审组"
    wb.save(w.path)
    batch = score_batch(ev, loaded, [read(w.path)], record=record)
    assert any(f.severity == "error" and f.file == str(w.path) for f in batch.findings)
    middle = next(r for r in batch.results if r.applicant == "（示例）中游平台")
    assert middle.total is None  # the expert part waits: nothing was counted


def test_an_experts_own_form_in_a_meeting_round_is_not_counted(tmp_path):
    ev, loaded, [w], record = points_round(tmp_path)
    fill_summary(w.path)
    forged = tmp_path / "reviews" / "review_E01.json"
    forged.write_text(
        json.dumps(
            [{"expert": "E01", "application": "（示例）中游平台", "scores": {"advanced": 20}}],
            ensure_ascii=False,
        ),
        "utf-8",
    )
    batch = score_batch(ev, loaded, [read(w.path), read_review_json(forged)], record=record)
    assert any(f.severity == "error" and f.file == str(forged) for f in batch.findings)
    middle = next(r for r in batch.results if r.applicant == "（示例）中游平台")
    assert next(i for i in middle.indicators if i.id == "advanced").points == 13


def test_without_a_record_experts_beside_the_summary_are_set_aside_and_said_so():
    ev = points_evaluator()
    name = "（示例）中游平台"
    reviews = [
        ExpertReview(expert=SUMMARY_ID, scores={"advanced": 12}),
        ExpertReview(expert="专家1", scores={"advanced": 20}),
    ]
    r = ev.score(application(name), reviews)
    assert next(i for i in r.indicators if i.id == "advanced").points == 12
    [f] = [f for f in r.findings if f.code == "consensus_and_experts"]
    assert "专家专家1的个人评分未计入" in f.message


def test_an_agreed_figure_outside_the_scale_is_named_not_counted():
    ev = points_evaluator()
    r = ev.score(
        application("（示例）中游平台"), [ExpertReview(expert=SUMMARY_ID, scores={"advanced": 25})]
    )
    [f] = [f for f in r.findings if f.code == "bad_expert_score"]
    assert "评审组合议评分无效" in f.message and r.total is None


def test_the_summary_workbook_says_who_fills_it_in_and_who_signs(tmp_path):
    _, _, [w], _ = points_round(tmp_path)
    wb = openpyxl.load_workbook(w.path)
    guide = [c.value for row in wb[GUIDE].iter_rows() for c in row if c.value]
    scores = [c.value for row in wb[SCORES].iter_rows() for c in row if isinstance(c.value, str)]
    assert guide[0].startswith("评审组会议评审汇总表：")
    assert "会议评审" in guide and "填写人" in guide and "专家" not in guide
    assert not [t for t in guide if "仅供参考" in t or "您一人" in t]
    assert scores[0].startswith("评审组会议评审汇总表")
    assert any("评审组组长（签字）" in t and "秘书（记录）" in t for t in scores)
    assert not any("专家签名" in t for t in scores)


def test_panel_meeting_from_the_command_line(tmp_path):
    apps = applications(tmp_path)
    out = tmp_path / "reviews"
    kept = tmp_path / "私密" / RECORD_NAME  # the organiser's, apart from the forms
    res = run("panel", apps, "--panel", panel_file(tmp_path), "--meeting", "-o", out,
              "--record", kept, code=0)  # fmt: skip
    assert "评审组会议评审汇总表，national_2023，2份申报" in res.output
    files = sorted(p.name for p in out.iterdir())
    assert files[0].startswith("summary_") and len(files) == 1
    record = load_record(kept)
    assert [e.id for e in record.experts] == ["E01", "E02", "E03", SUMMARY_ID]
    keys = {a.key for a in record.expert(SUMMARY_ID).forms[0].applications}
    assert keys == {STRONG, WEAK}


def test_an_expert_may_not_take_the_summarys_id(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(f'id = "A"\n[[experts]]\nid = "{SUMMARY_ID}"\n', "utf-8")
    with pytest.raises(PanelError, match="留给会议评审汇总表"):
        load_panel(path)


def test_panel_help_names_the_meeting_form():
    res = CliRunner().invoke(cli, ["panel", "--help"])
    assert "--meeting" in res.output and "会议评审" in res.output


def test_index_files_the_summary_under_each_application(tmp_path):
    _, _, [w], record = points_round(tmp_path, "json")
    fill_summary(w.path)
    index = index_reviews([read(w.path)], record=record)
    assert [r.expert for r in index.for_key(code_for("（示例）起步工场"))] == [SUMMARY_ID]
