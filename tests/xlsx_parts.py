"""Workbook files compared part by part, as a reader of the XML sees them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def canonical(data: bytes, name: str) -> bytes:
    """A part as C14N (encoding, empty-element form and attribute order aside), merges in
    sorted order (openpyxl keeps them in a set)."""
    if not name.endswith((".xml", ".rels")):
        return data
    root = etree.fromstring(data)
    for merges in root.iter(NS + "mergeCells"):
        merges[:] = sorted(merges, key=lambda e: e.get("ref"))
    return etree.tostring(root, method="c14n")


def parts(source) -> dict[str, bytes]:
    """Every part but ``docProps/core.xml`` (it holds the save time), canonicalised."""
    with zipfile.ZipFile(source if not isinstance(source, str | Path) else Path(source)) as z:
        return {n: canonical(z.read(n), n) for n in z.namelist() if n != "docProps/core.xml"}
