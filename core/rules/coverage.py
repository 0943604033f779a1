"""Breadth rules: how many categories are covered, and yes/no capabilities.

DOMAIN practice scores breadth (how many of the 4 device or model categories an
applicant covers) as its own sub-score, separate from volume.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from iipeval.core.rules.base import Rule, RuleContext, as_number, fmt


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
            if self.scores != sorted(self.scores) or not all(
                0 <= s <= self.full for s in self.scores
            ):
                raise ValueError(f"scores 必须在0-{fmt(self.full)}之间且不递减")
        return self

    def reachable(self) -> tuple[float, float]:
        return (self.scores[0], self.scores[-1]) if self.scores else (0.0, self.full)

    def item_ids(self) -> list[str]:
        return list(self.items)

    def _curve_at(self, share: float) -> float:
        n = len(self.items)
        curve = self.scores or [self.full * k / n for k in range(n + 1)]
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
            if a.usable and as_number(a) > 0:
                covered.append(ctx.label(item))
        if not applicable:
            return self._explain(path, None, "na", "各类别均为不适用，本项不计分", inputs=inputs)
        got = self._curve_at(len(covered) / applicable)
        which = "、".join(covered) if covered else "无"
        text = f"覆盖{len(covered)}/{applicable}类（{which}），{self._mark(got, ctx.verb)}"
        return self._got(path, got, text, inputs=inputs)


class Flag(Rule):
    """A yes/no capability: ``yes`` points when the item is 是 (or positive)."""

    type: Literal["flag"] = "flag"
    item: str
    yes: float = Field(default=100, ge=0)
    no: float = Field(default=0, ge=0)

    type_name = "flag"
    tunable = ("weight", "yes", "no")

    @model_validator(mode="after")
    def _within(self):
        for name in ("yes", "no"):
            if getattr(self, name) > self.full:
                raise ValueError(f"{name} 不能超过满分{fmt(self.full)}")
        return self

    def item_ids(self) -> list[str]:
        return [self.item]

    def reachable(self) -> tuple[float, float]:
        return min(self.yes, self.no), max(self.yes, self.no)

    def evaluate(self, ctx: RuleContext, path: str = ""):
        a = ctx.answer(self.item)
        inputs = {self.item: a.display()}
        if a.state == "na":
            return self._explain(path, None, "na", f"{ctx.label(self.item)}不适用", inputs=inputs)
        has = a.usable and as_number(a) > 0
        got = self.yes if has else self.no
        word = "是" if has else ("否" if a.usable else f"{a.display()}，按否计")
        text = f"{ctx.label(self.item)}：{word}，{self._mark(got, ctx.verb)}"
        return self._got(path, got, text, inputs=inputs)


class Checklist(Rule):
    """Fixed points per yes/no item, added up to a cap: "通过等保三级得5分；获得第三方安全认证得4分".

    An item answered 不适用 gives nothing and is said so; a missing one counts as 否.
    ``cap`` defaults to the rule's full mark.
    """

    type: Literal["checklist"] = "checklist"
    items: list[str] = Field(min_length=1)
    item_points: dict[str, float]
    cap: float | None = Field(default=None, gt=0, description="最高得分")

    type_name = "checklist"
    tunable = ("weight", "item_points", "cap")

    @model_validator(mode="after")
    def _every_item_has_points(self):
        if set(self.item_points) != set(self.items):
            missing = sorted(set(self.items) - set(self.item_points))
            extra = sorted(set(self.item_points) - set(self.items))
            raise ValueError(
                f"item_points 须为 items 中每个数据项给出分值（缺少：{missing}；多出：{extra}）"
            )
        if any(not v > 0 for v in self.item_points.values()):
            raise ValueError("item_points 的分值必须为正数")
        return self

    def item_ids(self) -> list[str]:
        return list(self.items)

    def reachable(self) -> tuple[float, float]:
        top = sum(self.item_points.values())
        return 0.0, top if self.cap is None else min(top, self.cap)

    def evaluate(self, ctx: RuleContext, path: str = ""):
        inputs, parts, raw, applicable = {}, [], 0.0, 0
        for item in self.items:
            a = ctx.answer(item)
            inputs[item] = a.display()
            if a.state == "na":
                parts.append(f"{ctx.label(item)}：不适用")
                continue
            applicable += 1
            if a.usable and as_number(a) > 0:
                raw += self.item_points[item]
                v = "" if ctx.verb == "得" else ctx.verb
                parts.append(f"{ctx.label(item)}：是，{v}{fmt(self.item_points[item])}分")
            else:
                parts.append(f"{ctx.label(item)}：{'否' if a.usable else a.display() + '，按否计'}")
        if not applicable:
            return self._explain(path, None, "na", "各项均为不适用，本项不计分", inputs=inputs)
        cap = min(self.cap if self.cap is not None else self.full, self.full)
        got = min(raw, cap)
        v = ctx.verb
        most = "最高" if v == "得" else f"最多{v}"
        text = "；".join(parts) + f"；合计{fmt(raw)}分，{most}{fmt(cap)}分，{v}{fmt(got)}分"
        return self._got(path, got, text, inputs=inputs)
