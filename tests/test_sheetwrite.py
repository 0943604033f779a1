"""Rows written as XML directly say exactly what openpyxl says when it writes the same
cells one by one: values, text that looks like a formula, formulas, styles, merges, row
heights, and every other part of the workbook."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from xlsx_parts import parts

from iipeval.excel.cells.sheetwrite import Book, Rows


def saved(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


RED = Font(name="宋体", color="C00000")
WRAP = Alignment(wrap_text=True, vertical="center")
FILL = PatternFill("solid", fgColor="FFF2CC")
GRID = Border(left=Side(style="thin"), bottom=Side(style="thin"))
OPEN = Protection(locked=False)


def sample() -> Rows:
    out = Rows()
    out.merge("A1:D1")
    out.put(1, 1, '标题 <&> "quoted"', (Font(size=14, bold=True), WRAP, None, None, None, None))
    for col in (2, 3, 4):  # covered cells of the merge, styled
        out.put(1, col, None, (RED, WRAP, FILL, GRID, None, None))
    out.height(1, 26)
    texts = [
        '=HYPERLINK("http://evil")',  # a name that looks like a formula stays text
        "#N/A",
        " 前后有空格 ",
        "行一\r\n行二",
        "含\x01控制字符",
        "",
        "x" * 2100,  # capped
        True,
    ]
    for k, text in enumerate(texts):
        out.put(3 + k, 1, text, (RED, WRAP, FILL, GRID, "@", None))
    numbers = [0, 7, -2.5, 0.1 + 0.2, 1e-16, 123456789012.25, float("nan")]
    for k, x in enumerate(numbers):
        out.put(3 + k, 2, x, (Font(name="宋体"), WRAP, None, GRID, "0.00", None))
    out.put(3, 3, '=IF(A3>0,"<是>",A3&"&")', formula=True)
    out.put(4, 3, "=SUM(B3:B9)", (None, None, None, None, "0.0000", None), formula=True)
    out.put(5, 3, None, (None, Alignment(horizontal="center"), FILL, None, None, OPEN))
    out.put(6, 3, "无样式")
    out.put(7, 3, 42)
    out.put(8, 3, None)  # no value, no style: not written, but counted in the used range
    out.height(12, 40)  # a row with a height and no cell
    out.merge("E3:F4")
    out.put(3, 5, "合并", (RED, WRAP, None, None, None, None))
    return out


def test_rows_written_directly_equal_openpyxl_cell_by_cell():
    rows = sample()
    streamed = Book()
    streamed.active.title = "表一"
    reference = openpyxl.Workbook()
    reference.active.title = "表一"
    for wb in (streamed, reference):
        ws = wb.active
        ws.column_dimensions["A"].width = 30
        ws.freeze_panes = "B3"
        ws.protection.sheet = True
        dv = DataValidation(type="custom", formula1="AND(C5>=0,C5<=100)", allow_blank=True)
        dv.add("C5:C9")
        ws.add_data_validation(dv)
        ws.print_title_rows = "1:2"
        other = wb.create_sheet("_meta")
        other.sheet_state = "hidden"
        wb.create_sheet("空")
    rows.attach(streamed.active)
    rows.to_worksheet(reference.active)
    inner = Rows()  # a sheet whose used range does not start at A1
    inner.put(3, 2, "键")
    inner.put(5, 4, 1.5)
    inner.attach(streamed["_meta"])
    inner.to_worksheet(reference["_meta"])
    Rows().attach(streamed["空"])  # and an empty one
    mine, theirs = parts(io.BytesIO(saved(streamed))), parts(io.BytesIO(saved(reference)))
    assert mine.keys() == theirs.keys()
    for name in mine:
        assert mine[name] == theirs[name], name

    back = openpyxl.load_workbook(io.BytesIO(saved(streamed)))
    ws = back["表一"]
    assert ws["A3"].value == '=HYPERLINK("http://evil")' and ws["A3"].data_type == "s"
    assert ws["A6"].value == "行一\r\n行二" or ws["A6"].value == "行一\n行二"
    assert ws["A7"].value == "含\ufffd控制字符"
    assert ws["A10"].value == "是"
    assert ws["C4"].value == "=SUM(B3:B9)"
    assert ws["C5"].protection.locked is False and ws["A3"].font.color.rgb == "00C00000"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:D1", "E3:F4"}
    assert ws.row_dimensions[12].height == 40


def test_a_sheet_with_cells_of_its_own_is_not_overwritten():
    wb = Book()
    wb.active["A1"] = "已有"
    Rows().attach(wb.active)
    try:
        saved(wb)
    except ValueError as exc:
        assert "已有单元格" in str(exc)
    else:
        raise AssertionError("the sheet's own cell would have been dropped")


def test_panel_loads_openpyxl_without_numpy_and_numpy_still_imports():
    """``iipeval panel`` spares numpy's import (its forms hold no numpy number); a later
    ``import numpy`` in the same process still works."""
    code = (
        "import sys; from iipeval.excel.cells.lean import load_openpyxl; load_openpyxl();"
        "print('openpyxl' in sys.modules, 'numpy' in sys.modules);"
        "import numpy; print(numpy.float64(1.5) + 1)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "2.5"]
