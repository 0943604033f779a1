"""A workbook is opened once and no part of it inflated twice, whatever reads it.

The guard, calamine, the visibility look and the cell facts all read the same parts of an
application workbook. Counted here, not timed: every ``open`` of the file, and what every
inflater in the process gives out (``zlib``, which ``zipfile`` uses too). calamine
inflates in Rust, out of sight, so it must be handed parts that need no inflating: an
uncompressed copy, never the file.
"""

from __future__ import annotations

import builtins
import io
import os
import zipfile
import zlib

import openpyxl
import pytest
import python_calamine
from workbook_helpers import filled_workbook

from iipeval.core.api import Evaluator
from iipeval.core.round.batch import ReviewIndex
from iipeval.excel import intake


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """A filled national 申报表 with a share typed as a fraction in a percent-formatted
    cell, so that the cell facts are asked for too."""
    fw = Evaluator().framework("national_2023").framework
    path = filled_workbook(tmp_path_factory.mktemp("once"), "national_2023")
    share = next(i for i in fw.items if i.type == "percent")
    wb = openpyxl.load_workbook(path)
    for row in wb["_meta"].iter_rows(values_only=True):
        if row[0] == share.id:
            sheet, cell = row[1], row[2]
    wb[sheet][cell] = 0.35
    wb[sheet][cell].number_format = "0%"
    wb.save(path)
    return path


class Counted:
    """Every open of one file and every inflater's output, in this process."""

    def __init__(self, monkeypatch, path) -> None:
        self.path = os.path.realpath(path)
        self.opens = 0
        self.inflated: list[bytearray] = []
        self.calamine_given: list[bytes] = []
        real_open, real_io_open, real_os_open = builtins.open, io.open, os.open
        real_inflater, real_decompress = zlib.decompressobj, zlib.decompress
        real_calamine = python_calamine.CalamineWorkbook

        def mine(file) -> bool:
            try:
                return os.path.realpath(file) == self.path
            except TypeError:
                return False  # a file descriptor

        def counting(real):
            def opener(file, *args, **kwargs):
                self.opens += mine(file)
                return real(file, *args, **kwargs)

            return opener

        outer = self

        class Inflater:
            def __init__(self, *args, **kwargs) -> None:
                self.real = real_inflater(*args, **kwargs)
                self.out = bytearray()
                outer.inflated.append(self.out)

            def decompress(self, data, *args):
                got = self.real.decompress(data, *args)
                self.out += got
                return got

            def __getattr__(self, name):
                return getattr(self.real, name)

        def decompress(data, *args, **kwargs):
            got = real_decompress(data, *args, **kwargs)
            self.inflated.append(bytearray(got))
            return got

        class Calamine:
            @staticmethod
            def from_path(*args, **kwargs):
                raise AssertionError("calamine must not open the file itself")

            @staticmethod
            def from_filelike(fh, *args, **kwargs):
                data = fh.read()
                outer.calamine_given.append(data)
                return real_calamine.from_filelike(io.BytesIO(data))

        monkeypatch.setattr(builtins, "open", counting(real_open))
        monkeypatch.setattr(io, "open", counting(real_io_open))
        monkeypatch.setattr(os, "open", counting(real_os_open))
        monkeypatch.setattr(zlib, "decompressobj", Inflater)
        monkeypatch.setattr(zlib, "decompress", decompress)
        monkeypatch.setattr(python_calamine, "CalamineWorkbook", Calamine)


def test_scoring_a_workbook_opens_it_once_and_inflates_each_part_once(workbook, monkeypatch):
    ev = Evaluator()
    ev.frameworks()
    seen = Counted(monkeypatch, workbook)
    # what a worker of `iipeval score` does with one file: read, check, score, serialise
    out = intake._Score(ReviewIndex(), None, spooled=True)(ev, str(workbook))
    monkeypatch.undo()
    data, standing = out
    assert standing.framework == "national_2023" and b'"indicators"' in data
    assert seen.opens == 1
    parts = [bytes(p) for p in seen.inflated if p]
    assert len(parts) == len(set(parts)), "a part was inflated twice"
    with zipfile.ZipFile(workbook) as zf:  # the counting saw the reading: the sheets are there
        sheets = {zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")}
    assert len(sheets & set(parts)) >= 2
    assert seen.calamine_given, "calamine read the values"
    for given in seen.calamine_given:  # and was handed nothing it had to inflate
        with zipfile.ZipFile(io.BytesIO(given)) as zf:
            assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
