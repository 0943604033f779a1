"""As a user would: generate the 申报表, fill it in, validate and score it.

The scores from the workbook must equal those from the equivalent JSON application
(same figures), for every built-in criteria set that loads and for the small test set;
once more after the filled workbook has been opened and saved by LibreOffice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from workbook_helpers import (
    application_json,
    builtin_frameworks,
    figures,
    fill,
    small_evaluator,
    soffice,
    soffice_convert,
)

from iipeval.cli.main import cli
from iipeval.core.model.application import Application
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write

BUILTIN = builtin_frameworks()


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def scored(output: str) -> dict:
    data = json.loads(output)
    assert not data["rejected"], data["rejected"]
    (result,) = data["results"]
    return result


def comparable(result: dict) -> dict:
    return {
        "framework": result["framework"],
        "subtype": result["subtype"],
        "total": result["total"],
        "secured": pytest.approx(result["secured"], abs=1e-9),
        "accepted": result["accepted"],
        "indicators": [
            (i["id"], i["status"], None if i["score"] is None else pytest.approx(i["score"]))
            for i in result["indicators"]
        ],
        "findings": sorted((f["code"], f["item"] or "", f["message"]) for f in result["findings"]),
    }


def subtype_of(fw):
    return fw.subtypes[0] if fw.subtypes else None


@pytest.mark.skipif(not BUILTIN, reason="no built-in criteria set loads right now")
@pytest.mark.parametrize("fw", BUILTIN, ids=lambda f: f.id)
def test_builtin_set_workbook_scores_like_json(fw, tmp_path):
    template = tmp_path / f"{fw.id}.xlsx"
    res = invoke("template", fw.id, "-o", str(template))
    assert res.exit_code == 0, res.output
    assert f"已生成 {template}" in res.output

    values = figures(fw)
    st = subtype_of(fw)
    filled = fill(template, values, subtype=st.name if st else None, out=tmp_path / "filled.xlsx")
    app = tmp_path / "app.json"
    app.write_text(
        json.dumps(application_json(fw, values, st.id if st else None), ensure_ascii=False)
    )

    res = invoke("validate", str(filled), "--format", "json")
    report = json.loads(res.output)["files"][0]
    assert res.exit_code == 0, report["findings"]
    assert report["valid"] and report["framework"] == fw.id

    from_xlsx = comparable(scored(invoke("score", str(filled), "--format", "json").output))
    from_json = comparable(scored(invoke("score", str(app), "--format", "json").output))
    assert from_xlsx == from_json
    assert from_xlsx["findings"] == []  # a clean workbook raises nothing at all


@pytest.mark.skipif(not BUILTIN, reason="no built-in criteria set loads right now")
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_builtin_set_workbook_resaved_by_libreoffice_scores_like_json(tmp_path):
    fw = next((f for f in BUILTIN if f.subtypes), BUILTIN[0])
    template = tmp_path / f"{fw.id}.xlsx"
    assert invoke("template", fw.id, "-o", str(template)).exit_code == 0
    values = figures(fw)
    st = subtype_of(fw)
    fill(template, values, subtype=st.name if st else None, out=tmp_path / "filled.xlsx")
    resaved = soffice_convert(tmp_path / "filled.xlsx", tmp_path / "lo")
    app = tmp_path / "app.json"
    app.write_text(
        json.dumps(application_json(fw, values, st.id if st else None), ensure_ascii=False)
    )
    res = invoke("validate", str(resaved))
    assert res.exit_code == 0, res.output
    assert "通过（无问题）" in res.output
    from_xlsx = comparable(scored(invoke("score", str(resaved), "--format", "json").output))
    from_json = comparable(scored(invoke("score", str(app), "--format", "json").output))
    assert from_xlsx == from_json


def test_small_set_workbook_scores_like_json_in_process(tmp_path):
    ev = small_evaluator()
    fw = ev.framework("wbtest").framework
    template = tmp_path / "wbtest.xlsx"
    write(fw, template)
    values = {**figures(fw), "financing": "不适用", "energy_reduction": "不适用"}
    path = fill(template, values, subtype="区域级", out=tmp_path / "filled.xlsx")
    loaded = read_workbook(path, ev)
    from_xlsx = ev.score_loaded(loaded)
    from_json = ev.score(Application.model_validate(application_json(fw, values, "region")))
    assert from_xlsx.findings == [] and from_xlsx.accepted
    assert from_xlsx.subtype == "region"
    assert from_xlsx.secured == pytest.approx(from_json.secured)
    assert [(i.id, i.status, i.score) for i in from_xlsx.indicators] == [
        (i.id, i.status, i.score) for i in from_json.indicators
    ]
    finance = next(i for i in from_xlsx.indicators if i.id == "finance")
    (financing,) = [c for c in finance.trace.components if c.id == "financing"]
    assert financing.status == "na" and "不适用" in finance.explanation


def test_validate_reports_cells_in_text_and_json(tmp_path, monkeypatch):
    """The CLI's own reader path (no evaluator passed) locates findings too."""
    if not BUILTIN:
        pytest.skip("no built-in criteria set loads right now")
    fw = BUILTIN[0]
    template = tmp_path / "t.xlsx"
    invoke("template", fw.id, "-o", str(template))
    first = fw.dimensions[0].indicators[0].item_ids()[0]
    values = {**figures(fw), first: "约1000"}
    st = subtype_of(fw)
    path = fill(template, values, subtype=st.name if st else None, out=tmp_path / "bad.xlsx")
    res = invoke("validate", str(path), "--format", "json")
    assert res.exit_code == 1
    findings = json.loads(res.output)["files"][0]["findings"]
    hit = [f for f in findings if f["code"] == "approximate"]
    assert hit and hit[0]["sheet"] == "指标数据" and hit[0]["cell"].startswith("E")
    assert hit[0]["file"] == str(path) and hit[0]["item"] == first
    assert set(hit[0]) == {"file", "sheet", "cell", "item", "severity", "code", "message"}
    text = invoke("validate", str(path)).output
    assert f"指标数据!{hit[0]['cell']}" in text and "不是确切数值" in text


def test_template_command_usage_errors(tmp_path):
    assert invoke("template", "-o", str(tmp_path / "x.xlsx")).exit_code == 2
    res = invoke("template", "no_such_set", "-o", str(tmp_path / "x.xlsx"))
    assert res.exit_code == 2 and "no_such_set" in res.output
    if BUILTIN:
        res = invoke("template", BUILTIN[0].id, "-o", str(tmp_path / "x.txt"))
        assert res.exit_code == 2 and ".xlsx" in res.output
        res = invoke(
            "template", BUILTIN[0].id, "--subtype", "不存在", "-o", str(tmp_path / "y.xlsx")
        )
        assert res.exit_code == 2


@pytest.mark.skipif(not BUILTIN, reason="no built-in criteria set loads right now")
def test_template_all_writes_one_workbook_per_set(tmp_path):
    res = invoke("template", "--all", "-o", str(tmp_path / "out"))
    assert res.exit_code == 0, res.output
    written = sorted(p.name for p in Path(tmp_path / "out").glob("*.xlsx"))
    assert written == sorted(f"{f.id}.xlsx" for f in BUILTIN)
    with_subtypes = [f for f in BUILTIN if f.subtypes]
    if with_subtypes:
        fw = with_subtypes[0]
        name = fw.subtypes[-1].name
        out = tmp_path / "fixed.xlsx"
        res = invoke("template", fw.id, "--subtype", name, "-o", str(out))
        assert res.exit_code == 0 and f"申报类型：{name}" in res.output
        loaded = read_workbook(fill(out, figures(fw), out=tmp_path / "fixed_filled.xlsx"))
        assert loaded.submission.application.subtype == fw.subtypes[-1].id


@pytest.mark.skipif(not BUILTIN, reason="no built-in criteria set loads right now")
def test_template_keeps_an_existing_file_unless_forced(tmp_path):
    """The overwrite rule of every command: an existing output is exit 2 and untouched."""
    out = tmp_path / "申报表.xlsx"
    out.write_bytes(b"the applicant's half-filled copy")
    res = invoke("template", BUILTIN[0].id, "-o", str(out))
    assert res.exit_code == 2 and "已存在" in res.output and "--force" in res.output
    assert out.read_bytes() == b"the applicant's half-filled copy"
    folder = tmp_path / "all"
    assert invoke("template", "--all", "-o", str(folder)).exit_code == 0
    first = sorted(folder.iterdir())[0]
    first.write_bytes(b"edited")
    assert invoke("template", "--all", "-o", str(folder)).exit_code == 2
    assert first.read_bytes() == b"edited"  # none written, not even the ones that were free
    assert invoke("template", BUILTIN[0].id, "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes().startswith(b"PK")
