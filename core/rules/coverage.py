"""Breadth rules: how many categories are covered, and yes/no capabilities.

DOMAIN practice scores breadth (how many of the 4 device or model categories an
applicant covers) as its own sub-score, separate from volume.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Rule, RuleContext, fmt, number


class Coverage(Rule):
    """Score by the share of listed items with a positive value (or 是).

    ``scores[k]`` is the score for covering ``k`` of ``n`` items (default linear). Items
    answered 不适用 leave the denominator; the score is read off the curve at the share.
    """

    type: Literal["coverage"] = "coverage"
    items: list[str] = Field(min_length=2)
    scores: list[float] | None = None

    type_name = "coverage"
    tunable = ("weight", "scores")

    @model_validator(mode="after")
    def _curve(self):
        if self.scores is not None:
            if len(self.scores) != len(self.items) + 1:
                raise ValueError(
                    f"scores 需要 {len(self.items) + 1} 个分值（覆盖0到{len(self.items)}类）"
                )
            if self.scores != sorted(self.scores) or not all(0 <= s <= 100 for s in self.scores):
                raise ValueError("scores 必须在0-100之间且不递减")
        return self

    def item_ids(self) -> list[str]:
        return list(self.items)

    def _curve_at(self, share: float) -> float:
        n = len(self.items)
        curve = self.scores or [100 * k / n for k in range(n + 1)]
        pos = share * n
        lo = int(pos)
        if lo >= n:
            return curve[n]
        return curve[lo] + (curve[lo + 1] - curve[lo]) * (pos - lo)

    def evaluate(self, ctx: RuleContext, path: str = ""):
        inputs, covered, applicable = {}, [], 0
        for item in self.items:
            a = ctx.answer(item)
            inputs[item] = a.display()
            if a.state == "na":
                continue
            applicable += 1
            if a.usable and number(a) > 0:
                covered.append(ctx.label(item))
        if not applicable:
            return self._explain(path, None, "na", "各类别均为不适用，本项不计分", inputs=inputs)
        score = self._curve_at(len(covered) / applicable)
        which = "、".join(covered) if covered else "无"
        text = f"覆盖{len(covered)}/{applicable}类（{which}），得{fmt(score)}分"
        return self._explain(path, score, "scored", text, inputs=inputs)


class Flag(Rule):
    """A yes/no capability: ``yes`` points when the item is 是 (or positive)."""

    type: Literal["flag"] = "flag"
    item: str
    yes: float = Field(default=100, ge=0, le=100)
    no: float = Field(default=0, ge=0, le=100)

    type_name = "flag"
    tunable = ("weight", "yes", "no")

    def item_ids(self) -> list[str]:
        return [self.item]

    def evaluate(self, ctx: RuleContext, path: str = ""):
        a = ctx.answer(self.item)
        inputs = {self.item: a.display()}
        if a.state == "na":
            return self._explain(path, None, "na", f"{ctx.label(self.item)}不适用", inputs=inputs)
        has = a.usable and number(a) > 0
        score = self.yes if has else self.no
        word = "是" if has else ("否" if a.usable else f"{a.display()}，按否计")
        text = f"{ctx.label(self.item)}：{word}，得{fmt(score)}分"
        return self._explain(path, score, "scored", text, inputs=inputs)
