"""The results workbook: the sheets a reviewer opens and what they find in them."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from reports_batch import GENERATED_AT, demo_batch

from iipeval.core.text import display_width
from iipeval.present.cell_text import sheet_title
from iipeval.reports.results_workbook import abbreviate, write_results_workbook

NATIONAL = "排名-双跨平台（2023）"


@pytest.fixture(scope="module")
def batch():
    return demo_batch()


@pytest.fixture(scope="module")
def xlsx(batch, tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "评分结果.xlsx"
    write_results_workbook(batch, path, generated_at=GENERATED_AT)
    return path


@pytest.fixture(scope="module")
def wb(xlsx):
    return openpyxl.load_workbook(xlsx)


def column(ws, header_row: int, title: str) -> int:
    for cell in ws[header_row]:
        if cell.value == title:
            return cell.column
    raise KeyError(title)


def test_sheets_in_order_summary_first_then_one_card_per_application(wb, batch):
    names = wb.sheetnames
    rankings = [n for n in names if n.startswith("排名")]
    assert len(rankings) == len(batch.rankings) == 5
    assert names[5:9] == ["推荐信息汇总表", "专家分歧", "问题清单", "参数"]
    cards = names[9:]
    assert len(cards) == len(batch.results) == 10
    assert [c[:3] for c in cards] == [f"{k:02d}-" for k in range(1, 11)]


def test_card_names_are_valid_excel_sheet_names(wb):
    for name in wb.sheetnames:
        assert len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)


def test_sheet_title_sanitises_truncates_and_deduplicates():
    taken: set[str] = set()
    a = sheet_title("01-某[集团]:研究院/分院*?" + "很长" * 20, taken)
    b = sheet_title("01-某[集团]:研究院/分院*?" + "很长" * 20, taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert not re.search(r"[\[\]:*?/\\]", a + b)
    assert sheet_title("'引号'", taken) == "引号"
    assert abbreviate("（示例）湘潭湘江重工装备股份有限公司") == "（示例）湘潭湘江重工装备"


def test_national_ranking_rows(wb):
    ws = wb[NATIONAL]
    assert ws["A1"].value.startswith("2023年跨行业跨领域工业互联网平台")
    assert "推荐名额：2个" in ws["A2"].value
    header = [c.value for c in ws[3]]
    assert header[:4] == ["排名", "申报单位", "标识", "总分"]
    assert "平台资源管理水平" in header and header[-4:] == [
        "等级",
        "待专家评分",
        "推荐结果",
        "说明",
    ]
    rec, reason = column(ws, 3, "推荐结果"), column(ws, 3, "说明")
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=8)]
    assert [r[0] for r in rows] == [1, 2, 3, 4, None]
    assert rows[0][1] == "（示例）某某工业互联网有限公司" and rows[0][2] == "91110108MA01K7Q36G"
    assert rows[0][3] == pytest.approx(85.876, abs=0.01)
    assert [r[rec - 1] for r in rows] == ["拟推荐", "拟推荐", "不予推荐", "不予推荐", "不予推荐"]
    assert rows[2][reason - 1] == "第3名，超出推荐名额（2个）"
    assert "安全生产事故" in rows[4][reason - 1].replace("\n", "")  # lines broken to fit
    assert ws["D4"].number_format == "0.00"
    assert ws.freeze_panes == "C4"


def test_pending_and_needs_correction_are_listed_not_ranked(wb):
    comp = wb["排名-湖南综合型"]
    pending = [
        r
        for r in comp.iter_rows(min_row=4, values_only=True)
        if r[1] == "（示例）衡阳智云科技有限公司"
    ]
    assert pending and pending[0][0] is None and pending[0][3] is None
    assert "是" in pending[0] and "待定" in pending[0]
    industry = wb["排名-湖南特色型（行业级）"]
    row = [str(c.value).replace("\n", "") for c in industry[4]]
    assert industry["A4"].value is None and "不予推荐" in row
    assert "未通过符合性审查（存在错误，需补正）" in row


def test_ranking_applicants_link_to_their_score_cards(wb):
    ws = wb[NATIONAL]
    link = ws["B4"].hyperlink
    assert link is not None and link.location == "'06-（示例）某某工业互联网'!A1"
    assert wb["06-（示例）某某工业互联网"]["B3"].value == "（示例）某某工业互联网有限公司"


def test_applicant_column_fits_the_longest_name(wb):
    ws = wb[NATIONAL]
    longest = max(display_width(r[1]) for r in ws.iter_rows(min_row=4, max_row=8, values_only=True))
    assert ws.column_dimensions["B"].width >= longest


def result_of(batch, applicant: str):
    return next(r for r in batch.results if r.applicant == applicant)


def card_values(ws) -> dict[str, object]:
    """Header block of a score card: label in column A, value in column B."""
    return {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(3, 15)}


def test_score_card_header_indicators_and_experts(wb, batch):
    ws = wb["06-（示例）某某工业互联网"]
    head = card_values(ws)
    assert head["总分"] == "85.88分" and head["等级"] == "优秀" and head["排名"] == "第1名"
    assert head["推荐结果"] == "拟推荐（第1名，在推荐名额（2个）内）" and head["否决项"] == "无"
    digest = result_of(batch, "（示例）某某工业互联网有限公司").provenance.parameters_hash
    assert head["参数哈希"].startswith(digest[7:19] + "…（本结果所用计分参数的校验码")
    assert (
        head["专家评分"].startswith("评审组未核验")
        and "计入专家：E01、E02、E03、E04、E05" in head["专家评分"]
    )
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    result = next(r for r in batch.results if r.applicant == "（示例）某某工业互联网有限公司")
    for ind in result.indicators:  # every indicator with its explanation
        assert ind.name in flat and ind.explanation in flat
    head_row = next(k for k, row in enumerate(values, 1) if row[0] == "指标·评分项")
    experts = [v for v in values[head_row - 1][7:] if v]
    assert experts == ["E01", "E02", "E03", "E04", "E05"]
    first = values[head_row]
    panel = result.panels[0]
    assert first[0] == panel.label and first[3] == pytest.approx(panel.score)
    assert first[7:12] == [panel.experts[e] for e in experts]
    dropped = [bool(ws.cell(head_row + 1, 8 + k).font.strike) for k in range(5)]
    assert dropped == [e not in panel.kept for e in experts]  # struck through = not counted


def test_excluded_and_pending_cards_say_so(wb):
    excluded = card_values(wb["10-（示例）西部工业互联网"])
    assert excluded["推荐结果"].startswith("不予推荐") and "安全生产事故" in excluded["否决项"]
    pending = card_values(wb["04-（示例）衡阳智云科技"])
    assert pending["总分"].startswith("待专家评分（已确定") and pending["等级"] == "—"
    bad = card_values(wb["01-（示例）岳阳石化行业工业互联网"])
    assert bad["数据校验"].startswith("存在错误")


def test_disagreement_sheet_lists_every_flagged_part(wb, batch):
    ws = wb["专家分歧"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    flagged = [(r.applicant, p.label) for r in batch.results for p in r.panels if p.disagreement]
    assert len(flagged) == 3
    assert [(r[0], r[2]) for r in rows] == flagged
    for r in rows:
        assert "E03 30" in r[3] and "E05 25（去掉）" in r[3]
        assert r[4:10] == (95, 25, 70, 30, 70, "需复议")


def test_findings_sheet_lists_result_rejected_and_batch_findings(wb, batch):
    ws = wb["问题清单"]
    assert [c.value for c in ws[3]][7:] == ["级别", "说明"]  # no English code column
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    expected = sum(len(r.findings) for r in batch.results)
    expected += sum(len(r.findings) for r in batch.rejected) + len(batch.findings)
    assert len(rows) == expected  # no two findings of this batch say the same thing

    def row(text: str):
        return next(r for r in rows if text in r[8])

    # "约3000台" is refused as a workbook cell would be, and the item is named in Chinese
    assert row("约3000台")[7] == "错误" and row("约3000台")[5] == "运行设备连接数量"
    assert row("不是有效的 JSON")[1:3] == ("（无法评分）", "broken.json")
    assert row("不在本批申报中")[1] == "批次"
    assert row("技术创新能力评价：专家评分极差")[6] == "平台技术创新能力"  # a name, not an id
    assert {r[7] for r in rows} <= {"错误", "警告", "提示"}


def test_findings_that_say_the_same_thing_in_many_files_are_one_row(batch, tmp_path):
    from iipeval.core.findings import Finding, Severity

    same = "该评分表生成时所用参数与本次评分参数不同"
    many = [
        Finding(severity=Severity.warning, code="params_changed", message=same, file=f"E{k}.json")
        for k in range(1, 11)
    ]
    path = tmp_path / "r.xlsx"
    write_results_workbook(
        batch.model_copy(update={"findings": many}), path, generated_at=GENERATED_AT
    )
    ws = openpyxl.load_workbook(path)["问题清单"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == "批次"]
    assert len(rows) == 1
    assert rows[0][8] == same + "（共10处）"
    assert rows[0][2].split("\n") == [f"E{k}.json" for k in range(1, 11)]


def test_parameters_sheet_records_hashes_versions_and_every_rule(wb, batch):
    ws = wb["参数"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert f"iipeval {batch.tool_version}" in cells
    assert "2024年5月20日 09:30:00" in cells  # as a person in China writes a time
    assert any(isinstance(v, str) and "建议值" in v for v in cells)
    for snap in batch.parameters.values():
        assert snap["hash"] in cells
        for path in snap["values"]["rules"]:
            assert path in cells
    nat = batch.parameters["national_2023"]["values"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(k for k, r in enumerate(rows) if r[1] == batch.parameters["national_2023"]["hash"])
    row = next(r for r in rows[start:] if r[1] == "devices.scale")
    rule = nat["rules"]["devices.scale"]
    assert row[2] == "对数刻度" and row[3:6] == (rule["weight"], rule["floor"], rule["benchmark"])
    quota = [r for r in rows if r[1] == "ranking.quota"]
    assert quota and all(r[2] == "2个" for r in quota)


def chart_kinds(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        charts = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n))
        return [re.search(rb"<(barChart|radarChart)>", z.read(n)).group(1).decode() for n in charts]


def test_bar_chart_per_ranking_with_ranked_applications_and_radar_per_card(xlsx, batch):
    kinds = chart_kinds(xlsx)
    ranked = [rk for rk in batch.rankings if any(e.rank for e in rk.entries)]
    assert kinds.count("barChart") == len(ranked) == 4
    assert kinds.count("radarChart") == len(batch.results)


def test_bar_chart_plots_the_ranked_totals_with_value_labels(xlsx):
    with zipfile.ZipFile(xlsx) as z:
        bars = [z.read(n) for n in z.namelist() if n.startswith("xl/charts/")]
    national = next(b for b in bars if "双跨平台".encode() in b and b"barChart" in b)
    assert b"!$D$4:$D$7" in national and b"!$B$4:$B$7" in national  # four ranked, not five
    assert b'<showVal val="1"' in national and b'<showCatName val="0"' in national


def test_print_setup_a4_landscape_fit_to_width(wb):
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert wb[NATIONAL].print_title_rows == "$1:$3"


def test_same_batch_same_time_same_bytes(batch, tmp_path):
    a, b, c = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    write_results_workbook(batch, a, generated_at=GENERATED_AT)
    write_results_workbook(batch, b, generated_at=GENERATED_AT)
    write_results_workbook(batch, c, generated_at=GENERATED_AT + timedelta(hours=1))
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_document_times_are_the_generation_time(xlsx, tmp_path, batch):
    props = openpyxl.load_workbook(xlsx).properties
    assert props.created == props.modified == GENERATED_AT
    aware = datetime(2024, 5, 20, 17, 30, tzinfo=timezone(timedelta(hours=8)))
    out = tmp_path / "tz.xlsx"
    write_results_workbook(batch, out, generated_at=aware)
    assert openpyxl.load_workbook(out).properties.created == datetime(2024, 5, 20, 9, 30)


def test_batch_without_results_still_gives_a_readable_workbook(batch, tmp_path):
    empty = batch.model_copy(update={"results": [], "rankings": [], "parameters": {}})
    out = tmp_path / "empty.xlsx"
    write_results_workbook(empty, out, generated_at=GENERATED_AT)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["排名", "推荐信息汇总表", "专家分歧", "问题清单", "参数"]
    assert "没有可评分的申报" in wb["排名"]["A2"].value
