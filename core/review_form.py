"""Signed JSON review forms: the panel's expert forms for scoring outside Excel.

``iipeval panel --forms json`` issues one form per expert (per criteria set), signed like
the workbooks (:mod:`.panel_record`): the applications and parts are fixed, the scores are
``null`` until the expert (or the organiser's own scoring system) fills them in. Reading a
form back checks that it only scores what it lists; the admission step then checks its
signature against the panel's record.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .application import ExpertReview
from .findings import Finding, Severity
from .panel_record import Assignment, form_claims, normal_key, sign
from .rules import GRADES

FORM_FORMAT = "iipeval.review-form"
FORM_VERSION = 1


class FormPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    label: str


class FormReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application: str
    scores: dict[str, Any] = Field(default_factory=dict)
    comments: dict[str, str] = Field(default_factory=dict)


class ReviewForm(BaseModel):
    """One expert's JSON form for one criteria set."""

    model_config = ConfigDict(extra="forbid")

    format: str = FORM_FORMAT
    version: int = FORM_VERSION
    round: str
    panel: str
    expert: str = Field(min_length=1)
    expert_name: str = ""
    framework: str
    parameters_hash: str
    parts: list[FormPart]
    applications: list[Assignment]
    signature: str = ""
    reviews: list[FormReview]

    def claims(self) -> dict[str, Any]:
        return form_claims(
            format=FORM_FORMAT,
            version=self.version,
            round_id=self.round,
            panel=self.panel,
            expert=self.expert,
            framework=self.framework,
            parameters_hash=self.parameters_hash,
            parts=[[p.id, p.label] for p in self.parts],
            rows=[[a.key, a.application_sha256] for a in self.applications],
        )


def issue_form(
    *,
    key: bytes,
    round_id: str,
    panel: str,
    expert: str,
    expert_name: str,
    framework: str,
    parameters_hash: str,
    parts: list[tuple[str, str]],
    applications: list[Assignment],
) -> dict[str, Any]:
    """A new, signed, empty form as plain data (written as JSON)."""
    form = ReviewForm(
        round=round_id,
        panel=panel,
        expert=expert,
        expert_name=expert_name,
        framework=framework,
        parameters_hash=parameters_hash,
        parts=[FormPart(id=p, label=label) for p, label in parts],
        applications=applications,
        reviews=[
            FormReview(application=a.key, scores=dict.fromkeys((p for p, _ in parts), None))
            for a in applications
        ],
    )
    form.signature = sign(key, form.claims())
    return form.model_dump(mode="json")


def read_form(data: dict[str, Any], src: str):
    """A parsed form → a review bundle (scores that are not on the form are findings)."""
    from .batch import ReviewBundle

    bundle = ReviewBundle(src)
    try:
        form = ReviewForm.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        bundle.findings.append(
            _error(src, "review_form", f"评分表格式有误：{where}：{first['msg']}")
        )
        return bundle
    bundle.expert, bundle.framework = form.expert, form.framework
    bundle.round, bundle.panel = form.round, form.panel
    bundle.parameters_hash = form.parameters_hash
    bundle.signature = form.signature or None
    bundle.claims = form.claims()
    parts = {p.id: p.label for p in form.parts}
    listed = {normal_key(a.key) for a in form.applications}
    for k, entry in enumerate(form.reviews):
        where = f"reviews[{k}]"
        if normal_key(entry.application) not in listed:
            bundle.findings.append(
                _error(
                    src,
                    "review_not_assigned",
                    f"{where}：申报“{entry.application}”不在本评分表的申报清单中，该条评分未计入",
                )
            )
            continue
        scores: dict[str, float | str | None] = {}
        for pid, raw in entry.scores.items():
            if pid not in parts:
                bundle.findings.append(
                    _error(src, "review_bad_score", f"{where}.scores：没有评分项 {pid}，已忽略")
                )
                continue
            value, problem = score_value(raw)
            if problem:
                bundle.findings.append(
                    _error(
                        src,
                        "review_bad_score",
                        f"{where}.scores.{pid}：“{entry.application}”的“{parts[pid]}”{problem}；"
                        "该项按未评分处理",
                        item=pid,
                    )
                )
            scores[pid] = value
        bundle.reviews.append(
            ExpertReview(
                expert=form.expert,
                panel=form.panel,
                application=entry.application,
                scores=scores,
                comments={k: v for k, v in entry.comments.items() if k in parts and v.strip()},
            )
        )
    return bundle


def score_value(raw: Any) -> tuple[float | str | None, str | None]:
    """A score as typed: ``None`` (not scored), 0-100, or a grade; else why it is not."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, "填写了逻辑值，不是有效评分"
    if isinstance(raw, int | float):
        x = float(raw)
        if not math.isfinite(x) or not 0 <= x <= 100:
            return None, f"评分{raw}超出0-100范围"
        return x, None
    if isinstance(raw, str) and raw.strip() in GRADES:
        return raw.strip(), None
    return (
        None,
        f"填写了“{str(raw)[:30]}”，不是有效评分（应为0-100的数字，或{'、'.join(GRADES)}之一）",
    )


def _error(src: str, code: str, message: str, **where) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src, **where)
