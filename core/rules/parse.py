"""Rule data → rule objects, through the registry of rule types in force.

The registry travels in pydantic's validation context (``rule_types``), so that the rules a
plugin registers are found while its criteria set is read. Without one the built-in types
are used: :mod:`iipeval.core.rules` fills :data:`BUILTIN_RULE_TYPES` as it loads, which it
always has before any rule module is imported. Composite rules (``weighted``, ``sum``) parse
their components here too, without importing the package that imports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from iipeval.core.errors import describe
from iipeval.core.rules.base import Rule

#: type name → class, for the core's own rule types (filled by :mod:`iipeval.core.rules`)
BUILTIN_RULE_TYPES: dict[str, type[Rule]] = {}


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
