"""What a cell's value alone does not say, read from the sheet XML: format and formula.

calamine gives values fast but not formats. Two things a reviewer needs depend on them:
a typed ``35%`` is stored as 0.35 with a percent format (35 for a percent item, an error
for a count), and an 18-digit code stored as a number may still have all its digits in
the file. A formula written by a script has no cached result, which looks like an empty
cell unless the ``<f>`` element is seen. Only the cells asked for are looked at.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Built-in number formats that show a percentage (0%, 0.00%).
PERCENT_BUILTIN = {9, 10}


@dataclass(frozen=True, slots=True)
class CellFacts:
    percent: bool = False
    formula: bool = False
    raw: str | None = None


def is_percent_format(code: str) -> bool:
    """True when a number format shows values ×100 with %, ignoring quoted/escaped text."""
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return "%" in stripped


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG_REL_NS}Relationship")}
    out = {}
    for sheet in wb.iter(f"{NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        out[sheet.get("name", "")] = posixpath.normpath(path)
    return out


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


def probe(path: str | Path, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, CellFacts]]:
    """Facts about the ``wanted`` cells (sheet name → cell addresses) that have any.

    Returns an empty result for anything unreadable: these facts refine what calamine
    read, they are never the only source of a value.
    """
    out: dict[str, dict[str, CellFacts]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
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
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")
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
            formula=_FORMULA.search(body) is not None,
            raw=value.group(1).decode() if value else None,
        )
        if facts != CellFacts():
            found[ref.decode()] = facts
    return found
