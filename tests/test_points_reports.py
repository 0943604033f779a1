"""Results of a points-style set: CSV rows and score cards show 方面, 加分项 and 扣分项."""

import openpyxl
from points_demo import APPLICANTS, application, points_evaluator, reviews
from support import code_for

from iipeval.core.api import Loaded
from iipeval.core.model.application import Submission
from iipeval.core.panel.bundle import ReviewBundle
from iipeval.core.round.batch import score_batch
from iipeval.reports.results_workbook import write_results_workbook
from iipeval.reports.tabular import csv_rows


def batch():
    ev = points_evaluator()
    loaded = [Loaded(f"{n}.json", Submission(application=application(n))) for n in APPLICANTS]
    by_expert: dict[str, list] = {}
    for n in APPLICANTS:
        for r in reviews(n):
            by_expert.setdefault(r.expert, []).append(
                r.model_copy(update={"application": code_for(n)})
            )
    bundles = [
        ReviewBundle(source=f"{e}.xlsx", expert=e, framework="points_demo", reviews=rs)
        for e, rs in by_expert.items()
    ]
    return score_batch(ev, loaded, bundles)


def test_csv_has_a_row_per_bonus_and_deduction_item_and_the_groups():
    rows = list(csv_rows(batch()))
    head = rows[0]
    mine = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[1] == "（示例）中游平台"]
    assert mine[0]["总分"] == 54
    by_item = {r["指标编号"]: r for r in mine}
    assert by_item["devices"]["维度"] == "平台能力／连接能力"
    assert by_item["rd"]["维度"] == "应用成效"
    inc = by_item["deduct_incidents"]
    assert (inc["维度"], inc["维度得分"], inc["计分"], inc["满分"]) == ("扣分项", 5, 5, 10)
    assert by_item["bonus_standards"]["维度"] == "加分项"


def test_score_card_shows_base_bonus_deduction(tmp_path):
    from datetime import UTC, datetime

    path = tmp_path / "results.xlsx"
    write_results_workbook(batch(), path, generated_at=datetime(2026, 1, 1, tzinfo=UTC))
    wb = openpyxl.load_workbook(path)
    card = next(ws for ws in wb.worksheets if "中游平台" in str(ws["A1"].value))
    cells: dict = {}
    for row in card.iter_rows():
        if isinstance(row[0].value, str):
            cells.setdefault(row[0].value, [x.value for x in row])  # the first row of each
    assert cells["基础分"][3:5] == [None, 57]
    assert cells["加分项"][3:5] == [None, 2]
    assert cells["扣分项"][3:5] == [None, -5]
    assert cells["平台能力／连接能力"][1] == "设备连接规模"
    assert "加分项与扣分项" in cells
