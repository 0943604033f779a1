"""The generated application workbook: sheets, text, native validation, protection, meta."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from workbook_helpers import builtin_frameworks, small_data, small_evaluator, snapshot

from iipeval.cli.main import cli
from iipeval.excel.application import meta
from iipeval.excel.application.layout import TEMPLATE_VERSION, plan
from iipeval.excel.application.template import write

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
BUILTIN = builtin_frameworks()


@pytest.fixture(scope="module")
def fw():
    return small_evaluator().framework("wbtest").framework


@pytest.fixture(scope="module")
def book(fw, tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "wbtest.xlsx"
    write(fw, path)
    return openpyxl.load_workbook(path)


def dv_at(ws, cell):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, f"{ws.title}!{cell}: {len(found)} validations"
    return found[0]


def list_values(wb, formula):
    sheet, rng = formula.split("!")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[rng.replace("$", "")] for c in row]


def test_sheets_visibility_and_structure_lock(book):
    assert [(ws.title, ws.sheet_state) for ws in book.worksheets] == [
        ("填报说明", "visible"),
        ("基本信息", "visible"),
        ("指标数据", "visible"),
        ("_lists", "hidden"),
        ("_meta", "veryHidden"),
    ]
    assert book.security.lockStructure
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, "protected without a password (documented)"


def test_guide_names_the_source_and_explains_missing_zero_and_na(book, fw):
    text = "\n".join(str(c.value) for row in book["填报说明"].iter_rows() for c in row if c.value)
    for expected in (
        "测试用工业互联网平台申报能力要求",
        "附件9",
        "iipeval 测试组",
        "2024年",
        "留空 = 未填报（缺失）",
        "0 = 确实为零",
        "“不适用”三个字",
        "资本融资金额、单位产值能耗降低幅度",  # the items that allow 不适用
        "万元",
        "台（套）",
        "行业级：面向重点行业；区域级：面向园区和产业集群",
        f"模板版本 {TEMPLATE_VERSION}",
    ):
        assert expected in text, expected


def test_the_guide_holds_nothing_meant_for_the_organiser(book, fw):
    """Corrections of the transcription, a year to confirm, proposals for weights, the
    set's id and the tool: the organiser's business, printed by ``template`` instead."""
    text = "\n".join(str(c.value) for row in book["填报说明"].iter_rows() for c in row if c.value)
    for meant_for_the_organiser in (
        "文字订正",
        "杀手铜",
        "文件未注明年份",
        "使用前请核对",
        fw.weights_note,
        "iipeval 提出",
        "结构指纹",
        fw.id,
    ):
        assert meant_for_the_organiser not in text, meant_for_the_organiser


def test_template_tells_the_organiser_what_the_applicant_is_not_told(tmp_path):
    res = CliRunner().invoke(cli, ["template", "national_2023", "-o", str(tmp_path / "a.xlsx")])
    assert res.exit_code == 0, res.output
    assert "组织方请核对（不写入申报表）：2023年跨行业跨领域工业互联网平台" in res.output
    assert "勘误：原转录“杀手铜”按官方用语作“杀手锏”" in res.output
    assert "iipeval 提出的建议值" in res.output


def test_applicant_fields_and_credit_code_cell(book):
    ws = book["基本信息"]
    labels = [ws[f"A{r}"].value for r in range(3, 10)]
    assert labels == [
        "申报单位名称",
        "平台名称",
        "统一社会信用代码",
        "所在地区",
        "联系人",
        "联系电话",
        "申报类型",
    ]
    assert ws["B5"].number_format == "@"
    dv = dv_at(ws, "B5")
    assert (dv.type, dv.operator, dv.formula1) == ("textLength", "equal", "18")
    assert "18位" in dv.prompt
    sub = dv_at(ws, "B9")
    assert sub.type == "list" and list_values(book, sub.formula1) == ["行业级", "区域级"]
    assert not ws["B3"].protection.locked and ws["A3"].protection.locked


def test_declarations_sit_in_the_info_sheet_with_dropdowns(book):
    ws = book["基本信息"]
    assert ws["A12"].value == "近三年发生重大及以上安全生产事故"
    assert "否决项" in ws["C12"].value
    yes_no = dv_at(ws, "B12")
    assert list_values(book, yes_no.formula1) == ["是", "否"]
    assert ws["A13"].value == "平台主要服务领域"
    assert list_values(book, dv_at(ws, "B13").formula1) == ["装备制造", "原材料", "消费品"]
    assert ws["B14"].number_format == "@"  # free text


def test_data_sheet_groups_items_under_verbatim_indicators(book, fw):
    ws = book["指标数据"]
    assert [ws.cell(3, c).value for c in range(1, 8)] == [
        "序号",
        "数据项",
        "单位",
        "必填",
        "填报值",
        "佐证材料（文件名及页码）",
        "填报口径",
    ]
    assert (ws["A4"].value, ws["B4"].value) == ("一", "平台资源管理水平")
    assert ws["B5"].value.startswith("能力要求：具备较强的设备管理能力")
    devices = fw.dimensions[0].indicators[0]
    assert ws["B6"].value == devices.name
    assert ws["C6"].value == f"评价内容：{devices.description}（定量指标）"
    row7 = [ws.cell(7, c).value for c in range(1, 5)]
    assert row7 == ["1.1.1", "运行设备连接数量", "台（套）", "必填"]
    assert ws["G7"].value.startswith("已接入平台并实时采集数据的运行设备")
    assert "不小于0的整数" in ws["G7"].value
    assert ws["D21"].value == "选填"  # financing
    assert "可在“佐证材料”栏" in ws["G17"].value and ws["E17"].value == "专家评分"
    assert "运行设备连接数量（第7行）" in ws["B13"].value  # shared item not asked twice
    # only input cells are editable
    assert not ws["E7"].protection.locked and not ws["F7"].protection.locked
    assert all(ws[c].protection.locked for c in ("A7", "B7", "C7", "D7", "G7", "E17", "B6"))
    assert not ws["F17"].protection.locked  # evidence for the expert part


def test_native_validation_matches_item_types(book):
    ws = book["指标数据"]
    count = dv_at(ws, "E7")
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    money = dv_at(ws, "E20")
    assert (money.type, money.operator, money.formula1) == ("decimal", "greaterThanOrEqual", "0")
    pct = dv_at(ws, "E22")
    assert (pct.type, pct.operator, pct.formula1, pct.formula2) == (
        "decimal",
        "between",
        "0",
        "100",
    )
    na_money = dv_at(ws, "E21")
    assert na_money.type == "custom"
    assert na_money.formula1 == 'OR(E21="不适用",AND(ISNUMBER(E21),E21>=0))'
    na_pct = dv_at(ws, "E25")
    assert na_pct.formula1 == 'OR(E25="不适用",AND(ISNUMBER(E25),E25>=0,E25<=100))'
    assert list_values(book, dv_at(ws, "E24").formula1) == ["是", "否"]
    for dv in (count, money, pct, na_money):
        assert dv.showErrorMessage and dv.errorStyle == "stop" and dv.errorTitle == "填写有误"
        assert dv.error.startswith("“") and "请重新输入" in dv.error
    assert "不适用" in na_money.prompt


def test_meta_records_framework_template_and_slot_map(book, fw):
    m = meta.parse([list(r) for r in book["_meta"].iter_rows(values_only=True)])
    assert m.get("framework_id") == "wbtest" and m.get("framework_version") == "0.1"
    assert m.template_version == TEMPLATE_VERSION
    assert m.get("fingerprint") == plan(fw).fingerprint()
    assert m.consistent()
    where = {s.key: (s.sheet, s.cell) for s in m.slots}
    assert where["devices_operating"] == ("指标数据", "E7")
    assert where["evidence:devices_operating"] == ("指标数据", "F7")
    assert where["evidence:developers.ecosystem"] == ("指标数据", "F17")
    assert where["applicant.credit_code"] == ("基本信息", "B5")
    assert where["subtype"] == ("基本信息", "B9")
    assert set(fw.item_map()) <= set(where)
    assert all(
        isinstance(c.value, str) for row in book["_meta"].iter_rows() for c in row if c.value
    )


def test_print_setup(book):
    data, info = book["指标数据"], book["基本信息"]
    assert data.page_setup.orientation == "landscape" and info.page_setup.orientation == "portrait"
    for ws in (data, info, book["填报说明"]):
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert data.print_title_rows == "$3:$3" and data.freeze_panes == "A4"
    assert info.print_title_rows == "$2:$2"


def test_fixed_subtype_is_prefilled_and_locked(fw, tmp_path):
    path = tmp_path / "industry.xlsx"
    write(fw, path, "行业级")
    wb = openpyxl.load_workbook(path)
    assert wb["基本信息"]["B9"].value == "行业级"
    assert wb["基本信息"]["B9"].protection.locked
    m = meta.parse([list(r) for r in wb["_meta"].iter_rows(values_only=True)])
    assert m.get("subtype") == "industry"
    with pytest.raises(ValueError, match="行业级（industry）、区域级（region）"):
        plan(fw, "省级")


def test_generation_is_deterministic(fw, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write(fw, a)
    write(fw, b)
    assert a.read_bytes() == b.read_bytes()


def test_fingerprint_follows_the_layout(fw):
    data = small_data()
    data["dimensions"][0]["requirement"] = ""  # one row fewer: every item moves up
    moved = small_evaluator(data).framework("wbtest").framework
    assert plan(moved).slot("devices_operating").cell == "E6"
    assert plan(moved).fingerprint() != plan(fw).fingerprint()
    bumped = small_evaluator(small_data(version="0.2")).framework("wbtest").framework
    assert plan(bumped).fingerprint() != plan(fw).fingerprint()
    assert plan(fw).fingerprint() == plan(fw).fingerprint()


@pytest.mark.parametrize("framework", BUILTIN, ids=lambda f: f.id)
def test_builtin_templates_cover_every_item_once(framework, tmp_path):
    path = tmp_path / f"{framework.id}.xlsx"
    p = write(framework, path)
    keys = [s.key for s in p.slots if s.item_id]
    assert sorted(keys) == sorted(framework.item_map())
    wb = openpyxl.load_workbook(path)
    ws = wb["指标数据"]
    names = {ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    for _, ind in framework.indicators():
        assert ind.name in names
    for sheet in ("基本信息", "指标数据"):
        for dv in wb[sheet].data_validations.dataValidation:
            assert len(dv.promptTitle or "") <= 32 and len(dv.prompt or "") <= 255
            assert len(dv.errorTitle or "") <= 32 and len(dv.error or "") <= 255


@pytest.mark.skipif(not BUILTIN, reason="no built-in criteria set loads right now")
@pytest.mark.parametrize("framework", BUILTIN, ids=lambda f: f.id)
def test_committed_template_matches_the_generator(framework, tmp_path):
    committed = WORKBOOKS / f"{framework.id}.xlsx"
    assert committed.exists(), (
        f"{committed} is missing: regenerate with `iipeval template --all -o workbooks/`"
    )
    fresh = tmp_path / committed.name
    write(framework, fresh)
    assert snapshot(committed) == snapshot(fresh), (
        f"{committed} is stale: regenerate with `iipeval template --all -o workbooks/`"
    )
