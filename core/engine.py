"""The scoring engine: one application, one effective criteria set, one result.

Pure and deterministic: no I/O, no clock, no terminal, no Excel. Indicator scores run
0-100; dimension and total scores are weighted with the effective weights from
:mod:`iipeval.core.params`. Parts still waiting for experts keep the result provisional
(待专家评分) instead of counting as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .aggregation import aggregate
from .application import Application, ExpertReview
from .findings import Finding, Severity, has_errors
from .params import Effective
from .results import (
    DimensionResult,
    ExclusionHit,
    IndicatorResult,
    PanelDetail,
    Provenance,
    Result,
)
from .rules import RuleContext
from .validation import ApplicationView, PluginValidator, credit_code_problem, validate


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
    fw = eff.framework
    checked = validate(fw, application, validators)
    findings: list[Finding] = list(checked.findings)
    labels = {i.id: i.label for i in fw.items}

    parts = [(pid, f"{ind.name}·{r.label}") for pid, ind, r in fw.expert_parts()]
    panels, panel_findings = aggregate(parts, reviews, eff.policy)
    findings.extend(panel_findings)

    traces = {}
    for _, ind in fw.indicators():
        ctx = RuleContext(ind.id, checked.answers, labels, panels)
        traces[ind.id] = eff.rules[ind.id].evaluate(ctx)

    indicators, dimensions = [], []
    live_dims = [d for d in fw.dimensions if any(traces[i.id].status != "na" for i in d.indicators)]
    live_dim_weight = sum(eff.dimension_points[d.id] for d in live_dims)
    for d in fw.dimensions:
        live = [i for i in d.indicators if traces[i.id].status != "na"]
        dim_points = fw.total_weight * eff.dimension_points[d.id] / live_dim_weight if live else 0.0
        live_w = sum(eff.indicator_points[i.id] for i in live)
        pending = False
        dim_sum = 0.0
        for ind in d.indicators:
            t = traces[ind.id]
            weight = dim_points * eff.indicator_points[ind.id] / live_w if t.status != "na" else 0.0
            points = None if t.score is None else t.score * weight / 100
            pending |= t.status == "pending"
            dim_sum += points or 0.0
            indicators.append(
                IndicatorResult(
                    id=ind.id,
                    name=ind.name,
                    dimension=d.id,
                    kind=ind.kind,
                    weight=weight,
                    score=t.score,
                    points=points,
                    status=t.status,
                    explanation=t.flat_text(),
                    trace=t,
                )
            )
        status = "na" if not live else ("pending" if pending else "scored")
        dimensions.append(
            DimensionResult(
                id=d.id,
                name=d.name,
                weight=dim_points,
                status=status,
                score=(100 * dim_sum / dim_points) if status == "scored" else None,
                points=dim_sum if status == "scored" else None,
            )
        )

    secured = sum(i.points for i in indicators if i.points is not None)
    pending_points = sum(i.weight for i in indicators if i.status == "pending")
    provisional = pending_points > 0
    total = None if provisional else secured

    st = fw.subtype(application.subtype)
    view = ApplicationView(fw, st.id if st else None, application.applicant, checked.answers)
    hits = _exclusions(eff, view, exclusions, provenance.plugin, findings)

    grade = None
    if total is not None:
        grade = next(g.name for g in eff.grades if total >= g.min - 1e-9)
    return Result(
        source=source,
        framework=fw.id,
        framework_name=fw.name,
        framework_short_name=fw.short_name or fw.name,
        subtype=view.subtype,
        subtype_name=st.name if st else None,
        applicant=application.applicant.name,
        credit_code=application.applicant.credit_code,
        fictional=application.fictional,
        total=total,
        provisional=provisional,
        secured=secured,
        pending_points=pending_points,
        grade=grade,
        accepted=not has_errors(findings),
        excluded=bool(hits),
        exclusions=hits,
        dimensions=dimensions,
        indicators=indicators,
        panels=[
            PanelDetail(
                part=p.part,
                indicator=p.part.split(".")[0],
                label=dict(parts)[p.part],
                method=p.method,
                score=p.score,
                experts=dict(p.experts),
                kept=list(p.kept),
                spread=p.spread,
                disagreement=p.disagreement,
            )
            for p in panels.values()
        ],
        findings=findings,
        provenance=provenance,
    )


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
            reason = f"{view.label(e.item)}：{'是' if a.value is True else a.value}"
            hits.append(ExclusionHit(id=e.id, name=e.name, reason=reason, plugin=plugin))
        elif not a.usable:
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
