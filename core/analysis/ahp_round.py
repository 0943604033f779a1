"""An AHP round: the panel's judgements → each expert's CR → the group's weights.

Per comparison group (:func:`~iipeval.core.analysis.ahp.comparison_groups`) and expert, the
matrix is weighed and checked; an expert whose CR is at or above the limit (the threshold,
or Saaty's stricter limits for 3 and 4 items) is left out of that group (only that group),
with the smallest change of one judgement that would let it pass, so the organiser can send
it back. The consistent experts' judgements are aggregated (AIJ or AIP) into the group's
local weights, and the local weights into points per dimension and indicator. Which
questionnaires count is decided here too (:func:`admit`): only the panel's experts, one
questionnaire each, and the experts who returned none are named. Nothing here reads files:
the front end hands in judgements.
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
    ri_table,
    scale_text,
    smallest_repair,
)
from iipeval.core.analysis.ahp_scale import cr_limit, limits_text
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel.admission import one_voice


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
    saaty: bool = False,
) -> RoundResult:
    ri_table(ri)
    if aggregation not in ("AIJ", "AIP"):
        raise AHPError(f"未知的群组汇总方式“{aggregation}”；可选：AIJ、AIP")
    outcomes, problems, local = [], [], {}
    for g in comparison_groups(framework):
        out = _group(g, experts, method, aggregation, ri, threshold, saaty)
        outcomes.append(out)
        if out.group is None:
            where = "维度" if not g.level else f"维度“{g.title}”下的指标"
            problems.append(f"{where}：没有一位专家的判断通过一致性检验，无法确定权重")
        else:
            local[g.level] = out.weights
    points = global_weights(framework, local) if not problems else {}
    return RoundResult(outcomes, points, problems)


def _group(g, experts, method, aggregation, ri, threshold, saaty) -> GroupOutcome:
    """One comparison group: each expert's matrix checked, the consistent ones pooled."""
    ids = tuple(i for i, _ in g.members)
    out = GroupOutcome(g.level, g.title, ids, tuple(n for _, n in g.members))
    n = len(ids)
    limit = cr_limit(n, threshold, saaty)
    matrices = []
    for e in experts:
        upper = e.levels.get(g.level)
        if upper is None or len(upper) != n * (n - 1) // 2:
            continue
        a = build(n, upper)
        res = consistency(a, method, ri)
        if res.passes(threshold, saaty):
            out.included.append(Verdict(e.expert, res))
            matrices.append(a)
        else:
            out.excluded.append(Verdict(e.expert, res, smallest_repair(a, method, ri, limit)))
    if matrices:
        out.group = consistency(aggregate_judgements(matrices), method, ri)
        if aggregation == "AIJ":
            w = out.group.weights
        else:
            w = aggregate_priorities([v.result.weights for v in out.included])
        out.weights = dict(zip(ids, w, strict=True))
    return out


def repair_text(out: GroupOutcome, v: Verdict, threshold: float = CR_THRESHOLD) -> str:
    """“甲”比“乙”当前为 1/3，建议改为 6（改后 CR 0.081）; when several judgements deviate
    equally, it says that no single one is to blame."""
    r = v.repair
    if r is None:
        return ""
    a, b = out.names[r.row], out.names[r.col]
    after = ""
    if r.cr_after is not None:
        more = "" if r.passes else "，仍需复核其他判断"
        after = f"（改后 CR {r.cr_after:.3f}{more}）"
    change = (
        f"“{a}”比“{b}”当前为 {scale_text(r.current)}，建议改为 {scale_text(r.suggested)}{after}"
    )
    if r.shared:
        return f"多个判断偏离程度相同，不能归咎于某一个判断；改动最小的一处：{change}"
    return change


# -- which questionnaires count ---------------------------------------------------------------


@dataclass
class Admitted:
    """The questionnaires that count, those refused (file, reason), what was said, and the
    panel's experts who returned no usable questionnaire."""

    usable: list[ExpertJudgements]
    rejected: list[dict[str, str]]
    findings: list[Finding]
    missing: list[str]


def admit(
    read: list[tuple[str, ExpertJudgements | None, list[Finding]]],
    roster: list[str] | None = None,
) -> Admitted:
    """``read``: (file, its judgements or None, what reading it found) per questionnaire.
    A file with an error is refused; an expert not on ``roster`` is refused; an expert
    with several is refused altogether (one expert, one voice); the roster's experts
    without a usable questionnaire are named."""
    rejected, findings, candidates = [], [], []
    for src, je, fs in read:
        findings += fs
        if je is not None and roster is not None and je.expert not in roster:
            fs = [*fs, _error(src, "not_on_panel", f"专家编号“{je.expert}”不在评审组名单中")]
            findings.append(fs[-1])
        if je is None or any(x.severity is Severity.error for x in fs):
            rejected.append({"file": src, "reason": fs[0].message if fs else "无法读取"})
            continue
        candidates.append(je)
    usable = []
    for expert, copies in one_voice(candidates, lambda je: je.expert):
        if len(copies) == 1:
            usable.append(copies[0])
            continue
        files = "、".join(c.source for c in copies)
        for c in copies:
            msg = f"专家“{expert}”交回了多份调查表（{files}），均不采用，请确认后只保留一份"
            findings.append(_error(c.source, "duplicate_expert", msg))
            rejected.append({"file": c.source, "reason": msg})
    usable.sort(key=lambda je: je.expert)
    counted = {je.expert for je in usable}
    missing = [e for e in roster or () if e not in counted]
    return Admitted(usable, rejected, findings, missing)


def _error(src: str, code: str, message: str) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src)


# -- the record -------------------------------------------------------------------------------


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
    saaty: bool = False,
    missing: list[str] | None = None,
) -> dict[str, Any]:
    """The provenance recorded in the parameters file (``[origin]``) and every result."""
    table = ri_table(ri)
    names = {e.expert: e.name for e in experts}
    record = {
        "method": "AHP",
        "summary": _summary(experts, method, aggregation, table.label, threshold, saaty),
        "framework": framework.id,
        "framework_version": framework.version,
        "subtype": subtype or "",
        "weighting": method,
        "aggregation": aggregation,
        "ri_table": ri,
        "ri_source": table.source,
        "cr_threshold": threshold,
        "cr_limits": "saaty" if saaty else "flat",
        "tool_version": tool_version,
        "experts": [
            {"expert": e.expert, "name": names[e.expert], "file": e.source, "sha256": e.sha256}
            for e in experts
        ],
        "rejected_files": rejected,
        "groups": [_group_record(g, threshold) for g in result.groups],
    }
    if missing:
        record["not_returned"] = list(missing)
    return record


def _summary(experts, method, aggregation, ri_label, threshold, saaty) -> str:
    methods = {"geometric": "行几何平均", "eigenvector": "主特征向量"}
    aggs = {"AIJ": "判断矩阵几何平均（AIJ）", "AIP": "权重向量几何平均（AIP）"}
    same = "；行几何平均下AIJ与AIP结果相同" if method == "geometric" else ""
    return (
        f"层次分析法：{len(experts)}位专家的调查表，权重按{methods.get(method, method)}计算，"
        f"群组汇总采用{aggs[aggregation]}{same}，随机一致性指标表为{ri_label}，"
        f"{limits_text(threshold, saaty)} 的判断计入"
    )


def _group_record(g: GroupOutcome, threshold: float) -> dict[str, Any]:
    """One comparison group as recorded: who counted, who did not and how to repair it."""
    record = {
        "level": g.level or "维度",
        "title": g.title,
        "included": [_verdict(v) for v in g.included],
        "excluded": [{**_verdict(v), "repair": repair_text(g, v, threshold)} for v in g.excluded],
        "group_cr": _cr(g.group) if g.group else None,
        "group_gci": _gci(g.group) if g.group else None,
        "weights": {k: round(w, 12) for k, w in g.weights.items()},
    }
    return {k: v for k, v in record.items() if v is not None}


def _verdict(v: Verdict) -> dict[str, Any]:
    out: dict[str, Any] = {"expert": v.expert, "cr": _cr(v.result)}
    if v.result.gci is not None:
        out["gci"] = _gci(v.result)
    return out


def _cr(c: Consistency) -> float | str:
    return "n≤2，无需检验" if c.cr is None else round(float(c.cr), 6)


def _gci(c: Consistency) -> float | None:
    return None if c.gci is None else round(float(c.gci), 6)


__all__ = [
    "Admitted",
    "ExpertJudgements",
    "RoundResult",
    "admit",
    "derive",
    "origin",
    "repair_text",
]
