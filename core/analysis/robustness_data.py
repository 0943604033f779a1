"""Robustness, the data: one criteria set's ranked applications as arrays.

Everything the analysis needs of the engine's results, read once: indicator scores and
their 不适用 status, the effective weight hierarchy, each expert's raw scores per part, and
how each indicator's score moves with its expert parts' panel scores. See
:mod:`.robustness` for what is done with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from iipeval.core.api import Evaluator
from iipeval.core.explain import Explanation
from iipeval.core.model.results import Result
from iipeval.core.round.batch import Batch
from iipeval.core.round.ranking import Ranking, Standing, rank, result_key
from iipeval.core.rules import expert_part_id
from iipeval.core.scoring.params import AggregationPolicy, Effective, RankingPolicy


class RobustnessError(ValueError):
    """The analysis cannot be trusted for this batch (message in Chinese)."""


class RobustnessSettings(BaseModel):
    """What the analysis does; recorded in its output so it can be reproduced."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    draws: int = Field(default=2000, ge=1, le=100_000, description="蒙特卡洛抽样次数")
    spread: float = Field(default=0.2, gt=0, lt=1, description="权重相对扰动幅度（±）")
    seed: int = Field(default=0, ge=0, description="随机数种子")
    method: Literal["uniform", "dirichlet", "ahp"] = Field(
        default="uniform",
        description="uniform：每个权重乘以 (1+U(−S,S)) 后在其层级内归一；"
        "dirichlet：每一层的占比取自以现行占比为中心的狄利克雷分布，集中度使各占比的总方差与同一S的"
        "uniform相同；ahp：按专家的层次分析法调查表重抽样专家，权重随专家判断的离散程度变化（不用S）",
    )
    resamples: int = Field(
        default=1000, ge=0, le=100_000, description="专家重抽样（bootstrap）次数，0 为不做"
    )
    agreement_min: float = Field(
        default=0.5, ge=0, le=1, description="肯德尔和谐系数 W 低于该值提示专家意见不一致"
    )
    agreement_alpha: float = Field(
        default=0.05, gt=0, lt=1, description="W 的 χ² 检验 p 值不低于该值提示一致性不显著"
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
    framework_short_name: str
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
    part_labels: dict[str, str]  # part id → 指标·评分项, as results name it
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
    policy, source = _quota(eff.ranking, settings)
    here = (ranking.framework, ranking.subtype)
    mine = [s for s in batch.standings if (s.framework, s.subtype) == here]
    entries, _ = rank(mine, ranking.tie_break, policy)
    by_source = {s.source: s for s in mine}
    ranked = [by_source[e.source] for e in entries if e.rank is not None]
    labelled = [(pid, f"{ind.name}·{r.label}") for pid, ind, r in eff.framework.expert_parts()]
    parts = [pid for pid, _ in labelled]
    arrays = _arrays(eff, tree, parts, ranked, results or batch.result)
    st_name = eff.framework.subtype(ranking.subtype)
    return Group(
        framework=ranking.framework,
        framework_name=ranking.framework_name,
        framework_short_name=ranking.framework_short_name or ranking.framework_name,
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
        parts=parts,
        part_labels=dict(labelled),
        part_indicator=np.array(
            [
                dict((iid, k) for k, (iid, _) in enumerate(tree.indicators))[p.split(".")[0]]
                for p in parts
            ],
            dtype=int,
        ).reshape(-1),
        **arrays,
    )


def _quota(ranking: RankingPolicy, settings: RobustnessSettings) -> tuple[RankingPolicy, str]:
    """The ranking policy with its quota: the parameters file's, else ``--quota``."""
    quota, source = ranking.quota, "参数文件"
    if quota is None and settings.quota is not None:
        quota, source = settings.quota, "命令行 --quota"
    elif quota is None:
        source = "未设"
    return ranking.model_copy(update={"quota": quota}), source


def _arrays(eff, tree: WeightTree, parts, ranked, get) -> dict:
    """Scores, 不适用 status, the engine's weights, panel scores, slopes and each expert's
    raw score, read from every ranked application's result."""
    ind_index = {iid: k for k, (iid, _) in enumerate(tree.indicators)}
    judged = {ind.id for _, ind, _ in eff.framework.expert_parts()}
    part_index = {p: k for k, p in enumerate(parts)}
    a, n_i, n_p = len(ranked), len(tree.indicators), len(parts)
    out = {
        "scores": np.zeros((a, n_i)),
        "live": np.zeros((a, n_i)),
        "engine_weights": np.zeros((a, n_i)),
        "panel": np.full((a, n_p), np.nan),
        "slope": np.zeros((a, n_p)),
    }
    raw_rows: list[dict[tuple[int, str], float]] = []
    nonlinear: set[str] = set()
    for row, st in enumerate(ranked):
        r = get(st.source)
        _indicators(r, row, out, ind_index, part_index, judged, nonlinear)
        given: dict[tuple[int, str], float] = {}
        for p in r.panels:
            if p.part in part_index:
                out["panel"][row, part_index[p.part]] = p.score
                given |= {(part_index[p.part], e): float(v) for e, v in p.experts.items()}
        raw_rows.append(given)
    experts = sorted({e for given in raw_rows for _, e in given})
    e_index = {e: k for k, e in enumerate(experts)}
    raw = np.full((a, n_p, len(experts)), np.nan)
    for row, given in enumerate(raw_rows):
        for (p, e), v in given.items():
            raw[row, p, e_index[e]] = v
    notes = []
    if nonlinear:
        notes.append(
            f"指标{'、'.join(sorted(nonlinear))}的计分规则不是专家评分的加权组合，"
            "专家影响分析未包含这些指标中的专家评分"
        )
    return {**out, "experts": experts, "raw": raw, "notes": notes}


def _indicators(r: Result, row: int, out: dict, ind_index, part_index, judged, nonlinear) -> None:
    """One application's indicator scores, status and weights, and its parts' slopes."""
    for ind in r.indicators:
        k = ind_index[ind.id]
        out["engine_weights"][row, k] = ind.weight
        if ind.status == "na":
            continue
        out["live"][row, k] = 1.0
        out["scores"][row, k] = ind.score or 0.0
        if ind.id not in judged:  # no expert part: the panel cannot move it
            continue
        s = _slopes(ind.id, ind.trace)
        if s is None:
            nonlinear.add(ind.name)
            continue
        for pid, v in s.items():
            out["slope"][row, part_index[pid]] = v
