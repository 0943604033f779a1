"""Run a reader on untrusted files in worker processes, each under a memory limit and a clock.

One bad file must never take a command down: python-calamine aborts the whole process on
some hostile files, and a crafted file can hang or balloon a parser. Each worker sets an
address-space limit on itself; the parent gives each task a wall-clock deadline. A worker
that dies, runs out of memory or overruns is replaced, and its file gets a failure
(``worker_crashed``, ``timeout``, ``memory``, ``reader_error``) through the caller's
``fail``; the other files go on. ``setup`` runs once per worker (load plugins once, not
once per file).

The runner knows no file format: the caller passes the reader (``task``). Front ends map
suffixes to readers (``iipeval.excel.intake``). :func:`refusal` refuses, before anything
opens it, a path that is not a regular file (a FIFO hangs a reader, ``/dev/zero`` never
ends) or whose name cannot be shown.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from iipeval.core.errors import InputFileError
from iipeval.core.quiet import frozen_heap, steady_heap
from iipeval.core.scoring.params import InputLimits
from iipeval.core.text import has_control, printable

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no rlimits, the timeout still applies
    resource = None

#: What a worker says about a file it could not finish, by failure code.
MESSAGES = {
    "memory": "读取该文件所需内存超过上限，文件可能被恶意构造，已跳过",
    "worker_crashed": "读取该文件时处理进程异常退出（文件可能损坏或被恶意构造），已跳过",
}


@dataclass(frozen=True)
class Limits:
    """Per-file limits for a worker. Both far above what a real 申报表 needs."""

    memory_bytes: int = 1536 * 2**20
    seconds: float = 30.0

    @classmethod
    def of(cls, limits: InputLimits) -> Limits:
        return cls(limits.worker_memory_mb * 2**20, limits.worker_seconds)


def display_name(path: str | Path) -> str:
    """``path`` as text that can always be printed and written on one line: undecodable
    bytes → U+FFFD, control characters as visible escapes (``\\x1b``). It names the file
    in findings, results and reports; a file whose name needs either is refused unopened."""
    raw = os.fsencode(str(path))
    return printable(raw.decode("utf-8", "replace"), one_line=True)


def _undecodable(path: str | Path) -> bool:
    text = str(path)
    return os.fsencode(text).decode("utf-8", "replace") != text


def refusal(path: str | Path) -> tuple[str, str] | None:
    """``(code, message)`` if ``path`` must not be opened at all, else ``None``.

    Only ``stat`` is called: a FIFO, a device or a socket is refused before any reader
    could block on it or read it forever. Symbolic links are followed, so a link to
    ``/dev/zero`` is refused too.
    """
    if _undecodable(path):
        return (
            "bad_file_name",
            "文件名含无法识别的字符（不是 UTF-8 编码，常见于解压时文件名乱码），请重命名后重新提交",
        )
    if has_control(str(path)):
        return (
            "bad_file_name",
            "文件名含控制字符（如换行、制表符或终端控制码），无法安全显示和写入，请重命名后重新提交",
        )
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "not_found", "文件不存在"
    except OSError as exc:
        return "unreadable", f"无法读取文件：{exc.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return "not_a_file", "这是一个文件夹，不是文件"
    if not stat.S_ISREG(st.st_mode):
        return (
            "special_file",
            "不是普通文件（可能是管道、设备或套接字），已拒绝读取：请提交普通的 .xlsx 或 .json 文件",
        )
    return None


@dataclass(frozen=True)
class Job:
    """What every worker runs: ``setup()`` once, then ``task(state, item)`` per item.

    ``fail(item, code, message)`` builds the outcome for an item the worker could not
    finish. With the ``fork`` start method (Linux) these may be any callables; with
    ``spawn`` they must be picklable (module-level functions or ``functools.partial``).
    """

    task: Callable[[Any, Any], Any]
    fail: Callable[[Any, str, str], Any]
    setup: Callable[[], Any] = lambda: None
    limits: Limits = Limits()


def _die_with_parent(parent: int) -> None:
    """Linux: if the parent is killed mid-batch, take the worker down too (no orphans).
    A parent killed before the request took effect has already left: stop at once."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


def failure_text(exc: BaseException) -> str:
    """What a reader's exception says to a person: its own words if it is an input error
    (those are written in Chinese), else a plain sentence, never a Python repr."""
    if isinstance(exc, InputFileError):
        return str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "读取该文件时出错：文件不是 UTF-8 编码，请另存为 UTF-8 编码后重新提交"
    if isinstance(exc, OSError):
        return f"读取该文件时出错：{exc.strerror or '无法读取'}"
    return "读取该文件时出错：文件已损坏或不是所需的格式，已跳过"


def _worker(conn: Connection, job: Job, parent: int) -> None:  # runs in the child
    # Ctrl-C reaches every process of the terminal's group: the parent alone handles it
    # (it stops the workers and cleans up), so a worker never prints a traceback for it.
    # The parent blocked SIGINT around the fork; one that came meanwhile is dropped here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _sigint(signal.SIG_UNBLOCK if hasattr(signal, "SIG_UNBLOCK") else None)
    _die_with_parent(parent)
    faulthandler.disable()  # a parser abort is reported as a finding, not a stack dump
    if resource is not None:
        limit = job.limits.memory_bytes
        with contextlib.suppress(ValueError, OSError):  # never above the hard limit
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    state = job.setup()
    served = 0
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone (interrupted): stop quietly
            return
        if task is None:
            return
        served += 1
        if served == 2:  # a batch: freed memory is kept for the next file (quiet.steady_heap)
            steady_heap()
        idx, item = task
        try:
            out = job.task(state, item)
        except MemoryError:
            out = job.fail(item, "memory", MESSAGES["memory"])
        except Exception as exc:  # a reader bug must become a finding, not a dead batch
            out = job.fail(item, "reader_error", failure_text(exc))
        conn.send((idx, out))


def _sigint(how: int | None) -> set | None:
    """Block or unblock SIGINT for this thread (POSIX); the previous mask, to restore."""
    if how is None or not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(how, {signal.SIGINT})


class _Slot:
    def __init__(self, ctx, job: Job) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, job, os.getpid()), daemon=True)
        # a Ctrl-C between the fork and the worker's first line would print a traceback
        # from the child: held back until the child ignores it, then the parent's as usual
        previous = _sigint(getattr(signal, "SIG_BLOCK", None))
        try:
            self.proc.start()
        finally:
            if previous is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        child.close()
        self.task: tuple[int, Any] | None = None
        self.deadline = 0.0

    def give(self, task: tuple[int, Any], seconds: float) -> None:
        self.task, self.deadline = task, time.monotonic() + seconds
        self.conn.send(task)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()
        with contextlib.suppress(OSError):
            self.conn.close()


def _collect(s: _Slot, ready: list, job: Job) -> tuple[Any, bool, bool]:
    """``(outcome, done, broken)``: the slot's outcome if it has one, and whether the
    worker must be replaced."""
    if s.conn in ready:
        try:
            return s.conn.recv()[1], True, False
        except (EOFError, OSError):
            pass
    item = s.task[1]
    if s.conn in ready or s.proc.sentinel in ready:
        return job.fail(item, "worker_crashed", MESSAGES["worker_crashed"]), True, True
    if time.monotonic() >= s.deadline:
        seconds = job.limits.seconds
        message = f"读取该文件超过{seconds:g}秒仍未完成（文件可能被恶意构造），已跳过"
        return job.fail(item, "timeout", message), True, True
    return None, False, False


def run_in_workers(
    items: Sequence[Any],
    job: Job,
    *,
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, outcome)`` for every item, in completion order, from workers."""
    if not items:
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(items)))
    todo = list(enumerate(items))[::-1]
    # what the parent holds is left out of the collector's sweeps while workers run
    # (iipeval.core.quiet): a sweep walked every object of the plugins, and in a forked
    # worker copied the pages it touched
    with frozen_heap():
        slots = [_Slot(ctx, job) for _ in range(jobs)]
        yield from _run(slots, ctx, job, todo, progress)
    _stop(slots)


def _run(slots, ctx, job: Job, todo: list, progress) -> Iterator[tuple[int, Any]]:
    """Items to free workers and outcomes back, until every item is done; interrupted, or
    stopped early by the caller, every worker is stopped at once."""
    seconds = job.limits.seconds
    try:
        for s in slots:
            if todo:
                s.give(todo.pop(), seconds)
        while any(s.task for s in slots):
            busy = [s for s in slots if s.task]
            timeout = max(0.0, min(s.deadline for s in busy) - time.monotonic())
            ready = wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], timeout)
            for i, s in enumerate(slots):
                if not s.task:
                    continue
                outcome, done, broken = _collect(s, ready, job)
                if not done:
                    continue
                idx = s.task[0]
                if broken:
                    s.kill()
                    slots[i] = s = _Slot(ctx, job)
                s.task = None
                if progress:
                    progress(1)
                yield idx, outcome
                if todo:
                    s.give(todo.pop(), seconds)
    except BaseException:  # interrupted, or the caller stopped early: stop every worker now
        for s in slots:
            s.kill()
        raise


def _stop(slots: list[_Slot]) -> None:
    """Every item done: each worker is told to stop, and made to if it does not."""
    for s in slots:
        if s.proc.is_alive():
            with contextlib.suppress(OSError):
                s.conn.send(None)
    for s in slots:
        s.proc.join(timeout=1)
        if s.proc.is_alive():
            s.kill()


def in_order(outcomes: Iterator[tuple[int, Any]]) -> Iterator[Any]:
    """Outcomes in the order of their items, each as soon as all before it are in."""
    held: dict[int, Any] = {}
    nxt = 0
    for idx, out in outcomes:
        held[idx] = out
        while nxt in held:
            yield held.pop(nxt)
            nxt += 1


class IsolationFailed(Exception):
    """The worker died, overran or ran out of memory; the message is for the user."""


def isolated(fn: Callable[..., Any], *args: Any, limits: InputLimits | None = None) -> Any:
    """``fn(*args)`` in one sandboxed worker (memory limit, deadline; a crash costs only this
    call), for a command that opens one outside file at a time. Raises :class:`IsolationFailed`."""
    job = Job(  # the call travels with the forked worker; only its result is sent
        task=lambda _state, _item: ("ok", fn(*args)),
        fail=lambda _item, _code, message: ("error", message),
        limits=Limits.of(limits or InputLimits()),
    )
    [(_, (status, value))] = list(run_in_workers([0], job, jobs=1))
    if status != "ok":
        raise IsolationFailed(value)
    return value


def _guarded(fn: Callable[[str], Any], limits: InputLimits, path: str) -> tuple[str, Any]:
    """In the worker: the guard for a workbook, then the reader."""
    from iipeval.core.intake.guard import guard

    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        report = guard(path, limits)
        if report.problem:
            return "refused", report.problem
    return "ok", fn(path)


def read_isolated(fn: Callable[[str], Any], path: str | Path, limits: InputLimits) -> Any:
    """``fn(path)`` for an untrusted file: refused unopened if special, a workbook checked by
    the guard, then read in a sandboxed worker. Raises :class:`IsolationFailed`."""
    problem = refusal(path)
    if problem:
        raise IsolationFailed(problem[1])
    status, value = isolated(_guarded, fn, limits, str(path), limits=limits)
    if status != "ok":
        raise IsolationFailed(value)
    return value
