"""Reading filled workbooks: every problem a user meets, reported at its exact cell.

Cells of the small test set (tests/workbook_helpers.py), as an applicant sees them:
基本信息 B3 申报单位名称, B5 统一社会信用代码, B9 申报类型, B12 安全生产事故声明;
指标数据 E7-E10 the four device counts, E12 protocols, E15/E16 registered/active
developers, E20 revenue, E21 financing (may be 不适用), E22 paying-user share (percent),
E24 data security (是/否), E25 energy reduction (percent, may be 不适用).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from workbook_helpers import (
    APPLICANT,
    figures,
    fill,
    small_data,
    small_evaluator,
    soffice,
    soffice_convert,
)

from iipeval.core.model.application import NotApplicable
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write


@pytest.fixture(scope="module")
def ev():
    return small_evaluator()


@pytest.fixture(scope="module")
def fw(ev):
    return ev.framework("wbtest").framework


@pytest.fixture(scope="module")
def template(fw, tmp_path_factory):
    path = tmp_path_factory.mktemp("reader") / "wbtest.xlsx"
    write(fw, path)
    return path


@pytest.fixture
def clean_values(fw):
    return figures(fw)


@pytest.fixture
def filled(template, clean_values, tmp_path):
    """A cleanly filled workbook; tests change it further."""

    def make(changes=None, applicant=None, subtype="行业级", name="filled.xlsx"):
        values = {**clean_values, **(changes or {})}
        out = tmp_path / name
        return fill(template, values, applicant=applicant, subtype=subtype, out=out)

    return make


def run(ev, path, framework=None):
    loaded = read_workbook(path, ev)
    return loaded, ev.score_loaded(loaded, framework)


def at(result, cell, code=None, sheet="指标数据"):
    """The findings reported at one cell (optionally with one code)."""
    found = [
        f
        for f in result.findings
        if f.sheet == sheet and f.cell == cell and (code is None or f.code == code)
    ]
    assert found, f"no finding at {sheet}!{cell} ({code}); got " + "; ".join(
        f"{f.sheet}!{f.cell} {f.code} {f.message}" for f in result.findings
    )
    return found


def codes(result):
    return sorted({f.code for f in result.findings})


def test_clean_workbook_reads_without_findings(ev, filled, clean_values):
    loaded, result = run(ev, filled())
    assert result.accepted and result.findings == []
    app = loaded.submission.application
    assert app.framework == "wbtest" and app.subtype == "industry"
    assert app.applicant.name == APPLICANT["name"]
    assert app.applicant.credit_code == APPLICANT["credit_code"]
    assert app.items["devices_operating"] == clean_values["devices_operating"]
    assert app.items["major_safety_incident"] is False
    assert loaded.locations["devices_operating"] == {"sheet": "指标数据", "cell": "E7"}
    assert loaded.locations["applicant.credit_code"] == {"sheet": "基本信息", "cell": "B5"}


def test_every_finding_carries_file_sheet_and_cell(ev, filled):
    path = filled({"devices_processing": None, "devices_mobile": "很多"})
    _, result = run(ev, path)
    for f in result.findings:
        assert f.file == str(path) and f.sheet and f.cell, f


def test_missing_required_value(ev, filled):
    _, result = run(ev, filled({"devices_processing": None}))
    (f,) = at(result, "E8", "missing")
    assert f.message == "加工设备连接数量为必填项，尚未填写"
    assert not result.accepted


def test_text_in_a_number_cell(ev, filled):
    _, result = run(ev, filled({"devices_mobile": "很多"}))
    found = at(result, "E9")
    assert [f.code for f in found] == ["not_number"]  # said once, not twice
    assert "“很多”" in found[0].message and "整数" in found[0].message


def test_negative_count(ev, filled):
    _, result = run(ev, filled({"devices_other": -5}))
    (f,) = at(result, "E10", "below_min")
    assert f.message == "其他设备连接数量不能为负数，现为-5"


def test_active_developers_above_registered(ev, filled):
    _, result = run(ev, filled({"developers_registered": 1000, "developers_active": 2000}))
    (f,) = at(result, "E16", "inconsistent.active_le_registered")
    assert "活跃开发者数量为2,000" in f.message and "注册开发者数量为1,000" in f.message


@pytest.mark.parametrize(
    ("key", "cell", "typed", "value"),
    [
        ("devices_operating", "E7", "1,200", 1200),
        ("devices_processing", "E8", "１２００", 1200),
        ("devices_mobile", "E9", "1.2万", 12000),
        ("devices_other", "E10", "12 台", 12),
        ("protocols_supported", "E12", " 35 ", 35),
        ("paying_user_share", "E22", "35%", 35),
        ("platform_revenue", "E20", "1.2亿元", 12000),
        ("major_safety_incident", "B12", " 否", False),
    ],
)
def test_unambiguous_input_is_read_and_reported_as_a_notice(ev, filled, key, cell, typed, value):
    sheet = "基本信息" if cell.startswith("B") else "指标数据"
    loaded, result = run(ev, filled({key: typed}))
    assert loaded.submission.application.items[key] == value
    (f,) = at(result, cell, "normalised", sheet)
    assert f.severity == "notice" and typed.strip() in f.message
    assert result.accepted


@pytest.mark.parametrize(
    ("key", "cell", "typed", "code", "words"),
    [
        ("devices_operating", "E7", "1.2.3", "bad_number", "小数点只能有一个"),
        ("devices_processing", "E8", "约1000", "approximate", "不是确切数值"),
        ("devices_mobile", "E9", "1,20", "bad_separator", "千位分隔符"),
        ("devices_other", "E10", "12 吨", "unit_mismatch", "本项单位为台（套）"),
        ("protocols_supported", "E12", "35%", "percent_in_count", "不能填写百分数"),
        ("platform_revenue", "E20", "1.2万", "ambiguous_unit", "以万元为单位"),
        ("devices_operating", "E7", "无", "unclear_nothing", "没有的请填0"),
    ],
)
def test_ambiguous_or_wrong_input_is_rejected_at_its_cell(
    ev, filled, key, cell, typed, code, words
):
    _, result = run(ev, filled({key: typed}))
    (f,) = at(result, cell)  # one message per bad cell: the reader's, not also core's
    assert f.code == code and f.severity == "error" and words in f.message
    assert not result.accepted


def test_percent_typed_in_excel_is_read_from_the_cell_format(ev, filled, tmp_path):
    path = filled()
    wb = openpyxl.load_workbook(path)
    ws = wb["指标数据"]
    ws["E22"], ws["E12"] = 0.35, 0.35  # what Excel stores for a typed 35%
    ws["E22"].number_format = ws["E12"].number_format = "0%"
    wb.save(path)
    loaded, result = run(ev, path)
    assert loaded.submission.application.items["paying_user_share"] == 35
    assert "35%" in at(result, "E22", "normalised")[0].message
    (f,) = at(result, "E12", "percent_in_count")
    assert "兼容适配的工业协议数量" in f.message and "35%" in f.message


def test_a_fraction_typed_for_a_percentage_is_a_warning_at_its_cell(ev, filled):
    loaded, result = run(ev, filled({"paying_user_share": 0.35}))
    (f,) = at(result, "E22", "percent_fraction")
    assert f.severity == "warning" and "请填35" in f.message
    assert loaded.submission.application.items["paying_user_share"] == 0.35
    assert result.accepted  # a warning, not a rejection: 0.35% is possible


def test_excel_date_in_a_number_cell(ev, filled):
    _, result = run(ev, filled({"devices_operating": dt.datetime(2024, 1, 2)}))
    (f,) = at(result, "E7", "date_value")
    assert "2024-01-02" in f.message


def test_formula_without_a_cached_result(ev, filled):
    loaded, result = run(ev, filled({"devices_operating": "=1000+200"}))
    (f,) = at(result, "E7", "formula")
    assert "不要使用公式" in f.message and f.severity == "error"
    assert "devices_operating" not in loaded.submission.application.items


def test_not_applicable_where_allowed_and_where_not(ev, filled):
    loaded, result = run(ev, filled({"financing": "不适用", "devices_other": "不适用"}))
    items = loaded.submission.application.items
    assert items["financing"] == NotApplicable()
    assert not [f for f in result.findings if f.cell == "E21"]
    (f,) = at(result, "E10", "na_not_allowed")
    assert "不允许填“不适用”" in f.message


def test_credit_code_turned_into_a_number(ev, filled):
    applicant = {**APPLICANT, "credit_code": 914301001234567861}  # Excel keeps 15 digits
    loaded, result = run(ev, filled(applicant=applicant))
    (f,) = at(result, "B5", "credit_code_number", "基本信息")
    assert "9.14301E+17" in f.message and "末几位已丢失" in f.message and "文本格式" in f.message
    assert loaded.submission.application.applicant.credit_code is None


def test_credit_code_stored_with_all_18_digits_is_recovered(ev, filled):
    path = filled(applicant={**APPLICANT, "credit_code": 914301001234567861})
    _rewrite_cell_value(path, "基本信息", "B5", "914301001234567861")
    loaded, result = run(ev, path)
    assert loaded.submission.application.applicant.credit_code == "914301001234567861"
    (f,) = at(result, "B5", "normalised", "基本信息")
    assert "请核对" in f.message
    assert result.accepted


def test_credit_code_checksum_is_located(ev, filled):
    _, result = run(ev, filled(applicant={**APPLICANT, "credit_code": "91430100MA4L16JQ9X"}))
    (f,) = at(result, "B5", "credit_code", "基本信息")
    # never the expected character: an applicant would change only the last one
    assert "校验不通过" in f.message and "应为" not in f.message


def test_a_blank_credit_code_is_an_error_at_its_cell(ev, filled):
    """回避, matching across rounds and a region's 否决项 rest on the code."""
    _, result = run(ev, filled(applicant={**APPLICANT, "credit_code": None}))
    (f,) = at(result, "B5", "credit_code_missing", "基本信息")
    assert f.severity == "error" and not result.accepted


def test_missing_applicant_name(ev, filled):
    loaded, result = run(ev, filled(applicant={**APPLICANT, "name": None}))
    (f,) = at(result, "B3", "missing", "基本信息")
    assert "申报单位名称" in f.message
    assert loaded.submission.application.applicant.name  # still scored, clearly marked


def test_subtype_missing_or_unknown(ev, filled):
    _, result = run(ev, filled(subtype=None))
    (f,) = at(result, "B9", "subtype", "基本信息")
    assert "行业级（industry）" in f.message
    _, result = run(ev, filled(subtype="省级"))
    assert "省级" in at(result, "B9", "subtype", "基本信息")[0].message


def test_evidence_is_read(ev, filled, template, clean_values, tmp_path):
    path = fill(
        template,
        clean_values,
        subtype="行业级",
        evidence={"devices_operating": "附件3 第12页", "developers.ecosystem": "附件5"},
        out=tmp_path / "ev.xlsx",
    )
    loaded, _ = run(ev, path)
    assert loaded.submission.application.evidence == {
        "devices_operating": "附件3 第12页",
        "developers.ecosystem": "附件5",
    }


# structure --------------------------------------------------------------------------------


def _unprotected(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ws.protection.sheet = False
    wb.security.lockStructure = False
    return wb


def test_deleted_row_is_named_and_the_rest_still_read(ev, filled, clean_values):
    path = filled()
    wb = _unprotected(path)
    wb["指标数据"].delete_rows(8)  # 加工设备连接数量
    wb.save(path)
    loaded, result = run(ev, path)
    (f,) = at(result, "B8", "structure_changed")
    assert f.message.startswith("指标数据 第8行应为“加工设备连接数量”，现为“行走设备连接数量”")
    assert "申报表结构被改动" in f.message and "请使用原模板重新填报" in f.message
    lost = at(result, "E8", "item_not_found")
    assert "加工设备连接数量" in lost[0].message
    items = loaded.submission.application.items
    assert "devices_processing" not in items
    assert items["devices_mobile"] == clean_values["devices_mobile"]  # found one row up
    assert loaded.locations["devices_mobile"] == {"sheet": "指标数据", "cell": "E8"}
    assert not result.accepted


def test_swapped_rows_are_read_by_label(ev, filled, clean_values):
    path = filled({"devices_operating": 111, "devices_processing": 222})
    wb = _unprotected(path)
    ws = wb["指标数据"]
    for col in "ABCDEFG":
        ws[f"{col}7"].value, ws[f"{col}8"].value = ws[f"{col}8"].value, ws[f"{col}7"].value
    wb.save(path)
    loaded, result = run(ev, path)
    items = loaded.submission.application.items
    assert (items["devices_operating"], items["devices_processing"]) == (111, 222)
    (f,) = at(result, "B7", "structure_changed")
    assert "第7行应为“运行设备连接数量”，现为“加工设备连接数量”" in f.message
    assert "其中2个已按名称找到并读取" in f.message


def test_renamed_sheet_is_found_and_reported(ev, filled):
    path = filled({"devices_other": -5})
    wb = _unprotected(path)
    wb["指标数据"].title = "数据"
    wb.save(path)
    _, result = run(ev, path)
    (f,) = [f for f in result.findings if f.code == "sheet_renamed"]
    assert "“指标数据”被改名为“数据”" in f.message and f.severity == "error"
    assert not result.accepted
    at(result, "E10", "below_min", sheet="数据")


def test_deleted_sheet_is_refused_for_its_items(ev, filled):
    path = filled()
    wb = _unprotected(path)
    del wb["指标数据"]
    wb.save(path)
    _, result = run(ev, path)
    (f,) = [f for f in result.findings if f.code == "sheet_missing"]
    assert "缺少工作表“指标数据”" in f.message and f.sheet == "指标数据"
    assert not result.accepted


def test_workbook_of_a_set_that_is_not_loaded(fw, tmp_path):
    other = small_data(id="other_set", name="另一个评价体系")
    other_ev = small_evaluator(other)
    path = tmp_path / "other.xlsx"
    write(other_ev.framework("other_set").framework, path)
    loaded, result = run(small_evaluator(), path)
    assert loaded.submission is None
    (f,) = result.findings
    assert f.code == "framework_unknown" and f.file == str(path)
    assert "“另一个评价体系”（other_set）未加载" in f.message and "wbtest" in f.message


def test_workbook_of_another_set_scored_with_framework_override(tmp_path, clean_values):
    both = small_evaluator(small_data(), small_data(id="other_set", name="另一个评价体系"))
    path = tmp_path / "other.xlsx"
    write(both.framework("other_set").framework, path)
    fill(path, clean_values, subtype="行业级")
    loaded, result = run(both, path, framework="wbtest")
    assert loaded.submission.application.framework == "other_set"
    (f,) = [f for f in result.findings if f.code == "framework_override"]
    assert "other_set" in f.message and "wbtest" in f.message


def _edit_meta(path, **values):
    wb = _unprotected(path)
    ws = wb["_meta"]
    for row in ws.iter_rows():
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(path)


def test_older_template_version_is_read_with_a_warning(ev, filled):
    path = filled({"devices_other": -5})
    _edit_meta(path, template_version="0")
    _, result = run(ev, path)
    (f,) = [f for f in result.findings if f.code == "template_older"]
    assert "旧版模板（版本0" in f.message
    at(result, "E10", "below_min")


def test_newer_template_version_is_refused(ev, filled):
    path = filled()
    _edit_meta(path, template_version="99")
    loaded, result = run(ev, path)
    assert loaded.submission is None
    assert "请升级 iipeval" in result.findings[0].message


def test_framework_version_change_with_same_layout_is_a_notice(filled, tmp_path):
    path = filled({"devices_other": -5})
    newer = small_evaluator(small_data(version="0.2"))
    _, result = run(newer, path)
    (f,) = [f for f in result.findings if f.code == "framework_version"]
    assert f.severity == "notice" and "版本0.1" in f.message and "版本0.2" in f.message
    assert f.sheet is None  # about the whole workbook
    at(result, "E10", "below_min")


def test_framework_version_with_a_new_item_reads_the_old_map(filled):
    path = filled()
    data = small_data(version="0.2")
    data["general_items"] = [*data["general_items"], "serious_dishonesty"]
    _, result = run(small_evaluator(data), path)
    version = [f for f in result.findings if f.code == "framework_version"]
    assert version and version[0].severity == "warning"
    (absent,) = [f for f in result.findings if f.code == "items_absent"]
    assert "被列入严重失信主体名单" in absent.message


def test_tampered_meta_is_refused(ev, filled):
    path = filled()
    wb = _unprotected(path)
    ws = wb["_meta"]
    for row in ws.iter_rows():
        if row[0].value == "devices_operating":
            row[2].value = "E8"
    wb.save(path)
    loaded, result = run(ev, path)
    assert loaded.submission is None
    assert result.findings[0].code == "meta_damaged"


def test_a_workbook_not_made_from_a_template(ev, tmp_path):
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)
    loaded, result = run(ev, path)
    assert loaded.submission is None and result.findings[0].code == "not_template"
    assert "iipeval template" in result.findings[0].message


def test_a_broken_file(ev, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip at all")
    loaded, result = run(ev, path)
    assert loaded.submission is None and result.findings[0].code == "not_xlsx"
    assert "不是 Excel 工作簿" in result.findings[0].message
    assert result.findings[0].file == str(path)


def test_hostile_or_legacy_files_are_refused_before_parsing(ev, tmp_path):
    legacy = tmp_path / "old.xlsx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # an .xls renamed
    loaded, result = run(ev, legacy)
    assert loaded.submission is None and result.findings[0].code == "legacy_xls"
    assert "另存为" in result.findings[0].message
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (8 * 2**20))
    loaded, result = run(ev, bomb)
    assert loaded.submission is None and result.findings[0].code == "zip_bomb"


# LibreOffice -------------------------------------------------------------------------------


needs_soffice = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not installed; cannot re-save workbooks"
)


@needs_soffice
def test_resaved_in_libreoffice_reads_the_same(ev, filled, tmp_path):
    path = filled(
        {"devices_other": -5, "developers_active": 99999, "devices_operating": "=1000+200"}
    )
    resaved = soffice_convert(path, tmp_path / "lo")
    with zipfile.ZipFile(resaved) as z:
        sheet_xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<v>1200</v>" in sheet_xml  # LibreOffice computed and cached the formula
    loaded, result = run(ev, resaved)
    # a formula stays a formula after the round trip: reported, its value not read
    at(result, "E7", "formula")
    assert "devices_operating" not in loaded.submission.application.items
    # LibreOffice's own XML (hidden="false" on every row, its sheet states) is not mistaken
    # for hidden or extra content
    seen_codes = {"sheet_extra", "sheet_hidden", "hidden_row", "hidden_column", "merged_input"}
    assert not [f for f in result.findings if f.code in seen_codes | {"meta_mismatch"}]
    at(result, "E10", "below_min")
    at(result, "E16", "inconsistent.active_le_registered")
    assert loaded.submission.application.applicant.credit_code == APPLICANT["credit_code"]
    # the hidden meta sheet survived the round trip
    assert "_meta" in openpyxl.load_workbook(resaved, read_only=True).sheetnames


@needs_soffice
def test_libreoffice_keeps_the_native_validation(template, tmp_path):
    resaved = soffice_convert(template, tmp_path / "lo")
    wb = openpyxl.load_workbook(resaved)
    ws = wb["指标数据"]
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert by_cell["E7"].type == "whole"
    assert by_cell["E21"].type == "custom" and "不适用" in by_cell["E21"].formula1
    assert wb["基本信息"]["B5"].number_format == "@"
    assert ws.protection.sheet and not ws["E7"].protection.locked


# helpers ------------------------------------------------------------------------------------


def _rewrite_cell_value(path: Path, sheet: str, cell: str, raw: str) -> None:
    """Write a number into a cell's XML verbatim (as some tools store exact integers)."""
    tmp = path.with_suffix(".tmp")
    shutil.copy(path, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        wb_xml = src.read("xl/workbook.xml").decode()
        rels = src.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', wb_xml).group(1)
        target = re.search(
            rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels
        )
        member = "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = re.sub(
                    rf'(<c r="{cell}"[^>]*>)<v>[^<]*</v>'.encode(),
                    rb"\g<1><v>" + raw.encode() + rb"</v>",
                    body,
                )
            dst.writestr(info, body)
    tmp.unlink()
