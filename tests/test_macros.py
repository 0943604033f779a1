"""The buttons' macros (校验本表, 计算得分, 生成评分报告) against a stand-in Excel workbook.

Each macro is a plain function of an xlwings ``Book``; here the book is
:class:`fake_excel.FakeBook`, loaded from a real filled 申报表 (the .xlsm the generator
makes), with values as xlwings hands them over and writes that behave like Excel's
(``=…`` becomes a formula unless neutralised).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from fake_excel import FakeBook
from workbook_helpers import APPLICANT, figures, fill, slot_cells

from iipeval.addin import macros
from iipeval.addin.udfs import session_evaluator
from iipeval.core import voice
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write
from iipeval.excel.cells.sources import BookSource
from iipeval.excel.xlsm import write_application_xlsm

NATIONAL = "national_2023"
WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def ev():
    return session_evaluator()


@pytest.fixture(scope="module")
def fw(ev):
    return ev.framework(NATIONAL).framework


@pytest.fixture(scope="module")
def xlsm_template(fw, tmp_path_factory):
    path = tmp_path_factory.mktemp("macros") / "national.xlsm"
    write_application_xlsm(fw, path)
    return path


def open_filled(xlsm_template, tmp_path, values, applicant=None) -> FakeBook:
    """The .xlsm filled in and open in (stand-in) Excel, saved as ``tmp_path/申报.xlsm``."""
    filled = fill(xlsm_template, values, applicant=applicant, out=tmp_path / "filled.xlsx")
    return FakeBook.from_file(filled, fullname=str(tmp_path / "national_filled.xlsm"))


def messy(fw) -> dict:
    """What applicants really type: text numbers, units, blanks, a date, approximations."""
    ids = [i.id for i in fw.items if i.type == "integer"]
    return figures(fw) | {
        ids[0]: "1.2万",
        ids[1]: "12,000",
        ids[2]: None,
        ids[3]: dt.datetime(2024, 1, 5),
        ids[4]: "约300",
        ids[5]: "3000台（套）",
    }


# -- one reader for files and open workbooks ---------------------------------------------------


def test_open_workbook_reads_exactly_as_the_saved_file(ev, fw, tmp_path):
    path = tmp_path / "messy.xlsx"
    write(fw, path)
    fill(path, messy(fw))
    from_file = read_workbook(path, ev)
    live = macros.load_book(FakeBook.from_file(path), ev)
    assert live.submission.application == from_file.submission.application
    assert live.locations == from_file.locations
    assert live.rejected == from_file.rejected

    def key(f):
        return (f.code, f.sheet, f.cell, f.item, f.message)

    assert [key(f) for f in live.findings] == [key(f) for f in from_file.findings]
    codes = {f.code for f in live.findings}
    assert {"approximate", "date_value"} <= codes


def test_unsaved_edits_are_what_the_macro_reads(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    item = next(i for i in fw.items if i.type == "integer")
    sheet, cell = slot_cells(xlsm_template)[item.id]
    book.sheets[sheet].range(cell).value = "大约很多"  # typed, not saved
    outcome = macros.check_book(book, ev)
    assert any(f.cell == cell and f.sheet == sheet for f in outcome.findings)
    assert BookSource(book).name.endswith("national_filled.xlsm")


# -- 校验本表 ----------------------------------------------------------------------------------


def test_check_lists_every_finding_with_its_cell(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, messy(fw))
    outcome = macros.check_book(book, ev)
    ws = book.sheets[macros.CHECK_SHEET]
    rows = ws.rows()
    assert rows[0][0] == "校验结果" and rows[5][:4] == ["序号", "级别", "位置", "问题"]
    listed = rows[6:]
    assert len(listed) == len(outcome.findings) > 0
    for (_n, _level, where, message), f in zip(
        (r[:4] for r in listed), outcome.findings, strict=True
    ):
        assert message == f.message
        assert where == (f"{f.sheet}!{f.cell}" if f.cell else (f.sheet or ""))
    assert any(r[1] == "错误" and "约300" in r[3] for r in listed)
    assert voice.NEEDS_FIX_STATUS in rows[3][1] and "个错误" in rows[3][1]
    assert ws.range("A6").font.bold and ws.range((7, 4)).wrap_text


def test_check_again_replaces_the_old_list(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, messy(fw))
    macros.check_book(book, ev)
    before = len(book.sheets[macros.CHECK_SHEET].rows())
    for key, value in figures(fw).items():  # the applicant corrects everything
        cells = slot_cells(xlsm_template)
        if key in cells:
            sheet, cell = cells[key]
            book.sheets[sheet].range(cell).value = (
                value if not isinstance(value, bool) else ("是" if value else "否")
            )
    outcome = macros.check_book(book, ev)
    rows = book.sheets[macros.CHECK_SHEET].rows()
    assert len(rows) < before and rows[3][1] == "未发现问题" == outcome.message.split("：")[1]


def test_applicant_text_is_written_as_text_never_as_a_formula(ev, fw, xlsm_template, tmp_path):
    evil = dict(APPLICANT, name='=HYPERLINK("http://evil.example","点此")', contact="+1+1")
    book = open_filled(xlsm_template, tmp_path, messy(fw), applicant=evil)
    cells = slot_cells(xlsm_template)
    for key in ("name", "contact"):  # typed as text (a formula in an input cell is refused)
        sheet, cell = cells[f"applicant.{key}"]
        book.sheets[sheet].range(cell).value = "'" + evil[key]
    macros.check_book(book, ev)
    macros.score_book(book, ev)
    for name in (macros.CHECK_SHEET, macros.SCORE_SHEET):
        assert book.sheets[name].formulas == {}
    assert book.sheets[macros.SCORE_SHEET].cell("B2") == evil["name"]  # shown as typed


def test_a_file_that_is_not_an_application_is_refused_in_words(ev, tmp_path):
    book = FakeBook(str(tmp_path / "其他.xlsm"))
    book.sheets.add("Sheet1").range("A1").value = "随便什么"
    outcome = macros.check_book(book, ev)
    rows = book.sheets[macros.CHECK_SHEET].rows()
    assert rows[3][1].startswith("无法读取为申报表")
    assert any("_meta" in (r[3] or "") for r in rows[6:])
    assert outcome.findings[0].code == "not_template"
    score = macros.score_book(book, ev)
    assert score.message.startswith("无法评分")
    assert book.sheets[macros.SCORE_SHEET].cell("B2").startswith("无法评分")


def test_locked_workbook_without_result_sheet_says_what_to_do(ev, fw, tmp_path):
    path = tmp_path / "plain.xlsx"
    write(fw, path)  # the .xlsx has no result sheets and a locked structure
    book = FakeBook.from_file(fill(path, figures(fw)))
    assert macros.run_button(macros.check_book, book) is None
    prompt, title, _ = book.app.alerts[-1]
    assert "工作簿结构可能受保护" in prompt and title == "iipeval" and "Traceback" not in prompt
    book.sheets.locked = False
    assert macros.run_button(macros.check_book, book).sheet == macros.CHECK_SHEET
    assert book.sheets[macros.CHECK_SHEET].active


# -- 计算得分 ----------------------------------------------------------------------------------


def test_score_writes_dimensions_total_indicators_and_a_chart(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    outcome = macros.score_book(book, ev)
    result = ev.score_loaded(macros.load_book(book, ev))
    ws = book.sheets[macros.SCORE_SHEET]
    rows = ws.rows()
    assert rows[1][:2] == ["申报单位", APPLICANT["name"]]
    assert rows[3][0].startswith("总分（暂定") and rows[3][1] == pytest.approx(result.secured)
    assert rows[4][1] == voice.pending_total(
        result.secured, result.pending_points
    ) and outcome.message.startswith("评分完成：总分（暂定")
    top = next(k for k, r in enumerate(rows) if r[:2] == ["维度", "得分（0-100）"])
    dims = rows[top + 1 : top + 1 + len(result.dimensions)]
    for row, d in zip(dims, result.dimensions, strict=True):
        assert row[0] == d.name and row[3] == d.weight and row[4] in ("已评分", "待专家评分")
        assert row[1] == (pytest.approx(d.score) if d.score is not None else None)
    ind_top = top + len(result.dimensions) + 2
    assert rows[ind_top][:2] == ["维度", "指标"] and rows[ind_top][7] == "计分说明"
    indicators = rows[ind_top + 1 :]
    assert [r[1] for r in indicators] == [i.name for i in result.indicators]
    assert [r[7] for r in indicators] == [i.explanation for i in result.indicators]
    assert ws.range((top + 2, 2)).number_format == "0.00"

    [chart] = ws.charts
    assert chart.chart_type == "bar_clustered" and chart.name == "维度得分"
    src = chart.source
    assert (src.r1, src.c1, src.r2, src.c2) == (top + 1, 1, top + 1 + len(result.dimensions), 2)
    macros.score_book(book, ev)
    assert len(ws.charts) == 1  # a second click replaces the chart, not adds one


def test_score_of_a_complete_application_is_final(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    loaded = macros.load_book(book, ev)
    parts = {pid: 80 for pid, _, _ in fw.expert_parts()}
    from iipeval.core.model.application import ExpertReview

    final = ev.score(loaded.submission.application, [ExpertReview(expert="E1", scores=parts)])
    assert not final.provisional  # the engine's view; the sheet shows the same
    from iipeval.addin.udfs import total_row

    assert total_row(final)[0] == "总分" and total_row(final)[1] == final.total


# -- 生成评分报告 ------------------------------------------------------------------------------


def test_report_is_written_beside_the_workbook(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    outcome = macros.report_book(book, ev, generated_at=WHEN)
    target = tmp_path / "national_filled_评分报告.xlsx"
    assert outcome.path == target and target.is_file()
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "排名"
    values = [c for row in wb["排名"].iter_rows(values_only=True) for c in row]
    assert APPLICANT["name"] in values
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_existing_report_is_replaced_only_when_confirmed(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    target = macros.report_path(book)
    target.write_bytes(b"old report")
    book.app.answers = ["no"]
    refused = macros.report_book(book, ev)
    assert refused.path is None and target.read_bytes() == b"old report"
    assert book.app.alerts[-1][2] == "yes_no" and target.name in book.app.alerts[-1][0]
    assert macros.report_book(book, ev, overwrite=False).path is None
    assert len(book.app.alerts) == 1  # told not to overwrite: no question asked
    book.app.answers = ["yes"]
    assert macros.report_book(book, ev).path == target
    assert target.read_bytes()[:2] == b"PK"


def test_unsaved_workbook_must_be_saved_first(ev, fw, xlsm_template, tmp_path):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    book.fullname = "工作簿1"  # never saved: Excel gives only the window name
    assert macros.run_button(macros.report_book, book) is None
    assert "请先保存工作簿" in book.app.alerts[-1][0]


# -- what the buttons run ----------------------------------------------------------------------


def test_buttons_find_the_calling_workbook_and_never_show_a_traceback(
    ev, fw, xlsm_template, tmp_path, monkeypatch
):
    book = open_filled(xlsm_template, tmp_path, figures(fw))
    monkeypatch.setattr(macros, "_caller", lambda: book)
    macros.check_caller()
    assert book.sheets[macros.CHECK_SHEET].active
    assert book.app.status_bar.startswith("校验完成")
    macros.score_caller()
    assert book.sheets[macros.SCORE_SHEET].charts
    macros.report_caller()
    assert book.app.alerts[-1][0].startswith("已生成评分报告")
    assert Path(str(macros.report_path(book))).is_file()

    def broken(_book):
        raise ValueError("坏了")

    assert macros.run_button(broken, book) is None
    assert book.app.alerts[-1][0] == "运行失败（ValueError：坏了）"
