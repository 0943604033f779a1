"""受理: a file comes into the round, is copied in, numbered and registered, or is refused.

The decisions are here, not in the command: the same file twice is registered once; a new
version of an application is taken only as the answer to an open 补正 request, or as an
explicit replacement with a reason; a second form from the same expert (or a second 核查表
for the same application) never silently wins.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from iipeval.core.errors import read_capped
from iipeval.core.round.folder import Round
from iipeval.core.round.register import KIND_LABEL, Kind, Receipt, Register, Summary
from iipeval.core.text import normal_key


@dataclass
class Identity:
    """Whose the file is, as its reader found it (the command reads it in the sandbox)."""

    kind: Kind
    key: str  # 申报 and 核查表: credit code, else the applicant's name; 评分表: expert id
    applicant: str = ""
    framework: str | None = None
    expert: str | None = None
    summary: Summary | None = None


@dataclass
class Outcome:
    receipt: Receipt | None
    message: str
    refused: bool = False
    new: bool = False  # a new receipt (not refused, not a copy of one already received)


def _slot(reg: Register, ident: Identity) -> Receipt | None:
    if ident.kind == "review":
        return reg.current("review").get(f"{ident.expert}|{ident.framework or ''}")
    return reg.current(ident.kind).get(normal_key(ident.key))


def _safe(name: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in "._-（）()" else "_" for ch in name)
    return kept[-120:] or "file"


def _link(reg: Register, ident: Identity, replace: str | None) -> tuple[dict, str | None]:
    """(fields of the new receipt that link it, the reason it is refused or None)."""
    previous = _slot(reg, ident)
    if previous is None:
        return {}, None
    label = KIND_LABEL[ident.kind]
    if ident.kind == "application" and (ret := reg.open_return(ident.key)) and not replace:
        return {"supersedes": previous.number, "answers": ret.id}, None
    if replace:
        return {"supersedes": previous.number, "reason": replace}, None
    if ident.kind == "application":
        why = f"“{ident.applicant}”已受理（受理编号 {previous.number}），且没有待答复的补正要求"
    else:
        who = ident.expert if ident.kind == "review" else ident.applicant
        why = f"“{who}”的{label}已受理（受理编号 {previous.number}），先受理的有效"
    return {}, f"{why}；如确需替换，请加 --replace --reason 理由"


@dataclass
class Staged:
    """A file copied into the round before it is read: what is read, hashed and kept are
    the same bytes, whatever happens to the original meanwhile."""

    source: Path
    copy: Path
    sha256: str

    def discard(self) -> None:
        self.copy.unlink(missing_ok=True)


#: where each kind of received file is kept
KEPT_IN = {"application": "received", "review": "returned", "verification": "verified"}


class NotStaged(Exception):
    """A file refused before a byte of it was kept: not a regular file, or too large."""


def stage(rnd: Round, source: Path, limit: int) -> Staged:
    """``source`` copied in to be read, hashed and kept, read once and at most ``limit``
    bytes (:func:`~iipeval.core.errors.read_capped`): a FIFO, a device such as /dev/zero
    or an oversized file is refused before anything is written into the round."""
    try:
        data = read_capped(source, limit)
    except (ValueError, OSError) as exc:
        raise NotStaged(getattr(exc, "strerror", None) or str(exc)) from None
    copy = rnd.stage("received") / f".~receiving-{os.getpid()}-{_safe(source.name)}"
    copy.write_bytes(data)
    return Staged(source, copy, hashlib.sha256(data).hexdigest())


def receive(
    rnd: Round,
    reg: Register,
    staged: Staged,
    ident: Identity,
    now: datetime,
    user: str,
    replace: str | None = None,
) -> Outcome:
    """Register a staged file in ``reg`` (the caller saves it under the round's lock)."""
    label, source = KIND_LABEL[ident.kind], staged.source
    sets = rnd.settings.frameworks
    if sets and ident.framework and ident.framework not in sets:
        staged.discard()
        why = f"本轮的评价体系为 {'、'.join(sets)}，该文件属于 {ident.framework}"
        return Outcome(None, f"{source.name}：未受理。{why}", refused=True)
    if same := reg.with_sha(staged.sha256):
        staged.discard()
        return Outcome(same, f"{source.name}：与受理编号 {same.number} 完全相同，未重复受理")
    links, refusal = _link(reg, ident, replace)
    if refusal:
        staged.discard()
        return Outcome(None, f"{source.name}：未受理。{refusal}", refused=True)
    number = reg.next_number(ident.kind)
    target = rnd.stage(KEPT_IN[ident.kind]) / f"{number}_{_safe(source.name)}"
    os.replace(staged.copy, target)
    os.chmod(target, 0o444)  # a received file is evidence: nobody edits it in place
    receipt = Receipt(
        number=number,
        kind=ident.kind,
        received_at=now,
        received_by=user,
        original=source.name,
        stored=target.relative_to(rnd.root).as_posix(),
        sha256=staged.sha256,
        bytes=target.stat().st_size,
        key=ident.key,
        applicant=ident.applicant,
        framework=ident.framework,
        expert=ident.expert,
        summary=ident.summary or Summary(),
        **links,
    )
    reg.receipts.append(receipt)
    if receipt.answers:
        next(t for t in reg.returns if t.id == receipt.answers).answered_by = number
    said = f"{source.name}：已受理为{label}，受理编号 {number}"
    if receipt.reason:
        said += f"（替换受理编号 {receipt.supersedes}，理由：{receipt.reason}）"
    return Outcome(receipt, said, new=True)
