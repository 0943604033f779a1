"""The round's log: every command run in the round, append-only, each entry chained to the one
before it (as git chains commits) and signed with the round's key.

An entry holds the time, the user, the command, the SHA-256 of every file it read and wrote,
its exit status and the hash of the previous entry. :func:`verify` recomputes the chain and
checks every file against the last hash the log recorded for it, and names the first entry
that no longer holds: an entry edited, deleted or moved, an output replaced after the fact, a
received file changed. Without the key a rewritten log cannot be signed again; and every
results manifest records the log's head, so a log rewritten even with the key no longer
matches the results already published.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iipeval.core.round.manifest import SUFFIX as MANIFEST_SUFFIX

GENESIS = "0" * 64
LOG_NAME = "log.jsonl"


class FileHash(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="相对于本轮文件夹")
    sha256: str | None = Field(description="None: 运行后该文件不存在")


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int
    time: datetime
    user: str
    command: list[str]
    inputs: list[FileHash] = Field(default_factory=list)
    outputs: list[FileHash] = Field(default_factory=list)
    exit: int
    note: str = ""
    prev: str
    hash: str = ""
    signature: str = ""

    def digest(self) -> str:
        body = self.model_dump(mode="json", exclude={"hash", "signature"})
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign(key: bytes, digest: str) -> str:
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def sealed(entry: Entry, key: bytes) -> Entry:
    digest = entry.digest()
    return entry.model_copy(update={"hash": digest, "signature": sign(key, digest)})


def parse(data: bytes) -> tuple[list[Entry], str | None]:
    """The entries of a log file, or the first line that is not one (as a message)."""
    entries: list[Entry] = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entries.append(Entry.model_validate_json(line))
        except ValidationError:
            return entries, f"日志第{n}行无法识别（被改动或截断）"
    return entries, None


def head(entries: list[Entry]) -> str:
    return entries[-1].hash if entries else GENESIS


def line(entry: Entry) -> bytes:
    text = entry.model_dump_json()
    return text.encode("utf-8") + b"\n"


def chain_problem(entries: list[Entry], key: bytes) -> str | None:
    """The first entry whose place in the chain, content or signature does not hold."""
    prev = GENESIS
    for k, e in enumerate(entries, 1):
        if e.seq != k:
            return f"第{k}条日志的序号为{e.seq}：有日志被删除或调换了顺序"
        if e.prev != prev:
            return f"第{k}条日志（{e.time:%Y-%m-%d %H:%M:%S}）所接的上一条不符：有日志被删除、插入或调换"
        if e.digest() != e.hash:
            return f"第{k}条日志（{e.time:%Y-%m-%d %H:%M:%S}，{' '.join(e.command)}）的内容被改动"
        if not hmac.compare_digest(sign(key, e.hash), e.signature):
            return f"第{k}条日志的签名不符：不是用本轮密钥写入的"
        prev = e.hash
    return None


def last_hashes(entries: list[Entry]) -> dict[str, tuple[int, str | None]]:
    """Per file, the last hash the log recorded for it and the entry that recorded it."""
    out: dict[str, tuple[int, str | None]] = {}
    for e in entries:
        for f in [*e.inputs, *e.outputs]:
            out[f.path] = (e.seq, f.sha256)
    return out


def file_problems(entries: list[Entry], root: Path, sha) -> list[str]:
    """Files of the round that differ from what the log last recorded of them, each naming
    its entry (files read from outside the round are recorded, not kept, so not checked)."""
    out = []
    for path, (seq, expected) in sorted(last_hashes(entries).items()):
        if Path(path).is_absolute():  # read from outside the round: recorded, not kept
            continue
        actual = sha(root / path) if (root / path).is_file() else None
        if actual != expected:
            if actual is None:
                out.append(f"{path}：第{seq}条日志记录后已被删除")
            elif expected is None:
                out.append(f"{path}：第{seq}条日志记录时不存在，现在却有该文件")
            else:
                out.append(f"{path}：第{seq}条日志记录后已被改动或替换")
    return out


def manifest_of(entry: Entry) -> str | None:
    """The run's record a scoring entry wrote (``score -o``, ``robustness -o``), which
    ``iipeval reproduce`` re-runs; ``None`` for an entry that wrote none (a score to the
    terminal, a run refused before any work)."""
    return next(
        (f.path for f in entry.outputs if f.path.endswith(MANIFEST_SUFFIX) and f.sha256), None
    )


def at(time: datetime) -> str:
    return f"{time:%Y-%m-%d %H:%M:%S}"
