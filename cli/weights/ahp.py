"""``iipeval weights ahp``: one pairwise-comparison matrix → weights, λmax, CI and CR."""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import FORMAT
from iipeval.cli.weights.group import METHOD_OPTION, RI_OPTION, SAATY_OPTION, weights
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


@door.command(weights)
@click.argument("matrix", type=door.InputFile())
@METHOD_OPTION
@RI_OPTION
@SAATY_OPTION
@FORMAT
def ahp(run: door.Door, matrix, method, ri, saaty, fmt) -> None:
    """计算一个判断矩阵（.csv 或 .xlsx，首行、首列为名称）的权重、λmax、CI 与 CR。"""
    path = Path(matrix)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("判断矩阵须为 .csv 或 .xlsx 文件", param_hint="MATRIX")
    from iipeval.core.analysis.ahp import consistency, smallest_repair
    from iipeval.core.analysis.ahp_scale import cr_limit

    names, a = _matrix(path)
    try:
        res = consistency(a, method, ri or DEFAULT_RI)
    except AHPError as exc:
        fail(str(exc), 2)
    saaty = bool(saaty)
    limit = cr_limit(len(names), saaty=saaty)
    ok = res.passes(saaty=saaty)
    repair = None if ok else smallest_repair(a, method, ri or DEFAULT_RI, limit)
    data = {
        "weights": dict(zip(names, res.weights, strict=True)),
        "lambda_max": res.lambda_max,
        "ci": res.ci,
        "cr": res.cr,
        "ri": res.ri,
        "ri_table": res.ri_table,
        "cr_limit": None if res.cr is None else limit,
        "gci": res.gci,
        "gci_limit": res.gci_limit() if res.cr is not None else None,
        "method": res.method,
        "consistent": ok,
    }
    if repair:
        data["most_inconsistent"] = {
            "row": names[repair.row],
            "column": names[repair.col],
            "cell": cell_name(repair.row + 1, repair.col + 1),
            "current": repair.current,
            "suggested": repair.suggested,
            "cr_after": repair.cr_after,
            "passes": repair.passes,
            "no_single_judgement": repair.shared,
        }
    if fmt == "json":
        render.echo(render.dumps(data))
        return
    _print_text(data, names, res, limit, repair)


#: Problems of one matrix listed one by one; the rest are counted in one line.
SHOWN_PROBLEMS = 50


def _matrix(path: Path):
    """Names and the matrix read in the sandbox, or exit 1 with every problem's cell."""
    from iipeval.core.analysis.ahp import parse_matrix

    table, problem = isolated(read_table, path, InputLimits())
    if problem:
        fail(f"{door.shown(path)}：{problem}")
    names, a, problems = parse_matrix(table)
    if problems:
        for p in problems[:SHOWN_PROBLEMS]:
            render.echo(
                f"错误：{door.shown(path)} {cell_name(p.row, p.col)}：{p.message}", err=True
            )
        if len(problems) > SHOWN_PROBLEMS:
            render.echo(f"另有 {len(problems) - SHOWN_PROBLEMS} 处问题未逐条列出", err=True)
        raise SystemExit(1)
    return names, a


def _print_text(data, names, res, limit, repair) -> None:
    for name, w in data["weights"].items():
        render.echo(f"{name}\t{fmt_number(w, 6, grouped=False)}")
    render.echo(f"λmax={fmt_number(res.lambda_max, 6)}  CI={fmt_number(res.ci, 6)}")
    if res.cr is None:
        render.echo("仅两项，无需一致性检验")
        return
    mark = "通过" if data["consistent"] else "请调整"
    render.echo(
        f"RI={res.ri}，取自{RI_TABLES[res.ri_table].label}  CR={fmt_number(res.cr, 6)}"
        f"（CR < {fmt_number(limit, 4)} 为通过）  {mark}"
    )
    if res.gci is not None:
        render.echo(
            f"GCI={fmt_number(res.gci, 6)}（几何一致性指标，Aguarón 与 Moreno-Jiménez 2003；"
            f"与 CR 0.1 相当的阈值 {fmt_number(res.gci_limit(), 4)}）"
        )
    if repair:
        cell = data["most_inconsistent"]["cell"]
        change = (
            f"{cell}（“{names[repair.row]}”比“{names[repair.col]}”）当前为 {scale_text(repair.current)}，"
            f"建议改为 {scale_text(repair.suggested)}（改后 CR={fmt_number(repair.cr_after, 4)}"
            + ("" if repair.passes else "，仍需复核其他判断")
            + "）"
        )
        if repair.shared:
            render.echo(f"多个判断偏离程度相同，不能归咎于某一个判断；改动最小的一处：{change}")
        else:
            render.echo(f"最不一致的判断：{change}")
