"""The round after 符合性审查: 补正 returns (``validate --return-to``), and the commands
``compare``, ``verification`` and ``reproduce`` when they are loaded.

Every applicant's file opened here is opened in a sandboxed worker through
:func:`isolated`, the one place to switch when the sandbox moves into the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click

from iipeval.core.intake.sandbox import IsolationFailed, isolated
from iipeval.core.model.results import Rejected, Result
from iipeval.core.scoring.params import InputLimits

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
    labels: dict[str, dict[str, str]] | None = None,
) -> list[Path]:
    """Write one return per application with errors, and the 补正清单; return the paths.
    ``labels``: criteria set → data-item id → Chinese label, for problems with no cell."""
    from iipeval.excel.application import returns
    from iipeval.present import atomic

    folders = {Path(r.source).resolve().parent for r in results}
    if directory.resolve() in folders:  # returns mixed with submissions would be read as such
        raise click.UsageError(f"补正文件夹 {directory} 不能是申报文件所在的文件夹，请另建一个")
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written: list[Path] = []
    cases: list[returns.Case] = []
    plan: list[tuple[returns.Case, Path, bool]] = []
    for r in results:
        src = Path(r.source)
        if isinstance(r, Result):
            case = returns.Case(r.source, r.applicant, r.credit_code, list(r.findings))
            case.labels = (labels or {}).get(r.framework, {})
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
    from iipeval.excel.application import returns

    isolated(
        returns.mark_copy,
        Path(case.source),
        tmp,
        case,
        deadline,
        tmp.suffix.lower() == ".xlsm",
        limits=limits,
    )


# 调研核查 -----------------------------------------------------------------------------------


# 补正 resubmissions compared ------------------------------------------------------------------
