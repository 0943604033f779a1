"""Combine the expert panel's scores for each qualitative part.

Policy (see :class:`iipeval.core.scoring.params.AggregationPolicy`): plain mean for small panels,
trimmed mean (drop one highest and one lowest) from ``trim_min_experts`` experts on.
Reviews are taken in expert-id order so the outcome never depends on file order.
"""

from __future__ import annotations

from collections.abc import Iterable

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import ExpertReview
from iipeval.core.rules import Expert, PanelScore
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.core.text import fmt


def to_score(value: float | str, policy: AggregationPolicy, rule: Expert | None = None) -> float:
    """A 0-100 score from an expert's entry: a number on the part's full mark, or a grade
    (the set's own scale when the part has one, else the policy's grade scores)."""
    if rule is not None:
        return rule.entry(value, policy.grade_scores)
    if isinstance(value, str):
        return policy.grade_scores[value]
    return float(value)


def combine(scores: list[float], policy: AggregationPolicy) -> tuple[float, str, list[int]]:
    """Return (score, method, indices kept) for one part's expert scores."""
    n = len(scores)
    if policy.method == "trimmed_mean" and n >= policy.trim_min_experts:
        order = sorted(range(n), key=lambda i: (scores[i], i))
        kept = sorted(order[1:-1])
        return sum(scores[i] for i in kept) / len(kept), "trimmed_mean", kept
    return sum(scores) / n, "mean", list(range(n))


def aggregate(
    parts: Iterable[tuple[str, str] | tuple[str, str, Expert]],
    reviews: Iterable[ExpertReview],
    policy: AggregationPolicy,
) -> tuple[dict[str, PanelScore], list[Finding]]:
    """Aggregate ``reviews`` for ``parts``: ``(part_id, label)`` pairs, or triples with the
    part's expert rule, whose scale then reads each entry (points, or its own grades)."""
    parts = list(parts)
    labels = {p[0]: p[1] for p in parts}
    rules = {p[0]: p[2] for p in parts if len(p) > 2}
    findings: list[Finding] = []
    ordered = _one_review_each(reviews, findings)
    for r in ordered:
        for pid in r.scores:
            if pid not in labels:
                findings.append(
                    Finding(
                        severity=Severity.warning,
                        code="unknown_part",
                        item=pid,
                        message=f"专家“{r.expert}”的评分含未知评分项 {pid}，已忽略",
                    )
                )
    panels: dict[str, PanelScore] = {}
    for pid, label, *_ in parts:
        panel = _part(pid, label, rules.get(pid), ordered, policy, findings)
        if panel is not None:
            panels[pid] = panel
    return panels, findings


def _one_review_each(reviews: Iterable[ExpertReview], findings: list[Finding]) -> list:
    """Each expert's first review, in expert order: a second one cannot double a vote."""
    by_expert: dict[str, ExpertReview] = {}
    for r in reviews:
        if r.expert in by_expert:
            findings.append(
                Finding(
                    severity=Severity.error,
                    code="duplicate_review",
                    message=f"专家“{r.expert}”对同一申报提交了多份评分，仅采用第一份",
                )
            )
            continue
        by_expert[r.expert] = r
    return [by_expert[k] for k in sorted(by_expert)]


def _part(pid, label, rule, ordered, policy, findings: list[Finding]) -> PanelScore | None:
    """One part's panel score from the valid entries, or ``None`` when nobody scored it;
    invalid entries, gaps, a short panel and wide disagreement are each said."""
    given = [(r.expert, r.scores.get(pid)) for r in ordered]
    scored = []
    for e, v in given:
        if v is None:
            continue
        try:
            scored.append((e, to_score(v, policy, rule)))
        except (ValueError, KeyError) as exc:
            # the expert's mistake, not the applicant's: a warning, never 需补正
            findings.append(
                _warning(
                    "bad_expert_score",
                    pid,
                    f"{label}：专家“{e}”的评分无效（{exc}），未计入；请核对该专家的评分表",
                )
            )
    skipped = [e for e, v in given if v is None]
    if skipped and scored:
        findings.append(
            _warning(
                "partial_review",
                pid,
                f"{label}：专家{'、'.join(skipped)}未评分，按已评分的{len(scored)}位专家计",
            )
        )
    if not scored:
        return None
    if len(scored) < policy.min_experts:
        findings.append(
            _warning(
                "too_few_experts",
                pid,
                f"{label}：仅{len(scored)}位专家评分，少于规定的{policy.min_experts}位",
            )
        )
    values = [s for _, s in scored]
    score, method, kept = combine(values, policy)
    spread = max(values) - min(values)
    flagged = spread > policy.disagreement_spread
    if flagged:
        findings.append(_disagreement(pid, label, rule, values, spread, policy))
    return PanelScore(
        part=pid,
        score=score,
        method=method,
        experts=tuple(scored),
        kept=tuple(scored[i][0] for i in kept),
        spread=spread,
        disagreement=flagged,
    )


def _disagreement(pid, label, rule, values, spread, policy) -> Finding:
    """需复议, in the units the experts typed (points for a part written in points)."""
    f = rule.full / 100 if rule is not None and rule.out_of is not None else 1
    return _warning(
        "disagreement",
        pid,
        (
            f"{label}：专家评分极差{fmt(spread * f)}分（最高{fmt(max(values) * f)}，"
            f"最低{fmt(min(values) * f)}），超过{fmt(policy.disagreement_spread * f)}分，需复议"
        ),
    )


def _warning(code: str, pid: str, message: str) -> Finding:
    """A panel warning on one part, filed under its indicator."""
    return Finding(
        severity=Severity.warning, code=code, indicator=pid.split(".")[0], message=message
    )
