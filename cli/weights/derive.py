"""``iipeval weights derive``: the experts' filled questionnaires → each CR → the group's weights."""

from __future__ import annotations

import math
import sys

import click

from iipeval.cli import inputs, render
from iipeval.cli.app import FORMAT, evaluator, registered
from iipeval.cli.weights.group import METHOD_OPTION, RI_OPTION, weights
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


def _judgements(filled, fw):
    """A read questionnaire → (ExpertJudgements, findings): names in every pair row must be
    the set's names for the ids the meta sheet lists, in the set's order."""
    from iipeval.core.analysis.ahp_round import ExpertJudgements
    from iipeval.excel.questionnaire.reader import error

    src = filled.source
    findings = list(filled.findings)
    from iipeval.core.analysis.ahp import comparison_groups

    groups = {g.level: g for g in comparison_groups(fw)}
    levels = {}
    seen = set()
    for sheet in filled.sheets:
        g = groups.get(sheet.level)
        ids = tuple(i for i, _ in g.members) if g else ()
        if g is None or sheet.ids != ids:
            findings.append(
                error(
                    src,
                    "stale",
                    "比较对象与当前评价体系不一致（调查表可能来自旧版本）",
                    sheet=sheet.name,
                )
            )
            continue
        seen.add(sheet.level)
        names = [n for _, n in g.members]
        for (i, j), (a, b) in sheet.names.items():
            if (a, b) != (names[i], names[j]):
                findings.append(
                    error(
                        src,
                        "moved",
                        f"此行应比较“{names[i]}”与“{names[j]}”，表格内容已被改动",
                        sheet=sheet.name,
                        cell=f"A{sheet.cells[(i, j)][0][1:]}",
                    )
                )
        levels[sheet.level] = sheet.judgements
    for level, g in groups.items():
        if level not in seen:
            findings.append(error(src, "missing_sheet", f"缺少“{g.title}”的比较表"))
    je = ExpertJudgements(
        filled.fact("expert"), filled.fact("expert_name"), src, filled.sha256, levels
    )
    return je, findings


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
@click.option(
    "--threshold",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=None,
    help="CR 通过阈值（默认取调查表生成时的设置，通常为 0.1）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def derive(questionnaires, output, panel_file, method, aggregation, ri, threshold, force, fmt):
    """读取专家交回的调查表（文件、文件夹或通配符），计算各专家 CR 与群组权重，写出参数文件。"""
    from iipeval.core.analysis.ahp_round import derive as run_round
    from iipeval.core.analysis.ahp_round import origin, repair_text
    from iipeval.core.panel.roster import PanelError, load_panel
    from iipeval.excel.questionnaire.reader import Filled, read_questionnaire

    refuse_existing(output, force)
    ev = evaluator()
    roster = None
    if panel_file:
        try:
            roster = {e.id for e in load_panel(panel_file).experts}
        except PanelError as exc:
            raise click.BadParameter(str(exc), param_hint="--panel") from None
    paths = [p for p in inputs.expand(questionnaires) if p.suffix.lower() != ".json"]
    if not paths:
        raise click.UsageError("没有找到调查表（.xlsx）")
    read: list[Filled] = []
    for p in paths:
        if not p.exists():
            read.append(Filled(str(p), findings=[_err(str(p), "not_found", "文件不存在")]))
            continue
        value, problem = isolated(read_questionnaire, p, ev.params.input)
        read.append(
            value
            if value is not None
            else Filled(str(p), findings=[_err(str(p), "unreadable", problem)])
        )

    # which set: the one the questionnaires name (they must agree)
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
    ri = ri or _agreed(read, "ri_table", "--ri")
    if threshold is None:
        try:
            threshold = float(_agreed(read, "cr_threshold", "--threshold"))
        except ValueError:
            threshold = math.nan
    if ri not in RI_TABLES or not 0 < threshold <= 1:
        fail("调查表中记录的 RI 表或阈值无效（_meta 可能被改动）；请用 --ri 与 --threshold 指定", 2)

    usable, rejected, findings, by_expert = [], [], [], {}
    for f in read:
        je, fs = _judgements(f, fw) if f.facts else (None, list(f.findings))
        findings += fs
        if je is not None and roster is not None and je.expert not in roster:
            fs = [*fs, _err(f.source, "not_on_panel", f"专家编号“{je.expert}”不在评审组名单中")]
            findings.append(fs[-1])
        if any(x.severity.value == "error" for x in fs):
            rejected.append({"file": f.source, "reason": fs[0].message})
            continue
        by_expert.setdefault(je.expert, []).append(je)
    for expert, copies in sorted(by_expert.items()):
        if len(copies) > 1:  # one expert, one voice: never count a copy twice
            files = "、".join(c.source for c in copies)
            for c in copies:
                msg = f"专家“{expert}”交回了多份调查表（{files}），均不采用，请确认后只保留一份"
                findings.append(_err(c.source, "duplicate_expert", msg))
                rejected.append({"file": c.source, "reason": msg})
        else:
            usable.append(copies[0])
    _report_findings(findings)
    if not usable:
        fail("没有可用的调查表：请按上面列出的单元格补正后重新汇总")
    try:
        result = run_round(
            fw, usable, method=method, aggregation=aggregation, ri=ri, threshold=threshold
        )
    except AHPError as exc:
        fail(str(exc), 2)
    for g in result.groups:
        where = "维度" if not g.level else f"维度“{g.title}”下的指标"
        for v in g.excluded:
            click.echo(
                f"需调整：{where}，专家 {v.expert} 的 CR={fmt_number(v.result.cr, 4)}"
                f"（≥{fmt_number(threshold, 4)}），未计入；{repair_text(g, v, threshold)}",
                err=True,
            )
    if result.problems:
        for p in result.problems:
            click.echo(f"错误：{p}", err=True)
        raise SystemExit(1)
    prov = origin(
        fw,
        result,
        usable,
        subtype=st or None,
        method=method,
        aggregation=aggregation,
        ri=ri,
        threshold=threshold,
        rejected=rejected,
        tool_version=__version__,
    )
    headline = f"{fw.name}{'（' + st + '）' if st else ''}：层次分析法群组权重"
    text = parameters_text(fw.id, result.points, st or None, prov, headline)
    check_parameters(text, fw, st or None)
    write_output(output, text, force)
    if fmt == "json":
        click.echo(render.dumps({"weights": result.points, "origin": prov}))
    else:
        for g in result.groups:
            where = "维度" if not g.level else g.title
            cr = g.group.cr if g.group else None
            crs = fmt_number(cr, 4)
            click.echo(
                f"{where}：{len(g.included)}位专家计入，{len(g.excluded)}位未计入，群组 CR={crs}"
            )
        click.echo(f"已写出 {output}（可用于 iipeval score --params {output}）", err=True)
    sys.exit(1 if rejected else 0)


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
