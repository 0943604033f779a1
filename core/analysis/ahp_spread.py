"""The weights' own uncertainty, where the panel's AHP questionnaires give it.

When the weights come from the panel's pairwise comparisons, how much they could differ
is not an arbitrary ±S: it is how much the experts differ. Each draw resamples the experts
with replacement (jointly across the comparison groups, one expert being one person) and
pools the drawn experts' judgements as ``weights derive`` does (AIJ, row geometric means;
only experts whose matrix passed in that group), and each weight is moved by the ratio of
its drawn weight to the whole panel's, so the draws stay centred on the weights in force
(the parameters file need not be the questionnaires' own output).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from iipeval.core.analysis.ahp import build
from iipeval.core.analysis.ahp_round import ExpertJudgements, derive
from iipeval.core.analysis.robustness_data import WeightTree


@dataclass(frozen=True)
class SpreadGroup:
    level: str  # "" for the dimensions, else the dimension whose indicators it compares
    ids: tuple[str, ...]
    experts: tuple[int, ...]  # positions in ``AhpSpread.experts`` of those that passed
    rows: np.ndarray  # (len(experts), n): log row geometric means, one row per expert


@dataclass(frozen=True)
class AhpSpread:
    """The panel's judgements for one criteria set (and sub-type), ready to draw from."""

    framework: str
    subtype: str | None
    experts: tuple[str, ...]
    groups: tuple[SpreadGroup, ...]
    sources: tuple[tuple[str, str, str], ...] = ()  # (expert, file, SHA-256) drawn from

    def describe(self) -> str:
        return (
            f"按{len(self.experts)}位专家的层次分析法调查表重抽样专家（判断的离散程度），"
            "以现行权重为中心（行几何平均、AIJ，仅计一致性检验通过的判断）"
        )


def spread_of(
    framework,
    subtype: str | None,
    experts: list[ExpertJudgements],
    *,
    ri: str = "saaty",
    threshold: float = 0.1,
    saaty: bool = False,
) -> AhpSpread:
    """The consistent experts' judgements per comparison group (as ``weights derive``)."""
    result = derive(framework, experts, ri=ri, threshold=threshold, saaty=saaty)
    names = tuple(e.expert for e in experts)
    by_id = {e.expert: e for e in experts}
    groups = []
    for g in result.groups:
        n = len(g.ids)
        who = tuple(names.index(v.expert) for v in g.included)
        logs = [np.log(build(n, by_id[names[k]].levels[g.level])).mean(axis=1) for k in who]
        groups.append(SpreadGroup(g.level, g.ids, who, np.array(logs).reshape(len(who), n)))
    sources = tuple((e.expert, e.source, e.sha256) for e in experts)
    return AhpSpread(framework.id, subtype, names, tuple(groups), sources)


def factors(
    spread: AhpSpread, tree: WeightTree
) -> Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """A draw of each weight's multiplier: drawn weight / the whole panel's weight."""
    dims = {d: k for k, (d, _) in enumerate(tree.dimensions)}
    inds = {i: k for k, (i, _) in enumerate(tree.indicators)}

    def draw(k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        e = len(spread.experts)
        counts = rng.multinomial(e, np.full(e, 1 / e), size=k).astype(float)  # (K, E)
        fd, fi = np.ones((k, len(dims))), np.ones((k, len(inds)))
        for g in spread.groups:
            if not g.experts:
                continue
            c = counts[:, list(g.experts)]  # (K, m)
            whole = g.rows.mean(axis=0)
            total = c.sum(axis=1, keepdims=True)
            logw = np.where(total > 0, c @ g.rows / np.where(total > 0, total, 1), whole)
            ratio = np.exp(logw - whole)  # shares' ratio up to a constant: renormalised later
            where, target = (dims, fd) if not g.level else (inds, fi)
            for col, i in enumerate(g.ids):
                target[:, where[i]] = ratio[:, col]
        return fd, fi

    return draw
