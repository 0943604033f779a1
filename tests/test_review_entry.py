"""An expert's entry is checked the same way whichever form the expert filled in.

The signed JSON form and the expert workbook both record each part's own scale (its full
mark and grade names, issue 13) and are read with one check
(:func:`iipeval.core.panel.entry.check_entry`): the same value gives the same finding in
both, a set's own grades count in both, and points beyond a part's full mark count in
neither, also when the expert widens the scale the form records.

The set is the points-style test set: its one expert part (``advanced``) is scored on
0-20 points with the grades 好/较好/一般/差.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from points_demo import application, points_evaluator
from test_panel_integrity import meta_rows

from iipeval.core.api import Loaded
from iipeval.core.model.application import Submission
from iipeval.core.panel.entry import PartScale, check_entry
from iipeval.core.panel.record import RecordError, load_record, sign
from iipeval.core.panel.roster import Panel, PanelExpert
from iipeval.core.round.batch import score_batch
from iipeval.excel.review.layout import META, SCORES
from iipeval.excel.review.reader import read_reviews
from iipeval.excel.review.workbook import generate_panel

NAMES = ["（示例）中游平台", "（示例）满格科技"]
PART = "advanced"
EXPERTS = ("E01", "E02", "E03")


@pytest.fixture(scope="module")
def ev():
    return points_evaluator()


def loaded() -> list[Loaded]:
    return [Loaded(f"{n}.json", Submission(application=application(n))) for n in NAMES]


@pytest.fixture(scope="module")
def rounds(ev, tmp_path_factory):
    """The same panel issued twice: as signed JSON forms and as signed workbooks."""
    panel = Panel(id="评审组", round="第一轮", experts=[PanelExpert(id=e) for e in EXPERTS])
    out = {}
    for kind in ("json", "xlsx"):
        folder = tmp_path_factory.mktemp(kind)
        _, _, record = generate_panel(ev, loaded(), panel, folder, forms=kind)
        out[kind] = (folder, record)
    return out


def fill(folder: Path, kind: str, entries: dict[str, object], into: Path) -> Path:
    """A copy of the round in ``into`` with each expert's entry for every application on
    the expert part: {expert: value}."""
    into.mkdir()
    for src in sorted(folder.glob(f"review_*.{kind}")):
        expert = next(e for e in EXPERTS if src.stem.endswith(e))
        target = into / src.name
        if kind == "json":
            form = json.loads(src.read_text("utf-8"))
            for r in form["reviews"]:
                r["scores"][PART] = entries[expert]
            target.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
        else:
            wb = openpyxl.load_workbook(src)
            parts, rows = meta_rows(wb)
            [col] = [c for pid, _, c in parts if pid == PART]
            for r in rows.values():
                wb[SCORES].cell(row=r, column=col, value=entries[expert])
            wb.save(target)
    return into


def read(folder: Path, kind: str):
    return [read_reviews(p) for p in sorted(folder.glob(f"review_*.{kind}"))]


def seen(findings) -> list[tuple]:
    """What a reader of the finding sees, apart from where it points."""
    return [(f.severity, f.code, f.message, f.indicator) for f in findings]


def scored(ev, folder: Path, kind: str, record):
    """Every finding (the batch's own and each result's) and each applicant's panel on
    the expert part."""
    batch = score_batch(ev, loaded(), read(folder, kind), record=record)
    panels = {r.applicant: next(p for p in r.panels if p.part == PART) for r in batch.results}
    findings = [*batch.findings, *(f for r in batch.results for f in r.findings)]
    return findings, panels


# --------------------------------------------------------------------------------------


def test_a_json_form_records_each_parts_own_scale(rounds):
    folder, _ = rounds["json"]
    form = json.loads(next(folder.glob("review_*E01.json")).read_text("utf-8"))
    [part] = [p for p in form["parts"] if p["id"] == PART]
    assert part["full"] == 20 and part["grades"] == ["好", "较好", "一般", "差"]


@pytest.mark.parametrize(
    "value",
    [25, 90, 120, -1, "优秀", "很好", True, "25", "25.5"],
    ids=["25", "90", "120", "-1", "common-grade", "not-a-grade", "TRUE", "text-25", "text-25.5"],
)
def test_the_same_entry_gives_the_same_finding_in_a_json_form_and_a_workbook(
    rounds, tmp_path, value
):
    got = {}
    for kind in ("json", "xlsx"):
        folder = fill(rounds[kind][0], kind, dict.fromkeys(EXPERTS, value), tmp_path / kind)
        bundles = read(folder, kind)
        got[kind] = [seen(b.findings) for b in bundles]
        assert all(r.scores[PART] is None for b in bundles for r in b.reviews)
    assert got["json"] == got["xlsx"]
    first = got["json"][0]
    assert len(first) == len(NAMES) and all(s[1] == "review_bad_score" for s in first)
    assert "（示例）中游平台" in first[0][2]  # the applicant's name, in both


@pytest.mark.parametrize("value", [[20], {"分": 20}], ids=["list", "object"])
def test_what_only_json_can_carry_is_a_finding_not_a_crash(rounds, tmp_path, value):
    folder = fill(rounds["json"][0], "json", dict.fromkeys(EXPERTS, value), tmp_path / "j")
    [bundle, *_] = read(folder, "json")
    assert [f.code for f in bundle.findings] == ["review_bad_score"] * len(NAMES)
    assert all(r.scores[PART] is None for r in bundle.reviews)


@pytest.mark.parametrize(
    "value, code",
    [(10**400, "number_too_large"), (float("inf"), "bad_number"), (float("nan"), "bad_number")],
    ids=["10**400", "inf", "nan"],
)
def test_a_json_form_is_read_as_strictly_as_an_application(rounds, tmp_path, value, code):
    """Literals no form-filling tool writes refuse the whole form, at their key path."""
    folder = fill(rounds["json"][0], "json", dict.fromkeys(EXPERTS, value), tmp_path / "j")
    [bundle, *_] = read(folder, "json")
    assert {f.code for f in bundle.findings} == {code}
    assert all(f.item.startswith("reviews.") for f in bundle.findings)
    assert bundle.reviews == []


def test_a_json_form_with_a_duplicated_key_is_refused_not_guessed(rounds, tmp_path):
    """json.loads keeps the last of two equal keys: an expert could show one score to a
    reader of the file and have another counted."""
    folder = fill(rounds["json"][0], "json", dict.fromkeys(EXPERTS, 15), tmp_path / "j")
    form = sorted(folder.glob("review_*.json"))[0]
    text = form.read_text("utf-8")
    forged = text.replace('"scores": {', '"scores": {"' + PART + '": 20, ', 1)
    assert forged != text
    form.write_text(forged, "utf-8")
    [bundle, *_] = read(folder, "json")
    assert [f.code for f in bundle.findings] == ["duplicate_key"]
    assert bundle.findings[0].item.endswith(f"scores.{PART}")
    assert bundle.reviews == []


def test_a_json_finding_points_at_its_key_and_a_workbook_finding_at_its_cell(rounds, tmp_path):
    j = fill(rounds["json"][0], "json", dict.fromkeys(EXPERTS, 25), tmp_path / "j")
    x = fill(rounds["xlsx"][0], "xlsx", dict.fromkeys(EXPERTS, 25), tmp_path / "x")
    assert read(j, "json")[0].findings[0].item == f"reviews[0].scores.{PART}"
    wb_finding = read(x, "xlsx")[0].findings[0]
    assert wb_finding.sheet == SCORES and wb_finding.cell and wb_finding.item == PART


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_the_sets_own_grades_and_points_count_in_either_form(ev, rounds, tmp_path, kind):
    folder, record = rounds[kind]
    filled = fill(folder, kind, {"E01": "较好", "E02": 17, "E03": "20"}, tmp_path / kind)
    assert all(b.findings == [] for b in read(filled, kind))
    findings, panels = scored(ev, filled, kind, record)
    assert not [f for f in findings if f.severity == "error"]
    # 较好 counts as the middle of 11-15; points are points; "20" typed as text is 20
    assert all(p.experts == {"E01": 13, "E02": 17, "E03": 20} for p in panels.values())


@pytest.mark.parametrize("kind", ["json", "xlsx"])
@pytest.mark.parametrize("value", [90, 120])
def test_an_expert_cannot_outweigh_the_panel_with_points_beyond_the_full_mark(
    ev, rounds, tmp_path, kind, value
):
    folder, record = rounds[kind]
    filled = fill(folder, kind, {"E01": value, "E02": 12, "E03": 14}, tmp_path / kind)
    findings, panels = scored(ev, filled, kind, record)
    bad = [f for f in findings if f.code == "review_bad_score"]
    assert len(bad) == len(NAMES)
    assert all(f.severity == "error" and "超出0-20范围" in f.message for f in bad)
    assert all(p.experts == {"E02": 12, "E03": 14} for p in panels.values())


def test_widening_the_scale_a_json_form_records_breaks_its_signature(ev, rounds, tmp_path):
    folder, record = rounds["json"]
    filled = fill(folder, "json", {"E01": 120, "E02": 12, "E03": 14}, tmp_path / "j")
    e01 = next(filled.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    form["parts"][0]["full"] = 200  # so that 120 passes the reader
    e01.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    assert read(filled, "json")[0].findings == []
    findings, panels = scored(ev, filled, "json", record)
    assert "review_signature" in [f.code for f in findings]
    assert all(p.experts == {"E02": 12, "E03": 14} for p in panels.values())


def test_dropping_the_scale_from_a_json_form_breaks_its_signature(ev, rounds, tmp_path):
    """Without a scale a form is read on 0-100 (forms issued before scales were recorded);
    deleting it from a new form must not turn 90 of 20 points into an accepted 90."""
    folder, record = rounds["json"]
    filled = fill(folder, "json", {"E01": 90, "E02": 12, "E03": 14}, tmp_path / "j")
    e01 = next(filled.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    for p in form["parts"]:
        del p["full"], p["grades"]
    e01.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    findings, panels = scored(ev, filled, "json", record)
    assert "review_signature" in [f.code for f in findings]
    assert all(p.experts == {"E02": 12, "E03": 14} for p in panels.values())


def test_widening_the_scale_in_a_workbooks_meta_breaks_its_signature(ev, rounds, tmp_path):
    """From workbook version 3 each part's 满分 and 等级 are signed: an expert who raises
    满分 to 200 in ``_meta`` to get 120 accepted has the whole form refused."""
    folder, record = rounds["xlsx"]
    filled = fill(folder, "xlsx", {"E01": 120, "E02": 12, "E03": 14}, tmp_path / "x")
    e01 = next(filled.glob("review_*E01.xlsx"))
    wb = openpyxl.load_workbook(e01)
    for row in wb[META].iter_rows():
        if row[1].value == PART:
            row[6].value = 200  # 满分
    wb.save(e01)
    assert read(filled, "xlsx")[0].findings == []  # the reader alone cannot tell
    findings, panels = scored(ev, filled, "xlsx", record)
    assert [f.file for f in findings if f.code == "review_signature"] == [str(e01)]
    assert all(p.experts == {"E02": 12, "E03": 14} for p in panels.values())


def test_a_version_2_workbook_still_verifies_and_the_engine_checks_its_scale(ev, rounds, tmp_path):
    """Forms issued before the scale was signed keep verifying (rounds under way); the
    engine checks every entry against the set's own scale once more."""
    folder, record = rounds["xlsx"]
    filled = fill(folder, "xlsx", {"E01": 120, "E02": 12, "E03": 14}, tmp_path / "x")
    for form in filled.glob("review_*.xlsx"):
        wb = openpyxl.load_workbook(form)
        for row in wb[META].iter_rows():
            if row[0].value == "workbook_version":
                row[1].value = 2
        wb.save(form)
    key = bytes.fromhex(record.key)
    for form in filled.glob("review_*.xlsx"):
        bundle = read_reviews(form)
        wb = openpyxl.load_workbook(form)
        for row in wb[META].iter_rows():
            if row[0].value == "signature":
                row[1].value = sign(key, bundle.claims)
            if form.name.endswith("E01.xlsx") and row[1].value == PART:
                row[6].value = 200  # unsigned in version 2
        wb.save(form)
    findings, panels = scored(ev, filled, "xlsx", record)
    assert "review_signature" not in [f.code for f in findings]
    assert "bad_expert_score" in [f.code for f in findings]
    assert all(p.experts == {"E02": 12, "E03": 14} for p in panels.values())


def test_a_form_from_before_scales_were_recorded_is_read_on_0_to_100():
    old = PartScale()
    assert check_entry(100, old) == (100.0, None)
    assert check_entry("优秀", old) == ("优秀", None)
    assert check_entry(100.5, old)[1] == "评分100.5超出0-100范围"
    assert check_entry("好", old)[1].endswith("（应为0-100的数字，或优秀、良好、一般、较差之一）")


def test_a_damaged_form_or_record_names_the_key_of_its_first_problem(rounds, tmp_path):
    folder, _ = rounds["json"]
    form = json.loads(next(folder.glob("review_*E01.json")).read_text("utf-8"))
    form["parts"][0]["full"] = -20
    path = tmp_path / "review_form.json"
    path.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    [finding] = read_reviews(path).findings
    assert finding.code == "review_form" and finding.message.startswith(
        "评分表格式有误：parts.0.full："
    )
    record = tmp_path / "panel-record.json"
    record.write_text('{"format": "iipeval.panel-record", "round": 1}', "utf-8")
    record.chmod(0o600)
    with pytest.raises(RecordError, match=r"评审组登记已损坏（round："):
        load_record(record)


def test_an_oversized_review_file_is_refused_unread(tmp_path):
    """A review JSON is held to the applications' size limit before any parsing."""
    from iipeval.core.scoring.params import InputLimits
    from iipeval.excel.intake import read_review

    path = tmp_path / "review_big.json"
    path.write_text('{"expert": "E01", "reviews": []}' + " " * 200, "utf-8")
    bundle = read_review(path, InputLimits(max_json_bytes=100))
    assert [f.code for f in bundle.findings] == ["file_too_large"]
    assert bundle.reviews == []
