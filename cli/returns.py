"""补正 returns (``validate --return-to``): one marked copy or 补正通知 per application with
errors, and the 补正清单, written as one set under the folder's lock.

Every name is planned from the inputs' names before any work (:func:`plan_returns`), so a
folder that already holds any of them is refused at once; every applicant's workbook is
copied and marked in a sandboxed worker (:func:`iipeval.core.intake.sandbox.isolated`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from iipeval.cli.door import Door
from iipeval.core.intake.sandbox import IsolationFailed, isolated
from iipeval.core.model.results import Rejected, Result
from iipeval.core.scoring.params import InputLimits

#: what a 补正通知's name adds to the application file's stem
NOTICE_TAIL = "_补正通知.xlsx"
WORKBOOKS = (".xlsx", ".xlsm")


@dataclass
class Plan:
    """The names of one round's returns: per input, its marked copy (a workbook only) and
    its 补正通知 (notice), and the 补正清单."""

    copies: list[Path | None]
    notices: list[Path]
    checklist: Path


def plan_returns(run: Door, paths: Sequence[Path], directory: Path) -> Plan:
    """Every name a return may take, distinct, and the set opened on them before any work:
    one that exists already, or a folder that is an input's or is locked, is refused."""
    from iipeval.excel.application import returns
    from iipeval.present.names import Names

    names = Names(directory)
    copies: list[Path | None] = []
    notices: list[Path] = []
    for path in paths:
        suffix = path.suffix.lower()
        copies.append(names(path.stem, suffix) if suffix in WORKBOOKS else None)
        notices.append(names(path.stem, NOTICE_TAIL))
    checklist = names(returns.CHECKLIST, ".xlsx")
    every = [p for p in copies if p is not None] + notices + [checklist]
    run.outputs(every, directory, hint="每轮补正请使用新的文件夹")
    return Plan(copies, notices, checklist)


def write_returns(
    run: Door,
    plan: Plan,
    results: Sequence[Result | Rejected],
    deadline: date | None,
    limits: InputLimits | None = None,
    labels: dict[str, dict[str, str]] | None = None,
) -> list[Path]:
    """Write one return per application with errors, and the 补正清单; return the paths.
    ``labels``: criteria set → data-item id → Chinese label, for problems with no cell."""
    from iipeval.excel.application import returns

    cases: list[returns.Case] = []
    writers: dict[Path, object] = {}
    for r, copy, notice in zip(results, plan.copies, plan.notices, strict=True):
        case = _case(r, labels)
        cases.append(case)
        if not case.needs_return:
            continue
        target = None
        if copy is not None and case.readable:
            try:  # the marked copy is made now: if it cannot be, the notice goes instead
                writers[copy] = run.set.stage(copy.suffix, partial(_mark, case, deadline, limits))
                target = copy
            except IsolationFailed as exc:
                case.notes.append(str(exc))
        if target is None:
            target = notice
            writers[notice] = partial(_notice, case, deadline)
        case.returned = str(target)
    writers[plan.checklist] = partial(_checklist, cases, deadline)
    return run.commit(writers)


def _case(r: Result | Rejected, labels: dict[str, dict[str, str]] | None):
    from iipeval.core.voice import exclusion_text
    from iipeval.excel.application import returns

    if isinstance(r, Result):
        case = returns.Case(r.source, r.applicant, r.credit_code, list(r.findings))
        case.labels = (labels or {}).get(r.framework, {})
        case.exclusions = exclusion_text(r.exclusions)
        return case
    return returns.Case(r.source, Path(r.source).name, None, list(r.findings), readable=False)


def _mark(case, deadline: date | None, limits: InputLimits | None, tmp: Path) -> None:
    """The applicant's own workbook, copied and marked, in a sandboxed worker."""
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


def _notice(case, deadline: date | None, tmp: Path) -> None:
    from iipeval.excel.application import returns

    returns.notice_only(tmp, case, deadline)


def _checklist(cases, deadline: date | None, tmp: Path) -> None:
    from iipeval.excel.application import returns

    returns.checklist(tmp, cases, deadline)
