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
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    return out


def _scan(zf: zipfile.ZipFile, member: str, cells: set[str], percent: set[int]):
    found: dict[str, CellFacts] = {}
    with zf.open(member) as fh:
        for _, el in ElementTree.iterparse(fh, events=("end",)):
            if el.tag != f"{NS}c":
                continue
            ref = el.get("r")
            if ref in cells:
                f = el.find(f"{NS}f")
                v = el.find(f"{NS}v")
                facts = CellFacts(
                    percent=int(el.get("s", 0)) in percent,
                    formula=f is not None,
                    raw=v.text if v is not None else None,
                )
                if facts != CellFacts():
                    found[ref] = facts
            el.clear()
    return found
