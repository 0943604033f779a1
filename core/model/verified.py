"""What 调研核查 found, as data: each verified value and what it changed in a result.

The models live in the data model because every result carries its
:class:`VerificationReport`; :mod:`iipeval.core.round.verification` does the work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from iipeval.core.findings import Finding
from iipeval.core.model.application import NotApplicable
from iipeval.core.text import fmt


def shown(value: Any) -> str:
    """A value as a person reads it: 不适用, 是/否, numbers with separators, blank as 未填写."""
    if value is None:
        return "未填写"
    if isinstance(value, NotApplicable) or (isinstance(value, dict) and value.get("na")):
        return "不适用"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return fmt(value, 4)
    return str(value)


class VerifiedValue(BaseModel):
    """One data item as the verifiers found it."""

    item: str
    label: str
    declared: Any = None  # as the 核查表 recorded it when it was made
    verified: Any = None
    evidence: str = ""
    note: str = ""
    verifier: str = ""
    date: dt.date | None = None
    cell: str | None = None  # where in the 核查表


class Verification(BaseModel):
    """One 核查表 as read: for which application, the values, and what was wrong with it."""

    source: str
    source_sha256: str = ""
    framework: str = ""
    key: str = ""  # 统一社会信用代码, else the applicant's name
    applicant: str = ""
    values: list[VerifiedValue] = []
    findings: list[Finding] = []
    #: who issued it, as the sheet says: checked against its signature and the round's
    #: ledger of 核查表 (core/round/site_checks.py) before any value counts
    round: str = ""
    panel: str = ""
    sheet_id: str = ""
    signature: str = ""
    claims: dict[str, Any] | None = None


class IndicatorChange(BaseModel):
    id: str
    name: str
    declared_points: float | None
    verified_points: float | None
    change: float | None


class VerificationReport(BaseModel):
    """What verification did to one result: the values used and what they changed."""

    source: str
    source_sha256: str = ""
    values: list[VerifiedValue]
    indicators: list[IndicatorChange]
    declared_total: float | None
    verified_total: float | None
    change: float | None
    declared_secured: float
    verified_secured: float
