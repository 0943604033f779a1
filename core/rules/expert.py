"""Qualitative parts scored by the expert panel against a rubric.

The rule itself does not aggregate: :mod:`iipeval.core.aggregation` combines the panel's
scores once per part, and the rule reads the result. A part nobody has scored yet is
``pending`` (待专家评分), never zero.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import Rule, RuleContext, fmt

GRADES = ("优秀", "良好", "一般", "较差")
Grade = Literal["优秀", "良好", "一般", "较差"]

#: Score range of each grade band, as printed next to the rubric for experts.
GRADE_RANGES: dict[str, tuple[int, int]] = {
    "优秀": (90, 100),
    "良好": (75, 89),
    "一般": (60, 74),
    "较差": (0, 59),
}


class Rubric(BaseModel):
    """What each grade band means for one qualitative part, in the reviewers' words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    优秀: str = Field(min_length=1)
    良好: str = Field(min_length=1)
    一般: str = Field(min_length=1)
    较差: str = Field(min_length=1)

    def bands(self) -> list[tuple[str, tuple[int, int], str]]:
        return [(g, GRADE_RANGES[g], getattr(self, g)) for g in GRADES]


class Expert(Rule):
    """A part of an indicator scored 0-100 by each expert, or by grade band."""

    type: Literal["expert"] = "expert"
    aspect: str = Field(min_length=1, description="专家评价要点")
    rubric: Rubric

    type_name = "expert"
    tunable = ("weight",)

    @model_validator(mode="after")
    def _needs_label(self):
        if self.label is None:
            object.__setattr__(self, "label", "专家评价")
        return self

    def evaluate(self, ctx: RuleContext, path: str = ""):
        part = expert_part_id(ctx.indicator, path or self.id)
        panel = ctx.panels.get(part)
        if panel is None:
            return self._explain(path, None, "pending", f"{self.aspect}：待专家评分")
        scores = "、".join(fmt(s) for _, s in panel.experts)
        how = "去掉一个最高分和一个最低分后取平均" if panel.method == "trimmed_mean" else "取平均"
        text = f"{self.aspect}：{len(panel.experts)}位专家评分（{scores}），{how}，得{fmt(panel.score)}分"
        if panel.disagreement:
            text += f"；极差{fmt(panel.spread)}分，需复议"
        return self._explain(
            path,
            panel.score,
            "scored",
            text,
            inputs={name: s for name, s in panel.experts},
        )


def expert_part_id(indicator: str, path: str) -> str:
    """Part id experts score against: the indicator id, or ``indicator.component``."""
    return indicator if path in ("", "main") else f"{indicator}.{path}"
