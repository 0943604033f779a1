"""An expert's entry for one part, checked against that part's own scale.

Both kinds of review form, the expert workbook and the signed JSON form, are read with
this one check, so a value is accepted or refused the same way, with the same finding,
whichever file the expert filled in. The scale is the part's own (issue 13): its full
mark (points under a points indicator, else 100) and its grade names (a set's own, such
as 好/较好/一般/差, else 优秀/良好/一般/较差). A form issued before forms recorded their
scale falls back to 0-100 and the four common grades.

The engine checks every counted entry against the criteria set once more
(:meth:`iipeval.core.rules.Expert.entry`); this check is the one that can name the file
and the cell.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import ExpertReview
from iipeval.core.rules import GRADES, Expert

FORMULA_START = ("=", "+", "@")


@dataclass(frozen=True)
class PartScale:
    """What an expert may enter for one part: a number from 0 to ``full``, or a grade."""

    full: float = 100.0
    grades: tuple[str, ...] = GRADES

    @property
    def span(self) -> str:
        return f"0-{fmt_raw(self.full)}"


def part_scale(rule: Expert | None, grade_scores: dict[str, float]) -> PartScale:
    """The scale a form records for a part, from the part's expert rule (none: 0-100)."""
    if rule is None:
        return PartScale()
    full, grades = rule.entry_scale(grade_scores)
    return PartScale(float(full), tuple(name for name, _ in grades))


def part_scales(framework, grade_scores: dict[str, float]) -> dict[str, PartScale]:
    """Every expert part's scale in a criteria set, by part id."""
    return {pid: part_scale(rule, grade_scores) for pid, _, rule in framework.expert_parts()}


def check_entry(raw: Any, scale: PartScale) -> tuple[float | str | None, str | None]:
    """An entry as a score (``None``: not scored), or why it is not one.

    Numbers and numbers written as text count when within the full mark; text must
    otherwise be one of the part's grades. The reason is a Chinese phrase that follows
    "“申报单位”的“评分项”" in the finding.
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, f"填写了逻辑值“{'TRUE' if raw else 'FALSE'}”，不是有效评分"
    if isinstance(raw, int | float):
        return _within(raw, fmt_raw(raw), scale)
    if isinstance(raw, datetime.date | datetime.time | datetime.timedelta):
        return None, f"填写了“{raw}”（日期或时间格式），不是有效评分"
    if not isinstance(raw, str):
        return None, _not_a_score(str(raw), scale)
    text = raw.strip()
    if not text:
        return None, None
    if text in scale.grades:
        return text, None
    if text.startswith(FORMULA_START):
        return None, f"填写了公式样式的文本“{text[:30]}”，请直接填写分数或等级"
    try:
        x = float(text)
    except ValueError:
        return None, _not_a_score(text, scale)
    return _within(x, text, scale)


def _within(x: int | float, shown: str, scale: PartScale) -> tuple[float | None, str | None]:
    try:
        value = float(x)
    except OverflowError:  # an integer beyond any float, from JSON
        value = math.inf
    if not math.isfinite(value) or not 0 <= value <= scale.full:
        return None, f"评分{shown[:30]}超出{scale.span}范围"
    return value, None


def _not_a_score(text: str, scale: PartScale) -> str:
    grades = "、".join(scale.grades)
    return f"填写了“{text[:30]}”，不是有效评分（应为{scale.span}的数字，或{grades}之一）"


def fmt_raw(x: int | float) -> str:
    """A number as the expert typed it: 85, 85.5 (never 85.0, never thousands commas)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def form_error(src: str, code: str, message: str, **where) -> Finding:
    """An error in a review form, naming its file (and, where known, sheet and cell)."""
    return Finding(severity=Severity.error, code=code, message=message, file=src, **where)


def checked_scores(
    src: str,
    applicant: str,
    entries: Iterable[tuple[str, str, Any, PartScale, dict[str, str]]],
) -> tuple[dict[str, float | str | None], list[Finding]]:
    """One application's entries (part id, label, raw value, scale, where it is) as the
    scores that count, and one ``review_bad_score`` finding per entry that does not.

    Where it is: ``sheet`` and ``cell`` in a workbook; in a JSON form its key path as the
    ``item``, as every JSON finding gives it (otherwise the item is the part's id)."""
    scores: dict[str, float | str | None] = {}
    findings = []
    for pid, label, raw, scale, where in entries:
        value, problem = check_entry(raw, scale)
        if problem:
            findings.append(
                form_error(
                    src,
                    "review_bad_score",
                    f"“{applicant}”的“{label}”{problem}；该项按未评分处理",
                    indicator=pid.split(".")[0],
                    **{"item": pid, **where},
                )
            )
        scores[pid] = value
    return scores, findings


def form_review(
    expert: str,
    panel: str | None,
    application: str,
    scores: dict[str, float | str | None],
    comments: dict[str, str],
) -> ExpertReview:
    """A review read from a form, its scores as :func:`checked_scores` let them through.

    Built without validating the scores again: a part's own full mark may be above the
    0-100 an unsigned review file is held to, and each score was checked against it."""
    return ExpertReview.model_construct(
        expert=expert, panel=panel, application=application, scores=scores, comments=comments
    )
