"""An application's total as an affine function of the expert scores.

With the applicant's figures fixed, the built-in rules combine expert scores linearly, so
``total = constant + Σ coefficient[part] × score[part]``. The expert workbook writes the
constant and coefficients into cells and a native SUMPRODUCT reproduces the engine's total
for that expert live, in Excel, WPS or LibreOffice, with no Python. The coefficients are
measured through the engine itself (never re-derived), so they cannot drift from it.

Scores are in the units the expert types: 0-100, or points for a part written in points.
Some totals are not affine: a total kept at or above 0 after 扣分, a ``sum`` cut at its cap,
a plugin's own rule. Probes at other points check the form; where it does not hold,
``linear`` is false and the workbook says the live total is not available.
"""

from __future__ import annotations

from dataclasses import dataclass

from iipeval.core.api import Evaluator
from iipeval.core.model.application import Application, ExpertReview
from iipeval.core.rules import Expert, Weighted

#: How far a probe may stray from the affine form before the form is rejected.
LINEAR_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ExpertLinear:
    constant: float
    coefficients: dict[str, float]  # part id → total points per point typed
    parts: dict[str, str]  # part id → label
    linear: bool = True  # False: the form does not give the engine's total everywhere
    full: dict[str, float] | None = None  # part id → the most an expert may type
    #: indicator id → its points with every expert part at 0 (the constant, by indicator)
    zero_points: dict[str, float] | None = None

    def total(self, scores: dict[str, float]) -> float:
        return self.constant + sum(c * scores.get(p, 0.0) for p, c in self.coefficients.items())


def expert_linear(ev: Evaluator, app: Application, framework: str | None = None) -> ExpertLinear:
    fw_id = framework or app.framework
    fw = ev.effective(fw_id, app.subtype).framework
    parts = {pid: f"{ind.name}·{r.label}" for pid, ind, r in fw.expert_parts()}
    full = {pid: r.full for pid, _, r in fw.expert_parts()}

    def scored(scores: dict[str, float]):
        r = ev.score(app, [ExpertReview(expert="_", scores=scores)], framework=fw_id)
        if r.total is None:
            raise ValueError("申报数据无法在给定专家评分下得出总分")
        return r

    def total(scores: dict[str, float]) -> float:
        return scored(scores).total

    zero = dict.fromkeys(parts, 0.0)
    at_zero = scored(zero)
    constant = at_zero.total
    points = _points(at_zero)
    if _affine_by_construction(fw):
        coefficients = _by_indicator(fw, full, zero, points, scored)
        return ExpertLinear(constant, coefficients, parts, True, full, points)
    coefficients = {}
    for pid in parts:
        coefficients[pid] = (total({**zero, pid: full[pid]}) - constant) / full[pid]
    form = ExpertLinear(constant, coefficients, parts, True, full, points)
    probes = [{p: f * x for p, x in full.items()} for f in (1.0, 0.5, 0.25)]
    probes += [{**zero, p: full[p] / 2} for p in parts]
    linear = all(abs(total(s) - form.total(s)) <= LINEAR_TOLERANCE for s in probes)
    return ExpertLinear(constant, coefficients, parts, linear, full, points)


def _points(result) -> dict[str, float]:
    return {i.id: i.points or 0.0 for i in result.indicators}


def _by_indicator(fw, full, zero, points, scored) -> dict[str, float]:
    """Each part's coefficient, measured on its own indicator's points. Where the total is
    affine by construction it is the sum of the indicators' points, and an indicator's
    points depend on its own parts only; so one engine call sets one part of every
    indicator to its full mark at once (the built-in sets: 2 calls, not 1 + parts)."""
    owner = {pid: ind.id for pid, ind, _ in fw.expert_parts()}
    rounds: list[list[str]] = []  # round k: the k-th part of each indicator
    taken: dict[str, int] = {}
    for pid in zero:
        k = taken[owner[pid]] = taken.get(owner[pid], -1) + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(pid)
    coefficients = {}
    for batch in rounds:
        at = _points(scored({**zero, **{p: full[p] for p in batch}}))
        for p in batch:
            coefficients[p] = (at[owner[p]] - points[owner[p]]) / full[p]
    return {p: coefficients[p] for p in zero}


def _affine_by_construction(fw) -> bool:
    """No bound on the total and only built-in ``weighted`` rules above each expert part:
    the form is exact without probing, and measured by indicator (:func:`_by_indicator`)."""
    if fw.bonus is not None or fw.deduction is not None:
        return False
    return all(_weighted_above_experts(ind.rule) for _, ind in fw.indicators())


def _weighted_above_experts(rule) -> bool:
    if type(rule) is Expert or not any(isinstance(x, Expert) for _, x in rule.walk()):
        return True
    return type(rule) is Weighted and all(_weighted_above_experts(c) for c in rule.children())
