"""What a round remembers, read and written the one safe way: its key, its register, its log.

All three live in the round's private folder. Writing takes the round's lock, so two
commands never write the round at once; reading checks every private file as ssh checks a
key (ours, regular, closed to others) before trusting a byte of it.
"""

from __future__ import annotations

import getpass
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from iipeval.core.intake.private import PrivateFileError
from iipeval.core.round import logbook
from iipeval.core.round.folder import Round, RoundError
from iipeval.core.round.manifest import SUFFIX as MANIFEST_SUFFIX
from iipeval.core.round.manifest import Manifest, file_sha256
from iipeval.core.round.private import append_private, exclusive
from iipeval.core.round.register import Register

KEY_NAME = "key"
#: stages only commands write (receive, validate --return-to, panel, verification); the
#: parameters and weights folders are the organiser's to edit, results hold other reports
LOGGED_STAGES = ("received", "returns", "forms", "returned", "verification", "verified")
REGISTER_NAME = "register.json"


def user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


class State:
    """An opened round's memory. Use :meth:`writing` around anything that changes it."""

    def __init__(self, rnd: Round) -> None:
        self.round = rnd

    def _private(self, name: str) -> bytes | None:
        try:
            return self.round.read(name)
        except PrivateFileError as exc:
            raise RoundError(str(exc)) from None

    def key(self) -> bytes:
        raw = self._private(KEY_NAME)
        if raw is None:
            raise RoundError(f"{self.round.state}: 缺少本轮密钥（{KEY_NAME}）")
        return bytes.fromhex(raw.decode("ascii").strip())

    def create_key(self) -> None:
        self.round.write(KEY_NAME, secrets.token_hex(32).encode("ascii") + b"\n")

    def register(self) -> Register:
        raw = self._private(REGISTER_NAME)
        if raw is None:
            return Register()
        try:
            return Register.model_validate_json(raw)
        except ValueError:
            raise RoundError(f"{self.round.private(REGISTER_NAME)}: 受理登记已损坏") from None

    def save_register(self, reg: Register) -> None:
        self.round.write(REGISTER_NAME, reg.model_dump_json(indent=1).encode("utf-8") + b"\n")

    def entries(self) -> tuple[list[logbook.Entry], str | None]:
        raw = self._private(logbook.LOG_NAME) or b""
        return logbook.parse(raw)

    @contextmanager
    def writing(self, what: str) -> Iterator[State]:
        try:
            with exclusive(self.round.state, what):
                yield self
        except PrivateFileError as exc:
            raise RoundError(str(exc)) from None

    def log(
        self,
        command: list[str],
        inputs: list[Path],
        outputs: list[Path],
        exit_status: int,
        now: datetime,
        note: str = "",
    ) -> logbook.Entry:
        """Append one entry for a command that ran (call inside :meth:`writing`)."""
        entries, problem = self.entries()
        if problem:
            raise RoundError(f"本轮日志无法续写：{problem}（请先运行 iipeval log --verify）")
        entry = logbook.Entry(
            seq=len(entries) + 1,
            time=now,
            user=user(),
            command=command,
            inputs=[self._hash(p) for p in inputs],
            outputs=[self._hash(p) for p in outputs],
            exit=exit_status,
            note=note,
            prev=logbook.head(entries),
        )
        entry = logbook.sealed(entry, self.key())
        append_private(self.round.private(logbook.LOG_NAME), logbook.line(entry))
        return entry

    def _hash(self, path: Path) -> logbook.FileHash:
        rel = self.relative(path)
        full = self.round.root / rel
        return logbook.FileHash(path=rel, sha256=file_sha256(full) if full.is_file() else None)

    def relative(self, path: Path) -> str:
        p = Path(path).resolve()
        try:
            return p.relative_to(self.round.root).as_posix()
        except ValueError:
            return str(p)

    def verify(self) -> list[str]:
        """Everything that no longer holds, the first broken entry first; [] when all hold."""
        entries, problem = self.entries()
        out = [problem] if problem else []
        chain = logbook.chain_problem(entries, self.key())
        if chain:
            out.append(chain)
        out += logbook.file_problems(entries, self.round.root, file_sha256)
        return out + self.unaccounted(entries) + self.altered()

    def unaccounted(self, entries: list[logbook.Entry]) -> list[str]:
        """What the round holds that its log no longer accounts for, as when its last entries
        were cut off: a file in a folder only commands write (received, returned, issued; a
        run's record) that no entry wrote, or a run's record made when the log's head was an
        entry the chain no longer has."""
        written = {f.path for e in entries for f in e.outputs if f.sha256}
        heads = {e.hash for e in entries} | {logbook.GENESIS}
        out = []
        for path in self._kept():
            rel = self.relative(path)
            head = _round_log(path) if rel.endswith(MANIFEST_SUFFIX) else None
            if rel not in written:
                out.append(
                    f"{rel}：日志中没有写入该文件的记录"
                    "（日志的末尾被删除，或该文件不是由 iipeval 放入的）"
                )
            elif head is not None and head not in heads:
                out.append(f"{rel}：这次评分时日志的最后一条已不在本轮日志中：此前的日志被改写")
        return out

    def _kept(self) -> list[Path]:
        """The files only commands put in the round (hidden files, a run's temporary files
        or an office program's lock files, are not the round's)."""
        root = self.round.root
        found = [
            p
            for stage in LOGGED_STAGES
            for p in self.round.stage(stage).rglob("*")
            if p.is_file() and not any(x.startswith(".") for x in p.relative_to(root).parts)
        ]
        found += self.round.stage("results").rglob(f"*{MANIFEST_SUFFIX}")
        return sorted(found)

    def altered(self) -> list[str]:
        """Each received file that is no longer the one received (changed or deleted): the
        round's evidence, named by its 受理编号 (``status`` and ``log --verify`` say it)."""
        out = []
        for r in self.register().receipts:
            stored = self.round.root / r.stored
            if not stored.is_file():
                out.append(f"受理编号 {r.number}（{r.original}）的文件已被删除：{r.stored}")
            elif file_sha256(stored) != r.sha256:
                out.append(f"受理编号 {r.number}（{r.original}）受理后被改动：{r.stored}")
        return out


def _round_log(path: Path) -> str | None:
    """The log head a run's record carries (``None``: unreadable, or made outside a round;
    the log's own file hashes already name a record changed after the run)."""
    try:
        return Manifest.model_validate_json(path.read_bytes()).round_log
    except (OSError, ValueError):
        return None
