"""Findings (问题): what validation, scoring and loading have to say about an input.

A finding is data, not an exception: one bad value must not hide the others, so every
check appends findings and the caller decides what they mean (exit code, 符合性审查 list).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from iipeval.core.text import MESSAGE_CHARS, cap


class Severity(StrEnum):
    """How much a finding matters. ``error`` means the input is rejected as it stands."""

    error = "error"
    warning = "warning"
    notice = "notice"


SEVERITY_LABELS = {Severity.error: "错误", Severity.warning: "警告", Severity.notice: "提示"}


class Finding(BaseModel):
    """One problem with one input, located as precisely as the input allows.

    ``item`` is the data-item id; ``file``/``sheet``/``cell`` are filled in by readers that
    know where the value came from (a workbook cell, a JSON file).
    """

    model_config = ConfigDict(frozen=True)

    severity: Severity
    code: str
    #: capped: a message may quote an applicant's text, which may be a megabyte long
    message: Annotated[str, AfterValidator(lambda t: cap(t, MESSAGE_CHARS))]
    item: Annotated[str | None, AfterValidator(lambda t: t if t is None else cap(t))] = None
    indicator: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def located(self, **where: str | None) -> Finding:
        """Return a copy with location fields filled in (readers call this)."""
        return self.model_copy(update={k: v for k, v in where.items() if v is not None})

    def where(
        self, item_label: str | None = None, *, with_file: bool = True, with_item: bool = True
    ) -> str:
        """Where the finding is, the one way every front end writes it: ``file 指标数据!E17``,
        else the item (its id, or ``item_label`` where the reader is not the one who wrote
        the JSON keys). Inside a workbook the file is the one open (``with_file=False``)
        and an item with no cell has no place to point at (``with_item=False``)."""
        parts = [self.file] if with_file and self.file else []
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.sheet:
            parts.append(self.sheet)
        if with_item and self.item and not self.cell:
            parts.append(f"[{item_label or self.item}]")
        return " ".join(parts)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.error for f in findings)


#: Findings listed for one file; the rest are counted in one more. A real 申报表 with every
#: item wrong stays far below; a file built to flood the report (10,000 unknown keys) does not.
MAX_PER_FILE = 200
_RANK = {Severity.error: 0, Severity.warning: 1, Severity.notice: 2}


def bounded(findings: list[Finding], limit: int = MAX_PER_FILE) -> list[Finding]:
    """``findings`` of one file, at most ``limit`` of them (errors first) and one line that
    counts the rest, so one hostile file cannot bury the batch's report."""
    if len(findings) <= limit:
        return findings
    ordered = sorted(findings, key=lambda f: _RANK[f.severity])  # stable: file order kept
    kept, rest = ordered[:limit], ordered[limit:]
    worst = min((f.severity for f in rest), key=_RANK.__getitem__)
    counted = Finding(
        severity=worst,
        code="more_findings",
        file=kept[0].file,
        message=f"另有 {len(rest)} 条问题未逐条列出（每个文件最多列出 {limit} 条）；"
        "请先改正上面列出的问题后重新提交",
    )
    return [*kept, counted]
