"""Recommendation outcomes: 拟推荐 / 候补 / 不予推荐 (or 待定), each with its reason.

These four words are the one vocabulary of an outcome: the terminal, the JSON and CSV,
the 排名 sheets and score cards, the 推荐信息汇总表 and the 公示名单 all say them and no
other (the reason says why: 需补正, 否决项, 待专家评分, the quota line).

The organiser's 推荐名额 are data (``[ranking]`` in the parameters): one quota per set, or
per sub-type (``quotas = { industry = 1, regional = 2 }``), a number of 候补 after the quota,
a minimum total, and the order in which equal totals are compared (``tie_break``:
``total`` first, then dimension or indicator ids, ``expert_total`` for the sum of the
panel's aggregated scores over the expert parts). Ranking itself (:mod:`.ranking`) orders and ranks; this module resolves
the policy for one (set, sub-type) and turns each ranked entry into the outcome that goes
on the 推荐信息汇总表 and the 公示名单.

An application never gets 拟推荐 by file order: a tie across the quota line that the
stated order cannot break is 待定 for the organiser to settle.
"""

from __future__ import annotations

import dataclasses

from iipeval.core.model.criteria import Framework
from iipeval.core.round.ranking import EPS, RankEntry
from iipeval.core.scoring.params import EXPERT_TOTAL, TOTAL, RankingPolicy

RECOMMEND, RESERVE, DECLINE, PENDING = "拟推荐", "候补", "不予推荐", "待定"
OUTCOMES = (RECOMMEND, RESERVE, DECLINE, PENDING)
TIE_LABELS = {TOTAL: "总分", EXPERT_TOTAL: "专家评分合计（各专家评分项的汇总分之和）"}


def tie_keys(framework: Framework, policy: RankingPolicy) -> list[str]:
    """What equal totals are compared on, in order (after the total itself).

    ``expert_total`` is in each standing's points (:meth:`Standing.of`): the sum of the
    panel's aggregated scores over every expert part.
    """
    if policy.tie_break is None:
        return list(framework.tie_break)
    return [t for t in policy.tie_break if t != TOTAL]


def decide(entries: list[RankEntry], policy: RankingPolicy) -> list[RankEntry]:
    """Each entry with its outcome and the reason, in the same order."""
    quota, reserve = policy.quota, policy.reserve

    def above_min(e: RankEntry) -> bool:
        return policy.min_total is None or (e.total or 0) >= policy.min_total - EPS

    ranked = [e for e in entries if e.rank is not None and above_min(e)]
    inside = [e for e in ranked if quota is None or e.rank <= quota]
    line_tied = quota is not None and len(inside) > quota
    boundary = max((e.rank for e in inside), default=None)
    reserves = 0
    out = []
    for e in entries:
        if not e.accepted:
            outcome, reason = DECLINE, "未通过符合性审查（存在错误，需补正）"
        elif e.excluded:
            outcome, reason = DECLINE, e.standing_reason or "触及否决项"
        elif e.rank is None:
            outcome, reason = PENDING, e.standing_reason or "定性指标尚无评分，暂不排名"
        elif not above_min(e):
            outcome, reason = DECLINE, f"总分低于推荐最低分{policy.min_total:g}分"
        elif quota is None:
            outcome, reason = RECOMMEND, f"第{e.rank}名（未设推荐名额）"
        elif e.rank <= quota and not (line_tied and e.rank == boundary):
            outcome, reason = RECOMMEND, f"第{e.rank}名，在推荐名额（{quota}个）内"
        elif e.rank <= quota:
            outcome = PENDING
            reason = f"与他人在推荐名额（{quota}个）边界同分，按比较顺序仍无法区分，需组织方裁定"
        elif reserves < reserve:
            reserves += 1
            outcome, reason = (
                RESERVE,
                f"第{e.rank}名，超出推荐名额（{quota}个），列第{reserves}候补",
            )
        else:
            outcome, reason = DECLINE, f"第{e.rank}名，超出推荐名额（{quota}个）"
        out.append(dataclasses.replace(e, outcome=outcome, outcome_reason=reason))
    return out
