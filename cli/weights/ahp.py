"""``iipeval weights ahp``: one pairwise-comparison matrix → weights, λmax, CI and CR."""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.cli import render
from iipeval.cli.app import FORMAT
from iipeval.cli.weights.group import METHOD_OPTION, RI_OPTION, weights
from iipeval.cli.weights.io import (
    cell_name,
    fail,
    isolated,
    read_table,
)
from iipeval.core.analysis.ahp_scale import (
    DEFAULT_RI,
    RI_TABLES,
    AHPError,
    scale_text,
)
from iipeval.core.scoring.params import InputLimits
from iipeval.core.text import fmt as fmt_number  # ``fmt`` is the --format option here


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
