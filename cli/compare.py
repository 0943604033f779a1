"""``iipeval compare``: 补正 resubmissions against the originals (fixed, still open, new, every
changed value). Every applicant's file is opened in a sandboxed worker."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from iipeval.cli import inputs
from iipeval.cli.app import FORMAT, cli, evaluator
from iipeval.cli.verification import _read_application
from iipeval.core.intake.sandbox import IsolationFailed, isolated


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
