"""``iipeval compare``: 补正 resubmissions against the originals (fixed, still open, new, every
changed value). Every applicant's file is read in the sandbox through the door."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import FORMAT, cli, evaluator

#: the report's forms, by suffix
SUFFIXES = (".xlsx", ".json")


def _versions(paths: Sequence[Path], ev) -> list:
    """Every application in ``paths``, read in the sandbox and checked as validate does."""
    from iipeval.core.round.compare import Version
    from iipeval.excel import intake

    out = []
    for path, loaded in zip(
        paths, intake.applications(paths, params=ev.params, loaded=ev), strict=True
    ):
        result = ev.score_loaded(loaded)
        app = loaded.submission.application if loaded.submission else None
        fw = None
        if app is not None and app.framework in ev.host.frameworks:
            fw = ev.framework(app.framework).framework
        out.append(Version(door.shown(path), app, fw, list(result.findings)))
    return out


@door.command(cli)
@click.argument("old", required=False, type=door.InputArgs())
@click.argument("new", required=False, type=door.InputArgs())
@FORMAT
@click.option("-o", "--output", type=door.OutputPath(), help="比对报告：.xlsx 或 .json 文件")
@click.option("--force", is_flag=True, help="覆盖已存在的报告")
def compare(run: door.Door, old, new, fmt, output, force) -> None:
    """补正比对：新旧两批申报中已改正、仍未改正和新出现的问题，以及全部数值变化。

    OLD 与 NEW 为文件或文件夹；同一申报先按统一社会信用代码、再按名称匹配。未被要求补正的数值变化标为需关注。
    评审轮次中不给 OLD、NEW 时，比对每份补正后重新提交的申报与其上一版。
    """
    from iipeval.core.round.compare import compare as run_compare
    from iipeval.core.round.compare import comparison_json
    from iipeval.reports import compare_report

    target = Path(output) if output else None
    if target is not None:
        if target.suffix.lower() not in SUFFIXES:
            raise click.BadParameter("比对报告须以 .xlsx 或 .json 结尾", param_hint="-o")
        run.outputs([target])  # before any work: existing, locked, on an input
    olds, news = inround.compare_inputs(run, old, new)
    ev = evaluator()
    before, after = _versions(run.expand(olds), ev), _versions(run.expand(news), ev)
    if not before or not after:
        raise click.UsageError("OLD 与 NEW 中都须有可读取的输入文件（.json、.xlsx）")
    result = run_compare(before, after)
    if target is not None:
        if target.suffix.lower() == ".xlsx":
            writer = lambda tmp: compare_report.write_xlsx(result, tmp)  # noqa: E731
        else:
            writer = door.text_writer(compare_report.dumps(comparison_json(result)))
        run.commit({target: writer})
    if fmt == "json":
        render.echo(compare_report.dumps(comparison_json(result)))
    else:
        render.echo(compare_report.text(result))
    sys.exit(0 if result.resolved else 1)
