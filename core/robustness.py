"""How robust a ranking is: weight sensitivity, the panel's influence, expert calibration.

A recommendation list must survive "would it change with slightly different weights, or
without that one expert?". The engine runs once per application; everything here works on
what it produced, as arrays:

* indicator scores (0-100), their 不适用 status and the weight hierarchy give every total
  for any weights (不适用 indicators renormalised within their dimension, exactly as
  :mod:`.engine` does), so Monte Carlo draws and one-at-a-time sweeps never re-score;
* with the figures fixed, an indicator's score is affine in its expert parts' panel
  scores (:mod:`.linear`); the coefficients are read from each indicator's trace, so other
  panel policies and leave-one-expert-out re-aggregate the experts' raw scores and shift
  the totals, without the engine.

Both reconstructions are checked against the engine's own totals and panel scores before
anything is reported; a mismatch raises :class:`RobustnessError` rather than reporting
numbers about a different ranking. Scenario rankings (panel policies, leave-one-out) go
through :func:`.ranking.rank` itself, so ties, quota and 推荐最低总分 behave as in scoring.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import __version__
from .api import Evaluator
from .batch import Batch
from .explain import Explanation, fmt
from .params import AggregationPolicy, Effective, RankingPolicy
from .ranking import Ranking, Standing, rank, result_key
from .results import Result
from .rules import expert_part_id

#: Totals and panel scores rebuilt from arrays must match the engine's to this tolerance.
CHECK_TOL = 1e-6
DRAW_CHUNK = 500  # draws re-aggregated at once: bounds memory to chunk × applications


class RobustnessError(ValueError):
    """The analysis cannot be trusted for this batch (message in Chinese)."""


class RobustnessSettings(BaseModel):
    """What the analysis does; recorded in its output so it can be reproduced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    draws: int = Field(default=2000, ge=1, le=1_000_000, description="蒙特卡洛抽样次数")
    spread: float = Field(default=0.2, gt=0, lt=1, description="权重相对扰动幅度（±）")
    seed: int = Field(default=0, ge=0, description="随机数种子")
    method: Literal["uniform", "dirichlet"] = Field(
        default="uniform",
        description="uniform：每个权重乘以 1+U(-S,S) 后在其层级内归一；"
        "dirichlet：每一层的占比取自以现行占比为中心的狄利克雷分布，平均占比的相对标准差为 S/√3",
    )
    quota: int | None = Field(
        default=None, ge=1, description="参数文件未设推荐名额时使用的推荐名额"
    )
    calibration_min_scores: int = Field(
        default=5, ge=2, description="z分数校准与相关系数所需的最少评分个数"
    )
    offset_threshold: float = Field(default=10.0, gt=0, description="平均偏差提示阈值（分）")
    min_correlation: float = Field(default=0.3, ge=-1, le=1, description="相关系数提示阈值")
    spread_ratio: tuple[float, float] = Field(
        default=(0.5, 2.0), description="标准差与其他专家之比的提示区间"
    )


# -- the weight hierarchy (the one place that knows its shape) --------------------------------


@dataclass(frozen=True)
class WeightTree:
    """Effective points: dimensions sum to ``total``; indicators to their dimension."""

    total: float
    dimensions: tuple[tuple[str, str], ...]  # (id, name)
    dimension_points: np.ndarray
    indicators: tuple[tuple[str, str], ...]
    indicator_points: np.ndarray
    parent: np.ndarray  # indicator index → dimension index

    @property
    def membership(self) -> np.ndarray:
        m = np.zeros((len(self.indicators), len(self.dimensions)))
        m[np.arange(len(self.indicators)), self.parent] = 1.0
        return m


def weight_tree(eff: Effective) -> WeightTree:
    """The weight hierarchy the engine aggregates with: dimensions, then indicators."""
    fw = eff.framework
    dims, inds, parent = [], [], []
    for k, d in enumerate(fw.dimensions):
        dims.append((d.id, d.name))
        for i in d.indicators:
            inds.append((i.id, i.name))
            parent.append(k)
    return WeightTree(
        total=float(fw.total_weight),
        dimensions=tuple(dims),
        dimension_points=np.array([eff.dimension_points[d] for d, _ in dims], dtype=float),
        indicators=tuple(inds),
        indicator_points=np.array([eff.indicator_points[i] for i, _ in inds], dtype=float),
        parent=np.array(parent, dtype=int),
    )


def totals(
    tree: WeightTree,
    scores: np.ndarray,
    live: np.ndarray,
    dim_w: np.ndarray,
    ind_w: np.ndarray,
) -> np.ndarray:
    """Totals of every application under weights ``dim_w`` (K, D) and ``ind_w`` (K, I).

    ``scores`` (A, I) holds 0 where ``live`` is false (不适用). Only proportions matter at
    each level, as in the engine: an application's 不适用 indicators give their share to
    the rest of their dimension, and a dimension with nothing live to the other dimensions.
    Returns (K, A). Applications with nothing 不适用 (the usual case) take one matrix
    product with each draw's effective indicator points; the others the general path.
    """
    m = tree.membership
    ind_sums = ind_w @ m  # (K, D)
    share = dim_w / dim_w.sum(axis=1, keepdims=True)  # (K, D)
    points = tree.total * ind_w * (share / ind_sums)[:, tree.parent]  # (K, I)
    out = np.empty((ind_w.shape[0], scores.shape[0]))
    full = live.all(axis=1)
    out[:, full] = (scores[full] @ points.T).T / 100
    if not full.all():
        out[:, ~full] = _totals_with_na(tree, scores[~full], live[~full], dim_w, ind_w)
    return out


def _totals_with_na(tree, scores, live, dim_w, ind_w) -> np.ndarray:
    m = tree.membership
    w = ind_w[:, :, None] * m[None]  # (K, I, D)
    k, i, d = w.shape
    flat = w.transpose(1, 0, 2).reshape(i, k * d)
    num = (scores @ flat).reshape(-1, k, d)  # (A, K, D)
    den = (live @ flat).reshape(-1, k, d)
    dim_live = den > 0
    means = np.divide(num, den, out=np.zeros_like(num), where=dim_live)
    top = np.einsum("akd,kd->ka", means, dim_w)
    bottom = np.einsum("akd,kd->ka", dim_live, dim_w)
    return tree.total / 100 * top / bottom


# -- one criteria set's ranked applications as arrays -----------------------------------------


@dataclass
class Group:
    """The ranked applications of one criteria set (and sub-type), in baseline order."""

    framework: str
    framework_name: str
    subtype: str | None
    subtype_name: str | None
    tree: WeightTree
    policy: AggregationPolicy
    ranking: RankingPolicy
    quota_source: str
    tie_break: list[str]
    standings: list[Standing]  # every application of the set, ranked or not
    sources: list[str]  # ranked applications, baseline order
    names: list[str]
    keys: list[str]
    engine_totals: np.ndarray
    scores: np.ndarray  # (A, I) 0-100, 0 where 不适用
    live: np.ndarray  # (A, I) 1.0 where not 不适用
    engine_weights: np.ndarray  # (A, I) the engine's per-application indicator points
    parts: list[str]
    part_indicator: np.ndarray  # part index → indicator index
    experts: list[str]
    raw: np.ndarray  # (A, P, E) each expert's score, NaN where none
    panel: np.ndarray  # (A, P) the engine's panel score, NaN where none
    slope: np.ndarray  # (A, P) indicator score points per panel score point
    notes: list[str]

    @property
    def size(self) -> int:
        return len(self.sources)


def _slopes(indicator: str, trace: Explanation) -> dict[str, float] | None:
    """d(indicator score)/d(panel score) of each expert part, read from the trace.

    ``None`` when an expert part sits under a rule type that is not a weighted
    combination: its dependence on the panel is then unknown here.
    """
    out: dict[str, float] = {}

    def walk(node: Explanation, factor: float) -> bool:
        if node.rule == "expert":
            out[expert_part_id(indicator, node.id)] = factor
            return True
        if not node.components:
            return True
        if node.rule != "weighted":
            return not _has_expert(node)
        live = [c for c in node.components if c.status != "na"]
        total_w = sum(c.weight or 0.0 for c in live)
        return all(walk(c, factor * (c.weight or 0.0) / total_w) for c in live)

    return out if walk(trace, 1.0) else None


def _has_expert(node: Explanation) -> bool:
    return node.rule == "expert" or any(_has_expert(c) for c in node.components)


def build_group(
    ev: Evaluator,
    batch: Batch,
    ranking: Ranking,
    settings: RobustnessSettings,
    results: Callable[[str], Result] | None = None,
) -> Group:
    """Arrays of one ranking's applications, checked against the engine's totals."""
    eff = ev.effective(ranking.framework, ranking.subtype)
    tree = weight_tree(eff)
    quota, source = eff.ranking.quota, "参数文件"
    if quota is None and settings.quota is not None:
        quota, source = settings.quota, "命令行 --quota"
    elif quota is None:
        source = "未设"
    policy = eff.ranking.model_copy(update={"quota": quota})
    here = (ranking.framework, ranking.subtype)
    mine = [s for s in batch.standings if (s.framework, s.subtype) == here]
    entries, _ = rank(mine, ranking.tie_break, policy)
    by_source = {s.source: s for s in mine}
    ranked = [by_source[e.source] for e in entries if e.rank is not None]
    get = results or batch.result

    ind_index = {iid: k for k, (iid, _) in enumerate(tree.indicators)}
    parts = [pid for pid, _, _ in eff.framework.expert_parts()]
    part_index = {p: k for k, p in enumerate(parts)}
    a, n_i, n_p = len(ranked), len(tree.indicators), len(parts)
    scores, live, weights = np.zeros((a, n_i)), np.zeros((a, n_i)), np.zeros((a, n_i))
    panel, slope = np.full((a, n_p), np.nan), np.zeros((a, n_p))
    raw_rows: list[dict[tuple[int, str], float]] = []
    experts: set[str] = set()
    notes: list[str] = []
    nonlinear: set[str] = set()
    for row, st in enumerate(ranked):
        r = get(st.source)
        given: dict[tuple[int, str], float] = {}
        for ind in r.indicators:
            k = ind_index[ind.id]
            weights[row, k] = ind.weight
            if ind.status != "na":
                live[row, k] = 1.0
                scores[row, k] = ind.score or 0.0
                s = _slopes(ind.id, ind.trace)
                if s is None:
                    nonlinear.add(ind.name)
                    continue
                for pid, v in s.items():
                    slope[row, part_index[pid]] = v
        for p in r.panels:
            if p.part not in part_index:
                continue
            panel[row, part_index[p.part]] = p.score
            for e, v in p.experts.items():
                given[(part_index[p.part], e)] = float(v)
                experts.add(e)
        raw_rows.append(given)
    ordered = sorted(experts)
    e_index = {e: k for k, e in enumerate(ordered)}
    raw = np.full((a, n_p, len(ordered)), np.nan)
    for row, given in enumerate(raw_rows):
        for (p, e), v in given.items():
            raw[row, p, e_index[e]] = v
    if nonlinear:
        notes.append(
            f"指标{'、'.join(sorted(nonlinear))}的计分规则不是专家评分的加权组合，"
            "专家影响分析未包含这些指标中的专家评分"
        )
    st_name = eff.framework.subtype(ranking.subtype)
    group = Group(
        framework=ranking.framework,
        framework_name=ranking.framework_name,
        subtype=ranking.subtype,
        subtype_name=st_name.name if st_name else None,
        tree=tree,
        policy=eff.policy,
        ranking=policy,
        quota_source=source,
        tie_break=list(ranking.tie_break),
        standings=mine,
        sources=[s.source for s in ranked],
        names=[s.applicant for s in ranked],
        keys=[result_key(s) for s in ranked],
        engine_totals=np.array([s.total for s in ranked], dtype=float),
        scores=scores,
        live=live,
        engine_weights=weights,
        parts=parts,
        part_indicator=np.array([ind_index[p.split(".")[0]] for p in parts], dtype=int).reshape(-1),
        experts=ordered,
        raw=raw,
        panel=panel,
        slope=slope,
        notes=notes,
    )
    _check(group)
    return group


def _check(g: Group) -> None:
    """The arrays must give back the engine's totals and panel scores, or nothing is shown."""
    if not g.size:
        return
    t = g.tree
    mine = totals(t, g.scores, g.live, t.dimension_points[None], t.indicator_points[None])[0]
    worst = float(np.max(np.abs(mine - g.engine_totals)))
    if worst > CHECK_TOL:
        raise RobustnessError(
            f"{g.framework_name}：按权重重新汇总的总分与评分结果相差{worst:.3g}分，稳健性分析未进行"
        )
    again = combine(g.raw, "current", g.policy)
    seen = ~np.isnan(g.panel)
    if seen.any() and np.max(np.abs(again[seen] - g.panel[seen])) > CHECK_TOL:
        raise RobustnessError(f"{g.framework_name}：重新汇总的专家评分与评分结果不一致")


# -- panel policies --------------------------------------------------------------------------

PanelPolicy = Literal["current", "mean", "trimmed_mean", "median", "zscore"]
POLICY_LABELS: dict[str, str] = {
    "current": "现行规则",
    "mean": "算术平均",
    "trimmed_mean": "去掉一个最高分和一个最低分后平均（≥3位专家）",
    "median": "中位数",
    "zscore": "z分数校准后按现行规则",
}


def combine(raw: np.ndarray, how: str, policy: AggregationPolicy) -> np.ndarray:
    """Panel score of every (application, part) from raw (A, P, E); NaN where nobody scored."""
    n = np.sum(~np.isnan(raw), axis=2)
    has = n > 0
    total = np.nan_to_num(raw, nan=0.0).sum(axis=2)
    mean = np.divide(total, n, out=np.full(n.shape, np.nan), where=has)
    if how == "mean" or (how in ("current", "zscore") and policy.method == "mean"):
        return mean
    if how == "median":
        out = np.full(n.shape, np.nan)
        if has.any():
            out[has] = np.nanmedian(raw[has], axis=1)
        return out
    threshold = 3 if how == "trimmed_mean" else policy.trim_min_experts
    hi = np.max(np.where(np.isnan(raw), -np.inf, raw), axis=2)
    lo = np.min(np.where(np.isnan(raw), np.inf, raw), axis=2)
    hi, lo = np.where(has, hi, 0.0), np.where(has, lo, 0.0)
    trimmed = np.divide(total - hi - lo, n - 2, out=mean.copy(), where=n >= max(threshold, 3))
    return np.where(n >= threshold, trimmed, mean)


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


# -- output models ---------------------------------------------------------------------------


class Acceptability(BaseModel):
    applicant: str
    key: str
    source: str
    rank: int
    total: float
    shares: dict[int, float]  # rank → share of draws (non-zero only)
    mean_rank: float
    in_quota: float | None  # share of draws inside the recommended list


class Interval(BaseModel):
    level: Literal["维度", "指标"]
    id: str
    name: str
    dimension: str
    points: float
    low: float
    high: float
    floor: float  # the weight's range: (floor, ceiling)
    ceiling: float
    low_change: str  # what changes first below ``low`` ("" when nothing does)
    high_change: str
    note: str = ""


class Scenario(BaseModel):
    """The ranking under one panel policy, or without one expert."""

    id: str
    label: str
    ranks: list[int | None]  # aligned with ``GroupRobustness.applicants``
    recommended: list[bool]
    changes: list[str]  # what crosses the line, in Chinese
    moved: int  # applications whose rank changed
    note: str = ""


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


class GroupRobustness(BaseModel):
    framework: str
    framework_name: str
    subtype: str | None
    subtype_name: str | None
    quota: int | None
    quota_source: str
    min_total: float | None
    applicants: list[Acceptability]
    set_unchanged: float | None
    set_unchanged_se: float | None
    order_unchanged: float | None
    intervals: list[Interval]
    policies: list[Scenario]
    leave_one_out: list[Scenario]
    experts: list[ExpertDiagnostics]
    unranked: int
    notes: list[str]


class Robustness(BaseModel):
    tool_version: str
    settings: RobustnessSettings
    method_note: str
    groups: list[GroupRobustness]


# -- Monte Carlo -----------------------------------------------------------------------------


def draw_weights(
    tree: WeightTree, settings: RobustnessSettings, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(K, D) dimension and (K, I) indicator points, each level summing to its parent.

    ``uniform``: each weight × (1+U(−S,S)), then renormalised within its level.
    ``dirichlet``: each level's shares drawn from a Dirichlet centred on the current ones,
    its concentration set so that a share of average size varies as much as under
    ``uniform`` (relative standard deviation S/√3).
    """
    k, s = settings.draws, settings.spread
    if settings.method == "dirichlet":
        d = tree.total * _dirichlet(rng, tree.dimension_points, s, k)
        i = np.empty((k, len(tree.indicators)))
        for e in range(len(tree.dimensions)):
            mine = tree.parent == e
            i[:, mine] = _dirichlet(rng, tree.indicator_points[mine], s, k) * d[:, [e]]
        return d, i
    d = tree.dimension_points * (1 + rng.uniform(-s, s, (k, len(tree.dimensions))))
    d *= tree.total / d.sum(axis=1, keepdims=True)
    i = tree.indicator_points * (1 + rng.uniform(-s, s, (k, len(tree.indicators))))
    sums = i @ tree.membership  # (K, D)
    i *= (d / sums)[:, tree.parent]
    return d, i


def _dirichlet(rng: np.random.Generator, weights: np.ndarray, s: float, k: int) -> np.ndarray:
    n = len(weights)
    if n == 1:
        return np.ones((k, 1))
    concentration = 3 * (n - 1) / s**2 - 1  # Var(p)/p² = (1−p)/(p(κ+1)) at p = 1/n
    return rng.dirichlet(concentration * weights / weights.sum(), size=k)


def _order(t: np.ndarray) -> np.ndarray:
    """Positions (0-based) for each row of totals; equal totals keep baseline order."""
    order = np.argsort(-t, axis=-1, kind="stable")
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(t.shape[-1])[None].repeat(t.shape[0], 0), axis=-1)
    return pos


def _recommended(t: np.ndarray, pos: np.ndarray, rk: RankingPolicy) -> np.ndarray:
    inside = np.ones_like(pos, dtype=bool)
    if rk.quota is not None:
        inside &= pos < rk.quota
    if rk.min_total is not None:
        inside &= t >= rk.min_total - 1e-9
    return inside


def monte_carlo(g: Group, settings: RobustnessSettings):
    """Rank counts (A, A), in-list counts (A,), draws with the same list / same order."""
    rng = np.random.default_rng(settings.seed)
    dw, iw = draw_weights(g.tree, settings, rng)
    a = g.size
    counts = np.zeros(a * a, dtype=np.int64)
    inside = np.zeros(a, dtype=np.int64)
    same_set = same_order = 0
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    base_in = np.zeros(a, dtype=bool)
    if line:
        base_in = _recommended(g.engine_totals[None], np.arange(a)[None], g.ranking)[0]
    for start in range(0, settings.draws, DRAW_CHUNK):
        t = totals(
            g.tree, g.scores, g.live, dw[start : start + DRAW_CHUNK], iw[start : start + DRAW_CHUNK]
        )
        pos = _order(t)
        counts += np.bincount((np.arange(a) * a + pos).ravel(), minlength=a * a)
        if line:
            rec = _recommended(t, pos, g.ranking)
            inside += rec.sum(axis=0)
            same = np.all(rec == base_in, axis=1)
            same_set += int(same.sum())
            kept = np.all(np.where(base_in, pos == np.arange(a), True), axis=1)
            same_order += int((same & kept).sum())
    return counts.reshape(a, a), inside, same_set, same_order


# -- one at a time ---------------------------------------------------------------------------


def _dimension_means(g: Group) -> tuple[np.ndarray, np.ndarray]:
    w = g.tree.indicator_points[:, None] * g.tree.membership
    num, den = g.scores @ w, g.live @ w
    live = (den > 0).astype(float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0), live


def _mobius_dimension(g: Group, j: int, means, dlive):
    """Totals as (P + Q t)/(R + U t) when dimension ``j`` has ``t`` points."""
    t = g.tree
    d0 = t.dimension_points
    others = np.arange(len(d0)) != j
    rest = t.total - d0[j]
    p, q = t.total / rest, -1 / rest
    a2 = (means * dlive)[:, others] @ d0[others]
    b2 = dlive[:, others] @ d0[others]
    a1, b1 = dlive[:, j] * means[:, j], dlive[:, j]
    k = t.total / 100
    return k * a2 * p, k * (a1 + a2 * q), b2 * p, b1 + b2 * q


def _mobius_indicator(g: Group, j: int, means, dlive):
    """Totals as (P + Q t)/(R + U t) when indicator ``j`` has ``t`` of its dimension's points."""
    t = g.tree
    e = t.parent[j]
    de = t.dimension_points[e]
    i0 = t.indicator_points
    peers = (t.parent == e) & (np.arange(len(i0)) != j)
    rest = de - i0[j]
    p, q = de / rest, -1 / rest
    x = (g.scores * g.live)[:, peers] @ i0[peers]
    y = g.live[:, peers] @ i0[peers]
    lj, sj = g.live[:, j], g.scores[:, j]
    others = np.arange(len(t.dimensions)) != e
    r_a = (means * dlive)[:, others] @ t.dimension_points[others]
    dlive_w = dlive @ t.dimension_points
    le = dlive[:, e]
    k = t.total / 100
    big_p = k * (de * le * x * p + r_a * y * p)
    big_q = k * (de * le * (lj * sj + x * q) + r_a * (lj + y * q))
    big_r = dlive_w * y * p
    big_u = dlive_w * (lj + y * q)
    dead = le == 0  # dimension 不适用 for this application: total does not move
    big_p = np.where(dead, k * r_a, big_p)
    big_q = np.where(dead, 0.0, big_q)
    big_r = np.where(dead, dlive_w, big_r)
    big_u = np.where(dead, 0.0, big_u)
    return big_p, big_q, big_r, big_u


def _roots(c2: np.ndarray, c1: np.ndarray, c0: np.ndarray) -> list[np.ndarray]:
    """Real roots of c2 t² + c1 t + c0 (stable formula; NaN where none)."""
    disc = c1 * c1 - 4 * c2 * c0
    ok = disc >= 0
    sq = np.sqrt(np.where(ok, disc, 0.0))
    qq = -0.5 * (c1 + np.where(c1 >= 0, sq, -sq))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(c2 != 0, qq / c2, np.where(c1 != 0, -c0 / c1, np.nan))
        r2 = np.where((c2 != 0) & (qq != 0), c0 / qq, np.nan)
    return [np.where(ok, r1, np.nan), np.where(ok & (c2 != 0), r2, np.nan)]


@dataclass(frozen=True)
class _Event:
    t: float
    text: str
    first: int  # baseline position of the higher-ranked application involved


def _events(g: Group, mob, lo: float, hi: float) -> list[_Event]:
    """Every time in (lo, hi) where a pair that guards the recommended list, or a member and
    the 推荐最低总分, could change places."""
    big_p, big_q, big_r, big_u = mob
    base = _base_list(g)
    n = g.size
    if g.ranking.quota is None and g.ranking.min_total is None:
        pairs = [(k, k + 1) for k in range(n - 1)]
    else:
        pairs = [(k, k + 1) for k in range(len(base) - 1)]
        if base:
            last = base[-1]
            pairs += [(last, b) for b in range(n) if b not in base and b != last]
    out: list[_Event] = []
    if pairs:
        ia = np.array([p[0] for p in pairs])
        ib = np.array([p[1] for p in pairs])
        c2 = big_q[ia] * big_u[ib] - big_q[ib] * big_u[ia]
        c1 = (
            big_p[ia] * big_u[ib]
            + big_q[ia] * big_r[ib]
            - big_p[ib] * big_u[ia]
            - big_q[ib] * big_r[ia]
        )
        c0 = big_p[ia] * big_r[ib] - big_p[ib] * big_r[ia]
        for roots in _roots(c2, c1, c0):
            for k in np.flatnonzero((roots >= lo) & (roots <= hi)):
                a, b = int(ia[k]), int(ib[k])
                hi_, lo_ = (a, b) if a < b else (b, a)
                out.append(_Event(float(roots[k]), _swap_text(g, hi_, lo_, base), hi_))
    line = g.ranking.min_total
    if line is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = (line * big_r - big_p) / (big_q - line * big_u)
        for k in np.flatnonzero((tt >= lo) & (tt <= hi)):
            word = "降至" if k in base else "升至"
            out.append(_Event(float(tt[k]), f"{g.names[k]}{word}推荐最低总分{fmt(line)}分", int(k)))
    return out


def _swap_text(g: Group, a: int, b: int, base: list[int]) -> str:
    if g.ranking.quota is None and g.ranking.min_total is None:
        return f"{g.names[b]}超过{g.names[a]}（排名次序改变）"
    if a in base and b in base:
        return f"{g.names[b]}超过{g.names[a]}（推荐名单内次序改变）"
    if a in base:
        return f"{g.names[b]}超过{g.names[a]}（{g.names[b]}进入推荐名单）"
    return f"{g.names[b]}超过{g.names[a]}"


def _base_list(g: Group) -> list[int]:
    a = g.size
    rec = _recommended(g.engine_totals[None], np.arange(a)[None], g.ranking)[0]
    return [k for k in range(a) if rec[k]]


def _list_at(g: Group, mob, t: float) -> list[int]:
    big_p, big_q, big_r, big_u = mob
    tot = (big_p + big_q * t) / (big_r + big_u * t)
    pos = _order(tot[None])[0]
    rec = _recommended(tot[None], pos[None], g.ranking)[0]
    return sorted((k for k in range(g.size) if rec[k]), key=lambda k: pos[k])


def _first_change(g: Group, mob, t0: float, end: float, events: list[_Event]):
    """The nearest event towards ``end`` after which the recommended list differs."""
    base = _base_list(g)
    sign = 1 if end > t0 else -1
    ahead = sorted(
        (e for e in events if (e.t - t0) * sign >= -1e-12), key=lambda e: (e.t - t0) * sign
    )
    times = sorted({round(e.t, 12) for e in ahead}, key=lambda t: (t - t0) * sign)
    first = times[0] if times else end
    if abs(first - t0) > 1e-12 and _list_at(g, mob, (t0 + first) / 2) != base:
        return t0, "基准权重下已有同分，稍有变化即改变次序"
    for k, t in enumerate(times):
        nxt = times[k + 1] if k + 1 < len(times) else end
        probe = (t + nxt) / 2
        if _list_at(g, mob, probe) != base:
            at = sorted(
                (e for e in ahead if abs(round(e.t, 12) - t) < 1e-12), key=lambda e: e.first
            )
            return t, "；".join(dict.fromkeys(e.text for e in at))
    return None


def intervals(g: Group) -> list[Interval]:
    """For every weight, the range over which the recommended list (or, without quota and
    推荐最低总分, the whole order) stays the same, the others keeping their proportions."""
    if g.size < 2:
        return []
    t = g.tree
    means, dlive = _dimension_means(g)
    out = []
    for j, (did, name) in enumerate(t.dimensions):
        d0 = float(t.dimension_points[j])
        if len(t.dimensions) < 2:
            continue
        mob = _mobius_dimension(g, j, means, dlive)
        out.append(_interval(g, mob, "维度", did, name, name, d0, 0.0, t.total))
    for j, (iid, name) in enumerate(t.indicators):
        e = int(t.parent[j])
        dname = t.dimensions[e][1]
        de = float(t.dimension_points[e])
        i0 = float(t.indicator_points[j])
        if int(np.sum(t.parent == e)) < 2:
            out.append(
                Interval(
                    level="指标",
                    id=iid,
                    name=name,
                    dimension=dname,
                    points=i0,
                    low=i0,
                    high=i0,
                    floor=i0,
                    ceiling=i0,
                    low_change="",
                    high_change="",
                    note="维度内仅此一个指标，权重随维度变化",
                )
            )
            continue
        mob = _mobius_indicator(g, j, means, dlive)
        out.append(_interval(g, mob, "指标", iid, name, dname, i0, 0.0, de))
    return out


def _interval(g, mob, level, wid, name, dname, t0, floor, ceiling) -> Interval:
    events = _events(g, mob, floor, ceiling)
    low = _first_change(g, mob, t0, floor, events)
    high = _first_change(g, mob, t0, ceiling, events)
    return Interval(
        level=level,
        id=wid,
        name=name,
        dimension=dname,
        points=t0,
        low=floor if low is None else low[0],
        high=ceiling if high is None else high[0],
        floor=floor,
        ceiling=ceiling,
        low_change="" if low is None else low[1],
        high_change="" if high is None else high[1],
    )


# -- panel scenarios -------------------------------------------------------------------------


def _scenario_standings(g: Group, panel: np.ndarray) -> list[Standing]:
    """The set's standings with ranked applications' totals shifted to ``panel`` (A, P)."""
    delta = np.where(np.isnan(panel) | np.isnan(g.panel), 0.0, panel - g.panel) * g.slope
    move = np.zeros_like(g.scores)
    np.add.at(move.T, g.part_indicator, delta.T)
    points = g.engine_weights * move / 100
    dims = points @ g.tree.membership
    lost = np.any(np.isnan(panel) & ~np.isnan(g.panel) & (g.slope != 0), axis=1)
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
        pts = dict(s.points)
        for tid in g.tie_break:  # only tie-breaks read points
            if tid in ind_index:
                pts[tid] = pts.get(tid, 0.0) + float(points[k, ind_index[tid]])
            elif tid in dim_index:
                pts[tid] = pts.get(tid, 0.0) + float(dims[k, dim_index[tid]])
        out.append(dataclasses.replace(s, total=s.total + float(points[k].sum()), points=pts))
    return out


def _scenario(g: Group, sid: str, label: str, panel: np.ndarray, base: Scenario | None) -> Scenario:
    entries, _ = rank(_scenario_standings(g, panel), g.tie_break, g.ranking)
    by_source = {e.source: e for e in entries}
    ranks = [by_source[s].rank for s in g.sources]
    rec = [by_source[s].recommendation == "推荐" for s in g.sources]
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
    return Scenario(id=sid, label=label, ranks=ranks, recommended=rec, changes=changes, moved=moved)


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
    loo = []
    for e, name in enumerate(g.experts):
        raw = g.raw.copy()
        raw[:, :, e] = np.nan
        loo.append(
            _scenario(g, f"without:{name}", f"去掉{name}", combine(raw, "current", g.policy), base)
        )
    return policies, loo


# -- expert calibration diagnostics ----------------------------------------------------------


def diagnostics(g: Group, settings: RobustnessSettings) -> list[ExpertDiagnostics]:
    """Per expert: count, mean offset from the others on the same parts, spread, correlation
    with the others; flagged beyond the thresholds, stating the numbers and nothing more."""
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
        x, y = mine[pair], rest[pair]
        count, compared = int(seen.sum()), int(pair.sum())
        offset = float(np.mean(x - y)) if compared else None
        spread = float(np.std(mine[seen])) if count else None
        ratio = _spread_ratio(mine, others)
        corr = None
        if compared >= settings.calibration_min_scores and x.std() > 0 and y.std() > 0:
            corr = float(np.corrcoef(x, y)[0, 1])
        flags, note = [], ""
        if compared < settings.calibration_min_scores:
            offset_ok = False
            note = (
                f"与其他专家共同评分{compared}个，少于{settings.calibration_min_scores}个，不作提示"
            )
        else:
            offset_ok = offset is not None
        if offset_ok and abs(offset) > settings.offset_threshold:
            word = "高" if offset > 0 else "低"
            flags.append(
                f"平均比其他专家{word}{fmt(abs(offset), 1)}分，超过±{fmt(settings.offset_threshold)}分"
            )
        if corr is not None and corr < settings.min_correlation:
            flags.append(
                f"与其他专家评分的相关系数为{fmt(corr, 2)}，低于{fmt(settings.min_correlation)}"
            )
        lo, hi = settings.spread_ratio
        if offset_ok and ratio is not None and not lo <= ratio <= hi:
            flags.append(f"评分标准差为其他专家的{fmt(ratio, 2)}倍，不在{fmt(lo)}～{fmt(hi)}倍之间")
        out.append(
            ExpertDiagnostics(
                expert=name,
                count=count,
                compared=compared,
                offset=offset,
                spread=spread,
                spread_ratio=ratio,
                correlation=corr,
                calibrated=done[e],
                flags=flags,
                note=note,
            )
        )
    return out


def _spread_ratio(mine: np.ndarray, others: np.ndarray) -> float | None:
    """This expert's standard deviation over the mean of each other expert's, every one
    taken on the parts both scored (so a colleague's offset does not count as spread)."""
    ratios = []
    for f in range(others.shape[2]):
        both = ~np.isnan(mine) & ~np.isnan(others[:, :, f])
        if both.sum() >= 2 and np.std(others[:, :, f][both]) > 0:
            ratios.append(np.std(mine[both]) / np.std(others[:, :, f][both]))
    return float(np.mean(ratios)) if ratios else None


# -- the whole analysis ----------------------------------------------------------------------


def method_note(settings: RobustnessSettings) -> str:
    how = (
        "每个维度权重与指标权重分别乘以(1+U(−S,S))，维度在总分内、指标在所属维度内按比例归一"
        if settings.method == "uniform"
        else "维度占比与各维度内的指标占比分别取自以现行占比为中心的狄利克雷分布（平均占比的相对标准差为S/√3）"
    )
    return (
        f"权重扰动：{how}；各次抽样只重新汇总已算出的指标得分，不重新评分。单项区间：一次只改变一个权重，"
        "同层其余权重保持比例，给出推荐名单及其次序（未设推荐名额与最低总分时为全部排名次序）保持不变的区间"
        "及两端最先发生的变化。"
    )


def analyse_group(g: Group, settings: RobustnessSettings) -> GroupRobustness:
    notes = list(g.notes)
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    if not line:
        notes.append(
            "未设推荐名额（参数文件与 --quota 均未给出），只报告名次分布，不报告名额内概率"
        )
    if not g.size:
        notes.append("没有可参与排名的申报（均需补正、不予推荐或待专家评分），未做分析")
    elif g.ranking.quota is not None and g.ranking.quota >= g.size:
        notes.append(f"推荐名额{g.ranking.quota}个不少于参与排名的申报数{g.size}个")
    elif g.ranking.quota is not None:
        q = g.ranking.quota
        if abs(g.engine_totals[q - 1] - g.engine_totals[q]) < 1e-9:
            notes.append(
                f"第{q}名与第{q + 1}名在名额边界总分相同：抽样与区间以基准次序（含同分比较规则）为准，"
                "名额归属需组织方裁定"
            )
    apps: list[Acceptability] = []
    set_p = set_se = order_p = None
    if g.size:
        counts, inside, same_set, same_order = monte_carlo(g, settings)
        k = settings.draws
        for a in range(g.size):
            row = counts[a]
            apps.append(
                Acceptability(
                    applicant=g.names[a],
                    key=g.keys[a],
                    source=g.sources[a],
                    rank=a + 1,
                    total=float(g.engine_totals[a]),
                    shares={r + 1: float(c) / k for r, c in enumerate(row) if c},
                    mean_rank=float((row * np.arange(1, g.size + 1)).sum()) / k,
                    in_quota=float(inside[a]) / k if line else None,
                )
            )
        if line:
            set_p = same_set / k
            set_se = math.sqrt(set_p * (1 - set_p) / k)
            order_p = same_order / k
    policies, loo = panel_scenarios(g, settings) if g.size else ([], [])
    if policies:
        for a, r in zip(apps, policies[0].ranks, strict=True):
            a.rank = r or a.rank
    return GroupRobustness(
        framework=g.framework,
        framework_name=g.framework_name,
        subtype=g.subtype,
        subtype_name=g.subtype_name,
        quota=g.ranking.quota,
        quota_source=g.quota_source,
        min_total=g.ranking.min_total,
        applicants=apps,
        set_unchanged=set_p,
        set_unchanged_se=set_se,
        order_unchanged=order_p,
        intervals=intervals(g),
        policies=policies,
        leave_one_out=loo,
        experts=diagnostics(g, settings) if g.size else [],
        unranked=len(g.standings) - g.size,
        notes=notes,
    )


def analyse(
    ev: Evaluator,
    batch: Batch,
    settings: RobustnessSettings | None = None,
    rankings: Iterable[Ranking] | None = None,
) -> Robustness:
    """The robustness of every ranking of ``batch`` (one per criteria set and sub-type)."""
    settings = settings or RobustnessSettings()
    groups = []
    for rk in rankings if rankings is not None else batch.rankings:
        g = build_group(ev, batch, rk, settings)
        groups.append(analyse_group(g, settings))
    return Robustness(
        tool_version=__version__,
        settings=settings,
        method_note=method_note(settings),
        groups=groups,
    )
