"""Read and score untrusted files in worker processes, each under a memory limit and a clock.

One bad file must never take the batch down: python-calamine aborts the whole process on
some hostile files, and a crafted file can hang or balloon a parser. Each worker sets an
address-space limit on itself; the parent gives each task a wall-clock deadline. A worker
that dies, runs out of memory or overruns is replaced, and its file gets a finding; the
other files go on. Plugins are loaded once per worker, not once per file.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from iipeval.core.api import Evaluator
from iipeval.core.batch import ReviewIndex, score_one
from iipeval.core.findings import Finding, Severity
from iipeval.core.params import InputLimits, Parameters
from iipeval.core.ranking import Standing
from iipeval.core.results import Rejected, Result
from iipeval.core.spool import ResultSpool

from . import inputs

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no rlimits, the timeout still applies
    resource = None


@dataclass(frozen=True)
class Limits:
    """Per-file limits for a worker. Both far above what a real 申报表 needs."""

    memory_bytes: int = 1536 * 2**20
    seconds: float = 30.0

    @classmethod
    def of(cls, limits: InputLimits) -> Limits:
        return cls(limits.worker_memory_mb * 2**20, limits.worker_seconds)


@dataclass(frozen=True)
class _Setup:
    params: Parameters
    index: ReviewIndex
    framework: str | None
    limits: Limits
    spooled: bool = False


def _die_with_parent() -> None:
    """Linux: if the parent is killed mid-batch, take the worker down too (no orphans)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker(conn: Connection, setup: _Setup) -> None:  # runs in the child
    _die_with_parent()
    faulthandler.disable()  # a parser abort is reported as a finding, not a stack dump
    if resource is not None:
        limit = setup.limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    ev = Evaluator(params=setup.params)
    ev.frameworks()  # load plugins once
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone (interrupted): stop quietly
            return
        if task is None:
            return
        idx, path = task
        try:
            out = score_one(ev, inputs.read(Path(path), ev), setup.index, setup.framework)
            if setup.spooled and isinstance(out, Result):
                # serialise here, in parallel; the parent only appends bytes and ranks
                out = (out.model_dump_json().encode("utf-8"), Standing.of(out))
        except MemoryError:
            out = _failed(path, "memory", "读取该文件所需内存超过上限，文件可能被恶意构造，已跳过")
        except Exception as exc:  # a reader bug must become a finding, not a dead batch
            out = _failed(path, "reader_error", f"读取该文件时出错：{exc!r}")
        conn.send((idx, out))


def _failed(path: str, code: str, message: str) -> Rejected:
    return Rejected(
        source=path,
        findings=[Finding(severity=Severity.error, code=code, message=message, file=path)],
    )


class _Slot:
    def __init__(self, ctx, setup: _Setup) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, setup), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, str] | None = None
        self.deadline = 0.0

    def give(self, task: tuple[int, str], seconds: float) -> None:
        self.task, self.deadline = task, time.monotonic() + seconds
        self.conn.send(task)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.conn.close()


def _collect(s: _Slot, ready: list, limits: Limits) -> tuple[Result | Rejected | None, bool]:
    """The slot's outcome if it has one: (outcome, whether the worker must be replaced)."""
    if s.conn in ready:
        try:
            return s.conn.recv()[1], False
        except (EOFError, OSError):
            pass
    if s.conn in ready or s.proc.sentinel in ready:
        message = "读取该文件时处理进程异常退出（文件可能损坏或被恶意构造），已跳过"
        return _failed(s.task[1], "worker_crashed", message), True
    if time.monotonic() >= s.deadline:
        message = f"读取该文件超过{limits.seconds:g}秒仍未完成（文件可能被恶意构造），已跳过"
        return _failed(s.task[1], "timeout", message), True
    return None, False


def run(
    paths: Sequence[Path],
    *,
    params: Parameters,
    index: ReviewIndex,
    framework: str | None = None,
    jobs: int | None = None,
    limits: Limits = Limits(),
    progress: Callable[[int], None] | None = None,
    spool: ResultSpool | None = None,
) -> Iterator[Result | Standing | Rejected]:
    """Yield one outcome per path (in completion order) from isolated worker processes.

    With ``spool``, each full result goes to the spool and its :class:`Standing` is yielded
    instead, so the parent holds a small record per application, not the result.
    """
    if not paths:
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    setup = _Setup(params, index, framework, limits, spooled=spool is not None)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    todo = list(enumerate(str(p) for p in paths))[::-1]
    slots = [_Slot(ctx, setup) for _ in range(jobs)]
    try:
        for s in slots:
            if todo:
                s.give(todo.pop(), limits.seconds)
        while any(s.task for s in slots):
            busy = [s for s in slots if s.task]
            timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout)
            for i, s in enumerate(slots):
                if not s.task:
                    continue
                outcome, broken = _collect(s, ready, limits)
                if outcome is None:
                    continue
                if broken:
                    s.kill()
                    slots[i] = s = _Slot(ctx, setup)
                s.task = None
                if progress:
                    progress(1)
                if isinstance(outcome, tuple):
                    data, outcome = outcome
                    spool.add(outcome.source, data)
                yield outcome
                if todo:
                    s.give(todo.pop(), limits.seconds)
    finally:
        for s in slots:
            if s.proc.is_alive():
                with contextlib.suppress(OSError):
                    s.conn.send(None)
        for s in slots:
            s.proc.join(timeout=1)
            if s.proc.is_alive():
                s.kill()
