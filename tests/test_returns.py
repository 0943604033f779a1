"""补正 returns: ``iipeval validate INPUTS --return-to DIR --deadline DATE``.

The applicant gets their own workbook back with the problem cells marked and a 补正通知
first; it must stay a submission the reader takes exactly like a fresh one (same set,
``_meta`` very hidden, protection and data validation kept), also after LibreOffice saved
it; the organiser gets a 补正清单; inputs are never touched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from workbook_helpers import APPLICANT, figures, fill, soffice, soffice_convert

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.core.findings import Severity
from iipeval.core.intake.sandbox import IsolationFailed, isolated
from iipeval.excel.application.layout import META
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.returns import CHECKLIST, NOTICE, NOTICE_HEADERS

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbooks" / "national_2023.xlsx"
EV = Evaluator()
FW = EV.framework("national_2023").framework
INJECTED = '=HYPERLINK("http://x","y")丙公司'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def errors(path: Path) -> dict[str, str]:
    """cell → code of every error the reader and the evaluator find in a workbook."""
    out = EV.score_loaded(read_workbook(path, EV))
    return {
        f"{f.sheet}!{f.cell}": f.code
        for f in out.findings
        if f.severity is Severity.error and f.cell
    }


@pytest.fixture()
def submitted(tmp_path) -> Path:
    """Three inputs: a workbook with errors, a JSON with errors, a clean workbook."""
    folder = tmp_path / "submitted"
    folder.mkdir()
    bad = figures(FW) | {"devices_operating": "很多", "patents_invention": -3}
    fill(
        TEMPLATE,
        bad,
        applicant=APPLICANT | {"credit_code": "91430100MA4L16JQ9X"},
        out=folder / "甲公司.xlsx",
    )
    fill(TEMPLATE, figures(FW), out=folder / "乙公司.xlsx")
    items = figures(FW) | {"devices_mobile": None, "developers_active": 10**9}
    (folder / "丙公司.json").write_text(
        json.dumps(
            {"framework": FW.id, "applicant": {"name": INJECTED}, "items": items},
            ensure_ascii=False,
        ),
        "utf-8",
    )
    return folder


def test_returns_mark_the_applicants_own_workbook_and_list_everything(submitted, tmp_path):
    before = digest(submitted)
    out = tmp_path / "第一轮补正"
    res = invoke("validate", str(submitted), "--return-to", str(out), "--deadline", "2026-12-15")
    assert res.exit_code == 1
    assert digest(submitted) == before  # inputs untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["甲公司.xlsx", "丙公司_补正通知.xlsx", f"{CHECKLIST}.xlsx"]
    )  # nothing for the clean 乙公司

    original, returned = submitted / "甲公司.xlsx", out / "甲公司.xlsx"
    wanted = errors(original)
    assert {"指标数据!E7", "指标数据!E33"} <= set(wanted) and len(wanted) == 3
    wb = openpyxl.load_workbook(returned)
    assert wb.sheetnames[0] == NOTICE and wb.active.title == NOTICE
    notice = wb[NOTICE]
    assert "2026年12月15日" in notice["A2"].value
    assert tuple(c.value for c in notice[3]) == NOTICE_HEADERS
    listed = {r[1]: (r[2], r[3]) for r in notice.iter_rows(min_row=4, values_only=True)}
    for cell in wanted:
        problem, fix = listed[cell]
        assert problem and fix
        sheet, ref = cell.split("!")
        marked = wb[sheet][ref]
        assert marked.fill.fgColor.rgb.endswith("FF9999")
        assert problem in marked.comment.text and fix in marked.comment.text
    code_cell = next(c for c, (p, _) in listed.items() if "统一社会信用代码" in p)
    assert code_cell.startswith("基本信息!")
    assert "数字" in listed["指标数据!E7"][1]

    # still the applicant's submission: same set, _meta very hidden, guards kept
    src = openpyxl.load_workbook(original)
    assert wb[META].sheet_state == "veryHidden"
    assert wb.security.lockStructure
    for ws in src.worksheets:
        copy = wb[ws.title]
        assert copy.sheet_state == ws.sheet_state
        assert copy.protection.sheet == ws.protection.sheet
        assert sorted(str(d.sqref) for d in copy.data_validations.dataValidation) == sorted(
            str(d.sqref) for d in ws.data_validations.dataValidation
        )
    assert errors(returned) == wanted  # read back: the same problems in the same cells
    assert read_workbook(returned, EV).submission.application.framework == FW.id

    # the JSON applicant gets the notice alone
    only = openpyxl.load_workbook(out / "丙公司_补正通知.xlsx")
    assert only.sheetnames == [NOTICE]
    rows = list(only[NOTICE].iter_rows(min_row=4, values_only=True))
    places = [r[1] or "" for r in rows]
    assert "数据项 行走设备连接数量" in places  # by its name, never its JSON key
    assert not any("devices_mobile" in p or "developers_active" in p for p in places)

    # the organiser's checklist: every applicant, the verdict, the deadline
    sheet = openpyxl.load_workbook(out / f"{CHECKLIST}.xlsx")[CHECKLIST]
    assert "2026年12月15日" in sheet["A1"].value
    head = [c.value for c in sheet[3]]
    assert head[3:8] == ["结论", "否决项", "须补正（错误）", "请核实（警告）", "退回文件"]
    verdicts = {r[2]: r[3:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert verdicts["甲公司.xlsx"][0] == "需补正" and verdicts["甲公司.xlsx"][4] == "甲公司.xlsx"
    assert len(verdicts["甲公司.xlsx"][2].split("\n")) == 3  # the three errors, one a line
    assert verdicts["乙公司.xlsx"][0] == "通过"
    assert verdicts["丙公司.json"][0] == "需补正"
    listed = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert "devices_mobile" not in listed
    name = next(r[1] for r in sheet.iter_rows(min_row=4) if r[2].value == "丙公司.json")
    assert name.value.startswith(INJECTED) and name.data_type == "s"  # a name, never a formula


def test_a_returned_copy_corrected_by_the_applicant_passes(submitted, tmp_path):
    out = tmp_path / "returns"
    invoke("validate", str(submitted / "甲公司.xlsx"), "--return-to", str(out))
    copy = out / "甲公司.xlsx"
    fill(
        copy, {"devices_operating": 1200, "patents_invention": 8}, applicant=APPLICANT
    )  # the applicant corrects the marked cells
    res = invoke("validate", str(copy))
    assert res.exit_code == 0, res.output


@pytest.mark.skipif(not soffice(), reason="LibreOffice not installed")
def test_a_returned_copy_survives_a_libreoffice_save(submitted, tmp_path):
    out = tmp_path / "returns"
    invoke("validate", str(submitted / "甲公司.xlsx"), "--return-to", str(out))
    saved = soffice_convert(out / "甲公司.xlsx", tmp_path / "lo")
    assert errors(saved) == errors(submitted / "甲公司.xlsx")
    wb = openpyxl.load_workbook(saved)
    assert wb.sheetnames[0] == NOTICE
    assert wb[META].sheet_state != "visible"  # LibreOffice keeps it hidden (not *very* hidden)


def test_a_second_round_into_the_same_folder_is_refused_not_overwritten(submitted, tmp_path):
    out = tmp_path / "returns"
    invoke("validate", str(submitted), "--return-to", str(out))
    before = digest(out)
    res = invoke("validate", str(submitted), "--return-to", str(out))
    assert res.exit_code == 2 and "已存在" in res.output
    assert "Traceback" not in res.output
    assert digest(out) == before


def _explode(path: Path) -> None:
    raise ValueError(f"cannot read {path.name}")


def _allocate(_path: Path) -> bytes:
    return b"x" * (4 * 2**30)


def test_the_sandbox_turns_a_failure_or_a_memory_bomb_into_a_message(tmp_path):
    with pytest.raises(IsolationFailed, match="出错"):
        isolated(_explode, tmp_path / "a.xlsx")
    with pytest.raises(IsolationFailed, match="内存"):
        isolated(_allocate, tmp_path / "a.xlsx")
    assert isolated(len, "abc") == 3


def test_an_unreadable_workbook_gets_the_notice_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "坏.xlsx").write_bytes(b"")  # refused by the guard before any parser
    out = tmp_path / "returns"
    res = invoke("validate", str(folder), "--return-to", str(out))
    assert res.exit_code == 1 and "Traceback" not in res.output
    wb = openpyxl.load_workbook(out / "坏_补正通知.xlsx")
    assert wb.sheetnames == [NOTICE]
    rows = [r for r in wb[NOTICE].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(rows) == 1 and "0 字节" in rows[0][2]


def test_returns_never_go_into_the_submissions_folder(submitted):
    before = digest(submitted)
    res = invoke("validate", str(submitted), "--return-to", str(submitted))
    assert res.exit_code == 2 and "重合或位于其中" in res.output
    assert digest(submitted) == before


def test_the_checklist_names_a_veto_and_the_warnings_to_confirm(tmp_path):
    """A vetoed application with complete data is 不予推荐 with its 否决项, never
    通过 / 0 / 无; a warning is listed for the applicant to confirm."""
    folder = tmp_path / "submitted"
    folder.mkdir()
    data = json.loads(
        (REPO / "examples" / "applications" / "national_2023.json").read_text("utf-8")
    )
    items = data["application"]["items"]
    items["major_safety_incident"] = True
    items["sme_served"] = 3 * (items["enterprises_manufacturing"] + items["enterprises_service"])
    (folder / "丁.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = tmp_path / "returns"
    res = invoke("validate", str(folder), "--return-to", str(out))
    assert "丁.json：不予推荐（触及否决项；警告 1 条）" in res.output
    sheet = openpyxl.load_workbook(out / f"{CHECKLIST}.xlsx")[CHECKLIST]
    head = [c.value for c in sheet[3]]
    [row] = [dict(zip(head, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert row["结论"] == "不予推荐"
    assert row["否决项"] == "近三年发生重大及以上安全生产事故（填报为“是”）"
    assert row["须补正（错误）"] == "—" and "服务中小企业数量超过" in row["请核实（警告）"]
    assert sheet["A2"].value.startswith("共1份申报：不予推荐1份")
