"""Target ratios: paying-user share, R&D share of revenue, profit margin...

A ratio is scored against a target share rather than against other applicants, so a
small platform with a healthy business is not punished for being small.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from iipeval.core.rules.base import Rule, RuleContext, as_number, fmt


class Ratio(Rule):
    """``numerator / denominator`` in percent (or a percent item when no denominator).

    0 points at or below ``floor`` percent, 100 at or above ``target`` percent, linear in
    between. A zero denominator scores 0 and says so; consistency (share <= 100%) is the
    validators' job, not the rule's.
    """

    type: Literal["ratio"] = "ratio"
    numerator: str
    denominator: str | None = None
    target: float = Field(gt=0)
    floor: float = 0.0

    type_name = "ratio"
    tunable = ("weight", "target", "floor")

    @model_validator(mode="after")
    def _ordered(self):
        if self.target <= self.floor:
            raise ValueError(f"target（{self.target}%）必须大于 floor（{self.floor}%）")
        return self

    def item_ids(self) -> list[str]:
        return [self.numerator] + ([self.denominator] if self.denominator else [])

    def evaluate(self, ctx: RuleContext, path: str = ""):
        num = ctx.answer(self.numerator)
        den = ctx.answer(self.denominator) if self.denominator else None
        inputs = {self.numerator: num.display()}
        if den is not None:
            inputs[self.denominator] = den.display()
        if num.state == "na" or (den is not None and den.state == "na"):
            return self._explain(
                path, None, "na", "比例所需数据为不适用，本项不计分", inputs=inputs
            )
        target = _target(self.floor, self.target)
        if not num.usable or (den is not None and not den.usable):
            gone = [ctx.label(i) for i in self.item_ids() if not ctx.answer(i).usable]
            text = f"{'、'.join(gone)}缺失或无效，无法计算比例，按0分计（{target}）"
            return self._explain(path, 0.0, "scored", text, inputs=inputs)
        if den is None:
            pct = as_number(num)
            what = f"{ctx.label(self.numerator)}为{fmt(pct)}%"
        else:
            d = as_number(den)
            if d <= 0:
                text = f"{ctx.label(self.denominator)}为{fmt(d)}，比例无法计算，按0分计"
                return self._explain(path, 0.0, "scored", text, inputs=inputs)
            pct = 100 * as_number(num) / d
            what = (
                f"{ctx.label(self.numerator)}{fmt(as_number(num))}÷{ctx.label(self.denominator)}"
                f"{fmt(d)}={fmt(pct)}%"
            )
        score = 100 * (pct - self.floor) / (self.target - self.floor)
        score = min(100.0, max(0.0, score))
        return self._explain(
            path, score, "scored", f"{what}，{target}，得{fmt(score)}分", inputs=inputs
        )


@lru_cache(maxsize=1024)
def _target(floor: float, target: float) -> str:
    text = f"目标{fmt(target)}%得100分"
    return f"{fmt(floor)}%及以下得0分，" + text if floor else text
