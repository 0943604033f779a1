"""What is scored in an expert form is what the expert sees (issue 22, §2).

Each attack starts from the clean workbook round of ``test_panel_integrity`` (three
experts' signed forms, filled, E03 recused from the weak applicant) and changes E01's form
so that what E01 saw is not what is stored: a score the expert never saw, a name the
expert read that is not the row's, a value shown as something else. Each must end as an
error naming the file and the cell, the value not counted, and the ranking as it was.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from test_panel_integrity import (
    GIVEN,
    STRONG,
    WEAK,
    by_key,
    meta_rows,
    ranks,
    score,
    xlsx_round,  # noqa: F401 - the module's round, reused here
)
from test_scored_as_seen import edit_part, set_cell_xml, sheet_part, unprotected

from iipeval.excel.review.layout import META, SCORES
from iipeval.excel.review.reader import read_review_workbook

FORGED = 100


@pytest.fixture
def forms(xlsx_round, tmp_path):  # noqa: F811
    """A copy of the round's returned forms, and E01's form in it, opened for editing."""
    apps, original = xlsx_round
    reviews = tmp_path / "reviews"
    shutil.copytree(original, reviews)
    [e01] = reviews.glob("review_*_E01.xlsx")
    return apps, reviews, e01


def plan(path: Path):
    """(part id, label, score column) per part and key → row, from the form's _meta."""
    return meta_rows(openpyxl.load_workbook(path))


def cell(col: int, row: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


def e01_on(data, key: str) -> list:
    """E01's scores that counted for ``key``, over every part."""
    return [p["experts"].get("E01") for p in by_key(data)[key]["panels"]]


def said(data, code: str, path: Path) -> list[dict]:
    return [f for f in data["findings"] if f["code"] == code and f["file"] == str(path)]


# ---------------------------------------------------------------------------------------


def test_a_clean_round_shows_nothing_of_these_kinds(xlsx_round):  # noqa: F811
    apps, reviews = xlsx_round
    data = score(apps, reviews, code=0)
    assert [f for f in data["findings"] if f["severity"] == "error"] == []
    assert e01_on(data, WEAK) == [GIVEN["E01"][1]] * len(by_key(data)[WEAK]["panels"])


def test_a_score_in_a_hidden_row_is_not_counted(forms):
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    wb = unprotected(e01)
    for _, _, col in parts:
        wb[SCORES].cell(rows[WEAK], col, FORGED)
    wb[SCORES].row_dimensions[rows[WEAK]].hidden = True
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "review_row_unseen", e01)
    assert f["cell"] == f"C{rows[WEAK]}" and f"第{rows[WEAK]}行被隐藏" in f["message"]
    assert set(e01_on(data, WEAK)) == {None}
    assert ranks(data) == {STRONG: 1, WEAK: 2}


def test_a_score_in_a_hidden_column_is_not_counted(forms):
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[0]
    wb = unprotected(e01)
    wb[SCORES].cell(rows[WEAK], col, FORGED)
    letter = openpyxl.utils.get_column_letter(col)
    wb[SCORES].column_dimensions[letter].hidden = True
    wb.save(e01)
    data = score(apps, reviews, code=1)
    hidden = said(data, "hidden_column", e01)
    assert {f["cell"] for f in hidden} == {cell(col, r) for r in rows.values()}
    assert all(f"{letter}列被隐藏" in f["message"] for f in hidden)
    assert e01_on(data, WEAK)[0] is None and e01_on(data, STRONG)[0] is None


def test_a_very_hidden_scores_sheet_behind_a_visible_copy_refuses_the_form(forms):
    """The expert fills the visible copy; the reader would read the hidden original, on
    which someone else typed."""
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    wb = unprotected(e01)
    original = wb[SCORES]
    copy = wb.copy_worksheet(original)
    copy.title = "评分 "  # the tab reads the same
    for _, _, col in parts:
        original.cell(rows[WEAK], col, FORGED)
    original.sheet_state = "veryHidden"
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "review_not_seen", e01)
    assert f["sheet"] == SCORES and "深度隐藏" in f["message"]
    assert set(e01_on(data, WEAK)) == {None} and set(e01_on(data, STRONG)) == {None}


def test_a_sheet_the_form_did_not_have_refuses_the_form(forms):
    apps, reviews, e01 = forms
    wb = unprotected(e01)
    wb.create_sheet("评分（专家用）")
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "review_not_seen", e01)
    assert f["sheet"] == "评分（专家用）" and "下发时没有的工作表" in f["message"]


def test_a_score_under_a_merged_cell_is_not_counted(forms):
    """A merge shows its top-left cell: a score under it is printed blank."""
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[1]
    target, left = cell(col, rows[WEAK]), cell(col - 1, rows[WEAK])  # left: part 1's comment
    set_cell_xml(e01, target, f"<v>{FORGED}</v>".encode(), sheet=SCORES)
    edit_part(
        e01,
        sheet_part(e01, SCORES),
        lambda b: b.replace(b"</sheetData>", b"</sheetData>", 1).replace(
            b'<mergeCell ref="', f'<mergeCell ref="{left}:{target}" /><mergeCell ref="'.encode(), 1
        ),
    )
    data = score(apps, reviews, code=1)
    [f] = said(data, "merged_input", e01)
    assert f["cell"] == target and f"{left}:{target}" in f["message"]
    assert e01_on(data, WEAK)[1] is None


def test_a_formula_with_a_stale_cached_value_is_not_counted(forms):
    """``=60`` whose cached value says 100: Excel shows 60 once it recalculates, calamine
    reads 100."""
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[0]
    target = cell(col, rows[WEAK])
    set_cell_xml(e01, target, b"<f>60</f><v>100</v>", sheet=SCORES)
    data = score(apps, reviews, code=1)
    [f] = said(data, "formula", e01)
    assert f["cell"] == target and f["sheet"] == SCORES and "公式" in f["message"]
    assert e01_on(data, WEAK)[0] is None


@pytest.mark.parametrize(
    ("code", "shown"),
    [('"60"', "60"), ("0", "86"), (";;;", None), ('[<=100]"60";General', None)],
    ids=["literal-60", "rounded", "hidden", "conditional"],
)
def test_a_number_format_that_shows_another_value_is_not_counted(forms, code, shown):
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[0]
    wb = unprotected(e01)
    target = wb[SCORES].cell(rows[WEAK], col, 85.5 if code == "0" else FORGED)
    target.number_format = code
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "number_format", e01)
    assert f["cell"] == target.coordinate and "评分格" in f["message"]
    if shown:
        assert f"显示为“{shown}”" in f["message"]
    assert e01_on(data, WEAK)[0] is None


def test_85_percent_typed_into_a_score_cell_is_refused_at_that_cell_not_read_as_0_85(forms):
    apps, reviews, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[0]
    wb = unprotected(e01)
    target = wb[SCORES].cell(rows[WEAK], col, 0.85)  # what Excel stores for 85%
    target.number_format = "0%"
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "percent_format", e01)
    assert f["cell"] == target.coordinate and "85%" in f["message"] and "不要带 %" in f["message"]
    assert e01_on(data, WEAK)[0] is None  # neither 0.85 nor 85


def test_applicant_names_swapped_before_the_expert_filled_the_form(forms):
    """The expert scores 甲 high on the row that says 甲, and the points go to 乙: the
    names on the sheet are checked against the names the form was issued with."""
    apps, reviews, e01 = forms
    _, rows = plan(e01)
    wb = unprotected(e01)
    ws = wb[SCORES]
    a, b = rows[STRONG], rows[WEAK]
    ws.cell(a, 2).value, ws.cell(b, 2).value = ws.cell(b, 2).value, ws.cell(a, 2).value
    wb.save(e01)
    data = score(apps, reviews, code=1)
    named = said(data, "review_name_changed", e01)
    assert sorted(f["cell"] for f in named) == sorted([f"B{a}", f"B{b}"])
    assert set(e01_on(data, WEAK)) == {None} and set(e01_on(data, STRONG)) == {None}
    assert ranks(data) == {STRONG: 1, WEAK: 2}


def test_names_swapped_in_the_sheet_and_in_meta_alike_break_the_signature(forms):
    apps, reviews, e01 = forms
    _, rows = plan(e01)
    wb = unprotected(e01)
    ws, meta = wb[SCORES], wb[META]
    a, b = rows[STRONG], rows[WEAK]
    ws.cell(a, 2).value, ws.cell(b, 2).value = ws.cell(b, 2).value, ws.cell(a, 2).value
    names = {r: meta.cell(r, 4).value for r in range(1, meta.max_row + 1)}
    for r in names:
        if meta.cell(r, 2).value in (a, b) and meta.cell(r, 3).value in (STRONG, WEAK):
            meta.cell(r, 4).value = next(
                names[x]
                for x in names
                if meta.cell(x, 3).value in (STRONG, WEAK)
                and meta.cell(x, 3).value != meta.cell(r, 3).value
            )
    wb.save(e01)
    unverified = score(apps, reviews, code=0, record=None)  # only the signature can tell
    assert not said(unverified, "review_name_changed", e01)
    data = score(apps, reviews, code=1)
    assert said(data, "review_signature", e01)
    assert by_key(data)[WEAK]["panel_check"]["counted"] == ["E02"]


def test_a_name_shown_through_a_format_is_not_the_name_issued(forms):
    """A text format that shows another applicant's name over the row's own."""
    apps, reviews, e01 = forms
    _, rows = plan(e01)
    wb = unprotected(e01)
    ws = wb[SCORES]
    other = ws.cell(rows[STRONG], 2).value
    ws.cell(rows[WEAK], 2).number_format = f';;;"{other}"'
    wb.save(e01)
    data = score(apps, reviews, code=1)
    [f] = said(data, "review_row_unseen", e01)
    assert f["cell"] == f"B{rows[WEAK]}" and "数字格式" in f["message"]
    assert set(e01_on(data, WEAK)) == {None}


def test_the_reader_alone_says_the_same_at_the_cell(forms):
    """Without scoring: the bundle read from a forged form carries the finding and not the
    value, so every command that reads forms (robustness, weights) sees the same."""
    _, _, e01 = forms
    parts, rows = plan(e01)
    _, _, col = parts[0]
    set_cell_xml(e01, cell(col, rows[WEAK]), b"<f>60</f><v>100</v>", sheet=SCORES)
    bundle = read_review_workbook(e01)
    [f] = [f for f in bundle.findings if f.code == "formula"]
    assert (f.sheet, f.cell) == (SCORES, cell(col, rows[WEAK]))
    [weak] = [r for r in bundle.reviews if r.application == WEAK]
    assert weak.scores[parts[0][0]] is None
    assert re.fullmatch(r"[A-Z]+\d+", f.cell)
