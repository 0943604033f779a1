"""Sheet rows written as XML directly: the file openpyxl would write cell by cell, faster.

An expert's workbook holds tens of thousands of styled cells. openpyxl creates an object
per cell, registers its style attribute by attribute and serialises each cell and merge
through lxml: that was most of ``iipeval panel``'s time, and most of the cells (the
定量得分 sheet, the hidden _calc sheet) are the same for every expert of a set. Here a
sheet's cells, row heights and merges are recorded as plain tuples (:class:`Rows`),
built once and written into any number of workbooks (:class:`Book`). openpyxl still
writes everything else: column widths, panes, print setup, protection, data validation,
conditional formats, defined names and styles.xml. Each sheet's rows and merges are
spliced into the part openpyxl writes for it, and styles are registered in the workbook
at that moment, in cell order, as openpyxl itself does; so the file says what openpyxl's
would say (``tests/test_sheetwrite.py`` compares every part, canonicalised, with the one
openpyxl writes from :meth:`Rows.to_worksheet`).
"""

from __future__ import annotations

import datetime
import io
import math
import re
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.compat.strings import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from iipeval.present.cell_text import cell_safe, put

#: font, alignment, fill, border, number format, protection (``None``: the default)
Style = tuple

_EMPTY = ' t="n"></c>'  # a cell with no value, as openpyxl writes one


class Rows:
    """The cells of one sheet as they will be written: built once, written anywhere.

    Strings are always text (never a formula, with characters XML cannot hold replaced
    visibly, as :func:`iipeval.present.cell_text.put` writes them); only ``formula=True``
    writes a formula, for the program's own."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[str, int | None]] = {}  # → (XML tail, style)
        self.values: dict[tuple[int, int], object] = {}  # for the cell-by-cell build
        self.heights: dict[int, float] = {}
        self.merges: list[str] = []
        self.styles: list[Style] = []  # a style's index here is its local id
        self._style_ids: dict[tuple, int] = {}
        self._bounds: list[int] = []  # min row, min column, max row, max column
        self._template: tuple[list[str | int], list[int]] | None = None  # see sheet_data
        self._xml: dict[tuple[int, ...], str] = {}  # style ids → <sheetData>

    def put(self, row: int, col: int, value=None, style: Style | None = None, *, formula=False):
        """Write ``value`` (text, number or ``None``) at ``row``, ``col`` with ``style``."""
        if value is None:
            tail = _EMPTY
        elif formula:
            tail = f"><f>{_escape(value[1:])}</f><v></v></c>"
        elif isinstance(value, bool):
            value = "是" if value else "否"
            tail = _text(value)
        elif isinstance(value, int | float):
            value = value if math.isfinite(value) else None
            tail = _EMPTY if value is None else f' t="n"><v>{safe_string(value)}</v></c>'
        else:
            value = cell_safe(str(value))
            tail = _text(value)
        self.cells[row, col] = (tail, None if style is None else self._local(style))
        self.values[row, col] = value
        self._extend(row, col, row, col)
        self._template = None
        self._xml.clear()

    def height(self, row: int, points: float) -> None:
        self.heights[row] = points
        self._template = None
        self._xml.clear()

    def merge(self, ref: str) -> None:
        """Merge ``ref`` (style the covered cells with :meth:`put` and no value)."""
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        self.merges.append(ref)
        self._extend(min_row, min_col, max_row, max_col)  # covered cells count, as in openpyxl

    def _extend(self, r0: int, c0: int, r1: int, c1: int) -> None:
        b = self._bounds
        if not b:
            b.extend((r0, c0, r1, c1))
            return
        b[0], b[1], b[2], b[3] = min(b[0], r0), min(b[1], c0), max(b[2], r1), max(b[3], c1)

    def _local(self, style: Style) -> int:
        key = tuple(map(id, style))  # the objects are kept in self.styles: ids stay unique
        hit = self._style_ids.get(key)
        if hit is None:
            hit = self._style_ids[key] = len(self.styles)
            self.styles.append(style)
        return hit

    # writing ----------------------------------------------------------------------------

    def attach(self, ws: Worksheet) -> None:
        """Make these the rows of ``ws``, a sheet of a :class:`Book` with no cells of its own."""
        ws.parent._streamed[ws.title] = self

    def dimension(self) -> str:
        """The used range, as openpyxl computes it."""
        if not self._bounds:
            return "A1:A1"
        r0, c0, r1, c1 = self._bounds
        return f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"

    def sheet_data(self, wb: Workbook) -> str:
        """``<sheetData>`` for ``wb``. Styles are registered in ``wb`` in the order the cells
        first use them, as openpyxl registers them while it writes; the XML is made once
        for each set of style ids (every expert's workbook of a set gets the same)."""
        if self._template is None:
            self._template = self._make_template()
        chunks, order = self._template
        ids = tuple(_register(wb, self.styles[k]) for k in order)
        xml = self._xml.get(ids)
        if xml is None:
            sid = dict(zip(order, map(str, ids), strict=True))
            xml = self._xml[ids] = "".join(x if type(x) is str else sid[x] for x in chunks)
        return xml

    def _make_template(self) -> tuple[list[str | int], list[int]]:
        """The XML as text chunks and local style ids; the ids in order of first use."""
        by_row: dict[int, list] = {}
        for (r, c), cell in sorted(self.cells.items()):
            by_row.setdefault(r, []).append((c, cell))
        for r in self.heights.keys() - by_row.keys():
            by_row[r] = []
        out: list[str | int] = ["<sheetData>"]
        order: dict[int, None] = {}
        for r, cells in sorted(by_row.items()):
            h = self.heights.get(r)
            out.append(f'<row r="{r}"' + ("" if h is None else _row_attrs(h)) + ">")
            for c, (tail, local) in cells:
                if local is None:
                    if tail != _EMPTY:  # an empty cell without a style is not written
                        out.append(f'<c r="{get_column_letter(c)}{r}"{tail}')
                    continue
                order.setdefault(local)
                out += (f'<c r="{get_column_letter(c)}{r}" s="', local, f'"{tail}')
            out.append("</row>")
        out.append("</sheetData>")
        return out, list(order)

    def merge_cells(self) -> str:
        if not self.merges:
            return ""
        refs = "".join(f'<mergeCell ref="{m}"/>' for m in self.merges)
        return f'<mergeCells count="{len(self.merges)}">{refs}</mergeCells>'

    def to_worksheet(self, ws: Worksheet) -> None:
        """The same sheet built cell by cell in openpyxl: what a :class:`Book` must equal."""
        for ref in self.merges:
            ws.merge_cells(ref)
        for (r, c), (tail, local) in self.cells.items():
            cell = ws.cell(row=r, column=c)
            value = self.values[r, c]
            if value is not None:
                cell.value = value
                if isinstance(value, str) and not tail.startswith("><f>"):
                    cell.data_type = "s"  # text, as safe_text.put writes it
            if local is not None:
                _assign(cell, self.styles[local])
        for r, h in self.heights.items():
            ws.row_dimensions[r].height = h


def styled_cell(ws: Worksheet, row: int, col: int, value=None, style=None, *, formula=False):
    """One cell of an ordinary openpyxl sheet, written as :meth:`Rows.put` writes it (a
    string is text unless ``formula``) and styled with ``style``; returns the cell."""
    cell = ws.cell(row=row, column=col)
    if value is not None and not formula:
        put(cell, value)
    elif value is not None:
        cell.value = value
    if style is not None:
        _assign(cell, style)
    return cell


def _text(value: str) -> str:
    if value == "":
        return ' t="inlineStr"></c>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f' t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ESCAPED = re.compile("[&<>\r]")


def _escape(text: str) -> str:
    """Text content as lxml escapes it."""
    return _ESCAPED.sub(lambda m: _ESCAPES[m[0]], text)


_ROW_ATTRS: dict[float, str] = {}


def _row_attrs(height: float) -> str:
    hit = _ROW_ATTRS.get(height)
    if hit is None:
        dim = RowDimension(None, index=1, ht=height)
        hit = _ROW_ATTRS[height] = "".join(f' {k}="{v}"' for k, v in dim)
    return hit


def _assign(cell, style: Style) -> None:
    """Set a style attribute by attribute, in the order the sheets always set them."""
    font, align, fill, border, number_format, protection = style
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if number_format:
        cell.number_format = number_format
    if protection is not None:
        cell.protection = protection


def _register(wb: Workbook, style: Style) -> int:
    """``style``'s id in ``wb`` (registering it), as ``cell.style_id`` gives it. A
    :class:`Book` remembers it: openpyxl hashes every font, fill and border to find it."""
    known = getattr(wb, "_style_ids", None)
    key = tuple(map(id, style))
    if known is not None and key in known:
        return known[key][1]
    cell = Cell(wb.worksheets[0])
    _assign(cell, style)
    sid = cell.style_id
    if known is not None:
        known[key] = (style, sid)  # the style is kept, so its objects' ids stay unique
    return sid


class Book(Workbook):
    """A workbook whose sheets may take :class:`Rows` (:meth:`Rows.attach`); ``save``
    writes them in."""

    def __init__(self) -> None:
        super().__init__()
        self._streamed: dict[str, Rows] = {}
        self._style_ids: dict[tuple, tuple[Style, int]] = {}

    def save(self, filename) -> None:
        """``openpyxl.writer.excel.save_workbook``, with the rows written in."""
        archive = ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True)
        self.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        _Writer(self, archive).save()


#: what follows <mergeCells> in a worksheet (ECMA-376 CT_Worksheet), the first of them present
_AFTER_MERGES = re.compile(
    r"<(?:phoneticPr|conditionalFormatting|dataValidations|hyperlinks|printOptions|pageMargins"
    r"|pageSetup|headerFooter|rowBreaks|colBreaks|customProperties|cellWatches|ignoredErrors"
    r"|smartTags|drawing|legacyDrawing|legacyDrawingHF|picture|oleObjects|controls"
    r"|webPublishItems|tableParts|extLst)[\s/>]|</worksheet>"
)


class _Writer(ExcelWriter):
    def write_worksheet(self, ws):
        rows = self.workbook._streamed.get(ws.title)
        if rows is None:
            return super().write_worksheet(ws)
        if ws._cells or ws.merged_cells or ws.row_dimensions:
            raise ValueError(f"工作表 {ws.title} 已有单元格，不能再写入整行数据")  # never drop them
        # as ExcelWriter.write_worksheet, written to memory instead of a temporary file
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        xml = writer.out.getvalue().decode("utf-8")
        head, sep, tail = xml.partition("<sheetData/>")
        if not sep:
            head, sep, tail = xml.partition("<sheetData></sheetData>")
        if not sep:
            raise ValueError(f"工作表 {ws.title} 的 XML 中没有空的 sheetData")
        head = re.sub(
            r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{rows.dimension()}"/>', head
        )
        at = _AFTER_MERGES.search(tail).start()
        xml = head + rows.sheet_data(self.workbook) + tail[:at] + rows.merge_cells() + tail[at:]
        self._archive.writestr(ws.path[1:], xml.encode("utf-8"))
        self.manifest.append(ws)
