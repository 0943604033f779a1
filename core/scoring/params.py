"""Organiser parameters: override any weight or rule parameter from a TOML file.

Neither source document publishes weights or scoring rules, so every default is a
proposal. An organiser changes them here, without code, and every result records the
effective parameters and their hash so that a score can always be reproduced.

File layout::

    [aggregation]                      # expert panel policy (all sets)
    trim = 0.2                         # share set aside at each end (5 experts: 1 each)

    [input]                            # limits for untrusted files (no effect on scores)
    max_file_bytes = 20971520

    [frameworks.national_2023.weights] # dimension or indicator id → weight
    devices = 8

    [frameworks.national_2023.rules]   # indicator[.component] → parameters
    "devices.scale" = { benchmark = 2000000 }

    [frameworks.national_2023.aggregation]  # per-set policy, overrides the global one
    disagreement_spread = 25
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from iipeval.core.errors import MAX_TOML_BYTES, describe, read_capped, read_toml
from iipeval.core.model.criteria import Framework, GradeBand, Indicator, WeightGroup, weight_groups
from iipeval.core.rules import Rule
from iipeval.core.rules.expert import GRADES

#: Parameters are typed exactly: TOML has numbers, booleans and strings, and a weight
#: written as "8" or true is a mistake to report, not to guess at; inf and nan never
#: make sense for a weight, a threshold or a limit.
STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
#: A weight is relative (shares are renormalised), so a bound this high loses nothing and
#: keeps sums finite (1e308 + 1e308 is inf).
MAX_WEIGHT = 1e6

DEFAULT_GRADE_SCORES = {"优秀": 95.0, "良好": 82.0, "一般": 67.0, "较差": 45.0}


class AggregationPolicy(BaseModel):
    """How one part's expert scores become the panel's score: one rule for the round.

    The rule is applied alike to every applicant whatever the number of experts who
    scored it (an expert who recuses, or a form that is missing, must not change the rule
    for one applicant): ``trimmed_mean`` sets aside the highest and the lowest ``trim`` share
    of the scores at each end, a fraction of a score at the boundary counting in part
    (5 experts at 0.2: one highest and one lowest dropped; 4 experts: each counts 20%), so
    the rule changes smoothly with the number of experts, never at a threshold.
    ``mean`` and ``median`` are the same for every number too. ``trim_min_experts`` keeps
    the old threshold rule (trimmed from that many experts on, plain mean below) for an
    organiser whose published rules say so; every applicant it treats differently is
    named. A spread (max-min) above ``disagreement_spread`` points is flagged 需复议.
    """

    model_config = STRICT

    method: Literal["mean", "trimmed_mean", "median"] = "trimmed_mean"
    trim: float = Field(default=0.2, ge=0, lt=0.5, description="每端去掉的评分比例")
    trim_min_experts: int | None = Field(
        default=None, ge=3, description="旧规则：达到该人数才去掉最高最低分，人数不足时平均"
    )
    disagreement_spread: float = Field(default=30.0, gt=0, le=100)
    min_experts: int = Field(default=1, ge=1, description="少于该人数视为评审不完整")
    grade_scores: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_GRADE_SCORES))

    @model_validator(mode="after")
    def _grades(self):
        missing = [g for g in GRADES if g not in self.grade_scores]
        extra = [g for g in self.grade_scores if g not in GRADES]
        if missing or extra:
            raise ValueError(f"grade_scores 必须且只能包含 {list(GRADES)}")
        if any(not 0 <= v <= 100 for v in self.grade_scores.values()):
            raise ValueError("grade_scores 的分值必须在0-100之间")
        return self

    @model_validator(mode="after")
    def _one_rule(self):
        given = self.model_fields_set
        if self.method != "trimmed_mean" and ("trim" in given or self.trim_min_experts is not None):
            raise ValueError('trim 与 trim_min_experts 只用于 method = "trimmed_mean"')
        if self.trim_min_experts is not None and "trim" in given:
            raise ValueError(
                "trim（按比例去掉最高最低分）与 trim_min_experts（旧的人数门槛规则）只能设置其一"
            )
        return self


#: tie-break names that are not a dimension or indicator id
TOTAL, EXPERT_TOTAL = "total", "expert_total"


class RankingPolicy(BaseModel):
    """Who may be recommended: an optional quota and an optional minimum total.

    Provinces usually recommend no more than 2 platforms nationally; neither number is
    in the source documents, so both default to "no limit" and are the organiser's call.
    """

    model_config = STRICT

    quota: int | None = Field(default=None, ge=1, description="推荐名额")
    min_total: float | None = Field(default=None, ge=0, le=100, description="推荐的最低总分")
    # 推荐名额 per sub-type, tie-break order and 候补: core/round/outcomes.py reads them
    quotas: dict[str, int] = Field(
        default={}, description="各申报类型的推荐名额（子类型 id → 个数）"
    )
    reserve: int = Field(default=0, ge=0, description="名额外的候补个数")
    tie_break: list[str] | None = Field(
        default=None,
        description="同分比较顺序：total（总分）、维度或指标 id、expert_total（专家评分合计）",
    )


class InputLimits(BaseModel):
    """Limits for one untrusted input file and the worker that reads it.

    Real applications (a few hundred KB, one sheet of a few hundred rows) stay far below
    every one; they exist for hostile or broken files. They do not change any score, so
    they are not part of the parameters hash.
    """

    model_config = STRICT

    max_file_bytes: int = Field(default=20 * 2**20, gt=0, le=2**31, description="文件大小上限")
    max_members: int = Field(default=1000, gt=0, le=100_000, description="ZIP 内文件数上限")
    max_member_bytes: int = Field(
        default=64 * 2**20, gt=0, le=2**32, description="单个部件解压后上限"
    )
    max_total_bytes: int = Field(
        default=128 * 2**20, gt=0, le=2**33, description="解压后总大小上限"
    )
    max_ratio: float = Field(
        default=200.0, gt=1, le=10_000, description="压缩比上限（对 1 MB 以上部件）"
    )
    ratio_floor_bytes: int = Field(default=2**20, ge=0, le=2**31)
    max_cells: int = Field(
        default=2_000_000, gt=0, le=10**9, description="工作表声明范围（行×列）上限"
    )
    worker_memory_mb: int = Field(
        default=1536, ge=256, le=65536, description="读取进程内存上限（MB，256-65536）"
    )
    worker_seconds: float = Field(
        default=30, gt=0, le=3600, description="单个文件读取时限（秒，不超过3600）"
    )
    max_json_bytes: int = Field(
        default=2 * 2**20, gt=0, le=2**31, description="JSON 申报文件大小上限"
    )
    max_json_depth: int = Field(default=32, ge=4, le=1000, description="JSON 嵌套层数上限")
    max_number: float = Field(default=1e15, gt=0, description="数值的绝对值上限")
    max_text_chars: int = Field(default=5000, gt=0, description="单个文字字段（含键名）的字数上限")


class Publication(BaseModel):
    """What the 公示名单 says beyond the list (reports/publication.py); none of it changes a
    score, so it is outside the parameters hash. What is left out becomes a placeholder
    the organiser fills in the document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(default=None, description="公示标题")
    list_name: str | None = Field(
        default=None,
        description="名单名称，如“拟认定名单”（默认取标题中的“拟……名单”，否则为“拟推荐名单”）",
    )
    issuer: str | None = Field(default=None, description="发布单位")
    basis: str | None = Field(default=None, description="依据（通知文件名）")
    start: date | None = Field(default=None, description="公示开始日期")
    end: date | None = Field(default=None, description="公示结束日期")
    objections_to: str | None = Field(default=None, description="异议受理单位")
    phone: str | None = Field(default=None, description="联系电话")
    email: str | None = Field(default=None, description="电子邮箱")
    address: str | None = Field(default=None, description="通讯地址")
    show_scores: bool = Field(default=False, description="名单中是否列出总分")

    @model_validator(mode="after")
    def _period(self):
        if self.start and self.end and self.end < self.start:
            raise ValueError("公示结束日期早于开始日期")
        return self

    def named(self) -> str:
        """What the list is called, once for the title and the body: ``list_name``, else
        the “拟……名单” the title already says (a 拟认定 round stays 拟认定 throughout),
        else 拟推荐名单."""
        if self.list_name:
            return self.list_name
        found = re.search(r"拟[\u4e00-\u9fff]{1,6}?名单", self.title or "")
        return found.group() if found else "拟推荐名单"


class FrameworkOverrides(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    weights: dict[str, float] = {}
    #: per subtype (id → dimension or indicator id → weight), applied after ``weights``;
    #: written by ``weights derive`` for a questionnaire round run for one subtype
    subtype_weights: dict[str, dict[str, float]] = {}
    rules: dict[str, dict[str, Any]] = {}
    aggregation: dict[str, Any] | None = None
    ranking: dict[str, Any] | None = None
    grades: list[GradeBand] | None = None
    #: where this set's weights came from (AHP round, objective method...), written by
    #: ``iipeval weights``; recorded with this set's results only, outside the scoring hash
    origin: dict[str, Any] | None = Field(default=None, strict=False)


class Parameters(BaseModel):
    """The content of a parameters file (all sections optional)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    aggregation: AggregationPolicy = AggregationPolicy()
    ranking: RankingPolicy = RankingPolicy()
    input: InputLimits = InputLimits()
    publication: Publication = Publication()
    frameworks: dict[str, FrameworkOverrides] = {}
    #: where the weights came from (AHP round, objective method...), written by
    #: ``iipeval weights``; recorded with the results, not part of the scoring hash
    origin: dict[str, Any] | None = None
    source: str | None = Field(default=None, exclude=True)
    source_sha256: str | None = Field(default=None, exclude=True)

    def origin_for(self, framework_id: str) -> dict[str, Any] | None:
        """Where this set's weights came from: its own ``[frameworks.ID.origin]``, else a
        file-wide ``[origin]`` that names this set (or no set, as a hand-written one may)."""
        own = self.frameworks.get(framework_id)
        if own is not None and own.origin:
            return own.origin
        if self.origin and self.origin.get("framework") in (None, "", framework_id):
            return self.origin
        return None

    def policy_for(self, framework_id: str) -> AggregationPolicy:
        o = self.frameworks.get(framework_id)
        if o and o.aggregation:
            # only what the organiser set: the set's own choice of rule must not collide
            # with a default it never wrote
            merged = {**self.aggregation.model_dump(exclude_unset=True), **o.aggregation}
            return AggregationPolicy.model_validate(merged)
        return self.aggregation

    def ranking_for(self, framework_id: str) -> RankingPolicy:
        o = self.frameworks.get(framework_id)
        if o and o.ranking:
            return RankingPolicy.model_validate({**self.ranking.model_dump(), **o.ranking})
        return self.ranking


class ParamsError(ValueError):
    """A parameters file that cannot be used; the message names the file and the key."""


def load_parameters(path: str | Path | None) -> Parameters:
    if path is None:
        return Parameters()
    path = Path(path)
    data = read_toml(path, "参数文件", ParamsError)
    raw = read_capped(path, MAX_TOML_BYTES)
    _finite(data, f"{path}: ")
    try:
        params = Parameters.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(f"{path}: {_describe(exc)}") from None
    return params.model_copy(
        update={"source": str(path), "source_sha256": hashlib.sha256(raw).hexdigest()}
    )


def load_parameter_parts(paths: Sequence[str | Path]) -> Parameters:
    """Several parameters files read as one (the round's settings, the weights ``weights
    derive`` wrote, the quotas, the publication): a key set in two files is an error naming
    both, never a silent win for the later one."""
    if len(paths) <= 1:
        return load_parameters(paths[0] if paths else None)
    merged: dict[str, Any] = {}
    owners: dict[str, Path] = {}
    digest = hashlib.sha256()
    for path in map(Path, paths):
        data = read_toml(path, "参数文件", ParamsError)
        _finite(data, f"{path}: ")
        _merge(merged, data, owners, path, "")
        digest.update(hashlib.sha256(read_capped(path, MAX_TOML_BYTES)).digest())
    try:
        params = Parameters.model_validate(merged)
    except ValidationError as exc:
        raise ParamsError(f"{'、'.join(map(str, paths))}: {_describe(exc)}") from None
    names = "、".join(str(p) for p in paths)
    return params.model_copy(update={"source": names, "source_sha256": digest.hexdigest()})


def _merge(into: dict, data: dict, owners: dict, path: Path, prefix: str) -> None:
    for key, value in data.items():
        where = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and isinstance(into.get(key, {}), dict):
            _merge(into.setdefault(key, {}), value, owners, path, where)
            continue
        if key in into:
            raise ParamsError(
                f"[{where}] 在 {owners[where]} 和 {path} 中都有设置；请只在一个文件中设置"
            )
        into[key], owners[where] = value, path


def _describe(exc: ValidationError) -> str:
    return describe(exc, messages=STRICT_MESSAGES)


STRICT_MESSAGES = {
    "finite_number": "必须是有限的数值（不能是 inf 或 nan）",
    "float_type": "应为数值（不加引号，也不能是 true/false）",
    "int_type": "应为整数（不加引号，也不能是 true/false）",
    "bool_type": "应为 true 或 false",
    "less_than_equal": "超过上限",
}


def _finite(value: Any, where: str, key: str = "") -> None:
    """Refuse inf and nan anywhere in a parameters file, naming the key."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamsError(f"{where}[{key}] 必须是有限的数值（不能是 inf 或 nan），现为 {value}")
    if isinstance(value, dict):
        for k, v in value.items():
            _finite(v, where, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _finite(v, where, f"{key}[{i}]")


def _like(old: Any, new: Any, where: str, key: str) -> None:
    """An override must have the kind of value it replaces: a number for a number (finite,
    not a boolean, not text), weights never negative. ``old`` is the rule's current value
    (``None`` when unset)."""
    number = isinstance(new, int | float) and not isinstance(new, bool)
    old_number = isinstance(old, int | float) and not isinstance(old, bool)
    weighty = "weight" in key
    if isinstance(new, bool) and not isinstance(old, bool) and (old is not None or weighty):
        raise ParamsError(f"{where}: [{key}] 应为数值，不能是 true/false")
    if isinstance(new, str) and (old_number or weighty):
        raise ParamsError(f"{where}: [{key}] 应为数值（不加引号），现为 {new!r}")
    if number and not math.isfinite(new):
        raise ParamsError(f"{where}: [{key}] 必须是有限的数值（不能是 inf 或 nan），现为 {new}")
    if number and weighty and not 0 <= new <= MAX_WEIGHT:
        raise ParamsError(f"{where}: [{key}] 权重须在 0 到 {MAX_WEIGHT:g} 之间，现为 {new}")
    if isinstance(new, dict):
        olds = old if isinstance(old, dict) else {}
        for k, v in new.items():
            _like(olds.get(k, next(iter(olds.values()), None)), v, where, key)
        if weighty and new and not sum(v for v in new.values() if isinstance(v, int | float)) > 0:
            raise ParamsError(f"{where}: [{key}] 权重之和必须大于0")
    elif isinstance(new, list | tuple):
        sample = old[0] if isinstance(old, list | tuple) and old else None
        for i, v in enumerate(new):
            _like(sample, v, where, f"{key}[{i}]")


#: snapshot keys an expert's form neither shows nor rests on: the ranking and its tie-break
AFTER_THE_EXPERTS = ("ranking", "tie_break")


class Effective(BaseModel):
    """A framework with parameters applied: what the engine actually scores with."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    framework: Framework
    subtype: str | None
    dimension_points: dict[str, float]
    indicator_points: dict[str, float]
    #: Points of each 方面 (group) of a set deeper than dimension → indicator.
    group_points: dict[str, float] = {}
    #: Rules in force for every indicator and every 加分/扣分 item, by id.
    rules: dict[str, Rule]
    policy: AggregationPolicy
    ranking: RankingPolicy
    grades: list[GradeBand]
    notices: list[str] = []

    def points(self, node_id: str) -> float:
        """Nominal points of a dimension, group or indicator (all parts applicable)."""
        for table in (self.dimension_points, self.group_points, self.indicator_points):
            if node_id in table:
                return table[node_id]
        raise KeyError(node_id)

    def weight_groups(self) -> list[WeightGroup]:
        """Each set of sibling nodes with the points in force, top level first.

        A node's ``weight`` is its nominal points after subtype and organiser weights;
        siblings' shares are their weights over the group's sum. For a two-level set the
        groups are the dimensions, then each dimension's indicators (document order).
        Overriding any node's weight in a parameters file (``weights``) takes its id.
        """
        return weight_groups(self.framework, lambda node: self.points(node.id))

    def snapshot(self) -> dict[str, Any]:
        """Every tunable number in force, as plain data (recorded in each result)."""
        fw = self.framework
        extra: dict[str, Any] = {}
        if fw.bonus or fw.deduction:
            extra["adjustments"] = {
                kind: {"cap": part.cap, "items": {a.id: a.cap for a in part.items}}
                for kind, part in (("bonus", fw.bonus), ("deduction", fw.deduction))
                if part is not None
            }
            extra["total_bounds"] = list(fw.total_bounds())
        return extra | {
            "framework": self.framework.id,
            "framework_version": self.framework.version,
            "subtype": self.subtype,
            "weights": {
                "dimensions": self.dimension_points,
                "indicators": self.indicator_points,
                **({"groups": self.group_points} if self.group_points else {}),
            },
            "rules": {
                path: {"type": r.type, "weight": r.weight, **r.parameters()}
                for ind_id, rule in self.rules.items()
                for path, r in rule.walk(ind_id)
            },
            "aggregation": self.policy.model_dump(),
            "ranking": self.ranking.model_dump(),
            "tie_break": list(self.framework.tie_break),
            "grades": [g.model_dump() for g in self.grades],
        }

    def hash(self) -> str:
        return params_hash(self.snapshot())

    def expert_hash(self) -> str:
        """The hash of what an expert's form shows or rests on (weights, rules, grades, the
        panel's rule), without the ranking settings that come after the experts: a form
        signs this, so quotas and the 公示 may change after the forms went out, while a
        change to anything an expert saw is caught."""
        shown = {k: v for k, v in self.snapshot().items() if k not in AFTER_THE_EXPERTS}
        return params_hash(shown)


def params_hash(snapshot: dict[str, Any]) -> str:
    canon = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()


def apply(framework: Framework, params: Parameters, subtype: str | None = None) -> Effective:
    """Apply subtype weights, then the organiser's overrides, then normalise to 100."""
    o = params.frameworks.get(framework.id, FrameworkOverrides())
    where = f"{params.source or '参数'}: [frameworks.{framework.id}]"
    weights = {d.id: d.weight for d in framework.dimensions}
    weights |= {g.id: g.weight for d in framework.dimensions for g in d.all_groups()}
    weights |= {i.id: i.weight for _, i in framework.indicators()}
    st = framework.subtype(subtype)
    if st:
        weights |= st.weights
    unknown = sorted(set(o.subtype_weights) - {s.id for s in framework.subtypes})
    if unknown:
        raise ParamsError(f"{where}.subtype_weights: 没有 id 为 {unknown[0]!r} 的子类型")
    overrides = {**o.weights, **(o.subtype_weights.get(st.id, {}) if st else {})}
    for key, value in overrides.items():
        if key not in weights:
            raise ParamsError(f"{where}.weights: 没有 id 为 {key!r} 的维度、方面或指标")
        if not (isinstance(value, int | float) and 0 < value <= MAX_WEIGHT):
            raise ParamsError(
                f"{where}.weights.{key}: 权重必须是正数且不超过{MAX_WEIGHT:g}，现为 {value!r}"
            )
        weights[key] = float(value)

    notices: list[str] = []
    dim_total = sum(weights[d.id] for d in framework.dimensions)
    if not math.isclose(dim_total, framework.total_weight):
        notices.append(f"维度权重之和为{dim_total:g}，已按比例折算为{framework.total_weight:g}分")
    dim_points, group_points, ind_points = {}, {}, {}
    for d in framework.dimensions:
        dim_points[d.id] = framework.total_weight * weights[d.id] / dim_total
        _share(d, d, dim_points[d.id], weights, group_points, ind_points, notices)

    rules = {ind.id: ind.rule for _, ind in framework.indicators()}
    rules |= {a.id: a.rule for _, a in framework.adjustment_items()}
    for key, update in o.rules.items():
        ind_id, _, sub = key.partition(".")
        if ind_id not in rules:
            raise ParamsError(f"{where}.rules.{key}: 没有 id 为 {ind_id!r} 的指标或加扣分项")
        rules[ind_id] = _override(rules[ind_id], sub, update, f"{where}.rules.{key}")

    try:
        policy = params.policy_for(framework.id)
        ranking = params.ranking_for(framework.id)
    except ValidationError as exc:
        raise ParamsError(f"{where}: {_describe(exc)}") from None
    grades = o.grades or framework.total_grades()

    ranking = resolve_ranking(framework, ranking, st.id if st else None, where)
    return Effective(
        framework=framework,
        subtype=st.id if st else None,
        dimension_points=dim_points,
        indicator_points=ind_points,
        group_points=group_points,
        rules=rules,
        policy=policy,
        ranking=ranking,
        grades=grades,
        notices=notices,
    )


def _share(d, parent, points, weights, group_points, ind_points, notices) -> None:
    """Give ``parent``'s points to the nodes under it in proportion to their weights."""
    kids = d.children(None if parent is d else parent.id)
    total = sum(weights[k.id] for k in kids)
    if not math.isclose(total, weights[parent.id]):
        what = "指标" if parent is d else "下级"
        kind = "维度" if parent is d else "方面"
        notices.append(f"{kind}“{parent.name}”的{what}权重之和为{total:g}，已按比例折算")
    for k in kids:
        share = points * weights[k.id] / total
        if isinstance(k, Indicator):
            ind_points[k.id] = share
        else:
            group_points[k.id] = share
            _share(d, k, share, weights, group_points, ind_points, notices)


def _override(rule: Rule, sub: str, update: dict[str, Any], where: str) -> Rule:
    """Return ``rule`` with the component at ``sub`` re-validated with ``update``."""
    if sub:
        head, _, rest = sub.partition(".")
        children = {c.id: c for c in rule.children()}
        if head not in children:
            known = "、".join(children) or "（无组成部分）"
            raise ParamsError(f"{where}: 没有 id 为 {head!r} 的组成部分；可选：{known}")
        new = [_override(c, rest, update, where) if c.id == head else c for c in rule.children()]
        return rule.model_copy(update={"components": new})
    bad = sorted(set(update) - set(rule.tunable))
    if bad:
        raise ParamsError(
            f"{where}: {bad} 不可调整；{rule.type} 规则可调整的参数：{', '.join(rule.tunable)}"
        )
    current = rule.model_dump()
    for key, value in update.items():
        _like(current.get(key), value, where, key)
    data = current | update
    data["components"] = rule.children() if rule.children() else data.get("components")
    if data["components"] is None:
        data.pop("components")
    try:
        return type(rule).model_validate(data)
    except ValidationError as exc:
        raise ParamsError(f"{where}: {_describe(exc)}") from None


def resolve_ranking(
    framework: Framework, policy: RankingPolicy, subtype: str | None, where: str
) -> RankingPolicy:
    """The policy in force for one (set, sub-type), its names checked against the set."""
    subtypes = {s.id for s in framework.subtypes}
    bad = sorted(set(policy.quotas) - subtypes)
    if bad:
        known = "、".join(sorted(subtypes)) or "（该评价体系不区分申报类型）"
        raise ParamsError(f"{where}.ranking.quotas: 没有申报类型 {bad}；可选：{known}")
    if any(n < 1 for n in policy.quotas.values()):
        raise ParamsError(f"{where}.ranking.quotas: 推荐名额须为正整数")
    names = policy.tie_break or []
    ids = {d.id for d in framework.dimensions} | {i.id for _, i in framework.indicators()}
    for k, name in enumerate(names):
        if name == TOTAL and k != 0:
            raise ParamsError(f"{where}.ranking.tie_break: total（总分）只能排在第一位")
        if name not in ids | {TOTAL, EXPERT_TOTAL}:
            raise ParamsError(
                f"{where}.ranking.tie_break: {name!r} 不是维度或指标 id，也不是 total、expert_total"
            )
    if len(set(names)) != len(names):
        raise ParamsError(f"{where}.ranking.tie_break: 有重复的比较项")
    if subtype in policy.quotas:
        return policy.model_copy(update={"quota": policy.quotas[subtype]})
    return policy
