"""The 核查表 a round issues: signed with the round's key, recorded beside its record.

A 核查表 moves a figure of an application, so it is issued like an expert form: only the
organiser, who holds the panel's record, can issue one (``iipeval verification
--panel-record``). Each sheet is signed (:func:`sheet_claims`) over what it says of itself
(round, panel, its id, criteria set, application key and name, application file and its
SHA-256) and over every text the verifiers read on it (the title, the line naming the
applicant and file, each row's item, label, unit and declared value), as read back, so a
save in Excel, WPS or LibreOffice leaves it valid and any change to what they read does
not. Every sheet issued is recorded in the round's ledger of 核查表, a private file beside
the record (:func:`iipeval.core.panel.location.ledger_location`); the record itself is
never rewritten, so a run that used it can still be reproduced.

A filled sheet counts only when it verifies against the key, the ledger lists it, and no
later sheet was issued for the same application (:func:`refusal`).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iipeval.core.errors import first_problem
from iipeval.core.intake.private import PrivateFileError, read_private, write_private
from iipeval.core.model.verified import Verification
from iipeval.core.panel.record import PanelRecord, normal_key, sign, signature_valid

LEDGER_FORMAT = "iipeval.verification-ledger"
SHEET_FORMAT = "iipeval.verification"
#: 2: signed, issued under a panel's record
SHEET_VERSION = 2
MAX_LEDGER_BYTES = 16 * 2**20


class IssuedSheet(BaseModel):
    """One 核查表 as the organiser issued it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[0-9a-f]{16}$", description="核查表编号")
    file: str = Field(description="下发的核查表文件名")
    framework: str
    key: str = Field(description="申报键（统一社会信用代码，或申报单位名称）")
    applicant: str
    source: str = Field(description="申报文件名")
    source_sha256: str
    items: list[str] = Field(description="核查表所列的数据项")


class Ledger(BaseModel):
    """The 核查表 issued in one round, in the order they were issued."""

    model_config = ConfigDict(extra="forbid")

    format: str = LEDGER_FORMAT
    version: int = 1
    round: str
    panel: str
    sheets: list[IssuedSheet] = Field(default_factory=list)

    def latest(self, key: str) -> IssuedSheet | None:
        """The sheet last issued for an application: it replaces every earlier one."""
        mine = [s for s in self.sheets if normal_key(s.key) == normal_key(key)]
        return mine[-1] if mine else None


class LedgerError(ValueError):
    """A ledger that cannot be used or written; the message names the file."""


def new_sheet_id() -> str:
    return secrets.token_hex(8)


def sheet_claims(
    *,
    round_id: str,
    panel: str,
    sheet: IssuedSheet,
    credit_code: str,
    shown: dict[str, Any],
) -> dict[str, Any]:
    """What a 核查表's signature covers, built alike by the writer (from what it writes)
    and the reader (from ``_verify`` and the sheet as read back). ``shown``: the title,
    the line naming the applicant and file, and each row's [item, label, unit, declared]
    as the verifiers read them."""
    return {
        "format": SHEET_FORMAT,
        "version": SHEET_VERSION,
        "round": round_id,
        "panel": panel,
        "id": sheet.id,
        "framework": sheet.framework,
        "key": sheet.key,
        "applicant": sheet.applicant,
        "credit_code": credit_code,
        "source": sheet.source,
        "source_sha256": sheet.source_sha256,
        "items": list(sheet.items),
        "shown": shown,
    }


def sign_sheet(record: PanelRecord, claims: dict[str, Any]) -> str:
    return sign(record.secret, claims)


# -- the ledger on disk ------------------------------------------------------------------


def load_ledger(path: str | Path, record: PanelRecord) -> Ledger:
    """The round's ledger (an empty one when none was written yet), read as privately as
    the record; one kept for another round is refused."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return Ledger(round=record.round, panel=record.panel)
    try:
        raw = read_private(path, "核查表登记", MAX_LEDGER_BYTES)
        ledger = Ledger.model_validate(json.loads(raw))
    except PrivateFileError as exc:
        raise LedgerError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        why = first_problem(exc) if isinstance(exc, ValidationError) else "不是有效的 JSON"
        raise LedgerError(f"{path}: 核查表登记已损坏（{why}）") from None
    if (ledger.round, ledger.panel) != (record.round, record.panel):
        raise LedgerError(
            f"{path}: 核查表登记属于评审轮次“{ledger.round}”、评审组“{ledger.panel}”，"
            f"与评审组登记（{record.round}，{record.panel}）不符"
        )
    return ledger


def record_issued(path: str | Path, record: PanelRecord, sheets: Iterable[IssuedSheet]) -> None:
    """Add ``sheets`` to the ledger at ``path``, under a lock on its folder, so two runs
    issuing at once both stay recorded; written whole, private, or not at all."""
    path = Path(path)
    with _locked(path.parent):
        ledger = load_ledger(path, record)
        ledger.sheets.extend(sheets)
        data = (ledger.model_dump_json(indent=2) + "\n").encode("utf-8")
        try:
            write_private(path, data, replace=True)
        except PrivateFileError as exc:
            raise LedgerError(str(exc)) from None


@contextlib.contextmanager
def _locked(folder: Path):
    if os.name != "posix":  # pragma: no cover - Windows: one organiser, one run at a time
        yield
        return
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# -- admitting a filled sheet ------------------------------------------------------------


def refusal(v: Verification, record: PanelRecord, ledger: Ledger) -> str | None:
    """Why a filled 核查表 does not count, or ``None`` when it does: it must be signed with
    the round's key over what it shows, be listed in the ledger as issued, and be the
    sheet last issued for its application."""
    if not v.signature or v.claims is None:
        return (
            "核查表没有签名：不是组织方用本轮评审组登记下发的核查表（iipeval verification "
            "--panel-record），或签名已被删除；不予采用"
        )
    if (v.round, v.panel) != (record.round, record.panel):
        return (
            f"核查表属于评审轮次“{v.round or '未标明'}”、评审组“{v.panel or '未标明'}”，"
            f"不是本轮（{record.round}，{record.panel}）下发的，不予采用"
        )
    if not signature_valid(record.secret, v.claims, v.signature):
        return (
            "核查表的签名与评审组登记不符：对应的申报、申报文件、数据项或表中显示的内容在下发后被改动，"
            "或不是本轮下发的核查表；不予采用"
        )
    issued = next((s for s in ledger.sheets if s.id == v.sheet_id), None)
    if issued is None or normal_key(issued.key) != normal_key(v.key):
        return "核查表登记中没有这份核查表：不是组织方下发的核查表，不予采用"
    latest = ledger.latest(issued.key)
    if latest is not None and latest.id != issued.id:
        return (
            f"“{issued.applicant}”的这份核查表已被其后下发的核查表（{latest.file}）取代，不予采用；"
            "请使用最新下发的核查表"
        )
    return None
