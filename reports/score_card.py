"""The score card (评分卡): one sheet per application in the results workbook.

Header, dimension scores with a radar chart beside them, every indicator with its
explanation, 加分项 and 扣分项, every expert's score per part, and the application's
findings, top to bottom; each section is one function that takes the row it starts at
and returns the row after it.
"""

from __future__ import annotations

from openpyxl.chart import RadarChart, Reference
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from iipeval.core import voice
from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS
from iipeval.core.model.results import Result
from iipeval.core.round.batch import Batch
from iipeval.core.text import fmt
from iipeval.present.view import Row, disagreement_threshold, panel_check_text, place
from iipeval.reports.grid import (
    CENTER,
    FLAG_FILL,
    HEAD,
    LABEL,
    NOTE,
    NUM,
    NUM_FORMAT,
    SECTION,
    SEVERITY_FILLS,
    TEXT,
    TITLE,
    Grid,
    Style,
    print_setup,
)

CARD_WIDTHS = {1: 14, 2: 26, 3: 13, 4: 9, 5: 9, 6: 9, 7: 11}
EXPERT_COL = 8
EXPLAIN_SPAN = 10  # H:Q
EXPERT_WIDTH = 8.5
CHART_MIN_CM = 7.5
PT_TO_CM = 2.54 / 72
METHODS = {
    "mean": "平均",
    "trimmed_mean": "去掉最高最低后平均",
    "median": "中位数",
    "consensus": "会议合议",
}
PARTIAL_FILL = PatternFill("solid", fgColor="DDEBF7")


class _Card:
    """One application's card being filled: the grid and the columns it spans."""

    def __init__(self, batch: Batch, row: Row) -> None:
        self.batch, self.row, self.res = batch, row, row.result
        self.experts = sorted({x for p in self.res.panels for x in p.experts})
        self.span = max(EXPLAIN_SPAN, len(self.experts))
        self.last_col = EXPERT_COL + self.span - 1
        fixed = dict(CARD_WIDTHS)
        for k in range(self.span):
            fixed[EXPERT_COL + k] = EXPERT_WIDTH
        self.g = Grid(fixed=fixed)


def card_sheet(ws, batch: Batch, row: Row):
    """Fill ``ws`` with the score card of ``row`` (its full result); returns ``ws``."""
    c = _Card(batch, row)
    c.g.put(1, 1, f"评分卡　{c.res.applicant}", TITLE)
    if c.res.fictional:
        c.g.put(2, 1, "（示例数据，非真实申报）", NOTE, span=7)
    r = _header(c, 3)
    dim_head, dim_last, top_end = _dimensions(c, r + 1)
    r = _indicators(c, top_end + 2)
    r = _adjustments(c, r)
    r = _panels(c, r + 1)
    _findings(c, r)
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1")
    c.g.finish(ws)
    _radar(ws, c.g, dim_head, dim_last, top_end)
    return ws


def _header(c: _Card, r: int) -> int:
    res, e = c.res, c.row.entry
    status = "无错误" if res.accepted else f"{voice.NEEDS_FIX_STATUS}（见本表末尾及“问题清单”）"
    if res.total is not None:
        total = f"{fmt(res.total)}分"
    else:
        total = voice.pending_total(res.secured, res.pending_points)
    head = [
        ("申报单位", res.applicant),
        ("标识", e.key),
        ("来源文件", res.source),
        ("评价体系", c.row.set_label),
        ("总分", total),
        ("等级", res.grade or "—"),
        ("排名", f"第{e.rank}名" if e.rank is not None else "未排名"),
        ("推荐结果", e.outcome + (f"（{e.outcome_reason}）" if e.outcome_reason else "")),
        ("否决项", voice.exclusion_text(res.exclusions) or "无"),
        ("数据校验", status),
        ("专家评分", panel_check_text(res) or "未提供专家评分表"),
        ("参数哈希", voice.params_hash(res.provenance.parameters_hash, voice.HASH_IN_RESULT)),
    ]
    for label, value in head:
        c.g.put(r, 1, label, LABEL)
        style = Style(bold=True) if label in ("总分", "推荐结果") else TEXT
        c.g.put(r, 2, value, style, span=6)
        r += 1
    return r


def _dimensions(c: _Card, r: int) -> tuple[int, int, int]:
    """The dimension table; returns its header row, its last dimension row and the last
    row of the card's top part (beside which the radar chart sits)."""
    g, res = c.g, c.res
    g.put(r, 1, "维度得分", SECTION)
    r += 1
    g.put(r, 1, "维度", HEAD, span=3)
    g.line(r, 4, ["得分", "计分", "满分", "状态"], HEAD)
    dim_head = r
    r += 1
    for d in res.dimensions:
        g.put(r, 1, d.name, TEXT, span=3)
        g.line(r, 4, [d.score, d.points, d.weight], NUM)
        g.put(r, 7, STATUS_LABELS.get(d.status, d.status), CENTER)
        r += 1
    dim_last = r - 1
    if res.bonus is not None or res.deduction is not None:  # total = base + bonus − deduction
        for label, value in (
            ("基础分", res.base),
            ("加分项", res.bonus),
            ("扣分项", res.deduction),
        ):
            if label != "基础分" and value is None:
                continue
            g.put(r, 1, label, TEXT, span=3)
            g.line(r, 4, [None, -value if label == "扣分项" else value], NUM)
            r += 1
    g.put(r, 1, "合计（总分）", LABEL, span=3)
    total_style = Style(number_format=NUM_FORMAT, bold=True)
    g.line(r, 4, [res.total, res.secured, sum(d.weight for d in res.dimensions)], total_style)
    g.put(r, 7, "待专家评分" if res.provisional else "已评分", CENTER)
    r += 1
    note = "得分为0-100分；计分＝得分×满分÷100；合计为百分制总分。"
    if c.batch.in_points(res.framework):  # a points table: 计分 is the document's own points
        note = "计分为按原文分值所得的分，得分为计分占满分的百分比（0-100）；合计为总分。"
    if any(d.score is None and d.status == "pending" for d in res.dimensions):
        note += "待专家评分的维度暂无得分，雷达图中空缺。"
    g.put(r, 1, note, NOTE, span=7)
    return dim_head, dim_last, r


def _indicators(c: _Card, r: int) -> int:
    g, res = c.g, c.res
    g.put(r, 1, "指标得分与计分说明", SECTION)
    r += 1
    g.line(r, 1, ["维度", "指标", "类型", "得分", "计分", "满分", "状态"], HEAD)
    g.put(r, EXPERT_COL, "计分说明", HEAD, span=c.span)
    r += 1
    dims = {d.id: d.name for d in res.dimensions}
    for i in res.indicators:
        fill = FLAG_FILL if i.status == "pending" else None
        g.put(r, 1, place(res, i) if i.group else dims.get(i.dimension, i.dimension))
        g.put(r, 2, i.name)
        g.put(r, 3, i.kind, CENTER)
        g.line(r, 4, [i.score, i.points, i.weight], NUM)
        g.put(r, 7, STATUS_LABELS.get(i.status, i.status), Style(horizontal="center", fill=fill))
        g.put(r, EXPERT_COL, i.explanation, TEXT, span=c.span)
        r += 1
    return r


def _adjustments(c: _Card, r: int) -> int:
    g, res = c.g, c.res
    if not res.adjustments:
        return r
    r += 1
    g.put(r, 1, "加分项与扣分项", SECTION)
    r += 1
    g.line(r, 1, ["部分", "项目", "类型", "得分", "计分", "最高", "状态"], HEAD)
    g.put(r, EXPERT_COL, "计分说明", HEAD, span=c.span)
    r += 1
    for a in res.adjustments:
        g.put(r, 1, "加分项" if a.kind == "bonus" else "扣分项")
        g.put(r, 2, a.name)
        g.put(r, 3, "加分" if a.kind == "bonus" else "扣分", CENTER)
        g.line(r, 4, [a.trace.score, a.points, a.cap], NUM)
        g.put(r, 7, STATUS_LABELS.get(a.status, a.status), CENTER)
        g.put(r, EXPERT_COL, a.explanation, TEXT, span=c.span)
        r += 1
    return r


def _panels(c: _Card, r: int) -> int:
    """Every expert's score per part, the dropped ones struck through."""
    g, res = c.g, c.res
    g.put(r, 1, "专家评分", SECTION)
    r += 1
    if not res.panels:
        pending = any(i.status == "pending" for i in res.indicators)
        text = "尚无专家评分。" if pending else "本申报无需专家评分的指标。"
        g.put(r, 1, text, NOTE, span=c.last_col)
        return r + 1
    threshold = disagreement_threshold(c.batch, res.framework, res.subtype)
    g.put(r, 1, _panel_note(res, threshold), NOTE, span=c.last_col)
    r += 1
    g.put(r, 1, "指标·评分项", HEAD, span=2)
    g.line(r, 3, ["汇总方式", "采用分", "极差", "阈值", "需复议"], HEAD)
    for k, name in enumerate(c.experts):
        g.put(r, EXPERT_COL + k, name, HEAD)
    r += 1
    for p in res.panels:
        flag = FLAG_FILL if p.disagreement else None
        g.put(r, 1, p.label, TEXT, span=2)
        g.put(r, 3, p.rule or METHODS.get(p.method, p.method), CENTER)
        g.line(r, 4, [p.score, p.spread, threshold], NUM)
        again = Style(horizontal="center", fill=flag, bold=p.disagreement)
        g.put(r, 7, "需复议" if p.disagreement else "", again)
        for k, name in enumerate(c.experts):
            score = p.experts.get(name)
            g.put(r, EXPERT_COL + k, score, _expert_style(p, name, score))
        r += 1
    return r


def _expert_style(p, name: str, score: float | None) -> Style:
    """Struck through: set aside by the rule; shaded: on its boundary, counted in part."""
    dropped = score is not None and name not in p.kept
    full = max(p.weights.values(), default=0.0)
    partial = not dropped and score is not None and p.weights.get(name, full) < full - 1e-12
    return Style(
        number_format=NUM_FORMAT,
        strike=dropped,
        color="808080" if dropped else None,
        fill=PARTIAL_FILL if partial else None,
    )


def _panel_note(res: Result, threshold: float | None) -> str:
    note = (
        "各专家分为0-100分（等级已按参数折算）；删除线为按汇总规则去掉的最高/最低分，"
        "浅蓝底为处在边界、按比例部分计入的评分"
    )
    if any(p.out_of is not None for p in res.panels):
        note = note.replace("为0-100分", "为0-100分或该项原文分值（等级已按等级表折算）", 1)
    if threshold is not None:
        note += f"；极差超过{fmt(threshold)}分需复议"
    return note + "。"


def _findings(c: _Card, r: int) -> None:
    g, res = c.g, c.res
    if not res.findings:
        return
    r += 1
    g.put(r, 1, "本申报的问题", SECTION)
    r += 1
    g.put(r, 1, "级别", HEAD)
    g.put(r, 2, "位置", HEAD)
    g.put(r, 3, "说明", HEAD, span=c.last_col - 2)
    r += 1
    for f in res.findings:
        severity = Style(horizontal="center", fill=SEVERITY_FILLS.get(f.severity))
        g.put(r, 1, SEVERITY_LABELS[f.severity], severity)
        g.put(r, 2, f.where(c.batch.item_label(res.framework, f.item)) or "—")
        g.put(r, 3, f.message, TEXT, span=c.last_col - 2)
        r += 1


def _radar(ws, g: Grid, dim_head: int, dim_last: int, top_end: int) -> None:
    """Radar chart of the dimension scores, to the right of the header and dimension table."""
    top_pt = sum(g.row_height(x) for x in range(3, top_end + 1))
    chart = RadarChart()
    chart.type = "marker"
    chart.style = 26
    chart.title = "维度得分（0-100）"
    chart.add_data(
        Reference(ws, min_col=4, min_row=dim_head, max_row=dim_last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=dim_head + 1, max_row=dim_last))
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.numFmt = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend = None
    chart.width = EXPERT_WIDTH * EXPLAIN_SPAN * 0.19
    chart.height = max(CHART_MIN_CM, top_pt * PT_TO_CM)
    ws.add_chart(chart, f"{get_column_letter(EXPERT_COL)}3")
