"""Weighted combinations: an indicator made of several sub-scores.

Components answered 不适用 leave the combination and the others share their weight; a
component still waiting for experts makes the whole combination pending, with the part
already secured shown in the explanation.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SerializeAsAny, ValidationInfo, field_validator

from iipeval.core.rules.base import Rule, RuleContext, fmt
from iipeval.core.rules.parse import parse_components


class Weighted(Rule):
    type: Literal["weighted"] = "weighted"
    components: list[SerializeAsAny[Rule]] = Field(min_length=2)

    type_name = "weighted"
    tunable = ("weight",)

    @field_validator("components", mode="before")
    @classmethod
    def _parse(cls, value: Any, info: ValidationInfo) -> list[Rule]:
        return parse_components(value, info.context)

    def item_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.components:
            for i in c.item_ids():
                seen[i] = None
        return list(seen)

    def children(self) -> list[Rule]:
        return list(self.components)

    def evaluate(self, ctx: RuleContext, path: str = ""):
        parts = []
        for c in self.components:
            sub = f"{path}.{c.id}" if path and path != "main" else c.id
            e = c.evaluate(ctx, sub)
            if e.weight != c.weight:  # a plugin's rule type need not set it
                e = e.model_copy(update={"weight": c.weight})
            parts.append(e)
        live = [p for p in parts if p.status != "na"]
        if not live:
            return self._explain(
                path, None, "na", "各组成部分均不适用，本项不计分", components=parts
            )
        total_w = sum(p.weight for p in live)
        shares = _shares(tuple((p.label or p.id, p.weight) for p in live))
        dropped = [p.label or p.id for p in parts if p.status == "na"]
        note = f"（{'、'.join(dropped)}不适用，权重由其余部分分摊）" if dropped else ""
        pending = [p for p in live if p.status == "pending"]
        if pending:
            secured = sum(p.score * p.weight for p in live if p.status == "scored") / total_w
            text = (
                f"按权重合成（{shares}）{note}；{'、'.join(p.label or p.id for p in pending)}"
                f"尚未评分，已确定部分折合{fmt(secured)}分"
            )
            return self._explain(path, None, "pending", text, components=parts)
        score = sum(p.score * p.weight for p in live) / total_w
        text = f"按权重合成（{shares}）{note}，得{fmt(score)}分"
        return self._explain(path, score, "scored", text, components=parts)


@lru_cache(maxsize=1024)
def _shares(parts: tuple[tuple[str, float], ...]) -> str:
    """“设备连接规模60%，设备类型覆盖20%…”: the same for every application scored alike."""
    total = sum(w for _, w in parts)
    return "，".join(f"{name}{fmt(100 * w / total)}%" for name, w in parts)
