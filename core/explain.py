"""Explanations: the structured, Chinese-language account of how a score was reached."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Status = Literal["scored", "pending", "na"]

STATUS_LABELS = {"scored": "已评分", "pending": "待专家评分", "na": "不适用"}


class Explanation(BaseModel):
    """Which inputs, which rule and which parameters produced a score."""

    rule: str
    id: str
    label: str | None = None
    status: Status
    score: float | None
    text: str
    inputs: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    weight: float | None = None
    #: Points given on the rule's own full mark (``out_of``), for rules written in points.
    points: float | None = None
    out_of: float | None = None
    components: list[Explanation] = []

    def flat_text(self) -> str:
        """One paragraph: this node's text followed by its components'."""
        if not self.components:
            return self.text
        parts = [self.text]
        for c in self.components:
            head = f"〔{c.label or c.id}〕" if (c.label or c.id) else ""
            parts.append(head + c.flat_text())
        return "；".join(parts)
