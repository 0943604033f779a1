"""``iipeval robustness``: how robust each ranking is, as JSON or as a workbook.

Scoring goes through :func:`.score.scored_batch`, the path ``iipeval score`` takes, so
inputs and expert reviews are admitted or refused exactly as when scoring; the analysis
is :mod:`iipeval.core.analysis.robustness`, the files :mod:`iipeval.reports`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iipeval.cli.app import cli, evaluator
from iipeval.cli.scoring import analyse_or_fail, scored_batch
from iipeval.core.text import fmt

if TYPE_CHECKING:  # numpy is imported only when an analysis runs, not by every command
    from iipeval.core.analysis.robustness import Robustness


def write_json(analysis: Robustness, path: Path) -> None:
    text = json.dumps(analysis.model_dump(mode="json"), ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")


def write_workbook(analysis: Robustness, path: Path, generated_at: datetime) -> None:
    from iipeval.reports.results_workbook import new_results_workbook, save_deterministic
    from iipeval.reports.robustness_sheet import add_sheets

    wb = new_results_workbook(generated_at, "工业互联网平台申报排名稳健性")
    add_sheets(wb, analysis, set())
    save_deterministic(wb, path, generated_at)


def summary(analysis: Robustness, out: Path) -> str:
    """A few lines for the terminal: per ranking, the headline figures."""
    s = analysis.settings
    lines = []
    for g in analysis.groups:
        head = g.framework_name + (f"（{g.subtype_name}）" if g.subtype_name else "")
        if g.set_unchanged is not None:
            p = f"推荐名单不变的概率 {fmt(100 * g.set_unchanged, 1)}%（标准误 {fmt(100 * g.set_unchanged_se)}）"
        else:
            p = "未设推荐名额"
        crossing = [x.label for x in g.leave_one_out if any("推荐名单" in c for c in x.changes)]
        loo = f"；{'、'.join(crossing)}后推荐名单改变" if crossing else ""
        flagged = [e.expert for e in g.experts if e.flags]
        cal = f"；评分提示：{'、'.join(flagged)}" if flagged else ""
        lines.append(f"{head}：{len(g.applicants)} 份参与排名，{p}{loo}{cal}")
    how = "均匀" if s.method == "uniform" else "狄利克雷"
    lines.append(
        f"抽样 {s.draws:,} 次（{how}），扰动 S={fmt(s.spread, 3)}，种子 {s.seed}；已写出：{out}"
    )
    return "\n".join(lines)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--reviews", multiple=True, help="专家评分表（.xlsx）或评分数据（.json），可多次指定")
@click.option(
    "--panel-record",
    type=click.Path(dir_okay=False),
    help="评审组登记（iipeval panel 生成），默认取评分表所在文件夹中的登记；与 iipeval score 相同",
)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@click.option("--params", type=click.Path(dir_okay=False), help="参数文件（TOML）")
@click.option(
    "--draws",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="权重抽样次数",
)
@click.option(
    "--spread",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.2,
    show_default=True,
    help="每个权重的相对扰动幅度 S（0.2 即 ±20%）",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="随机数种子")
@click.option(
    "--method",
    type=click.Choice(["uniform", "dirichlet"]),
    default="uniform",
    show_default=True,
    help="权重扰动方式：uniform（每个权重 ±S 均匀扰动后归一）或 dirichlet（以现行占比为中心）",
)
@click.option("--quota", type=click.IntRange(min=1), help="参数文件未设推荐名额时使用的推荐名额")
@click.option(
    "--min-scores",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="专家至少有多少个评分，才对其做 z 分数校准与比较提示",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="结果文件：.json 或 .xlsx",
)
@click.option("--force", is_flag=True, help="覆盖已存在的结果文件")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="并行处理的进程数")
def robustness(
    files,
    reviews,
    panel_record,
    framework,
    params,
    draws,
    spread,
    seed,
    method,
    quota,
    min_scores,
    output,
    force,
    jobs,
) -> None:
    """分析排名的稳健性：权重扰动、单项权重区间、专家组影响与专家评分校准。"""
    from iipeval.present import atomic

    out = Path(output)
    suffix = out.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        raise click.BadParameter("输出文件须以 .json 或 .xlsx 结尾", param_hint="-o")
    if out.exists() and not force:
        raise click.UsageError(f"输出文件已存在：{out}；如需覆盖，请加 --force")
    from iipeval.core.analysis.robustness import RobustnessSettings

    settings = RobustnessSettings(
        draws=draws,
        spread=spread,
        seed=seed,
        method=method,
        quota=quota,
        calibration_min_scores=min_scores,
    )
    ev = evaluator(params)
    batch = scored_batch(ev, files, reviews, panel_record, framework, jobs)
    analysis = analyse_or_fail(ev, batch, settings)
    now = datetime.now().astimezone().replace(microsecond=0)
    write = (
        (lambda p: write_json(analysis, p))
        if suffix == ".json"
        else (lambda p: write_workbook(analysis, p, now))
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic.sigterm_raises():
            atomic.write_atomic(out, write, force=force)
    except atomic.OutputError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary(analysis, out), err=True)
    sys.exit(1 if batch.failed else 0)
