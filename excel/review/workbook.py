"""Generate expert scoring workbooks (专家评分表): one per expert of a panel.

Each row is one application. The quantitative part is computed by the engine and written
as read-only values with their explanations; the expert types a 0-100 score or a grade
band (优秀/良好/一般/较差) for each qualitative part. A native formula shows that
expert's total as they type, from the affine form in :mod:`iipeval.core.analysis.linear`
(``total = constant + Σ coefficient × score``), with no Python and no macros, in Excel,
WPS and LibreOffice alike. Nothing here scores: the numbers come from the core.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import secrets
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core import __version__, voice
from iipeval.core.analysis.linear import ExpertLinear, expert_linear
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.findings import Severity
from iipeval.core.model.application import Application
from iipeval.core.model.criteria import Framework
from iipeval.core.model.results import Rejected, Result
from iipeval.core.panel.bundle import application_key
from iipeval.core.panel.entry import part_scales
from iipeval.core.panel.forms import issue_form
from iipeval.core.panel.record import (
    Assignment,
    IssuedForm,
    PanelRecord,
    RecordExpert,
    application_sha256,
    form_claims,
    new_key,
    normal_key,
    sign,
)
from iipeval.core.panel.roster import Panel, PanelExpert, file_name, summary_expert
from iipeval.core.rules import GRADE_RANGES, GRADES, Expert
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.core.text import fmt
from iipeval.excel.cells.book import cell_style, cell_text
from iipeval.excel.cells.measure import broken, row_height
from iipeval.excel.cells.sheetwrite import Book, Rows, Style

# --------------------------------------------------------------------------------------
# styles (yellow = type here, grey = computed, as in the application workbook)
from iipeval.excel.cells.styles import (
    BODY,
    BOLD,
    CENTER,
    FIXED_FILL,
    FONT_NAME,
    HEADER_FILL,
    INPUT_FILL,
    NOTE,
    TITLE,
    UNLOCKED,
    WRAP,
    WRAP_TOP,
)
from iipeval.excel.cells.styles import INDICATOR_FILL as BLOCK_FILL
from iipeval.excel.cells.styles import INPUT_ALIGN as RIGHT
from iipeval.excel.review import meeting
from iipeval.excel.review.layout import (
    CALC,
    FIRST_ROW,
    FORMAT,
    GUIDE,
    HEADER_ROW,
    INCOMPLETE,
    INVALID,
    META,
    NOTE_ROW,
    QUANT,
    RUBRIC,
    SCORES,
    SUBHEADER_ROW,
    TITLE_ROW,
    WORKBOOK_VERSION,
    CalcColumns,
    ScoreColumns,
    score_columns,
)
from iipeval.present.atomic import write_atomic
from iipeval.present.cell_text import cell_safe
from iipeval.present.view import place
from iipeval.present.xlsx import print_a4

POINTS = "0.00"


class PanelGenerationError(ValueError):
    """The workbooks cannot be generated as asked; the message says why, in Chinese."""


class OutputExists(PanelGenerationError):
    """A workbook to be written exists already and ``force`` was not given."""


# --------------------------------------------------------------------------------------
# what goes into a workbook


@dataclass
class ReviewRow:
    """One application as the expert sees it: who, the quantitative part, the affine form."""

    key: str
    application: Application
    source: str
    linear: ExpertLinear
    pending: Result  # scored with no reviews: explanations of the quantitative part
    zero_points: dict[str, float]  # indicator id → points with every expert score at 0
    parameters_hash: str
    subtype_name: str | None = None

    @property
    def applicant(self) -> str:
        return self.application.applicant.name

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.error for f in self.pending.findings)

    @cached_property
    def sha256(self) -> str:
        """Fingerprint of the data shown, signed in every form that lists the application."""
        return application_sha256(self.application)


@dataclass
class ReviewSet:
    """Every application of one criteria set going to the panel."""

    framework: Framework
    policy: AggregationPolicy
    parameters_hash: str
    parameters_file: str | None
    rows: list[ReviewRow] = field(default_factory=list)
    _sheets: dict[tuple, Rows] = field(default_factory=dict, init=False, repr=False, compare=False)

    def parts(self) -> list[tuple[str, str, str]]:
        return [
            (pid, f"{ind.name}·{r.label}", ind.id) for pid, ind, r in self.framework.expert_parts()
        ]

    def shared(self, sheet: str, rows: list[ReviewRow], build) -> Rows:
        """The rows of a sheet that depends only on the set and the applications shown
        (定量得分, _calc): built once for every expert who gets those applications."""
        key = (sheet, tuple(r.key for r in rows))
        hit = self._sheets.get(key)
        if hit is None:
            hit = self._sheets[key] = build()
        return hit


def prepare_row(ev: Evaluator, loaded: Loaded, framework: str | None = None) -> ReviewRow:
    """Compute what an application's row shows. Raises ``PanelGenerationError`` when the
    application cannot be scored against its set at all."""
    source = loaded.source
    app = loaded.submission.application
    pending = ev.score_loaded(loaded, framework)  # reader findings count as the data's too
    if isinstance(pending, Rejected):
        raise PanelGenerationError(
            f"{source}: 无法评分：" + "；".join(f.message for f in pending.findings)
        )
    eff = ev.effective(pending.framework, app.subtype)
    try:
        linear = expert_linear(ev, app, pending.framework)
    except ValueError as exc:
        raise PanelGenerationError(f"{source}: {exc}") from None
    return ReviewRow(
        key=application_key(app),
        application=app,
        source=source,
        linear=linear,
        pending=pending,
        zero_points=linear.zero_points,
        parameters_hash=eff.hash(),
        subtype_name=pending.subtype_name,
    )


def prepare(
    ev: Evaluator, loaded: Iterable[Loaded], framework: str | None = None, jobs: int = 1
) -> dict[str, ReviewSet]:
    """Group readable applications by criteria set. Unreadable inputs and duplicate
    application keys refuse the whole run: a workbook missing an application, or holding
    two rows a review cannot tell apart, must not go out to experts. ``jobs`` > 1 computes
    the rows in that many processes."""
    problems: list[str] = []
    sets: dict[str, ReviewSet] = {}
    seen: dict[str, str] = {}
    items = list(loaded)
    readable = [item for item in items if item.submission is not None]
    done = _in_processes(_row, (ev, readable, framework), jobs)
    rows = dict(zip(map(id, readable), done, strict=True))
    for item in items:
        if item.submission is None:
            msgs = "；".join(f.message for f in item.findings) or "无法读取"
            problems.append(f"{item.source}: {msgs}")
            continue
        row = rows[id(item)]
        if isinstance(row, str):
            problems.append(row)
            continue
        if normal_key(row.key) in seen:
            problems.append(
                f"{item.source}: 与 {seen[normal_key(row.key)]} 的申报单位相同（{row.key}），"
                "评分无法区分，请只保留一份"
            )
            continue
        seen[normal_key(row.key)] = item.source
        fw_id = row.pending.framework
        if fw_id not in sets:
            eff = ev.effective(fw_id)
            sets[fw_id] = ReviewSet(
                framework=eff.framework,
                policy=eff.policy,
                parameters_hash=eff.hash(),
                parameters_file=ev.params.source,
            )
        sets[fw_id].rows.append(row)
    if problems:
        raise PanelGenerationError(
            "以下申报无法使用，未生成任何评分表：\n  " + "\n  ".join(problems)
        )
    for rs in sets.values():
        if not rs.parts():
            raise PanelGenerationError(
                f"评价体系 {rs.framework.id}（{rs.framework.name}）没有专家评分项，无需专家评分表"
            )
    return sets


def conflicted(row: ReviewRow, declared: Iterable[str]) -> str | None:
    """The declared entry that puts this application off-limits for the expert, if any."""
    mine = {normal_key(row.key), normal_key(row.applicant)}
    for c in declared:
        if normal_key(c) in mine:
            return c
    return None


# --------------------------------------------------------------------------------------
# formulas


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _num(x: float) -> str:
    return repr(float(x))


#: What the live total says where the total is not affine in the expert scores (a total
#: kept at or above 0 after 扣分, a capped sum, a plugin's own rule): a wrong number would
#: be worse than none.
NOT_LINEAR = (
    "实时合计不可用：本申报的总分与专家评分不成线性关系（如扣分后按下限计），以系统计算为准"
)


def _entry_scale(policy: AggregationPolicy, rule: Expert | None) -> tuple[float, list]:
    """The most an expert may type and each grade's value, in the part's own units."""
    if rule is None:
        return 100.0, [(g, policy.grade_scores[g]) for g in GRADES]
    return rule.entry_scale(policy.grade_scores)


def _top(full: float) -> str:
    return str(int(full)) if float(full).is_integer() else _num(full)


def _word(name: str) -> str:
    return name.replace('"', '""')


def grade_formula(ref: str, policy: AggregationPolicy, rule: Expert | None = None) -> str:
    """The numeric score of an input cell: a number within the part's full mark as is (0-100,
    or points), a grade through its value (the set's own scale, else the policy's grade
    scores), anything else (blank, bad text, out of range) as ""."""
    full, grades = _entry_scale(policy, rule)
    text = '""'
    for g, value in reversed(grades):
        text = f'IF(TRIM({ref})="{_word(g)}",{_num(value)},{text})'
    return f'=IF(ISNUMBER({ref}),IF(AND({ref}>=0,{ref}<={_top(full)}),{ref},""),{text})'


def valid_formula(
    ref: str, rule: Expert | None = None, policy: AggregationPolicy | None = None
) -> str:
    full, grades = _entry_scale(policy or AggregationPolicy(), rule)
    words = ",".join(f'{ref}="{_word(g)}"' for g, _ in grades)
    return f"OR(AND(ISNUMBER({ref}),{ref}>=0,{ref}<={_top(full)}),{words})"


# --------------------------------------------------------------------------------------
# the workbook


@dataclass
class Excluded:
    row: ReviewRow
    declared: str


def split_conflicts(
    rows: Iterable[ReviewRow], declared: Iterable[str]
) -> tuple[list[ReviewRow], list[Excluded]]:
    """The rows an expert may review, and those left out for a declared conflict."""
    declared = list(declared)
    keep, out = [], []
    for r in rows:
        hit = conflicted(r, declared)
        if hit is None:
            keep.append(r)
        else:
            out.append(Excluded(r, hit))
    return keep, out


def build_workbook(
    rs: ReviewSet,
    panel_id: str,
    expert: PanelExpert,
    rows: list[ReviewRow] | None = None,
    excluded: list[Excluded] | None = None,
    roster: list[str] | None = None,
    *,
    round_id: str = "",
    key: bytes | None = None,
) -> Workbook:
    """One expert's workbook for the applications of one set they may review.

    ``roster`` lists every expert of the panel who gets a workbook for this set, so the
    batch can name an expert whose workbook never came back. ``key`` is the round's
    secret (:mod:`iipeval.core.panel.record`): the workbook is signed with it, and never
    holds it.
    """
    if rows is None:
        rows, excluded = split_conflicts(rs.rows, expert.conflicts)
    excluded = excluded or []
    fw = rs.framework
    cols = score_columns(rs.parts(), has_subtype=bool(fw.subtypes))
    wb = Book()
    wb.remove(wb.active)
    guide = wb.create_sheet(GUIDE)
    scores = wb.create_sheet(SCORES)
    quant = wb.create_sheet(QUANT)
    rubric = wb.create_sheet(RUBRIC)
    calc = wb.create_sheet(CALC)
    meta = wb.create_sheet(META)

    _guide_sheet(guide, rs, panel_id, expert, rows, excluded, cols)
    _scores_sheet(scores, rs, panel_id, expert, rows, cols)
    rs.shared(CALC, rows, lambda: _calc_rows(rs, rows, cols)).attach(calc)
    _quant_sheet(quant, rs, rows)
    _rubric_sheet(rubric, rs)
    _meta_sheet(
        meta, rs, panel_id, expert, rows, excluded, cols, roster or [expert.id], round_id, key
    )

    for ws in (calc, meta):
        ws.sheet_state = "hidden"
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widening a column or row stays allowed
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = wb.worksheets.index(scores) if rows else 0
    wb.calculation.fullCalcOnLoad = True
    return wb


def _cell(out: Rows, row: int, col: int, value=None, *, formula=False, **style) -> None:
    """Write and style one cell (see :func:`_style`). Every string is stored as text, even
    one that starts with "=" and whatever panel.toml or an application put in it (no
    formula injection; characters XML cannot hold are replaced visibly); only
    ``formula=True`` writes a formula, for the program's own."""
    out.put(row, col, value, cell_style(**style), formula=formula)


#: a title or a line of text on its own, not in the grid
MIDDLE = Alignment(vertical="center")
#: warnings in red: an application a 否决项 rules out, data with errors
RED = Font(name=FONT_NAME, color="C00000")
RED_NOTE = Font(name=FONT_NAME, size=10, color="C00000")


def _heading(out: Rows, last: str, title: str, note: str, width: float) -> None:
    """A sheet's title (row 1) and its explanatory note (row 2), across columns A..last."""
    out.merge(f"A1:{last}1")
    _cell(out, 1, 1, title, font=TITLE, align=MIDDLE, border=False)
    out.height(1, 26)
    out.merge(f"A2:{last}2")
    _cell(out, 2, 1, note, font=NOTE, align=WRAP, border=False)
    out.height(2, row_height([(note, width, 10)]))


def _print(
    ws: Worksheet, *, wide: int = 1, title_rows: str | None = None, title_cols: str | None = None
):
    print_a4(ws, wide=wide, title_rows=title_rows, title_cols=title_cols, header_footer=0.25)


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w


def _grade_help(policy: AggregationPolicy) -> str:
    return "；".join(
        f"{g}（{lo}-{hi}分，按{fmt(policy.grade_scores[g])}分计）"
        for g, (lo, hi) in GRADE_RANGES.items()
    )


def _prompt(rule: Expert | None, policy: AggregationPolicy) -> str:
    if rule is None or (rule.grades is None and rule.out_of is None):
        return "填0-100的分数，或等级：" + "、".join(
            f"{g}{lo}-{hi}" for g, (lo, hi) in GRADE_RANGES.items()
        )
    return rule.scale_text(policy.grade_scores)


def _labelled_parts(fw) -> list[tuple[str, str, Expert]]:
    """Every expert part with the name a reviewer knows it by (指标·评分项)."""
    return [(pid, f"{ind.name}·{r.label}", r) for pid, ind, r in fw.expert_parts()]


def _method(policy: AggregationPolicy) -> str:
    from iipeval.core.scoring.aggregation import rule_text

    return rule_text(policy)


# 说明 --------------------------------------------------------------------------------------


def _guide_sheet(
    ws, rs: ReviewSet, panel_id, expert: PanelExpert, rows, excluded, cols: ScoreColumns
):
    fw = rs.framework
    n = len(cols.parts)
    out = Rows()
    _widths(ws, {1: 18, 2: 96})
    out.merge("A1:B1")
    _cell(
        out,
        1,
        1,
        f"{meeting.form_title(expert)}：{fw.name}",
        font=TITLE,
        align=CENTER,
        border=False,
    )
    out.height(1, 28)
    facts = [
        ("评价体系", f"{fw.name}（版本 {fw.version}）"),
        ("依据文件", f"{fw.source.issuer}《{fw.source.document}》{fw.source.attachment}"),
        ("评审组", panel_id),
        meeting.who(expert),
        ("本表申报数", f"{len(rows)}份；每份有{n}个专家评分项"),
    ]
    if excluded:
        names = "、".join(e.row.applicant for e in excluded)
        facts.append(("回避", f"按您申报的回避关系，以下{len(excluded)}份申报未列入本表：{names}"))
    how = (
        "填写0-100的分数（可带小数），或填写一个等级："
        + _grade_help(rs.policy)
        + "。等级按括号中的分数计入总分。"
    )
    if any(r.grades or r.out_of for _, _, r in fw.expert_parts()):  # the set's own scales
        how = (
            "按该项的分值或等级评分："
            + "；".join(f"{label}{_prompt(r, rs.policy)}" for _, label, r in _labelled_parts(fw))
            + "。"
        )
    steps = [
        (
            "如何评分",
            f"在“{SCORES}”表中，每个申报单位占一行。对每个评分项在黄色“评分”格中{how}",
        ),
        ("评分依据", f"各评分项的评价要点和各等级的评价标准见“{RUBRIC}”表。"),
        ("空白", "留空表示尚未评分，不按0分计；如需给0分，请填写数字0。评语格可选填。"),
        (
            "定量得分",
            f"“定量部分得分”由系统按申报数据和计分规则计算，只读，专家无需填写；每项指标的得分及计算说明见“{QUANT}”表。"
            "它是总分中不取决于专家评分的全部分数，包括综合指标中的定量部分，"
            "因此高于组织方结果中的“已确定”分：后者只计已全部确定的指标，综合指标在专家评分前整项计为待定。",
        ),
        (
            "总分",
            "“总分（实时）”随您的填写自动计算：总分 = 定量部分得分 + Σ（专家评分 × 该评分项折算系数），折算系数见"
            f"“{QUANT}”表。全部{n}个评分项都填写后才显示分数，否则显示“{INCOMPLETE}（已评x/{n}项）”；"
            f"有不合规的填写时显示“{INVALID}”，相应格标红。",
        ),
        (
            "参考性质",
            "该总分只按您一人的评分计算，仅供参考。最终得分由评审组全部专家的评分汇总："
            + _method(rs.policy)
            + "。",
        ),
        ("权重说明", fw.weights_note),
        (
            "保护",
            "本表已设保护，只有黄色格可以填写；可以调整列宽和行高。请勿插入、删除或移动行列，勿改动工作表名称。",
        ),
        (
            "交回",
            "填写完毕保存后，按原文件名交回组织方（.xlsx 格式）。程序读取黄色格中的评分和评语，不读取总分。",
        ),
    ]
    if rs.parameters_file:
        facts.append(("参数文件", rs.parameters_file))
    facts.append(("参数哈希", voice.params_hash(rs.parameters_hash, voice.HASH_ON_FORM)))
    r = 3
    for label, text in [*facts, ("", ""), *meeting.steps(expert, steps)]:
        if not label:
            r += 1
            continue
        _cell(out, r, 1, label, font=BOLD, fill=HEADER_FILL, align=CENTER)
        _cell(out, r, 2, text)
        out.height(r, row_height([(text, 96)]))
        r += 1
    out.attach(ws)
    _print(ws)


# 评分 ---------------------------------------------------------------------------------------


def _scores_sheet(ws, rs: ReviewSet, panel_id, expert: PanelExpert, rows, cols: ScoreColumns):
    fw = rs.framework
    n = len(cols.parts)
    calc = CalcColumns(n)
    out = Rows()
    last = get_column_letter(cols.last)
    widths = {cols.number: 5, cols.applicant: 20, cols.key: 20, cols.quant: 10, cols.total: 14}
    if cols.subtype:
        widths[cols.subtype] = 8
    for p in cols.parts:
        widths[p.score_col] = 9
        widths[p.comment_col] = 16
    _widths(ws, widths)

    # title and note span the columns that stay frozen on screen and repeat on paper
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
    for p in cols.parts:
        out.merge(f"{p.score_letter}{HEADER_ROW}:{p.comment_letter}{HEADER_ROW}")
        _cell(out, HEADER_ROW, p.score_col, p.label, font=BOLD, fill=HEADER_FILL, align=CENTER)
        _cell(out, HEADER_ROW, p.comment_col, None, fill=HEADER_FILL)
        _cell(out, SUBHEADER_ROW, p.score_col, "评分", font=BOLD, fill=HEADER_FILL, align=CENTER)
        _cell(
            out,
            SUBHEADER_ROW,
            p.comment_col,
            "评语（选填）",
            font=BOLD,
            fill=HEADER_FILL,
            align=CENTER,
        )
        heights.append((p.label, widths[p.score_col] + widths[p.comment_col]))
    heights += [
        ("统一社会信用代码／申报编号", widths[cols.key]),
        ("总分（实时）", widths[cols.total]),
    ]
    out.height(HEADER_ROW, max(row_height(heights), 30))
    out.height(SUBHEADER_ROW, 18)

    q = _q(CALC)
    for k, row in enumerate(rows):
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
        coefs = f"{q}!{_L(calc.coef(0))}{r}:{_L(calc.coef(n - 1))}{r}"
        nums = f"{q}!{_L(calc.num(0))}{r}:{_L(calc.num(n - 1))}{r}"
        valid = f"{q}!{_L(calc.valid_count)}{r}"
        filled = f"{q}!{_L(calc.filled_count)}{r}"
        total = (
            f"=IF({valid}={n},{q}!{_L(calc.constant)}{r}+SUMPRODUCT({coefs},{nums}),"
            f'IF({filled}>{valid},"{INVALID}（已评"&{valid}&"/{n}项）",'
            f'"{INCOMPLETE}（已评"&{valid}&"/{n}项）"))'
        )
        if not row.linear.linear:
            total = NOT_LINEAR
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

    if rows:
        end = FIRST_ROW + len(rows) - 1
        rules = {pid: rule for pid, _, rule in fw.expert_parts()}
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
            ws.conditional_formatting.add(
                f"{L}{FIRST_ROW}:{L}{end}",
                FormulaRule(
                    formula=[bad],
                    fill=PatternFill("solid", fgColor="FFC7CE"),
                    font=Font(color="9C0006"),
                ),
            )
        T = get_column_letter(cols.total)
        ws.conditional_formatting.add(
            f"{T}{FIRST_ROW}:{T}{end}",
            FormulaRule(
                formula=[f"ISNUMBER({T}{FIRST_ROW})"],
                fill=PatternFill("solid", fgColor="E2EFDA"),
                font=Font(bold=True, color="375623"),
            ),
        )
        ws.conditional_formatting.add(
            f"{T}{FIRST_ROW}:{T}{end}",
            FormulaRule(
                formula=[f"NOT(ISNUMBER({T}{FIRST_ROW}))"],
                fill=PatternFill("solid", fgColor="FCE4D6"),
                font=Font(color="843C0C"),
            ),
        )
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


def _L(col: int) -> str:
    return get_column_letter(col)


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


def _quant_rows(rs: ReviewSet, rows: list[ReviewRow]) -> Rows:
    """One block per application: its quantitative indicators with their explanations,
    and how each expert part counts towards the total."""
    fw = rs.framework
    widths = {k + 1: w for k, (_, w) in enumerate(QUANT_COLS)}
    last = get_column_letter(len(QUANT_COLS))
    out = Rows()
    _heading(
        out,
        last,
        "定量得分明细（系统按申报数据计算，只读）",
        "“计入总分”为该指标定量部分计入总分的分数；综合指标另有专家评分部分，按下方各专家评分项的折算系数计入。"
        "各指标“分值”为按建议权重折算的满分。" + fw.weights_note,
        sum(widths.values()),
    )
    dims = {d.id: d.name for d in fw.dimensions}
    parts = {pid: (label, ind) for pid, label, ind in rs.parts()}
    r = 4
    for k, row in enumerate(rows):
        out.merge(f"A{r}:{last}{r}")
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
            out.merge(f"A{r}:{last}{r}")
            text = "注意：" + "；".join(notes)
            _cell(out, r, 1, text, font=RED_NOTE)
            out.height(r, row_height([(text, sum(widths.values()), 10)]))
            r += 1
        for c, (name, _) in enumerate(QUANT_COLS, start=1):
            _cell(out, r, c, name, font=BOLD, fill=HEADER_FILL, align=CENTER)
        out.height(r, row_height(list(QUANT_COLS)))  # every header whole, none overflowing
        r += 1
        for ind in row.pending.indicators:
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
                _cell(
                    out,
                    r,
                    c,
                    v,
                    align=RIGHT if num else (CENTER if c in (3, 5, 6) else WRAP),
                    fmt_=POINTS if num else None,
                )
            out.height(
                r,
                row_height(
                    [
                        (str(v), widths[c])
                        for c, v in enumerate(values, start=1)
                        if isinstance(v, str)
                    ]
                ),
            )
            r += 1
        for a in row.pending.adjustments:  # 加分项 and 扣分项 count in the data's part too
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
            out.height(r, row_height([(a.explanation, widths[7])]))
            r += 1
        out.merge(f"A{r}:E{r}")
        _cell(out, r, 1, "定量部分合计", font=BOLD, align=RIGHT)
        _cell(out, r, 6, row.linear.constant, font=BOLD, align=RIGHT, fmt_=POINTS)
        _cell(out, r, 7, "即各专家评分项均为0分时的总分")
        r += 1
        out.merge(f"A{r}:C{r}")
        out.merge(f"E{r}:F{r}")
        heads = {
            1: "专家评分项（您的评分×折算系数计入总分）",
            4: "满分折合",
            5: "折算系数",
            7: "示例",
        }
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
        r += 1
    return out


# 评分细则 -----------------------------------------------------------------------------------


def _rubric_sheet(ws, rs: ReviewSet):
    fw = rs.framework
    heads = [("序号", 5), ("指标", 14), ("评分项", 14), ("评价内容（原文）", 30), ("评价要点", 24)]
    heads += [
        (f"{g}（{lo}-{hi}分）\n填等级按{fmt(rs.policy.grade_scores[g])}分计", 26)
        for g, (lo, hi) in GRADE_RANGES.items()
    ]
    widths = {k + 1: w for k, (_, w) in enumerate(heads)}
    _widths(ws, widths)
    last = get_column_letter(len(heads))
    out = Rows()
    _heading(
        out,
        last,
        f"评分细则：{fw.name}",
        "评价内容为原文；各等级的评价标准为 iipeval 提出的建议，供评分时参考。",
        sum(widths.values()),
    )
    for c, (name, _) in enumerate(heads, start=1):
        _cell(out, 3, c, name, font=BOLD, fill=HEADER_FILL, align=CENTER)
    out.height(3, row_height([(name, w) for name, w in heads]))
    r = 4
    for k, (_pid, ind, rule) in enumerate(fw.expert_parts()):
        values = [k + 1, ind.name, rule.label, ind.description, rule.aspect]
        if rule.rubric is not None and rule.out_of is None:
            values += [text for _, _, text in rule.rubric.bands()]
        else:  # the set's own scale (or points): name, range and text in each column
            values += [
                f"{name}（{fmt(lo)}-{fmt(hi)}分）：{text}" for name, lo, hi, text in rule.scale()
            ]
        # the prose columns' lines broken here, by the rules of Chinese typesetting
        # (measure.broken): a spreadsheet's own wrap starts lines with “，” and “、”
        values = [v if c < 3 else broken(str(v), widths[c + 1]) for c, v in enumerate(values)]
        for c, v in enumerate(values, start=1):
            _cell(out, r, c, v, align=CENTER if c == 1 else WRAP_TOP)
        out.height(r, row_height([(str(v), widths[c]) for c, v in enumerate(values, start=1)]))
        r += 1
    out.attach(ws)
    ws.freeze_panes = "C4"
    _print(ws, title_rows="3:3")


# _meta --------------------------------------------------------------------------------------


def fingerprint(parts: list[list], rows: list[list]) -> str:
    canon = json.dumps({"parts": parts, "rows": rows}, ensure_ascii=False, sort_keys=True)
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


#: a _meta cell holding text: applicants' names among them, so text, never a formula
META_TEXT: Style = (None, None, None, None, "@", None)


def _meta_sheet(
    ws,
    rs: ReviewSet,
    panel_id,
    expert: PanelExpert,
    rows,
    excluded,
    cols: ScoreColumns,
    roster: list[str],
    round_id: str = "",
    key: bytes | None = None,
):
    fw = rs.framework
    scales = {pid: _entry_scale(rs.policy, rule) for pid, _, rule in fw.expert_parts()}
    part_rows = [
        [
            p.part,
            p.label,
            p.indicator,
            p.score_col,
            p.comment_col,
            scales[p.part][0],
            json.dumps([g for g, _ in scales[p.part][1]], ensure_ascii=False),
        ]
        for p in cols.parts
    ]
    app_rows = [
        [
            FIRST_ROW + k,
            r.key,
            r.applicant,
            r.application.subtype or "",
            r.source,
            r.parameters_hash,
            r.sha256,
        ]
        for k, r in enumerate(rows)
    ]
    fp = fingerprint([p[:1] + p[3:5] for p in part_rows], [a[:2] for a in app_rows])
    claims = form_claims(
        format=FORMAT,
        version=WORKBOOK_VERSION,
        round_id=round_id,
        panel=panel_id,
        expert=expert.id,
        framework=fw.id,
        parameters_hash=rs.parameters_hash,
        layout={
            "sheet": SCORES,
            "header_row": HEADER_ROW,
            "key_col": cols.key,
            "applicant_col": cols.applicant,
        },
        # the scale is signed too: an expert who widens 满分 in _meta breaks the signature
        parts=[[p[0], p[1], p[3], p[4], float(p[5]), json.loads(p[6])] for p in part_rows],
        # and the name the expert reads on each row, as the cell holds it
        rows=[[a[0], a[1], cell_text(cell_safe(a[2])), a[6]] for a in app_rows],
    )
    declared = list(expert.conflicts)
    conflicts = [[e.declared, e.row.key, e.row.applicant] for e in excluded]
    for c in declared:
        if not any(c == e.declared for e in excluded):
            conflicts.append([c, "", ""])
    facts = [
        ("format", FORMAT),
        ("workbook_version", WORKBOOK_VERSION),
        ("tool_version", __version__),
        ("round", round_id),
        ("panel", panel_id),
        ("expert", expert.id),
        ("expert_name", expert.name),
        ("panel_experts", json.dumps(roster, ensure_ascii=False)),
        ("framework", fw.id),
        ("framework_name", fw.name),
        ("framework_version", fw.version),
        ("parameters_hash", rs.parameters_hash),
        ("parameters_file", rs.parameters_file or ""),
        ("grade_scores", json.dumps(rs.policy.grade_scores, ensure_ascii=False)),
        ("scores_sheet", SCORES),
        ("header_row", HEADER_ROW),
        ("first_row", FIRST_ROW),
        ("key_col", cols.key),
        ("applicant_col", cols.applicant),
        ("total_col", cols.total),
        ("fingerprint", fp),
        ("signature", sign(key, claims) if key else ""),
    ]
    lines = [
        ["iipeval 专家评分表元数据：供程序核对，请勿修改"],
        *([k, v] for k, v in facts),
        [],
        ["[parts]", "评分项", "名称", "指标", "评分列", "评语列", "满分", "等级"],
        *(["", *p] for p in part_rows),
        [],
        ["[rows]", "行号", "申报键", "申报单位", "子类型", "来源文件", "参数哈希", "申报指纹"],
        *(["", *a] for a in app_rows),
        [],
        ["[conflicts]", "声明的回避对象", "对应申报键", "申报单位"],
        *(["", *c] for c in conflicts),
    ]
    out = Rows()
    for r, values in enumerate(lines, start=1):
        for c, v in enumerate(values, start=1):
            out.put(r, c, v, META_TEXT if isinstance(v, str) else None)
    out.attach(ws)
    _widths(ws, {1: 18, 2: 30, 3: 30, 4: 30, 5: 12, 6: 12, 7: 30})


# --------------------------------------------------------------------------------------
# a panel: one workbook per expert (per criteria set)


@dataclass
class Written:
    path: Path
    expert: PanelExpert
    framework: str
    rows: int
    excluded: list[Excluded]


@dataclass
class PanelPlan:
    """What :func:`plan_panel` decided: the files to write and what to tell the user."""

    outputs: list[tuple[Path, ReviewSet, PanelExpert, list[ReviewRow], list[Excluded]]]
    notes: list[str] = field(default_factory=list)


def plan_panel(
    sets: dict[str, ReviewSet], panel: Panel, outdir: Path, framework_filter: str | None = None
) -> PanelPlan:
    """Decide which workbooks to write. Several criteria sets give one workbook per expert
    per set (their parts differ, so they cannot share columns); the set id then joins the
    file name."""
    notes: list[str] = []
    wanted = framework_filter or panel.framework
    if wanted:
        skipped = {k: v for k, v in sets.items() if k != wanted}
        for fw_id, rs in skipped.items():
            notes.append(
                f"评审组只评 {wanted}，跳过 {len(rs.rows)} 份 {fw_id} 申报："
                + "、".join(r.source for r in rs.rows)
            )
        sets = {k: v for k, v in sets.items() if k == wanted}
        if not sets:
            raise PanelGenerationError(f"没有评价体系为 {wanted} 的申报，未生成评分表")
    several = len(sets) > 1
    outputs = []
    all_rows = [r for rs in sets.values() for r in rs.rows]
    for expert in panel.experts:
        for c in expert.conflicts:
            if not any(conflicted(r, [c]) for r in all_rows):
                notes.append(f"专家 {expert.id} 声明的回避对象“{c}”不在本批申报中")
        for fw_id, rs in sorted(sets.items()):
            rows, excluded = split_conflicts(rs.rows, expert.conflicts)
            if not rows:
                notes.append(
                    f"专家 {expert.id} 与全部 {fw_id} 申报均需回避，未生成该专家的 {fw_id} 评分表"
                )
                continue
            path = outdir / file_name(panel.id, expert.id, fw_id if several else None)
            outputs.append((path, rs, expert, rows, excluded))
    return PanelPlan(outputs, notes)


def save_atomic(wb: Workbook, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename over it in one step."""
    write_atomic(path, wb.save, force=True)


def generate_panel(
    ev: Evaluator,
    loaded: Iterable[Loaded],
    panel: Panel,
    outdir: str | Path,
    *,
    framework: str | None = None,
    force: bool = False,
    issued_suffix: str = ".xlsx",
    forms: str = "xlsx",
    jobs: int = 1,
    staged: bool = False,
    meeting: bool = False,
) -> tuple[list[Written], list[str], PanelRecord]:
    """Write one signed workbook per expert into ``outdir``; return what was written, notes,
    and the round's record (with its new key), which the caller keeps for the organiser.

    ``framework`` scores every application against that set (as ``iipeval score`` does);
    the panel file's own ``framework`` keeps only applications of that set.
    ``issued_suffix`` is the suffix the forms will finally carry (``.xlsm`` when converted);
    ``forms="json"`` issues signed JSON forms (:mod:`iipeval.core.panel.forms`) instead.
    ``jobs`` > 1 builds the workbooks in that many processes (the same bytes either way).
    ``staged``: ``outdir`` is a scratch folder whose files the caller commits as a set
    (``iipeval panel``'s output set), so each workbook is saved as is, not synced to disk
    and renamed into place on its own. ``meeting``: a 会议评审, one summary form per set for
    the panel's agreed figures (:mod:`.meeting`) instead of a form per expert.
    """
    outdir = Path(outdir)
    sets = prepare(ev, loaded, framework, jobs)
    if not sets:
        raise PanelGenerationError("没有可用的申报")
    issuing = panel.model_copy(update={"experts": [summary_expert()]}) if meeting else panel
    plan = plan_panel(sets, issuing, outdir, panel.framework)
    if forms == "json":
        plan.outputs = [(p.with_suffix(".json"), *rest) for p, *rest in plan.outputs]
        issued_suffix = ".json"
    if not force:
        existing = [str(p) for p, *_ in plan.outputs if p.exists()]
        if existing:
            raise OutputExists(f"评分表已存在：{'、'.join(existing)}；如需覆盖，请加 --force")
    outdir.mkdir(parents=True, exist_ok=True)
    round_id = panel.round or f"R{secrets.token_hex(4)}"
    key = new_key()
    written = []
    rosters: dict[str, list[str]] = {}
    for _, rs, expert, *_ in plan.outputs:
        rosters.setdefault(rs.framework.id, []).append(expert.id)
    issued: dict[str, list[IssuedForm]] = {}
    workbooks: list[tuple] = []
    for path, rs, expert, rows, excluded in plan.outputs:
        if forms == "json":
            form = issue_form(
                key=bytes.fromhex(key),
                round_id=round_id,
                panel=panel.id,
                expert=expert.id,
                expert_name=expert.name,
                framework=rs.framework.id,
                parameters_hash=rs.parameters_hash,
                parts=[(pid, label) for pid, label, _ in rs.parts()],
                applications=[_assignment(r) for r in rows],
                scales=part_scales(rs.framework, rs.policy.grade_scores),
            )
            text = json.dumps(form, ensure_ascii=False, indent=2) + "\n"
            write_atomic(path, lambda p, t=text: p.write_text(t, "utf-8"), force=True)
        else:
            roster = rosters[rs.framework.id]
            workbooks.append((path, rs, panel.id, expert, rows, excluded, roster, round_id, key))
        written.append(Written(path, expert, rs.framework.id, len(rows), excluded))
        issued.setdefault(expert.id, []).append(
            IssuedForm(
                framework=rs.framework.id,
                file=path.with_suffix(issued_suffix).name,
                applications=[_assignment(r) for r in rows],
                recused=[_assignment(e.row) for e in excluded],
            )
        )
    _in_processes(_write_workbook, (staged, workbooks), jobs)
    record = PanelRecord(
        round=round_id,
        panel=panel.id,
        key=key,
        tool_version=__version__,
        experts=[
            RecordExpert(
                id=e.id, name=e.name, conflicts=list(e.conflicts), forms=issued.get(e.id, [])
            )
            for e in [*panel.experts, *(issuing.experts if meeting else [])]
        ],
    )
    notes = list(plan.notes)
    for rs in sets.values():
        for r in rs.rows:
            if r.errors:
                notes.append(
                    f"{r.source}：申报数据有{r.errors}处错误待补正，评分表中的定量得分按现有数据计算"
                )
    return written, notes, record


#: the work shared out by :func:`_in_processes`; forked workers inherit it
_SHARED: tuple = ()


def _in_processes(task, shared: tuple, jobs: int) -> list:
    """``[task(k) for k in range(len(shared[1]))]``, the k-th item of ``shared[1]`` each.
    With ``jobs`` > 1 forked processes take their share (nothing is pickled on the way in
    but an index); a failure in one is raised here as it would be in-process."""
    global _SHARED
    _SHARED = shared
    n = len(shared[1])
    try:
        if jobs <= 1 or n <= 1 or "fork" not in mp.get_all_start_methods():
            return [task(k) for k in range(n)]
        with ProcessPoolExecutor(min(jobs, n), mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(task, range(n), chunksize=max(1, n // (4 * jobs))))
    finally:
        _SHARED = ()


def _row(k: int) -> ReviewRow | str:
    """The k-th application's row, or why it cannot have one."""
    ev, items, framework = _SHARED
    try:
        return prepare_row(ev, items[k], framework)
    except PanelGenerationError as exc:
        return str(exc)


def _write_workbook(k: int) -> None:
    """Build and save the k-th expert workbook (each is independent of the others)."""
    path, rs, panel_id, expert, rows, excluded, roster, round_id, key = _SHARED[1][k]
    wb = build_workbook(
        rs, panel_id, expert, rows, excluded, roster, round_id=round_id, key=bytes.fromhex(key)
    )
    if _SHARED[0]:  # staged: the caller's output set makes it durable
        wb.save(path)
    else:
        save_atomic(wb, path)


def _assignment(row: ReviewRow) -> Assignment:
    return Assignment(key=row.key, applicant=row.applicant, application_sha256=row.sha256)


__all__ = [
    "OutputExists",
    "PanelGenerationError",
    "ReviewRow",
    "ReviewSet",
    "build_workbook",
    "generate_panel",
    "grade_formula",
    "plan_panel",
    "prepare",
    "prepare_row",
    "save_atomic",
    "valid_formula",
]
