"""``iipeval verification`` (调研核查): one 核查表 per application, and the filled sheets
read back for ``score --verified``. Every applicant's file is opened in a sandboxed worker."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from iipeval.cli import inputs
from iipeval.cli.app import cli, evaluator
from iipeval.cli.returns import _unique
from iipeval.core.intake.sandbox import IsolationFailed, isolated


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
    from iipeval.core.panel.bundle import application_key
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
