"""Rules for counts that span orders of magnitude: a log scale, or bands.

Min-max normalisation across applicants makes a score depend on who else applied, and a
linear scale lets one giant flatten everyone else. Both rules here score an applicant
against fixed, published reference points instead.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from .base import Answer, Rule, RuleContext, fmt, number


class _Summed(Rule):
    """Shared part of count rules: sum one or more items, optionally weighted."""

    items: list[str] = Field(min_length=1)
    item_weights: dict[str, float] | None = None

    @model_validator(mode="after")
    def _weights_name_items(self):
        if self.item_weights:
            unknown = set(self.item_weights) - set(self.items)
            if unknown:
                raise ValueError(f"item_weights 指向未列入 items 的数据项：{sorted(unknown)}")
        return self

    def item_ids(self) -> list[str]:
        return list(self.items)

    def _sum(self, ctx: RuleContext) -> tuple[float | None, dict, list[str]]:
        """Weighted sum of usable answers; ``None`` when every item is 不适用."""
        total, inputs, notes, applicable = 0.0, {}, [], 0
        for item in self.items:
            a: Answer = ctx.answer(item)
            inputs[item] = a.display()
            if a.state == "na":
                continue
            applicable += 1
            if not a.usable:
                notes.append(f"{ctx.label(item)}{a.display()}，按0计")
                continue
            w = (self.item_weights or {}).get(item, 1.0)
            total += w * max(0.0, number(a))
        return (total if applicable else None), inputs, notes

    def _describe_sum(self, ctx: RuleContext, total: float) -> str:
        if len(self.items) == 1:
            return f"{ctx.label(self.items[0])}为{fmt(total)}"
        if self.item_weights:
            terms = "+".join(
                f"{ctx.label(i)}×{fmt(self.item_weights.get(i, 1.0))}" for i in self.items
            )
            return f"加权合计（{terms}）为{fmt(total)}"
        return f"{'、'.join(ctx.label(i) for i in self.items)}合计{fmt(total)}"


class LogScale(_Summed):
    """0 at or below ``floor``, 100 at or above ``benchmark``, logarithmic in between."""

    type: Literal["log_scale"] = "log_scale"
    floor: float = Field(gt=0)
    benchmark: float = Field(gt=0)

    type_name = "log_scale"
    tunable = ("weight", "floor", "benchmark", "item_weights")

    @model_validator(mode="after")
    def _ordered(self):
        if self.benchmark <= self.floor:
            raise ValueError(f"benchmark（{self.benchmark}）必须大于 floor（{self.floor}）")
        return self

    def evaluate(self, ctx: RuleContext, path: str = ""):
        x, inputs, notes = self._sum(ctx)
        if x is None:
            return self._explain(path, None, "na", "数据项均为不适用，本项不计分", inputs=inputs)
        if x <= self.floor:
            score = 0.0
        elif x >= self.benchmark:
            score = 100.0
        else:
            score = 100 * math.log(x / self.floor) / math.log(self.benchmark / self.floor)
        text = (
            f"{self._describe_sum(ctx, x)}，按对数刻度计分（起评线{fmt(self.floor)}得0分，"
            f"标杆值{fmt(self.benchmark)}得100分），得{fmt(score)}分"
        )
        if notes:
            text += "（" + "；".join(notes) + "）"
        return self._explain(path, score, "scored", text, inputs=inputs)


class Bands(_Summed):
    """Step scores: the highest band whose threshold the value reaches."""

    type: Literal["bands"] = "bands"
    bands: list[tuple[float, float]] = Field(min_length=1)

    type_name = "bands"
    tunable = ("weight", "bands", "item_weights")

    @model_validator(mode="after")
    def _monotone(self):
        thresholds = [t for t, _ in self.bands]
        scores = [s for _, s in self.bands]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise ValueError("bands 的门槛值必须严格递增")
        if scores != sorted(scores):
            raise ValueError("bands 的分值必须随门槛值递增")
        if any(not 0 <= s <= 100 for s in scores):
            raise ValueError("bands 的分值必须在0-100之间")
        return self

    def evaluate(self, ctx: RuleContext, path: str = ""):
        x, inputs, notes = self._sum(ctx)
        if x is None:
            return self._explain(path, None, "na", "数据项均为不适用，本项不计分", inputs=inputs)
        score, reached = 0.0, None
        for threshold, band_score in self.bands:
            if x >= threshold:
                score, reached = band_score, threshold
        band = (
            f"达到“≥{fmt(reached)}”档"
            if reached is not None
            else f"低于最低档“≥{fmt(self.bands[0][0])}”"
        )
        text = f"{self._describe_sum(ctx, x)}，{band}，得{fmt(score)}分"
        if notes:
            text += "（" + "；".join(notes) + "）"
        return self._explain(path, score, "scored", text, inputs=inputs)
