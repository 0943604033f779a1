"""Objective weights from the data (熵权法, CRITIC) and their combination with subjective ones.

Rows are applications (alternatives), columns criteria. Both methods are written here with
numpy rather than taken from pymcdm, because (a) pymcdm pulls in pandas, scipy and
matplotlib, (b) its CRITIC takes no benefit/cost types and its entropy gives a column with
one zero the weight of a fully informative one, and (c) a constant column must be reported
to the user, not turned into a silent 0/0. The tests check both against pymcdm on random
positive benefit matrices, where the definitions agree.

* Entropy (Shannon; Hwang & Yoon 1981): p_ij = x_ij / Σ_i x_ij, e_j = −Σ_i p_ij ln p_ij / ln m
  (0·ln 0 = 0), weight ∝ 1 − e_j. A cost criterion is first reflected, x' = max + min − x,
  which keeps its range and keeps it non-negative.
* CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995, Computers & Operations Research 22(7)):
  min–max normalisation (benefit (x − min)/(max − min), cost (max − x)/(max − min)),
  C_j = σ_j · Σ_k (1 − r_jk) with σ_j the standard deviation of the normalised column and
  r_jk the Pearson correlation; weight ∝ C_j.

A column whose values are all equal carries no information: both methods give it weight 0
and name it in ``notes``; CRITIC leaves it out of the other criteria's conflict sums too,
so a constant column changes no other weight.

What cannot be computed is refused with a sentence, never answered with a number: columns
named twice (their weights would be merged), values beyond :data:`MAX_ABS` (sums overflow
and every weight comes out equal), and matrices past :data:`MAX_COLUMNS` or
:data:`MAX_CELLS` (CRITIC's correlation matrix grows with the square of the columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from iipeval.core.text import fmt

OBJECTIVE_METHODS: tuple[str, ...] = ("entropy", "critic")
#: The largest magnitude of a value: no indicator score or figure comes near it, and sums
#: of values this size stay exact enough and finite.
MAX_ABS = 1e15
#: Criteria (columns) one computation takes: a criteria set has tens of indicators.
MAX_COLUMNS = 1000
#: Values one computation takes (rows × columns): 3,000 applications × 300 criteria is under it.
MAX_CELLS = 2_000_000
COMBINATIONS: tuple[str, ...] = ("product", "linear")


class ObjectiveError(ValueError):
    """Data that cannot give weights; the message is for the user (Chinese)."""


@dataclass(frozen=True)
class ObjectiveWeights:
    weights: tuple[float, ...]
    method: str
    rows: int
    constant: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def check_size(rows: int, columns: int) -> None:
    """Refuse data past the stated size before any of it is held as numbers."""
    if columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise ObjectiveError(
            f"数据有 {rows} 行 {columns} 列，超过上限（至多 {MAX_COLUMNS} 列、"
            f"{MAX_CELLS:,} 个数值），未计算"
        )


def _matrix(data: Sequence[Sequence[float]], types: Sequence[str] | None) -> np.ndarray:
    check_size(len(data), len(data[0]) if len(data) and hasattr(data[0], "__len__") else 0)
    x = np.asarray(data, dtype=float)
    if x.ndim != 2 or x.shape[0] < 3 or x.shape[1] < 2:
        raise ObjectiveError("客观赋权至少需要 3 份申报（行）和 2 个指标（列）的完整数据")
    if not np.all(np.isfinite(x)):
        raise ObjectiveError("数据中有缺失或非有限的数值")
    big = np.argwhere(np.abs(x) > MAX_ABS)
    if len(big):
        i, j = (int(v) for v in big[0])
        raise ObjectiveError(
            f"第{i + 1}行第{j + 1}列的数值绝对值超过 {MAX_ABS:.0e}，计算会溢出；"
            "请换用较大的单位（如万元）后重试"
        )
    if types is not None and len(types) != x.shape[1]:
        raise ObjectiveError(f"指标类型有 {len(types)} 个，数据有 {x.shape[1]} 列")
    for t in types or ():
        if t not in ("benefit", "cost"):
            raise ObjectiveError(f"指标类型“{t}”无效：只能是 benefit（效益型）或 cost（成本型）")
    return x


def _costs(types: Sequence[str] | None, n: int) -> np.ndarray:
    return np.array([t == "cost" for t in types] if types else [False] * n)


def entropy(
    data: Sequence[Sequence[float]], types: Sequence[str] | None = None
) -> ObjectiveWeights:
    x = _matrix(data, types)
    if np.any(x < 0):
        raise ObjectiveError("熵权法要求数据非负")
    m, n = x.shape
    cost = _costs(types, n)
    x = np.where(cost, x.max(axis=0) + x.min(axis=0) - x, x)
    constant = tuple(int(j) for j in np.flatnonzero(np.ptp(x, axis=0) == 0))
    sums = x.sum(axis=0)
    p = np.divide(x, sums, out=np.zeros_like(x), where=sums > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    d = 1.0 - e
    d[list(constant)] = 0.0
    return _finish(d, "entropy", m, constant)


def critic(data: Sequence[Sequence[float]], types: Sequence[str] | None = None) -> ObjectiveWeights:
    x = _matrix(data, types)
    m, n = x.shape
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    constant = tuple(int(j) for j in np.flatnonzero(span == 0))
    safe = np.where(span > 0, span, 1.0)
    r = np.where(_costs(types, n), (hi - x) / safe, (x - lo) / safe)
    sigma = r.std(axis=0, ddof=1)
    live = [j for j in range(n) if j not in constant]
    c = np.zeros(n)
    if len(live) == 1:  # the one criterion that tells the applications apart
        c[live] = 1.0
    elif live:
        # conflict with the other informative criteria only: a constant one has no
        # correlation with anything, and counting it as "no correlation" (1 − 0) would add
        # the same 1 to every other sum and shift every weight
        corr = np.atleast_2d(np.corrcoef(r[:, live], rowvar=False))
        c[live] = sigma[live] * (1.0 - corr).sum(axis=0)
    return _finish(c, "critic", m, constant)


def _finish(scores: np.ndarray, method: str, rows: int, constant: tuple[int, ...]):
    total = scores.sum()
    if not total > 0:
        raise ObjectiveError("所有指标的数值都没有差异，无法客观赋权")
    return ObjectiveWeights(tuple(float(v) for v in scores / total), method, rows, constant)


def objective(
    method: str,
    data: Sequence[Sequence[float]],
    types: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> ObjectiveWeights:
    """Weights by ``method``; ``names`` (the columns') must be distinct. Any arithmetic that
    overflows or turns invalid is refused, never returned as a weight."""
    if names is not None:
        twice = sorted({n for n in names if list(names).count(n) > 1})
        if twice:
            raise ObjectiveError(f"列名重复：{'、'.join(twice)}；每个指标只能有一列")
    if method not in OBJECTIVE_METHODS:
        raise ObjectiveError(f"未知的客观赋权方法“{method}”；可选：{'、'.join(OBJECTIVE_METHODS)}")
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            out = entropy(data, types) if method == "entropy" else critic(data, types)
    except FloatingPointError:
        raise ObjectiveError(
            "数据的数值范围过大，计算溢出，未得出权重；请换用较大的单位后重试"
        ) from None
    if not all(np.isfinite(out.weights)):
        raise ObjectiveError("计算结果不是有限的数值，未得出权重；请检查数据")
    return out


def combine(
    subjective: Sequence[float],
    objective_: Sequence[float],
    how: str = "product",
    alpha: float = 0.5,
) -> tuple[float, ...]:
    """Combined weights, summing to 1.

    ``product``: wᵢ = sᵢoᵢ / Σ sⱼoⱼ (multiplicative synthesis); ``linear``: wᵢ = α·sᵢ + (1 − α)·oᵢ
    with both vectors first normalised, α the share given to the subjective weights.
    """
    s = np.asarray(subjective, dtype=float)
    o = np.asarray(objective_, dtype=float)
    if s.shape != o.shape or np.any(s < 0) or np.any(o < 0) or s.sum() <= 0 or o.sum() <= 0:
        raise ObjectiveError("主观权重与客观权重须一一对应且为非负数")
    s, o = s / s.sum(), o / o.sum()
    if how == "product":
        w = s * o
        if w.sum() <= 0:
            raise ObjectiveError("乘积组合后所有权重为 0：主观与客观权重没有共同的非零指标")
        return tuple(float(v) for v in w / w.sum())
    if how == "linear":
        if not 0 <= alpha <= 1:
            raise ObjectiveError(f"线性组合系数须在 0 到 1 之间，现为 {alpha!r}")
        return tuple(float(v) for v in alpha * s + (1 - alpha) * o)
    raise ObjectiveError(f"未知的组合方式“{how}”；可选：{'、'.join(COMBINATIONS)}")


LABELS = {"entropy": "熵权法", "critic": "CRITIC（Diakoulaki 1995）"}


def points(framework, weights_by_id: dict[str, float]) -> dict[str, float]:
    """Global indicator weights → points per dimension (their sum) and per indicator, out
    of the set's total."""
    total = sum(weights_by_id.values())
    out: dict[str, float] = {}
    for d in framework.dimensions:
        share = [framework.total_weight * weights_by_id[i.id] / total for i in d.indicators]
        out[d.id] = sum(share)
        out |= {i.id: x for i, x in zip(d.indicators, share, strict=True)}
    return out


def origin(
    framework,
    result: ObjectiveWeights,
    names: Sequence[str],
    *,
    subtype: str | None,
    used: Sequence[str],
    skipped: Sequence[tuple[str, str]],
    matrix: Sequence[dict[str, str]],
    combined_with: dict[str, Any] | None,
    tool_version: str,
) -> dict[str, Any]:
    """The provenance recorded in the parameters file (``[origin]``) and every result:
    method, data (applications used and skipped, or the matrix file), constant columns,
    the objective weights, and what they were combined with."""
    summary = f"客观赋权：{LABELS[result.method]}，依据 {result.rows} 份申报的指标得分"
    if combined_with:
        how = combined_with["how"]
        alpha = combined_with.get("alpha")
        mix = "乘积归一" if how == "product" else f"线性组合（主观占 {fmt(alpha, 4)}）"
        summary += f"；与主观权重{mix}"
    record: dict[str, Any] = {
        "method": result.method,
        "summary": summary,
        "framework": framework.id,
        "framework_version": framework.version,
        "subtype": subtype or "",
        "rows": result.rows,
        "applications": list(used),
        "skipped": [{"file": s, "reason": why} for s, why in skipped],
        "matrix": list(matrix),
        "constant": [names[j] for j in result.constant],
        "objective_weights": dict(zip(names, result.weights, strict=True)),
        "tool_version": tool_version,
    }
    if combined_with:
        record["combined_with"] = {k: v for k, v in combined_with.items() if v is not None}
    return record
