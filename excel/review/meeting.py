"""How a 会议评审 summary form (评审组会议评审汇总表) reads where an expert's form would.

The summary is issued, signed, read back and admitted exactly like an expert's form (its
"expert" is the panel itself, :data:`~iipeval.core.model.application.SUMMARY_ID`); only
what a person reads differs: who fills it in (the panel's secretary, from the agreed
figures), that each cell is the panel's one figure and not one voice among others, and
the lines the panel's chair and secretary sign on paper.
"""

from __future__ import annotations

from iipeval.core.model.application import SUMMARY_ID
from iipeval.core.panel.roster import PanelExpert

TITLE = "评审组会议评审汇总表"
SIGNATURES = "评审组组长（签字）：__________　　秘书（记录）：__________　　日期：____年__月__日"


def is_summary(expert: PanelExpert) -> bool:
    return expert.id == SUMMARY_ID


def form_title(expert: PanelExpert) -> str:
    """``专家评分表``, or the summary's title."""
    return TITLE if is_summary(expert) else "专家评分表"


def who(expert: PanelExpert) -> tuple[str, str]:
    """The 专家 line of the guide: who fills the form in."""
    if is_summary(expert):
        return ("填写人", "评审组秘书，按评审组会议合议确定的分数填写")
    return ("专家", f"{expert.id}　{expert.name}".strip())


def steps(expert: PanelExpert, steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The guide's steps; for the summary, what an agreed figure is and who signs."""
    if not is_summary(expert):
        return steps
    meeting = [
        (
            "会议评审",
            "本表记录评审组会议合议确定的分数：评审组逐一讨论每个申报单位，对每个评分项形成一个"
            "一致意见，由秘书填入黄色“评分”格。不填写各位专家的个人评分；本表的分数即评审组的评分，"
            "不再取平均。",
        ),
        (
            "签字",
            "填写完毕后打印“评分”表，由评审组组长核对后在表末签字，秘书签字记录；"
            "纸质表与电子文件一并交回组织方。",
        ),
    ]
    kept = [
        (label, text.replace("只按您一人的评分计算，仅供参考", "按本表的合议分计算"))
        for label, text in steps
        if label != "参考性质"
    ]
    return meeting + kept


def scores_title(expert: PanelExpert, framework_name: str, panel_id: str) -> str:
    if is_summary(expert):
        return f"{TITLE}　{framework_name}\n评审组：{panel_id}　（秘书按合议结果填写）"
    return f"专家评分表　{framework_name}\n评审组：{panel_id}　专家：{f'{expert.id} {expert.name}'.strip()}"


def scores_note(expert: PanelExpert, note: str) -> str:
    """The scores sheet's note: on the summary, each cell is the panel's one figure."""
    if not is_summary(expert):
        return note
    return note.replace(
        "总分仅按本人评分计算，供参考。",
        "每格填评审组合议确定的一个分数，总分按合议分计算；打印后由评审组组长和秘书在表末签字。",
    )


def signature_line(expert: PanelExpert) -> str:
    """Who signs the printed scores sheet: the expert, or the panel's chair and secretary."""
    if is_summary(expert):
        return SIGNATURES
    return "专家签名：____________________　　　日期：______年____月____日"
