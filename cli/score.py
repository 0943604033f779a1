"""``iipeval score``: batch scoring with the panel's reviews, ranked, written safely.

Everything here is plumbing: reading inputs (:mod:`.inputs`), :func:`core.batch.score_batch`
for the work, and :mod:`iipeval.reports` for the files.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from iipeval.core.batch import Batch, ReviewBundle, assemble, index_reviews
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel_record import RECORD_NAME, PanelRecord, RecordError, load_record
from iipeval.core.spool import ResultSpool

from . import inputs, pool, render
from .main import cli, evaluator, registered

OUTPUT_SUFFIXES = (".xlsx", ".json", ".csv")


def _progress_wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def read_reviews(args: tuple[str, ...]) -> list[ReviewBundle]:
    """Expert workbooks and JSON review files, each read into one bundle (never raises)."""
    from iipeval.excel.review_reader import read_reviews as read_one

    bundles = []
    for path in inputs.expand(args):
        if path.exists():
            bundles.append(read_one(path))
        else:
            src = str(path)
            bundles.append(ReviewBundle(src, findings=[_error(src, "not_found", "评分文件不存在")]))
    return bundles


def find_record(given: str | None, review_args: tuple[str, ...]) -> PanelRecord | None:
    """The panel's record: ``--panel-record``, else the one beside the reviews (if any)."""
    if given:
        candidates = [Path(given)]
    else:
        found = set()
        for arg in review_args:
            p = Path(arg)
            folder = p if p.is_dir() else p.parent
            if (folder / RECORD_NAME).is_file():
                found.add((folder / RECORD_NAME).resolve())
        if len(found) > 1:
            raise click.BadParameter(
                f"评分表旁有多份评审组登记：{'、'.join(sorted(map(str, found)))}；"
                "请用 --panel-record 指定本轮的登记",
                param_hint="--panel-record",
            )
        candidates = sorted(found)
    if not candidates:
        return None
    try:
        return load_record(candidates[0])
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None


def _error(src: str, code: str, message: str) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src)


def output_paths(output: str) -> list[Path]:
    """``results.xlsx`` also gets ``results.json`` and ``results.csv`` with the same content."""
    out = Path(output)
    suffix = out.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise click.BadParameter("输出文件须以 .xlsx、.json 或 .csv 结尾", param_hint="-o")
    if suffix == ".xlsx":
        return [out, out.with_suffix(".json"), out.with_suffix(".csv")]
    return [out]


def write_outputs(batch: Batch, paths: list[Path], force: bool, robustness=None) -> None:
    from iipeval.reports import atomic, results_workbook, tabular

    writers = {
        ".xlsx": lambda p: results_workbook.write_results_workbook(
            batch,
            p,
            generated_at=datetime.now().astimezone().replace(microsecond=0),
            robustness=robustness,
        ),
        ".json": lambda p: tabular.write_json(batch, p),
        ".csv": lambda p: tabular.write_csv(batch, p),
    }
    if not force:
        existing = [str(p) for p in paths if p.exists()]
        if existing:
            raise click.UsageError(f"输出文件已存在：{'、'.join(existing)}；如需覆盖请加 --force")
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic.sigterm_raises():
            for p in paths:
                atomic.write_atomic(p, writers[p.suffix.lower()], force=force)
    except atomic.OutputError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--reviews",
    multiple=True,
    help="专家评分表（.xlsx）或评分数据（.json）：文件、文件夹或通配符，可多次指定",
)
@click.option(
    "--panel-record",
    type=click.Path(dir_okay=False),
    help=f"评审组登记（iipeval panel 生成的 {RECORD_NAME}），用于核验专家评分表；"
    "默认取评分表所在文件夹中的登记",
)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@click.option(
    "--params", type=click.Path(dir_okay=False), help="参数文件（TOML），覆盖默认权重与规则参数"
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="结果文件：results.xlsx（同时写出同名 .json 与 .csv）、.json 或 .csv",
)
@click.option("--force", is_flag=True, help="覆盖已存在的结果文件")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="并行处理的进程数（默认：全部 CPU 核心）",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="屏幕输出格式（未指定 -o 时）",
)
@click.option(
    "--robustness",
    is_flag=True,
    help="在结果工作簿中加入“稳健性”表（默认抽样设置，见 iipeval robustness）",
)
def score(
    files, reviews, panel_record, framework, params, output, force, jobs, fmt, robustness
) -> None:
    """对申报（.json / .xlsx，可为文件、文件夹或通配符）评分、汇总专家评分并排名。"""
    ev = evaluator(params)
    targets = output_paths(output) if output else []
    batch = scored_batch(ev, files, reviews, panel_record, framework, jobs)
    analysis = None
    if robustness and any(t.suffix.lower() == ".xlsx" for t in targets):
        from .robustness import analyse_or_fail

        analysis = analyse_or_fail(ev, batch)
    elif robustness:
        click.echo("提示：--robustness 只在输出 .xlsx 结果工作簿时加入“稳健性”表", err=True)

    if targets:
        write_outputs(batch, targets, force, robustness=analysis)
        click.echo(render.batch_summary(batch, targets), err=True)
    elif fmt == "json":
        from iipeval.reports import tabular

        tabular.dump_json(batch, sys.stdout)
    elif fmt == "csv":
        from iipeval.reports import tabular

        sys.stdout.write(tabular.csv_text(batch))
    else:
        click.echo(render.batch_text(batch))
    sys.exit(1 if batch.failed else 0)


def scored_batch(ev, files, reviews, panel_record, framework, jobs) -> Batch:
    """Inputs and reviews read, admitted, scored in the worker pool and ranked: the one
    path every command that scores takes, so reviews are admitted or refused the same way."""
    if framework:
        registered(ev, framework)
    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    record = find_record(panel_record, reviews)
    bundles = read_reviews(reviews)

    index = index_reviews(bundles, record)
    spool = ResultSpool()

    def outcomes(progress=None):
        return pool.run(
            paths,
            params=ev.params,
            index=index,
            framework=framework,
            jobs=jobs,
            progress=progress,
            spool=spool,
            limits=pool.Limits.of(ev.params.input),
        )

    if _progress_wanted():
        with click.progressbar(length=len(paths), label="评分中", file=sys.stderr) as bar:
            return assemble(ev, outcomes(bar.update), bundles, index, spool)
    return assemble(ev, outcomes(), bundles, index, spool)
