"""Applicants choose their names: nothing they write may become a formula in our outputs."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl import Workbook
from reports_batch import EXAMPLES, GENERATED_AT, demo_batch

from iipeval.present.cell_text import csv_field, put
from iipeval.reports.results_workbook import write_results_workbook
from iipeval.reports.tabular import write_csv

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}

HOSTILE = {
    str(EXAMPLES / "national_2023.json"): '=HYPERLINK("http://x","y")',
    "national_b.json": "+1+1",
    "national_c.json": "@SUM(A1)",
    "national_e.json": "-2+3",
}
NAMES = list(HOSTILE.values())


@pytest.fixture(scope="module")
def batch():
    b = demo_batch(HOSTILE)
    assert set(NAMES) <= {r.applicant for r in b.results}
    return b


@pytest.fixture(scope="module")
def xlsx(batch, tmp_path_factory):
    path = tmp_path_factory.mktemp("inj") / "评分结果.xlsx"
    write_results_workbook(batch, path, generated_at=GENERATED_AT)
    return path


def sheet_cells(path):
    """(sheet part, cell element) for every cell of every worksheet, from the raw XML."""
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml", n)):
            root = ET.fromstring(z.read(name))
            for c in root.iter(f"{{{NS['m']}}}c"):
                yield name, c


def cell_text(c) -> str | None:
    t = c.find("m:is/m:t", NS)
    return t.text if t is not None else None


def test_no_formula_anywhere_in_the_worksheets(xlsx):
    formulas = [
        (name, c.get("r")) for name, c in sheet_cells(xlsx) if c.find("m:f", NS) is not None
    ]
    assert formulas == []


def test_hostile_names_are_stored_as_exact_inline_text(xlsx):
    found = {n: 0 for n in NAMES}
    for _, c in sheet_cells(xlsx):
        text = cell_text(c)
        if text in found:
            assert c.get("t") == "inlineStr"
            assert c.find("m:f", NS) is None and c.find("m:v", NS) is None
            found[text] += 1
    # each name: ranking row, score card title block; the excluded one also elsewhere
    assert all(n >= 2 for n in found.values()), found


def test_hostile_names_read_back_as_text(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["排名-双跨平台（2023）"]
    names = [ws.cell(r, 2).value for r in range(4, 9)]
    assert set(NAMES) <= set(names)
    for r in range(4, 9):
        assert ws.cell(r, 2).data_type == "s"


def test_put_forces_text_where_openpyxl_would_infer_a_formula_or_error():
    ws = Workbook().active
    # the behaviour we guard against: openpyxl's own inference
    ws["A1"] = "=1+1"
    assert ws["A1"].data_type == "f"
    ws["A2"] = "#N/A"
    assert ws["A2"].data_type == "e"
    for k, text in enumerate(["=1+1", "#N/A", "+1", "@A1", "-1", "\x01控制字符"], start=3):
        cell = put(ws.cell(k, 1), text)
        assert cell.data_type == "s"
    assert ws["A8"].value == "\ufffd控制字符"  # XML cannot hold control characters
    assert put(ws["B1"], -2.5).data_type == "n" and ws["B1"].value == -2.5


def test_csv_prefixes_formula_triggers_but_not_numbers():
    assert csv_field("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_field("+1+1") == "'+1+1"
    assert csv_field("-2+3") == "'-2+3"
    assert csv_field("@SUM(A1)") == "'@SUM(A1)"
    assert csv_field("\tx") == "'\tx" and csv_field("\rx") == "'\rx"
    assert csv_field("某公司=1") == "某公司=1"
    assert csv_field(-2.5) == "-2.5" and csv_field(-3) == "-3"
    assert csv_field(85.876079) == "85.8761" and csv_field(None) == ""


def test_csv_file_has_hostile_names_prefixed(batch, tmp_path):
    out = tmp_path / "评分结果.csv"
    write_csv(batch, out)
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    header = rows[0]
    names = {r[header.index("申报单位")] for r in rows[1:]}
    assert {"'" + n for n in NAMES} <= names
    assert not any(n in names for n in NAMES)
    keys = {r[header.index("标识")] for r in rows[1:]}  # without a credit code the key is the name
    assert "'" + NAMES[0] in keys
    for r in rows[1:]:
        for value in r:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            if value.startswith("-"):
                float(value)  # only plain negative numbers may start with a minus
