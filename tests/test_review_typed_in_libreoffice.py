"""Experts fill their 专家评分表 in LibreOffice Calc, typing as a person types.

The forms are issued by ``iipeval panel``, typed into through a real Calc
(``tests/libreoffice_typist.py``) and saved by Calc. They must verify against the round's
record and score exactly as the same scores written by openpyxl; an expert who types 120
(Calc's own validation is not applied to what the typist enters, as with a paste) is
refused at that cell and the value never counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import openpyxl
import pytest
from test_panel_integrity import (
    CLEAN_CHECK,
    EXPERTS,
    GIVEN,
    RECORDS,
    STRONG,
    applications,
    fill_workbook,
    issue,
    meta_rows,
    panel_file,
    run,
)
from test_typed_in_libreoffice import SYSTEM_PYTHON, TYPIST, pytestmark  # noqa: F401

from iipeval.excel.review.layout import SCORES

OUTLIER = "E02"


def _cell(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


def _steps(path, expert: str, *, outlier: bool = False) -> list:
    parts, rows = meta_rows(openpyxl.load_workbook(path, read_only=True))
    strong, weak = GIVEN[expert]
    steps = [
        ["type", SCORES, _cell(r, col), str(strong if key == STRONG else weak)]
        for key, r in rows.items()
        for _, _, col in parts
    ]
    if outlier:
        steps[0][3] = "120"
        steps[1][3] = "85%"  # Calc stores 0.85 and shows it as 85%
    return steps


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed_round")
    apps = applications(tmp)
    issued = tmp / "issued"
    issue(apps, panel_file(tmp), issued)
    typed, by_hand, outlier = (tmp / d for d in ("typed", "by_hand", "outlier"))
    for d in (typed, by_hand, outlier):
        shutil.copytree(issued, d)
    docs = []
    for e in EXPERTS:
        [form] = issued.glob(f"review_*_{e}.xlsx")
        fill_workbook(by_hand / form.name, e)
        docs.append(
            {"source": str(form), "target": str(typed / form.name), "steps": _steps(form, e)}
        )
        if e == OUTLIER:
            steps = _steps(form, e, outlier=True)
            docs.append({"source": str(form), "target": str(outlier / form.name), "steps": steps})
            outlier_cell = (steps[0][2], steps[1][2])
        else:
            fill_workbook(outlier / form.name, e)
    job = tmp / "job.json"
    job.write_text(json.dumps({"profile": str(tmp / "profile"), "documents": docs}), "utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(TYPIST), str(job)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return apps, typed, by_hand, outlier, outlier_cell


def scored(apps, reviews, code):
    record = RECORDS[apps]
    res = run("score", apps, "--reviews", reviews, "--panel-record", record, "--format", "json",
              code=code)  # fmt: skip
    return json.loads(res.output)


def test_forms_typed_and_saved_in_calc_verify_and_score_as_written_by_openpyxl(round_):
    apps, typed, by_hand, *_ = round_
    a, b = scored(apps, typed, 0), scored(apps, by_hand, 0)
    assert a["review_panel"]["verified"] is True
    assert [f for f in a["findings"] if f["severity"] != "notice"] == []  # no finding at all
    assert all(not r["findings"] for r in a["results"])
    for r in a["results"]:
        assert r["panel_check"] == CLEAN_CHECK
    assert [(r["applicant"], r["total"]) for r in a["results"]] == [
        (r["applicant"], r["total"]) for r in b["results"]
    ]
    assert [r["panels"] for r in a["results"]] == [r["panels"] for r in b["results"]]


def test_an_expert_who_types_120_or_85_percent_is_refused_at_that_cell_and_never_counted(round_):
    apps, _, _, outlier, (cell, percent_cell) = round_
    data = scored(apps, outlier, 1)
    bad = [f for f in data["findings"] if f["code"] == "review_bad_score"]
    assert [(f["cell"], OUTLIER in f["file"]) for f in bad] == [(cell, True)]
    pct = [f for f in data["findings"] if f["code"] == "percent_format"]
    assert [(f["cell"], OUTLIER in f["file"]) for f in pct] == [(percent_cell, True)]
    assert "85.00%" in pct[0]["message"] and "0.85" in pct[0]["message"]  # as Calc shows it
    given = [v for r in data["results"] for p in r["panels"] for v in p["experts"].values()]
    assert 120 not in given and 0.85 not in given
