"""The criteria-set model (评价体系): dimensions, indicators, data items, provenance.

This is the single source of truth for a criteria set. Plugins write it as TOML, the host
validates it here, and every front end (CLI, workbooks, Excel) renders from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
    model_validator,
)

from iipeval.core.rules import Expert, Rule, expert_part_id, parse_rule
from iipeval.core.rules.base import ID_PATTERN
from iipeval.core.rules.expert import ExpertGrade

ItemType = Literal["integer", "number", "percent", "bool", "text", "choice"]
Kind = Literal["定量", "定性", "综合"]

WEIGHT_TOLERANCE = 1e-6


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataItem(_Strict):
    """One figure an applicant supplies (数据项)."""

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, description="中文名称，与申报表一致")
    unit: str | None = None
    type: ItemType = "integer"
    min: float | None = None
    max: float | None = None
    required: bool = True
    allow_na: bool = False
    choices: list[str] | None = None
    help: str | None = Field(default=None, description="填报口径说明")

    @model_validator(mode="after")
    def _consistent(self):
        if self.type == "choice" and not self.choices:
            raise ValueError(f"数据项 {self.id} 的类型为 choice，但没有给出 choices")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"数据项 {self.id} 的下限大于上限")
        return self

    @property
    def numeric(self) -> bool:
        return self.type in ("integer", "number", "percent")

    def bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.min, self.max
        if self.type == "percent":
            lo = 0.0 if lo is None else lo
            hi = 100.0 if hi is None else hi
        return lo, hi


class Correction(_Strict):
    """A transcription slip in the source text and the official wording used instead."""

    transcribed: str
    official: str
    note: str = ""


class Source(_Strict):
    """Where the criteria come from, so reviewers can check them against the paper."""

    document: str = Field(min_length=1, description="文件名称")
    issuer: str = Field(min_length=1)
    year: int
    year_note: str = ""
    attachment: str = ""
    file: str = ""
    url: str = Field(default="", description="原文链接")
    corrections: list[Correction] = []


def _points_as_weight(data: Any, what: str) -> Any:
    """``points = 10`` (分值, as a document prints it) is the node's weight and full mark."""
    if isinstance(data, Mapping) and data.get("points") is not None:
        if data.get("weight") is not None and data["weight"] != data["points"]:
            raise ValueError(f"{what} {data.get('id')} 同时给出了 weight 与 points 且不相等")
        data = {**data, "weight": data["points"]}
    return data


class InheritedText(_Strict):
    """Text a set took from the set it extends: whose document it is, and which parts.

    A set that ``extends`` another keeps the parent's verbatim dimension and indicator
    text; reviewers check each against the document it really comes from.
    """

    framework: str
    source: Source
    dimensions: list[str] = Field(default_factory=list, description="原文来自该文件的维度")
    indicators: list[str] = Field(default_factory=list, description="原文来自该文件的指标")
    intro: bool = Field(default=False, description="总体要求是否来自该文件")


class Indicator(_Strict):
    """A 具体评价指标. ``name`` and ``description`` are verbatim from the source document.

    Written with ``weight``, its rule scores 0-100 and the weight scales it; written with
    ``points`` (分值), the points are both its weight and its rule's full mark, so the rule
    is written in the document's own numbers. ``group`` is the 方面/要素 it sits in, if the
    set is deeper than dimension → indicator.
    """

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    number: str = Field(
        default="", description="序号（原文），如 （三）、5.；不写时按 numbering 编排"
    )
    description: str = Field(min_length=1, description="评价内容（原文）")
    points: float | None = Field(default=None, gt=0, description="分值（满分）")
    weight: float = Field(gt=0)
    kind: Kind
    group: str | None = Field(default=None, description="所属方面（多层级时）")
    rule: SerializeAsAny[Rule]
    rationale: str = Field(min_length=1, description="默认权重与规则的理由（建议值）")

    @model_validator(mode="before")
    @classmethod
    def _points(cls, data: Any) -> Any:
        return _points_as_weight(data, "指标")

    @field_validator("rule", mode="before")
    @classmethod
    def _parse_rule(cls, value: Any, info: ValidationInfo) -> Rule:
        points = info.data.get("points")
        context = dict(info.context or {}, out_of=points) if points else info.context
        return parse_rule(value, context)

    @model_validator(mode="after")
    def _kind_matches_rule(self):
        experts = [r for _, r in self.rule.walk() if isinstance(r, Expert)]
        quantitative = [
            r for _, r in self.rule.walk() if not isinstance(r, Expert) and not r.children()
        ]
        actual = "综合" if experts and quantitative else ("定性" if experts else "定量")
        if actual != self.kind:
            raise ValueError(
                f"指标 {self.id} 声明为{self.kind}，但其规则实际为{actual}"
                "（定量=只有数据规则，定性=只有专家评分，综合=两者都有）"
            )
        return self

    def item_ids(self) -> list[str]:
        return self.rule.item_ids()

    def expert_parts(self) -> Iterator[tuple[str, Expert]]:
        for path, r in self.rule.walk():
            if isinstance(r, Expert):
                yield expert_part_id(self.id, path), r


class Group(_Strict):
    """A level between a dimension and its indicators (方面, 要素, "（一）"), any depth.

    Written nested (``[[dimensions.groups]]`` holding ``indicators`` and further
    ``groups``); stored flat: the indicators move to their dimension's list in document
    order, each naming its innermost group, and the group keeps its own sub-groups.
    """

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    number: str = Field(
        default="", description="序号（原文），如 （三）、5.；不写时按 numbering 编排"
    )
    description: str = Field(default="", description="说明（原文）")
    points: float | None = Field(default=None, gt=0, description="分值")
    weight: float = Field(gt=0)
    rationale: str = ""
    groups: list[Group] = []

    @model_validator(mode="before")
    @classmethod
    def _points(cls, data: Any) -> Any:
        return _points_as_weight(data, "方面")

    def walk(self) -> Iterator[Group]:
        yield self
        for g in self.groups:
            yield from g.walk()


def _flatten_groups(data: Any) -> Any:
    """Move indicators written inside (nested) groups to the dimension's flat list."""
    if not isinstance(data, Mapping) or not data.get("groups"):
        return data
    indicators: list[Any] = []  # the groups' first, as show and the workbooks list them

    def strip(group: Any, parent: str | None) -> Any:
        if not isinstance(group, Mapping):
            return group
        g = dict(group)
        for ind in g.pop("indicators", None) or []:
            if isinstance(ind, Mapping):
                ind = {**ind, "group": ind.get("group") or g.get("id")}
            indicators.append(ind)
        g["groups"] = [strip(sub, g.get("id")) for sub in g.get("groups") or []]
        return g

    groups = [strip(g, None) for g in data["groups"]]
    return {**data, "groups": groups, "indicators": indicators + list(data.get("indicators") or [])}


class Dimension(_Strict):
    """A 维度 (or 部分) with its 能力要求 text (verbatim), its groups and its indicators."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    number: str = Field(
        default="", description="序号（原文），如 （三）、5.；不写时按 numbering 编排"
    )
    requirement: str = Field(default="", description="能力要求（原文）")
    points: float | None = Field(default=None, gt=0, description="分值")
    weight: float = Field(gt=0)
    rationale: str = Field(min_length=1)
    groups: list[Group] = []
    indicators: list[Indicator] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        return _flatten_groups(_points_as_weight(data, "维度"))

    def all_groups(self) -> Iterator[Group]:
        for g in self.groups:
            yield from g.walk()

    def children(self, group: str | None = None) -> list[Group | Indicator]:
        """The nodes directly under this dimension (``group=None``) or under a group."""
        if group is None:
            subs = self.groups
        else:
            subs = next(g for g in self.all_groups() if g.id == group).groups
        return [*subs, *(i for i in self.indicators if i.group == group)]


class AdjustmentItem(_Strict):
    """One 加分项 or 扣分项: its rule gives points up to ``cap`` (the item's full mark)."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    number: str = Field(
        default="", description="序号（原文），如 （三）、5.；不写时按 numbering 编排"
    )
    description: str = Field(default="", description="内容（原文）")
    cap: float = Field(gt=0, description="本项最高分")
    rule: SerializeAsAny[Rule]
    rationale: str = Field(min_length=1)

    @field_validator("rule", mode="before")
    @classmethod
    def _parse_rule(cls, value: Any, info: ValidationInfo) -> Rule:
        cap = info.data.get("cap")
        context = dict(info.context or {}, out_of=cap) if cap else info.context
        return parse_rule(value, context)

    @model_validator(mode="after")
    def _quantitative(self):
        if any(isinstance(r, Expert) for _, r in self.rule.walk()):
            raise ValueError(f"加分/扣分项 {self.id} 只能按数据计分，不能由专家评分")
        return self

    def item_ids(self) -> list[str]:
        return self.rule.item_ids()


class Adjustment(_Strict):
    """加分项 or 扣分项: a part of the set outside the base points, with its own cap."""

    name: str = Field(min_length=1)
    number: str = Field(default="", description="序号（原文），如 三、；不写时不编号")
    description: str = Field(default="", description="说明（原文）")
    cap: float | None = Field(default=None, gt=0, description="本部分最高分")
    items: list[AdjustmentItem] = Field(min_length=1)

    @property
    def most(self) -> float:
        """The most this part can move the total: its cap, else its items' caps added."""
        top = sum(i.cap for i in self.items)
        return top if self.cap is None else min(top, self.cap)


class Subtype(_Strict):
    """A variant applied for within one set (特色型: 行业级 / 区域级)."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    description: str = ""
    weights: dict[str, float] = Field(default_factory=dict, description="相对默认权重的调整")
    rationale: str = ""


class Check(_Strict):
    """A declarative cross-item consistency check: ``left <= right`` (× ``factor``).

    ``right`` may list several items, compared against their sum (active APPs against the
    four APP categories together, SMEs served against all enterprises served).
    """

    id: str = Field(pattern=ID_PATTERN)
    type: Literal["le"] = "le"
    left: str
    right: str | list[str]
    factor: float = 1.0

    @property
    def right_items(self) -> list[str]:
        return [self.right] if isinstance(self.right, str) else list(self.right)

    severity: Literal["error", "warning"] = "error"
    message: str = Field(min_length=1, description="用中文说明怎样的数据才算一致（申报单位会看到）")


class Exclusion(_Strict):
    """A 否决项 (exclusion). Either on one item (out when it equals ``when``), or on where
    the applicant is registered: ``credit_code_region`` is the administrative-division
    prefix that characters 3-8 of the 统一社会信用代码 must start with (湖南 = "43")."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    item: str | None = None
    when: bool | str = True
    credit_code_region: str | None = Field(default=None, pattern=r"^\d{2,6}$")
    region_name: str = Field(default="", description="该行政区划的名称，如 湖南省")
    rationale: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.item is None) == (self.credit_code_region is None):
            raise ValueError(f"否决项 {self.id} 须且只须给出 item 或 credit_code_region 之一")
        return self


class GradeBand(_Strict):
    name: str
    min: float = Field(ge=0)


#: What the weights of a set written in weights are: iipeval's (or the author's) proposals.
PROPOSED_NOTE = (
    "权重、标杆值与计分规则均为 iipeval 提出的建议值，原文件未公布；组织方可通过参数文件调整。"
)
#: What the points of a set written in points are: the document's own.
POINTS_NOTE = (
    "各项分值与计分规则照录原文件；原文件未写明之处为插件作者提出的建议值，"
    "组织方可通过参数文件调整。"
)


def _note_by_style(data: Any) -> Any:
    """A points table copied from a document says its points are the document's."""
    if not isinstance(data, Mapping) or data.get("weights_note") is not None:
        return data
    dims = data.get("dimensions")
    if not isinstance(dims, list) or not dims:
        return data
    points = all(isinstance(d, Mapping) and d.get("points") is not None for d in dims)
    return {**data, "weights_note": POINTS_NOTE if points else PROPOSED_NOTE}


DEFAULT_GRADES = [
    GradeBand(name="优秀", min=85),
    GradeBand(name="良好", min=75),
    GradeBand(name="一般", min=60),
    GradeBand(name="较差", min=0),
]


def with_set_scale(data: Any) -> Any:
    """Expert parts without their own scale take the set's, scaled to their full mark."""
    if not isinstance(data, Mapping) or not data.get("expert_grades"):
        return data
    scale = [dict(g) for g in data["expert_grades"] if isinstance(g, Mapping)]

    def fill(rule: Any, full: float) -> Any:
        if not isinstance(rule, Mapping):
            return rule
        rule = dict(rule)
        own = rule.get("out_of") or full
        if rule.get("type") == "expert" and not rule.get("grades") and not rule.get("rubric"):
            f = own / 100
            rule["grades"] = [
                {
                    k: (v * f if k in ("min", "max", "value") and v is not None else v)
                    for k, v in g.items()
                }
                for g in scale
            ]
        if isinstance(rule.get("components"), list):
            rule["components"] = [fill(c, own) for c in rule["components"]]
        return rule

    def indicators(node: Mapping) -> dict:
        node = dict(node)
        node["indicators"] = [
            {**i, "rule": fill(i.get("rule"), i.get("points") or 100)}
            if isinstance(i, Mapping)
            else i
            for i in node.get("indicators") or []
        ]
        node["groups"] = [
            indicators(g) if isinstance(g, Mapping) else g for g in node.get("groups") or []
        ]
        return node

    dims = [indicators(d) if isinstance(d, Mapping) else d for d in data.get("dimensions") or []]
    return {**data, "dimensions": dims}


class Framework(_Strict):
    """A complete criteria set (评价体系) with everything needed to score against it."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    short_name: str = ""
    platform_type: str = Field(min_length=1, description="平台类型，如 双跨平台、综合型")
    version: str = Field(min_length=1)
    source: Source
    intro: str = Field(default="", description="总体要求（原文）")
    inherited: list[InheritedText] = Field(
        default_factory=list, description="继承而来的原文及其出处（extends 时由 iipeval 填写）"
    )
    total_weight: float = 100.0
    dimensions: list[Dimension] = Field(min_length=1)
    bonus: Adjustment | None = Field(default=None, description="加分项")
    deduction: Adjustment | None = Field(default=None, description="扣分项")
    total_min: float = Field(default=0.0, description="总分下限（扣分后不低于）")
    total_max: float | None = Field(
        default=None, description="总分上限；缺省为基础分满分加加分项上限"
    )
    items: list[DataItem] = Field(min_length=1, description="本体系用到的全部数据项")
    general_items: list[str] = Field(
        default_factory=list, description="不属于任何指标、由否决项或校验使用的数据项"
    )
    subtypes: list[Subtype] = []
    checks: list[Check] = []
    exclusions: list[Exclusion] = []
    grades: list[GradeBand] | None = Field(
        default=None,
        description="总分等级；不写时按权重写的体系用 iipeval 的默认等级，按分值写的体系不评等级",
    )
    numbering: Literal["restart", "continuous"] = Field(
        default="restart",
        description="没有写 number 的方面和指标如何编号：restart 在每个维度内从（一）、1. 起，"
        "continuous 全表连续编号",
    )
    expert_grades: list[ExpertGrade] | None = Field(
        default=None,
        description="本体系统一的专家评分等级（按百分制写），用于未自带 rubric 或 grades 的专家评分项",
    )
    tie_break: list[str] = Field(default_factory=list, description="同分时依次比较的维度/指标")
    weights_note: str = Field(
        default=PROPOSED_NOTE,
        description="权重说明；不写时按体系的写法取 PROPOSED_NOTE 或 POINTS_NOTE",
    )

    @model_validator(mode="before")
    @classmethod
    def _set_scale(cls, data: Any) -> Any:
        return _note_by_style(with_set_scale(data))

    @model_validator(mode="after")
    def _validate(self):
        problems = list(self._problems())
        if problems:
            raise ValueError("；\n".join(problems))
        return self

    def _problems(self) -> Iterator[str]:
        """What pydantic cannot see field by field: ids, weights and references that do not
        fit together. Every problem is said, in document order, so one load shows them all."""
        items = {i.id for i in self.items}
        if len(items) != len(self.items):
            yield "数据项 id 重复"
        ids = self._node_ids()
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            yield f"维度/方面/指标/加扣分项 id 重复：{dupes}"
        dims = sum(d.weight for d in self.dimensions)
        if not math.isclose(dims, self.total_weight, abs_tol=WEIGHT_TOLERANCE):
            yield f"维度权重之和为 {dims:g}，应等于声明的总分 {self.total_weight:g}"
        for d in self.dimensions:
            yield from _dimension_problems(d, items)
        for label, part in self.adjustments():
            for a in part.items:
                yield from _unknown_rule_items(label, a, items)
        if self.total_max is not None and self.total_max <= self.total_min:
            yield "total_max 必须大于 total_min"
        yield from self._unknown_item_references(items)
        yield from self._unknown_node_references(set(ids))
        grade_mins = [g.min for g in self.grades or []]
        if grade_mins and (grade_mins != sorted(grade_mins, reverse=True) or grade_mins[-1] != 0):
            yield "grades 必须按下限从高到低排列，且最后一档下限为0"

    def _node_ids(self) -> list[str]:
        """Ids of every dimension, group, indicator and 加分/扣分项, repeats kept: they share
        one namespace because a parameters file addresses each by its id alone."""
        ids: list[str] = []
        for d in self.dimensions:
            ids.append(d.id)
            ids.extend(g.id for g in d.all_groups())
            ids.extend(i.id for i in d.indicators)
        ids.extend(a.id for part in self.adjustments() for a in part[1].items)
        return ids

    def _unknown_item_references(self, items: set[str]) -> Iterator[str]:
        """Data items named outside any rule (general_items, checks, 否决项) that do not exist."""
        for name in self.general_items:
            if name not in items:
                yield f"general_items 引用了不存在的数据项：{name}"
        for c in self.checks:
            for side in (c.left, *c.right_items):
                if side not in items:
                    yield f"校验 {c.id} 引用了不存在的数据项：{side}"
        for e in self.exclusions:
            if e.item is not None and e.item not in items:
                yield f"否决项 {e.id} 引用了不存在的数据项：{e.item}"

    def _unknown_node_references(self, known: set[str]) -> Iterator[str]:
        """Dimensions or indicators named by the tie-break order or a sub-type's weights
        that do not exist: a typo there would silently change a ranking."""
        for t in self.tie_break:
            if t not in known:
                yield f"tie_break 引用了不存在的维度/指标：{t}"
        for st in self.subtypes:
            for key in st.weights:
                if key not in known:
                    yield f"子类型 {st.id} 调整了不存在的权重：{key}"

    # lookups ------------------------------------------------------------------------------

    def indicators(self) -> Iterator[tuple[Dimension, Indicator]]:
        for d in self.dimensions:
            for i in d.indicators:
                yield d, i

    def adjustments(self) -> list[tuple[str, Adjustment]]:
        """The 加分项 and 扣分项 parts the set has, with their Chinese names."""
        return [(p.name, p) for p in (self.bonus, self.deduction) if p is not None]

    def adjustment_items(self) -> Iterator[tuple[Literal["bonus", "deduction"], AdjustmentItem]]:
        for kind, part in (("bonus", self.bonus), ("deduction", self.deduction)):
            if part is not None:
                for a in part.items:
                    yield kind, a  # type: ignore[misc]

    @property
    def written_in_points(self) -> bool:
        """Every dimension carries the document's own points (分值): a points table."""
        return all(d.points is not None for d in self.dimensions)

    def total_grades(self) -> list[GradeBand]:
        """The grades a total is given: the set's own, else iipeval's default for a set
        written in weights, and none for a points table whose document gives none."""
        if self.grades is not None:
            return list(self.grades)
        return [] if self.written_in_points else list(DEFAULT_GRADES)

    def total_bounds(self) -> tuple[float, float]:
        """The lowest and highest total the set allows (base + 加分 − 扣分, bounded)."""
        top = self.total_max
        if top is None:
            top = self.total_weight + (self.bonus.most if self.bonus else 0.0)
        return self.total_min, top

    def depth(self) -> int:
        """Levels from dimension to indicator: 2 for dimension → indicator, 3 with 方面..."""

        def down(g: Group) -> int:
            return 1 + max((down(s) for s in g.groups), default=0)

        return 2 + max((down(g) for d in self.dimensions for g in d.groups), default=0)

    def weight_groups(self) -> list[WeightGroup]:
        """Each set of sibling nodes with their declared weights, top level first.

        See :meth:`iipeval.core.scoring.params.Effective.weight_groups` for the weights in force.
        """
        return weight_groups(self, lambda node: node.weight)

    def item(self, item_id: str) -> DataItem:
        return self.item_map()[item_id]

    def item_map(self) -> dict[str, DataItem]:
        """Items by id (one dict per set, worked out once: do not change it)."""
        return self._item_map

    @cached_property
    def _item_map(self) -> dict[str, DataItem]:
        return {i.id: i for i in self.items}

    @cached_property
    def item_labels(self) -> dict[str, str]:
        """Each item's Chinese label by id, as explanations print it."""
        return {i.id: i.label for i in self.items}

    @cached_property
    def item_units(self) -> dict[str, str]:
        return {i.id: i.unit or "" for i in self.items}

    def subtype(self, subtype_id: str | None) -> Subtype | None:
        for st in self.subtypes:
            if subtype_id in (st.id, st.name):
                return st
        return None

    def expert_parts(self) -> list[tuple[str, Indicator, Expert]]:
        """Every part the expert panel scores, in document order."""
        return list(self._expert_parts)

    @cached_property
    def _expert_parts(self) -> tuple[tuple[str, Indicator, Expert], ...]:
        return tuple((pid, ind, r) for _, ind in self.indicators() for pid, r in ind.expert_parts())

    def counts(self) -> dict[str, int]:
        return {
            "dimensions": len(self.dimensions),
            "indicators": sum(len(d.indicators) for d in self.dimensions),
            "items": len(self.items),
            "expert_parts": len(self.expert_parts()),
        }


def _dimension_problems(d: Dimension, items: set[str]) -> Iterator[str]:
    """One dimension: indicators in groups it has, weights that add up to each parent's,
    rules that read existing items. A stray indicator stops the rest: its sums would mislead."""
    group_ids = {g.id for g in d.all_groups()}
    stray = [i.id for i in d.indicators if i.group is not None and i.group not in group_ids]
    if stray:
        yield f"维度 {d.id}（{d.name}）的指标 {stray} 指向本维度中不存在的方面"
        return
    s = sum(c.weight for c in d.children())
    if not math.isclose(s, d.weight, abs_tol=WEIGHT_TOLERANCE):
        yield f"维度 {d.id}（{d.name}）的指标权重之和为 {s:g}，应等于维度权重 {d.weight:g}"
    for g in d.all_groups():
        under = d.children(g.id)
        s = sum(c.weight for c in under)
        if not under:
            yield f"方面 {g.id}（{g.name}）下没有指标"
        elif not math.isclose(s, g.weight, abs_tol=WEIGHT_TOLERANCE):
            yield f"方面 {g.id}（{g.name}）的下级权重之和为 {s:g}，应等于其权重 {g.weight:g}"
    for ind in d.indicators:
        yield from _unknown_rule_items("指标", ind, items)


def _unknown_rule_items(what: str, node: Indicator | AdjustmentItem, items: set[str]):
    """The data items a rule reads that the set does not define (a typo scores as missing)."""
    unknown = [i for i in node.item_ids() if i not in items]
    if unknown:
        yield f"{what} {node.id}（{node.name}）的规则引用了不存在的数据项：{unknown}"


@dataclass(frozen=True)
class WeightNode:
    """One node in the weight hierarchy: a dimension, a group (方面) or an indicator."""

    id: str
    name: str
    kind: Literal["dimension", "group", "indicator"]
    weight: float


@dataclass(frozen=True)
class WeightGroup:
    """Sibling nodes whose weights are compared with each other.

    ``parent`` is ``None`` for the dimensions themselves, else the dimension or group the
    nodes sit under; ``level`` counts from 1 (dimensions). A two-level set gives one
    group of dimensions, then one group of indicators per dimension, in document order:
    the unit an AHP comparison sheet or a weight-sensitivity run works on.
    """

    parent: str | None
    parent_name: str
    level: int
    nodes: tuple[WeightNode, ...]


def weight_groups(fw: Framework, weight_of) -> list[WeightGroup]:
    """The hierarchy of ``fw`` as sibling groups, weights read by ``weight_of(node)``."""

    def node(x: Dimension | Group | Indicator) -> WeightNode:
        kind = (
            "dimension"
            if isinstance(x, Dimension)
            else ("group" if isinstance(x, Group) else "indicator")
        )
        return WeightNode(x.id, x.name, kind, float(weight_of(x)))

    out = [WeightGroup(None, fw.name, 1, tuple(node(d) for d in fw.dimensions))]

    def below(d: Dimension, parent: Dimension | Group, level: int) -> None:
        kids = d.children(None if parent is d else parent.id)
        out.append(WeightGroup(parent.id, parent.name, level, tuple(node(k) for k in kids)))
        for k in kids:
            if isinstance(k, Group):
                below(d, k, level + 1)

    for d in fw.dimensions:
        below(d, d, 2)
    return out
