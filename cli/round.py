"""The round after 符合性审查: 补正 returns (``validate --return-to``), and the commands
``compare``, ``verification`` and ``reproduce`` when they are loaded.

Every applicant's file opened here is opened in a sandboxed worker through
:func:`isolated`, the one place to switch when the sandbox moves into the library.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from iipeval.core.params import InputLimits
from iipeval.core.results import Rejected, Result

from . import pool


class IsolationFailed(Exception):
    """The worker died, overran or ran out of memory; the message is for the user."""


def _child(conn, fn, args, memory_bytes) -> None:  # runs in the worker
    pool._die_with_parent()
    if pool.resource is not None:
        pool.resource.setrlimit(pool.resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("error", "处理该文件所需内存超过上限，文件可能被恶意构造，已跳过"))
    except Exception as exc:
        conn.send(("error", f"处理该文件时出错：{exc!r}"))


def isolated(fn: Callable[..., Any], *args: Any, limits: InputLimits | None = None) -> Any:
    """Run ``fn(*args)`` on an applicant's file in a worker with a memory limit and a clock.

    The same limits as the scoring workers (:mod:`.pool`); the single switch point for
    the library sandbox.
    """
    lim = pool.Limits.of(limits or InputLimits())
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, lim.memory_bytes), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(lim.seconds):
            raise IsolationFailed(f"处理该文件超过{lim.seconds:g}秒仍未完成，已跳过")
        try:
            status, value = parent.recv()
        except (EOFError, OSError):
            raise IsolationFailed("处理该文件时进程异常退出（文件可能损坏），已跳过") from None
        if status != "ok":
            raise IsolationFailed(value)
        return value
    finally:
        with contextlib.suppress(Exception):
            proc.kill()
        proc.join()
        parent.close()


# 补正 returns ---------------------------------------------------------------------------------


def _unique(directory: Path, name: str, taken: set[str]) -> Path:
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}_{n}{suffix}"
    taken.add(candidate)
    return directory / candidate


def write_returns(
    results: Sequence[Result | Rejected],
    directory: Path,
    deadline: date | None,
    limits: InputLimits | None = None,
) -> list[Path]:
    """Write one return per application with errors, and the 补正清单; return the paths."""
    from iipeval.excel import returns
    from iipeval.reports import atomic

    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written: list[Path] = []
    cases: list[returns.Case] = []
    plan: list[tuple[returns.Case, Path, bool]] = []
    for r in results:
        src = Path(r.source)
        if isinstance(r, Result):
            case = returns.Case(r.source, r.applicant, r.credit_code, list(r.findings))
        else:
            case = returns.Case(r.source, src.name, None, list(r.findings), readable=False)
        cases.append(case)
        if not case.needs_return:
            continue
        workbook = src.suffix.lower() in (".xlsx", ".xlsm") and case.readable
        suffix = src.suffix.lower() if workbook else ".xlsx"
        name = f"{src.stem}{suffix}" if workbook else f"{src.stem}_补正通知.xlsx"
        target = _unique(directory, name, taken)
        plan.append((case, target, workbook))
    checklist = _unique(directory, f"{returns.CHECKLIST}.xlsx", taken)
    existing = [t.name for t in [*(p[1] for p in plan), checklist] if t.exists()]
    if existing:  # refuse before writing anything: a round is one set of files
        raise click.UsageError(
            f"{directory} 中已有文件 {'、'.join(existing)}（已存在）；每轮补正请使用新的文件夹"
        )
    try:
        for case, target, workbook in plan:
            if workbook:
                try:
                    atomic.write_atomic(
                        target, lambda tmp, c=case: _mark(c, tmp, deadline, limits), force=False
                    )
                except IsolationFailed as exc:  # the copy cannot be made: the notice still goes
                    case.notes.append(str(exc))
                    workbook = False
                    target = _unique(directory, f"{target.stem}_补正通知.xlsx", taken)
            if not workbook:
                atomic.write_atomic(
                    target, lambda tmp, c=case: returns.notice_only(tmp, c, deadline), force=False
                )
            case.returned = str(target)
            written.append(target)
        atomic.write_atomic(
            checklist, lambda tmp: returns.checklist(tmp, cases, deadline), force=False
        )
    except atomic.OutputError as exc:
        raise click.UsageError(f"{exc}（每轮补正请使用新的文件夹）") from None
    written.append(checklist)
    return written


def _mark(case, tmp: Path, deadline: date | None, limits: InputLimits | None) -> None:
    from iipeval.excel import returns

    isolated(
        returns.mark_copy,
        Path(case.source),
        tmp,
        case,
        deadline,
        tmp.suffix.lower() == ".xlsm",
        limits=limits,
    )
