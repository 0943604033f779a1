"""How the results workbook's sheets are filled: cell styles, and a grid that streams rows.

Every sheet of the results workbook is written through :class:`Grid` into a write-only
worksheet (``Workbook(write_only=True)``): openpyxl then keeps no cell in memory, and a
sheet of a national round (排名, 问题清单, 推荐信息汇总表 with thousands of rows) costs
the same memory as a sheet of ten. A write-only worksheet takes its rows once, in order,
after its column widths; the widths and row heights that keep every text readable in
Excel, WPS and LibreOffice depend on every row, so the grid collects the rows first
(complete rows spill to a temporary file in chunks) and writes them when it is finished.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core.findings import Severity
from iipeval.core.text import display_width
from iipeval.present.cell_text import put, wrapped_lines
from iipeval.present.xlsx import print_a4

FONT_NAME = "微软雅黑"
FONT_SIZE = 10
LINE_PT = 14.5  # one line of 10pt CJK text, with leading
ROW_PAD_PT = 4.0
NUM_FORMAT = "0.00"
DEFAULT_WIDTH = 8.43  # Excel's width of a column that sets none

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
SEVERITY_FILLS = {
    Severity.error: PatternFill("solid", fgColor="FFC7CE"),
    Severity.warning: PatternFill("solid", fgColor="FFEB9C"),
}
FLAG_FILL = PatternFill("solid", fgColor="FFEB9C")
EXCLUDED_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Style:
    bold: bool = False
    size: float = FONT_SIZE
    fill: PatternFill | None = None
    border: bool = True
    wrap: bool = True
    horizontal: str | None = None
    number_format: str | None = None
    color: str | None = None
    strike: bool = False
    underline: str | None = None


TEXT = Style()
HEAD = Style(bold=True, fill=HEAD_FILL, horizontal="center")
LABEL = Style(bold=True, fill=LABEL_FILL)
NUM = Style(number_format=NUM_FORMAT, horizontal="right")
CENTER = Style(horizontal="center")
TITLE = Style(bold=True, size=14, border=False, wrap=False)
SECTION = Style(bold=True, size=11, border=False, wrap=False)
NOTE = Style(border=False, color="595959")
LINK = Style(color="0563C1", underline="single")


class Sheet(WriteOnlyWorksheet):
    """A write-only worksheet that also answers what the print setup asks of a sheet, and
    takes its rows as :class:`Grid` makes them: cells already placed and styled."""

    PAPERSIZE_A4 = Worksheet.PAPERSIZE_A4

    def _values_to_row(self, values, row_idx):
        # openpyxl's own version binds every value to a fresh cell, and finds a cell
        # passed in only by the ValueError that binding raises: the grid's cells know
        # their place already
        return (cell for cell in values if cell is not None)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def add_sheet(wb: Workbook, title: str, index: int | None = None) -> Sheet:
    """A new sheet of the write-only workbook ``wb`` (at ``index``, else last)."""
    ws = Sheet(parent=wb, title=title)
    wb._add_sheet(ws, index)
    return ws


def print_setup(ws, title_rows: str | None) -> None:
    print_a4(ws, title_rows=title_rows, margins=(0.4, 0.4, 0.5, 0.5), footer_size=None)


#: rows a grid keeps in memory before it spills them to its temporary file
CHUNK = 256

# one cell as collected: column, span, value, style number, linked sheet, shown text
_Cell = tuple[int, int, Any, int, str | None, str | None]


class Grid:
    """A worksheet being filled: remembers what went where to size columns and rows.

    Columns in ``fixed`` keep their width; the others are sized to their content
    (CJK characters count double) between ``min_width`` and ``max_width``. Row heights
    are computed from the wrapped text they hold, so nothing is clipped in Excel, WPS or
    LibreOffice, none of which fit row heights to merged cells by themselves.

    Rows are filled top to bottom (cells of one row in any order); :meth:`finish` writes
    them, after the sheet's freeze panes and print setup are set, and before anything that
    refers to row heights (:meth:`row_height`).
    """

    def __init__(
        self,
        ws: Sheet | None = None,
        fixed: dict[int, float] | None = None,
        min_width: float = 6,
        max_width: float = 40,
    ) -> None:
        self.ws = ws
        self.fixed = dict(fixed or {})
        self.min_width = min_width
        self.max_width = max_width
        self._widest: dict[int, float] = {}  # widest text of one-column cells, per column
        self._wrapping: set[int] = set()  # columns that hold wrapped text
        self._styles: list[Style] = []
        self._arrays: list[StyleArray | None] = []  # each style as built in the workbook
        self._style_ids: dict[tuple, int] = {}
        self._row_no = 0
        self._row: list[_Cell] = []
        self._big = 0.0  # the height a larger font asks of the current row
        self._rows: list[tuple[int, float, list[_Cell]]] = []
        self._spill: Any = None
        self._heights = array("d")
        self.last_col = 0  # the rightmost column written (a merged span counts to its end)

    # -- filling --------------------------------------------------------------------------

    def put(
        self,
        row: int,
        col: int,
        value: Any,
        style: Style = TEXT,
        span: int = 1,
        link: str | None = None,
    ) -> None:
        """``value`` at (``row``, ``col``), across ``span`` columns (merged), linked to the
        sheet ``link`` when given."""
        if row != self._row_no:
            if row < self._row_no:
                raise ValueError(f"row {row} after row {self._row_no}: rows are filled in order")
            self._end_row()
            self._row_no = row
        shown = _shown(value, style)
        self.last_col = max(self.last_col, col + span - 1)
        if span == 1 and col not in self.fixed:
            so_far = self._widest.setdefault(col, 0.0)
            if 2 * len(shown) > so_far:  # else no line of it can be wider (CJK counts 2)
                widest = max((display_width(p) for p in shown.split("\n")), default=0)
                self._widest[col] = max(so_far, widest)
        if style.wrap:
            self._wrapping.update(range(col, col + span))
        if style.size > FONT_SIZE:
            self._big = max(self._big, style.size * 1.6)
        self._row.append(
            (col, span, value, self._style_id(style), link, shown if style.wrap else None)
        )

    def line(self, row: int, col: int, values: Sequence[Any], style: Style = TEXT) -> None:
        for k, v in enumerate(values):
            self.put(row, col + k, v, style)

    def _style_id(self, s: Style) -> int:
        key = _style_key(s)
        k = self._style_ids.get(key)
        if k is None:
            k = self._style_ids[key] = len(self._styles)
            self._styles.append(s)
            self._arrays.append(None)
        return k

    def _end_row(self) -> None:
        if self._row:
            self._rows.append((self._row_no, self._big, self._row))
            self._row, self._big = [], 0.0
            if len(self._rows) >= CHUNK:
                if self._spill is None:
                    self._spill = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
                pickle.dump(self._rows, self._spill, pickle.HIGHEST_PROTOCOL)
                self._rows = []

    def _all_rows(self) -> Iterator[tuple[int, float, list[_Cell]]]:
        if self._spill is not None:
            self._spill.seek(0)
            while True:
                try:
                    chunk = pickle.load(self._spill)
                except EOFError:
                    break
                yield from chunk
            self._spill.close()
            self._spill = None
        yield from self._rows
        self._rows = []

    # -- writing --------------------------------------------------------------------------

    def print_area(self, last_row: int, first_col: int = 1) -> str:
        """``A1:K52``: every column the grid wrote, down to ``last_row``; a sheet whose
        widest table outgrows its notes still prints that table whole."""
        return f"{get_column_letter(first_col)}1:{get_column_letter(self.last_col)}{last_row}"

    def width(self, col: int) -> float:
        return self.ws.column_dimensions[get_column_letter(col)].width or DEFAULT_WIDTH

    def finish(self, ws: Sheet | None = None) -> None:
        """Write the collected rows into ``ws`` (or the grid's own sheet)."""
        if ws is not None:
            self.ws = ws
        self._end_row()
        auto = {
            col: min(max(self.min_width, w + 2), self.max_width)
            for col, w in self._widest.items()
            if col not in self.fixed
        }
        for col, w in {**auto, **self.fixed}.items():
            self.ws.column_dimensions[get_column_letter(col)].width = round(w, 2)
        # read before the first row: a write-only sheet writes its columns then (and a column
        # asked for without a width of its own gets openpyxl's default, as it always has)
        widths = {c: self.width(c) for c in sorted(self._wrapping)}
        next_row = 1
        for row, big, cells in self._all_rows():
            lines = 0
            for col, span, _, _, _, text in cells:
                if text is not None:
                    width = sum(widths[c] for c in range(col, col + span))
                    lines = max(lines, 1, _lines(text, width))
            height = max(big, lines * LINE_PT + ROW_PAD_PT) if lines else big
            while next_row < row:  # a blank row: written empty, as the rows must come in order
                self.ws.append([])
                next_row += 1
            self._write_row(row, cells, round(height, 1) if height else None)
            next_row = row + 1
            if height:
                self._note_height(row, height)

    def _write_row(self, row: int, cells: list[_Cell], height: float | None) -> None:
        by_col: dict[int, list] = {}
        for col, span, value, style, link, _ in cells:
            main = by_col.setdefault(col, [None, None, None])
            main[0], main[1] = value, style
            if link:
                main[2] = link
            for c in range(col + 1, col + span):
                by_col.setdefault(c, [None, None, None])[1] = style
            if span > 1:
                # Registered as a plain range: the covered cells stay empty and keep the
                # style given above (borders), as Excel does.
                ref = f"{get_column_letter(col)}{row}:{get_column_letter(col + span - 1)}{row}"
                self.ws.merged_cells.ranges.add(CellRange(ref))
        out: list = [None] * max(by_col)
        for col, (value, style, link) in by_col.items():
            cell = Cell(self.ws, row=row, column=col)
            put(cell, value)
            styled = self._arrays[style]
            if styled is None:
                _style(cell, self._styles[style])
                self._arrays[style] = cell._style
            else:
                cell._style = copy(styled)
            if link:
                cell.hyperlink = Hyperlink(ref="A1", location=f"'{link}'!A1", display=None)
            out[col - 1] = cell
        if height is None:
            self.ws.append(out)
            return
        # the row's height is read when the row is written and kept no longer than that,
        # as the attributes openpyxl's row dimension gives (built once per height), so a
        # sheet of many rows keeps no dimension object per row
        attrs = _ROW_HEIGHTS.get(height)
        if attrs is None:
            attrs = _ROW_HEIGHTS[height] = dict(RowDimension(self.ws, index=row, ht=height))
        dims = self.ws.row_dimensions
        dict.__setitem__(dims, row, attrs)
        self.ws.append(out)
        dict.__delitem__(dims, row)

    def _note_height(self, row: int, height: float) -> None:
        if len(self._heights) <= row:
            self._heights.extend([0.0] * (row + 1 - len(self._heights)))
        self._heights[row] = height

    def row_height(self, row: int) -> float:
        """The height :meth:`finish` gave ``row`` (one line where it set none)."""
        h = self._heights[row] if row < len(self._heights) else 0.0
        return h or LINE_PT + ROW_PAD_PT


_STYLE_CACHE: WeakKeyDictionary[Workbook, dict[tuple, tuple[StyleArray, Any]]] = WeakKeyDictionary()


def _style_key(s: Style) -> tuple:
    # keyed with the fill's identity: hashing an openpyxl fill is most of the lookup's cost
    # (the fills are module constants, and the cached entry keeps its fill alive anyway)
    return (
        s.bold,
        s.size,
        s.border,
        s.wrap,
        s.horizontal,
        s.number_format,
        s.color,
        s.strike,
        s.underline,
        id(s.fill),
    )


def _style(cell, s: Style) -> None:
    """Apply ``s``; each distinct style is built once per workbook and then copied, since
    openpyxl's per-attribute style assignment is slow for tens of thousands of cells."""
    cache = _STYLE_CACHE.setdefault(cell.parent.parent, {})
    key = _style_key(s)
    hit = cache.get(key)
    if hit is None:
        _build_style(cell, s)
        hit = cache[key] = (copy(cell._style), s.fill)
    cell._style = copy(hit[0])


def _build_style(cell, s: Style) -> None:
    cell.font = Font(
        name=FONT_NAME,
        size=s.size,
        bold=s.bold,
        color=s.color,
        strike=s.strike or None,
        underline=s.underline,
    )
    if s.fill is not None:
        cell.fill = s.fill
    if s.border:
        cell.border = BORDER
    cell.alignment = Alignment(wrap_text=s.wrap, vertical="top", horizontal=s.horizontal)
    if s.number_format:
        cell.number_format = s.number_format


_ROW_HEIGHTS: dict[float, dict[str, str]] = {}


def _lines(text: str, width: float) -> int:
    """:func:`wrapped_lines`, without measuring a one-line text that fits even if every
    character were double width (most cells: numbers, names, labels)."""
    if "\n" not in text and 2 * len(text) <= max(width - 1.0, 1.0):
        return 1
    return wrapped_lines(text, width)


def _shown(value: Any, style: Style) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是"
    if isinstance(value, int | float):
        return f"{value:,.2f}" if style.number_format else str(value)
    return str(value)
