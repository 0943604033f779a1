"""What a cell's value alone does not say, read from the sheet XML.

calamine gives values fast but not formats. Two things a reviewer needs depend on them:
a typed ``35%`` is stored as 0.35 with a percent format (35 for a percent item, an error
for a count), and an 18-digit code stored as a number may still have all its digits in
the file (:func:`probe`, asked only for the cells that need it).

And what is scored must be what a person sees (:func:`look`, one cheap pass per sheet):
a formula's cached value is whatever the file says (``=1`` cached as 99999999), a value
can sit under a merged range, in a hidden row or column, or on a sheet nobody sees, and
an external link brings in another file's numbers. calamine reads all of these as plain
values, so the reader asks the XML where they are.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from iipeval.excel.cells.refs import column_index

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Built-in number formats that show a percentage (0%, 0.00%).
PERCENT_BUILTIN = {9, 10}


@dataclass(frozen=True, slots=True)
class CellFacts:
    percent: bool = False
    raw: str | None = None


@dataclass
class SheetLook:
    """Where a sheet hides or computes values (rows and columns are 1-based)."""

    formulas: set[str] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    #: a formula or hidden row whose place the file does not state (no ``r`` attribute),
    #: or every row hidden by default: nothing on the sheet can be trusted as seen
    unplaced: bool = False

    @property
    def hides_nothing(self) -> bool:
        return not (self.formulas or self.hidden_rows or self.hidden_columns or self.merges)

    def column_hidden(self, column: int) -> bool:
        return any(lo <= column <= hi for lo, hi in self.hidden_columns)

    def merge_at(self, row: int, column: int) -> tuple[int, int, int, int] | None:
        for m in self.merges:
            if m[0] <= row <= m[2] and m[1] <= column <= m[3]:
                return m
        return None

    def only_rows(self, rows: Iterable[int]) -> SheetLook:
        """The same, keeping only the merges that touch ``rows`` (a template has dozens of
        merged headings and none on an input row, so most cells then test none)."""
        wanted = sorted(set(rows))
        kept = [m for m in self.merges if _any_between(wanted, m[0], m[2])]
        return SheetLook(self.formulas, self.hidden_rows, self.hidden_columns, kept, self.unplaced)


def _any_between(ordered: list[int], lo: int, hi: int) -> bool:
    i = bisect.bisect_left(ordered, lo)
    return i < len(ordered) and ordered[i] <= hi


@dataclass
class Look:
    """What a source can tell about visibility: sheet states, links, per-sheet hiding.

    ``cells_known`` is False for a source that cannot see formulas, hidden rows or merges
    (ranges passed to a worksheet function carry only values).
    """

    states: dict[str, str] = field(default_factory=dict)  # visible | hidden | veryHidden
    external_links: bool = False
    sheets: dict[str, SheetLook] = field(default_factory=dict)
    cells_known: bool = True


def is_percent_format(code: str) -> bool:
    """True when a number format shows values ×100 with %, ignoring quoted/escaped text."""
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in stripped


@contextlib.contextmanager
def _opened(source: str | Path | Any) -> Iterator[Any]:
    """A file's parts to read: ``source`` itself when it is an opened package (every part
    inflated once, :class:`iipeval.core.intake.package.Package`), else the file opened
    as a ZIP (for callers that hold only a path)."""
    if isinstance(source, str | os.PathLike):
        with zipfile.ZipFile(source) as zf:
            yield zf
    else:
        yield source


def _part_size(zf: Any, name: str) -> int:
    return zf.size(name) if hasattr(zf, "size") else zf.getinfo(name).file_size


def _sheet_paths(zf: zipfile.ZipFile, states: dict[str, str] | None = None) -> dict[str, str]:
    sheets = _sheets(zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"))
    if states is not None:
        states.update((name, state) for name, _, state in sheets)
    return {name: path for name, path, _ in sheets}


def sheet_parts(source: str | Path | Any) -> dict[str, str]:
    """Sheet name → its part, as the workbook names them; empty when that cannot be read
    (the parser then says what is wrong with the file)."""
    try:
        with _opened(source) as zf:
            return _sheet_paths(zf)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}


@lru_cache(maxsize=16)
def _sheets(workbook: bytes, rels: bytes) -> tuple[tuple[str, str, str], ...]:
    """(name, part, state) of each sheet. Parsed once per distinct pair of parts: every
    application filled in one template carries the same two."""
    wb = ElementTree.fromstring(workbook)
    targets = {
        r.get("Id"): r.get("Target", "")
        for r in ElementTree.fromstring(rels).iter(f"{PKG_REL_NS}Relationship")
    }
    out = []
    for sheet in wb.iter(f"{NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        out.append((sheet.get("name", ""), posixpath.normpath(path), sheet.get("state", "visible")))
    return tuple(out)


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    try:
        styles = ElementTree.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return set()
    codes = {
        int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in styles.iter(f"{NS}numFmt")
    }
    xfs = styles.find(f"{NS}cellXfs")
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fid = int(xf.get("numFmtId", 0))
        if fid in PERCENT_BUILTIN or (fid in codes and is_percent_format(codes[fid])):
            out.add(i)
    return out


#: The built-in number formats (ECMA-376 18.8.30) by id; an id not here is shown as
#: ``[内置格式N]`` and judged unknown. A file's own ``numFmt`` of the same id wins.
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm",
    17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
    22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss",
    47: "mmss.0", 48: "##0.0E+0", 49: "@",
}  # fmt: skip


def _style_formats(zf: zipfile.ZipFile) -> list[str]:
    """The number format code of each cell style (``s`` attribute), in order."""
    try:
        styles = ElementTree.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return []
    codes = {
        int(f.get("numFmtId", -1)): f.get("formatCode", "") for f in styles.iter(f"{NS}numFmt")
    }
    xfs = styles.find(f"{NS}cellXfs")
    out = []
    for xf in xfs if xfs is not None else []:
        fid = int(xf.get("numFmtId", 0) or 0)
        out.append(codes.get(fid) or BUILTIN_FORMATS.get(fid) or f"[内置格式{fid}]")
    return out


def number_formats(path: str | Path, wanted: Mapping[str, Iterable[str]]) -> dict[str, str] | None:
    """The number format of each wanted cell (``"sheet!A1"`` → code) that has one other
    than General; ``None`` when the file cannot tell (then nothing can be vouched for)."""
    out: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            paths = _sheet_paths(zf)
            formats = _style_formats(zf)
            for sheet, cells in wanted.items():
                wanted_bytes = {c.encode() for c in cells}
                if sheet not in paths or not wanted_bytes:
                    continue
                for m in _CELL.finditer(zf.read(paths[sheet])):
                    attrs = dict(_ATTR.findall(m.group(1)))
                    if attrs.get(b"r") in wanted_bytes:
                        k = int(attrs.get(b"s", b"0") or 0)
                        code = formats[k] if k < len(formats) else f"[样式{k}]"
                        if code != "General":
                            out[f"{sheet}!{attrs[b'r'].decode()}"] = code
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    return out


def probe(
    path: str | Path | Any, wanted: Mapping[str, Iterable[str]]
) -> dict[str, dict[str, CellFacts]]:
    """Facts about the ``wanted`` cells (sheet name → cell addresses) that have any.

    ``path`` is a file or its opened package. Returns an empty result for anything
    unreadable: these facts refine what calamine read, they are never the only source
    of a value.
    """
    out: dict[str, dict[str, CellFacts]] = {}
    try:
        with _opened(path) as zf:
            paths = _sheet_paths(zf)
            percent = _percent_styles(zf)
            for sheet, cells in wanted.items():
                cells = set(cells)
                if sheet in paths and cells:
                    out[sheet] = _scan(zf, paths[sheet], cells, percent)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    return out


_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(rb'\b(r|s)="([^"]*)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _scan(zf: zipfile.ZipFile, member: str, cells: set[str], percent: set[int]):
    """Scan one sheet's XML for the wanted cells.

    A regular expression over the bytes, not an XML parse: a styled template has a
    thousand cells per sheet and a full parse took most of the reading time. Only the
    ``r``/``s`` attributes and the ``<f>``/``<v>`` children are looked at.
    """
    found: dict[str, CellFacts] = {}
    wanted = {c.encode() for c in cells}
    for m in _CELL.finditer(zf.read(member)):
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = attrs.get(b"r")
        if ref not in wanted:
            continue
        body = m.group(2) or b""
        value = _VALUE.search(body)
        facts = CellFacts(
            percent=int(attrs.get(b"s", b"0") or 0) in percent,
            raw=value.group(1).decode() if value else None,
        )
        if facts != CellFacts():
            found[ref.decode()] = facts
    return found


_PREFIXED_VALUE = re.compile(rb"<\w+:v[\s>/]")


def self_contained(path: str | Path | Any, sheet: str, limit: int) -> bytes | None:
    """The XML of ``sheet`` when it alone decides the sheet's values, else ``None``.

    That is when no cell stores a ``<v>``: every value is an inline string, so neither the
    shared strings nor a style (which turns a number into a date) changes what a parser
    reads. What the generator writes into ``_meta`` is such a sheet; a save in a
    spreadsheet program moves its text to the shared strings, and then this says ``None``.
    A part larger than ``limit`` bytes is not returned either. ``path`` is a file or its
    opened package.
    """
    try:
        with _opened(path) as zf:
            member = _sheet_paths(zf)[sheet]
            if _part_size(zf, member) > limit:
                return None
            data = zf.read(member)
    except (
        OSError,
        KeyError,
        ValueError,
        RuntimeError,
        zipfile.BadZipFile,
        ElementTree.ParseError,
    ):
        return None
    if b"<v" in data or (b":v" in data and _PREFIXED_VALUE.search(data)):
        return None
    return data


def look(path: str | Path | Any, sheets: Iterable[str]) -> Look:
    """Sheet states, external links, and where ``sheets`` hide or compute values.

    ``path`` is a file or its opened package. An unreadable part gives
    ``cells_known=False``: the values calamine read then stand without this check, which
    only happens to files calamine itself could not read well.
    """
    out = Look()
    try:
        with _opened(path) as zf:
            paths = _sheet_paths(zf, out.states)
            out.external_links = any(n.startswith("xl/externalLinks/") for n in zf.namelist())
            for sheet in sheets:
                if sheet in paths:
                    out.sheets[sheet] = look_sheet(zf.read(paths[sheet]))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        return Look(states=out.states, external_links=out.external_links, cells_known=False)
    return out


_REF = re.compile(rb'\br="\$?([A-Z]{1,3})\$?([0-9]+)"')
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
_ATTRS = re.compile(rb'\b(\w+)="([^"]*)"')
_TRUE = (b"1", b"true")
#: what can hide a row or column: the flag, or a height or width below 1
_HIDES = re.compile(rb'\bhidden="(?:1|true)"|\b(?:ht|width)="[-.0]')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*\bref="([^"]+)"')
_ZERO_HEIGHT = re.compile(rb'<(?:\w+:)?sheetFormatPr\s[^>]*\bzeroHeight="(?:1|true)"')
_ADDRESS = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def look_sheet(data: bytes) -> SheetLook:
    """One pass of a regular expression over a sheet's XML bytes, no parse.

    Only ``<f``, ``<row`` and ``<col`` are matched (with the namespace prefix of the root
    element). Formulas are rare: each is traced back to the cell that opens before it.
    A row or column hides by an attribute (``hidden``, a zero height or width), so only a
    tag holding one is parsed (``hidden="false"``, which LibreOffice writes everywhere,
    is not hidden). The default row height comes before ``<sheetData>``, merges after it.
    """
    out = SheetLook()
    root = _ROOT.search(data, 0, 4096)
    prefix = (root.group(1) if root else None) or b""
    first, last = data.find(b"sheetData"), data.rfind(b"sheetData")
    head = data[:first] if first >= 0 else data
    tail = data[last:] if last >= 0 else b""
    _formulas_and_hiding(out, data, prefix)
    out.merges.extend(_merges(tail))
    if _ZERO_HEIGHT.search(head):  # every row hidden unless it says otherwise
        out.unplaced = True
    return out


def _formulas_and_hiding(out: SheetLook, data: bytes, prefix: bytes) -> None:
    c_open = b"<" + prefix + b"c "
    for m in _tags(prefix).finditer(data):
        if m.group(1) is None:  # a formula: find the cell it belongs to
            start = data.rfind(c_open, 0, m.start())
            ref = _REF.search(data, start, data.find(b">", start)) if start >= 0 else None
            if ref:
                out.formulas.add((ref.group(1) + ref.group(2)).decode())
            else:
                out.unplaced = True
            continue
        tag = data[m.end(1) + 1 : data.find(b">", m.end(1))]
        _hiding(out, m.group(1), dict(_ATTRS.findall(tag)))


#: Tails up to this size are remembered (16 of them at most): a template's is some 60 kB.
CACHED_TAIL_BYTES = 256 * 1024


def _merges(tail: bytes) -> tuple[tuple[int, int, int, int], ...]:
    """The merged ranges a sheet's XML after ``<sheetData>`` lists (r1, c1, r2, c2); the
    same bytes give the same ranges, so the files of one template parse them once."""
    return _known_merges(tail) if len(tail) <= CACHED_TAIL_BYTES else _parse_merges(tail)


@lru_cache(maxsize=16)
def _known_merges(tail: bytes) -> tuple[tuple[int, int, int, int], ...]:
    return _parse_merges(tail)


def _parse_merges(tail: bytes) -> tuple[tuple[int, int, int, int], ...]:
    out = []
    for m in _MERGE.finditer(tail):
        cells = [_ADDRESS.fullmatch(p) for p in m.group(1).decode().split(":")]
        if all(cells) and 1 <= len(cells) <= 2:
            (c1, r1), (c2, r2) = (
                (column_index(c.group(1)), int(c.group(2))) for c in (cells[0], cells[-1])
            )
            out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return tuple(out)


@cache
def _tags(prefix: bytes) -> re.Pattern[bytes]:
    """``<f`` (a formula), or a ``<row``/``<col`` tag holding something that could hide
    it (:data:`_HIDES`), with ``prefix``: the rows that cannot hide anything, nearly all
    of them, are passed over in C."""
    p = re.escape(prefix)
    hides = rb"[^>]*?(?:" + _HIDES.pattern + rb")"
    return re.compile(rb"<" + p + rb"(?:f[\s/>]|(row|col)\s" + hides + rb")")


def _hiding(out: SheetLook, kind: bytes, found: dict[bytes, bytes]) -> None:
    """Record a ``<row>`` or ``<col>`` tag that hides by flag or by zero size."""
    size = _float(found.get(b"ht" if kind == b"row" else b"width"))
    if found.get(b"hidden") not in _TRUE and (size is None or size >= 0.5):
        return
    if kind == b"col":
        lo = _int(found.get(b"min"))
        out.hidden_columns.append((lo, _int(found.get(b"max")) or lo))
    elif found.get(b"r", b"").isdigit():
        out.hidden_rows.add(int(found[b"r"]))
    else:
        out.unplaced = True


def _int(b: bytes | None) -> int:
    return int(b) if b and b.isdigit() else 0


def _float(b: bytes | None) -> float | None:
    try:
        return float(b) if b is not None else None
    except ValueError:
        return None
