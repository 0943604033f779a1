"""A cell calamine cannot convert does not take the process down, in-process or in a batch.

python-calamine panics (``pyo3_runtime.PanicException``, a BaseException that
``except Exception`` lets through) on a duration out of range: -1e20 in a cell formatted
``[h]:mm:ss``. An applicant or an expert can type exactly that. Found by
``tests/test_fuzz_reader.py``; each reader now names the sheet and goes on.
"""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from test_panel_integrity import applications, panel_file, run
from workbook_helpers import figures, fill

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.excel.application import template
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.review.layout import SCORES
from iipeval.excel.review.reader import read_review_workbook

EV = Evaluator()


def poison(path, sheet: str, cell: str, value: float = -1e20) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb[sheet][cell].number_format = "[h]:mm:ss"
    wb.save(path)


@pytest.fixture
def filled(tmp_path):
    fw = EV.framework("national_2023").framework
    path = tmp_path / "申报表.xlsx"
    template.write(fw, path)
    return fill(path, figures(fw))


@pytest.mark.parametrize("value", [-1e20, 1e20], ids=["panic", "overflow"])
def test_an_application_with_an_unconvertible_duration_is_one_finding(filled, value):
    poison(filled, "指标数据", "E7", value)
    loaded = read_workbook(filled, EV)
    assert loaded.submission is None
    [f] = loaded.findings
    assert (f.code, f.sheet) == ("unreadable", "指标数据")
    assert "无法读取的单元格" in f.message


def test_the_rest_of_the_batch_is_scored(filled, tmp_path):
    poison(filled, "指标数据", "E7")
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(json.loads((applications(tmp_path) / "strong.json").read_text("utf-8"))),
        "utf-8",
    )
    res = CliRunner().invoke(cli, ["score", str(filled), str(good), "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    assert [r["source"] for r in data["results"]] == [str(good)]
    [rejected] = data["rejected"]
    assert rejected["findings"][0]["sheet"] == "指标数据"


def test_an_expert_workbook_with_an_unconvertible_duration_is_one_finding(tmp_path):
    apps = applications(tmp_path)
    reviews = tmp_path / "reviews"
    run(
        "panel",
        apps,
        "--panel",
        panel_file(tmp_path),
        "-o",
        reviews,
        "--record",
        tmp_path / "private" / "r.json",
        code=0,
    )
    form = next(reviews.glob("review_*_E01.xlsx"))
    poison(form, SCORES, "F5")
    bundle = read_review_workbook(form)
    assert bundle.reviews == []
    [f] = bundle.findings
    assert (f.code, f.sheet) == ("unreadable", SCORES)
