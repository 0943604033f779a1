"""``iipeval weights derive``: the experts' filled questionnaires → each CR → the group's weights."""

from __future__ import annotations

import math
import sys

import click

from iipeval.cli import inputs, render
from iipeval.cli.app import FORMAT, evaluator, registered
from iipeval.cli.weights.group import METHOD_OPTION, RI_OPTION, SAATY_OPTION, weights
from iipeval.cli.weights.io import (
    check_parameters,
    fail,
    isolated,
    parameters_text,
    refuse_existing,
    write_output,
)
from iipeval.core import __version__
from iipeval.core.analysis.ahp_scale import (
    GROUP_METHODS,
    RI_TABLES,
    AHPError,
)
from iipeval.core.text import fmt as fmt_number  # ``fmt`` is the --format option here


@weights.command()
@click.argument("questionnaires", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="输出的参数文件（.toml），可直接用于 score --params",
)
@click.option(
    "--panel",
    "panel_file",
    type=click.Path(dir_okay=False),
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
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=None,
    help="CR 通过阈值（默认取调查表生成时的设置，通常为 0.1）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def derive(
    questionnaires, output, panel_file, method, aggregation, ri, threshold, saaty, force, fmt
):
    """读取专家交回的调查表（文件、文件夹或通配符），计算各专家 CR 与群组权重，写出参数文件。"""
    from iipeval.core.analysis.ahp_round import admit, origin
    from iipeval.core.analysis.ahp_round import derive as run_round
    from iipeval.excel.questionnaire.reader import judgements

    refuse_existing(output, force)
    ev = evaluator()
    read = _read_all(questionnaires, ev)
    fw, st = _one_set(read, ev)
    ri, threshold, saaty = _settings(read, ri, threshold, saaty)
    roster = _roster(panel_file, read)
    done = admit([(f.source, *judgements(f, fw)) for f in read], roster)
    _report_findings(done.findings)
    if done.missing:
        click.echo(f"未交回可用调查表的专家：{'、'.join(done.missing)}", err=True)
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
            click.echo(f"错误：{p}", err=True)
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
    write_output(output, text, force)
    _print_result(result, prov, output, fmt)
    sys.exit(1 if done.rejected else 0)


def _read_all(questionnaires, ev) -> list:
    """Every questionnaire read in the sandbox; a file that cannot be read is a finding."""
    from iipeval.excel.questionnaire.reader import Filled, read_questionnaire

    paths = [p for p in inputs.expand(questionnaires) if p.suffix.lower() != ".json"]
    if not paths:
        raise click.UsageError("没有找到调查表（.xlsx）")
    read = []
    for p in paths:
        if not p.exists():
            read.append(Filled(str(p), findings=[_err(str(p), "not_found", "文件不存在")]))
            continue
        value, problem = isolated(read_questionnaire, p, ev.params.input)
        if value is None:
            value = Filled(str(p), findings=[_err(str(p), "unreadable", problem)])
        read.append(value)
    return read


def _one_set(read, ev):
    """The criteria set (and sub-type) the questionnaires name: they must agree."""
    sets = {(f.fact("framework"), f.fact("subtype")) for f in read if f.ok}
    if len(sets) > 1:
        listed = "、".join(f"{a}{'/' + b if b else ''}" for a, b in sorted(sets))
        fail(f"调查表分属不同的评价体系或子类型：{listed}；请分别汇总")
    if not sets:
        _report_findings([x for f in read for x in f.findings])
        fail("没有可用的调查表")
    fw_id, st = next(iter(sets))
    fw = registered(ev, fw_id).framework
    if st and fw.subtype(st) is None:
        fail(f"调查表记录的子类型“{st}”不属于 {fw.id}（_meta 可能被改动）")
    return fw, st


def _settings(read, ri, threshold, saaty):
    """RI table, threshold and limits: as given, else as the questionnaires were issued
    (what their experts saw live)."""
    ri = ri or _agreed(read, "ri_table", "--ri")
    if threshold is None:
        try:
            threshold = float(_agreed(read, "cr_threshold", "--threshold"))
        except ValueError:
            threshold = math.nan
    if ri not in RI_TABLES or not 0 < threshold <= 1:
        fail("调查表中记录的 RI 表或阈值无效（_meta 可能被改动）；请用 --ri 与 --threshold 指定", 2)
    if saaty is None:  # questionnaires issued before the option have the flat limit
        limits = {f.fact("cr_limits") or "flat" for f in read if f.facts}
        if len(limits) > 1:
            fail("调查表生成时的一致性限值不一致；请用 --saaty-limits 或 --flat-limit 指定", 2)
        saaty = limits == {"saaty"}
    return ri, threshold, saaty


def _roster(panel_file, read) -> list[str] | None:
    """The panel's experts: the --panel file's, else as the questionnaires record them."""
    from iipeval.core.panel.roster import PanelError, load_panel
    from iipeval.excel.questionnaire.reader import roster

    if panel_file:
        try:
            return [e.id for e in load_panel(panel_file).experts]
        except PanelError as exc:
            raise click.BadParameter(str(exc), param_hint="--panel") from None
    recorded = {e for f in read for e in roster(f)}
    return sorted(recorded) or None


def _say_excluded(result, threshold, saaty) -> None:
    from iipeval.core.analysis.ahp_round import repair_text
    from iipeval.core.analysis.ahp_scale import cr_limit

    for g in result.groups:
        where = "维度" if not g.level else f"维度“{g.title}”下的指标"
        for v in g.excluded:
            gci = f"，GCI={fmt_number(v.result.gci, 4)}" if v.result.gci is not None else ""
            click.echo(
                f"需调整：{where}，专家 {v.expert} 的 CR={fmt_number(v.result.cr, 4)}{gci}"
                f"（≥{fmt_number(cr_limit(v.result.n, threshold, saaty), 4)}），未计入；"
                f"{repair_text(g, v, threshold)}",
                err=True,
            )


def _print_result(result, prov, output, fmt) -> None:
    if fmt == "json":
        click.echo(render.dumps({"weights": result.points, "origin": prov}))
        return
    for g in result.groups:
        where = "维度" if not g.level else g.title
        c = g.group
        crs = fmt_number(c.cr if c else None, 4)
        gci = f"，GCI={fmt_number(c.gci, 4)}" if c is not None and c.gci is not None else ""
        click.echo(
            f"{where}：{len(g.included)}位专家计入，{len(g.excluded)}位未计入，群组 CR={crs}{gci}"
        )
    click.echo(f"已写出 {output}（可用于 iipeval score --params {output}）", err=True)


def _agreed(read, key: str, option: str) -> str:
    """The setting every questionnaire was generated with (what its experts saw live).
    Questionnaires that disagree must not let the first file's setting win silently."""
    values = {f.fact(key) for f in read if f.facts}
    if len(values) > 1:
        fail(
            f"调查表生成时的设置不一致（{key}：{'、'.join(sorted(values))}）；请用 {option} 指定", 2
        )
    return values.pop() if values else ""


def _err(src: str, code: str, message: str):
    from iipeval.excel.questionnaire.reader import error

    return error(src, code, message)


def _report_findings(findings) -> None:
    from iipeval.core import voice

    for line in voice.finding_lines(findings):
        click.echo(line, err=True)
