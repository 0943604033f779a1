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

from pydantic import BaseModel, ConfigDict, Field

from ..explain import Explanation, fmt

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
        return {"value": self.value, "missing": "缺失", "na": "不适用", "invalid": "无效"}[
            self.state
        ]


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


@dataclass(slots=True)
class RuleContext:
    """Everything a rule may look at. Rules never see files, cells or the terminal."""

    indicator: str
    answers: Mapping[str, Answer]
    labels: Mapping[str, str]
    panels: Mapping[str, PanelScore] = field(default_factory=dict)

    def answer(self, item: str) -> Answer:
        return self.answers.get(item, MISSING)

    def label(self, item: str) -> str:
        return self.labels.get(item, item)


class Rule(BaseModel):
    """Base class of every rule type.

    ``id`` names a component inside a ``weighted`` rule so that a parameters file can
    address it as ``indicator.component``; ``weight`` is only read by ``weighted``.
    ``rationale`` says why the default parameters are what they are: neither source
    document publishes scoring rules, so every default is a proposal that needs a reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    id: str = Field(default="main", pattern=ID_PATTERN)
    label: str | None = None
    weight: float = Field(default=1.0, gt=0)
    rationale: str = ""

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
        return Explanation(
            rule=self.type,
            id=path or self.id,
            label=self.label,
            status=status,
            score=None if score is None else clamp(score),
            text=text,
            parameters=self.parameters(),
            **kw,
        )


def clamp(x: float, lo: float = 0.0, hi: float = 100.0) -> float:
    if math.isnan(x):
        return lo
    return min(hi, max(lo, x))


def number(answer: Answer) -> float:
    """Numeric value of a usable answer (bools count as 1/0)."""
    v = answer.value
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v)  # type: ignore[arg-type]


__all__ = ["Answer", "Explanation", "PanelScore", "Rule", "RuleContext", "clamp", "fmt", "number"]
