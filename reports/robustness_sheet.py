"""The 稳健性 sheet: how robust each ranking is, rendered from a
:class:`~iipeval.core.analysis.robustness.Robustness` (no computing happens here).

One sheet per criteria set and sub-type (``稳健性``, or ``稳健性-<体系>`` when there are
several), in sections a reviewer reads in order:

1. 名次分布: each application's share of weight draws at each rank (a heat map), its
   chance of staying in the recommended list under the weight draws and under resampling
   the experts, each with its 95% interval, and a stacked-bar chart;
2. 名额边界: the last one in against the first one out, the chance the draws keep them in
   that order, and the smallest change of one weight that moves the line;
3. 单项权重区间: for each weight, the range over which the list (and its order) holds;
4. 专家组的影响: ranks under each panel policy and without each expert (the rule kept),
   and what the rule itself changes when applied afresh to fewer experts;
5. 评分一致性: Kendall's W per scored part, flagged where the panel does not agree;
6. 专家评分校准诊断: numbers per expert and the thresholds they exceed, nothing more.

Each section is a function that writes from a row and returns the next free row.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from iipeval.core.analysis.robustness import GroupRobustness, Probability, Robustness
from iipeval.core.analysis.robustness_stats import percent
from iipeval.core.text import display_width, fmt
from iipeval.present.cell_text import sheet_title
from iipeval.present.labels import set_label
from iipeval.reports.grid import (
    CENTER,
    FLAG_FILL,
    HEAD,
    LABEL,
    NOTE,
    NUM,
    SECTION,
    TEXT,
    TITLE,
    Grid,
    Style,
    add_sheet,
)
from iipeval.reports.grid import print_setup as _print_setup

SHEET = "稳健性"
RANK_COLUMNS = 10  # ranks shown one per column; later ranks share one column
FIRST_RANK_COL = 9  # the heat map starts after rank, name, total, mean rank and 2 × (P, 区间)
CHART_MAX_BARS = 20
CHART_ROW_CM = 0.5  # rows kept free under the chart, one per 0.5 cm (rows are ~0.65 cm)
PCT = Style(number_format='0.0%;-0.0%;""', horizontal="right")  # zero shows empty
PCT_BOLD = Style(number_format="0.0%", horizontal="right", bold=True)
CHANGED = Style(horizontal="center", fill=FLAG_FILL, bold=True)
MOVED = Style(horizontal="center", fill=PatternFill("solid", fgColor="DDEBF7"))


def add_sheets(wb: Workbook, analysis: Robustness, taken: set[str]) -> list[str]:
    """Add one 稳健性 sheet per ranking to the write-only workbook ``wb`` (see
    :mod:`.grid`), each finished and closed; return their names."""
    names = []
    for g in analysis.groups:
        if len(analysis.groups) == 1:
            name = sheet_title(SHEET, taken)
        else:
            base = g.framework_short_name or g.framework_name
            short = f"{base}（{g.subtype_name}）" if g.subtype_name else base
            name = sheet_title(f"{SHEET}-{short}", taken)
        taken.add(name.lower())
        names.append(name)
        ws = add_sheet(wb, name)
        _sheet(ws, analysis, g)
        ws.close()
    if not analysis.groups:
        grid = Grid(add_sheet(wb, sheet_title(SHEET, taken)))
        grid.put(1, 1, "本批没有可排名的申报，未做稳健性分析。", NOTE)
        grid.finish()
        grid.ws.close()
    return names


def _sheet(ws, analysis: Robustness, g: GroupRobustness) -> None:
    shown = min(len(g.applicants), RANK_COLUMNS)
    tail = len(g.applicants) > shown
    ncol = max(FIRST_RANK_COL - 1 + shown + tail, 12)
    widest = max((display_width(a.applicant) for a in g.applicants), default=16)
    fixed = {1: 7, 2: min(44.0, max(24.0, widest + 3)), 3: 9, 4: 9, 5: 10, 6: 16, 7: 10, 8: 16}
    grid = Grid(ws, fixed=fixed, max_width=30)
    r = _heading(grid, analysis, g, ncol)
    r = _ranks(grid, g, r + 1, shown, tail, ncol)
    r = _line(grid, g, r + 2, ncol)
    r = _intervals(grid, g, r + 2, ncol)
    r = _panel(grid, g, r + 2, ncol)
    r = _agreement(grid, analysis, g, r + 2, ncol)
    r = _calibration(grid, analysis, g, r + 2, ncol)
    ws.freeze_panes = "C1"
    _print_setup(ws, None)
    grid.finish()
    ws.print_area = grid.print_area(r)  # every column the tables use, however many experts


def _heading(grid: Grid, analysis: Robustness, g: GroupRobustness, ncol: int) -> int:
    grid.put(1, 1, f"{set_label(g.framework_name, g.subtype_name)}　排名稳健性", TITLE)
    grid.put(2, 1, _settings_text(analysis, g), NOTE, span=ncol)
    grid.put(3, 1, analysis.method_note, NOTE, span=ncol)
    r = 4
    for note in g.notes:
        grid.put(r, 1, f"说明：{note}", NOTE, span=ncol)
        r += 1
    return r


def _settings_text(analysis: Robustness, g: GroupRobustness) -> str:
    s = analysis.settings
    quota = f"{g.quota}个（{g.quota_source}）" if g.quota is not None else "未设"
    line = f"{fmt(g.min_total)}分" if g.min_total is not None else "不设"
    spread = "；".join(
        f"{level}占比的相对标准差{percent(lo)}～{percent(hi)}"
        for level, (lo, hi) in g.share_spread.items()
    )
    v = analysis.versions
    return (
        f"权重抽样{s.draws:,}次：{g.weights_source}"
        + (f"（本次{spread}）" if spread else "")
        + f"；专家重抽样{s.resamples:,}次；随机数种子{s.seed}（同一种子结果相同）。"
        f"推荐名额：{quota}；推荐最低总分：{line}。参与排名的申报{len(g.applicants)}个"
        + (f"，另有{g.unranked}个未参与排名（需补正、不予推荐或待专家评分）" if g.unranked else "")
        + f"。计算环境：iipeval {v.iipeval}，Python {v.python}，numpy {v.numpy}。"
    )


def _interval(p: Probability | None) -> str:
    return "—" if p is None else f"{percent(p.low)}～{percent(p.high)}"


def _ranks(grid: Grid, g: GroupRobustness, r: int, shown: int, tail: bool, ncol: int) -> int:
    """1. Rank acceptability, the chance of staying in the list (weights, experts) and the
    heat map of ranks; the chart below it."""
    grid.put(r, 1, "一、权重扰动下的名次分布与进入推荐名单的概率", SECTION)
    r += 1
    if g.set_unchanged is not None:
        text = f"推荐名单不变的概率：{g.set_unchanged.text()}；名单及名单内次序均不变：{percent(g.order_unchanged.value)}。"
        if g.bootstrap is not None and g.bootstrap.set_unchanged is not None:
            text += f"专家重抽样下推荐名单不变的概率：{g.bootstrap.set_unchanged.text()}。"
        grid.put(r, 1, text, Style(border=False, bold=True), span=ncol)
        r += 1
    head = ["基准排名", "申报单位", "总分", "平均名次", "入选概率（权重）", "95%区间"]
    head += ["入选概率（专家）", "95%区间"]
    head += [f"第{k}名" for k in range(1, shown + 1)] + ([f"第{shown + 1}名及以后"] if tail else [])
    grid.line(r, 1, head, HEAD)
    top = r + 1
    boot = g.bootstrap.in_quota if g.bootstrap is not None else [None] * len(g.applicants)
    for a, b in zip(g.applicants, boot, strict=True):
        r += 1
        grid.line(r, 1, [a.rank], CENTER)
        grid.put(r, 2, a.applicant)
        grid.line(r, 3, [a.total, a.mean_rank], NUM)
        grid.put(r, 5, a.in_quota.value if a.in_quota is not None else "—", PCT_BOLD)
        grid.put(r, 6, _interval(a.in_quota), CENTER)
        grid.put(r, 7, b.value if b is not None else "—", PCT_BOLD)
        grid.put(r, 8, _interval(b), CENTER)
        shares = [a.shares.get(k, 0.0) for k in range(1, shown + 1)]
        if tail:
            shares.append(sum(v for k, v in a.shares.items() if k > shown) + (a.beyond or 0.0))
        grid.line(r, FIRST_RANK_COL, shares, PCT)
    for k in range(FIRST_RANK_COL, FIRST_RANK_COL + shown + tail):
        grid.fixed[k] = 8
    if not g.applicants:
        return r
    first = get_column_letter(FIRST_RANK_COL)
    last = get_column_letter(FIRST_RANK_COL + shown + tail - 1)
    grid.ws.conditional_formatting.add(
        f"{first}{top}:{last}{r}",
        ColorScaleRule(
            start_type="num",
            start_value=0,
            start_color="FFFFFF",
            end_type="num",
            end_value=1,
            end_color="2E75B6",
        ),
    )
    return _chart(grid.ws, g, top, shown + tail, r)


def _line(grid: Grid, g: GroupRobustness, r: int, ncol: int) -> int:
    """2. The quota line: the pair at it, its winning index, the smallest weight change."""
    grid.put(r, 1, "二、名额边界", SECTION)
    r += 1
    q = g.quota_line
    if q is None:
        grid.put(
            r,
            1,
            "未设推荐名额或推荐最低总分，或全部申报均在名单内，没有名额边界。",
            NOTE,
            span=ncol,
        )
        return r
    rows = [
        ("最后一名入选", f"{q.last_in}（比第一名未入选者高{fmt(q.gap)}分）"),
        ("第一名未入选", q.first_out),
        (
            "胜出指数",
            f"{q.last_in}在权重抽样中排在{q.first_out}之前的概率：{q.winning_index.text()}",
        ),
    ]
    if g.bootstrap is not None and g.bootstrap.line_held is not None:
        rows.append(("专家重抽样", f"同上，重抽样专家时：{g.bootstrap.line_held.text()}"))
    c = q.smallest_change
    if c is not None:
        where = "维度" if c.level == "维度" else "指标"
        rows.append(
            (
                "最小单项权重改变",
                f"{where}“{c.name}”由{fmt(c.points)}分变为{fmt(c.to)}分"
                f"（相对改变{percent(c.relative)}）时名单成员改变：{c.change}",
            )
        )
    else:
        rows.append(("最小单项权重改变", "任何一个权重单独在其可取范围内变化，名单成员都不变"))
    if g.bootstrap is not None and g.bootstrap.note:
        rows.append(("说明", g.bootstrap.note))
    for label, text in rows:
        r += 1
        grid.put(r, 1, label, LABEL, span=2)
        grid.put(r, 3, text, TEXT, span=ncol - 2)
    return r


def _intervals(grid: Grid, g: GroupRobustness, r: int, ncol: int) -> int:
    """3. One weight at a time: the range over which the list (and its order) holds."""
    grid.put(r, 1, "三、单项权重的稳定区间（一次改变一个权重，同层其余权重保持比例）", SECTION)
    r += 1
    what = "推荐名单及其次序" if g.quota is not None or g.min_total is not None else "全部排名次序"
    text = f"区间内{what}不变；权重以分计（维度为总分100分中的分值，指标为所属维度分值中的分值）。"
    grid.put(r, 1, text, NOTE, span=ncol)
    r += 1
    half = max(1, (ncol - 5) // 2)
    grid.line(r, 1, ["层级", "名称", "现行权重", "区间下限", "区间上限"], HEAD)
    grid.put(r, 6, "低于下限时最先发生的变化", HEAD, span=half)
    grid.put(r, 6 + half, "高于上限时最先发生的变化", HEAD, span=ncol - 5 - half)
    for iv in g.intervals:
        r += 1
        grid.put(r, 1, iv.level, CENTER)
        grid.put(r, 2, iv.name if iv.level == "维度" else f"{iv.name}（{iv.dimension}）")
        grid.put(r, 3, iv.points, NUM)
        if iv.note:
            grid.put(r, 4, iv.note, NOTE, span=ncol - 3)
            continue
        grid.line(r, 4, [iv.low, iv.high], NUM)
        grid.put(r, 6, iv.low_change or f"降至{fmt(iv.floor)}分仍不变", TEXT, span=half)
        high = iv.high_change or f"升至{fmt(iv.ceiling)}分仍不变"
        grid.put(r, 6 + half, high, TEXT, span=ncol - 5 - half)
    if not g.intervals:
        r += 1
        grid.put(r, 1, "参与排名的申报少于2个，无区间可言。", NOTE, span=ncol)
    return r


def _panel(grid: Grid, g: GroupRobustness, r: int, ncol: int) -> int:
    """4. Ranks under each panel policy and without each expert, and what changes."""
    grid.put(r, 1, "四、专家组的影响：不同汇总方式与去掉一位专家后的名次", SECTION)
    r += 1
    cols = [*g.policies[1:], *g.leave_one_out]
    if not cols:
        grid.put(r, 1, "本批没有专家评分。", NOTE, span=ncol)
        return r
    note = (
        "表中为名次；黄色底标出推荐与否发生变化的申报，蓝色底标出名次变化但推荐与否不变的；"
        "“—”表示缺少专家评分、无法排名。去掉一位专家时汇总规则保持全体专家时的做法（每端去掉的评分个数不变），"
        "名单的变化即该专家的影响；按本轮规则对剩余专家重新汇总另有变化的，单独列出。"
    )
    grid.put(r, 1, note, NOTE, span=ncol)
    r += 1
    grid.line(r, 1, ["基准排名", "申报单位"], HEAD)
    for k, s in enumerate(cols):
        grid.put(r, 3 + k, s.label.replace("（≥3位专家）", ""), HEAD)
        grid.fixed.setdefault(3 + k, 11)
    base = g.policies[0]
    for a_i, a in enumerate(g.applicants):
        r += 1
        grid.put(r, 1, base.ranks[a_i], CENTER)
        grid.put(r, 2, a.applicant)
        for k, s in enumerate(cols):
            rank = s.ranks[a_i]
            changed = s.recommended[a_i] != base.recommended[a_i] or rank is None
            style = CHANGED if changed else (MOVED if rank != base.ranks[a_i] else CENTER)
            grid.put(r, 3 + k, rank if rank is not None else "—", style)
    r += 1
    for s in cols:
        text = "；".join(s.changes) if s.changes else "推荐名单不变"
        text += f"（名次变化{s.moved}个）" if s.moved else ""
        text += f"。{s.note}" if s.note else ""
        if s.rule_changes:
            text += f"。按本轮规则对剩余专家重新汇总时另有变化：{'；'.join(s.rule_changes)}"
        r += 1
        grid.put(r, 1, s.label, LABEL, span=2)
        grid.put(r, 3, text, TEXT, span=ncol - 2)
    return r


def _agreement(grid: Grid, analysis: Robustness, g: GroupRobustness, r: int, ncol: int) -> int:
    """5. Kendall's W per scored part: how alike the experts rank the applications."""
    s = analysis.settings
    grid.put(r, 1, "五、专家评分的一致性（每个评分项）", SECTION)
    r += 1
    note = (
        "肯德尔和谐系数 W（Kendall's W，含同分校正）：各专家对申报排序的一致程度，0为毫无一致，1为完全一致；"
        f"W低于{fmt(s.agreement_min)}或χ²检验p值不低于{fmt(s.agreement_alpha)}（一致可能出于偶然）时提示。"
        "只计每位专家都评了的申报。"
    )
    grid.put(r, 1, note, NOTE, span=ncol)
    r += 1
    grid.line(r, 1, ["评分项", "", "W", "χ²", "自由度", "p值", "申报数", "专家数"], HEAD)
    grid.put(r, 1, "评分项", HEAD, span=2)
    grid.put(r, 9, "提示", HEAD, span=max(1, ncol - 8))
    for a in g.agreement:
        r += 1
        grid.put(r, 1, a.label, TEXT, span=2)
        grid.line(
            r, 3, [a.w if a.w is not None else "—", a.chi2 if a.chi2 is not None else "—"], NUM
        )
        grid.line(r, 5, [a.df if a.df is not None else "—"], CENTER)
        grid.put(
            r,
            6,
            a.p_value if a.p_value is not None else "—",
            Style(number_format="0.0000", horizontal="right"),
        )
        grid.line(r, 7, [a.applications, a.experts], CENTER)
        flag = "专家意见一致性不足，建议复议" if a.flagged else ""
        text = "；".join(x for x in (flag, a.note) if x)
        grid.put(r, 9, text, Style(fill=FLAG_FILL) if a.flagged else TEXT, span=max(1, ncol - 8))
    if not g.agreement:
        r += 1
        grid.put(r, 1, "本评价体系没有专家评分项。", NOTE, span=ncol)
    return r


def _calibration(grid: Grid, analysis: Robustness, g: GroupRobustness, r: int, ncol: int) -> int:
    """6. Per expert: numbers and the thresholds they exceed."""
    s = analysis.settings
    grid.put(r, 1, "六、专家评分校准诊断（仅列数字，不作评价）", SECTION)
    r += 1
    note = (
        "平均偏差=该专家评分减同一申报同一评分项其他专家平均分的平均值；离散程度比=该专家标准差与其他专家标准差之比；"
        "相关系数=该专家与每位其他专家评分相关系数的中位数（不受某一位专家异常的牵连）；"
        f"提示阈值：平均偏差超过±{fmt(s.offset_threshold)}分，相关系数低于{fmt(s.min_correlation)}，"
        f"离散程度比不在{fmt(s.spread_ratio[0])}～{fmt(s.spread_ratio[1])}之间；"
        f"共同评分少于{s.calibration_min_scores}个不作任何提示，也不做z分数校准。"
    )
    grid.put(r, 1, note, NOTE, span=ncol)
    r += 1
    head = [
        "专家",
        "评分个数",
        "共同评分个数",
        "平均偏差",
        "标准差",
        "离散程度比",
        "相关系数",
        "已z分数校准",
    ]
    grid.line(r, 1, head, HEAD)
    grid.put(r, 9, "提示", HEAD, span=max(1, ncol - 8))
    for e in g.experts:
        r += 1
        grid.put(r, 1, e.expert)
        grid.line(r, 2, [e.count, e.compared], CENTER)
        numbers = (e.offset, e.spread, e.spread_ratio, e.correlation)
        grid.line(r, 4, [x if x is not None else "—" for x in numbers], NUM)
        grid.put(r, 8, "是" if e.calibrated else "否", CENTER)
        text = "；".join(e.flags) or e.note
        grid.put(r, 9, text, Style(fill=FLAG_FILL) if e.flags else TEXT, span=max(1, ncol - 8))
    if not g.experts:
        r += 1
        grid.put(r, 1, "本批没有专家评分。", NOTE, span=ncol)
    return r


def _chart(ws, g: GroupRobustness, top: int, ranks: int, r: int) -> int:
    """A stacked bar per application (the first ones), below the table so it prints with
    it; returns the last row it covers."""
    n = min(len(g.applicants), CHART_MAX_BARS)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "percentStacked"
    chart.overlap = 100
    chart.title = f"名次分布（前{n}名申报）" if n < len(g.applicants) else "名次分布"
    last = FIRST_RANK_COL + ranks - 1
    data = Reference(ws, min_col=FIRST_RANK_COL, max_col=last, min_row=top - 1, max_row=top - 1 + n)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=top, max_row=top - 1 + n))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.numFmt = "0%"
    chart.y_axis.crosses = "max"
    chart.gapWidth = 40
    chart.width = 24
    chart.height = max(6.0, 0.7 * n + 4)
    chart.legend.position = "r"
    ws.add_chart(chart, f"B{r + 2}")
    return r + 2 + math.ceil(chart.height / CHART_ROW_CM)
