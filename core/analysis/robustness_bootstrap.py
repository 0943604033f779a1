"""Robustness, the panel's own uncertainty: a bootstrap over experts.

The five experts who sat are one panel of many that could have: resampling them with
replacement (Efron's bootstrap, the experts as the units drawn) and re-aggregating each
part with the round's rule shows how much the recommended list owes to who happened to
sit. Totals shift through each indicator's affine dependence on its parts' panel scores,
exactly as for the other panel scenarios (:mod:`.robustness_panel`); weights stay as set.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from iipeval.core.analysis.robustness_data import Group, RobustnessSettings
from iipeval.core.analysis.robustness_panel import trim_counts
from iipeval.core.analysis.robustness_stats import Probability, probability
from iipeval.core.analysis.robustness_weights import (
    LINE_TOL,
    Tally,
    _base_list,
    _sorted,
    count_line,
)
from iipeval.core.scoring.params import AggregationPolicy

UNIT = "次专家重抽样"
CELLS_PER_CHUNK = 2_000_000  # resampled scores held at once: bounds memory


class Bootstrap(BaseModel):
    """P(in the list) per applicant and P(list unchanged) when the panel is resampled."""

    resamples: int
    in_quota: list[Probability | None]  # aligned with ``GroupRobustness.applicants``
    set_unchanged: Probability | None
    line_held: Probability | None  # the last one in stays ahead of the first one out
    note: str = ""


def bootstrap(g: Group, settings: RobustnessSettings, prune: bool = True) -> Bootstrap | None:
    """``settings.resamples`` panels of as many experts as sat, drawn with replacement.

    Only the applicants whose place a resample can change are re-aggregated (``prune``;
    off, every one is, which gives the same numbers more slowly: see :func:`_certain`)."""
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    b, e = settings.resamples, len(g.experts)
    if not b or not e or not line or g.size < 2:
        return None
    idx = _draws(g, settings)
    coef = g.slope * g.engine_weights[:, g.part_indicator] / 100  # (A, P) points per point
    fixed = _certain(g, coef) if prune else np.full(g.size, np.nan)
    keep = np.flatnonzero(np.isnan(fixed))
    raw, base, coef = g.raw[keep], g.panel[keep], coef[keep]
    tally = Tally(np.zeros(0), np.zeros(0), np.zeros(g.size))
    chunk = max(1, CELLS_PER_CHUNK // max(1, raw.size, g.size))
    for start in range(0, b, chunk):
        drawn = np.moveaxis(raw[:, :, idx[start : start + chunk]], 2, 0)  # (c, U, P, E)
        panel = _trimmed(drawn, g.policy)
        delta = np.where(np.isnan(panel) | np.isnan(base), 0.0, panel - base)
        t = np.repeat(fixed[None], len(drawn), axis=0)
        t[:, keep] = g.engine_totals[keep] + np.einsum("cap,ap->ca", delta, coef)
        count_line(g, t, _sorted(t), tally)
    lost = _lost(g, idx)
    m = len(_base_list(g))
    note = ""
    if lost:
        note = (
            f"{lost}次重抽样中有申报的某评分项没有抽到评过它的专家（如有专家回避），该项按原评分计"
        )
    return Bootstrap(
        resamples=b,
        in_quota=[probability(float(x), b, UNIT) for x in tally.inside],
        set_unchanged=probability(tally.same_set, b, UNIT),
        line_held=probability(tally.line_held, b, UNIT) if 0 < m < g.size else None,
        note=note,
    )


def _trimmed(raw: np.ndarray, policy: AggregationPolicy) -> np.ndarray:
    """:func:`.trimmed` with the round's share set aside, the same numbers: a row's weights
    depend only on how many scored it, so they are worked out once per count and looked
    up, and the sorted scores' NaN are zeroed in place."""
    e = raw.shape[-1]
    n = np.sum(~np.isnan(raw), axis=-1)
    counts = np.arange(e + 1)
    g = trim_counts(counts, policy)[:, None]
    i = np.arange(1, e + 1, dtype=float)
    table = np.maximum(np.minimum(i, counts[:, None] - g) - np.maximum(i - 1, g), 0.0)
    x = np.sort(raw, axis=-1)  # NaN sorts last
    np.copyto(x, 0.0, where=np.isnan(x))
    total = np.einsum("...e,...e->...", table[n], x)
    return np.divide(total, table.sum(axis=-1)[n], out=np.full(n.shape, np.nan), where=n > 0)


def _draws(g: Group, settings: RobustnessSettings) -> np.ndarray:
    """(B, E) the experts drawn for each resample: the stream drawn in the chunks it always
    was, so a resample is the same panel whatever is re-aggregated at once."""
    rng = np.random.default_rng([settings.seed, 1])  # a stream apart from the weight draws
    b, e = settings.resamples, len(g.experts)
    chunk = max(1, CELLS_PER_CHUNK // max(1, g.raw.size))
    return np.concatenate(
        [rng.integers(0, e, (min(chunk, b - start), e)) for start in range(0, b, chunk)]
    )


def _lost(g: Group, idx: np.ndarray) -> int:
    """Resamples in which some applicant's part that moves its total drew none of the
    experts who scored it (that part then keeps its panel score)."""
    scored = ~np.isnan(g.raw)  # (A, P, E)
    matters = ~np.isnan(g.panel) & (g.slope != 0)
    who = np.unique(scored[matters], axis=0).astype(float)  # (S, E) distinct sets of experts
    if not len(who):
        return 0
    drawn = np.zeros((len(idx), len(g.experts)))
    np.put_along_axis(drawn, idx, 1.0, axis=1)
    return int(np.any(drawn @ who.T == 0, axis=1).sum())


def _certain(g: Group, coef: np.ndarray) -> np.ndarray:
    """For each applicant whose place no resample can change, a total that keeps it there
    in :func:`count_line`: far above everyone when it is in the list in every resample, far
    below when out; NaN for the others, re-aggregated.

    A resampled panel score is a weighted mean of some of the experts' scores, so each
    total stays within [lo, hi] computed from each part's lowest and highest score. In for
    sure: fewer than quota others can reach its lo, and lo clears 推荐最低总分; out for sure:
    quota others' lo above its hi, or hi under 推荐最低总分. A margin far above the ties'
    tolerance keeps the tie-sharing and the line's comparisons as they were; the last one
    in and the first one out are always re-aggregated (``line_held`` names them)."""
    lo, hi = _reach(g, coef)
    a, rk = g.size, g.ranking
    margin = 1e-6 * max(1.0, float(np.max(np.abs(np.concatenate([lo, hi])))))
    q = min(rk.quota or a, a)
    others_reach = a - np.searchsorted(np.sort(hi), lo - margin, side="left") - 1
    surely_above = a - np.searchsorted(np.sort(lo), hi + margin, side="right")
    inside, outside = others_reach < q, surely_above >= q
    if rk.min_total is not None:
        inside &= lo >= rk.min_total - LINE_TOL + margin
        outside |= hi < rk.min_total - LINE_TOL - margin
    m = len(_base_list(g))
    if 0 < m < a:
        inside[[m - 1, m]] = outside[[m - 1, m]] = False
    far = float(np.max(np.abs(np.concatenate([lo, hi])))) + 10.0
    fixed = np.full(a, np.nan)
    fixed[inside] = far + np.arange(int(inside.sum()), 0, -1)
    fixed[outside] = -far - np.arange(1, int(outside.sum()) + 1)
    return fixed


def _reach(g: Group, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest total each applicant can have in any resample."""
    low, high = np.fmin.reduce(g.raw, axis=2), np.fmax.reduce(g.raw, axis=2)  # NaN: nobody
    gone = np.isnan(g.panel)
    d_lo = np.minimum(np.where(gone | np.isnan(low), 0.0, low - g.panel), 0.0)
    d_hi = np.maximum(np.where(gone | np.isnan(high), 0.0, high - g.panel), 0.0)
    a, b = coef * d_lo, coef * d_hi
    return (
        g.engine_totals + np.minimum(a, b).sum(axis=1),
        g.engine_totals + np.maximum(a, b).sum(axis=1),
    )
