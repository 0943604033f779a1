"""The panel's record (评审组登记) and the signatures that tie review forms to it.

A review round is decided by the organiser's panel, not by whoever hands in a file. When
``iipeval panel`` issues the expert forms (workbooks or JSON), it writes the round's record:
round and panel ids, the roster, each expert's assigned applications (with a fingerprint of
the data the expert was shown) and declared conflicts, and a per-round secret key. Each form
is signed with HMAC-SHA256 under that key over its *claims*: round, panel, expert, criteria
set, parameters, the exact list of applications and the form's structure, as read back from
the file. Excel, WPS and LibreOffice rewrite a file when an expert saves it, so the bytes are
never signed; what an expert's application cannot change is.

What a valid signature proves: the form was issued by this organiser, in this round, to this
expert, for these applications, and its identity and structure were not altered. What it
cannot prove: who typed the scores. An expert may of course change their own scores.

The key never goes into a form; the record stays with the organiser, in a file only they
can read (:mod:`iipeval.core.intake.private`), kept away from the forms
(:mod:`.location`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iipeval.core.errors import first_problem
from iipeval.core.intake.private import (
    PrivateFileError,
    place_private,
    read_private,
    stage_private,
)
from iipeval.core.model.application import Application
from iipeval.core.panel import RECORD_NAME as RECORD_NAME  # the record's usual file name
from iipeval.core.text import normal_key as normal_key  # the one comparison of names and keys

RECORD_FORMAT = "iipeval.panel-record"
RECORD_VERSION = 1
MAX_RECORD_BYTES = 16 * 2**20
SIGNATURE_PREFIX = "hmac-sha256:"


def canonical(data: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8 (what is signed and hashed)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def application_sha256(app: Application) -> str:
    """Fingerprint of the figures an expert is shown, to notice a changed application later."""
    return "sha256:" + hashlib.sha256(canonical(app.model_dump(mode="json"))).hexdigest()


def sign(key: bytes, claims: dict[str, Any]) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, canonical(claims), hashlib.sha256).hexdigest()


def signature_valid(key: bytes, claims: dict[str, Any], signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(key, claims), str(signature))


def form_claims(
    *,
    format: str,
    version: int | None,
    round_id: str,
    panel: str,
    expert: str,
    framework: str,
    parameters_hash: str,
    parts: list[list],
    rows: list[list],
    layout: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a form's signature covers, built the same way by the writer (from what it
    writes) and the reader (from what it reads back), so a save in Excel, WPS or
    LibreOffice leaves it unchanged. ``parts``: [part id, label, (columns…)]; ``rows``:
    [(row,) application key, application fingerprint]; ``layout``: where a workbook keeps
    its scores (sheet, header row, key column)."""
    return {
        "format": format,
        "version": version,
        "round": round_id,
        "panel": panel,
        "expert": expert,
        "framework": framework,
        "parameters_hash": parameters_hash,
        "layout": layout or {},
        "parts": parts,
        "rows": rows,
    }


def new_key() -> str:
    return secrets.token_hex(32)


class Assignment(BaseModel):
    """One application issued to an expert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="申报键（统一社会信用代码，或申报单位名称）")
    applicant: str
    application_sha256: str


class IssuedForm(BaseModel):
    """One form (workbook or JSON) issued to one expert for one criteria set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: str
    file: str = Field(description="下发的评分表文件名")
    applications: list[Assignment]
    recused: list[Assignment] = Field(default_factory=list, description="因回避未列入的申报")


class RecordExpert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = ""
    conflicts: list[str] = Field(default_factory=list)
    forms: list[IssuedForm] = Field(default_factory=list)

    def form(self, framework: str | None) -> IssuedForm | None:
        return next((f for f in self.forms if f.framework == framework), None)


class PanelRecord(BaseModel):
    """评审组登记: the authority on who may score what in one round."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = RECORD_FORMAT
    record_version: int = RECORD_VERSION
    round: str = Field(min_length=1, description="评审轮次")
    panel: str = Field(min_length=1, description="评审组编号")
    key: str = Field(pattern=r"^[0-9a-f]{64}$", description="本轮签名密钥：仅由组织方保存")
    tool_version: str = ""
    experts: list[RecordExpert]
    source: str | None = Field(default=None, exclude=True)

    @property
    def secret(self) -> bytes:
        return bytes.fromhex(self.key)

    def expert(self, expert_id: str | None) -> RecordExpert | None:
        return next((e for e in self.experts if e.id == expert_id), None)

    def roster(self) -> list[str]:
        return [e.id for e in self.experts]

    def assigned(self, framework: str | None) -> Iterable[tuple[RecordExpert, Assignment]]:
        for e in self.experts:
            form = e.form(framework)
            for a in form.applications if form else ():
                yield e, a


class RecordError(ValueError):
    """A record that cannot be used; the message names the file."""


def load_record(path: str | Path) -> PanelRecord:
    """Read a record file: only a regular file the current user owns and no one else may
    read (:mod:`iipeval.core.intake.private`), not oversized, well formed."""
    path = Path(path)
    try:
        raw = read_private(path, "评审组登记", MAX_RECORD_BYTES)
    except PrivateFileError as exc:
        raise RecordError(str(exc)) from None
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(
            f"{path}: 评审组登记超过 {MAX_RECORD_BYTES // 2**20} MB，不是本程序生成的文件"
        )
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise RecordError(f"{path}: 评审组登记不是有效的 JSON") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise RecordError(f"{path}: 不是 iipeval 评审组登记（format 应为 {RECORD_FORMAT}）")
    try:
        record = PanelRecord.model_validate(data)
    except ValidationError as exc:
        raise RecordError(f"{path}: 评审组登记已损坏（{first_problem(exc)}）") from None
    return record.model_copy(update={"source": str(path)})


def stage_record(path: str | Path, record: PanelRecord) -> Path:
    """A new record written beside ``path``, private from its first byte, not yet in place
    (:func:`place_record`): so the forms it signs go out first, and a run stopped before
    they do leaves no record behind."""
    try:
        return stage_private(path, record_bytes(record))
    except PrivateFileError as exc:
        raise RecordError(str(exc)) from None


def place_record(staged: Path, path: str | Path) -> None:
    """Put a staged record in place; an existing file is never replaced (a new key would
    leave every form already issued unverifiable)."""
    try:
        place_private(staged, path)
    except PrivateFileError as exc:
        raise RecordError(str(exc)) from None


def record_bytes(record: PanelRecord) -> bytes:
    return json.dumps(record.model_dump(mode="json"), ensure_ascii=False, indent=2).encode() + b"\n"
