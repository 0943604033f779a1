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
from iipeval.core.analysis.robustness_panel import trim_counts, trimmed
from iipeval.core.analysis.robustness_stats import Probability, probability
from iipeval.core.analysis.robustness_weights import Tally, _base_list, _sorted, count_line

UNIT = "次专家重抽样"
CELLS_PER_CHUNK = 2_000_000  # resampled scores held at once: bounds memory


class Bootstrap(BaseModel):
    """P(in the list) per applicant and P(list unchanged) when the panel is resampled."""

    resamples: int
    in_quota: list[Probability | None]  # aligned with ``GroupRobustness.applicants``
    set_unchanged: Probability | None
    line_held: Probability | None  # the last one in stays ahead of the first one out
    note: str = ""


def bootstrap(g: Group, settings: RobustnessSettings) -> Bootstrap | None:
    """``settings.resamples`` panels of as many experts as sat, drawn with replacement."""
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    b, e = settings.resamples, len(g.experts)
    if not b or not e or not line or g.size < 2:
        return None
    rng = np.random.default_rng([settings.seed, 1])  # a stream apart from the weight draws
    coef = g.slope * g.engine_weights[:, g.part_indicator] / 100  # (A, P) points per point
    tally = Tally(np.zeros(0), np.zeros(0), np.zeros(g.size))
    chunk = max(1, CELLS_PER_CHUNK // max(1, g.raw.size))
    lost = 0
    for start in range(0, b, chunk):
        idx = rng.integers(0, e, (min(chunk, b - start), e))
        raw = np.moveaxis(g.raw[:, :, idx], 2, 0)  # (c, A, P, E)
        panel = trimmed(raw, trim_counts(np.sum(~np.isnan(raw), axis=-1), g.policy))
        gone = np.isnan(panel) & ~np.isnan(g.panel) & (g.slope != 0)
        lost += int(np.any(gone, axis=(1, 2)).sum())
        delta = np.where(np.isnan(panel) | np.isnan(g.panel), 0.0, panel - g.panel)
        t = g.engine_totals + np.einsum("cap,ap->ca", delta, coef)
        count_line(g, t, _sorted(t), tally)
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
