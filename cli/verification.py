"""``iipeval verification`` (调研核查): one 核查表 per application, and the filled sheets
read back for ``score --verified``. Every applicant's file is read in the sandbox through
the door (:mod:`.door`); the sheets are written as one set under the folder's lock."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import cli, evaluator

#: what a 核查表's name adds to the application file's stem
TAIL = "_核查表.xlsx"
#: files read as 核查表 under ``--verified``: a sheet re-saved as .xls is named and refused,
#: never skipped in silence
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@door.command(cli)
@click.argument("files", nargs=-1, required=True, type=door.InputArgs())
@click.option(
    "-o", "--output", required=True, type=door.OutputPath(folder=True), help="核查表写入的文件夹"
)
def verification(run: door.Door, files, output) -> None:
    """调研核查：为每个申报生成一份核查表（申报值，及核查值、依据、备注、核查人、日期栏）。"""
    from iipeval.excel import intake
    from iipeval.present.names import Names

    ev = evaluator()
    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    names = Names(Path(output))
    planned = {path: names(path.stem, TAIL) for path in paths}  # known before any work
    run.outputs(list(planned.values()), Path(output), hint="请换一个文件夹")
    writers, failed = {}, 0
    read = intake.applications_hashed(paths, params=ev.params, loaded=ev)
    for path, (loaded, digest) in zip(paths, read, strict=True):
        writer = _sheet_writer(ev, path, loaded, digest)
        if writer is None:
            failed += 1
        else:
            writers[planned[path]] = writer
    run.commit(writers)
    render.echo(f"已生成核查表 {len(writers)} 份，写入 {output}", err=True)
    sys.exit(1 if failed else 0)


def _sheet_writer(ev, path: Path, loaded, digest: str):
    """The writer of one application's 核查表, or ``None`` (and why, printed)."""
    from iipeval.core.panel.bundle import application_key

    shown = door.shown(path)
    if loaded.submission is None:
        problems = "；".join(f.message for f in loaded.findings) or "无法读取"
        render.echo(f"{shown}：无法读取，未生成核查表（{problems}）", err=True)
        return None
    app = loaded.submission.application
    if app.framework not in ev.host.frameworks:
        render.echo(f"{shown}：评价体系 {app.framework} 未加载，未生成核查表", err=True)
        return None
    fw = ev.framework(app.framework).framework
    hints = _warnings(ev.score_loaded(loaded))
    key = application_key(app)
    return partial(_write, fw=fw, app=app, key=key, source=shown, digest=digest, hints=hints)


def _write(tmp: Path, *, fw, app, key: str, source: str, digest: str, hints) -> None:
    from iipeval.excel.verification import sheet

    sheet.write_sheet(tmp, fw, app, key, source, digest, hints)


def _warnings(result) -> dict[str, list[str]]:
    """What 符合性审查 warned about (or refused), by data item: the 核查表 marks it."""
    from iipeval.core.findings import Severity

    out: dict[str, list[str]] = {}
    for f in result.findings:
        if f.item and f.severity in (Severity.error, Severity.warning):
            out.setdefault(f.item, []).append(f.message)
    return out


def read_verified(paths: Sequence[Path], ev) -> tuple[dict, list]:
    """Every 核查表 among ``paths`` (the door expanded them), read in the sandbox, then
    admitted by :func:`iipeval.core.round.verification.admit`: (by application key, findings)."""
    from iipeval.core.round.verification import admit
    from iipeval.excel import intake
    from iipeval.excel.verification.sheet import read_verification

    sheets = [p for p in paths if p.suffix.lower() in SHEET_SUFFIXES]
    reader = partial(read_verification, ev=ev, limits=ev.params.input)  # guards on its own
    read = intake.files(reader, sheets, limits=ev.params.input, guarded=True)
    return admit(
        (door.shown(path), value if problem is None else problem)
        for path, (value, problem) in zip(sheets, read, strict=True)
    )


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
