"""Signed JSON review forms: the panel's expert forms for scoring outside Excel.

``iipeval panel --forms json`` issues one form per expert (per criteria set), signed like
the workbooks (:mod:`.panel_record`): the applications and parts are fixed, the scores are
``null`` until the expert (or the organiser's own scoring system) fills them in. Reading a
form back checks that it only scores what it lists; the admission step then checks its
signature against the panel's record.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iipeval.core.errors import first_problem
from iipeval.core.findings import Finding
from iipeval.core.model.application import ExpertReview
from iipeval.core.panel.entry import PartScale, checked_scores, form_error, form_review
from iipeval.core.panel.record import Assignment, form_claims, normal_key, sign

FORM_FORMAT = "iipeval.review-form"
#: 2: each application's name, as the expert reads it, is signed with its key
FORM_VERSION = 2


class FormPart(BaseModel):
    """A part the expert scores, with its own scale (full mark and grade names); forms
    issued before forms recorded the scale have none and are read on 0-100."""

    model_config = ConfigDict(extra="forbid")

    id: str
    label: str
    full: float | None = Field(default=None, gt=0, description="满分")
    grades: list[str] | None = Field(default=None, min_length=1, description="可填的等级")

    def scale(self) -> PartScale:
        default = PartScale()
        return PartScale(
            default.full if self.full is None else self.full,
            default.grades if self.grades is None else tuple(self.grades),
        )

    def claim(self) -> list:
        """What the signature covers: the scale too, so an expert cannot widen it."""
        if self.full is None and self.grades is None:
            return [self.id, self.label]
        return [self.id, self.label, self.full, self.grades]


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
            parts=[p.claim() for p in self.parts],
            rows=[
                [a.key, a.applicant, a.application_sha256]
                if self.version >= 2
                else [a.key, a.application_sha256]
                for a in self.applications
            ],
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
    scales: dict[str, PartScale] | None = None,
) -> dict[str, Any]:
    """A new, signed, empty form as plain data (written as JSON); ``scales``: each part's
    full mark and grades (:func:`.review_entry.part_scales`), recorded and signed."""
    scales = scales or {}
    form = ReviewForm(
        round=round_id,
        panel=panel,
        expert=expert,
        expert_name=expert_name,
        framework=framework,
        parameters_hash=parameters_hash,
        parts=[_form_part(p, label, scales.get(p)) for p, label in parts],
        applications=applications,
        reviews=[
            FormReview(application=a.key, scores=dict.fromkeys((p for p, _ in parts), None))
            for a in applications
        ],
    )
    form.signature = sign(key, form.claims())
    return form.model_dump(mode="json")


def _form_part(pid: str, label: str, scale: PartScale | None) -> FormPart:
    if scale is None:
        return FormPart(id=pid, label=label)
    return FormPart(id=pid, label=label, full=scale.full, grades=list(scale.grades))


def read_form(data: dict[str, Any], src: str):
    """A parsed form → a review bundle (scores that are not on the form are findings)."""
    from iipeval.core.panel.bundle import ReviewBundle

    bundle = ReviewBundle(src)
    try:
        form = ReviewForm.model_validate(data)
    except ValidationError as exc:
        bundle.findings.append(
            form_error(src, "review_form", f"评分表格式有误：{first_problem(exc)}")
        )
        return bundle
    bundle.expert, bundle.framework = form.expert, form.framework
    bundle.round, bundle.panel = form.round, form.panel
    bundle.parameters_hash = form.parameters_hash
    bundle.signature = form.signature or None
    bundle.claims = form.claims()
    listed = {normal_key(a.key): a.applicant for a in form.applications}
    twice = _entered_twice(form, listed)
    if twice:
        bundle.findings.append(form_error(src, "review_form_duplicate_entry", twice))
        bundle.refused = True
        return bundle
    for k, entry in enumerate(form.reviews):
        applicant = listed.get(normal_key(entry.application))
        if applicant is None:
            bundle.findings.append(
                form_error(
                    src,
                    "review_not_assigned",
                    f"reviews[{k}]：申报“{entry.application}”不在本评分表的申报清单中，该条评分未计入",
                )
            )
            continue
        review, findings = _form_review(src, form, k, entry, applicant)
        bundle.reviews.append(review)
        bundle.findings.extend(findings)
    return bundle


def _entered_twice(form: ReviewForm, listed: dict[str, str]) -> str | None:
    """Why the form is refused when it scores one application twice, or ``None``.

    Which entry the expert meant cannot be told, and taking the first would let anyone who
    can edit a form decide an applicant's scores: the form is refused, and the finding
    names it and its expert, never the application."""
    seen: dict[str, list[int]] = {}
    for k, entry in enumerate(form.reviews):
        seen.setdefault(normal_key(entry.application), []).append(k)
    for key, where in seen.items():
        if len(where) > 1:
            name = listed.get(key) or form.reviews[where[0]].application
            places = "、".join(f"reviews[{k}]" for k in where)
            return (
                f"专家“{form.expert}”的评分表对申报“{name}”有{len(where)}条评分（{places}），"
                "无法确定以哪条为准，整份评分表未计入；请专家改正后重新交回"
            )
    return None


def _form_review(
    src: str, form: ReviewForm, k: int, entry: FormReview, applicant: str
) -> tuple[ExpertReview, list[Finding]]:
    """One listed application's scores, each checked against its part's own scale; an
    entry for a part the form does not list is ignored, with a finding."""
    parts = {p.id: p for p in form.parts}
    where = f"reviews[{k}].scores"
    findings = []
    entries = []
    for pid, raw in entry.scores.items():
        part = parts.get(pid)
        if part is None:
            findings.append(
                form_error(src, "review_bad_score", f"{where}：没有评分项 {pid}，已忽略")
            )
            continue
        entries.append((pid, part.label, raw, part.scale(), {"item": f"{where}.{pid}"}))
    scores, bad = checked_scores(src, applicant, entries)
    comments = {c: v.strip() for c, v in entry.comments.items() if c in parts and v.strip()}
    review = form_review(form.expert, form.panel, entry.application, scores, comments)
    return review, findings + bad
