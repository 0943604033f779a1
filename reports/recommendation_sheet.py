"""The 推荐信息汇总表 sheet of the results workbook: the outcome of every application.

One block per criteria set and sub-type, the 推荐名额 and 候补 in force, then every
application with its outcome (拟推荐 / 候补 / 待定 / 不予推荐) and the reason, 拟推荐
first; the 填表人 / 复核人 lines are left for the organiser's signatures.
"""

from __future__ import annotations

from iipeval.core.round.batch import Batch
from iipeval.core.round.outcomes import OUTCOMES, RECOMMEND
from iipeval.core.text import break_lines
from iipeval.present.labels import set_label
from iipeval.present.view import Row
from iipeval.reports.grid import HEAD, NOTE, NUM_FORMAT, SECTION, TITLE, Grid, Style, print_setup

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
ORDER = {o: k for k, o in enumerate(OUTCOMES)}
#: the 说明 column; a reason longer than it is broken by the rules of Chinese typesetting
#: (a spreadsheet's own wrap left a lone “）” on a line of its own)
REASON_WIDTH = 44


class SummarySheet:
    """The 推荐信息汇总表 of the results workbook, from the rows of one pass over the
    results: of each it keeps only the platform name and region it shows."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.shown: dict[str, tuple[str | None, str | None]] = {}

    def add(self, row: Row) -> None:
        self.shown[row.entry.source] = (row.result.platform_name, row.result.region)

    def write(self, ws):
        """Fill the write-only sheet ``ws``; returns it."""
        g = Grid(fixed={1: 6, 2: 30, 3: 26, 4: 21, 5: 14, 6: 9, 7: 6, 8: 10, 9: REASON_WIDTH})
        n = len(HEADERS)
        g.put(1, 1, SUMMARY, TITLE)
        r = 3
        for rk in self.batch.rankings:
            r = self._block(g, rk, r) + 1
        if not self.batch.rankings:
            g.put(r, 1, "本批没有可评分的申报", NOTE, span=n)
            r += 2
        g.put(
            r,
            1,
            "填表人：　　　　　　复核人：　　　　　　日期：　　　　年　　月　　日",
            NOTE,
            span=n,
        )
        print_setup(ws, None)
        g.finish(ws)
        return ws

    def _block(self, g: Grid, rk, r: int) -> int:
        """One criteria set's applications, 拟推荐 first; returns the row after them."""
        n = len(HEADERS)
        mine = list(rk.entries)
        p = rk.policy
        quota = f"{p.quota}个" if p.quota else "不限"
        g.put(r, 1, set_label(rk.framework_name, rk.subtype_name), SECTION, span=n)
        r += 1
        recommended = sum(1 for e in mine if e.outcome == RECOMMEND)
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
        mine.sort(key=lambda e: (ORDER.get(e.outcome, 9), e.rank or 10**9))
        for k, e in enumerate(mine, 1):
            platform, region = self.shown.get(e.source, (None, None))
            g.line(r, 1, [k, e.applicant, platform, e.key, region])
            g.put(r, 6, e.total, Style(number_format=NUM_FORMAT))
            g.put(r, 7, e.rank, Style(horizontal="center"))
            g.put(r, 8, e.outcome, Style(bold=e.outcome == RECOMMEND, horizontal="center"))
            g.put(r, 9, break_lines(e.outcome_reason, REASON_WIDTH - 1))
            r += 1
        return r
