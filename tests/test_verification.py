"""调研核查: ``iipeval verification`` writes the 核查表, ``score --verified`` uses them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import private_record

from iipeval.cli.main import cli
from iipeval.core.model.results import Result
from iipeval.excel.verification.sheet import META, SHEET

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def made(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    shutil.copy(EXAMPLE, apps / "甲.json")
    before = hashlib.sha256((apps / "甲.json").read_bytes()).hexdigest()
    record = private_record(tmp_path)
    res = invoke(
        "verification", str(apps), "--panel-record", str(record), "-o", str(tmp_path / "核查")
    )
    assert res.exit_code == 0, res.output
    assert hashlib.sha256((apps / "甲.json").read_bytes()).hexdigest() == before
    return apps, tmp_path / "核查" / "甲_核查表.xlsx"


def rows(path: Path) -> dict[str, int]:
    """Data item id → its row, by the sheet's own map (the rows show Chinese names)."""
    meta = openpyxl.load_workbook(path)[META]
    ids = [r[1] for r in meta.iter_rows(values_only=True) if r[0] == "item"]
    return {item: 5 + k for k, item in enumerate(ids)}


def fill(path: Path, item: str, value, *, verifier="王核查", day=dt.date(2026, 12, 5), **cols):
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    r = rows(path)[item]
    ws[f"F{r}"] = value
    ws[f"G{r}"] = cols.get("evidence", "设备台账")
    ws[f"I{r}"] = verifier
    ws[f"J{r}"] = day
    wb.save(path)


def scored(apps: Path, verified: Path, tmp_path: Path) -> dict:
    out = tmp_path / "out" / "r.xlsx"
    reviews = str(REPO / "examples" / "reviews")
    record = str(tmp_path / "私密" / "panel-record.json")  # where ``made`` put the round's record
    res = invoke(
        "score", str(apps), "--reviews", reviews, "--panel-record", record,
        "--verified", str(verified), "-o", str(out),
    )  # fmt: skip
    assert "Traceback" not in res.output
    return json.loads(out.with_suffix(".json").read_text("utf-8"))


def test_the_sheet_shows_declared_values_and_opens_only_the_verifiers_columns(made):
    _, sheet = made
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET]
    r = rows(sheet)["devices_operating"]
    assert ws[f"E{r}"].value == "1,850,000"
    assert ws.protection.sheet and wb[META].sheet_state == "veryHidden"
    assert [ws[f"{c}{r}"].protection.locked for c in "BEFGHIJ"] == [True, True] + [False] * 5
    assert "核查人" in ws["A3"].value


def test_a_verified_value_is_scored_and_shown_beside_the_declared_one(made, tmp_path):
    apps, sheet = made
    declared = scored(apps, tmp_path / "nothing", tmp_path)["results"][0]
    fill(sheet, "devices_operating", 100000)
    shutil.rmtree(tmp_path / "out")
    data = scored(apps, sheet.parent, tmp_path)
    (result,) = data["results"]
    v = result["verification"]
    assert [
        (x["item"], x["declared"], x["verified"], x["verifier"], x["date"]) for x in v["values"]
    ] == [("devices_operating", 1850000, 100000, "王核查", "2026-12-05")]
    assert v["declared_total"] == pytest.approx(declared["total"])
    assert (
        v["verified_total"] == pytest.approx(result["total"])
        and result["total"] < declared["total"]
    )
    assert v["change"] == pytest.approx(result["total"] - declared["total"])
    [change] = v["indicators"]
    assert change["id"] == "devices" and change["change"] < 0
    csv = (tmp_path / "out" / "r.csv").read_text("utf-8-sig")
    assert "核查计分变化" in csv.splitlines()[0]
    wb = openpyxl.load_workbook(tmp_path / "out" / "r.xlsx")
    seen = [c for row in wb["调研核查"].iter_rows(values_only=True) for c in row if c]
    assert "1,850,000" in seen and "100,000" in seen and "王核查" in seen
    # the same figure typed into the application gives the same total: nothing else moved
    typed = json.loads(EXAMPLE.read_text("utf-8"))
    typed["application"]["items"]["devices_operating"] = 100000
    (apps / "甲.json").write_text(json.dumps(typed, ensure_ascii=False), "utf-8")
    shutil.rmtree(tmp_path / "out")
    again = scored(apps, tmp_path / "nothing", tmp_path)["results"][0]
    assert again["total"] == pytest.approx(result["total"])
    explained = {i.id: i.explanation for i in Result.model_validate(result).indicators}
    assert explained["devices"].startswith("〔调研核查〕运行设备连接数量按核查值100,000计")
    assert "核查" not in explained["models"]
    ranked = data["rankings"][0]["entries"][0]
    assert ranked["total"] == pytest.approx(result["total"])


def test_unsigned_and_unreadable_values_are_reported_and_not_used(made, tmp_path):
    apps, sheet = made
    fill(sheet, "devices_operating", 100000, verifier="")
    fill(sheet, "devices_processing", "很多")
    fill(sheet, "devices_mobile", "不适用")  # an item that does not allow 不适用
    fill(sheet, "devices_other", -5)
    data = scored(apps, sheet.parent, tmp_path)
    (result,) = data["results"]
    assert result["verification"] is None  # nothing usable: the declared figures stand
    codes = {(f["code"], f.get("cell")) for f in [*result["findings"], *data["findings"]]}
    r = rows(sheet)
    assert ("verification_unsigned", f"F{r['devices_operating']}") in codes
    assert ("not_number", f"F{r['devices_processing']}") in codes
    assert ("na_not_allowed", f"F{r['devices_mobile']}") in codes
    assert ("below_min", f"F{r['devices_other']}") in codes
    assert result["accepted"]  # the organiser's slip is not the applicant's error


def test_a_changed_row_or_a_stranger_file_is_refused_whole(made, tmp_path):
    apps, sheet = made
    fill(sheet, "devices_operating", 100000)
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET]
    r = rows(sheet)["devices_processing"]
    ws.protection.sheet = False
    ws[f"B{r}"] = ws[f"B{r - 1}"].value  # someone retyped a name to move a value
    wb.save(sheet)
    shutil.copy(REPO / "workbooks" / "national_2023.xlsx", sheet.parent / "不是核查表.xlsx")
    (sheet.parent / "空.xlsx").write_bytes(b"")
    data = scored(apps, sheet.parent, tmp_path)
    assert data["results"][0]["verification"] is None
    codes = {f["code"] for f in data["findings"]}
    assert {"verification_layout", "not_verification", "empty_file"} <= codes


def test_a_sheet_made_before_the_application_changed_is_flagged(made, tmp_path):
    apps, sheet = made
    fill(sheet, "patents_invention", 10)
    typed = json.loads(EXAMPLE.read_text("utf-8"))
    typed["application"]["items"]["devices_operating"] = (
        2000000  # resubmitted after the 核查表 was made
    )
    typed["application"]["items"]["patents_invention"] = 999
    (apps / "甲.json").write_text(json.dumps(typed, ensure_ascii=False), "utf-8")
    (result,) = scored(apps, sheet.parent, tmp_path)["results"]
    stale = [f for f in result["findings"] if f["code"] == "verification_stale"]
    assert len(stale) == 1 and "999" in stale[0]["message"]
    assert result["verification"]["values"][0]["declared"] == 999  # the current declared value


def test_a_sheet_for_an_application_not_in_the_batch_is_reported(made, tmp_path):
    _, sheet = made
    fill(sheet, "devices_operating", 100000)
    other = tmp_path / "other"
    other.mkdir()
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["application"]["applicant"]["credit_code"] = None
    data["application"]["applicant"]["name"] = "乙公司"
    (other / "乙.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    found = scored(other, sheet.parent, tmp_path)["findings"]
    assert any(f["code"] == "verification_unknown_application" for f in found)


def test_a_verified_figure_moves_a_deduction_and_the_report_says_so():
    from points_demo import APPLICANTS, application, points_evaluator, reviews

    from iipeval.core.api import Loaded
    from iipeval.core.model.application import Submission
    from iipeval.core.model.verified import Verification, VerifiedValue
    from iipeval.core.round.verification import apply as verify

    ev = points_evaluator()
    name = next(iter(APPLICANTS))
    loaded = Loaded("a.json", Submission(application=application(name)))
    found = VerifiedValue(
        item="security_incidents",
        label="安全事件",
        declared=3,
        verified=0,
        verifier="核查组",
        date=dt.date(2026, 12, 1),
    )
    sheet = Verification(source="核查表.xlsx", framework="points_demo", values=[found])
    result = verify(loaded, sheet, lambda x: ev.score_loaded(x, None, reviews(name)))
    [change] = [c for c in result.verification.indicators if c.id == "deduct_incidents"]
    assert change.declared_points == 10 and change.verified_points == 0
    assert result.verification.change > 0  # a smaller deduction raises the total


def test_an_unfilled_sheet_is_named_so_the_organiser_knows_nothing_was_verified(made, tmp_path):
    apps, sheet = made
    data = scored(apps, sheet.parent, tmp_path)
    [empty] = [f for f in data["findings"] if f["code"] == "verification_empty"]
    assert empty["file"] == str(sheet) and empty["severity"] == "notice"
    assert "未填写任何核查值" in empty["message"] and "按填报数据评分" in empty["message"]
    assert data["results"][0]["verification"] is None


def test_two_sheets_for_one_application_are_both_set_aside(made, tmp_path):
    """A second, different 核查表 for the same applicant must not silently win."""
    apps, sheet = made
    fill(sheet, "devices_operating", 100000)
    other = sheet.with_name("另一份_核查表.xlsx")
    shutil.copy(sheet, other)
    fill(other, "devices_operating", 999)
    data = scored(apps, sheet.parent, tmp_path)
    [dup] = [f for f in data["findings"] if f["code"] == "verification_duplicate"]
    assert dup["severity"] == "error" and "均未采用" in dup["message"]
    assert data["results"][0]["verification"] is None


def test_the_sheet_is_in_chinese_and_ends_with_where_both_sides_sign(made):
    _, sheet = made
    ws = openpyxl.load_workbook(sheet)[SHEET]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert "运行设备连接数量" in cells and "devices_operating" not in " ".join(cells)
    assert not any(re.search(r"[0-9a-f]{16}|SHA-256", c) for c in cells)  # no file hash
    r = rows(sheet)
    assert [ws[f"B{r[f'applicant.{f}']}"].value for f in ("name", "credit_code")] == [
        "申报单位名称",
        "统一社会信用代码",
    ]
    assert ws[f"E{r['applicant.credit_code']}"].value == "91110108MA01K7Q36G"
    last = max(r.values())
    below = [ws[f"A{k}"].value for k in range(last + 1, ws.max_row + 1) if ws[f"A{k}"].value]
    assert below == ["核查组（签字）", "被核查单位（盖章）", "被核查单位负责人（签字）"]
    assert all(ws[f"F{k}"].value == "日期" for k in range(last + 2, last + 5))
    assert ws[f"C{last + 2}"].border.bottom.style == "thin"  # a line to sign on


def test_an_item_that_drew_a_warning_is_marked_for_the_verifiers(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    data = json.loads(EXAMPLE.read_text("utf-8"))
    items = data["application"]["items"]
    items["sme_served"] = 3 * (items["enterprises_manufacturing"] + items["enterprises_service"])
    (apps / "甲.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    record = str(private_record(tmp_path))
    res = invoke("verification", str(apps), "--panel-record", record, "-o", str(tmp_path / "核查"))
    assert res.exit_code == 0, res.output
    sheet = tmp_path / "核查" / "甲_核查表.xlsx"
    ws = openpyxl.load_workbook(sheet)[SHEET]
    r = rows(sheet)
    hint = ws[f"C{r['sme_served']}"]
    assert "服务中小企业数量超过" in hint.value and hint.fill.fgColor.rgb.endswith("FFEB9C")
    assert ws[f"C{r['devices_operating']}"].value is None  # nothing to say: nothing marked


def test_a_credit_code_verified_on_site_is_the_one_scored_and_checked(made, tmp_path):
    apps, sheet = made
    fill(sheet, "applicant.credit_code", "91110108MA01K7Q36X")  # check digit wrong
    (result,) = scored(apps, sheet.parent, tmp_path)["results"]
    [value] = result["verification"]["values"]
    assert (value["item"], value["declared"]) == ("applicant.credit_code", "91110108MA01K7Q36G")
    assert result["credit_code"] == "91110108MA01K7Q36X"
    assert not result["accepted"]  # the corrected code is validated like a declared one
    assert any(f["item"] == "applicant.credit_code" for f in result["findings"])


def test_the_verifiers_words_are_kept_as_they_wrote_them(made, tmp_path):
    apps, sheet = made
    said = "设备台账（2026年版）第3页；现场抽查：１２台。"
    fill(sheet, "devices_operating", 100000, evidence=said, verifier="王核查（组长）")
    (result,) = scored(apps, sheet.parent, tmp_path)["results"]
    [value] = result["verification"]["values"]
    assert value["evidence"] == said and value["verifier"] == "王核查（组长）"
