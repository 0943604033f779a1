"""Built-in rule types and the parser that turns rule data into rule objects.

The set of rule types is open: plugins add their own through the
``register_rule_types`` hook, and the host passes the full registry to :func:`parse_rule`
through pydantic's validation context.
"""

from __future__ import annotations

from iipeval.core.hookspecs import hookimpl
from iipeval.core.rules.base import Answer, PanelScore, Rule, RuleContext
from iipeval.core.rules.coverage import Checklist, Coverage, Flag
from iipeval.core.rules.expert import GRADE_RANGES, GRADES, Expert, Rubric, expert_part_id
from iipeval.core.rules.parse import BUILTIN_RULE_TYPES, parse_components, parse_rule
from iipeval.core.rules.quantity import Bands, LogScale, PerUnit
from iipeval.core.rules.ratio import Ratio
from iipeval.core.rules.total import Sum
from iipeval.core.rules.weighted import Weighted

BUILTIN_RULE_TYPES.update(
    (cls.type_name, cls)
    for cls in (LogScale, Bands, Coverage, Flag, Ratio, Expert, Weighted, PerUnit, Checklist, Sum)
)


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
