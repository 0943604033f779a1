"""Robustness, the panel: other aggregation policies, leave-one-expert-out, calibration.

With the figures fixed an indicator's score is affine in its expert parts' panel scores
(:mod:`.linear`), so a new panel score shifts the total by slope × change; the rankings
themselves come from :func:`.ranking.rank`, so ties, quota and 推荐最低总分 behave as in
scoring.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from pydantic import BaseModel

from iipeval.core.analysis.robustness_data import Group, RobustnessSettings
from iipeval.core.round.ranking import EPS, Standing, rank
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.core.text import fmt

POLICY_LABELS: dict[str, str] = {
    "current": "现行规则",
    "mean": "算术平均",
    "trimmed_mean": "去掉一个最高分和一个最低分后取平均（≥3位专家）",
    "median": "中位数",
    "zscore": "z分数校准后按现行规则",
}


def trim_counts(n: np.ndarray, policy: AggregationPolicy) -> np.ndarray:
    """:func:`iipeval.core.scoring.aggregation.trim_count` for an array of counts."""
    n = np.asarray(n, dtype=float)
    if policy.method == "mean":
        return np.zeros_like(n)
    if policy.method == "median":
        return np.maximum(n - 1, 0) / 2
    if policy.trim_min_experts is not None:
        return np.where(n >= policy.trim_min_experts, 1.0, 0.0)
    return np.round(policy.trim * n, 12)


def trimmed(raw: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The trimmed mean of each row of ``raw`` (..., E), NaN where none, with ``g`` (...)
    scores set aside at each end, a score on the boundary counting in part: the engine's
    rule (:func:`iipeval.core.scoring.aggregation.order_weights`), vectorised."""
    n = np.sum(~np.isnan(raw), axis=-1)
    x = np.nan_to_num(np.sort(raw, axis=-1), nan=0.0)  # NaN sorts last
    i = np.arange(1, raw.shape[-1] + 1, dtype=float)
    g = np.asarray(g, dtype=float)[..., None]
    # no rounding here (it costs as much as the rest): a weight of 1e-16 left on a score
    # set aside moves the mean by 1e-16 of it
    w = np.maximum(np.minimum(i, n[..., None] - g) - np.maximum(i - 1, g), 0.0)
    den = w.sum(axis=-1)
    total = np.einsum("...e,...e->...", w, x)
    return np.divide(total, den, out=np.full(n.shape, np.nan), where=n > 0)


def combine(
    raw: np.ndarray, how: str, policy: AggregationPolicy, g: np.ndarray | None = None
) -> np.ndarray:
    """Panel score of every (application, part) from raw (A, P, E); NaN where nobody
    scored. ``g`` overrides the count set aside at each end (leave-one-out keeps the
    full panel's)."""
    n = np.sum(~np.isnan(raw), axis=-1)
    if g is None:
        if how in ("current", "zscore"):
            g = trim_counts(n, policy)
        elif how == "mean":
            g = np.zeros(n.shape)
        elif how == "median":
            g = np.maximum(n - 1, 0) / 2
        else:  # the common practice: one of each end from 3 experts on
            g = np.where(n >= 3, 1.0, 0.0)
    return trimmed(raw, g)


def calibrated(raw: np.ndarray, min_scores: int) -> tuple[np.ndarray, list[bool]]:
    """Each expert's scores rescaled to the panel's mean and spread (z-scores), for experts
    with at least ``min_scores`` scores and some spread; the others are kept as given."""
    values = raw[~np.isnan(raw)]
    out = raw.copy()
    done = []
    if values.size < 2:
        return out, [False] * raw.shape[2]
    mu, sd = float(values.mean()), float(values.std())
    for e in range(raw.shape[2]):
        mine = raw[:, :, e]
        got = mine[~np.isnan(mine)]
        ok = got.size >= min_scores and got.std() > 0
        if ok:
            out[:, :, e] = np.clip(mu + sd * (mine - got.mean()) / got.std(), 0, 100)
        done.append(bool(ok))
    return out, done


class Scenario(BaseModel):
    """The ranking under one panel policy, or without one expert."""

    id: str
    label: str
    ranks: list[int | None]  # aligned with ``GroupRobustness.applicants``
    totals: list[float | None] = []  # the totals this ranking comes from (None: unranked)
    recommended: list[bool]
    changes: list[str]  # what crosses the line, in Chinese
    moved: int  # applications whose rank changed
    note: str = ""
    #: leave-one-out: what changes on top when the round's rule is applied afresh to the
    #: fewer experts left (the share set aside follows their number) rather than kept
    rule_changes: list[str] = []


class ExpertDiagnostics(BaseModel):
    expert: str
    count: int
    compared: int  # scores with at least one other expert on the same part
    offset: float | None
    spread: float | None
    spread_ratio: float | None
    correlation: float | None
    calibrated: bool
    flags: list[str]
    note: str = ""


# -- panel scenarios -------------------------------------------------------------------------


def _shift(g: Group, panel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each ranked application's indicator points moved by a new panel score (A, P), the
    same per dimension, and whether it lost a part nobody now scores."""
    delta = np.where(np.isnan(panel) | np.isnan(g.panel), 0.0, panel - g.panel) * g.slope
    move = np.zeros_like(g.scores)
    np.add.at(move.T, g.part_indicator, delta.T)
    points = g.engine_weights * move / 100
    lost = np.any(np.isnan(panel) & ~np.isnan(g.panel) & (g.slope != 0), axis=1)
    return points, points @ g.tree.membership, lost


def _scenario_standings(g: Group, points, dims, lost) -> list[Standing]:
    """The set's standings with ranked applications' totals shifted by ``points``."""
    by_source = {s: k for k, s in enumerate(g.sources)}
    ind_index = {iid: i for i, (iid, _) in enumerate(g.tree.indicators)}
    dim_index = {did: d for d, (did, _) in enumerate(g.tree.dimensions)}
    out = []
    for s in g.standings:
        k = by_source.get(s.source)
        if k is None:
            out.append(s)
            continue
        if lost[k]:
            out.append(dataclasses.replace(s, total=None, provisional=True))
            continue
        pts = dict(s.points.items())
        for tid in g.tie_break:  # only tie-breaks read points
            if tid in ind_index:
                pts[tid] = pts.get(tid, 0.0) + float(points[k, ind_index[tid]])
            elif tid in dim_index:
                pts[tid] = pts.get(tid, 0.0) + float(dims[k, dim_index[tid]])
        out.append(dataclasses.replace(s, total=s.total + float(points[k].sum()), points=pts))
    return out


def _ranked(g: Group, panel: np.ndarray, plain: bool = True) -> tuple[list, list[bool], list]:
    """Ranks, places in the list and totals of the ranked applications under ``panel``:
    :func:`.ranking.rank` itself, or, when no two totals are within its tie tolerance
    (the order is then the totals' alone: neither tie-breaks nor names are read), the same
    ranks from the totals sorted (``plain``; off, always the former)."""
    points, dims, lost = _shift(g, panel)
    total = g.engine_totals + points.sum(axis=1)
    live = np.flatnonzero(~lost)
    order = live[np.argsort(-total[live], kind="stable")]
    gaps = -np.diff(total[order])
    if plain and len(order) and np.all(gaps > EPS * max(1.0, float(np.max(np.abs(total[order]))))):
        rk = g.ranking
        ranks: list = [None] * g.size
        listed = [False] * g.size
        for pos, k in enumerate(order.tolist(), start=1):
            below = rk.min_total is not None and total[k] < rk.min_total - EPS
            ranks[k], listed[k] = pos, not (below or (rk.quota is not None and pos > rk.quota))
        return ranks, listed, [None if lost[k] else float(total[k]) for k in range(g.size)]
    standings = _scenario_standings(g, points, dims, lost)
    entries, _ = rank(standings, g.tie_break, g.ranking)
    by_source = {e.source: e for e in entries}
    totals = {s.source: s.total for s in standings}
    return (
        [by_source[s].rank for s in g.sources],
        [by_source[s].listed for s in g.sources],
        [totals[s] for s in g.sources],
    )


def _scenario(g: Group, sid: str, label: str, panel: np.ndarray, base: Scenario | None) -> Scenario:
    ranks, rec, totals = _ranked(g, panel)
    changes, moved = [], 0
    if base is not None:
        for k, name in enumerate(g.names):
            was, now = base.ranks[k], ranks[k]
            moved += was != now
            if now is None:
                changes.append(f"{name}缺少专家评分，无法排名")
            elif rec[k] != base.recommended[k]:
                word = "进入推荐名单" if rec[k] else "落出推荐名单"
                changes.append(f"{name}由第{was}名变为第{now}名，{word}")
    return Scenario(
        id=sid,
        label=label,
        ranks=ranks,
        totals=totals,
        recommended=rec,
        changes=changes,
        moved=moved,
    )


def panel_scenarios(
    g: Group, settings: RobustnessSettings
) -> tuple[list[Scenario], list[Scenario]]:
    """Rankings under each panel policy, and without each expert in turn."""
    base = _scenario(g, "current", POLICY_LABELS["current"], g.panel, None)
    policies = [base.model_copy(update={"moved": 0})]
    if not g.experts:
        return policies, []
    cal, done = calibrated(g.raw, settings.calibration_min_scores)
    for how in ("mean", "trimmed_mean", "median", "zscore"):
        panel = combine(cal if how == "zscore" else g.raw, how, g.policy)
        sc = _scenario(g, how, POLICY_LABELS[how], panel, base)
        if how == "zscore":
            skipped = [e for e, ok in zip(g.experts, done, strict=True) if not ok]
            if skipped:
                sc.note = f"{'、'.join(skipped)}评分少于{settings.calibration_min_scores}个或无差异，未校准"
        policies.append(sc)
    loo = [_without(g, e, name, base) for e, name in enumerate(g.experts)]
    return policies, loo


def _without(g: Group, e: int, name: str, base: Scenario) -> Scenario:
    """The ranking without expert ``e``, the rule kept as the full panel applied it (the
    same count set aside at each end), so a change is the expert's doing; where the
    round's rule, applied afresh to the fewer experts left, moves the list otherwise, that
    is said separately (``rule_changes``)."""
    n_full = np.sum(~np.isnan(g.raw), axis=2)
    raw = g.raw.copy()
    raw[:, :, e] = np.nan
    n = np.sum(~np.isnan(raw), axis=2)
    fixed = np.minimum(trim_counts(n_full, g.policy), np.maximum(n - 1, 0) / 2)
    sc = _scenario(
        g, f"without:{name}", f"去掉{name}", combine(raw, "current", g.policy, fixed), base
    )
    afresh = combine(raw, "current", g.policy)
    if not np.allclose(afresh, combine(raw, "current", g.policy, fixed), equal_nan=True):
        again = _scenario(g, "", "", afresh, sc)
        sc.rule_changes = again.changes
    return sc


# -- expert calibration diagnostics ----------------------------------------------------------


def diagnostics(g: Group, settings: RobustnessSettings) -> list[ExpertDiagnostics]:
    """Per expert: count, mean offset from the others on the same parts, spread, the median
    of the correlations with each colleague; flagged beyond the thresholds, stating the
    numbers and nothing more, and nothing at all on fewer common scores than stated."""
    _, done = calibrated(g.raw, settings.calibration_min_scores)
    out = []
    for e, name in enumerate(g.experts):
        mine = g.raw[:, :, e]
        others = np.delete(g.raw, e, axis=2)
        n_o = np.sum(~np.isnan(others), axis=2)
        rest = np.divide(
            np.nansum(np.nan_to_num(others, nan=0.0), axis=2),
            n_o,
            out=np.full(n_o.shape, np.nan),
            where=n_o > 0,
        )
        seen = ~np.isnan(mine)
        pair = seen & (n_o > 0)
        count, compared = int(seen.sum()), int(pair.sum())
        least = settings.calibration_min_scores
        d = ExpertDiagnostics(
            expert=name,
            count=count,
            compared=compared,
            offset=float(np.mean(mine[pair] - rest[pair])) if compared else None,
            spread=float(np.std(mine[seen])) if count else None,
            spread_ratio=_spread_ratio(mine, others),
            correlation=_median_correlation(mine, others, least) if compared >= least else None,
            calibrated=done[e],
            flags=[],
        )
        if compared < least:
            d.note = f"与其他专家共同评分{compared}个，少于{least}个，不作提示"
        else:
            d.flags = _flags(d, settings)
        out.append(d)
    return out


def _flags(d: ExpertDiagnostics, settings: RobustnessSettings) -> list[str]:
    """The thresholds this expert's numbers exceed, each with its numbers."""
    flags = []
    if d.offset is not None and abs(d.offset) > settings.offset_threshold:
        word = "高" if d.offset > 0 else "低"
        flags.append(
            f"平均比其他专家{word}{fmt(abs(d.offset), 1)}分，超过±{fmt(settings.offset_threshold)}分"
        )
    if d.correlation is not None and d.correlation < settings.min_correlation:
        flags.append(
            f"与其他专家评分的相关系数（两两相关的中位数）为{fmt(d.correlation, 2)}，"
            f"低于{fmt(settings.min_correlation)}"
        )
    lo, hi = settings.spread_ratio
    if d.offset is not None and d.spread_ratio is not None and not lo <= d.spread_ratio <= hi:
        flags.append(
            f"评分标准差为其他专家的{fmt(d.spread_ratio, 2)}倍，不在{fmt(lo)}～{fmt(hi)}倍之间"
        )
    return flags


def _median_correlation(mine: np.ndarray, others: np.ndarray, least: int) -> float | None:
    """The median of this expert's correlations with each colleague, each on the parts both
    scored (at least ``least`` of them). Not the correlation with the others' mean: one
    erratic colleague in that mean would make every sound expert look out of step."""
    found = []
    for f in range(others.shape[2]):
        both = ~np.isnan(mine) & ~np.isnan(others[:, :, f])
        x, y = mine[both], others[:, :, f][both]
        if both.sum() >= least and x.std() > 0 and y.std() > 0:
            found.append(float(np.corrcoef(x, y)[0, 1]))
    return float(np.median(found)) if found else None


def _spread_ratio(mine: np.ndarray, others: np.ndarray) -> float | None:
    """This expert's standard deviation over the mean of each other expert's, every one
    taken on the parts both scored (so a colleague's offset does not count as spread)."""
    ratios = []
    for f in range(others.shape[2]):
        both = ~np.isnan(mine) & ~np.isnan(others[:, :, f])
        if both.sum() >= 2 and np.std(others[:, :, f][both]) > 0:
            ratios.append(np.std(mine[both]) / np.std(others[:, :, f][both]))
    return float(np.mean(ratios)) if ratios else None
