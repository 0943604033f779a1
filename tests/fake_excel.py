"""A stand-in for an open Excel workbook, shaped like the xlwings objects the macros use.

Excel is not available on Linux, so the macros and Excel functions are tested against
this: a ``Book`` whose sheets hold cell values the way xlwings hands them over (numbers
as ``float``, dates as ``datetime``, empty cells as ``None``, text as ``str``), loaded from
a real ``.xlsx``. Writing behaves as Excel's ``Range.Value`` does where it matters for
safety: a string starting with ``=`` becomes a formula, a leading apostrophe marks text
(and is not part of the value).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter

_ADDR = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _coords(ref: Any) -> tuple[int, int]:
    if isinstance(ref, tuple):
        return int(ref[0]), int(ref[1])
    m = _ADDR.match(str(ref).upper())
    assert m, f"unsupported address {ref!r}"
    return int(m.group(2)), column_index_from_string(m.group(1))


def excel_value(v: Any) -> Any:
    """A stored cell value as xlwings returns it."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    return v


class FakeFont:
    def __init__(self, rng: FakeRange) -> None:
        self._rng = rng

    @property
    def bold(self) -> bool:
        return all(self._rng.sheet.bold.get(rc, False) for rc in self._rng.cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        for rc in self._rng.cells():
            self._rng.sheet.bold[rc] = value


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int, ndim=None) -> None:
        self.sheet = sheet
        self.r1, self.c1 = min(r1, r2), min(c1, c2)
        self.r2, self.c2 = max(r1, r2), max(c1, c2)
        self.ndim = ndim

    def cells(self):
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                yield r, c

    def options(self, ndim=None, **_: Any) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def address(self) -> str:
        a = f"${get_column_letter(self.c1)}${self.r1}"
        if (self.r1, self.c1) == (self.r2, self.c2):
            return a
        return f"{a}:${get_column_letter(self.c2)}${self.r2}"

    @property
    def left(self) -> float:
        return 48.0 * (self.c1 - 1)

    @property
    def top(self) -> float:
        return 15.0 * (self.r1 - 1)

    @property
    def value(self) -> Any:
        self.sheet.book.reads += 1
        rows = [
            [excel_value(self.sheet.values.get((r, c))) for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self.ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, list | tuple):
            data = [[data]]
        elif data and not isinstance(data[0], list | tuple):
            data = [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                self.sheet.write(self.r1 + i, self.c1 + j, v)

    @property
    def formula(self) -> Any:
        """As Excel's ``Range.Formula``: ``=…`` for a formula, else the constant as text;
        one string for one cell, rows of strings (tuples) for a larger range."""
        rows = tuple(
            tuple(self.sheet.formula_at(r, c) for c in range(self.c1, self.c2 + 1))
            for r in range(self.r1, self.r2 + 1)
        )
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows

    @property
    def number_format(self) -> str:
        return self.sheet.formats.get((self.r1, self.c1), "General")

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        for rc in self.cells():
            self.sheet.formats[rc] = fmt

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.c1, 8.43)

    @column_width.setter
    def column_width(self, w: float) -> None:
        for c in range(self.c1, self.c2 + 1):
            self.sheet.widths[c] = w

    @property
    def wrap_text(self) -> bool:
        return all(self.sheet.wrapped.get(rc, False) for rc in self.cells())

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        for rc in self.cells():
            self.sheet.wrapped[rc] = value


class FakeChart:
    def __init__(self, sheet: FakeSheet, **where: Any) -> None:
        self.sheet, self.where = sheet, where
        self.source: FakeRange | None = None
        self.chart_type = "column_clustered"
        self.name = f"Chart {len(sheet.charts) + 1}"

    def set_source_data(self, rng: FakeRange) -> None:
        self.source = rng

    def delete(self) -> None:
        self.sheet.charts.remove(self)


class FakeCharts(list):
    def __init__(self, sheet: FakeSheet) -> None:
        super().__init__()
        self.sheet = sheet

    def add(self, left=0, top=0, width=355, height=211, **kw: Any) -> FakeChart:
        chart = FakeChart(self.sheet, left=left, top=top, width=width, height=height, **kw)
        self.append(chart)
        return chart


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.values: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.formats: dict[tuple[int, int], str] = {}
        self.bold: dict[tuple[int, int], bool] = {}
        self.wrapped: dict[tuple[int, int], bool] = {}
        self.widths: dict[int, float] = {}
        self.charts = FakeCharts(self)
        self.active = False
        #: as Windows xlwings hands over Excel's XlSheetVisibility: -1, 0 (hidden), 2 (very)
        self.visible: int | bool = -1

    def formula_at(self, r: int, c: int) -> str:
        if (r, c) in self.formulas:
            return self.formulas[(r, c)]
        v = self.values.get((r, c))
        return "" if v is None else str(v)

    def write(self, r: int, c: int, v: Any) -> None:
        """As Excel's Range.Value: ``=…`` is a formula, a leading apostrophe marks text."""
        self.formulas.pop((r, c), None)
        if isinstance(v, str) and v.startswith("'"):
            v = v[1:]
        elif isinstance(v, str) and v.startswith(("=", "+", "-", "@")) and not _is_number(v):
            self.formulas[(r, c)] = v
        self.values[(r, c)] = v

    def range(self, a: Any, b: Any = None) -> FakeRange:
        if isinstance(a, str) and ":" in a and b is None:
            a, b = a.split(":")
        r1, c1 = _coords(a)
        r2, c2 = _coords(b) if b is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def __getitem__(self, ref: str) -> FakeRange:
        return self.range(ref)

    @property
    def used_range(self) -> FakeRange:
        used = [rc for rc, v in self.values.items() if v not in (None, "")] or [(1, 1)]
        return FakeRange(
            self,
            min(r for r, _ in used),
            min(c for _, c in used),
            max(r for r, _ in used),
            max(c for _, c in used),
        )

    def clear(self) -> None:
        self.values.clear()
        self.formulas.clear()
        self.formats.clear()
        self.bold.clear()
        self.wrapped.clear()

    def activate(self) -> None:
        for s in self.book.sheets:
            s.active = False
        self.active = True

    def cell(self, ref: str) -> Any:
        """The stored value (test helper)."""
        return self.values.get(_coords(ref))

    def rows(self) -> list[list[Any]]:
        """All stored values as rows from A1 (test helper)."""
        last = self.used_range.last_cell
        return [
            [self.values.get((r, c)) for c in range(1, last.column + 1)]
            for r in range(1, last.row + 1)
        ]


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self._list: list[FakeSheet] = []
        self.locked = False

    def __iter__(self):
        return iter(list(self._list))

    def __len__(self) -> int:
        return len(self._list)

    def __getitem__(self, key: str | int) -> FakeSheet:
        if isinstance(key, int):
            return self._list[key]
        for s in self._list:
            if s.name == key:
                return s
        raise KeyError(key)

    def add(self, name=None, before=None, after=None) -> FakeSheet:
        if self.locked:
            raise RuntimeError("工作簿受保护")
        sheet = FakeSheet(self.book, name or f"Sheet{len(self._list) + 1}")
        if after is not None:
            self._list.insert(self._list.index(after) + 1, sheet)
        elif before is not None:
            self._list.insert(self._list.index(before), sheet)
        else:
            self._list.insert(0, sheet)
        return sheet


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str | None, str]] = []
        self.answers: list[str] = []
        self.status_bar: Any = False

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", **_: Any):
        self.alerts.append((prompt, title, buttons))
        return self.answers.pop(0) if self.answers else "ok"


class FakeBook:
    def __init__(self, fullname: str = "Book1") -> None:
        self.fullname = fullname
        self.name = Path(fullname).name
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        self.reads = 0

    @classmethod
    def from_file(cls, path: Path, fullname: str | None = None) -> FakeBook:
        """Every sheet of ``path`` (hidden ones too, with their state), values, formulas
        and number formats."""
        book = cls(str(fullname or path))
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            sheet = FakeSheet(book, ws.title)
            sheet.visible = {"visible": -1, "hidden": 0, "veryHidden": 2}[ws.sheet_state]
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.values[(cell.row, cell.column)] = cell.value
                    if cell.data_type == "f":
                        sheet.formulas[(cell.row, cell.column)] = str(cell.value)
                    if cell.number_format and cell.number_format != "General":
                        sheet.formats[(cell.row, cell.column)] = cell.number_format
            book.sheets._list.append(sheet)
        book.sheets.locked = bool(wb.security and wb.security.lockStructure)
        return book


class FakeCaller:
    """What xlwings passes as ``caller``: the calling cell, whose sheet has the book."""

    def __init__(self, book: FakeBook, sheet: str | None = None) -> None:
        self.sheet = book.sheets[sheet] if sheet else next(iter(book.sheets))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
