"""A 核查表 is issued and signed like an expert form (issue 22, §3).

Today anyone can run ``iipeval verification`` on their own copy, type any 核查人, and move
a score once the sheet lies in the ``--verified`` folder. Each attack below must end as an
error naming the sheet, its values unused, the applicant's declared figures scored; and
what the verifiers could not see is refused at its cell, as in an expert form.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import private_record
from test_scored_as_seen import set_cell_xml
from test_verification import EXAMPLE, fill, rows

from iipeval.cli.main import cli
from iipeval.core.panel.location import ledger_location
from iipeval.excel.verification.layout import META, SHEET

ITEM, FORGED = "devices_operating", 100000


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def issued(tmp_path):
    """The example national application, its round's record kept privately, and the
    signed 核查表 the organiser issued for it."""
    apps = tmp_path / "apps"
    apps.mkdir()
    shutil.copy(EXAMPLE, apps / "甲.json")
    record = private_record(tmp_path)
    res = invoke("verification", apps, "--panel-record", record, "-o", tmp_path / "核查")
    assert res.exit_code == 0, res.output
    return apps, record, tmp_path / "核查" / "甲_核查表.xlsx"


def scored(tmp_path, apps, record, verified, code=None) -> dict:
    out = tmp_path / "out" / "r.json"
    shutil.rmtree(out.parent, ignore_errors=True)
    res = invoke(
        "score", apps, "--reviews", Path(__file__).parents[1] / "examples" / "reviews",
        "--panel-record", record, "--verified", verified, "-o", out,
    )  # fmt: skip
    assert "Traceback" not in res.output
    if code is not None:
        assert res.exit_code == code, res.output
    return json.loads(out.read_text("utf-8"))


def findings(data, code):
    found = [*data["findings"], *(f for r in data["results"] for f in r["findings"])]
    return [f for f in found if f["code"] == code]


def not_used(data) -> bool:
    return data["results"][0]["verification"] is None


# -- issued by the organiser, or not at all ---------------------------------------------


def test_a_sheet_issued_and_filled_as_intended_is_used(issued, tmp_path):
    apps, record, sheet = issued
    fill(sheet, ITEM, FORGED)
    data = scored(tmp_path, apps, record, sheet.parent, code=0)
    assert [v["verified"] for v in data["results"][0]["verification"]["values"]] == [FORGED]
    ledger = json.loads(ledger_location(record).read_text("utf-8"))
    assert [s["file"] for s in ledger["sheets"]] == [sheet.name]
    assert ledger_location(record).stat().st_mode & 0o777 == 0o600


def test_a_sheet_made_by_someone_without_the_record_is_refused(issued, tmp_path):
    """Someone issues a round of their own (same ids, a key they know) and slips a sheet in."""
    apps, record, sheet = issued
    mine = tmp_path / "mine"
    mine.mkdir()
    data = json.loads(record.read_text("utf-8"))
    data["key"] = "0" * 64
    (mine / "record.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    (mine / "record.json").chmod(0o600)
    assert (
        invoke(
            "verification", apps, "--panel-record", mine / "record.json", "-o", mine / "s"
        ).exit_code
        == 0
    )
    forged = mine / "s" / sheet.name
    fill(forged, ITEM, FORGED, verifier="随便填的核查人")
    sheet.unlink()
    shutil.copy(forged, sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_not_issued")
    assert f["file"] == str(sheet) and "签名" in f["message"] and f["severity"] == "error"
    assert not_used(out)


def test_a_sheet_retargeted_at_another_applicant_is_refused(issued, tmp_path):
    apps, record, sheet = issued
    other = json.loads(EXAMPLE.read_text("utf-8"))
    other["application"]["applicant"]["name"] = "乙公司"
    code = other["application"]["applicant"]["credit_code"]
    fill(sheet, ITEM, FORGED)
    wb = openpyxl.load_workbook(sheet)
    for row in wb[META].iter_rows():
        if row[0].value == "applicant":
            row[1].value = "乙公司"
    wb[SHEET]["A1"] = "调研核查表：乙公司"
    wb.save(sheet)
    (apps / "甲.json").write_text(json.dumps(other, ensure_ascii=False), "utf-8")
    assert code  # the same key, another applicant's name: the signature covers both
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_not_issued")
    assert f["file"] == str(sheet) and not_used(out)


def test_a_sheet_signed_with_the_key_but_issued_outside_the_ledger_is_refused(issued, tmp_path):
    """A clerk with a copy of the record issues sheets the organiser's ledger never saw."""
    apps, record, sheet = issued
    copy = tmp_path / "clerk" / "record.json"
    copy.parent.mkdir()
    shutil.copy(record, copy)
    copy.chmod(0o600)
    assert invoke("verification", apps, "--panel-record", copy, "-o", tmp_path / "c").exit_code == 0
    unissued = tmp_path / "c" / sheet.name
    fill(unissued, ITEM, FORGED)
    sheet.unlink()
    shutil.copy(unissued, sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_not_issued")
    assert "核查表登记中没有" in f["message"] and not_used(out)


def test_a_sheet_replaced_by_a_later_issue_is_refused(issued, tmp_path):
    apps, record, sheet = issued
    assert (
        invoke("verification", apps, "--panel-record", record, "-o", tmp_path / "二").exit_code == 0
    )
    fill(sheet, ITEM, FORGED)  # the first, superseded sheet comes back filled
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_not_issued")
    assert "取代" in f["message"] and not_used(out)


@pytest.mark.parametrize(
    ("col", "text"), [("C", ""), ("E", "99,999,999")], ids=["hint", "declared"]
)
def test_what_the_verifiers_read_changed_on_the_sheet_breaks_its_signature(
    issued, tmp_path, col, text
):
    """The hint that says where to look, the declared value they compare with: a sheet
    that shows other ones than it was issued with is not the organiser's."""
    apps, record, sheet = issued
    fill(sheet, ITEM, FORGED)
    wb = openpyxl.load_workbook(sheet)
    wb[SHEET][f"{col}{rows(sheet)[ITEM]}"] = text or "（无）"
    wb.save(sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    assert findings(out, "verification_not_issued") and not_used(out)


def test_verification_and_score_verified_need_the_record(issued, tmp_path):
    apps, _record, sheet = issued
    res = invoke("verification", apps, "-o", tmp_path / "x")
    assert res.exit_code == 2 and "--panel-record" in res.output
    res = invoke("score", apps, "--verified", sheet.parent)
    assert res.exit_code == 2 and "--panel-record" in res.output


# -- what the verifiers saw --------------------------------------------------------------


def test_a_verified_value_in_a_hidden_row_is_refused_at_its_cell(issued, tmp_path):
    apps, record, sheet = issued
    fill(sheet, ITEM, FORGED)
    r = rows(sheet)[ITEM]
    wb = openpyxl.load_workbook(sheet)
    wb[SHEET].row_dimensions[r].hidden = True
    wb.save(sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "hidden_row")
    assert f["cell"] == f"F{r}" and f["file"] == str(sheet) and not_used(out)


def test_a_formula_with_a_stale_cached_value_is_refused_at_its_cell(issued, tmp_path):
    apps, record, sheet = issued
    fill(sheet, ITEM, 1)
    r = rows(sheet)[ITEM]
    set_cell_xml(sheet, f"F{r}", b"<f>1850000</f><v>100000</v>", sheet=SHEET)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_formula")
    assert f["cell"] == f"F{r}" and not_used(out)


def test_a_number_format_showing_another_figure_is_refused_at_its_cell(issued, tmp_path):
    apps, record, sheet = issued
    fill(sheet, ITEM, FORGED)
    r = rows(sheet)[ITEM]
    wb = openpyxl.load_workbook(sheet)
    wb[SHEET][f"F{r}"].number_format = '"1,850,000"'  # what was declared, shown over 100000
    wb.save(sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "number_format")
    assert f["cell"] == f"F{r}" and "1,850,000" in f["message"] and not_used(out)


def test_a_very_hidden_sheet_behind_a_visible_copy_refuses_the_sheet(issued, tmp_path):
    apps, record, sheet = issued
    fill(sheet, ITEM, FORGED)
    wb = openpyxl.load_workbook(sheet)
    original = wb[SHEET]
    copy = wb.copy_worksheet(original)
    copy.title = "核查表 "
    original.sheet_state = "veryHidden"
    wb.save(sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=1)
    [f] = findings(out, "verification_not_seen")
    assert f["sheet"] == SHEET and "深度隐藏" in f["message"] and not_used(out)


def test_35_percent_typed_for_a_percent_item_reads_as_35(issued, tmp_path):
    apps, record, sheet = issued
    item = "paying_user_share"
    fill(sheet, item, 0.35, day=dt.date(2026, 12, 5))
    wb = openpyxl.load_workbook(sheet)
    wb[SHEET][f"F{rows(sheet)[item]}"].number_format = "0%"
    wb.save(sheet)
    out = scored(tmp_path, apps, record, sheet.parent, code=0)
    [v] = out["results"][0]["verification"]["values"]
    assert v["verified"] == 35


def test_a_sheet_filled_and_saved_in_libreoffice_still_verifies_and_is_used(issued, tmp_path):
    """The verifiers fill the sheet in Calc, as people type: Calc rewrites every part of
    the file, and the signature, over what the sheet says and shows, still holds."""
    import subprocess

    from test_typed_in_libreoffice import SYSTEM_PYTHON, TYPIST, pytestmark

    if pytestmark.mark.args[0]:
        pytest.skip(pytestmark.mark.kwargs["reason"])
    apps, record, sheet = issued
    r = rows(sheet)[ITEM]
    pct = rows(sheet)["paying_user_share"]
    typed = tmp_path / "typed"
    typed.mkdir()
    steps = [
        ["type", SHEET, f"F{r}", "1,200,000"],
        ["type", SHEET, f"G{r}", "设备台账"],
        ["type", SHEET, f"I{r}", "王核查"],
        ["type", SHEET, f"J{r}", "2026-12-05"],
        ["type", SHEET, f"F{pct}", "12%"],
        ["type", SHEET, f"I{pct}", "王核查"],
        ["type", SHEET, f"J{pct}", "2026-12-05"],
    ]
    doc = {"source": str(sheet), "target": str(typed / sheet.name), "steps": steps}
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"profile": str(tmp_path / "p"), "documents": [doc]}), "utf-8")
    proc = subprocess.run([SYSTEM_PYTHON, str(TYPIST), str(job)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = scored(tmp_path, apps, record, typed, code=0)
    got = {v["item"]: v["verified"] for v in out["results"][0]["verification"]["values"]}
    assert got == {ITEM: 1_200_000, "paying_user_share": 12}
    said = [*out["findings"], *out["results"][0]["findings"]]
    assert not [f for f in said if f["severity"] == "error" or "verification" in f["code"]]
