"""Combine the expert panel's scores for each qualitative part, by one rule for the round.

Policy (see :class:`iipeval.core.scoring.params.AggregationPolicy`): every rule is a
trimmed mean that sets aside ``g`` scores at each end of the ``n`` given, a fraction of a
score at the boundary counting in part. ``mean`` is g = 0, ``median`` g = (n−1)/2, the
round's ``trimmed_mean`` g = trim·n, so the same rule holds for an applicant scored by 4
experts (one recused) as for one scored by 5, and it changes smoothly with n. The old
threshold rule (``trim_min_experts``: g = 1 from that many experts on, else 0) is kept for
organisers whose published rules say so, and every applicant it treats differently is
named. Reviews are taken in expert-id order so the outcome never depends on file order.
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


def trim_count(n: int, policy: AggregationPolicy) -> float:
    """How many of ``n`` scores the round's rule sets aside at each end (may be fractional)."""
    if n <= 0 or policy.method == "mean":
        return 0.0
    if policy.method == "median":
        return (n - 1) / 2
    if policy.trim_min_experts is not None:  # the old threshold rule
        return 1.0 if n >= policy.trim_min_experts else 0.0
    return round(policy.trim * n, 12)  # 0.2 × 15 is 3, not 3.0000000000000004


def order_weights(n: int, g: float) -> list[float]:
    """The weight of each of ``n`` sorted scores when ``g`` are set aside at each end: the
    length of [i−1, i] ∩ [g, n−g], so a score on the boundary counts in part."""
    return [max(0.0, round(min(i, n - g) - max(i - 1, g), 12)) for i in range(1, n + 1)]


def combine(
    scores: list[float], policy: AggregationPolicy, g: float | None = None
) -> tuple[float, str, list[float]]:
    """(score, method, each score's weight) for one part's expert scores, in their order;
    weights sum to 1. ``g``: the count to set aside at each end (default: the rule's)."""
    n = len(scores)
    g = trim_count(n, policy) if g is None else g
    order = sorted(range(n), key=lambda i: (scores[i], i))
    w = [0.0] * n
    for rank, weight in zip(order, order_weights(n, g), strict=True):
        w[rank] = weight
    total = sum(w)
    counted = [s for wi, s in zip(w, scores, strict=True) if wi]
    if len({wi for wi in w if wi}) == 1:  # all that count, alike: their plain mean, exactly
        score = sum(counted) / len(counted)
    else:
        score = sum(wi * s for wi, s in zip(w, scores, strict=True) if wi) / total
    method = "mean" if g == 0 else policy.method
    return score, method, [wi / total for wi in w]


def rule_label(policy: AggregationPolicy) -> str:
    """The round's rule in a few words (the 汇总方式 column, every explanation)."""
    if policy.method == "mean":
        return "算术平均"
    if policy.method == "median":
        return "取中位数"
    if policy.trim_min_experts is not None:
        return (
            f"{policy.trim_min_experts}位及以上专家去掉一个最高分和一个最低分后平均，不足时算术平均"
        )
    if policy.trim == 0:
        return "算术平均"
    return f"去掉最高、最低各{_percent(policy.trim)}后平均"


def rule_text(policy: AggregationPolicy) -> str:
    """The round's rule in a sentence a committee member reads (results, guide, forms)."""
    if policy.method != "trimmed_mean" or policy.trim == 0:
        return f"每个评分项{rule_label(policy)}，对每份申报相同，不论几位专家评分"
    if policy.trim_min_experts is not None:
        return (
            f"评审组专家达到{policy.trim_min_experts}人时，每个评分项去掉一个最高分和一个最低分后"
            f"取平均；不足{policy.trim_min_experts}人时取平均（旧规则：有专家回避或缺评的申报规则不同）"
        )
    examples = "、".join(f"{n}位专家{fmt(trim_count(n, policy))}个" for n in (4, 5, 7))
    return (
        f"每个评分项去掉最高和最低各{_percent(policy.trim)}的评分后取平均，对每份申报相同，"
        f"不论几位专家评分：每端去掉的评分个数＝人数×{fmt(policy.trim, 4)}（{examples}），"
        "不足一个的部分按比例少计边界上的评分"
    )


def applied_text(n: int, policy: AggregationPolicy) -> str:
    """What the rule did with ``n`` scores: 各去掉1个 / 最高、最低分各计入20% / ""."""
    g = trim_count(n, policy)
    if g == 0 or policy.method == "median" or n <= 2:  # two or one: every score counts alike
        return ""
    whole = int(g + 1e-9)
    part = round(g - whole, 9)
    if part == 0:
        return f"最高、最低分各去掉{whole}个"
    share = _percent(1 - part)
    if whole == 0:
        return f"最高、最低分各计入{share}"
    return f"最高、最低分各去掉{whole}个，其次的各计入{share}"


def _percent(x: float) -> str:
    return f"{fmt(100 * x)}%"


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
                Finding(  # the forms' fault, not the applicant's: refused at admission
                    severity=Severity.warning,
                    code="duplicate_review",
                    message=f"专家“{r.expert}”对同一申报提交了多份评分，仅采用第一份；请核对该专家的评分表",
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
    score, method, weights = combine(values, policy)
    if policy.trim_min_experts is not None and len(values) < policy.trim_min_experts:
        findings.append(_switched(pid, label, len(values), policy))
    spread = max(values) - min(values)
    flagged = spread > policy.disagreement_spread
    if flagged:
        findings.append(_disagreement(pid, label, rule, values, spread, policy))
    return PanelScore(
        part=pid,
        score=score,
        method=method,
        experts=tuple(scored),
        kept=tuple(e for (e, _), w in zip(scored, weights, strict=True) if w > 0),
        spread=spread,
        disagreement=flagged,
        weights=tuple((e, w) for (e, _), w in zip(scored, weights, strict=True)),
        rule=rule_label(policy),
        applied=applied_text(len(values), policy),
    )


def _switched(pid: str, label: str, n: int, policy: AggregationPolicy) -> Finding:
    """The old threshold rule treats this applicant differently from a full panel's."""
    m = policy.trim_min_experts
    return _warning(
        "rule_switched",
        pid,
        f"{label}：仅{n}位专家评分，按参数 trim_min_experts = {m} 改用算术平均，"
        f"与{m}位专家评分的申报（去掉最高最低分）规则不同；按比例去掉最高最低分（trim）可对每份申报适用同一规则",
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
