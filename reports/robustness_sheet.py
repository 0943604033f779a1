"""The 稳健性 sheet: how robust each ranking is, rendered from a
:class:`~iipeval.core.analysis.robustness.Robustness` (no computing happens here).

One sheet per criteria set and sub-type (``稳健性``, or ``稳健性-<体系>`` when there are
several), four sections:

1. 名次分布: each application's share of weight draws at each rank, as a heat map (colour
   scale), its chance of staying inside the recommended list, and a stacked-bar chart;
2. 单项权重区间: for each dimension and indicator weight, the range over which the
   recommended list (and its order) holds, and what changes first beyond each end;
3. 专家组的影响: ranks under each panel policy and without each expert; cells whose
   recommendation changes are shaded, and the changes are spelled out below;
4. 专家评分校准诊断: numbers per expert and the thresholds they exceed, nothing more.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from iipeval.core.analysis.robustness import GroupRobustness, Robustness
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


def _settings_text(analysis: Robustness, g: GroupRobustness) -> str:
    s = analysis.settings
    quota = f"{g.quota}个（{g.quota_source}）" if g.quota is not None else "未设"
    line = f"{fmt(g.min_total)}分" if g.min_total is not None else "不设"
    return (
        f"权重扰动：抽样{s.draws:,}次，{'均匀分布' if s.method == 'uniform' else '狄利克雷分布'}，"
        f"扰动幅度S={fmt(s.spread, 3)}，随机数种子{s.seed}（同一种子结果相同）。"
        f"推荐名额：{quota}；推荐最低总分：{line}。"
        f"参与排名的申报{len(g.applicants)}个"
        + (f"，另有{g.unranked}个未参与排名（需补正、不予推荐或待专家评分）" if g.unranked else "")
        + "。"
    )


def _sheet(ws, analysis: Robustness, g: GroupRobustness) -> None:
    n = len(g.applicants)
    shown = min(n, RANK_COLUMNS)
    tail = n > shown
    ncol = max(5 + shown + tail, 10)
    widest = max((display_width(a.applicant) for a in g.applicants), default=16)
    grid = Grid(
        ws, fixed={1: 7, 2: min(44.0, max(24.0, widest + 3)), 3: 9, 4: 9, 5: 11}, max_width=30
    )
    grid.put(1, 1, f"{set_label(g.framework_name, g.subtype_name)}　排名稳健性", TITLE)
    grid.put(2, 1, _settings_text(analysis, g), NOTE, span=ncol)
    grid.put(3, 1, analysis.method_note, NOTE, span=ncol)
    r = 4
    for note in g.notes:
        grid.put(r, 1, f"说明：{note}", NOTE, span=ncol)
        r += 1

    # 1. rank acceptability ------------------------------------------------------------------
    r += 1
    grid.put(r, 1, "一、权重扰动下的名次分布（各名次所占抽样比例）", SECTION)
    r += 1
    if g.set_unchanged is not None:
        text = (
            f"推荐名单不变的概率：{fmt(100 * g.set_unchanged, 1)}%"
            f"（标准误{fmt(100 * g.set_unchanged_se)}个百分点）；"
            f"名单及名单内次序均不变的概率：{fmt(100 * g.order_unchanged, 1)}%。"
        )
        grid.put(r, 1, text, Style(border=False, bold=True), span=ncol)
        r += 1
    head = ["基准排名", "申报单位", "总分", "平均名次", "进入推荐名单概率"]
    head += [f"第{k}名" for k in range(1, shown + 1)]
    if tail:
        head.append(f"第{shown + 1}名及以后")
    grid.line(r, 1, head, HEAD)
    top = r + 1
    for a in g.applicants:
        r += 1
        grid.put(r, 1, a.rank, CENTER)
        grid.put(r, 2, a.applicant)
        grid.put(r, 3, a.total, NUM)
        grid.put(r, 4, a.mean_rank, NUM)
        grid.put(r, 5, a.in_quota if a.in_quota is not None else "—", PCT_BOLD)
        for k in range(1, shown + 1):
            grid.put(r, 5 + k, a.shares.get(k, 0.0), PCT)
        if tail:
            rest = sum(v for k, v in a.shares.items() if k > shown) + (a.beyond or 0.0)
            grid.put(r, 6 + shown, rest, PCT)
    if g.applicants:
        first, last = get_column_letter(6), get_column_letter(5 + shown + tail)
        ws.conditional_formatting.add(
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
        r = _chart(ws, g, top, shown + tail, r)
    for k in range(6, 6 + shown + tail):
        grid.fixed[k] = 8

    # 2. one-at-a-time intervals -------------------------------------------------------------
    r += 2
    grid.put(r, 1, "二、单项权重的稳定区间（一次改变一个权重，同层其余权重保持比例）", SECTION)
    r += 1
    what = "推荐名单及其次序" if g.quota is not None or g.min_total is not None else "全部排名次序"
    grid.put(
        r,
        1,
        f"区间内{what}不变；权重以分计（维度为总分100分中的分值，指标为所属维度分值中的分值）。",
        NOTE,
        span=ncol,
    )
    r += 1
    grid.line(r, 1, ["层级", "名称", "现行权重", "区间下限", "区间上限"], HEAD)
    grid.put(r, 6, "低于下限时最先发生的变化", HEAD, span=max(1, (ncol - 5) // 2))
    half = max(1, (ncol - 5) // 2)
    grid.put(r, 6 + half, "高于上限时最先发生的变化", HEAD, span=ncol - 5 - half)
    for iv in g.intervals:
        r += 1
        grid.put(r, 1, iv.level, CENTER)
        name = iv.name if iv.level == "维度" else f"{iv.name}（{iv.dimension}）"
        grid.put(r, 2, name)
        grid.put(r, 3, iv.points, NUM)
        if iv.note:
            grid.put(r, 4, iv.note, NOTE, span=ncol - 3)
            continue
        grid.put(r, 4, iv.low, NUM)
        grid.put(r, 5, iv.high, NUM)
        low = iv.low_change or f"降至{fmt(iv.floor)}分仍不变"
        high = iv.high_change or f"升至{fmt(iv.ceiling)}分仍不变"
        grid.put(r, 6, low, TEXT, span=half)
        grid.put(r, 6 + half, high, TEXT, span=ncol - 5 - half)
    if not g.intervals:
        r += 1
        grid.put(r, 1, "参与排名的申报少于2个，无区间可言。", NOTE, span=ncol)

    # 3. the panel -----------------------------------------------------------------------------
    r += 2
    grid.put(r, 1, "三、专家组的影响：不同汇总方式与去掉一位专家后的名次", SECTION)
    r += 1
    r = _scenarios(grid, g, r, ncol)

    # 4. calibration ---------------------------------------------------------------------------
    r += 2
    s = analysis.settings
    grid.put(r, 1, "四、专家评分校准诊断（仅列数字，不作评价）", SECTION)
    r += 1
    grid.put(
        r,
        1,
        f"平均偏差=该专家评分减同一申报同一评分项其他专家平均分的平均值；离散程度比=该专家标准差与其他专家标准差之比；"
        f"提示阈值：平均偏差超过±{fmt(s.offset_threshold)}分，相关系数低于{fmt(s.min_correlation)}，"
        f"离散程度比不在{fmt(s.spread_ratio[0])}～{fmt(s.spread_ratio[1])}之间；"
        f"共同评分少于{s.calibration_min_scores}个不作提示，也不做z分数校准。",
        NOTE,
        span=ncol,
    )
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
        grid.put(r, 2, e.count, CENTER)
        grid.put(r, 3, e.compared, CENTER)
        grid.put(r, 4, e.offset if e.offset is not None else "—", NUM)
        grid.put(r, 5, e.spread if e.spread is not None else "—", NUM)
        grid.put(r, 6, e.spread_ratio if e.spread_ratio is not None else "—", NUM)
        grid.put(r, 7, e.correlation if e.correlation is not None else "—", NUM)
        grid.put(r, 8, "是" if e.calibrated else "否", CENTER)
        text = "；".join(e.flags) or e.note
        grid.put(r, 9, text, Style(fill=FLAG_FILL) if e.flags else TEXT, span=max(1, ncol - 8))
    if not g.experts:
        r += 1
        grid.put(r, 1, "本批没有专家评分。", NOTE, span=ncol)

    ws.freeze_panes = "C1"
    _print_setup(ws, None)
    grid.finish()
    ws.print_area = f"A1:{get_column_letter(ncol)}{r}"


def _scenarios(grid: Grid, g: GroupRobustness, r: int, ncol: int) -> int:
    cols = [s for s in g.policies[1:]] + list(g.leave_one_out)
    if not cols:
        grid.put(r, 1, "本批没有专家评分。", NOTE, span=ncol)
        return r
    grid.put(
        r,
        1,
        "表中为名次；黄色底标出推荐与否发生变化的申报，蓝色底标出名次变化但推荐与否不变的；“—”表示缺少专家评分、无法排名。",
        NOTE,
        span=ncol,
    )
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
        moved = f"（名次变化{s.moved}个）" if s.moved else ""
        r += 1
        grid.put(r, 1, s.label, LABEL, span=2)
        grid.put(r, 3, text + moved + (f"。{s.note}" if s.note else ""), TEXT, span=ncol - 2)
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
    data = Reference(ws, min_col=6, max_col=5 + ranks, min_row=top - 1, max_row=top - 1 + n)
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
