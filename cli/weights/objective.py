"""``iipeval weights objective``: 熵权法 / CRITIC weights from the applications' indicator
scores (or a data matrix), optionally combined with subjective weights."""

from __future__ import annotations

import math
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import FORMAT, evaluator, registered
from iipeval.cli.scoring import PANEL_RECORD, REVIEWS
from iipeval.cli.weights.group import weights
from iipeval.cli.weights.io import (
    cell_name,
    check_parameters,
    fail,
    isolated,
    parameters_text,
    read_table,
    subtype_id,
)
from iipeval.core import __version__
from iipeval.core.scoring.params import InputLimits, Parameters, ParamsError, apply
from iipeval.core.text import fmt as fmt_number  # ``fmt`` is the --format option here

# --------------------------------------------------------------------------------------
# iipeval weights objective


def _within_limits(rows: int, columns: int) -> None:
    from iipeval.core.analysis.objective_weights import ObjectiveError, check_size

    try:
        check_size(rows, columns)
    except ObjectiveError as exc:
        fail(str(exc))


def _matrix_csv(path: str) -> tuple[list[str], list[str], list[list[float]]]:
    table, problem = isolated(read_table, Path(path), InputLimits())
    if problem:
        fail(f"{door.shown(path)}：{problem}")
    rows = [r for r in table if any(str(v).strip() for v in r)]
    if len(rows) < 3:
        fail(f"{path}: 须有首行名称、第二行类型（benefit/cost）和数据行")
    names = [str(v).strip() for v in rows[0]]
    _within_limits(len(rows) - 2, len(names))  # before a value is read as a number
    types = [str(v).strip().lower() for v in rows[1]]
    if len(types) != len(names):
        fail(f"{path} 第2行：类型个数（{len(types)}）与名称个数（{len(names)}）不符")
    for c, t in enumerate(types):
        if t not in ("benefit", "cost"):
            fail(f"{path} {cell_name(1, c)}：类型“{t}”无效，只能是 benefit 或 cost")
    data = []
    for r, row in enumerate(rows[2:], start=2):
        if len(row) != len(names):
            fail(f"{path} 第{r + 1}行：有 {len(row)} 列，应为 {len(names)} 列")
        vals = []
        for c, v in enumerate(row):
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = math.nan
            if not math.isfinite(x):
                fail(f"{path} {cell_name(r, c)}：“{v}”不是数值")
            vals.append(x)
        data.append(vals)
    return names, types, data


def _scored_matrix(run: door.Door, ev, files, reviews, panel_record, fw, subtype):
    """Indicator scores of the applications (scored in the sandboxed workers), one row per
    application. An application of another sub-type is left out with a notice; one that
    cannot be scored, or lacks a score, stops the run: weights computed without it would
    silently be weights of another batch."""
    from iipeval.cli.scoring import find_record
    from iipeval.core.model.results import Result
    from iipeval.core.round.batch import index_reviews
    from iipeval.excel import intake

    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    bundles = intake.reviews(run.expand(reviews), limits=ev.params.input)
    record, ignored = find_record(panel_record, reviews)
    for f in ignored:
        render.echo(f"注意：{f.file}：{f.message}", err=True)
    index = index_reviews(bundles, record)
    ids = [i.id for _, i in fw.indicators()]
    rows, skipped, unscorable = [], [], []
    for out in intake.score(paths, params=ev.params, index=index, framework=fw.id):
        if not isinstance(out, Result):
            first = out.findings[0].message if out.findings else "无法读取"
            unscorable.append(f"{out.source}（无法评分：{first}）")
            continue
        if subtype and out.subtype != subtype:
            skipped.append((out.source, "子类型不符"))
            continue
        scores = {i.id: i.score for i in out.indicators}
        missing = [k for k in ids if scores.get(k) is None]
        if missing:
            unscorable.append(f"{out.source}（{len(missing)}个指标没有得分）")
            continue
        rows.append((out.source, [float(scores[k]) for k in ids]))
    if unscorable:
        for line in sorted(unscorable):
            render.echo(f"错误：{line}", err=True)
        fail(f"{len(unscorable)}份申报无法得到全部指标得分，未计算客观权重；请补正或移出后重试")
    rows.sort()
    return ids, [r for _, r in rows], [s for s, _ in rows], sorted(skipped)


@door.command(weights)
@click.argument("files", nargs=-1, type=door.InputArgs())
@click.option("--framework", "framework_id", help="评价体系 id（由申报计算指标得分时必填）")
@click.option("--subtype", help="只用该子类型的申报，并写为该子类型的权重")
@REVIEWS
@PANEL_RECORD
@click.option(
    "--matrix",
    "matrix_file",
    type=door.InputFile(),
    help="直接给出数据矩阵（.csv：首行名称，第二行 benefit/cost，其后每行一个方案）",
)
@click.option(
    "--method",
    type=click.Choice(["entropy", "critic"]),
    required=True,
    help="熵权法（entropy）或 CRITIC",
)
@click.option(
    "--subjective",
    type=door.InputFile(),
    help="与之组合的主观权重：参数文件（如 weights derive 的输出）",
)
@click.option(
    "--combine",
    type=click.Choice(["product", "linear"]),
    help="组合方式：product 乘积归一；linear 线性加权（见 --alpha）",
)
@click.option(
    "--alpha",
    type=door.Finite(0, 1),
    default=0.5,
    show_default=True,
    help="线性组合时主观权重所占比例",
)
@click.option("-o", "--output", type=door.OutputPath(), help="输出的参数文件（.toml）")
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def objective(
    run: door.Door,
    files,
    framework_id,
    subtype,
    reviews,
    panel_record,
    matrix_file,
    method,
    subjective,
    combine,
    alpha,
    output,
    force,
    fmt,
):
    """客观赋权：由一批申报的指标得分（或 --matrix 数据矩阵）计算熵权法或 CRITIC 权重。"""
    from iipeval.core.analysis.objective_weights import ObjectiveError
    from iipeval.core.analysis.objective_weights import objective as weigh

    if bool(files) == bool(matrix_file):
        raise click.UsageError("请给出申报文件，或用 --matrix 给出数据矩阵（二者选一）")
    if combine and not subjective and not framework_id:
        raise click.UsageError("组合主观权重需要 --framework（默认权重）或 --subjective 参数文件")
    if output:
        run.outputs([Path(output)])  # before any work: existing, locked, onto an input
    ev = evaluator()
    fw = registered(ev, framework_id).framework if framework_id else None
    st = subtype_id(fw, subtype) if fw else None
    names, types, data, used, skipped, sources = _data(
        run, ev, fw, st, files, reviews, panel_record, matrix_file
    )
    try:
        res = weigh(method, data, types, names)
    except ObjectiveError as exc:
        fail(f"{exc}（可用数据 {len(data)} 行）")
    w, mixed = _combined(fw, st, names, list(res.weights), subjective, combine, alpha)
    weights_by_name = dict(zip(names, w, strict=True))
    constant = [names[j] for j in res.constant]
    for name in constant:
        render.echo(f"提示：{name} 的数值全部相同，不提供区分信息，客观权重为 0", err=True)
    if output:
        provenance = dict(used=used, skipped=skipped, matrix=sources, combined_with=mixed)
        _write(run, output, fw, st, res, names, weights_by_name, provenance)
    if fmt == "json":
        data_out = {"method": method, "rows": res.rows, "weights": weights_by_name}
        render.echo(render.dumps({**data_out, "constant": constant}))
    else:
        for name, x in weights_by_name.items():
            render.echo(f"{name}\t{fmt_number(x, 6, grouped=False)}")


def _write(run: door.Door, output, fw, st, res, names, weights_by_name, provenance) -> None:
    """The parameters file: the weights as points, with their origin recorded in core."""
    from iipeval.core.analysis.objective_weights import LABELS, origin, points

    _check_writable(fw, names, weights_by_name)
    prov = origin(fw, res, names, subtype=st, tool_version=__version__, **provenance)
    headline = f"{fw.name}：客观赋权（{LABELS[res.method]}）"
    text = parameters_text(fw.id, points(fw, weights_by_name), st, prov, headline)
    check_parameters(text, fw, st)
    run.commit({Path(output): door.text_writer(text)})
    render.echo(f"已写出 {output}", err=True)


def _data(run: door.Door, ev, fw, st, files, reviews, panel_record, matrix_file):
    """(names, types, rows, applications used, skipped, matrix file record): from the
    --matrix file, or from the applications' indicator scores."""
    if matrix_file:
        names, types, data = _matrix_csv(matrix_file)
        return names, types, data, [], [], [{"file": matrix_file, "sha256": _sha(matrix_file)}]
    if fw is None:
        raise click.UsageError("由申报计算指标得分时须给出 --framework")
    names, data, used, skipped = _scored_matrix(run, ev, files, reviews, panel_record, fw, st)
    for src, why in skipped:
        render.echo(f"提示：{src} 未计入（{why}）", err=True)
    return names, ["benefit"] * len(names), data, used, skipped, []


def _combined(fw, st, names, w, subjective, combine, alpha):
    """The weights combined with the subjective ones when asked, and what with."""
    from iipeval.core.analysis.objective_weights import ObjectiveError
    from iipeval.core.analysis.objective_weights import combine as mix

    if not combine:
        return w, None
    sub_params = _load_subjective(subjective)
    if fw is None or any(n not in {i.id for _, i in fw.indicators()} for n in names):
        fail("组合主观权重时，数据的列名须为该评价体系的指标 id（请给出 --framework）")
    eff = apply(fw, sub_params, st)
    try:
        w = list(mix([eff.indicator_points[n] for n in names], w, combine, alpha))
    except ObjectiveError as exc:
        fail(str(exc))
    return w, {
        "file": subjective or "",
        "sha256": _sha(subjective) if subjective else "",
        "how": combine,
        "alpha": alpha if combine == "linear" else None,
    }


def _check_writable(fw, names, weights_by_name) -> None:
    if fw is None or any(n not in {i.id for _, i in fw.indicators()} for n in names):
        fail("写参数文件需要 --framework，且数据的列名须为该评价体系的指标 id", 2)
    zero = [n for n, x in weights_by_name.items() if x <= 0]
    if zero:
        fail(
            f"指标 {'、'.join(zero)} 的权重为 0，参数文件要求权重为正数；"
            "可改用 --combine linear 与主观权重组合"
        )


def _load_subjective(path: str | None) -> Parameters:
    from iipeval.core.scoring.params import load_parameters

    try:
        return load_parameters(path)
    except ParamsError as exc:
        raise click.BadParameter(str(exc), param_hint="--subjective") from None


def _sha(path: str) -> str:
    from iipeval.core.round.manifest import file_sha256

    try:
        return file_sha256(path)
    except OSError:
        return ""
