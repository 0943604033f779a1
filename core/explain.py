"""Explanations: the structured, Chinese-language account of how a score was reached."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

Status = Literal["scored", "pending", "na"]

M = TypeVar("M", bound="BaseModel")

STATUS_LABELS = {"scored": "已评分", "pending": "待专家评分", "na": "不适用"}


def _none(value: Any) -> bool:
    return value is None


def _empty(value: Any) -> bool:
    return not value


class Explanation(BaseModel):
    """Which inputs and which rule produced a score, and in what words.

    The parameters in force are not repeated in every node: they are recorded once per
    batch (``parameters`` of the batch, under the result's ``parameters_hash``), by rule
    path (``indicator.component``). ``parameters`` here is read from results written
    before that, and is otherwise empty. Fields with nothing to say (no label, no points,
    no components) are left out of the JSON; reading it back gives them their defaults.
    """

    rule: str
    id: str
    label: str | None = Field(default=None, exclude_if=_none)
    status: Status
    score: float | None
    text: str
    inputs: dict[str, Any] = Field(default={}, exclude_if=_empty)
    parameters: dict[str, Any] = Field(default={}, exclude_if=_empty)
    weight: float | None = Field(default=None, exclude_if=_none)
    #: Points given on the rule's own full mark (``out_of``), for rules written in points.
    points: float | None = Field(default=None, exclude_if=_none)
    out_of: float | None = Field(default=None, exclude_if=_none)
    components: list[Explanation] = Field(default=[], exclude_if=_empty)

    def flat_text(self) -> str:
        """One paragraph: this node's text followed by its components'."""
        if not self.components:
            return self.text
        parts = [self.text]
        for c in self.components:
            head = f"〔{c.label or c.id}〕" if (c.label or c.id) else ""
            parts.append(head + c.flat_text())
        return "；".join(parts)


_STATUSES = frozenset(STATUS_LABELS)


def _number(value: Any) -> float | None:
    """A number as validation would take it (``int`` → ``float``); anything else raises."""
    if value is None:
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"得分应为数值，现为 {value!r}")
    return float(value)


def explanation(
    *,
    rule: str,
    id: str,
    status: str,
    score: float | None,
    text: str,
    label: str | None = None,
    inputs: dict[str, Any] | None = None,
    weight: float | None = None,
    points: float | None = None,
    out_of: float | None = None,
    components: list[Explanation] | None = None,
) -> Explanation:
    """An :class:`Explanation` built without validating it field by field: a national
    application has some eighty of them, and rules build them from values already typed.
    What validation would refuse or convert still is (a status that is none of the three,
    a score that is not a number, text that is not text); the rest is trusted."""
    if status not in _STATUSES:
        raise ValueError(f"status 应为 scored、pending 或 na，现为 {status!r}")
    if not isinstance(text, str) or not isinstance(id, str):
        raise TypeError("说明（text）与编号（id）须为文字")
    return constructed(
        Explanation,
        {
            "rule": rule,
            "id": id,
            "label": label,
            "status": status,
            "score": _number(score),
            "text": text,
            "inputs": {} if inputs is None else inputs,
            "parameters": {},
            "weight": _number(weight),
            "points": _number(points),
            "out_of": _number(out_of),
            "components": [] if components is None else components,
        },
    )


_setattr = object.__setattr__


def constructed(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` when ``values`` gives every field of a model
    without aliases, extra fields, private attributes or a post-init hook: what
    ``model_construct`` ends with, without walking the fields one by one (it did that
    eighty times per application). ``tests/test_explain.py`` checks it against
    ``model_construct`` and validation, so a pydantic that stores models otherwise fails
    there."""
    m = cls.__new__(cls)
    _setattr(m, "__dict__", values)
    _setattr(m, "__pydantic_fields_set__", set(values))
    _setattr(m, "__pydantic_extra__", None)
    _setattr(m, "__pydantic_private__", None)
    return m
