"""Long texts never come back whole, and blank-looking text is blank, in JSON and workbooks alike.

A 1 MB applicant name is refused at input by the default limits; an organiser who raises
the limit still gets outputs (terminal, CSV, workbooks, findings) that show it cut, with
a marker saying how long it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import REPO
from workbook_helpers import APPLICANT, figures, fill

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator, load_json
from iipeval.core.findings import Finding
from iipeval.core.scoring.params import InputLimits
from iipeval.core.text import cap, visible
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write as write_template
from iipeval.present.cell_text import csv_field

HUGE = "长" * 1_000_000
EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"


def longest_run(text: str, ch: str = "长") -> int:
    best = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        best = max(best, run)
    return best


@pytest.fixture(scope="module")
def ev():
    return Evaluator()


@pytest.fixture(scope="module")
def template(ev, tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "template.xlsx"
    write_template(ev.framework("national_2023").framework, path)
    return path


def application(tmp_path: Path, name: str) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.pop("reviews", None)
    data["application"]["applicant"]["name"] = name
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_cap_marks_how_long_the_text_was():
    assert cap("短") == "短"
    assert cap("长" * 300) == "长" * 200 + "…（共300字）"
    assert visible(" \u200b\x01\u202e") == "" and visible(" 某\u200b公司 ") == "某公司"


def test_a_finding_never_holds_a_huge_message():
    f = Finding(severity="error", code="x", message=f"名称“{HUGE}”有误", item=HUGE)
    assert len(f.message) < 1100 and f.message.endswith("字）")
    assert len(f.item) < 300


def test_csv_fields_are_capped():
    field = csv_field(HUGE)
    assert len(field) < 2100 and field.endswith("…（共1000000字）")


def test_a_huge_name_in_json_is_refused_with_a_short_message(tmp_path):
    path = application(tmp_path, HUGE)
    loaded = load_json(path, InputLimits(max_json_bytes=8_000_000))
    (f,) = [f for f in loaded.findings if f.code == "text_too_long"]
    assert f.item == "application.applicant.name" and len(f.message) < 300
    out = CliRunner().invoke(cli, ["validate", str(path)])  # 3 MB: over the file size limit
    assert out.exit_code == 1 and "过大" in out.output
    assert longest_run(out.output) < 300


def test_a_huge_name_let_through_by_the_organiser_is_capped_in_every_output(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text(
        "[input]\nmax_text_chars = 2000000\nmax_json_bytes = 8000000\n", encoding="utf-8"
    )
    path = application(tmp_path, HUGE)
    runner = CliRunner()
    for fmt in ("text", "csv"):
        out = runner.invoke(cli, ["score", str(path), "--params", str(params), "--format", fmt])
        assert out.exit_code == 0, out.output[:500]
        assert "…（共1000000字）" in out.output and longest_run(out.output) <= 2000
    target = tmp_path / "out" / "results.xlsx"
    out = runner.invoke(cli, ["score", str(path), "--params", str(params), "-o", str(target)])
    assert out.exit_code == 0, out.output[:500]
    csv_text = target.with_suffix(".csv").read_text(encoding="utf-8-sig")
    assert longest_run(csv_text) <= 2000
    wb = openpyxl.load_workbook(target, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                assert not isinstance(v, str) or longest_run(v) <= 2000
    wb.close()


def test_workbook_and_json_say_the_same_about_an_invisible_name(ev, template, tmp_path):
    fw = ev.framework("national_2023").framework
    path = fill(
        template,
        figures(fw),
        applicant={**APPLICANT, "name": " \u200b\u200b "},
        out=tmp_path / "invisible.xlsx",
    )
    loaded = read_workbook(path, ev)
    result = ev.score_loaded(loaded)
    (f,) = [f for f in result.findings if f.item == "applicant.name"]
    assert (f.code, f.sheet, f.cell) == ("invisible_text", "基本信息", "B3")
    from_json = load_json(application(tmp_path, "\u200b"))
    (j,) = from_json.findings
    assert f.message in j.message  # one wording, whatever the input
    assert not result.accepted


def test_an_over_long_evidence_cell_is_an_error_at_its_cell(ev, template, tmp_path):
    fw = ev.framework("national_2023").framework
    path = fill(
        template,
        figures(fw),
        evidence={"devices_operating": "证" * 6000},
        out=tmp_path / "evidence.xlsx",
    )
    loaded = read_workbook(path, ev)
    result = ev.score_loaded(loaded)
    (f,) = [f for f in result.findings if f.code == "text_too_long"]
    assert (f.sheet, f.cell) == ("指标数据", "F7") and "共6000字，上限5000字" in f.message
    assert "devices_operating" not in loaded.submission.application.evidence
    assert not result.accepted
