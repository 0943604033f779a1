"""JSON and CSV outputs: complete, readable by Excel/WPS on Chinese Windows, stable."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from reports_batch import GENERATED_AT, demo_batch

from iipeval.core.round.batch import Batch
from iipeval.reports.results_workbook import write_results_workbook
from iipeval.reports.tabular import CSV_COLUMNS, RUN_COLUMN, write_csv, write_json


@pytest.fixture(scope="module")
def batch():
    return demo_batch()


def read_csv(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows detects UTF-8
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_json_is_the_whole_batch_in_readable_utf8(batch, tmp_path):
    out = tmp_path / "评分结果.json"
    write_json(batch, out)
    raw = out.read_bytes()
    assert "（示例）某某工业互联网有限公司".encode() in raw  # not \\u-escaped
    assert raw.endswith(b"}\n") and b'\n  "tool_version"' in raw
    data = json.loads(raw)
    assert data == batch.model_dump(mode="json")
    assert Batch.model_validate(data).model_dump(mode="json") == data  # loads back


def test_json_and_csv_are_byte_identical_for_the_same_batch(tmp_path):
    a, b = demo_batch(), demo_batch()
    for name, write in (("x.json", write_json), ("x.csv", write_csv)):
        write(a, tmp_path / f"a{name}")
        write(b, tmp_path / f"b{name}")
        assert (tmp_path / f"a{name}").read_bytes() == (tmp_path / f"b{name}").read_bytes()


def test_csv_has_one_row_per_application_and_indicator(batch, tmp_path):
    out = tmp_path / "评分结果.csv"
    write_csv(batch, out)
    rows = read_csv(out)
    assert list(rows[0]) == [*CSV_COLUMNS, RUN_COLUMN]
    assert b"\r\n" in out.read_bytes()
    scored = [r for r in rows if not r["推荐结果说明"].startswith("无法评分")]
    assert len(scored) == sum(len(r.indicators) for r in batch.results)
    rejected = [r for r in rows if r["推荐结果说明"].startswith("无法评分")]
    assert [r["来源文件"] for r in rejected] == ["broken.json"]
    assert rejected[0]["推荐结果"] == "不予推荐"
    assert "不是有效的 JSON" in rejected[0]["推荐结果说明"]


def test_csv_rows_carry_the_application_and_indicator_figures(batch, tmp_path):
    out = tmp_path / "评分结果.csv"
    write_csv(batch, out)
    rows = read_csv(out)
    top = [r for r in rows if r["申报单位"] == "（示例）某某工业互联网有限公司"]
    result = next(r for r in batch.results if r.applicant == "（示例）某某工业互联网有限公司")
    assert len(top) == 21
    first = top[0]
    assert first["排名"] == "1" and first["推荐结果"] == "拟推荐" and first["等级"] == "优秀"
    assert first["标识"] == "91110108MA01K7Q36G"  # text, never 9.1E+17
    assert float(first["总分"]) == pytest.approx(result.total, abs=1e-4)
    assert first["维度"] == "平台资源管理水平" and first["指标"] == "工业设备数量"
    assert float(first["计分"]) == pytest.approx(result.indicators[0].points, abs=1e-4)
    assert first["计分说明"] == result.indicators[0].explanation
    innovation = next(r for r in top if r["指标编号"] == "innovation")
    assert "E01 88" in innovation["专家评分"] and innovation["需复议"] == "否"
    assert next(r for r in top if r["指标编号"] == "devices")["需复议"] == ""  # no panel
    split = [r for r in rows if r["申报单位"] == "（示例）北方智联工业互联网有限公司"]
    assert {r["指标编号"] for r in split if r["需复议"] == "是"} == {
        "innovation",
        "security",
        "killer_apps",
    }
    pending = [r for r in rows if r["申报单位"] == "（示例）衡阳智云科技有限公司"]
    assert pending[0]["总分"] == "" and pending[0]["待专家评分"] == "是"
    assert {r["状态"] for r in pending} == {"已评分", "待专家评分"}
    industry = next(r for r in rows if r["申报类型"] == "行业级")
    assert industry["推荐结果"] == "不予推荐"
    assert industry["推荐结果说明"] == "未通过符合性审查（存在错误，需补正）"


def test_csv_and_workbook_agree_on_ranks_and_totals(batch, tmp_path):
    write_csv(batch, tmp_path / "r.csv")
    write_results_workbook(batch, tmp_path / "r.xlsx", generated_at=GENERATED_AT)
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    from_wb = {}
    for ws in wb.worksheets:
        if ws.title.startswith("排名"):
            for row in ws.iter_rows(min_row=4, values_only=True):
                if row[1] and row[2]:
                    from_wb[row[1]] = (row[0], None if row[3] is None else round(row[3], 4))
    from_csv = {
        r["申报单位"]: (
            int(r["排名"]) if r["排名"] else None,
            float(r["总分"]) if r["总分"] else None,
        )
        for r in read_csv(tmp_path / "r.csv")
        if r["申报单位"]
    }
    assert from_csv == from_wb and len(from_csv) == len(batch.results)
