"""The scoring engine: one application, one effective criteria set, one result.

Pure and deterministic: no I/O, no clock, no terminal, no Excel. Indicator scores run
0-100; dimension and total scores are weighted with the effective weights from
:mod:`iipeval.core.scoring.params`. Parts still waiting for experts keep the result provisional
(待专家评分) instead of counting as zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from iipeval.core.explain import Explanation
from iipeval.core.findings import Finding, Severity, has_errors
from iipeval.core.model.application import Application, ExpertReview
from iipeval.core.model.criteria import Indicator
from iipeval.core.model.results import (
    AdjustmentResult,
    DimensionResult,
    ExclusionHit,
    GroupResult,
    IndicatorResult,
    PanelDetail,
    Provenance,
    Result,
)
from iipeval.core.rules import PanelScore, RuleContext
from iipeval.core.scoring import consensus
from iipeval.core.scoring.aggregation import aggregate
from iipeval.core.scoring.params import Effective
from iipeval.core.scoring.validation import (
    ApplicationView,
    PluginValidator,
    credit_code_problem,
    validate,
)
from iipeval.core.text import fmt, rounded


@dataclass(frozen=True)
class PluginExclusion:
    plugin: str
    framework: str
    id: str
    name: str
    rationale: str
    check: Callable[[ApplicationView], str | None]
    items: tuple[str, ...] = ()


def score(
    eff: Effective,
    application: Application,
    reviews: Iterable[ExpertReview] = (),
    *,
    source: str = "",
    validators: Iterable[PluginValidator] = (),
    exclusions: Iterable[PluginExclusion] = (),
    provenance: Provenance,
) -> Result:
    """Score one application: validate, aggregate the panel, run the rules, total, exclude.

    Each step appends its findings in this order, so the findings read in the order a
    reviewer meets the problems: answers, panel, indicators, 加分/扣分项, 否决项.
    """
    fw = eff.framework
    checked = validate(fw, application, validators)
    findings: list[Finding] = list(checked.findings)
    panel = _aggregate_panel(fw, reviews, eff.policy, findings)
    rules = _Rules(eff, checked.answers, panel.scores, findings)
    traces = {ind.id: rules.evaluate(ind.id) for _, ind in fw.indicators()}
    indicators, dimensions, groups = _tree(fw, traces, _allocate(eff, traces))
    adjustments = [rules.adjust(kind, a) for kind, a in fw.adjustment_items()]
    totals = _totals(fw, indicators, adjustments)

    st = fw.subtype(application.subtype)
    view = ApplicationView(fw, st.id if st else None, application.applicant, checked.answers)
    hits = _exclusions(eff, view, exclusions, provenance.plugin, findings)
    return Result(
        source=source,
        **_identity(fw, st, application),
        **totals,
        grade=_grade(eff, totals["total"]),
        accepted=not has_errors(findings),
        excluded=bool(hits),
        exclusions=hits,
        dimensions=dimensions,
        groups=groups,
        indicators=indicators,
        panels=_panel_details(panel),
        findings=findings,
        provenance=provenance,
    )


def _identity(fw, st, application: Application) -> dict:
    """Who applied, under which set and sub-type: the fields every listing is keyed by."""
    who = application.applicant
    return {
        "framework": fw.id,
        "framework_name": fw.name,
        "framework_short_name": fw.short_name or fw.name,
        "subtype": st.id if st else None,
        "subtype_name": st.name if st else None,
        "applicant": who.name,
        "credit_code": who.credit_code,
        "platform_name": who.platform_name,
        "region": who.region,
        "fictional": application.fictional,
    }


@dataclass(frozen=True)
class _Panel:
    """The panel's score per expert part, with each part's label and the factor that
    turns its 0-100 score back into the units the experts typed (points or 0-100)."""

    scores: dict[str, PanelScore]
    labels: dict[str, str]
    typed: dict[str, float]


def _aggregate_panel(fw, reviews, policy, findings: list[Finding]) -> _Panel:
    """Combine the experts' scores per part under the panel policy (mean, trimmed mean), or
    take the panel's agreed figure where its 会议评审 summary scored the application."""
    parts = [(pid, f"{ind.name}·{r.label}", r) for pid, ind, r in fw.expert_parts()]
    summary, experts = consensus.split(reviews)
    if summary is not None:  # 会议评审: the panel's agreed figure is its score
        scores = consensus.agreed_scores(parts, summary, experts, policy, findings)
    else:
        scores, said = aggregate(parts, experts, policy)
        findings.extend(said)
    return _Panel(
        scores=scores,
        labels={pid: label for pid, label, _ in parts},
        typed={pid: (r.full / 100 if r.out_of is not None else 1) for pid, _, r in parts},
    )


def _panel_details(panel: _Panel) -> list[PanelDetail]:
    """What the results show of each part: in points for a part written in points."""
    out = []
    for p in panel.scores.values():
        f = panel.typed[p.part]
        out.append(
            PanelDetail(
                part=p.part,
                indicator=p.part.split(".")[0],
                label=panel.labels[p.part],
                method=p.method,
                score=p.score * f,
                experts={e: s * f for e, s in p.experts},
                kept=list(p.kept),
                weights=dict(p.weights),
                rule=p.rule,
                applied=p.applied,
                spread=p.spread * f,
                disagreement=p.disagreement,
                out_of=None if f == 1 else 100 * f,
            )
        )
    return out


def _tree(fw, traces: dict[str, Explanation], weights: dict[str, float]) -> tuple[list, list, list]:
    """Indicator, dimension and group results in document order, each with its points."""
    indicators: list[IndicatorResult] = []
    dimensions: list[DimensionResult] = []
    groups: list[GroupResult] = []
    for d in fw.dimensions:
        mine = [_indicator(d, ind, traces[ind.id], weights[ind.id]) for ind in d.indicators]
        indicators += mine
        dimensions.append(DimensionResult(id=d.id, name=d.name, **_node(weights[d.id], mine)))
        for g in d.all_groups():
            under = _under(d, g)
            inside = [i for i in mine if i.id in under]
            groups.append(
                GroupResult(
                    id=g.id,
                    name=g.name,
                    dimension=d.id,
                    parent=_parent(d, g),
                    **_node(weights[g.id], inside),
                )
            )
    return indicators, dimensions, groups


def _indicator(d, ind: Indicator, t: Explanation, weight: float) -> IndicatorResult:
    return IndicatorResult(
        id=ind.id,
        name=ind.name,
        dimension=d.id,
        group=ind.group,
        kind=ind.kind,
        weight=weight,
        score=t.score,
        points=_points(t, weight),
        status=t.status,
        explanation=t.flat_text(),
        trace=t,
    )


def _totals(fw, indicators: list[IndicatorResult], adjustments: list[AdjustmentResult]) -> dict:
    """The total, or only the points secured while expert parts are pending (待专家评分:
    never counted as zero); 加分项 and 扣分项 each within its cap, the sum within the set's
    bounds."""
    secured = sum(i.points for i in indicators if i.points is not None)
    pending_points = sum(i.weight for i in indicators if i.status == "pending")
    provisional = pending_points > 0
    bonus = _part(fw.bonus, [a for a in adjustments if a.kind == "bonus"])
    deduction = _part(fw.deduction, [a for a in adjustments if a.kind == "deduction"])
    base = secured
    if fw.bonus or fw.deduction:
        lo, hi = fw.total_bounds()
        secured = min(hi, max(lo, base + (bonus or 0.0) - (deduction or 0.0)))
    return {
        "total": None if provisional else secured,
        "base": None if provisional or not fw.adjustments() else base,
        "bonus": bonus,
        "deduction": deduction,
        "adjustments": adjustments,
        "provisional": provisional,
        "secured": secured,
        "pending_points": pending_points,
    }


def _grade(eff: Effective, total: float | None) -> str | None:
    """The grade band (优秀/良好/...) a final total falls in; none while provisional.

    Judged on the total as it is read (two decimals, :func:`~iipeval.core.text.rounded`):
    84.996 reads 85.00 everywhere, and a card must not print 85.00 beside 良好."""
    if total is None:
        return None
    shown = float(rounded(total))
    return next((g.name for g in eff.grades if shown >= g.min - 1e-9), None)


#: How far outside 0-100 a rule's score may stray by rounding before it is reported.
SCORE_TOLERANCE = 1e-9


class _Rules:
    """Runs the set's rules on one application's answers; their findings go to ``findings``.

    A broken or out-of-range rule becomes a finding naming it, not a crash.
    """

    def __init__(self, eff: Effective, answers, panels, findings: list[Finding]) -> None:
        self.eff = eff
        self.answers = answers
        self.labels = eff.framework.item_labels
        self.units = eff.framework.item_units
        self.panels = panels
        self.findings = findings

    def evaluate(self, rule_id: str, verb: str = "得") -> Explanation:
        rule = self.eff.rules[rule_id]
        ctx = RuleContext(rule_id, self.answers, self.labels, self.panels, self.units, verb)
        t = _run_rule(rule, rule_id, ctx, self.findings)
        if t is None:
            return Explanation(
                rule=rule.type, id=rule_id, status="pending", score=None, text="规则出错，无法计分"
            )
        t = _score_in_range(rule, rule_id, t, self.findings)
        return _points_in_range(rule, rule_id, t, self.findings)

    def adjust(self, kind, a) -> AdjustmentResult:
        """One 加分项 or 扣分项: its rule's points, never above the item's cap."""
        t = self.evaluate(a.id, "加" if kind == "bonus" else "扣")
        points = None if t.score is None else _points(t, a.cap)
        if points is not None:
            points = min(points, a.cap)
        return AdjustmentResult(
            id=a.id,
            name=a.name,
            kind=kind,
            cap=a.cap,
            points=points,
            status=t.status,
            explanation=t.flat_text(),
            trace=t,
        )


def _run_rule(rule, rule_id: str, ctx: RuleContext, findings: list[Finding]) -> Explanation | None:
    """The rule's explanation, or ``None`` (with a finding) when it raised or returned
    something else: a plugin's broken rule costs its indicator, not the batch."""
    try:
        t = rule.evaluate(ctx)
        if not isinstance(t, Explanation):
            raise TypeError(f"evaluate 返回了 {type(t).__name__}，应返回 Explanation")
    except Exception as exc:
        findings.append(
            Finding(
                severity=Severity.error,
                code="rule_error",
                indicator=rule_id,
                message=f"{rule.type} 规则（{rule_id}）计分出错：{exc!r}，本项无法计分",
            )
        )
        return None
    return t


def _score_in_range(rule, rule_id: str, t: Explanation, findings: list[Finding]) -> Explanation:
    """A score within 0-100: a missing one counts 0, NaN 0, one outside is cut to the range.

    Said when it strays by more than rounding, so a plugin author sees the rule to fix.
    """
    if t.status == "scored" and t.score is None:
        t = t.model_copy(update={"score": 0.0})
        findings.append(_range_finding(rule, rule_id, "未给出得分", "按0分计"))
    if t.score is None:
        return t
    s = t.score
    fixed = 0.0 if math.isnan(s) else min(100.0, max(0.0, s))
    if math.isnan(s) or s < -SCORE_TOLERANCE or s > 100 + SCORE_TOLERANCE:
        findings.append(
            _range_finding(rule, rule_id, f"得分{fmt(s)}超出0-100", f"已按{fmt(fixed)}分计")
        )
    if fixed != s:
        update: dict = {"score": fixed}
        if t.points is not None and t.out_of:
            update["points"] = fixed * t.out_of / 100
        t = t.model_copy(update=update)
    return t


def _points_in_range(rule, rule_id: str, t: Explanation, findings: list[Finding]) -> Explanation:
    """Document points beyond the full mark are dropped: the points follow from the score."""
    if (
        t.points is not None
        and t.out_of
        and not (-SCORE_TOLERANCE <= t.points <= t.out_of + SCORE_TOLERANCE)
    ):
        findings.append(
            _range_finding(
                rule, rule_id, f"得{fmt(t.points)}分，超出满分{fmt(t.out_of)}", "按得分折算"
            )
        )
        t = t.model_copy(update={"points": None})
    return t


def _range_finding(rule, rule_id: str, what: str, done: str) -> Finding:
    return Finding(
        severity=Severity.warning,
        code="rule_out_of_range",
        indicator=rule_id,
        message=f"{rule.type} 规则（{rule_id}）{what}，{done}；请检查该规则类型的实现",
    )


def _points(t: Explanation, weight: float) -> float | None:
    """Points an indicator earns with ``weight``: exact document points when it has them."""
    if t.score is None:
        return None
    if t.points is not None and t.out_of:
        return t.points * weight / t.out_of
    return t.score * weight / 100


def _allocate(eff: Effective, traces: dict[str, Explanation]) -> dict[str, float]:
    """Points of every node once 不适用 parts give their share to their live siblings.

    Top-down: the set's total goes to the dimensions with anything applicable, each
    dimension's to its live groups and indicators, and so on, each in proportion to its
    nominal points. A wholly 不适用 node gets 0 at every level below it.
    """
    fw = eff.framework
    out: dict[str, float] = {}

    def live(d, node) -> bool:
        if isinstance(node, Indicator):
            return traces[node.id].status != "na"
        return any(live(d, k) for k in d.children(None if node is d else node.id))

    def share(d, parent, points: float) -> None:
        kids = d.children(None if parent is d else parent.id)
        on = {k.id for k in kids if live(d, k)}
        total = sum(eff.points(k) for k in on)
        for k in kids:
            out[k.id] = points * eff.points(k.id) / total if k.id in on else 0.0
            if not isinstance(k, Indicator):
                share(d, k, out[k.id])

    on = {d.id for d in fw.dimensions if live(d, d)}
    total = sum(eff.dimension_points[d] for d in on)
    for d in fw.dimensions:
        out[d.id] = fw.total_weight * eff.dimension_points[d.id] / total if d.id in on else 0.0
        share(d, d, out[d.id])
    return out


def _node(points: float, inside: list[IndicatorResult]) -> dict:
    """Status, score and points of a dimension or group from the indicators inside it."""
    live = [i for i in inside if i.status != "na"]
    pending = any(i.status == "pending" for i in live)
    status = "na" if not live else ("pending" if pending else "scored")
    got = sum(i.points or 0.0 for i in inside)
    return {
        "weight": points,
        "status": status,
        "score": (100 * got / points) if status == "scored" else None,
        "points": got if status == "scored" else None,
    }


def _under(d, g) -> set[str]:
    ids: set[str] = set()
    for k in d.children(g.id):
        ids |= _under(d, k) if not isinstance(k, Indicator) else {k.id}
    return ids


def _parent(d, g) -> str:
    for other in d.all_groups():
        if any(s.id == g.id for s in other.groups):
            return other.id
    return d.id


def _part(part, items: list[AdjustmentResult]) -> float | None:
    """A 加分项 or 扣分项 part's points: its items added, cut to the part's cap."""
    if part is None:
        return None
    got = sum(i.points or 0.0 for i in items)
    return got if part.cap is None else min(got, part.cap)


def _exclusions(eff, view, plugin_exclusions, plugin, findings) -> list[ExclusionHit]:
    hits = []
    for e in eff.framework.exclusions:
        if e.credit_code_region is not None:
            reason = _outside_region(
                view.applicant.credit_code, e.credit_code_region, e.region_name
            )
            if reason:
                hits.append(ExclusionHit(id=e.id, name=e.name, reason=reason, plugin=plugin))
            continue
        a = view.answer(e.item)
        if a.usable and a.value == e.when:
            reason = f"填报为“{'是' if a.value is True else a.value}”"
            hits.append(ExclusionHit(id=e.id, name=e.name, reason=reason, plugin=plugin))
        elif not a.usable and not _said(findings, e.item):
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="exclusion_undecided",
                    item=e.item,
                    message=f"否决项“{e.name}”无法判定：{view.label(e.item)}{a.display()}",
                )
            )
    for e in plugin_exclusions:
        try:
            reason = e.check(view)
        except Exception as exc:
            findings.append(
                Finding(
                    severity=Severity.warning,
                    code="plugin_error",
                    message=f"插件 {e.plugin} 的否决项 {e.id} 出错：{exc!r}",
                )
            )
            continue
        if reason:
            hits.append(ExclusionHit(id=e.id, name=e.name, reason=reason, plugin=e.plugin))
    return hits


def _said(findings: list[Finding], item: str) -> bool:
    """An error already names ``item``: one mistake is one finding, not one per consumer."""
    return any(f.item == item and f.severity is Severity.error for f in findings)


def _outside_region(code: str | None, prefix: str, region: str) -> str | None:
    """Why a well-formed credit code shows registration outside the region, else ``None``.

    A missing or malformed code is not judged here: validation already reports it.
    """
    code = (code or "").strip().upper()
    if not code or credit_code_problem(code) or code[2:8].startswith(prefix):
        return None
    return (
        f"统一社会信用代码第3-8位（登记管理机关行政区划码）为{code[2:8]}，"
        f"不以{prefix}{f'（{region}）' if region else ''}开头；"
        "如系迁入本地的单位（迁址后代码不变），请以营业执照核实"
    )
