"""The register (受理登记): what the round received, when, from whom, and which version counts.

Every file that comes into a round (an application, a resubmission after 补正, an expert's
form, a 核查表) is copied in and given a 受理编号, with its time, its SHA-256 and whose it is.
The round knows each applicant's current version, so the commands that follow use it by
default, and a resubmission is linked to the 补正 return it answers. A form or 核查表 that
comes back twice keeps the first; a replacement is explicit, with its reason, and logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from iipeval.core.text import normal_key

FORMAT = "iipeval.register"
KIND_PREFIX = {"application": "S", "review": "P", "verification": "H"}
KIND_LABEL = {"application": "申报", "review": "专家评分表", "verification": "核查表"}

Kind = Literal["application", "review", "verification"]


class Summary(BaseModel):
    """What checking the file found when it was received (申报: 符合性审查)."""

    model_config = ConfigDict(extra="forbid")

    errors: int = 0
    warnings: int = 0
    vetoed: list[str] = Field(default_factory=list, description="否决项名称")
    complete: bool | None = None  # forms: every assigned application scored
    readable: bool = True


class Receipt(BaseModel):
    """One file received (受理): the 受理编号 and everything needed to trust it later."""

    model_config = ConfigDict(extra="forbid")

    number: str
    kind: Kind
    received_at: datetime
    received_by: str
    original: str = Field(description="交来时的文件名")
    stored: str = Field(description="在本轮文件夹中的位置")
    sha256: str
    bytes: int
    key: str = Field(default="", description="申报：统一社会信用代码（无则名称）；评分表：专家编号")
    applicant: str = ""
    framework: str | None = None
    expert: str | None = None
    answers: str | None = Field(default=None, description="所答复的补正要求编号")
    supersedes: str | None = Field(default=None, description="被本文件取代的受理编号")
    reason: str = Field(default="", description="替换的理由")
    summary: Summary = Field(default_factory=Summary)


class Return(BaseModel):
    """A 补正 request sent back to an applicant (``validate --return-to``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    key: str
    applicant: str
    receipt: str = Field(description="被退回补正的受理编号")
    issued_at: datetime
    deadline: str | None = None
    answered_by: str | None = None


class Waiver(BaseModel):
    """The organiser's decision to go on without an expert's form (``iipeval waive``)."""

    model_config = ConfigDict(extra="forbid")

    expert: str
    framework: str | None = None
    reason: str = Field(min_length=1)
    at: datetime
    by: str


class Register(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = FORMAT
    version: int = 1
    receipts: list[Receipt] = Field(default_factory=list)
    returns: list[Return] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)

    def next_number(self, kind: Kind) -> str:
        n = sum(1 for r in self.receipts if r.kind == kind) + 1
        return f"{KIND_PREFIX[kind]}{n:04d}"

    def by_number(self, number: str) -> Receipt | None:
        return next((r for r in self.receipts if r.number == number), None)

    def with_sha(self, sha256: str) -> Receipt | None:
        return next((r for r in self.receipts if r.sha256 == sha256), None)

    def current(self, kind: Kind) -> dict[str, Receipt]:
        """Per key (applicant, or expert and set), the receipt that counts now: the latest
        version of an application; the first form or 核查表 unless explicitly replaced."""
        out: dict[str, Receipt] = {}
        for r in self.receipts:
            if r.kind != kind:
                continue
            slot = self._slot(r)
            if slot not in out or r.supersedes == out[slot].number:
                out[slot] = r
        return out

    @staticmethod
    def _slot(r: Receipt) -> str:
        if r.kind == "review":
            return f"{r.expert}|{r.framework or ''}"
        return normal_key(r.key)

    def open_return(self, key: str) -> Return | None:
        k = normal_key(key)
        return next((t for t in self.returns if t.key == k and t.answered_by is None), None)

    def versions(self, key: str) -> list[Receipt]:
        k = normal_key(key)
        return [r for r in self.receipts if r.kind == "application" and normal_key(r.key) == k]

    def waived(self, expert: str, framework: str | None) -> Waiver | None:
        return next(
            (w for w in self.waivers if w.expert == expert and w.framework in (None, framework)),
            None,
        )
