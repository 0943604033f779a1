"""Where a workbook's cell values come from: a saved file, a live Excel book, or a formula.

The workbook reader (:mod:`.reader`) reads one thing, a *grid source*: the sheet names and,
per sheet, its values as rows from A1 (the shape calamine's ``to_python`` gives), plus the
two cell facts values do not carry (percent format, a formula without a result). Three
sources give it:

* :class:`CalamineSource`: a saved ``.xlsx``/``.xlsm`` file, read by calamine (the CLI);
* :class:`BookSource`: an open xlwings ``Book``, read live, unsaved edits included (the
  buttons' macros);
* :class:`GridsSource`: grids already in memory (the Excel functions, whose ranges Excel
  passes as nested lists).

Every source gives the same shapes: numbers as ``int``/``float``, text as ``str``, logical
values as ``bool``, dates as ``datetime``, and ``None`` or ``""`` for an empty cell. So a
workbook read in Excel and the same workbook read from disk give the same findings, at the
same sheets and cells.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from iipeval.excel.cells import cellxml
from iipeval.excel.cells.refs import column_index, column_letters

Grid = Sequence[Sequence[Any]]

#: A live sheet is read up to here: a real 申报表 sheet has a few hundred rows, and a sheet
#: whose used range was stretched (a format applied to whole columns) must not make Excel
#: send a million empty rows.
MAX_LIVE_ROWS = 5000
MAX_LIVE_COLUMNS = 60


class GridSource(Protocol):
    """What the workbook reader needs from wherever the values are."""

    name: str

    @property
    def sheet_names(self) -> list[str]: ...

    def grid(self, sheet: str) -> Grid: ...

    def facts(
        self, wanted: Mapping[str, Iterable[str]]
    ) -> dict[str, dict[str, cellxml.CellFacts]]: ...

    def look(self, wanted: Mapping[str, Iterable[str]]) -> cellxml.Look | None:
        """Sheet states and, for the sheets of ``wanted`` (sheet → input cells), the
        formulas, hidden rows and columns and merges; ``None`` when the source cannot
        tell (then nothing is refused for being hidden)."""
        ...


class SheetUnreadable(Exception):
    """A sheet calamine could not turn into values; ``sheet`` names it for the finding."""

    def __init__(self, sheet: str, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.sheet = sheet


class BookUnreadable(Exception):
    """calamine could not open the workbook at all (the message is calamine's)."""


def sheet_values(wb: Any, sheet: str) -> Grid:
    """A sheet's values through calamine. calamine panics (a BaseException, which ``except
    Exception`` lets through) on a duration or date cell out of range, e.g. -1e20 formatted
    ``[h]:mm``: that becomes :class:`SheetUnreadable`, so every reader reports the sheet
    and the process goes on."""
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # the panic, see above
        raise SheetUnreadable(sheet, exc) from None


class CalamineSource:
    """A saved workbook file, read through its opened package
    (:class:`iipeval.core.intake.package.Package`): calamine parses an uncompressed copy
    of the parts it needs, the cell facts and the visibility look read the same parts, so
    the file is opened once and no part is inflated twice.

    ``sheets`` go into calamine's copy from the start; any other sheet is added when it is
    first asked for (the copy is made again from parts already inflated), so a sheet no
    one reads is never inflated. Call :meth:`close` when done.
    """

    def __init__(self, package: Any, sheets: Iterable[str] = ()) -> None:
        self.name = str(package.path)
        self.path = package.path
        self.package = package
        self._parts = cellxml.sheet_parts(package)
        self._wb: Any = None
        self._sheets: set[str] = set(sheets)
        self._built: set[str] = set()

    def _book(self, sheet: str | None = None) -> Any:
        """calamine's workbook, made again only when a sheet not in its copy is asked for."""
        if self._wb is not None and (sheet is None or sheet in self._built):
            return self._wb
        from python_calamine import CalamineWorkbook

        if sheet is not None:
            self._sheets.add(sheet)
        there = set(self.package.names())
        parts = set(self._parts.values())
        names = [n for n in self.package.names() if _for_calamine(n, parts)]
        names += sorted({self._parts[n] for n in self._sheets if n in self._parts} & there)
        data = self.package.stored(names)
        self.close()
        try:
            self._wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except Exception as exc:  # calamine raises its own error types for broken files
            raise BookUnreadable(str(exc)) from None
        self._built = set(self._sheets)
        return self._wb

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book().sheet_names)

    def grid(self, sheet: str) -> Grid:
        return sheet_values(self._book(sheet), sheet)

    def facts(self, wanted):
        return cellxml.probe(self.package, wanted)

    def look(self, wanted):
        return cellxml.look(self.package, wanted)

    def part_key(self, sheet: str, limit: int) -> bytes | None:
        """What identifies ``sheet``'s part without inflating it (see
        :meth:`Package.key`), or ``None`` when it is larger than ``limit`` or absent."""
        part = self._parts.get(sheet)
        if part is None or part not in self.package or self.package.size(part) > limit:
            return None
        return self.package.key(part)

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()
            self._wb = None


#: Parts calamine never reads: pictures, themes, printer settings, document properties,
#: macros. Everything else that is not a sheet goes into its copy.
_NOT_FOR_CALAMINE = ("docProps/", "xl/theme/", "xl/media/", "xl/printerSettings/", "customXml/")


def _for_calamine(name: str, sheet_parts: Iterable[str]) -> bool:
    if name.startswith(_NOT_FOR_CALAMINE) or name in sheet_parts:
        return False
    return name.endswith((".xml", ".rels"))


class GridsSource:
    """Grids already in memory, by sheet name. ``facts`` is a mapping (sheet → cell →
    facts) or a function answering the reader's question, e.g. by asking Excel.

    Ranges passed to a worksheet function carry values only: this source cannot see
    formulas, hidden rows, columns or sheets, or merged cells, so :meth:`look` says
    nothing. A file or a live book read through the other sources is checked for them.
    """

    def __init__(
        self,
        name: str,
        grids: Mapping[str, Grid],
        facts: Mapping[str, Mapping[str, cellxml.CellFacts]] | Callable | None = None,
    ) -> None:
        self.name = name
        self.grids = dict(grids)
        self._ask = facts if callable(facts) else None
        self._facts = {} if callable(facts) else {k: dict(v) for k, v in (facts or {}).items()}

    @property
    def sheet_names(self) -> list[str]:
        return list(self.grids)

    def grid(self, sheet: str) -> Grid:
        return self.grids[sheet]

    def look(self, wanted) -> None:
        return None

    def facts(self, wanted):
        if self._ask is not None:
            return self._ask(wanted)
        out: dict[str, dict[str, cellxml.CellFacts]] = {}
        for sheet, cells in wanted.items():
            known = self._facts.get(sheet, {})
            found = {c: known[c] for c in cells if c in known}
            if found:
                out[sheet] = found
        return out


class BookSource:
    """An open xlwings ``Book``: the values Excel holds now, saved or not.

    Uses only ``book.sheets`` (names, lookup by name), ``sheet.visible``,
    ``sheet.used_range.last_cell``, ``sheet.range(...).options(ndim=2).value``,
    ``range.formula`` and ``range.number_format``, so a stand-in object with those
    attributes can take Excel's place in tests. Sheet visibility and formulas are what
    xlwings tells cheaply (one call per sheet); hidden rows, columns and merged cells
    would cost a call per cell and are checked when the saved file is read.
    """

    def __init__(self, book: Any, name: str | None = None) -> None:
        self.book = book
        self.name = name or book_name(book)
        self._grids: dict[str, list[list[Any]]] = {}

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def grid(self, sheet: str) -> Grid:
        if sheet not in self._grids:
            self._grids[sheet] = _read_sheet(self.book.sheets[sheet])
        return self._grids[sheet]

    def facts(self, wanted):
        """Percent formats of the wanted cells. A live formula always has its value, and a
        number's digits beyond the 15th are gone in Excel's memory as well, so neither of
        the other two facts applies."""
        out: dict[str, dict[str, cellxml.CellFacts]] = {}
        names = set(self.sheet_names)
        for sheet, cells in wanted.items():
            if sheet not in names:
                continue
            ws = self.book.sheets[sheet]
            found = {}
            for cell in sorted(cells):
                fmt = ws.range(cell).number_format
                if isinstance(fmt, str) and cellxml.is_percent_format(fmt):
                    found[cell] = cellxml.CellFacts(percent=True)
            if found:
                out[sheet] = found
        return out

    def look(self, wanted):
        out = cellxml.Look(states={s.name: _state(s) for s in self.book.sheets})
        for sheet, cells in wanted.items():
            if sheet not in out.states:
                continue
            coords = [_coords(c) for c in cells]
            if not coords:
                continue
            r1, c1 = min(r for r, _ in coords), min(c for _, c in coords)
            r2, c2 = max(r for r, _ in coords), max(c for _, c in coords)
            rows = normal_grid(self.book.sheets[sheet].range((r1, c1), (r2, c2)).formula)
            values = self.grid(sheet)
            out.sheets[sheet] = cellxml.SheetLook(
                formulas={
                    f"{column_letters(c)}{r}"
                    for r, c in coords
                    if _is_formula(_at(rows, r - r1, c - c1), _at(values, r - 1, c - 1))
                }
            )
        return out


#: Excel's XlSheetVisibility, which Windows xlwings hands over as is (macOS: a bool).
_SHEET_STATES = {-1: "visible", 1: "visible", 0: "hidden", 2: "veryHidden"}


def _state(sheet: Any) -> str:
    v = getattr(sheet, "visible", True)
    if isinstance(v, bool):
        return "visible" if v else "hidden"
    return _SHEET_STATES.get(int(v), "hidden") if isinstance(v, int | float) else "visible"


def _at(rows: Grid, i: int, j: int) -> Any:
    return rows[i][j] if i < len(rows) and j < len(rows[i]) else None


def _is_formula(formula: Any, value: Any) -> bool:
    """Excel's ``Range.Formula`` gives a formula as ``=…`` and a constant as its text, so
    text typed as ``'=…`` looks the same: it is text when the value is that very text."""
    return isinstance(formula, str) and formula.startswith("=") and formula != value


def _coords(cell: str) -> tuple[int, int]:
    letters = cell.rstrip("0123456789")
    return int(cell[len(letters) :]), column_index(letters)


def book_name(book: Any) -> str:
    """The book's full path when it has been saved, else its window name."""
    return str(getattr(book, "fullname", "") or getattr(book, "name", "") or "Excel")


def _read_sheet(ws: Any) -> list[list[Any]]:
    last = ws.used_range.last_cell
    rows = min(int(last.row), MAX_LIVE_ROWS)
    cols = min(int(last.column), MAX_LIVE_COLUMNS)
    values = ws.range((1, 1), (rows, cols)).options(ndim=2).value
    return normal_grid(values)


def normal_grid(values: Any) -> list[list[Any]]:
    """Excel's way of passing a range (a scalar, a row, or rows) as rows of plain values."""
    if values is None or not isinstance(values, list | tuple):
        values = [[values]]
    elif values and not isinstance(values[0], list | tuple):
        values = [values]
    return [[normal_value(v) for v in row] for row in values]


def normal_value(v: Any) -> Any:
    """One cell value as the reader expects it, whatever Excel or COM handed over."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=None)  # pywin32 hands over timezone-aware datetimes
        # Excel keeps only a serial number; a date without a time reads as a date, as
        # calamine reads it from the file
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, dt.date | dt.time | dt.timedelta):
        return v
    return str(v)


__all__ = [
    "BookSource",
    "CalamineSource",
    "GridSource",
    "GridsSource",
    "book_name",
    "normal_grid",
    "normal_value",
]
