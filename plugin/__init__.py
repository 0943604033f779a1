"""iipeval.plugin: everything a criteria-set plugin needs, from one stable module.

A province's package imports from here and nowhere else inside iipeval::

    from iipeval.plugin import hookimpl, Rule, RuleContext, fmt

What is listed in ``__all__`` keeps its name and meaning across minor versions; the
modules it comes from (``iipeval.core.*``) are internal and may move.
"""

from iipeval.core.explain import STATUS_LABELS, Explanation, Status
from iipeval.core.findings import Finding, Severity
from iipeval.core.hookspecs import ENTRY_POINT_GROUP, hookimpl
from iipeval.core.model.application import Application, ExpertReview, NotApplicable
from iipeval.core.model.criteria import (
    Adjustment,
    AdjustmentItem,
    DataItem,
    Dimension,
    Framework,
    Group,
    Indicator,
    WeightGroup,
    WeightNode,
)
from iipeval.core.rules import (
    Answer,
    Bands,
    Checklist,
    Coverage,
    Expert,
    Flag,
    LogScale,
    PanelScore,
    PerUnit,
    Ratio,
    Rule,
    RuleContext,
    Sum,
    Weighted,
)
from iipeval.core.rules.base import ID_PATTERN, as_number, clamp
from iipeval.core.rules.expert import ExpertGrade
from iipeval.core.scoring.validation import ApplicationView
from iipeval.core.text import fmt

#: Bumped when anything in ``__all__`` changes incompatibly.
API_VERSION = 1

#: The old name of :func:`as_number`, kept so plugins written against it keep working.
#: (``ApplicationView.number`` likewise stays beside ``ApplicationView.item_number``.)
number = as_number

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "ID_PATTERN",
    "STATUS_LABELS",
    "Adjustment",
    "AdjustmentItem",
    "Answer",
    "Application",
    "ApplicationView",
    "Bands",
    "Checklist",
    "Coverage",
    "DataItem",
    "Dimension",
    "Expert",
    "ExpertGrade",
    "ExpertReview",
    "Explanation",
    "Finding",
    "Flag",
    "Framework",
    "Group",
    "Indicator",
    "LogScale",
    "NotApplicable",
    "PanelScore",
    "PerUnit",
    "Ratio",
    "Rule",
    "RuleContext",
    "Severity",
    "Status",
    "Sum",
    "WeightGroup",
    "WeightNode",
    "Weighted",
    "as_number",
    "clamp",
    "fmt",
    "hookimpl",
    "number",
]
