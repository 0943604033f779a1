"""``iipeval score``: batch scoring with the panel's reviews, ranked, written safely.

Everything here is plumbing: reading inputs (:mod:`.inputs`), :func:`core.batch.score_batch`
for the work, and :mod:`iipeval.reports` for the files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli, evaluator
from iipeval.cli.robustness import ANALYSIS_KEYS, analysis_options
from iipeval.cli.scoring import PANEL_RECORD, REVIEWS, scored_batch
from iipeval.core.round.batch import Batch


def _write_xlsx(
    batch: Batch,
    path: Path,
    robustness=None,
    generated_at=None,
    cards=None,
    copy: str = "full",
    also=None,
) -> None:
    """``also``: the CSV's rows (a :class:`~iipeval.reports.tabular.RowsAhead`), made in
    the workbook's own pass over the results, so that each result is decoded once."""
    from iipeval.excel.cells.lean import load_openpyxl

    load_openpyxl()  # numpy is not needed here: the workbook holds Python numbers
    from iipeval.reports import results_workbook

    when = generated_at or datetime.now().astimezone().replace(microsecond=0)
    results_workbook.write_results_workbook(
        batch, path, generated_at=when, robustness=robustness, cards=cards, copy=copy, also=also
    )


def _write_publication(batch: Batch, publication, generated_at, path: Path) -> None:
    """The 公示名单; python-docx is loaded only when one is asked for."""
    from iipeval.reports.publication import write_publication

    write_publication(batch, publication, path, generated_at=generated_at)


def _write_json(batch: Batch, path: Path, robustness=None) -> None:
    from iipeval.reports import tabular

    tabular.write_json(batch, path, robustness)


def _write_csv(batch: Batch, path: Path, robustness=None, ahead=None) -> None:
    from iipeval.reports import tabular

    tabular.write_csv(batch, path, ahead)


#: The members of the output set, by suffix: ``results.xlsx`` brings all of them, with the
#: same content and the same run id; ``-o results.json`` or ``.csv`` writes that one only.
MEMBERS = {".xlsx": _write_xlsx, ".json": _write_json, ".csv": _write_csv}


#: the file beside a committee copy that holds the parameters (``results-参数.xlsx``)
PARAMETERS_SUFFIX = "-参数"


def output_paths(output: str, reader: str = "organiser") -> list[Path]:
    """``results.xlsx`` also gets ``results.json`` and ``results.csv`` with the same content;
    for the committee, the parameters go to ``results-参数.xlsx`` beside it."""
    out = Path(output)
    suffix = out.suffix.lower()
    if suffix not in MEMBERS:
        raise click.BadParameter("输出文件须以 .xlsx、.json 或 .csv 结尾", param_hint="-o")
    if suffix == ".xlsx":
        members = [out.with_suffix(s) if s != ".xlsx" else out for s in MEMBERS]
        if reader == "committee":
            members.insert(1, out.with_name(out.stem + PARAMETERS_SUFFIX + ".xlsx"))
        return members
    return [out]


def _copy(path: Path, reader: str) -> str:
    """Which copy of the results workbook ``path`` is: for the committee the workbook leaves
    out the parameters, and the ``-参数.xlsx`` beside it holds them alone."""
    if reader != "committee":
        return "full"
    return "parameters" if path.stem.endswith(PARAMETERS_SUFFIX) else "committee"


def run_id(batch: Batch) -> str:
    """The id every member of one output set carries: derived from the batch's content, so
    a rerun on the same inputs writes the same bytes, and a set whose members disagree is
    visibly mixed. The batch is hashed as it is written out, never held whole as text."""
    from iipeval.reports import tabular

    h = hashlib.sha256()
    tabular.write_head(batch, lambda text: h.update(text.encode("utf-8")))
    for s in batch.standings:
        row = [
            v if not isinstance(v, Mapping | set | frozenset) else _plain(v)
            for v in (getattr(s, f.name) for f in dataclasses.fields(s))
        ]
        h.update(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8", "replace"))
    return h.hexdigest()[:12]


def _plain(v):
    return sorted(v.items()) if isinstance(v, Mapping) else sorted(v)


def _analysis_options_need_robustness(robustness: bool, ahp) -> None:
    """An analysis option given without --robustness would silently do nothing: refused."""
    ctx = click.get_current_context()
    given = [
        f"--{k.replace('_', '-')}"
        for k in (*ANALYSIS_KEYS, "ahp")
        if ctx.get_parameter_source(k) is click.core.ParameterSource.COMMANDLINE
    ]
    if given and not robustness:
        raise click.UsageError(f"{'、'.join(given)} 只在加 --robustness 时使用")


@door.command(cli)
@click.argument("files", nargs=-1, type=door.InputArgs())
@REVIEWS
@PANEL_RECORD
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@click.option(
    "--params",
    multiple=True,
    type=door.InputFile(),
    help="参数文件（TOML），覆盖默认权重与规则参数；可多次指定，同一键只能在一个文件中设置",
)
@click.option(
    "-o",
    "--output",
    type=door.OutputPath(),
    help="结果文件：results.xlsx（同时写出同名 .json 与 .csv）、.json 或 .csv",
)
@click.option("--force", is_flag=True, help="覆盖已存在的结果文件")
@click.option("--generated-at", hidden=True, help="结果记录的生成时间（供 iipeval reproduce 使用）")
@inround.AWAITING
@click.option(
    "--verified",
    multiple=True,
    type=door.InputArgs(),
    help="调研核查表（iipeval verification 生成并填写）：文件或文件夹，按核查值计分",
)
@click.option(
    "--publish",
    type=door.OutputPath(),
    help="同时写出公示名单（.docx，与结果同一文件夹）：拟推荐名单，公示期等取自参数文件的 [publication]",
)
@click.option(
    "--cards/--no-cards",
    default=None,
    help="结果工作簿是否附逐份评分卡（默认：不超过100份申报时附）",
)
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
    help="在结果工作簿中加入“稳健性”表；抽样设置与 iipeval robustness 相同（下列选项）",
)
@analysis_options
@click.option(
    "--for",
    "reader",
    type=click.Choice(["organiser", "committee"]),
    default="organiser",
    show_default=True,
    help="结果工作簿的版本：organiser 为组织方完整版（含“参数”表）；committee 为评审委员会版，"
    "不含“参数”表，参数另写入同名的“-参数.xlsx”文件",
)
def score(
    run: door.Door,
    files,
    reviews,
    panel_record,
    framework,
    params,
    output,
    force,
    generated_at,
    awaiting,
    verified,
    publish,
    cards,
    jobs,
    fmt,
    robustness,
    reader,
    ahp,
    **options,
) -> None:
    """对申报（.json / .xlsx，可为文件、文件夹或通配符）评分、汇总专家评分并排名。"""
    _analysis_options_need_robustness(robustness, ahp)
    files, reviews, panel_record, verified, params = inround.scoring_inputs(
        run, files, reviews, panel_record, verified, params
    )
    output, publish = _in_round_outputs(run, output, publish, fmt)
    ev = evaluator(params)
    targets = _targets(output, publish, reader)
    command = dict(files=files, reviews=reviews, verified=verified, framework=framework)
    command |= dict(panel_record=panel_record, params=params, output=output, publish=publish)
    command |= dict(robustness=robustness, cards=cards, reader=reader)
    command |= dict(waived=inround.awaiting(run, awaiting))
    if robustness:
        from iipeval.cli.robustness import settings_of

        settings_of(options, ahp)  # a bad combination stops before any work
        command |= dict(analysis={k: options.get(k) for k in ANALYSIS_KEYS}, ahp=ahp)
    if targets:  # the run's record (core/round/manifest.py): the last member of the set
        from iipeval.cli.record import input_records, manifest_target, run_time

        manifest = manifest_target(targets[0], force)
        now = run_time(generated_at)
        run.outputs([*targets, manifest])  # before any work: existing, locked, unwritable
        read = input_records(run.names, command)  # hashed before scoring: what this run reads
    batch = scored_batch(
        run, ev, files, reviews, panel_record, framework, jobs, verified, command["waived"]
    )
    analysis = _analysis(run, ev, batch, robustness, targets, options, ahp, read if targets else ())
    if targets:
        from iipeval.cli.record import manifest_writer

        batch.run_id = run_id(batch)
        writers = _writers(batch, targets, ev, now, analysis, cards, reader)
        # --- manifest: the record of this run, the last member of its output set ---
        run.commit(manifest_writer(run, ev, batch, now, writers, manifest, command, read, analysis))
        targets.append(manifest)
    _report(batch, targets, publish, fmt)
    sys.exit(1 if batch.failed else 0)


def _in_round_outputs(run: door.Door, output, publish, fmt: str) -> tuple:
    """Inside a round, a run not told where keeps its outputs in 9-结果/第N次/, and a bare
    ``--publish`` name goes beside them."""
    if run.round is not None and not output and fmt == "text":
        output = inround.next_results(run)
        if publish and Path(publish).name == publish:
            publish = str(Path(output).parent / publish)
    return output, publish


def _targets(output: str | None, publish: str | None, reader: str) -> list[Path]:
    """The files of the output set (without the manifest), checked before any work."""
    targets = output_paths(output, reader) if output else []
    if publish:  # 公示名单: reports/publication.py, a member of the output set
        if not output or Path(publish).suffix.lower() != ".docx":
            raise click.BadParameter(
                "公示名单须以 .docx 结尾，并同时用 -o 写出结果", param_hint="--publish"
            )
        if Path(publish).resolve().parent != Path(output).resolve().parent:
            raise click.BadParameter("公示名单须与结果文件在同一文件夹", param_hint="--publish")
        targets.append(Path(output).parent / Path(publish).name)
    return targets


def _analysis(run, ev, batch: Batch, robustness: bool, targets, options, ahp, read):
    """The 稳健性 sheet's analysis, when asked for and a results workbook is written."""
    if robustness and any(t.suffix.lower() == ".xlsx" for t in targets):
        from iipeval.cli.robustness import analysed

        return analysed(run, ev, batch, options, ahp, read)
    if robustness:
        render.echo("提示：--robustness 只在输出 .xlsx 结果工作簿时加入“稳健性”表", err=True)
    return None


def _writers(batch: Batch, targets, ev, now, analysis, cards, reader: str) -> dict:
    """One writer per member of the set, by suffix. With a CSV in the set, the first
    workbook that lists the results makes the CSV's rows in its own pass (each result is
    decoded once); the CSV reads the results itself if they are not ready."""
    listing = [
        p for p in targets if p.suffix.lower() == ".xlsx" and _copy(p, reader) != "parameters"
    ]
    ahead = None
    if listing and any(p.suffix.lower() == ".csv" for p in targets):
        from iipeval.reports.tabular import RowsAhead

        ahead = RowsAhead()
    writers = {}
    for p in targets:
        kind = p.suffix.lower()
        if kind == ".docx":
            writers[p] = partial(_write_publication, batch, ev.params.publication, now)
        elif kind == ".xlsx":
            also = ahead if p == listing[0] else None
            writers[p] = partial(
                _write_xlsx,
                batch,
                robustness=analysis,
                generated_at=now,
                cards=cards,
                copy=_copy(p, reader),
                also=also,
            )
        elif kind == ".csv":
            writers[p] = partial(_write_csv, batch, robustness=analysis, ahead=ahead)
        else:
            writers[p] = partial(MEMBERS[kind], batch, robustness=analysis)
    return writers


def _report(batch: Batch, targets: list[Path], publish: str | None, fmt: str) -> None:
    """What the terminal shows: the summary and files written, or the results themselves."""
    if publish:
        from iipeval.reports.publication import undecided

        if tied := undecided(batch):
            render.echo(
                f"注意：{'、'.join(tied)}在推荐名额边界同分（待定），未列入公示名单；"
                "请组织方裁定（或在参数中写明同分比较顺序）后重新生成",
                err=True,
            )
    if targets:
        render.echo(render.batch_summary(batch, targets), err=True)
    elif fmt == "json":
        from iipeval.reports import tabular

        tabular.dump_json(batch, sys.stdout)
    elif fmt == "csv":
        from iipeval.reports import tabular

        sys.stdout.write(tabular.csv_text(batch))
    else:
        render.echo(render.batch_text(batch))
