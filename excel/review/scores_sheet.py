"""The 评分 sheet an expert types into, and the hidden ``_calc`` sheet its live total is
computed on."""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from iipeval.core import voice
from iipeval.core.panel.roster import PanelExpert
from iipeval.core.text import fmt
from iipeval.excel.cells.measure import row_height
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.cells.styles import (
    BODY,
    BOLD,
    CENTER,
    FIXED_FILL,
    HEADER_FILL,
    INPUT_FILL,
    NOTE,
    TITLE,
    UNLOCKED,
    WRAP,
)
from iipeval.excel.cells.styles import INPUT_ALIGN as RIGHT
from iipeval.excel.review import meeting
from iipeval.excel.review.common import (
    _L,
    MIDDLE,
    POINTS,
    RED,
    _cell,
    _print,
    _prompt,
    _widths,
)
from iipeval.excel.review.formulas import NOT_LINEAR, _entry_scale, _q, grade_formula, valid_formula
from iipeval.excel.review.layout import (
    CALC,
    FIRST_ROW,
    HEADER_ROW,
    INCOMPLETE,
    INVALID,
    NOTE_ROW,
    SCORES,
    SUBHEADER_ROW,
    TITLE_ROW,
    CalcColumns,
    ScoreColumns,
)
from iipeval.excel.review.rows import ReviewSet

# 评分 ---------------------------------------------------------------------------------------


def _scores_sheet(ws, rs: ReviewSet, panel_id, expert: PanelExpert, rows, cols: ScoreColumns):
    """The sheet the expert types into: a heading, two header rows, a row per application
    (yellow inputs, grey computed cells, the live total), the checks on what is typed,
    the signature line, and the print set-up."""
    out = Rows()
    widths = _column_widths(cols)
    _widths(ws, widths)
    _scores_heading(out, rs, panel_id, expert, rows, cols, widths)
    _header_rows(out, cols, widths)
    for k, row in enumerate(rows):
        _application_row(out, k, row, cols, widths)
    last = get_column_letter(cols.last)
    if rows:
        end = FIRST_ROW + len(rows) - 1
        _entry_checks(ws, rs, cols, end)
        sign = end + 2
    else:
        out.merge(f"A{FIRST_ROW}:{last}{FIRST_ROW}")
        _cell(out, FIRST_ROW, 1, "本表没有需要您评分的申报。", align=MIDDLE, border=False)
        sign = FIRST_ROW + 2
    out.merge(f"A{sign}:{last}{sign}")
    signature = meeting.signature_line(expert)
    _cell(out, sign, 1, signature, align=MIDDLE, border=False)
    out.height(sign, 30)
    out.attach(ws)

    ws.freeze_panes = f"{cols.parts[0].score_letter}{FIRST_ROW}"
    _print_scores(ws, widths, cols)


def _column_widths(cols: ScoreColumns) -> dict[int, float]:
    widths = {cols.number: 5, cols.applicant: 20, cols.key: 20, cols.quant: 10, cols.total: 14}
    if cols.subtype:
        widths[cols.subtype] = 8
    for p in cols.parts:
        widths[p.score_col] = 9
        widths[p.comment_col] = 16
    return widths


def _scores_heading(out: Rows, rs: ReviewSet, panel_id, expert, rows, cols, widths) -> None:
    """Title and note, across the columns that stay frozen on screen and repeat on paper."""
    fw = rs.framework
    head = get_column_letter(cols.total)
    head_w = sum(w for c, w in widths.items() if c <= cols.total)
    title = meeting.scores_title(expert, fw.name, panel_id)
    out.merge(f"A{TITLE_ROW}:{head}{TITLE_ROW}")
    _cell(out, TITLE_ROW, 1, title, font=TITLE, align=WRAP, border=False)
    out.height(TITLE_ROW, row_height([(title, head_w, 14)]))
    out.merge(f"A{NOTE_ROW}:{head}{NOTE_ROW}")
    note = (
        "黄色格填写：0-100的分数，或等级 优秀/良好/一般/较差；留空表示尚未评分。"
        "灰色格为系统计算，只读。总分仅按本人评分计算，供参考。"
    )
    if any(r.grades or r.out_of for _, _, r in fw.expert_parts()):
        note = (
            "黄色格填写：按本评价体系的分值或等级评分（选中格子可见该项的分值范围与等级，"
            "详见“评分细则”表）；留空表示尚未评分。灰色格为系统计算，只读。总分仅按本人评分计算，供参考。"
        )
    rejected = [r for r in rows if r.pending.excluded]
    if rejected:  # the expert may spend the time on the others; the organiser decides
        note += "标红的申报已触及否决项，将不予推荐：" + "；".join(
            f"{r.applicant}——{voice.exclusion_text(r.pending.exclusions)}" for r in rejected
        )
    note = meeting.scores_note(expert, note)
    _cell(out, NOTE_ROW, 1, note, font=NOTE, align=WRAP, border=False)
    out.height(NOTE_ROW, row_height([(note, head_w, 10)]))


def _header_rows(out: Rows, cols: ScoreColumns, widths: dict[int, float]) -> None:
    """The fixed columns' headers over two rows, each part's label over its two columns."""
    fixed = [
        (cols.number, "序号"),
        (cols.applicant, "申报单位"),
        (cols.key, "统一社会信用代码／申报编号"),
        (cols.quant, "定量部分得分"),
        (cols.total, "总分（实时）"),
    ]
    if cols.subtype:
        fixed.append((cols.subtype, "申报类型"))
    for c, text in fixed:
        L = get_column_letter(c)
        out.merge(f"{L}{HEADER_ROW}:{L}{SUBHEADER_ROW}")
        _cell(out, HEADER_ROW, c, text, font=BOLD, fill=HEADER_FILL, align=CENTER)
        _cell(out, SUBHEADER_ROW, c, None, fill=HEADER_FILL)
    heights = []
    head = {"font": BOLD, "fill": HEADER_FILL, "align": CENTER}
    for p in cols.parts:
        out.merge(f"{p.score_letter}{HEADER_ROW}:{p.comment_letter}{HEADER_ROW}")
        _cell(out, HEADER_ROW, p.score_col, p.label, **head)
        _cell(out, HEADER_ROW, p.comment_col, None, fill=HEADER_FILL)
        _cell(out, SUBHEADER_ROW, p.score_col, "评分", **head)
        _cell(out, SUBHEADER_ROW, p.comment_col, "评语（选填）", **head)
        heights.append((p.label, widths[p.score_col] + widths[p.comment_col]))
    heights += [
        ("统一社会信用代码／申报编号", widths[cols.key]),
        ("总分（实时）", widths[cols.total]),
    ]
    out.height(HEADER_ROW, max(row_height(heights), 30))
    out.height(SUBHEADER_ROW, 18)


def _application_row(out: Rows, k: int, row, cols: ScoreColumns, widths) -> None:
    """One application: who, its quantitative points, the yellow inputs, the live total."""
    r = FIRST_ROW + k
    _cell(out, r, cols.number, k + 1, fill=FIXED_FILL, align=CENTER)
    name_font = RED if row.pending.excluded else BODY
    _cell(out, r, cols.applicant, row.applicant, font=name_font, fill=FIXED_FILL)
    _cell(out, r, cols.key, row.key, fill=FIXED_FILL, fmt_="@")
    if cols.subtype:
        _cell(out, r, cols.subtype, row.subtype_name or "", fill=FIXED_FILL, align=CENTER)
    _cell(out, r, cols.quant, row.linear.constant, fill=FIXED_FILL, align=RIGHT, fmt_=POINTS)
    for p in cols.parts:
        _cell(out, r, p.score_col, None, fill=INPUT_FILL, align=CENTER, protection=UNLOCKED)
        _cell(out, r, p.comment_col, None, fill=INPUT_FILL, protection=UNLOCKED)
    total = _live_total(r, len(cols.parts)) if row.linear.linear else NOT_LINEAR
    _cell(
        out,
        r,
        cols.total,
        total,
        font=BOLD,
        fill=FIXED_FILL,
        align=CENTER,
        fmt_=POINTS,
        formula=total != NOT_LINEAR,
    )
    out.height(r, max(34, row_height([(row.applicant, widths[cols.applicant])])))


def _live_total(r: int, n: int) -> str:
    """The native formula of row ``r``'s total over the ``_calc`` sheet, or what is missing."""
    q, calc = _q(CALC), CalcColumns(n)
    coefs = f"{q}!{_L(calc.coef(0))}{r}:{_L(calc.coef(n - 1))}{r}"
    nums = f"{q}!{_L(calc.num(0))}{r}:{_L(calc.num(n - 1))}{r}"
    valid = f"{q}!{_L(calc.valid_count)}{r}"
    filled = f"{q}!{_L(calc.filled_count)}{r}"
    return (
        f"=IF({valid}={n},{q}!{_L(calc.constant)}{r}+SUMPRODUCT({coefs},{nums}),"
        f'IF({filled}>{valid},"{INVALID}（已评"&{valid}&"/{n}项）",'
        f'"{INCOMPLETE}（已评"&{valid}&"/{n}项）"))'
    )


def _entry_checks(ws, rs: ReviewSet, cols: ScoreColumns, end: int) -> None:
    """What Excel, WPS and LibreOffice check as the expert types: each part's scale as a
    data validation with its prompt, invalid entries in red, the total green when complete."""
    rules = {pid: rule for pid, _, rule in rs.framework.expert_parts()}
    for p in cols.parts:
        L = p.score_letter
        ref = f"{L}{FIRST_ROW}"
        rule = rules.get(p.part)
        full, grades = _entry_scale(rs.policy, rule)
        words = "、".join(g for g, _ in grades)
        dv = DataValidation(
            type="custom",
            formula1=valid_formula(ref, rule, rs.policy),
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            errorTitle="评分无效",
            error=f"请填写0-{fmt(full)}之间的数字，或填写等级：{words}（留空表示尚未评分）。",
            promptTitle=p.label[:32],
            prompt=_prompt(rule, rs.policy)[:255],
        )
        dv.add(f"{L}{FIRST_ROW}:{L}{end}")
        ws.add_data_validation(dv)
        bad = f"AND(LEN({ref})>0,NOT({valid_formula(ref, rule, rs.policy)}))"
        red = FormulaRule(
            formula=[bad], fill=PatternFill("solid", fgColor="FFC7CE"), font=Font(color="9C0006")
        )
        ws.conditional_formatting.add(f"{L}{FIRST_ROW}:{L}{end}", red)
    T = get_column_letter(cols.total)
    for formula, fill, font in (
        (f"ISNUMBER({T}{FIRST_ROW})", "E2EFDA", Font(bold=True, color="375623")),
        (f"NOT(ISNUMBER({T}{FIRST_ROW}))", "FCE4D6", Font(color="843C0C")),
    ):
        rule = FormulaRule(formula=[formula], fill=PatternFill("solid", fgColor=fill), font=font)
        ws.conditional_formatting.add(f"{T}{FIRST_ROW}:{T}{end}", rule)


#: Printed scale of a 评分 sheet too wide for one page; the smallest scale worth fitting
#: a sheet to one page wide for; and the column units one landscape A4 page holds at 100%
#: with the margins of :func:`_print` (measured on the LibreOffice rendering, where a unit
#: is wider than in Excel, so the breaks hold in both).
PRINT_SCALE, MIN_FIT_SCALE, PAGE_UNITS = 75, 60, 110


def _print_scores(ws, widths: dict[int, float], cols: ScoreColumns) -> None:
    """Fit to one page wide when that stays legible; otherwise print at a fixed scale with
    a page break between whole parts (never through one), repeating the columns that say
    which application a row is and its total on every page."""
    fixed = sum(w for c, w in widths.items() if c <= cols.total)
    part_w = [widths[p.score_col] + widths[p.comment_col] for p in cols.parts]
    titles = dict(title_rows=f"{TITLE_ROW}:{SUBHEADER_ROW}", title_cols=f"A:{_L(cols.total)}")
    if fixed + sum(part_w) <= PAGE_UNITS * 100 / MIN_FIT_SCALE:
        _print(ws, **titles)
        return
    _print(ws, wide=0, **titles)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = PRINT_SCALE
    room = PAGE_UNITS * 100 / PRINT_SCALE - fixed
    used = 0.0
    for p, w in zip(cols.parts, part_w, strict=True):
        if used and used + w > room:
            ws.col_breaks.append(Break(id=p.score_col - 1))
            used = 0.0
        used += w


# _calc --------------------------------------------------------------------------------------


def _calc_rows(rs: ReviewSet, rows, cols: ScoreColumns) -> Rows:
    """The hidden sheet the live total is computed on: constant, coefficients, each typed
    score as a number, and counts of valid and filled scores, one row per application."""
    n = len(cols.parts)
    calc = CalcColumns(n)
    s = _q(SCORES)
    out = Rows()
    out.put(1, 1, "程序计算用，请勿修改：总分 = 常数 + Σ（系数 × 评分）")
    head = HEADER_ROW
    out.put(head, calc.key, "申报键")
    out.put(head, calc.constant, "常数（定量部分得分）")
    for k, p in enumerate(cols.parts):
        out.put(head, calc.coef(k), f"系数：{p.part}")
        out.put(head, calc.num(k), f"评分：{p.part}")
        out.put(head, calc.filled(k), f"已填：{p.part}")
    out.put(head, calc.valid_count, "有效评分数")
    out.put(head, calc.filled_count, "已填格数")
    rules = {pid: rule for pid, _, rule in rs.framework.expert_parts()}
    for k, row in enumerate(rows):
        r = FIRST_ROW + k
        out.put(r, calc.key, row.key)
        out.put(r, calc.constant, row.linear.constant)
        for j, p in enumerate(cols.parts):
            ref = f"{s}!{p.score_letter}{r}"
            out.put(r, calc.coef(j), row.linear.coefficients[p.part])
            formula = grade_formula(ref, rs.policy, rules.get(p.part))
            out.put(r, calc.num(j), formula, formula=True)
            out.put(r, calc.filled(j), f"=IF(LEN({ref})>0,1,0)", formula=True)
        valid = f"=COUNT({_L(calc.num(0))}{r}:{_L(calc.num(n - 1))}{r})"
        out.put(r, calc.valid_count, valid, formula=True)
        filled = f"=SUM({_L(calc.filled(0))}{r}:{_L(calc.filled(n - 1))}{r})"
        out.put(r, calc.filled_count, filled, formula=True)
    return out
