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

This module is the API and the output models; the work is in :mod:`.robustness_data`
(the arrays, and :func:`~.robustness_data.weight_tree`, the one place that knows the
shape of the weight hierarchy), :mod:`.robustness_weights` (draws, intervals) and
:mod:`.robustness_panel` (policies, leave-one-out, calibration).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel
from threadpoolctl import threadpool_limits

from iipeval.core import __version__
from iipeval.core.analysis.robustness_data import (
    Group,
    RobustnessError,
    RobustnessSettings,
    WeightTree,
    build_group,
    totals,
    weight_tree,
)
from iipeval.core.analysis.robustness_panel import (
    POLICY_LABELS,
    ExpertDiagnostics,
    Scenario,
    calibrated,
    combine,
    diagnostics,
    panel_scenarios,
)
from iipeval.core.analysis.robustness_weights import (
    MAX_RANKS,
    Interval,
    draw_weights,
    intervals,
    monte_carlo,
)
from iipeval.core.api import Evaluator
from iipeval.core.round.batch import Batch
from iipeval.core.round.ranking import Ranking

#: Totals and panel scores rebuilt from arrays must match the engine's to this tolerance.
CHECK_TOL = 1e-6

__all__ = [
    "POLICY_LABELS",
    "Acceptability",
    "ExpertDiagnostics",
    "GroupRobustness",
    "Interval",
    "Robustness",
    "RobustnessError",
    "RobustnessSettings",
    "Scenario",
    "WeightTree",
    "analyse",
    "build_group",
    "calibrated",
    "check",
    "combine",
    "draw_weights",
    "panel_scenarios",
    "totals",
    "weight_tree",
]


class Acceptability(BaseModel):
    applicant: str
    key: str
    source: str
    rank: int
    total: float
    shares: dict[int, float]  # rank → share of draws (non-zero only), ranks 1…MAX_RANKS
    beyond: float | None = None  # share of draws after rank MAX_RANKS (larger rankings only)
    mean_rank: float
    in_quota: float | None  # share of draws inside the recommended list


class GroupRobustness(BaseModel):
    framework: str
    framework_name: str
    framework_short_name: str = ""
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


def check(g: Group) -> None:
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


# -- the whole analysis ----------------------------------------------------------------------


def method_note(settings: RobustnessSettings) -> str:
    how = (
        "每个维度权重与指标权重分别乘以 (1+U(−S,S))，维度在总分内、指标在所属维度内按比例归一"
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
        counts, rank_sum, inside, same_set, same_order = monte_carlo(g, settings)
        k = settings.draws
        later = g.size > MAX_RANKS
        if later:
            beyond, counts = counts[:, -1], counts[:, :-1]
        seen = [np.flatnonzero(r) for r in counts]
        for a in range(g.size):
            row = counts[a]
            apps.append(
                Acceptability(
                    applicant=g.names[a],
                    key=g.keys[a],
                    source=g.sources[a],
                    rank=a + 1,
                    total=float(g.engine_totals[a]),
                    shares=dict(
                        zip((seen[a] + 1).tolist(), (row[seen[a]] / k).tolist(), strict=True)
                    ),
                    beyond=float(beyond[a]) / k if later else None,
                    mean_rank=float(rank_sum[a]) / k,
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
        framework_short_name=g.framework_short_name,
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
    # The products are small (applications × indicators by indicators × a chunk of draws):
    # BLAS threads cost more than they save, and on a busy machine they thrash (10× slower
    # measured with two cores shared). One thread also makes the sums' order fixed.
    with threadpool_limits(limits=1, user_api="blas"):
        for rk in rankings if rankings is not None else batch.rankings:
            g = build_group(ev, batch, rk, settings)
            check(g)
            groups.append(analyse_group(g, settings))
    return Robustness(
        tool_version=__version__,
        settings=settings,
        method_note=method_note(settings),
        groups=groups,
    )
