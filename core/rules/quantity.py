"""Rules for counts that span orders of magnitude: a log scale, or bands.

Min-max normalisation across applicants makes a score depend on who else applied, and a
linear scale lets one giant flatten everyone else. Both rules here score an applicant
against fixed, published reference points instead.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from iipeval.core.rules.base import Answer, Rule, RuleContext, as_number, fmt


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
            total += w * max(0.0, as_number(a))
        return (total if applicable else None), inputs, notes

    def _describe_sum(self, ctx: RuleContext, total: float) -> str:
        if len(self.items) == 1:
            return f"{ctx.label(self.items[0])}为{fmt(total)}"
        if self.item_weights:
            terms = "+".join(
                f"{ctx.label(i)}×{fmt(self.item_weights.get(i, 1.0))}" for i in self.items
            )
            return f"加权合计（{terms}）为{fmt(total)}"
        return f"{joined_labels(ctx, self.items)}合计{fmt(total)}"


@lru_cache(maxsize=1024)
def _log_note(floor: float, benchmark: float) -> str:
    """The words that stay the same from one application to the next (set once per rule)."""
    return f"，按对数刻度计分（起评线{fmt(floor)}得0分，标杆值{fmt(benchmark)}得100分），得"


_JOINED: dict[tuple[int, tuple[str, ...]], tuple[object, str]] = {}


def joined_labels(ctx: RuleContext, items: list[str]) -> str:
    """The items' labels joined with 、, worked out once per set of labels (every
    application of a criteria set shares its label table)."""
    key = (id(ctx.labels), tuple(items))
    hit = _JOINED.get(key)
    if hit is None or hit[0] is not ctx.labels:
        if len(_JOINED) > 4096:
            _JOINED.clear()
        hit = _JOINED[key] = (ctx.labels, "、".join(ctx.label(i) for i in items))
    return hit[1]


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
        text = f"{self._describe_sum(ctx, x)}{_log_note(self.floor, self.benchmark)}{fmt(score)}分"
        if notes:
            text += "（" + "；".join(notes) + "）"
        return self._explain(path, score, "scored", text, inputs=inputs)


class Bands(_Summed):
    """Step scores: the highest band whose threshold the value reaches.

    ``bands`` may be listed in either order, as the document prints them ("≥10000台得10分；
    5000台及以上得6分…" top-down, or bottom-up). Band scores are on the rule's full mark:
    points under a points indicator, else 0-100.
    """

    type: Literal["bands"] = "bands"
    bands: list[tuple[float, float]] = Field(min_length=1)

    type_name = "bands"
    tunable = ("weight", "bands", "item_weights")

    @model_validator(mode="after")
    def _monotone(self):
        steps = self.steps()
        thresholds = [t for t, _ in steps]
        scores = [s for _, s in steps]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("bands 的门槛值不能重复")
        if [t for t, _ in self.bands] not in (thresholds, thresholds[::-1]):
            raise ValueError("bands 须按门槛值从低到高或从高到低依次列出")
        if scores != sorted(scores):
            raise ValueError("bands 的分值必须随门槛值递增（门槛越高，得分不低于下一档）")
        if any(not 0 <= s <= self.full for s in scores):
            raise ValueError(f"bands 的分值必须在0-{fmt(self.full)}之间")
        return self

    def steps(self) -> list[tuple[float, float]]:
        """The bands from the lowest threshold up, whatever order they were written in."""
        return sorted(self.bands)

    def reachable(self) -> tuple[float, float]:
        steps = self.steps()
        low = steps[0][1] if steps[0][0] <= 0 else 0.0
        return low, steps[-1][1]

    def band_of(self, x: float) -> tuple[float, str]:
        """The score ``x`` reaches and the band in words: "达到“≥5,000”档"; a band from 0
        (``[0, 1]``: "＜200家得1分") reads "属“＜200”档"; below the lowest band, 0."""
        steps = self.steps()
        got, k = 0.0, None
        for n, (threshold, band_score) in enumerate(steps):
            if x >= threshold:
                got, k = band_score, n
        if k is None:
            return 0.0, f"低于最低档“≥{fmt(steps[0][0])}”"
        threshold = steps[k][0]
        if threshold <= 0 and k + 1 < len(steps):
            return got, f"属“＜{fmt(steps[k + 1][0])}”档"
        return got, f"达到“≥{fmt(threshold)}”档"

    def evaluate(self, ctx: RuleContext, path: str = ""):
        x, inputs, notes = self._sum(ctx)
        if x is None:
            return self._explain(path, None, "na", "数据项均为不适用，本项不计分", inputs=inputs)
        got, band = self.band_of(x)
        text = f"{self._describe_sum(ctx, x)}，{band}，{self._mark(got, ctx.verb)}"
        if notes:
            text += "（" + "；".join(notes) + "）"
        return self._got(path, got, text, inputs=inputs)


class PerUnit(_Summed):
    """Points per unit with a cap: "每件1分，最高6分", "每50个得1分".

    ``rounding = "floor"`` (the default) counts whole units only, as "每50个得1分" is read:
    99 gives one unit, not 1.98. ``"exact"`` counts fractions of a unit. ``cap`` defaults
    to the rule's full mark; a total above it is cut to it and the explanation says so.
    """

    type: Literal["per_unit"] = "per_unit"
    per: float = Field(default=1.0, gt=0, description="每多少个（单位数）")
    points: float = Field(gt=0, description="每单位得分")
    cap: float | None = Field(default=None, gt=0, description="最高得分")
    rounding: Literal["floor", "exact"] = "floor"

    type_name = "per_unit"
    tunable = ("weight", "per", "points", "cap", "rounding", "item_weights")

    def reachable(self) -> tuple[float, float]:
        return 0.0, self.cap if self.cap is not None else math.inf

    def evaluate(self, ctx: RuleContext, path: str = ""):
        x, inputs, notes = self._sum(ctx)
        if x is None:
            return self._explain(path, None, "na", "数据项均为不适用，本项不计分", inputs=inputs)
        units = x / self.per
        if self.rounding == "floor":
            units = math.floor(units + 1e-9)
        raw = units * self.points
        cap = min(self.cap if self.cap is not None else self.full, self.full)
        got = min(raw, cap)
        unit = ctx.unit(self.items[0]) if len(self.items) == 1 else ""
        if len(self.items) == 1:
            what = f"{ctx.label(self.items[0])}{fmt(x)}{unit}"
        else:
            what = self._describe_sum(ctx, x)
        v = ctx.verb
        if self.per == 1:
            how = f"每{unit or '个'}{'' if v == '得' else v}{fmt(self.points)}分"
        else:
            how = f"每{fmt(self.per)}{unit or '个'}{v}{fmt(self.points)}分"
            if self.rounding == "floor":
                how += f"（按整{fmt(self.per)}{unit or '个'}计，计{fmt(units)}个单位）"
        most = "最高" if v == "得" else f"最多{v}"
        text = f"{what}，{how}，{most}{fmt(cap)}分"
        if raw > cap:
            text += f"（按件计{fmt(raw)}分，超过上限）"
        text += f"，{v}{fmt(got)}分"
        if notes:
            text += "（" + "；".join(notes) + "）"
        return self._got(path, got, text, inputs=inputs)
