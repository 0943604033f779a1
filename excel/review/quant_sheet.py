"""The 定量得分 sheet: each application's quantitative indicators with their explanations,
and how each expert part counts towards the total."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from iipeval.core import voice
from iipeval.core.text import fmt
from iipeval.excel.cells.measure import row_height
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.cells.styles import (
    BOLD,
    CENTER,
    HEADER_FILL,
    WRAP,
)
from iipeval.excel.cells.styles import INDICATOR_FILL as BLOCK_FILL
from iipeval.excel.cells.styles import INPUT_ALIGN as RIGHT
from iipeval.excel.review.common import (
    MIDDLE,
    POINTS,
    RED_NOTE,
    _cell,
    _heading,
    _print,
    _widths,
)
from iipeval.excel.review.layout import (
    QUANT,
)
from iipeval.excel.review.rows import ReviewRow, ReviewSet
from iipeval.present.view import place

# 定量得分 -----------------------------------------------------------------------------------


QUANT_COLS = (
    ("维度", 14),
    ("指标", 20),
    ("类型", 7),
    ("分值", 8),
    ("得分（0-100）", 14),
    ("计入总分", 10),
    ("计分说明", 76),
)


def _quant_sheet(ws, rs: ReviewSet, rows: list[ReviewRow]):
    _widths(ws, {k + 1: w for k, (_, w) in enumerate(QUANT_COLS)})
    rs.shared(QUANT, rows, lambda: _quant_rows(rs, rows)).attach(ws)
    ws.freeze_panes = "A4"
    _print(ws)


WIDTHS = {k + 1: w for k, (_, w) in enumerate(QUANT_COLS)}
LAST = get_column_letter(len(QUANT_COLS))


def _quant_rows(rs: ReviewSet, rows: list[ReviewRow]) -> Rows:
    """One block per application: its quantitative indicators with their explanations,
    and how each expert part counts towards the total."""
    fw = rs.framework
    out = Rows()
    _heading(
        out,
        LAST,
        "定量得分明细（系统按申报数据计算，只读）",
        "“计入总分”为该指标定量部分计入总分的分数；综合指标另有专家评分部分，按下方各专家评分项的折算系数计入。"
        "各指标“分值”为按建议权重折算的满分。" + fw.weights_note,
        sum(WIDTHS.values()),
    )
    dims = {d.id: d.name for d in fw.dimensions}
    parts = {pid: (label, ind) for pid, label, ind in rs.parts()}
    r = 4
    for k, row in enumerate(rows):
        r = _block_head(out, r, k, row)
        for ind in row.pending.indicators:
            r = _indicator_row(out, r, row, ind, dims)
        for a in row.pending.adjustments:  # 加分项 and 扣分项 count in the data's part too
            r = _adjustment_row(out, r, a)
        r = _expert_parts(out, r, row, parts) + 1
    return out


def _block_head(out: Rows, r: int, k: int, row: ReviewRow) -> int:
    """The application's line, a warning when its data has errors or a 否决项, the header;
    returns the next row."""
    out.merge(f"A{r}:{LAST}{r}")
    head = f"{k + 1}. {row.applicant}（{row.key}）"
    if row.subtype_name:
        head += f"　申报类型：{row.subtype_name}"
    head += f"　定量部分得分：{fmt(row.linear.constant)}分"
    _cell(out, r, 1, head, font=BOLD, fill=BLOCK_FILL, align=MIDDLE)
    out.height(r, 22)
    r += 1
    notes = []
    if row.errors:
        notes.append(f"申报数据有{row.errors}处错误待补正，以下按现有数据计算")
    if row.pending.excluded:
        notes.append(f"{voice.EXCLUDED}（{voice.excluded_reason(row.pending.exclusions)}）")
    if notes:
        out.merge(f"A{r}:{LAST}{r}")
        text = "注意：" + "；".join(notes)
        _cell(out, r, 1, text, font=RED_NOTE)
        out.height(r, row_height([(text, sum(WIDTHS.values()), 10)]))
        r += 1
    for c, (name, _) in enumerate(QUANT_COLS, start=1):
        _cell(out, r, c, name, font=BOLD, fill=HEADER_FILL, align=CENTER)
    out.height(r, row_height(list(QUANT_COLS)))  # every header whole, none overflowing
    return r + 1


def _indicator_row(out: Rows, r: int, row: ReviewRow, ind, dims: dict[str, str]) -> int:
    if ind.status == "na":
        score, points = "不适用", "—"
    elif ind.kind == "定性":
        score, points = "专家评分", 0.0
    elif ind.status == "scored":
        score, points = ind.score, row.zero_points.get(ind.id, 0.0)
    else:
        score, points = "待专家评分", row.zero_points.get(ind.id, 0.0)
    values = [
        place(row.pending, ind) if ind.group else dims.get(ind.dimension, ind.dimension),
        ind.name,
        ind.kind,
        ind.weight,
        score,
        points,
        ind.explanation,
    ]
    for c, v in enumerate(values, start=1):
        num = isinstance(v, float)
        align = RIGHT if num else (CENTER if c in (3, 5, 6) else WRAP)
        _cell(out, r, c, v, align=align, fmt_=POINTS if num else None)
    texts = [(str(v), WIDTHS[c]) for c, v in enumerate(values, start=1) if isinstance(v, str)]
    out.height(r, row_height(texts))
    return r + 1


def _adjustment_row(out: Rows, r: int, a) -> int:
    sign = 1 if a.kind == "bonus" else -1
    values = [
        "加分项" if sign > 0 else "扣分项",
        a.name,
        "加分" if sign > 0 else "扣分",
        a.cap,
        a.trace.score,
        None if a.points is None else sign * a.points,
        a.explanation,
    ]
    for c, v in enumerate(values, start=1):
        num = isinstance(v, float | int)
        _cell(out, r, c, v, align=RIGHT if num else WRAP, fmt_=POINTS if num else None)
    out.height(r, row_height([(a.explanation, WIDTHS[7])]))
    return r + 1


def _expert_parts(out: Rows, r: int, row: ReviewRow, parts: dict) -> int:
    """The quantitative total, then each expert part with its coefficient and an example."""
    out.merge(f"A{r}:E{r}")
    _cell(out, r, 1, "定量部分合计", font=BOLD, align=RIGHT)
    _cell(out, r, 6, row.linear.constant, font=BOLD, align=RIGHT, fmt_=POINTS)
    _cell(out, r, 7, "即各专家评分项均为0分时的总分")
    r += 1
    out.merge(f"A{r}:C{r}")
    out.merge(f"E{r}:F{r}")
    heads = {1: "专家评分项（您的评分×折算系数计入总分）", 4: "满分折合", 5: "折算系数", 7: "示例"}
    for c in range(1, 8):
        _cell(out, r, c, heads.get(c), font=BOLD, fill=HEADER_FILL, align=CENTER)
    out.height(r, 30)
    r += 1
    for pid, coef in row.linear.coefficients.items():
        label, _ind = parts[pid]
        out.merge(f"A{r}:C{r}")
        _cell(out, r, 1, label)
        for c in (2, 3):
            _cell(out, r, c, None)
        top = (row.linear.full or {}).get(pid, 100.0)  # the part's full mark as typed
        _cell(out, r, 4, top * coef, align=RIGHT, fmt_=POINTS)
        out.merge(f"E{r}:F{r}")
        _cell(out, r, 5, coef, align=CENTER, fmt_="0.0000")
        _cell(out, r, 6, None)
        example = f"评{fmt(top)}分计入{fmt(top * coef)}分；评{fmt(top * 0.8)}分计入{fmt(top * 0.8 * coef)}分"
        _cell(out, r, 7, example)
        out.height(r, row_height([(label, 41)]))
        r += 1
    return r
