"""Built-in rule types and the parser that turns rule data into rule objects.

The set of rule types is open: plugins add their own through the
``register_rule_types`` hook, and the host passes the full registry to :func:`parse_rule`
through pydantic's validation context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from iipeval.core.errors import describe
from iipeval.core.hookspecs import hookimpl
from iipeval.core.rules.base import Answer, PanelScore, Rule, RuleContext
from iipeval.core.rules.coverage import Checklist, Coverage, Flag
from iipeval.core.rules.expert import GRADE_RANGES, GRADES, Expert, Rubric, expert_part_id
from iipeval.core.rules.quantity import Bands, LogScale, PerUnit
from iipeval.core.rules.ratio import Ratio
from iipeval.core.rules.total import Sum
from iipeval.core.rules.weighted import Weighted

BUILTIN_RULE_TYPES: dict[str, type[Rule]] = {
    cls.type_name: cls
    for cls in (LogScale, Bands, Coverage, Flag, Ratio, Expert, Weighted, PerUnit, Checklist, Sum)
}


def parse_rule(value: Any, context: Mapping[str, Any] | None = None) -> Rule:
    """Build a rule from its data (a dict with ``type``), using the registry in ``context``."""
    if isinstance(value, Rule):
        return value
    registry = (context or {}).get("rule_types") or BUILTIN_RULE_TYPES
    if not isinstance(value, Mapping) or "type" not in value:
        raise ValueError('规则必须是带 type 字段的表，例如 {type = "log_scale", ...}')
    kind = value["type"]
    cls = registry.get(kind)
    if cls is None:
        raise ValueError(f"未知的规则类型 {kind!r}；可用类型：{', '.join(sorted(registry))}")
    try:
        return cls.model_validate(dict(value), context=context)
    except ValidationError as exc:
        raise ValueError(f"{kind} 规则参数有误：{describe(exc)}") from None


def parse_components(value: Any, context: Mapping[str, Any] | None = None) -> list[Rule]:
    """The components of a combining rule (``weighted``, ``sum``), with unique ids."""
    if not isinstance(value, list):
        raise ValueError("components 必须是规则列表")
    rules = [parse_rule(v, context) for v in value]
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"组成部分 id 重复：{dupes}（每个组成部分需要唯一的 id）")
    return rules


@hookimpl
def register_rule_types(register):
    """The core's own rule types arrive through the same hook a plugin would use."""
    for cls in BUILTIN_RULE_TYPES.values():
        register(cls)


__all__ = [
    "BUILTIN_RULE_TYPES",
    "GRADES",
    "GRADE_RANGES",
    "Answer",
    "Bands",
    "Checklist",
    "Coverage",
    "Expert",
    "Flag",
    "LogScale",
    "PanelScore",
    "PerUnit",
    "Ratio",
    "Rubric",
    "Rule",
    "RuleContext",
    "Sum",
    "Weighted",
    "expert_part_id",
    "parse_components",
    "parse_rule",
]
