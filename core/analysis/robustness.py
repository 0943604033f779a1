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

import platform
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel
from threadpoolctl import threadpool_limits

from iipeval.core import __version__
from iipeval.core.analysis.ahp_spread import AhpSpread, factors
from iipeval.core.analysis.robustness_bootstrap import Bootstrap, bootstrap
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
from iipeval.core.analysis.robustness_stats import Agreement, Probability, agreement, probability
from iipeval.core.analysis.robustness_weights import (
    MAX_RANKS,
    Interval,
    Tally,
    _base_list,
    draw_weights,
    intervals,
    monte_carlo,
)
from iipeval.core.api import Evaluator
from iipeval.core.model.application import SUMMARY_ID
from iipeval.core.quiet import on_frozen_heap
from iipeval.core.round.batch import Batch
from iipeval.core.round.ranking import Ranking
from iipeval.core.text import fmt

UNIT = "次权重抽样"

#: Totals and panel scores rebuilt from arrays must match the engine's to this tolerance.
CHECK_TOL = 1e-6

__all__ = [
    "POLICY_LABELS",
    "Acceptability",
    "Agreement",
    "Bootstrap",
    "ExpertDiagnostics",
    "GroupRobustness",
    "Interval",
    "LineChange",
    "Probability",
    "QuotaLine",
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
    in_quota: Probability | None  # inside the recommended list, over the weight draws


class LineChange(BaseModel):
    """The smallest change of one weight, relative to its points, that moves the line."""

    level: str
    id: str
    name: str
    points: float
    to: float
    relative: float  # |to − points| / points
    change: str


class QuotaLine(BaseModel):
    """What a reviewer asks at the line: how close the last one in and the first one out
    are, how often the draws keep them in that order, and what single weight moves it."""

    last_in: str
    first_out: str
    gap: float  # their totals' difference at the weights in force
    winning_index: Probability  # P(last in ranks above first out) over the weight draws
    smallest_change: LineChange | None


class GroupRobustness(BaseModel):
    framework: str
    framework_name: str
    framework_short_name: str = ""
    subtype: str | None
    subtype_name: str | None
    quota: int | None
    quota_source: str
    min_total: float | None
    weights_source: str  # how the weight draws were made, in a sentence
    share_spread: dict[str, list[float]] = {}  # level → [min, max] relative SD of shares
    applicants: list[Acceptability]
    set_unchanged: Probability | None
    order_unchanged: Probability | None
    quota_line: QuotaLine | None = None
    intervals: list[Interval]
    policies: list[Scenario]
    leave_one_out: list[Scenario]
    bootstrap: Bootstrap | None = None
    agreement: list[Agreement] = []
    experts: list[ExpertDiagnostics]
    unranked: int
    notes: list[str]


class Versions(BaseModel):
    """What computed it: enough to say the same numbers will come out again."""

    iipeval: str
    python: str
    numpy: str
    platform: str


class Provenance(BaseModel):
    """Inputs and parameters by hash, recorded by the front end that read them."""

    inputs: list[dict[str, str | int]] = []  # path, sha256, bytes, role
    parameters_file_sha256: str | None = None
    parameters_hashes: dict[str, str] = {}
    questionnaires: list[dict[str, str]] = []  # AHP questionnaires the draws came from


class Robustness(BaseModel):
    tool_version: str
    settings: RobustnessSettings
    method_note: str
    versions: Versions
    provenance: Provenance = Provenance()
    groups: list[GroupRobustness]


def versions() -> Versions:
    return Versions(
        iipeval=__version__,
        python=platform.python_version(),
        numpy=np.__version__,
        platform=platform.platform(terse=True),
    )


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
    how = {
        "uniform": "每个维度权重与指标权重分别乘以 (1+U(−S,S))，维度在总分内、指标在所属维度内按比例归一",
        "dirichlet": "维度占比与各维度内的指标占比分别取自以现行占比为中心的狄利克雷分布，集中度取为使各占比"
        "的总方差与同一S的均匀扰动相同（较小的占比相对波动更大，较大的更小）",
        "ahp": "按专家的层次分析法调查表重抽样专家，各权重随专家判断的离散程度变化，以现行权重为中心（不用S）",
    }[settings.method]
    return (
        f"权重扰动：{how}；各次抽样只重新汇总已算出的指标得分，不重新评分。单项区间：一次只改变一个权重，"
        "同层其余权重保持比例，给出推荐名单及其次序（未设推荐名额与最低总分时为全部排名次序）保持不变的区间"
        "及两端最先发生的变化。专家重抽样：从本组专家中有放回地抽取同样人数，按本轮汇总规则重新汇总。"
    )


def _notes(g: Group) -> list[str]:
    notes = list(g.notes)
    q = g.ranking.quota
    if q is None and g.ranking.min_total is None:
        notes.append(
            "未设推荐名额（参数文件与 --quota 均未给出），只报告名次分布，不报告名额内概率"
        )
    if not g.size:
        notes.append("没有可参与排名的申报（均需补正、不予推荐或待专家评分），未做分析")
    elif q is not None and q >= g.size:
        notes.append(f"推荐名额{q}个不少于参与排名的申报数{g.size}个")
    elif q is not None and abs(g.engine_totals[q - 1] - g.engine_totals[q]) < 1e-9:
        notes.append(
            f"第{q}名与第{q + 1}名在名额边界总分相同：同分的申报平分名额内概率，"
            "区间以基准次序（含同分比较规则）为准，名额归属需组织方裁定"
        )
    return notes


def _acceptability(g: Group, tally: Tally, draws: int) -> list[Acceptability]:
    later = g.size > MAX_RANKS
    counts = tally.counts[:, :-1] if later else tally.counts
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    out = []
    for a in range(g.size):
        seen = np.flatnonzero(counts[a])
        out.append(
            Acceptability(
                applicant=g.names[a],
                key=g.keys[a],
                source=g.sources[a],
                rank=a + 1,
                total=float(g.engine_totals[a]),
                shares=dict(
                    zip((seen + 1).tolist(), (counts[a][seen] / draws).tolist(), strict=True)
                ),
                beyond=float(tally.counts[a, -1]) / draws if later else None,
                mean_rank=float(tally.rank_sum[a]) / draws,
                in_quota=probability(float(tally.inside[a]), draws, UNIT) if line else None,
            )
        )
    return out


def _quota_line(g: Group, tally: Tally, draws: int, ivs: list[Interval]) -> QuotaLine | None:
    m = len(_base_list(g))
    if not 0 < m < g.size:
        return None
    best = None
    for iv in ivs:
        for to, change in ((iv.line_low, iv.line_low_change), (iv.line_high, iv.line_high_change)):
            if to is None or iv.points <= 0:
                continue
            rel = abs(to - iv.points) / iv.points
            if best is None or rel < best.relative - 1e-12:
                best = LineChange(
                    level=iv.level,
                    id=iv.id,
                    name=iv.name,
                    points=iv.points,
                    to=to,
                    relative=rel,
                    change=change,
                )
    return QuotaLine(
        last_in=g.names[m - 1],
        first_out=g.names[m],
        gap=float(g.engine_totals[m - 1] - g.engine_totals[m]),
        winning_index=probability(tally.line_held, draws, UNIT),
        smallest_change=best,
    )


def analyse_group(
    g: Group, settings: RobustnessSettings, spread: AhpSpread | None = None
) -> GroupRobustness:
    notes = _notes(g)
    line = g.ranking.quota is not None or g.ranking.min_total is not None
    source = _weights_source(settings, spread, notes)
    apps, set_p, order_p, quota_line, widths = [], None, None, None, {}
    ivs = intervals(g)
    if g.size:
        draw = factors(spread, g.tree) if spread is not None else None
        tally, widths = monte_carlo(g, settings, draw)
        apps = _acceptability(g, tally, settings.draws)
        if line:
            set_p = probability(tally.same_set, settings.draws, UNIT)
            order_p = probability(tally.same_order, settings.draws, UNIT)
            quota_line = _quota_line(g, tally, settings.draws, ivs)
    experts = g.size and g.experts != [SUMMARY_ID]  # 会议评审: one agreed figure, no panel
    if g.size and not experts:
        notes.append(
            "会议评审（评审组合议评分）：没有各专家的评分，不做专家组影响、重抽样与一致性分析"
        )
    policies, loo = panel_scenarios(g, settings) if experts else ([], [])
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
        weights_source=source,
        share_spread=widths,
        applicants=apps,
        set_unchanged=set_p,
        order_unchanged=order_p,
        quota_line=quota_line,
        intervals=ivs,
        policies=policies,
        leave_one_out=loo,
        bootstrap=bootstrap(g, settings) if experts else None,
        agreement=_agreement(g, settings) if experts else [],
        experts=diagnostics(g, settings) if experts else [],
        unranked=len(g.standings) - g.size,
        notes=notes,
    )


def _weights_source(settings: RobustnessSettings, spread, notes: list[str]) -> str:
    if settings.method == "ahp" and spread is not None:
        return spread.describe()
    if settings.method == "ahp":
        notes.append("没有本评价体系（子类型）的层次分析法调查表，权重扰动改按 ±S 均匀扰动")
    if settings.method == "dirichlet":
        return (
            f"以现行占比为中心的狄利克雷分布，总方差与 ±{fmt(100 * settings.spread)}% 均匀扰动相同"
        )
    return f"每个权重 ±{fmt(100 * settings.spread)}% 均匀扰动后归一（任意设定的幅度，非专家判断）"


def _agreement(g: Group, settings: RobustnessSettings) -> list[Agreement]:
    return agreement(
        g.raw, g.parts, g.part_labels, settings.agreement_min, settings.agreement_alpha
    )


@on_frozen_heap  # the batch is in memory: no sweep walks it again and again
def analyse(
    ev: Evaluator,
    batch: Batch,
    settings: RobustnessSettings | None = None,
    rankings: Iterable[Ranking] | None = None,
    spreads: Iterable[AhpSpread] = (),
) -> Robustness:
    """The robustness of every ranking of ``batch`` (one per criteria set and sub-type);
    ``spreads``: the panel's AHP judgements, for ``method = "ahp"``."""
    settings = settings or RobustnessSettings()
    by_set = {(s.framework, s.subtype): s for s in spreads}
    groups = []
    # The products are small (applications × indicators by indicators × a chunk of draws):
    # BLAS threads cost more than they save, and on a busy machine they thrash (10× slower
    # measured with two cores shared). One thread also makes the sums' order fixed.
    with threadpool_limits(limits=1, user_api="blas"):
        for rk in rankings if rankings is not None else batch.rankings:
            g = build_group(ev, batch, rk, settings)
            check(g)
            spread = by_set.get((rk.framework, rk.subtype)) if settings.method == "ahp" else None
            groups.append(analyse_group(g, settings, spread))
    return Robustness(
        tool_version=__version__,
        settings=settings,
        method_note=method_note(settings),
        versions=versions(),
        groups=groups,
    )
