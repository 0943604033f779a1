"""``iipeval weights derive``: the experts' filled questionnaires → each CR → the group's weights."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import FORMAT, evaluator
from iipeval.cli.weights.group import METHOD_OPTION, RI_OPTION, SAATY_OPTION, weights
from iipeval.cli.weights.io import (
    check_parameters,
    fail,
    parameters_text,
    questionnaire_roster,
    questionnaire_set,
    questionnaire_settings,
    read_questionnaires,
    report_findings,
)
from iipeval.core import __version__
from iipeval.core.analysis.ahp_scale import (
    GROUP_METHODS,
    AHPError,
)
from iipeval.core.text import fmt as fmt_number  # ``fmt`` is the --format option here


@door.command(weights)
@click.argument("questionnaires", nargs=-1, required=True, type=door.InputArgs())
@click.option(
    "-o",
    "--output",
    required=True,
    type=door.OutputPath(),
    help="输出的参数文件（.toml），可直接用于 score --params",
)
@click.option(
    "--panel",
    "panel_file",
    type=door.InputFile(),
    help="评审组文件：只采用其中专家的调查表",
)
@METHOD_OPTION
@click.option(
    "--aggregation",
    type=click.Choice(GROUP_METHODS),
    default="AIJ",
    show_default=True,
    help="群组汇总：AIJ 判断矩阵几何平均；AIP 权重向量几何平均",
)
@RI_OPTION
@SAATY_OPTION
@click.option(
    "--threshold",
    type=door.Finite(min=0, min_open=True, max=1),
    default=None,
    help="CR 通过阈值（默认取调查表生成时的设置，通常为 0.1）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def derive(
    run: door.Door,
    questionnaires,
    output,
    panel_file,
    method,
    aggregation,
    ri,
    threshold,
    saaty,
    force,
    fmt,
):
    """读取专家交回的调查表（文件、文件夹或通配符），计算各专家 CR 与群组权重，写出参数文件。"""
    from iipeval.core.analysis.ahp_round import admit, origin
    from iipeval.core.analysis.ahp_round import derive as run_round
    from iipeval.excel.questionnaire.reader import judgements

    run.outputs([Path(output)])  # before any work: existing, locked, onto a questionnaire
    ev = evaluator()
    read = read_questionnaires(run, questionnaires, ev)
    fw, st = questionnaire_set(read, ev)
    ri, threshold, saaty = questionnaire_settings(read, ri, threshold, saaty)
    roster = questionnaire_roster(panel_file, read)
    done = admit([(f.source, *judgements(f, fw)) for f in read], roster)
    report_findings(done.findings)
    if done.missing:
        render.echo(f"未交回可用调查表的专家：{'、'.join(done.missing)}", err=True)
    if not done.usable:
        fail("没有可用的调查表：请按上面列出的单元格补正后重新汇总")
    settings = dict(method=method, aggregation=aggregation, ri=ri, threshold=threshold)
    try:
        result = run_round(fw, done.usable, saaty=saaty, **settings)
    except AHPError as exc:
        fail(str(exc), 2)
    _say_excluded(result, threshold, saaty)
    if result.problems:
        for p in result.problems:
            render.echo(f"错误：{p}", err=True)
        raise SystemExit(1)
    prov = origin(
        fw,
        result,
        done.usable,
        subtype=st or None,
        rejected=done.rejected,
        tool_version=__version__,
        saaty=saaty,
        missing=done.missing,
        **settings,
    )
    headline = f"{fw.name}{'（' + st + '）' if st else ''}：层次分析法群组权重"
    text = parameters_text(fw.id, result.points, st or None, prov, headline)
    check_parameters(text, fw, st or None)
    run.commit({Path(output): door.text_writer(text)})
    _print_result(result, prov, output, fmt)
    sys.exit(1 if done.rejected else 0)


def _say_excluded(result, threshold, saaty) -> None:
    from iipeval.core.analysis.ahp_round import repair_text
    from iipeval.core.analysis.ahp_scale import cr_limit

    for g in result.groups:
        where = "维度" if not g.level else f"维度“{g.title}”下的指标"
        for v in g.excluded:
            gci = f"，GCI={fmt_number(v.result.gci, 4)}" if v.result.gci is not None else ""
            limit = fmt_number(cr_limit(v.result.n, threshold, saaty), 4)
            render.echo(
                f"需调整：{where}，专家 {v.expert} 的 CR={fmt_number(v.result.cr, 4)}（≥{limit}）"
                f"{gci}，未计入；{repair_text(g, v, threshold)}",
                err=True,
            )


def _print_result(result, prov, output, fmt) -> None:
    if fmt == "json":
        render.echo(render.dumps({"weights": result.points, "origin": prov}))
        return
    for g in result.groups:
        where = "维度" if not g.level else g.title
        c = g.group
        crs = fmt_number(c.cr if c else None, 4)
        gci = f"，GCI={fmt_number(c.gci, 4)}" if c is not None and c.gci is not None else ""
        render.echo(
            f"{where}：{len(g.included)}位专家计入，{len(g.excluded)}位未计入，群组 CR={crs}{gci}"
        )
    render.echo(f"已写出 {output}（可用于 iipeval score --params {output}）", err=True)
