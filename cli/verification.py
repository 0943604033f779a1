"""``iipeval verification`` (调研核查): one signed 核查表 per application, recorded in the
round's ledger beside its record, and the filled sheets read back and admitted for ``score
--verified``. Every applicant's file is read in the sandbox through the door
(:mod:`.door`); the sheets are written as one set under the folder's lock."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli, evaluator

#: what a 核查表's name adds to the application file's stem
TAIL = "_核查表.xlsx"
#: files read as 核查表 under ``--verified``: a sheet re-saved as .xls is named and refused,
#: never skipped in silence
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@door.command(cli)
@click.argument("files", nargs=-1, type=door.InputArgs())
@click.option(
    "--panel-record",
    type=door.InputFile(),
    help="评审组登记（iipeval panel --record 写出的文件，仅组织方可读）：核查表以本轮签名密钥签名，"
    "并记入登记旁的核查表登记",
)
@click.option(
    "-o",
    "--output",
    type=door.OutputPath(folder=True),
    help="核查表写入的文件夹（评审轮次中默认为 5-核查表）",
)
def verification(run: door.Door, files, panel_record, output) -> None:
    """调研核查：为每个申报生成一份签名的核查表（申报值，及核查值、依据、备注、核查人、日期栏）。

    \b
    iipeval verification 申报/ --panel-record ~/私密/第一轮登记.json -o 核查表/
    """
    from iipeval.core.panel.location import ledger_location
    from iipeval.core.round.site_checks import LedgerError, load_ledger, record_issued
    from iipeval.excel import intake
    from iipeval.present.names import Names

    files, panel_record, output = inround.verification_inputs(run, files, panel_record, output)
    ev = evaluator()
    record = _record(panel_record)
    ledger = ledger_location(panel_record)
    try:
        load_ledger(ledger, record)  # a ledger that cannot be used stops here, before any work
    except LedgerError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None
    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    names = Names(Path(output))
    planned = {path: names(path.stem, TAIL) for path in paths}  # known before any work
    run.outputs(list(planned.values()), Path(output), hint="请换一个文件夹")
    writers, issued, failed = {}, [], 0
    read = intake.applications_hashed(paths, params=ev.params, loaded=ev)
    for path, (loaded, digest) in zip(paths, read, strict=True):
        made = _sheet_writer(ev, path, loaded, digest, planned[path], record)
        if made is None:
            failed += 1
        else:
            writers[planned[path]], sheet = made
            issued.append(sheet)
    try:  # recorded first: a sheet the ledger does not list would never be admitted
        record_issued(ledger, record, issued)
    except LedgerError as exc:
        from iipeval.present.atomic import OutputError

        raise OutputError(str(exc)) from None
    run.commit(writers)
    made = f"已生成核查表 {len(writers)} 份，写入 {output}"
    if run.round is None:
        render.echo(
            f"{made}；已记入核查表登记 {door.shown(ledger)}"
            "（与评审组登记一同保存，评分时 --verified 须同时用 --panel-record 指定该评审组登记）",
            err=True,
        )
    else:  # the round keeps the ledger; the sheets come back through 受理
        render.echo(
            f"{made}；核查表登记由本轮保存。下一步：核查组现场填写后交回，"
            "在本轮文件夹中运行 iipeval receive 交回的核查表… 受理，评分时自动采用",
            err=True,
        )
    sys.exit(1 if failed else 0)


def _record(given: str):
    """The round's record, through the one door every command that reads one uses
    (:mod:`iipeval.core.panel.location`): refused, with the reason, when it cannot be."""
    from iipeval.core.panel.location import record_location
    from iipeval.core.panel.record import RecordError, load_record

    try:
        return load_record(record_location(given))
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None


def _sheet_writer(ev, path: Path, loaded, digest: str, target: Path, record):
    """The writer of one application's signed 核查表 and what the ledger records of it, or
    ``None`` (and why, printed)."""
    from iipeval.core.panel.bundle import application_key
    from iipeval.core.round.site_checks import IssuedSheet, new_sheet_id
    from iipeval.excel.verification.layout import APPLICANT, APPLICANT_FIELDS

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
    sheet = IssuedSheet(
        id=new_sheet_id(),
        file=target.name,
        framework=fw.id,
        key=application_key(app),
        applicant=app.applicant.name,
        source=door.shown(path.name),
        source_sha256=digest,
        items=[*(f"{APPLICANT}{f}" for f in APPLICANT_FIELDS), *(i.id for i in fw.items)],
    )
    writer = partial(_write, fw=fw, app=app, sheet=sheet, record=record, hints=hints)
    return writer, sheet


def _write(tmp: Path, *, fw, app, sheet, record, hints) -> None:
    from iipeval.excel.verification import sheet as writer

    writer.write_sheet(tmp, fw, app, sheet, record, hints)


def _warnings(result) -> dict[str, list[str]]:
    """What 符合性审查 warned about (or refused), by data item: the 核查表 marks it."""
    from iipeval.core.findings import Severity

    out: dict[str, list[str]] = {}
    for f in result.findings:
        if f.item and f.severity in (Severity.error, Severity.warning):
            out.setdefault(f.item, []).append(f.message)
    return out


def read_verified(paths: Sequence[Path], ev, record) -> tuple[dict, list]:
    """Every 核查表 among ``paths`` (the door expanded them), read in the sandbox, then
    admitted against the round's record and its ledger of 核查表 by
    :func:`iipeval.core.round.verification.admit`: (by application key, findings)."""
    from iipeval.core.panel.location import ledger_location
    from iipeval.core.round.site_checks import LedgerError, load_ledger
    from iipeval.core.round.verification import admit
    from iipeval.excel import intake
    from iipeval.excel.verification.reader import read_verification

    try:
        ledger = load_ledger(ledger_location(record.source), record)
    except LedgerError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None
    sheets = [p for p in paths if p.suffix.lower() in SHEET_SUFFIXES]
    reader = partial(read_verification, ev=ev, limits=ev.params.input)  # guards on its own
    read = intake.files(reader, sheets, limits=ev.params.input, guarded=True)
    return admit(
        ((door.shown(path), value if problem is None else problem)
         for path, (value, problem) in zip(sheets, read, strict=True)),
        record,
        ledger,
    )  # fmt: skip


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
