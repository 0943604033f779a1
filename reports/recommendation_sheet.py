"""The 推荐信息汇总表 sheet of the results workbook: the outcome of every application.

One block per criteria set and sub-type, the 推荐名额 and 候补 in force, then every
application with its outcome (拟推荐 / 候补 / 待定 / 不予推荐) and the reason, 拟推荐
first; the 填表人 / 复核人 lines are left for the organiser's signatures.
"""

from __future__ import annotations

from iipeval.core.batch import Batch
from iipeval.core.outcomes import OUTCOMES, RECOMMEND

from .labels import set_label
from .view import Row

SUMMARY = "推荐信息汇总表"
HEADERS = (
    "序号",
    "申报单位",
    "平台名称",
    "统一社会信用代码",
    "所在地区",
    "总分",
    "排名",
    "推荐结果",
    "说明",
)


def add_summary_sheet(wb, batch: Batch, all_rows: list[Row]) -> None:
    """Append the 推荐信息汇总表 to the results workbook ``wb``."""
    from .results_workbook import HEAD, NOTE, NUM_FORMAT, SECTION, TITLE, Grid, Style, _print_setup

    ws = wb.create_sheet(SUMMARY)
    g = Grid(ws, fixed={1: 6, 2: 30, 3: 26, 4: 21, 5: 14, 6: 9, 7: 6, 8: 10, 9: 40})
    n = len(HEADERS)
    g.put(1, 1, SUMMARY, TITLE)
    r = 3
    order = {o: k for k, o in enumerate(OUTCOMES)}
    for rk in batch.rankings:
        mine = [row for row in all_rows if row.ranking is rk]
        p = rk.policy
        quota = f"{p.quota}个" if p.quota else "不限"
        g.put(r, 1, set_label(rk.framework_name, rk.subtype_name), SECTION, span=n)
        r += 1
        recommended = sum(1 for row in mine if row.entry.outcome == RECOMMEND)
        g.put(
            r,
            1,
            f"推荐名额：{quota}；候补：{p.reserve}个；拟推荐{recommended}个。",
            NOTE,
            span=n,
        )
        r += 1
        g.line(r, 1, HEADERS, HEAD)
        r += 1
        mine.sort(key=lambda row: (order.get(row.entry.outcome, 9), row.entry.rank or 10**9))
        for k, row in enumerate(mine, 1):
            e, res = row.entry, row.result
            strong = e.outcome == RECOMMEND
            g.line(r, 1, [k, e.applicant, res.platform_name, e.key, res.region])
            g.put(r, 6, e.total, Style(number_format=NUM_FORMAT))
            g.put(r, 7, e.rank, Style(horizontal="center"))
            g.put(r, 8, e.outcome, Style(bold=strong, horizontal="center"))
            g.put(r, 9, e.outcome_reason)
            r += 1
        r += 1
    if not batch.rankings:
        g.put(r, 1, "本批没有可评分的申报", NOTE, span=n)
        r += 2
    g.put(
        r, 1, "填表人：　　　　　　复核人：　　　　　　日期：　　　　年　　月　　日", NOTE, span=n
    )
    _print_setup(ws, None)
    g.finish()
