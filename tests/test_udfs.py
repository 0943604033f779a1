"""The Excel functions, called exactly as Excel calls them through xlwings.

Excel passes a range as rows of values: numbers as floats (``1200`` is ``1200.0``), empty
cells as ``None``, a number typed into a text-formatted cell as a string, dates as
``datetime``. Every test below hands the functions those shapes. On Linux xlwings'
decorators return the plain function, so the functions are called directly; one test
applies xlwings' real Windows decorators to check they accept every function and to see
the VBA wrappers Excel would get.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import sys
import types

import pytest
from fake_excel import FakeBook, FakeCaller
from workbook_helpers import figures, fill

from iipeval.addin import udfs
from iipeval.core.model.application import Applicant, Application
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write

NATIONAL = "national_2023"
DEVICES = ["devices_operating", "devices_processing", "devices_mobile", "devices_other"]


@pytest.fixture(scope="module")
def ev():
    return udfs.session_evaluator()


@pytest.fixture(scope="module")
def fw(ev):
    return ev.framework(NATIONAL).framework


def engine_score(ev, fw, indicator: str, items: dict) -> float | None:
    """The engine's own score for ``items`` (what the function must agree with)."""
    app = Application(framework=fw.id, applicant=Applicant(name="x"), items=items)
    return next(i for i in ev.score(app).indicators if i.id == indicator).score


def column(*values):
    """A one-column range as Excel passes it."""
    return [[v] for v in values]


# -- the single-indicator functions -------------------------------------------------------------


def test_sets_lists_every_loaded_set_with_its_subtypes(ev):
    table = udfs.iipeval_sets()
    assert table[0] == ["评价体系 id", "名称", "版本", "申报类型"]
    rows = {r[0]: r for r in table[1:]}
    assert set(rows) == {rf.framework.id for rf in ev.frameworks()}
    assert rows["hunan_characteristic"][3] == "行业级、区域级"
    assert rows[NATIONAL][2] == ev.framework(NATIONAL).framework.version


def test_indicator_from_values_in_item_order_agrees_with_the_engine(ev, fw):
    ind = next(i for _, i in fw.indicators() if i.id == "devices")
    order = list(dict.fromkeys(ind.item_ids()))
    raw = {DEVICES[0]: 200000.0, DEVICES[1]: 50000.0, DEVICES[2]: 0.0, DEVICES[3]: None}
    raw |= {k: 120.0 for k in order if k not in raw}
    got = udfs.iipeval_indicator(NATIONAL, "工业设备数量", column(*(raw[k] for k in order)))
    expected = {k: int(v) for k, v in raw.items() if v is not None}
    assert got == pytest.approx(engine_score(ev, fw, "devices", expected))
    assert isinstance(got, float) and 0 < got < 100


def test_indicator_by_label_pairs_and_by_parallel_ranges_give_the_same_score(fw):
    labels = {i.id: i.label for i in fw.items}
    pairs = [[labels[DEVICES[0]], 300000.0], [labels[DEVICES[1]], 2000.0]]
    by_pairs = udfs.iipeval_indicator(NATIONAL, "devices", pairs)
    by_ranges = udfs.iipeval_indicator(
        NATIONAL,
        "devices",
        column(labels[DEVICES[0]], labels[DEVICES[1]], None),
        column(300000.0, 2000.0, None),
    )
    by_ids = udfs.iipeval_indicator(
        NATIONAL, "devices", [[DEVICES[0], 300000.0], [DEVICES[1], 2000.0]]
    )
    assert isinstance(by_pairs, float)
    assert by_pairs == by_ranges == by_ids


def test_numbers_stored_as_text_read_like_numbers(fw):
    labels = {i.id: i.label for i in fw.items}
    as_numbers = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], 12000.0]])
    as_text = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], "12000"]])
    in_wan = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], "1.2万"]])
    grouped = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], "12,000"]])
    assert as_numbers == as_text == in_wan == grouped


def test_empty_cells_are_missing_not_zero(ev, fw):
    labels = {i.id: i.label for i in fw.items}
    got = udfs.iipeval_indicator(
        NATIONAL, "devices", [[labels[DEVICES[0]], 50000.0], [labels[DEVICES[1]], None]]
    )
    assert got == pytest.approx(engine_score(ev, fw, "devices", {DEVICES[0]: 50000}))
    zero = udfs.iipeval_indicator(
        NATIONAL, "devices", [[labels[DEVICES[0]], 50000.0], [labels[DEVICES[1]], 0.0]]
    )
    assert zero == pytest.approx(
        engine_score(ev, fw, "devices", {DEVICES[0]: 50000, DEVICES[1]: 0})
    )


def test_text_and_dates_in_number_cells_come_back_as_readable_errors(fw):
    labels = {i.id: i.label for i in fw.items}
    text = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], "很多"]])
    assert text.startswith("错误：") and "很多" in text and labels[DEVICES[0]] in text
    date = udfs.iipeval_indicator(
        NATIONAL, "devices", [[labels[DEVICES[0]], dt.datetime(2024, 3, 1)]]
    )
    assert date.startswith("错误：") and "日期" in date
    approx = udfs.iipeval_indicator(NATIONAL, "devices", [[labels[DEVICES[0]], "约1000"]])
    assert approx.startswith("错误：") and "确切" in approx


def test_unknown_set_indicator_or_item_name_what_is_wrong(fw):
    unknown = udfs.iipeval_indicator("no_such_set", "devices", column(1.0))
    assert unknown.startswith("错误：未加载评价体系“no_such_set”") and NATIONAL in unknown
    assert "未加载评价体系" in udfs.iipeval_explain("no_such_set", "devices", column(1.0))
    assert "没有指标“不存在的指标”" in udfs.iipeval_indicator(NATIONAL, "不存在的指标", column(1.0))
    bad_item = udfs.iipeval_indicator(
        NATIONAL, "devices", column("设备A", "设备B"), column(1.0, 2.0)
    )
    assert bad_item.startswith("错误：") and "“设备A”不是" in bad_item
    count = udfs.iipeval_indicator(NATIONAL, "devices", column(1.0, 2.0))
    assert count.startswith("错误：") and "给出了2个值" in count


def test_explain_gives_the_engines_explanation_and_pending_parts_say_so(ev, fw):
    labels = {i.id: i.label for i in fw.items}
    text = udfs.iipeval_explain(NATIONAL, "devices", [[labels[DEVICES[0]], 4000000.0]])
    assert "4,000,000" in text and labels[DEVICES[0]] in text
    mixed = next(i for _, i in fw.indicators() if i.kind != "定量")
    blanks = [[None]] * len(dict.fromkeys(mixed.item_ids()))
    assert udfs.iipeval_indicator(NATIONAL, mixed.name, blanks) == "待专家评分"
    assert "待专家评分" in udfs.iipeval_explain(NATIONAL, mixed.name, blanks)


def test_subtype_is_checked_against_the_set():
    answer = udfs.iipeval_indicator("hunan_characteristic", "x", column(1.0), None, "省级")
    assert answer.startswith("错误：")  # the indicator is unknown as well; never a traceback
    fw_id = "hunan_characteristic"
    ev = udfs.session_evaluator()
    ind = next(i for _, i in ev.framework(fw_id).framework.indicators() if i.kind == "定量")
    values = [[None]] * len(dict.fromkeys(ind.item_ids()))
    bad = udfs.iipeval_indicator(fw_id, ind.id, values, None, "省级")
    assert bad.startswith("错误：") and "行业级" in bad
    good = udfs.iipeval_indicator(fw_id, ind.id, values, None, "行业级")
    assert not str(good).startswith("错误：")


def test_failures_never_reach_the_cell_as_a_traceback(monkeypatch):
    def boom(*_):
        raise RuntimeError("内部错误")

    monkeypatch.setattr(udfs, "_score_indicator", boom)
    out = udfs.iipeval_indicator(NATIONAL, "devices", column(1.0))
    assert out.startswith("错误：计算失败") and "Traceback" not in out


def test_returned_text_never_starts_a_formula():
    @udfs._excel
    def echo(value):
        return value

    assert echo('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert echo([["+1", "@SUM(A1)", "-x", "正常"]]) == [["'+1", "'@SUM(A1)", "'-x", "正常"]]
    assert echo(-2.5) == -2.5  # numbers are data, left alone
    assert udfs.cell_value("\x01控制字符") == "\ufffd控制字符"


# -- the whole application from the workbook's ranges ---------------------------------------------


@pytest.fixture(scope="module")
def filled_book(fw, tmp_path_factory):
    """A filled national 申报表, open in a stand-in Excel."""
    path = tmp_path_factory.mktemp("udfs") / "national.xlsx"
    write(fw, path)
    fill(path, figures(fw))
    return path


def excel_ranges(book, info_rows: int = 20, data_rows: int = 200):
    info = book.sheets["基本信息"].range(f"A1:C{info_rows}").options(ndim=2).value
    data = book.sheets["指标数据"].range(f"A1:G{data_rows}").options(ndim=2).value
    return info, data


def test_whole_application_spills_dimensions_and_a_provisional_total(ev, filled_book):
    book = FakeBook.from_file(filled_book)
    info, data = excel_ranges(book)
    assert isinstance(data[10][4], float | type(None))  # Excel's shapes: floats and None
    table = udfs.iipeval_score(info, data, None, FakeCaller(book, "指标数据"))
    result = ev.score_loaded(read_workbook(filled_book, ev))
    assert table[0] == ["维度", "得分（0-100）", "计入总分", "满分"]
    assert len({len(r) for r in table}) == 1  # a rectangle, as a spilled array must be
    assert [r[0] for r in table[1:6]] == [d.name for d in result.dimensions]
    assert result.provisional  # the national set has expert-scored parts
    total = table[1 + len(result.dimensions)]
    assert total[0].startswith("总分（暂定") and total[2] == pytest.approx(result.secured)
    assert table[-1][0] == "状态" and table[-1][1].startswith("待专家评分（已确定")
    scored = [d for d in result.dimensions if d.status == "scored"]
    for d in scored:
        row = next(r for r in table if r[0] == d.name)
        assert row[1] == pytest.approx(d.score) and row[2] == pytest.approx(d.points)


def test_whole_application_without_the_workbooks_meta_needs_the_set_id(filled_book):
    book = FakeBook.from_file(filled_book)
    info, data = excel_ranges(book)
    with_caller = udfs.iipeval_score(info, data, None, FakeCaller(book))
    with_id = udfs.iipeval_score(info, data, NATIONAL)
    assert with_caller == with_id
    assert udfs.iipeval_score(info, data).startswith("错误：本工作簿没有申报表的结构信息")
    wrong = udfs.iipeval_score(info, data, "hunan_comprehensive", FakeCaller(book))
    assert wrong.startswith("错误：本工作簿是") and "hunan_comprehensive" in wrong
    unknown = udfs.iipeval_score(info, data, "no_such_set")
    assert unknown.startswith("错误：未加载评价体系")


def test_ranges_must_start_at_a1_and_reach_every_slot(filled_book):
    book = FakeBook.from_file(filled_book)
    info, data = excel_ranges(book)
    shifted = udfs.iipeval_score(info[2:], data, NATIONAL)
    assert shifted.startswith("错误：“基本信息”的范围应从该表的 A1 开始")
    short = udfs.iipeval_score(info, data[:40], NATIONAL)
    assert short.startswith("错误：“指标数据”的范围不够大") and "指标数据!A1:G" in short
    narrow = udfs.iipeval_score(info, [r[:4] for r in data], NATIONAL)
    assert "范围不够大" in narrow


def test_findings_list_messages_at_their_cells_as_the_file_reader_does(
    ev, fw, filled_book, tmp_path
):
    values = figures(fw) | {DEVICES[0]: "约1000", DEVICES[1]: "12台", "protocols_supported": None}
    path = fill(filled_book, values, out=tmp_path / "bad.xlsx")
    book = FakeBook.from_file(path)
    info, data = excel_ranges(book)
    rows = udfs.iipeval_findings(info, data, None, FakeCaller(book))
    assert rows[0] == ["位置", "级别", "问题"]
    from_file = ev.score_loaded(read_workbook(path, ev)).findings
    expected = [
        (f"{f.sheet}!{f.cell}" if f.cell else (f.sheet or ""), f.message) for f in from_file
    ]
    assert [(r[0], r[2]) for r in rows[1:]] == expected
    approx = next(r for r in rows if "约1000" in r[2])
    assert approx[1] == "错误" and approx[0].startswith("指标数据!E")
    clean = udfs.iipeval_findings(*excel_ranges(FakeBook.from_file(filled_book)), NATIONAL)
    assert clean == "未发现问题"


def test_unsaved_edits_count_and_a_typed_percent_is_read_from_its_format(ev, fw, filled_book):
    book = FakeBook.from_file(filled_book)
    share = next(i for i in fw.items if i.type == "percent")
    from workbook_helpers import slot_cells

    sheet, cell = slot_cells(filled_book)[share.id]
    ws = book.sheets[sheet]
    ws.values[ws.range(cell).r1, ws.range(cell).c1] = 0.35  # typed "35%" in Excel
    ws.range(cell).number_format = "0%"
    info, data = excel_ranges(book)
    live = udfs.iipeval_findings(info, data, None, FakeCaller(book))
    # read as 35 through the cell's format, and said so at the cell
    assert live[1:] == [
        [f"{sheet}!{cell}", "提示", f"{share.label}以百分数格式填写“35%”，已读取为35"]
    ]
    blind = udfs.iipeval_findings(info, data, NATIONAL)  # no workbook to ask: 0.35%
    assert [r[:2] for r in blind[1:]] == [[f"{sheet}!{cell}", "警告"]]
    assert "0.35" in blind[1][2]


# -- xlwings' own Windows decorators ------------------------------------------------------------


def test_windows_decorators_accept_every_function_and_make_the_vba_wrappers(monkeypatch):
    """Load the module under xlwings' real UDF decorators (their COM imports stubbed) and
    let xlwings write the VBA it would import into the workbook."""

    class Stub(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return lambda *a, **k: None

    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, Stub(name))
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    import xlwings as xw

    xu = importlib.import_module("xlwings.udfs")
    for short, real in (
        ("func", xu.xlfunc),
        ("arg", xu.xlarg),
        ("ret", xu.xlret),
        ("sub", xu.xlsub),
    ):
        monkeypatch.setattr(xw, short, real)
    spec = importlib.util.find_spec("iipeval.addin.udfs")
    windows = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "iipeval.addin.udfs", windows)
    spec.loader.exec_module(windows)
    monkeypatch.delitem(sys.modules, "xlwings.udfs")

    score = windows.iipeval_score.__xlfunc__
    assert [a["name"] for a in score["args"]] == ["info", "data", "set_id", "caller"]
    assert score["args"][0]["options"] == {"ndim": 2}
    assert score["category"] == "iipeval"
    assert windows.iipeval_check_book.__xlfunc__["sub"] is True

    class Workbook:
        Name = "national_2023.xlsm"

    vba = io.StringIO()
    xu.generate_vba_wrapper("iipeval.addin.udfs", windows, vba, Workbook())
    text = vba.getvalue()
    assert "Function iipeval_score(info, data, Optional set_id)" in text
    assert "Array(info, data, set_id, Nothing)" in text  # caller filled in by xlwings
    assert (
        "Function iipeval_indicator(set_id, indicator, items, Optional values, Optional subtype)"
        in text
    )
    for sub in ("iipeval_check_book", "iipeval_score_book", "iipeval_report_book"):
        assert f"Sub {sub}()" in text
    assert "Function iipeval_sets()" in text
