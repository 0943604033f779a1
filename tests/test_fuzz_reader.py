"""Property tests of the workbook reader over mutated workbooks.

Every outcome is a result or a finding, never an uncaught exception. Structural mutations
(cell values and types, deleted rows, renamed sheets) are read in-process; byte-level damage
(truncation, flipped bytes) goes through the isolated worker pool, because python-calamine
may abort the whole process on a damaged file and that is exactly what the pool is for.
"""

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell
from workbook_helpers import figures, fill

from iipeval.core.api import Evaluator, Loaded
from iipeval.core.model.results import Rejected, Result
from iipeval.core.round.batch import ReviewIndex
from iipeval.core.scoring.params import InputLimits, Parameters
from iipeval.excel import intake
from iipeval.excel.application import template
from iipeval.excel.application.reader import read_workbook

EV = Evaluator()


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> bytes:
    fw = EV.framework("hunan_characteristic").framework
    path = tmp_path_factory.mktemp("fuzz") / "good.xlsx"
    template.write(fw, path)
    return fill(path, figures(fw), subtype="区域级").read_bytes()


cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
    st.sampled_from(
        ["=1+1", '=HYPERLINK("x")', "1,200", "１２００", "1.2万", "35%", "不适用", "#N/A"]
    ),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)


@st.composite
def edits(draw):
    sheet = draw(st.sampled_from(["指标数据", "基本信息", "填报说明"]))
    cells = draw(
        st.lists(st.tuples(st.integers(1, 120), st.integers(1, 8), cell_values), max_size=8)
    )
    delete = draw(st.none() | st.tuples(st.integers(1, 120), st.integers(1, 5)))
    rename = draw(st.none() | st.sampled_from(["Sheet1", "指标数据（修改）", "基本信息"]))
    return sheet, cells, delete, rename


def outcome(path: Path):
    loaded = read_workbook(path, EV)
    assert isinstance(loaded, Loaded)
    return EV.score_loaded(loaded)


@given(edits())
def test_edited_workbooks_give_a_result_or_findings(good, tmp_path_factory, edit):
    sheet, cells, delete, rename = edit
    wb = openpyxl.load_workbook(io.BytesIO(good))
    ws = wb[sheet]
    ws.protection.sheet = False
    for row, col, value in cells:
        cell = ws.cell(row=row, column=col)
        if not isinstance(cell, MergedCell):  # an applicant cannot type into one either
            cell.value = value
    if delete:
        ws.delete_rows(*delete)
    if rename and rename not in wb.sheetnames:
        ws.title = rename
    path = tmp_path_factory.mktemp("edit") / "edited.xlsx"
    wb.save(path)
    out = outcome(path)
    assert isinstance(out, Result | Rejected)
    if isinstance(out, Rejected):
        assert out.findings and all(f.message for f in out.findings)


@given(st.data())
def test_damaged_files_each_get_exactly_one_outcome(good, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("damaged")
    paths = []
    for n in range(4):
        raw = bytearray(good)
        kind = data.draw(st.sampled_from(["truncate", "flip", "member"]))
        if kind == "truncate":
            raw = raw[: data.draw(st.integers(0, len(raw)))]
        elif kind == "flip":
            for _ in range(data.draw(st.integers(1, 20))):
                raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
        else:  # a valid zip whose sheet XML is garbled
            src = zipfile.ZipFile(io.BytesIO(bytes(raw)))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as dst:
                for info in src.infolist():
                    body = src.read(info)
                    if info.filename.startswith("xl/worksheets/"):
                        cut = data.draw(st.integers(0, len(body)))
                        body = body[:cut] + data.draw(st.binary(max_size=40)) + body[cut:]
                    dst.writestr(info, body)
            raw = bytearray(buf.getvalue())
        path = folder / f"damaged_{n}.xlsx"
        path.write_bytes(bytes(raw))
        paths.append(path)
    outs = list(
        intake.score(
            paths,
            params=Parameters(input=InputLimits(worker_seconds=20)),
            index=ReviewIndex(),
            jobs=2,
        )
    )
    assert sorted(o.source for o in outs) == sorted(map(str, paths))
    for o in outs:
        assert isinstance(o, Result | Rejected)
        if isinstance(o, Rejected):
            assert o.findings[0].message
