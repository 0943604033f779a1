"""Points that add up: an indicator made of sub-items, each with its own points.

Documents written in points give each sub-item its share of the indicator's points
("技术先进性6分，市场占有率4分"); the indicator's points are their sum, cut to a cap. A
sub-item answered 不适用 leaves the sum and the others are scaled to the full mark, as a
``weighted`` rule shares the weight of such a component among the rest.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializeAsAny, ValidationInfo, field_validator, model_validator

from iipeval.core.rules.base import Rule, RuleContext, fmt
from iipeval.core.rules.parse import parse_components


class Sum(Rule):
    type: Literal["sum"] = "sum"
    components: list[SerializeAsAny[Rule]] = Field(min_length=2)
    cap: float | None = Field(default=None, gt=0, description="最高得分")

    type_name = "sum"
    tunable = ("weight", "cap")

    @field_validator("components", mode="before")
    @classmethod
    def _parse(cls, value: Any, info: ValidationInfo) -> list[Rule]:
        # each component states its own points; the indicator's full mark is not theirs
        context = {k: v for k, v in (info.context or {}).items() if k != "out_of"}
        return parse_components(value, context)

    @model_validator(mode="after")
    def _components_in_points(self):
        unscaled = [c.id for c in self.components if c.out_of is None]
        if unscaled:
            raise ValueError(f"sum 的每个组成部分须用 out_of 给出自己的分值：{unscaled}")
        return self

    def item_ids(self) -> list[str]:
        return list(dict.fromkeys(i for c in self.components for i in c.item_ids()))

    def children(self) -> list[Rule]:
        return list(self.components)

    def reachable(self) -> tuple[float, float]:
        top = sum(c.out_of or 0.0 for c in self.components)
        return 0.0, top if self.cap is None else min(top, self.cap)

    def evaluate(self, ctx: RuleContext, path: str = ""):
        parts = []
        for c in self.components:
            sub = f"{path}.{c.id}" if path and path != "main" else c.id
            e = c.evaluate(ctx, sub)
            parts.append(e if e.weight == c.out_of else e.model_copy(update={"weight": c.out_of}))
        live = [p for p in parts if p.status != "na"]
        if not live:
            return self._explain(
                path, None, "na", "各组成部分均不适用，本项不计分", components=parts
            )
        possible = sum(p.out_of or 0.0 for p in live)
        full_sum = sum(c.out_of or 0.0 for c in self.components)
        cap = min(self.cap if self.cap is not None else self.full, self.full)
        dropped = [p.label or p.id for p in parts if p.status == "na"]
        note = f"（{'、'.join(dropped)}不适用，其分值由其余部分按比例分摊）" if dropped else ""
        pending = [p for p in live if p.status == "pending"]
        if pending:
            secured = sum(_points(p) for p in live if p.status == "scored")
            text = (
                f"各部分得分相加{note}；{'、'.join(p.label or p.id for p in pending)}"
                f"尚未评分，已确定部分{fmt(secured)}分"
            )
            return self._explain(path, None, "pending", text, components=parts)
        raw = sum(_points(p) for p in live)
        if dropped:
            raw = raw * full_sum / possible
        got = min(raw, cap)
        terms = "+".join(fmt(_points(p)) for p in live)
        text = (
            f"各部分得分相加（{terms}）{note}，合计{fmt(raw)}分，最高{fmt(cap)}分，得{fmt(got)}分"
        )
        return self._got(path, got, text, components=parts)


def _points(e) -> float:
    return e.points if e.points is not None else (e.score or 0.0) * (e.out_of or 100.0) / 100
