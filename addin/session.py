"""What the Excel functions (:mod:`.udfs`) and the buttons' macros (:mod:`.macros`) share:
the one evaluator of the Excel session, how a value is made safe for a cell, and the total
row. Both import it; neither imports the other at module level, so there is no cycle.
"""

from __future__ import annotations

from typing import Any

from iipeval.core import voice
from iipeval.core.api import Evaluator
from iipeval.core.model.results import Result
from iipeval.core.text import fmt
from iipeval.present.cell_text import cell_safe, csv_field

_EVALUATOR: Evaluator | None = None


def session_evaluator() -> Evaluator:
    """The module's one evaluator: plugins load on the first call, then stay loaded."""
    global _EVALUATOR
    if _EVALUATOR is None:
        _EVALUATOR = Evaluator()
    return _EVALUATOR


def use_evaluator(ev: Evaluator | None) -> None:
    """Replace the module's evaluator (other parameters, test criteria sets); ``None`` resets."""
    global _EVALUATOR
    _EVALUATOR = ev


def cell_value(value: Any) -> Any:
    """A value safe to hand to a cell: text never starts a formula, nor breaks the file."""
    if isinstance(value, str):
        return csv_field(cell_safe(value))
    return value


def total_row(result: Result) -> tuple[str, float | None, str]:
    """The total as shown in a cell: while expert parts are pending, the points secured so
    far, labelled 暂定 with how many points are still open."""
    if result.provisional:
        return (
            f"总分（暂定，不含待专家评分的{fmt(result.pending_points)}分）",
            result.secured,
            voice.pending_total(result.secured, result.pending_points),
        )
    return "总分", result.total, "已完成"
