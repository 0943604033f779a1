"""The round after 符合性审查: 补正 returns (``validate --return-to``), and the commands
``compare``, ``verification`` and ``reproduce`` when they are loaded.

Every applicant's file opened here is opened in a sandboxed worker through
:func:`isolated`, the one place to switch when the sandbox moves into the library.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from iipeval.cli import inputs
from iipeval.cli.main import FORMAT, cli, evaluator
from iipeval.core.model.results import Rejected, Result
from iipeval.core.scoring.params import InputLimits


class IsolationFailed(Exception):
    """The worker died, overran or ran out of memory; the message is for the user."""


def isolated(fn: Callable[..., Any], *args: Any, limits: InputLimits | None = None) -> Any:
    """Run ``fn(*args)`` on an applicant's file in a sandboxed worker (:mod:`iipeval.core.intake.sandbox`:
    memory limit, deadline, a crash costs only this file); the one place this module calls it."""
    from iipeval.core.intake import sandbox

    job = sandbox.Job(  # the call travels with the forked worker; only its result is sent
        task=lambda _state, _item: ("ok", fn(*args)),
        fail=lambda _item, _code, message: ("error", message),
        limits=sandbox.Limits.of(limits or InputLimits()),
    )
    [(_, (status, value))] = list(sandbox.run_in_workers([0], job, jobs=1))
    if status != "ok":
        raise IsolationFailed(value)
    return value


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


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_application(path: Path, ev):
    from iipeval.excel.intake import read_application

    return read_application(path, ev)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(file_okay=False), help="核查表写入的文件夹"
)
def verification(files, output) -> None:
    """调研核查：为每个申报生成一份核查表（申报值，及核查值、依据、备注、核查人、日期栏）。"""
    from iipeval.core.round.batch import application_key
    from iipeval.excel.verification import sheet
    from iipeval.present import atomic

    ev = evaluator()
    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    directory = Path(output)
    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    written, failed = 0, 0
    for path in paths:
        try:
            loaded = isolated(_read_application, path, ev, limits=ev.params.input)
        except IsolationFailed as exc:
            click.echo(f"{path}：{exc}", err=True)
            failed += 1
            continue
        if loaded.submission is None:
            problems = "；".join(f.message for f in loaded.findings) or "无法读取"
            click.echo(f"{path}：无法读取，未生成核查表（{problems}）", err=True)
            failed += 1
            continue
        app = loaded.submission.application
        try:
            fw = ev.framework(app.framework).framework
        except Exception:
            click.echo(f"{path}：评价体系 {app.framework} 未加载，未生成核查表", err=True)
            failed += 1
            continue
        target = _unique(directory, sheet.file_name(path), taken)
        digest = sha256_file(path)
        key = application_key(app)
        try:
            atomic.write_atomic(
                target,
                lambda tmp, a=app, f=fw, p=path, k=key, d=digest: sheet.write_sheet(
                    tmp, f, a, k, str(p), d
                ),
                force=False,
            )
        except atomic.OutputError as exc:
            raise click.UsageError(str(exc)) from None
        written += 1
    click.echo(f"已生成核查表 {written} 份，写入 {directory}", err=True)
    sys.exit(1 if failed else 0)


def read_verified(args: Sequence[str], ev) -> tuple[dict, list]:
    """Every 核查表 under ``args``, each read in the sandbox, then admitted by
    :func:`iipeval.core.round.verification.admit`: (by application key, findings)."""
    from iipeval.core.round.verification import admit
    from iipeval.excel.verification.sheet import read_verification

    def each():
        for path in inputs.expand(args):
            if path.suffix.lower() != ".xlsx":
                continue
            try:
                yield (
                    str(path),
                    isolated(read_verification, path, ev, ev.params.input, limits=ev.params.input),
                )
            except IsolationFailed as exc:
                yield str(path), str(exc)

    return admit(each())


def unmatched_verifications(by_key: dict, standings) -> list:
    """核查表 for applications that are not in this batch."""
    from iipeval.core.findings import Finding, Severity
    from iipeval.core.round.batch import normal_key
    from iipeval.core.round.ranking import result_key

    present = {normal_key(result_key(s)) for s in standings}
    return [
        Finding(
            severity=Severity.warning,
            code="verification_unknown_application",
            file=v.source,
            message=f"核查表对应的申报“{v.applicant}”不在本批申报中，已忽略",
        )
        for key, v in sorted(by_key.items())
        if key not in present
    ]


# 补正 resubmissions compared ------------------------------------------------------------------


def _versions(args: Sequence[str], ev) -> list:
    """Every application under ``args``, read in the sandbox and checked as validate does."""
    from iipeval.core.findings import Finding, Severity
    from iipeval.core.round.compare import Version

    out = []
    for path in inputs.expand(args):
        try:
            loaded = isolated(_read_application, path, ev, limits=ev.params.input)
        except IsolationFailed as exc:
            failure = Finding(
                severity=Severity.error, code="unreadable", message=str(exc), file=str(path)
            )
            out.append(Version(str(path), None, None, [failure]))
            continue
        result = ev.score_loaded(loaded)
        app = loaded.submission.application if loaded.submission else None
        fw = None
        if app is not None and app.framework in ev.host.frameworks:
            fw = ev.framework(app.framework).framework
        out.append(Version(str(path), app, fw, list(result.findings)))
    return out


@cli.command()
@click.argument("old", nargs=1)
@click.argument("new", nargs=1)
@FORMAT
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="比对报告：.xlsx 或 .json 文件"
)
@click.option("--force", is_flag=True, help="覆盖已存在的报告")
def compare(old, new, fmt, output, force) -> None:
    """补正比对：新旧两批申报中已改正、仍未改正和新出现的问题，以及全部数值变化。

    OLD 与 NEW 为文件或文件夹；同一申报先按统一社会信用代码、再按名称匹配。未被要求补正的数值变化标为需关注。
    """
    from iipeval.core.round.compare import compare as run
    from iipeval.core.round.compare import comparison_json
    from iipeval.present import atomic
    from iipeval.reports import compare_report

    ev = evaluator()
    before, after = _versions([old], ev), _versions([new], ev)
    if not before or not after:
        raise click.UsageError("OLD 与 NEW 中都须有可读取的输入文件（.json、.xlsx）")
    result = run(before, after)
    if output:
        target = Path(output)
        suffix = target.suffix.lower()
        if suffix not in (".xlsx", ".json"):
            raise click.BadParameter("比对报告须以 .xlsx 或 .json 结尾", param_hint="-o")
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = (
            (lambda tmp: compare_report.write_xlsx(result, tmp))
            if suffix == ".xlsx"
            else (
                lambda tmp: tmp.write_text(compare_report.dumps(comparison_json(result)), "utf-8")
            )
        )
        try:
            atomic.write_atomic(target, writer, force=force)
        except atomic.OutputError as exc:
            raise click.UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(compare_report.dumps(comparison_json(result)))
    else:
        click.echo(compare_report.text(result))
    sys.exit(0 if result.resolved else 1)
