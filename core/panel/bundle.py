"""What one returned review file yields: its expert's reviews and what the form says of itself.

Readers of every kind of form (workbook, JSON) produce a :class:`ReviewBundle`; admission
(:mod:`.admission`) decides which count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iipeval.core.findings import Finding
from iipeval.core.model.application import Application, ExpertReview


@dataclass
class ReviewBundle:
    """The reviews one file holds (typically one expert's 专家评分表)."""

    source: str
    reviews: list[ExpertReview] = field(default_factory=list)
    expert: str | None = None
    framework: str | None = None
    conflicts: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    parameters_hash: str | None = None  # parameters the workbook's figures were made with
    panel_experts: list[str] = field(default_factory=list)  # whole panel for this set
    round: str | None = None
    panel: str | None = None
    #: what the form says about itself, as read back: checked against its signature
    claims: dict | None = None
    signature: str | None = None
    #: application key → where its row is (``sheet``, ``cell``), for findings on a row
    row_where: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the reader refused the whole form (a finding says why): nothing in it counts
    refused: bool = False


def application_key(app: Application) -> str:
    """An application's key as forms and records show it: its credit code (upper case),
    else its name as written. Compared only through :func:`normal_key`."""
    return (app.applicant.credit_code or "").strip().upper() or app.applicant.name.strip()
