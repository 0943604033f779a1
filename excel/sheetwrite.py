"""Styled cells and merged ranges written fast, with exactly what openpyxl would write.

An expert's workbook holds tens of thousands of styled cells. openpyxl registers a style
attribute by attribute, hashing every font, fill and border against the workbook's tables,
and ``Worksheet.merge_cells`` scans every merge already on the sheet; together they were
most of ``iipeval panel``'s time. Here each distinct combination is registered once per
workbook and its style array copied after that, and a merge whose cells carry no style yet
is recorded directly, which is all ``merge_cells`` does in that case.
"""

from __future__ import annotations

from copy import copy
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

_CACHE: WeakKeyDictionary[Workbook, dict[tuple, tuple]] = WeakKeyDictionary()


def style(cell, font, align, fill=None, border=None, number_format=None) -> None:
    """Set ``font``, ``align`` and, when given, ``fill``, ``border`` and ``number_format``,
    as the attribute assignments would. A cell that already has a style gets them one by
    one (they combine with what it has); a fresh one gets the cached style array."""
    if cell.has_style:
        _assign(cell, font, align, fill, border, number_format)
        return
    cache = _CACHE.setdefault(cell.parent.parent, {})
    # keyed by identity: the objects are kept in the value, so an id is never reused
    key = (id(font), id(align), id(fill), id(border), number_format)
    hit = cache.get(key)
    if hit is None:
        _assign(cell, font, align, fill, border, number_format)
        cache[key] = (copy(cell._style), (font, align, fill, border))
    else:
        cell._style = copy(hit[0])


def _assign(cell, font, align, fill, border, number_format) -> None:
    cell.font = font
    cell.alignment = align
    if fill is not None:
        cell.fill = fill
    if border is not None:
        cell.border = border
    if number_format:
        cell.number_format = number_format


def merge(ws: Worksheet, ref: str) -> None:
    """``ws.merge_cells(ref)``. When no cell of the range has a style or value beyond its
    first, the result is the range recorded and the covered cells made ``MergedCell``s;
    otherwise openpyxl's own merge runs (it moves borders onto the covered cells)."""
    cr = CellRange(ref)
    cells = list(cr.cells)
    existing = [ws._cells.get(rc) for rc in cells]
    if any(c is not None and (c.has_style or c.value is not None) for c in existing):
        ws.merge_cells(ref)
        return
    first = cells[0]
    if existing[0] is None:
        ws.cell(row=first[0], column=first[1])
    for row, col in cells[1:]:
        ws._cells[row, col] = MergedCell(ws, row=row, column=col)
    ws.merged_cells.ranges.add(cr)
