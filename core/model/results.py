"""Results: every score with its explanation and the provenance that reproduces it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from iipeval.core.explain import Explanation, Status
from iipeval.core.findings import Finding
from iipeval.core.model.verified import VerificationReport


def flat_text(trace: dict[str, Any]) -> str:
    """:meth:`Explanation.flat_text` of a trace read as JSON (plain dicts)."""
    text = trace.get("text", "")
    parts = [text]
    for c in trace.get("components") or ():
        name = c.get("label") or c.get("id")
        parts.append((f"〔{name}〕" if name else "") + flat_text(c))
    return "；".join(parts) if len(parts) > 1 else text


class Explained(BaseModel):
    """A part whose ``explanation`` is its trace's text in one paragraph: kept in memory,
    left out of the JSON (the trace holds every word of it; the paragraph was a third of
    a result), and worked out again when a result is read back, whole or in part."""

    @model_validator(mode="before")
    @classmethod
    def _explained(cls, data: Any) -> Any:
        if "explanation" not in cls.model_fields:  # a view that does not show it
            return data
        if isinstance(data, dict) and "explanation" not in data:
            trace = data.get("trace")
            if isinstance(trace, dict):
                return {**data, "explanation": flat_text(trace)}
        return data


class IndicatorResult(Explained):
    id: str
    name: str
    dimension: str
    group: str | None = None
    kind: str
    weight: float
    score: float | None
    points: float | None
    status: Status
    explanation: str = Field(exclude=True)
    trace: Explanation


class DimensionResult(BaseModel):
    id: str
    name: str
    weight: float
    score: float | None
    points: float | None
    status: Status


class GroupResult(BaseModel):
    """A 方面 between a dimension and its indicators (sets deeper than two levels)."""

    id: str
    name: str
    dimension: str
    parent: str  # the dimension's or the enclosing group's id
    weight: float
    score: float | None
    points: float | None
    status: Status


class AdjustmentResult(Explained):
    """One 加分项 or 扣分项 and the points it gave (before the part's cap)."""

    id: str
    name: str
    kind: Literal["bonus", "deduction"]
    cap: float
    points: float | None
    status: Status
    explanation: str = Field(exclude=True)
    trace: Explanation


class ExclusionHit(BaseModel):
    id: str
    name: str
    reason: str
    plugin: str


class PanelDetail(BaseModel):
    part: str
    indicator: str
    label: str
    method: str
    score: float
    experts: dict[str, float]
    kept: list[str]
    spread: float
    disagreement: bool
    #: each expert's share of the panel score (sums to 1): 0 for a score set aside, a
    #: fraction for one on the boundary of the round's trimmed mean
    weights: dict[str, float] = {}
    rule: str = ""  # the round's rule in a few words
    applied: str = ""  # what the rule did with these scores (各去掉1个…), "" for none
    #: The part's full mark when experts score it in points (scores above are then points).
    out_of: float | None = None


class RefusedReview(BaseModel):
    """An expert's scores for this application that were not counted, and why."""

    expert: str
    file: str
    reason: str


class PanelCheck(BaseModel):
    """Whose scores count in this result, verified against the panel's record or not: who
    counted, who recused (回避), who was expected and gave no score, and the rule used."""

    verified: bool
    counted: list[str] = []
    refused: list[RefusedReview] = []
    recused: list[str] = []
    #: experts the record assigned (or, unverified, on the forms' roster) with no score
    #: here and no refusal: a form not returned, or this application left blank
    missing: list[str] = []
    rule: str = ""  # the round's aggregation rule, in a sentence


class Provenance(BaseModel):
    """Where a result comes from. The parameters in force are recorded once per batch
    (``parameters`` of the batch, under ``parameters_hash``), not in every result;
    ``parameters`` here is read from results written before that."""

    framework: str
    framework_version: str
    plugin: str
    plugin_version: str
    tool_version: str
    source_document: str
    parameters: dict[str, Any] | None = Field(default=None, exclude_if=lambda v: v is None)
    parameters_hash: str
    parameters_file: str | None = None
    parameters_file_sha256: str | None = None
    #: one line on where the weights came from (``[origin].summary`` of the parameters
    #: file); the full record is in the batch's ``parameters_origin``
    weights_origin: str | None = None
    notices: list[str] = []


class Result(BaseModel):
    """One application scored against one criteria set."""

    source: str
    framework: str
    framework_name: str
    framework_short_name: str = ""
    subtype: str | None = None
    subtype_name: str | None = None
    applicant: str
    credit_code: str | None = None
    platform_name: str | None = None  # for the 推荐信息汇总表 and the 公示名单
    region: str | None = None
    fictional: bool = False
    total: float | None
    #: For sets with 加分项/扣分项: base points, bonus and deduction (each after its cap);
    #: total = base + bonus − deduction, kept within the set's bounds.
    base: float | None = None
    bonus: float | None = None
    deduction: float | None = None
    adjustments: list[AdjustmentResult] = []
    provisional: bool
    secured: float
    pending_points: float
    grade: str | None
    accepted: bool
    excluded: bool
    exclusions: list[ExclusionHit] = []
    dimensions: list[DimensionResult]
    groups: list[GroupResult] = []
    indicators: list[IndicatorResult]
    panels: list[PanelDetail] = []
    panel_check: PanelCheck | None = None
    findings: list[Finding]
    provenance: Provenance
    verification: VerificationReport | None = None  # 调研核查 (core/round/verification.py)


class Rejected(BaseModel):
    """An input that could not be scored at all (unreadable, wrong set...)."""

    source: str
    findings: list[Finding]
