"""What the workbooks iipeval writes share, whatever their kind: the fixed document time
(same content, same bytes), 宋体 as the Normal font, a styled cell and a header row, A4
landscape printing, and saving with the clock pinned."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.excel.cells import styles
from iipeval.excel.cells.sheetwrite import Style, styled_cell
from iipeval.excel.cells.styles import BODY, GRID, WRAP
from iipeval.present.xlsx import FOOTER, pin_zip

FIXED_TIME = datetime(2023, 1, 1, 0, 0, 0)


def default_font(wb: Workbook) -> None:
    """Make 宋体 the workbook's Normal font.

    Column widths are measured in the Normal font's digit width, so with 宋体 as Normal a
    CJK glyph is two units wide in Excel, WPS and LibreOffice alike and the widths chosen
    in :mod:`.measure` hold everywhere (openpyxl offers no public setter for this).
    """
    wb._fonts = IndexedList([styles.BODY])
    wb._named_styles["Normal"].font = styles.BODY


def header_row(ws: Worksheet, row: int, headers) -> None:
    for col, text in enumerate(headers, 1):
        c = ws.cell(row, col, text)
        c.font, c.fill, c.alignment, c.border = (
            styles.BOLD,
            styles.HEADER_FILL,
            styles.CENTER,
            styles.GRID,
        )


def landscape(ws: Worksheet, title_rows: str) -> None:
    """A4 landscape, one page wide, the header row repeated on every printed page, each
    page footed with the sheet's name and its number (a loose page is still placed)."""
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 9


def save_fixed(wb: Workbook, target: Path) -> None:
    """Same findings, same bytes: the document time and zip entry times are pinned."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if target.suffix.lower() == ".xlsm":  # keep the macro part as it came
        target.write_bytes(data)
        return
    with zipfile.ZipFile(io.BytesIO(data)):  # a broken save must fail here, not at the user
        pass
    target.write_bytes(pin_zip(data, FIXED_TIME))


def cell_style(font=BODY, fill=None, align=WRAP, border=True, fmt_=None, protection=None) -> Style:
    """The style tuple :mod:`.sheetwrite` writes: 宋体 wrapped in a grid unless told otherwise."""
    return (font, align, fill, GRID if border else None, fmt_, protection)


def sheet_cell(ws: Worksheet, row: int, col: int, value=None, *, formula=False, **style):
    """Write and style one cell of an openpyxl sheet (see :func:`cell_style`); returns the cell.
    Every string is stored as text; only ``formula=True`` writes a formula."""
    return styled_cell(ws, row, col, value, cell_style(**style), formula=formula)


def cell_text(value: Any) -> str:
    """A cell's value as text, as a person typed it: whole floats without ``.0``, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
