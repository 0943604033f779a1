"""Qualitative parts scored by the expert panel against a rubric.

The rule itself does not aggregate: :mod:`iipeval.core.scoring.aggregation` combines the panel's
scores once per part, and the rule reads the result. A part nobody has scored yet is
``pending`` (待专家评分), never zero.
"""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from iipeval.core.rules.base import Rule, RuleContext, fmt

GRADES = ("优秀", "良好", "一般", "较差")

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


class ExpertGrade(BaseModel):
    """One grade of a set's own expert scale: "好 16–20分：……".

    ``min``/``max`` are on the expert part's full mark (points under a points indicator,
    else 0-100); ``value`` is what entering the grade's name counts as (default: the
    middle of its range).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    value: float | None = Field(default=None, ge=0)
    rubric: str = Field(default="", description="评价标准")

    @model_validator(mode="after")
    def _range_or_value(self):
        if (self.min is None) != (self.max is None):
            raise ValueError(f"等级“{self.name}”须同时给出 min 与 max")
        if self.min is None and self.value is None:
            raise ValueError(f"等级“{self.name}”须给出分数区间（min、max）或分值（value）")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"等级“{self.name}”的 min 大于 max")
        if (
            self.value is not None
            and self.min is not None
            and not (self.min <= self.value <= self.max)
        ):
            raise ValueError(f"等级“{self.name}”的 value 不在其区间内")
        return self

    @property
    def points(self) -> float:
        """What the grade's name counts as when an expert enters it instead of a number."""
        if self.value is not None:
            return self.value
        return (self.min + self.max) / 2  # type: ignore[operator]

    @property
    def low(self) -> float:
        return self.min if self.min is not None else self.points

    @property
    def high(self) -> float:
        return self.max if self.max is not None else self.points


class Expert(Rule):
    """A part of an indicator scored by each expert: a number, or a grade.

    Without ``grades`` the experts use the common four bands (优秀/良好/一般/较差) with
    the ``rubric`` texts, converted by the panel policy's ``grade_scores``. With
    ``grades`` the set's own scale applies: its names, point ranges or values and rubric
    texts; an expert enters points within the full mark or a grade's name.
    """

    type: Literal["expert"] = "expert"
    aspect: str = Field(min_length=1, description="专家评价要点")
    rubric: Rubric | None = None
    grades: list[ExpertGrade] | None = Field(default=None, min_length=2)

    type_name = "expert"
    tunable = ("weight",)

    @model_validator(mode="after")
    def _needs_label(self):
        if self.label is None:
            object.__setattr__(self, "label", "专家评价")
        if self.rubric is None and self.grades is None:
            raise ValueError("专家评分须给出 rubric（四档评价标准）或 grades（自定义等级）")
        if self.grades:
            names = [g.name for g in self.grades]
            if len(set(names)) != len(names):
                raise ValueError(f"grades 的等级名称重复：{names}")
            if any(g.high > self.full for g in self.grades):
                raise ValueError(f"grades 的分数不能超过满分{fmt(self.full)}")
            spans = sorted((g.low, g.high, g.name) for g in self.grades)
            for (_, hi, a), (lo, _, b) in itertools.pairwise(spans):
                if lo <= hi and not (lo == hi and a == b):
                    raise ValueError(f"等级“{a}”与“{b}”的分数区间重叠")
        return self

    def scale(self) -> list[tuple[str, float, float, str]]:
        """(name, low, high, rubric text) of every grade, highest first, on the full mark."""
        if self.grades:
            rows = [(g.name, g.low, g.high, g.rubric) for g in self.grades]
        else:
            f = self.full / 100
            rows = [(g, lo * f, hi * f, text) for g, (lo, hi), text in self.rubric.bands()]  # type: ignore[union-attr]
        return sorted(rows, key=lambda r: -r[1])

    def grade_of(self, points: float) -> str | None:
        """The grade a number falls in: the highest grade whose lower bound it reaches.

        Scores travel on 0-100 and back (8 of 9 points is 88.88…%, and back 7.999…), so a
        bound is reached within floating-point noise: 8 is 好 when 好 starts at 8."""
        for name, low, _, _ in self.scale():
            if points >= low - 1e-9 * max(1.0, abs(low)):
                return name
        return None

    def entry(self, value: float | str, grade_scores: dict[str, float]) -> float:
        """An expert's entry (a number on the full mark, or a grade's name) as a 0-100 score.

        Raises ``ValueError`` with a Chinese message for an entry the scale does not allow.
        """
        if isinstance(value, str):
            name = value.strip()
            if self.grades:
                for g in self.grades:
                    if g.name == name:
                        return 100 * g.points / self.full
                names = "、".join(g.name for g in self.grades)
                raise ValueError(f"等级“{name}”不在本项的等级中（{names}）")
            if name in grade_scores:
                return grade_scores[name]
            raise ValueError(f"等级“{name}”不是{'、'.join(GRADES)}之一")
        x = float(value)
        if not 0 <= x <= self.full:
            raise ValueError(f"评分{fmt(x)}超出0-{fmt(self.full)}分范围")
        return 100 * x / self.full if self.out_of is not None else x

    def entry_scale(self, grade_scores: dict[str, float]) -> tuple[float, list[tuple[str, float]]]:
        """What an expert may type: numbers from 0 to the returned full mark, or one of
        the grades, each counting as the returned value (both in the typed units)."""
        if self.grades:
            return self.full, [(g.name, g.points) for g in self.grades]
        f = self.full / 100
        return self.full, [(g, grade_scores[g] * f) for g in GRADES]

    def scale_text(self, grade_scores: dict[str, float]) -> str:
        """The scale in a reviewer's words: "好16-20、较好11-15…（填等级按…计）"."""
        rows = self.scale()
        full, values = self.entry_scale(grade_scores)
        value = dict(values)
        parts = [
            f"{name}{fmt(lo)}-{fmt(hi)}" if lo != hi else f"{name}{fmt(lo)}"
            for name, lo, hi, _ in rows
        ]
        counted = "、".join(f"{name}按{fmt(value[name])}" for name, *_ in rows)
        return f"填0-{fmt(full)}的分数，或等级：{'、'.join(parts)}（填等级时{counted}分计）"

    def reachable(self) -> tuple[float, float]:
        if self.grades:
            return min(g.low for g in self.grades), max(g.high for g in self.grades)
        return 0.0, self.full

    def evaluate(self, ctx: RuleContext, path: str = ""):
        part = expert_part_id(ctx.indicator, path or self.id)
        panel = ctx.panels.get(part)
        if panel is None:
            return self._explain(path, None, "pending", f"{self.aspect}：待专家评分")
        f = self.full / 100
        got = panel.score * f
        grade = f"（{self.grade_of(got)}）" if self.grades else ""
        if panel.method == "consensus":  # 会议评审: the panel's one agreed figure
            text = f"{self.aspect}：评审组会议评审合议评分，{self._mark(got)}{grade}"
            return self._explain(path, panel.score, "scored", text, inputs={"合议": got})
        scores = "、".join(fmt(s * f) for _, s in panel.experts)
        how = panel.rule or (
            "去掉一个最高分和一个最低分后取平均" if panel.method == "trimmed_mean" else "取平均"
        )
        if panel.applied:
            how += f"（{panel.applied}）"
        text = f"{self.aspect}：{len(panel.experts)}位专家评分（{scores}），{how}，{self._mark(got)}{grade}"
        if panel.disagreement:
            text += f"；极差{fmt(panel.spread)}分，需复议"
        return self._explain(
            path,
            panel.score,
            "scored",
            text,
            inputs={name: s * f for name, s in panel.experts},
        )


def expert_part_id(indicator: str, path: str) -> str:
    """Part id experts score against: the indicator id, or ``indicator.component``."""
    return indicator if path in ("", "main") else f"{indicator}.{path}"
