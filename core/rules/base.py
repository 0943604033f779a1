"""The rule protocol: how an indicator (or one part of it) turns answers into 0-100.

Rules are data. A criteria set declares them in TOML (``type = "log_scale"``, parameters,
``rationale``); this module turns that data into objects that can evaluate themselves and
explain the result. New rule types come from plugins through ``register_rule_types``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from iipeval.core.explain import Explanation, explanation
from iipeval.core.text import fmt

ID_PATTERN = r"^[a-z][a-z0-9_]*$"


@dataclass(frozen=True, slots=True)
class Answer:
    """One data item's answer after validation.

    ``missing``, ``na`` (不适用) and a value of zero are different answers and stay
    different. ``invalid`` means the raw value could not be read; validation has already
    raised a finding for it, and rules treat it like ``missing``.
    """

    state: Literal["value", "missing", "na", "invalid"]
    value: float | bool | str | None = None

    @property
    def usable(self) -> bool:
        return self.state == "value"

    def display(self) -> Any:
        return self.value if self.state == "value" else _SHOWN[self.state]


_SHOWN = {"missing": "缺失", "na": "不适用", "invalid": "无效"}


MISSING = Answer("missing")


@dataclass(frozen=True, slots=True)
class PanelScore:
    """The panel's aggregated score for one expert part (see :mod:`..aggregation`)."""

    part: str
    score: float
    method: str
    experts: tuple[tuple[str, float], ...]
    kept: tuple[str, ...]
    spread: float
    disagreement: bool
    #: each expert's share of the score (sums to 1; 0 for a score set aside)
    weights: tuple[tuple[str, float], ...] = ()
    rule: str = ""  # the round's rule in a few words
    applied: str = ""  # what it did with these scores: 各去掉1个, 最高、最低分各计入20%


@dataclass(slots=True)
class RuleContext:
    """Everything a rule may look at. Rules never see files, cells or the terminal."""

    indicator: str
    answers: Mapping[str, Answer]
    labels: Mapping[str, str]
    panels: Mapping[str, PanelScore] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    #: how the rule's points read: 得 for an indicator, 加 for a 加分项, 扣 for a 扣分项
    verb: str = "得"

    def answer(self, item: str) -> Answer:
        return self.answers.get(item, MISSING)

    def label(self, item: str) -> str:
        return self.labels.get(item, item)

    def unit(self, item: str) -> str:
        """The item's unit as printed (台, 件, 万元...), or "" when it has none."""
        return self.units.get(item, "") or ""


class Rule(BaseModel):
    """Base class of every rule type.

    ``id`` names a component inside a ``weighted`` rule so that a parameters file can
    address it as ``indicator.component``; ``weight`` is only read by ``weighted``.
    ``rationale`` says why the default parameters are what they are: neither source
    document publishes scoring rules, so every default is a proposal that needs a reason.

    ``out_of`` is the rule's full mark in the document's own points (分值): a rule under an
    indicator written as ``points = 10`` reads its numbers (band scores, yes/no points,
    caps) as points out of 10 and reports the points it gives. Without it the rule's
    numbers are on the 0-100 scale. Either way the engine receives a 0-100 ``score``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    id: str = Field(default="main", pattern=ID_PATTERN)
    label: str | None = None
    weight: float = Field(default=1.0, gt=0)
    out_of: float | None = Field(default=None, gt=0, description="满分（分值）")
    rationale: str = ""

    @model_validator(mode="before")
    @classmethod
    def _scale_from_context(cls, data: Any, info: ValidationInfo) -> Any:
        """A rule under a points indicator takes the indicator's points as its full mark."""
        out_of = (info.context or {}).get("out_of")
        if out_of and isinstance(data, Mapping) and data.get("out_of") is None:
            data = {**data, "out_of": out_of}
        return data

    @property
    def full(self) -> float:
        """The full mark the rule's own numbers are written against."""
        return self.out_of or 100.0

    def reachable(self) -> tuple[float, float] | None:
        """Lowest and highest value (on the rule's own scale) the rule can give, when known.

        ``plugin check`` compares it with the full mark: a points table that can never
        reach its indicator's maximum, or can exceed it, is a mistake in transcription.
        """
        return None

    type_name: ClassVar[str] = ""
    #: Fields a parameters file may override (everything except structure and text).
    tunable: ClassVar[tuple[str, ...]] = ("weight",)

    def item_ids(self) -> list[str]:
        """Data items this rule reads, in display order."""
        return []

    def children(self) -> list[Rule]:
        return []

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Rule]]:
        """Yield ``(path, rule)`` for this rule and every component below it."""
        path = prefix or self.id
        yield path, self
        for child in self.children():
            yield from child.walk(f"{path}.{child.id}" if prefix else child.id)

    def parameters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.tunable if name != "weight"}

    def evaluate(self, ctx: RuleContext, path: str = "") -> Explanation:  # pragma: no cover
        raise NotImplementedError

    # helpers shared by rule types -------------------------------------------------------

    def _explain(self, path: str, score: float | None, status: str, text: str, **kw: Any):
        """An explanation with a 0-100 ``score``; under a full mark the points go along.

        The score is not clamped here: the engine checks every rule's score against 0-100
        and reports one outside it, naming the rule, rather than hiding it. A component
        (``path`` names one) carries its weight in the combination.
        """
        if self.out_of is not None and score is not None and "points" not in kw:
            kw["points"] = score * self.out_of / 100
        if self.out_of is not None:
            kw.setdefault("out_of", self.out_of)
        if path and path != "main":
            kw.setdefault("weight", self.weight)
        return explanation(
            rule=self.type,
            id=path or self.id,
            label=self.label,
            status=status,
            score=score,
            text=text,
            **kw,
        )

    def _got(self, path: str, got: float, text: str, **kw: Any):
        """A scored explanation from a value on the rule's own scale (points or 0-100)."""
        if self.out_of is None:
            return self._explain(path, got, "scored", text, **kw)
        got = clamp(got, 0.0, self.out_of)
        return self._explain(path, 100 * got / self.out_of, "scored", text, points=got, **kw)

    def _mark(self, got: float, verb: str = "得") -> str:
        """How a rule's result reads: "得6分" in points, "得60分" on the 0-100 scale; under a
        扣分项 "扣3分（最多扣3分）"."""
        if self.out_of is None:
            return f"{verb}{fmt(got)}分"
        most = "满分" if verb == "得" else f"最多{verb}"
        return f"{verb}{fmt(got)}分（{most}{fmt(self.out_of)}分）"


def clamp(x: float, lo: float = 0.0, hi: float = 100.0) -> float:
    if math.isnan(x):
        return lo
    return min(hi, max(lo, x))


def as_number(answer: Answer) -> float:
    """A usable answer read as a number (是/否 count as 1/0), for rules that score quantities."""
    v = answer.value
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v)  # type: ignore[arg-type]


__all__ = [
    "Answer",
    "Explanation",
    "PanelScore",
    "Rule",
    "RuleContext",
    "as_number",
    "clamp",
    "fmt",
]
