"""The panel's agreed figure (会议评审): one score per part, the panel's, not a mean.

In a 会议评审 the panel meets, discusses each applicant, and its secretary records one
agreed figure per part on the panel's summary form (评审组会议评审汇总表), which the
panel's record issues and signs like an expert's form. Its scores are the panel's scores
as they stand: never averaged, never trimmed, never flagged for a spread a single figure
cannot have. Individual experts' scores for the same application beside it are set aside
and said so, since one application cannot be scored two ways.
"""

from __future__ import annotations

from collections.abc import Iterable

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import SUMMARY_ID, ExpertReview
from iipeval.core.rules import Expert, PanelScore
from iipeval.core.scoring.params import AggregationPolicy

#: how a part scored by the panel's agreed figure is combined (PanelScore.method)
CONSENSUS = "consensus"


def split(reviews: Iterable[ExpertReview]) -> tuple[ExpertReview | None, list[ExpertReview]]:
    """The panel's summary review (if any) and the individual experts' reviews."""
    summary, experts = None, []
    for r in reviews:
        if r.expert == SUMMARY_ID and summary is None:
            summary = r
        else:
            experts.append(r)
    return summary, experts


def agreed_scores(
    parts: list[tuple[str, str, Expert]],
    summary: ExpertReview,
    others: list[ExpertReview],
    policy: AggregationPolicy,
    findings: list[Finding],
) -> dict[str, PanelScore]:
    """Each part's agreed figure as the panel's score; an entry the part's scale does not
    allow is a warning and leaves the part unscored, as an expert's would."""
    if others:
        names = "、".join(sorted({r.expert for r in others}))
        findings.append(
            Finding(
                severity=Severity.warning,
                code="consensus_and_experts",
                message=f"该申报已有评审组会议评审汇总表（合议评分），专家{names}的个人评分未计入",
            )
        )
    out: dict[str, PanelScore] = {}
    for pid, label, rule in parts:
        value = summary.scores.get(pid)
        if value is None:
            continue
        try:
            score = rule.entry(value, policy.grade_scores)
        except (ValueError, KeyError) as exc:
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="bad_expert_score",
                    indicator=pid.split(".")[0],
                    message=f"{label}：评审组合议评分无效（{exc}），未计入；请核对会议评审汇总表",
                )
            )
            continue
        out[pid] = PanelScore(
            part=pid,
            score=score,
            method=CONSENSUS,
            experts=((SUMMARY_ID, score),),
            kept=(SUMMARY_ID,),
            spread=0.0,
            disagreement=False,
        )
    return out
