"""``iipeval weights``: weights with a stated origin (AHP questionnaires, one matrix,
objective weights from the data), written as a parameters file ``score --params`` accepts.

Plumbing only: the numbers come from :mod:`iipeval.core.analysis.ahp`, :mod:`~iipeval.core.analysis.ahp_round`
and :mod:`~iipeval.core.analysis.objective_weights`; the workbooks from
:mod:`iipeval.excel.questionnaire.workbook`. Every file from outside is read by :func:`isolated`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from iipeval.cli import inputs, render
from iipeval.cli.main import FORMAT, cli, evaluator, registered
from iipeval.cli.weights_io import (
    cell_name,
    check_parameters,
    fail,
    isolated,
    parameters_text,
    read_table,
    refuse_existing,
    subtype_id,
    write_output,
)
from iipeval.core import __version__
from iipeval.core.analysis.ahp_scale import (  # the choices only; the numerics load when used
    CR_THRESHOLD,
    DEFAULT_RI,
    GROUP_METHODS,
    METHODS,
    RI_TABLES,
    AHPError,
    scale_text,
)
from iipeval.core.scoring.params import InputLimits
from iipeval.core.text import fmt as fmt_number  # ``fmt`` is the --format option here

RI_OPTION = click.option(
    "--ri",
    type=click.Choice(sorted(RI_TABLES)),
    default=None,
    help=f"随机一致性指标表（默认 {DEFAULT_RI}：Saaty 1980；汇总时默认取调查表生成时的设置）",
)
METHOD_OPTION = click.option(
    "--method",
    type=click.Choice(METHODS),
    default="geometric",
    show_default=True,
    help="权重计算方法：行几何平均（调查表实时公式所用）或主特征向量",
)
THRESHOLD_OPTION = click.option(
    "--threshold",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=CR_THRESHOLD,
    show_default=True,
    help="一致性比率 CR 的通过阈值（CR 小于该值为通过）",
)


@cli.group()
def weights() -> None:
    """权重的来源：层次分析法调查表、单个判断矩阵、客观赋权（熵权法、CRITIC）。"""


# --------------------------------------------------------------------------------------
# iipeval weights questionnaire


@weights.command()
@click.argument("framework_id", metavar="ID")
@click.option("--subtype", help="子类型 id 或名称（如 特色型的 行业级 / 区域级）")
@click.option(
    "--panel",
    "panel_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="评审组文件（TOML），与 iipeval panel 相同",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="调查表输出文件夹",
)
@RI_OPTION
@THRESHOLD_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的调查表")
def questionnaire(framework_id, subtype, panel_file, outdir, ri, threshold, force) -> None:
    """为评审组每位专家生成层次分析法（AHP）两两比较调查表（.xlsx，含实时一致性检验）。"""
    from iipeval.excel.questionnaire.workbook import generate
    from iipeval.excel.review.layout import PanelError, load_panel
    from iipeval.present.atomic import OutputExists

    fw = registered(evaluator(), framework_id).framework
    st = subtype_id(fw, subtype)
    try:
        panel = load_panel(panel_file)
    except PanelError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel") from None
    if panel.framework and panel.framework != fw.id:
        raise click.BadParameter(
            f"{panel_file}: 评审组限定评价体系 {panel.framework}，与 {fw.id} 不符",
            param_hint="--panel",
        )
    try:
        written = generate(
            fw,
            panel,
            Path(outdir),
            subtype=st,
            ri=ri or DEFAULT_RI,
            threshold=threshold,
            force=force,
        )
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    from iipeval.core.analysis.ahp import comparison_groups

    sheets = len(comparison_groups(fw))
    for path, expert in written:
        who = f"{expert.id} {expert.name}".strip()
        click.echo(f"已生成 {path}（专家 {who}，{sheets}张比较表）")


# --------------------------------------------------------------------------------------
# iipeval weights derive


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
    from iipeval.excel.questionnaire.reader import Filled, read_questionnaire
    from iipeval.excel.review.layout import PanelError, load_panel

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


# --------------------------------------------------------------------------------------
# iipeval weights ahp


@weights.command()
@click.argument("matrix", type=click.Path(dir_okay=False))
@METHOD_OPTION
@RI_OPTION
@FORMAT
def ahp(matrix, method, ri, fmt) -> None:
    """计算一个判断矩阵（.csv 或 .xlsx，首行、首列为名称）的权重、λmax、CI 与 CR。"""
    path = Path(matrix)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("判断矩阵须为 .csv 或 .xlsx 文件", param_hint="MATRIX")
    if not path.exists():
        fail(f"{matrix}: 文件不存在", 2)
    table, problem = isolated(read_table, path, InputLimits())
    if problem:
        fail(f"{matrix}: {problem}")
    from iipeval.core.analysis.ahp import consistency, most_inconsistent, parse_matrix

    names, a, problems = parse_matrix(table)
    if problems:
        for p in problems:
            click.echo(f"错误：{matrix} {cell_name(p.row, p.col)}：{p.message}", err=True)
        raise SystemExit(1)
    try:
        res = consistency(a, method, ri or DEFAULT_RI)
    except AHPError as exc:
        fail(str(exc), 2)
    repair = None if res.passes() else most_inconsistent(a, method, ri or DEFAULT_RI)
    data = {
        "weights": dict(zip(names, res.weights, strict=True)),
        "lambda_max": res.lambda_max,
        "ci": res.ci,
        "cr": res.cr,
        "ri": res.ri,
        "ri_table": res.ri_table,
        "method": res.method,
        "consistent": res.passes(),
    }
    if repair:
        data["most_inconsistent"] = {
            "row": names[repair.row],
            "column": names[repair.col],
            "cell": cell_name(repair.row + 1, repair.col + 1),
            "current": repair.current,
            "suggested": repair.suggested,
            "cr_after": repair.cr_after,
        }
    if fmt == "json":
        click.echo(render.dumps(data))
        return
    for name, w in data["weights"].items():
        click.echo(f"{name}\t{fmt_number(w, 6, grouped=False)}")
    click.echo(f"λmax={fmt_number(res.lambda_max, 6)}  CI={fmt_number(res.ci, 6)}")
    if res.cr is None:
        click.echo("仅两项，无需一致性检验")
    else:
        mark = "通过" if res.passes() else "请调整"
        click.echo(
            f"RI={res.ri}，取自{RI_TABLES[res.ri_table].label}  CR={fmt_number(res.cr, 6)}  {mark}"
        )
    if repair:
        cell = data["most_inconsistent"]["cell"]
        click.echo(
            f"最不一致的判断：{cell}（“{names[repair.row]}”比“{names[repair.col]}”）"
            f"当前为 {scale_text(repair.current)}，建议改为 {scale_text(repair.suggested)}"
            f"（改后 CR={fmt_number(repair.cr_after, 4)}）"
        )


# The objective command lives in its own module and registers itself on ``weights``.
from iipeval.cli import weights_objective  # noqa: E402, F401
