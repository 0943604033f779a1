"""An AHP round: the panel's judgements → each expert's CR → the group's weights.

Per comparison group (:func:`~iipeval.core.analysis.ahp.comparison_groups`) and expert, the matrix is
weighed and checked; an expert whose CR is at or above the threshold is left out of that
group (only that group), with the judgement that most breaks consistency and the value that
would repair it, so the organiser can send it back. The consistent experts' judgements are
aggregated (AIJ or AIP) into the group's local weights, and the local weights into points
per dimension and indicator. Nothing here reads files: the front end hands in judgements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iipeval.core.analysis.ahp import (
    CR_THRESHOLD,
    AHPError,
    Consistency,
    Repair,
    aggregate_judgements,
    aggregate_priorities,
    build,
    comparison_groups,
    consistency,
    global_weights,
    most_inconsistent,
    ri_table,
    scale_text,
)


@dataclass(frozen=True)
class ExpertJudgements:
    """One expert's filled questionnaire: level → (i, j) → a_ij, members in group order."""

    expert: str
    name: str
    source: str
    sha256: str
    levels: dict[str, dict[tuple[int, int], float]]


@dataclass
class Verdict:
    expert: str
    result: Consistency
    repair: Repair | None = None


@dataclass
class GroupOutcome:
    level: str
    title: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    included: list[Verdict] = field(default_factory=list)
    excluded: list[Verdict] = field(default_factory=list)
    group: Consistency | None = None
    weights: dict[str, float] = field(default_factory=dict)


@dataclass
class RoundResult:
    groups: list[GroupOutcome]
    points: dict[str, float]
    problems: list[str]


def derive(
    framework,
    experts: list[ExpertJudgements],
    *,
    method: str = "geometric",
    aggregation: str = "AIJ",
    ri: str = "saaty",
    threshold: float = CR_THRESHOLD,
) -> RoundResult:
    ri_table(ri)
    if aggregation not in ("AIJ", "AIP"):
        raise AHPError(f"未知的群组汇总方式“{aggregation}”；可选：AIJ、AIP")
    outcomes, problems, local = [], [], {}
    for g in comparison_groups(framework):
        ids = tuple(i for i, _ in g.members)
        out = GroupOutcome(g.level, g.title, ids, tuple(n for _, n in g.members))
        n = len(ids)
        matrices = []
        for e in experts:
            upper = e.levels.get(g.level)
            if upper is None or len(upper) != n * (n - 1) // 2:
                continue
            a = build(n, upper)
            res = consistency(a, method, ri)
            if res.passes(threshold):
                out.included.append(Verdict(e.expert, res))
                matrices.append(a)
            else:
                out.excluded.append(Verdict(e.expert, res, most_inconsistent(a, method, ri)))
        where = "维度" if not g.level else f"维度“{g.title}”下的指标"
        if not matrices:
            problems.append(f"{where}：没有一位专家的判断通过一致性检验，无法确定权重")
            outcomes.append(out)
            continue
        group_matrix = aggregate_judgements(matrices)
        out.group = consistency(group_matrix, method, ri)
        if aggregation == "AIJ":
            w = out.group.weights
        else:
            w = aggregate_priorities([v.result.weights for v in out.included])
        out.weights = dict(zip(ids, w, strict=True))
        local[g.level] = out.weights
        outcomes.append(out)
    points = global_weights(framework, local) if not problems else {}
    return RoundResult(outcomes, points, problems)


def repair_text(out: GroupOutcome, v: Verdict, threshold: float = CR_THRESHOLD) -> str:
    """“甲”比“乙”当前为 7，建议改为 3（改后 CR 0.041）."""
    r = v.repair
    if r is None:
        return ""
    a, b = out.names[r.row], out.names[r.col]
    after = ""
    if r.cr_after is not None:
        more = "" if r.cr_after < threshold else "，仍需复核其他判断"
        after = f"（改后 CR {r.cr_after:.3f}{more}）"
    return f"“{a}”比“{b}”当前为 {scale_text(r.current)}，建议改为 {scale_text(r.suggested)}{after}"


def origin(
    framework,
    result: RoundResult,
    experts: list[ExpertJudgements],
    *,
    subtype: str | None,
    method: str,
    aggregation: str,
    ri: str,
    threshold: float,
    rejected: list[dict[str, str]],
    tool_version: str,
) -> dict[str, Any]:
    """The provenance recorded in the parameters file (``[origin]``) and every result."""
    table = ri_table(ri)
    names = {e.expert: e.name for e in experts}
    methods = {"geometric": "行几何平均", "eigenvector": "主特征向量"}
    aggs = {"AIJ": "判断矩阵几何平均（AIJ）", "AIP": "权重向量几何平均（AIP）"}
    summary = (
        f"层次分析法：{len(experts)}位专家的调查表，权重按{methods.get(method, method)}计算，"
        f"群组汇总采用{aggs[aggregation]}，随机一致性指标表为{table.label}，"
        f"CR<{threshold:g} 的判断计入"
    )
    groups = []
    for g in result.groups:
        groups.append(
            {
                "level": g.level or "维度",
                "title": g.title,
                "included": [{"expert": v.expert, "cr": _cr(v.result)} for v in g.included],
                "excluded": [
                    {
                        "expert": v.expert,
                        "cr": _cr(v.result),
                        "repair": repair_text(g, v, threshold),
                    }
                    for v in g.excluded
                ],
                "group_cr": _cr(g.group) if g.group else None,
                "weights": {k: round(w, 12) for k, w in g.weights.items()},
            }
        )
    return {
        "method": "AHP",
        "summary": summary,
        "framework": framework.id,
        "framework_version": framework.version,
        "subtype": subtype or "",
        "weighting": method,
        "aggregation": aggregation,
        "ri_table": ri,
        "ri_source": table.source,
        "cr_threshold": threshold,
        "tool_version": tool_version,
        "experts": [
            {"expert": e.expert, "name": names[e.expert], "file": e.source, "sha256": e.sha256}
            for e in experts
        ],
        "rejected_files": rejected,
        "groups": [{k: v for k, v in g.items() if v is not None} for g in groups],
    }


def _cr(c: Consistency) -> float | str:
    return "n≤2，无需检验" if c.cr is None else round(float(c.cr), 6)


__all__ = ["ExpertJudgements", "RoundResult", "derive", "origin", "repair_text"]
