"""The parsed ``_meta`` is kept per process, keyed by its whole part: never a stale parse.

A batch is filled in a few templates, so the reader parses each template's ``_meta`` once
(``excel.meta.parse_cached``). The key is the sheet's part as stored in the file (which
inflates to its XML) compared byte for byte, so another template, or an applicant's
edited copy of the same one, is parsed afresh.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from workbook_helpers import figures, fill

from iipeval.core.api import Evaluator
from iipeval.core.intake.package import open_package
from iipeval.excel.application import meta
from iipeval.excel.application.layout import META
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write
from iipeval.excel.cells import cellxml
from iipeval.excel.cells.sources import CalamineSource


@pytest.fixture(scope="module")
def ev():
    return Evaluator()


@pytest.fixture(scope="module")
def filled(ev, tmp_path_factory):
    """One filled workbook per set: national_2023 and hunan_comprehensive."""
    folder = tmp_path_factory.mktemp("meta_cache")
    out = {}
    for fw_id in ("national_2023", "hunan_comprehensive"):
        fw = ev.framework(fw_id).framework
        path = folder / f"{fw_id}.xlsx"
        write(fw, path)
        out[fw_id] = fill(path, figures(fw))
    return out


def _key(path: Path) -> bytes:
    """What the reader keys ``path``'s parsed ``_meta`` by."""
    return CalamineSource(open_package(path)).part_key(META, meta.CACHED_BYTES)


def _meta_part(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return cellxml._sheet_paths(zf)[META]


def _rewrite_meta(src: Path, dst: Path, old: bytes, new: bytes) -> Path:
    """``src`` with ``old`` replaced by ``new`` (same length) in its ``_meta`` sheet only."""
    part = _meta_part(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                assert data.count(old) == 1 and len(old) == len(new)
                data = data.replace(old, new)
            zout.writestr(info, data)
    return dst


def test_each_template_is_read_with_its_own_meta(ev, filled):
    paths = [filled["national_2023"], filled["hunan_comprehensive"]] * 2
    for path in paths:  # the cache must not be why these pass vacuously: it is used
        assert cellxml.self_contained(path, META, meta.CACHED_BYTES) is not None
    frameworks = [ev.score_loaded(read_workbook(p, ev)).framework for p in paths]
    assert frameworks == ["national_2023", "hunan_comprehensive"] * 2


def test_an_edited_copy_of_a_cached_template_is_parsed_afresh(ev, filled, tmp_path):
    genuine = filled["national_2023"]
    first = read_workbook(genuine, ev)
    assert first.submission is not None and not [f for f in first.findings if f.severity == "error"]
    # the same length and the same template: only the row of one slot's cell differs
    slot = meta.parse_cached(_key(genuine), lambda: pytest.fail("parsed again")).slots[0]
    old = f"<t>{slot.cell}</t>".encode()
    new = f"<t>{slot.column}{slot.row + 1 if slot.row < 9 else slot.row - 1}</t>".encode()
    edited = _rewrite_meta(genuine, tmp_path / "edited.xlsx", old, new)
    loaded = read_workbook(edited, ev)
    assert loaded.submission is None
    assert [f.code for f in loaded.findings] == ["meta_damaged"]  # its own, tampered map
    again = read_workbook(genuine, ev)  # and the genuine template is still read as before
    assert again.submission == first.submission


def test_parse_cached_returns_a_copy_per_caller(filled):
    xml = cellxml.self_contained(filled["hunan_comprehensive"], META, meta.CACHED_BYTES)
    with zipfile.ZipFile(filled["hunan_comprehensive"]) as zf:
        assert zf.read(_meta_part(filled["hunan_comprehensive"])) == xml
    grid = [["format", "iipeval.application-workbook"], ["x", "1"], [], list(meta.SLOTS_HEADER)]
    a = meta.parse_cached(xml + b" ", lambda: grid)
    a.values["x"] = "changed"
    a.slots.append(None)
    b = meta.parse_cached(xml + b" ", lambda: pytest.fail("parsed again"))
    assert b.values["x"] == "1" and b.slots == []
    other = meta.parse_cached(xml + b"  ", lambda: [*grid[:1], ["x", "2"], *grid[2:]])
    assert other.values["x"] == "2"  # another key, another parse
