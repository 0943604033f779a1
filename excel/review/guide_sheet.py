"""The 说明 sheet (who, what, how to score) and the 评分细则 sheet (the rubric) of an expert
workbook."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from iipeval.core import voice
from iipeval.core.panel.roster import PanelExpert
from iipeval.core.rules import GRADE_RANGES
from iipeval.core.text import fmt
from iipeval.excel.cells.measure import broken, row_height
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.cells.styles import (
    BOLD,
    CENTER,
    HEADER_FILL,
    TITLE,
    WRAP_TOP,
)
from iipeval.excel.review import meeting
from iipeval.excel.review.common import (
    _cell,
    _grade_help,
    _heading,
    _labelled_parts,
    _method,
    _print,
    _prompt,
    _widths,
)
from iipeval.excel.review.layout import (
    INCOMPLETE,
    INVALID,
    QUANT,
    RUBRIC,
    SCORES,
    ScoreColumns,
)
from iipeval.excel.review.rows import ReviewSet

# 说明 --------------------------------------------------------------------------------------


def _guide_sheet(
    ws, rs: ReviewSet, panel_id, expert: PanelExpert, rows, excluded, cols: ScoreColumns
):
    """Who the form is for and what it holds, then how to score, in plain words."""
    fw = rs.framework
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
    facts = _facts(rs, panel_id, expert, rows, excluded, len(cols.parts))
    steps = _steps(rs, len(cols.parts))
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


def _facts(rs: ReviewSet, panel_id, expert: PanelExpert, rows, excluded, n: int) -> list:
    fw = rs.framework
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
    if rs.parameters_file:
        facts.append(("参数文件", rs.parameters_file))
    facts.append(("参数哈希", voice.params_hash(rs.parameters_hash, voice.HASH_ON_FORM)))
    return facts


def _steps(rs: ReviewSet, n: int) -> list:
    """How to score: the scale (0-100 and grades, or the set's own), blanks, the live
    total and what it is worth, the protection, how to hand the form back."""
    fw = rs.framework
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
    return steps


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
