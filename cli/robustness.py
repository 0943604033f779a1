"""``iipeval robustness``: how robust each ranking is, as JSON or as a workbook.

Scoring goes through :func:`.scoring.scored_batch`, the path ``iipeval score`` takes, so
inputs, expert reviews and 核查表 are admitted or refused exactly as when scoring; the
analysis is :mod:`iipeval.core.analysis.robustness`, the files :mod:`iipeval.reports`.
``score --robustness`` takes the same options (:func:`analysis_options`), and both record
the inputs and parameters by hash, the seed, the method and the library versions in the
analysis and in the run's manifest.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli, evaluator
from iipeval.cli.scoring import PANEL_RECORD, REVIEWS, analyse_or_fail, scored_batch

if TYPE_CHECKING:  # numpy is imported only when an analysis runs, not by every command
    from iipeval.core.analysis.robustness import Robustness, RobustnessSettings

#: the analysis's options, as ``score --robustness`` and ``robustness`` both take them
ANALYSIS_KEYS = ("draws", "spread", "seed", "method", "quota", "min_scores", "resamples")

_OPTIONS = [
    click.option(
        "--draws",
        type=click.IntRange(1, 100_000),
        default=2000,
        show_default=True,
        help="权重抽样次数",
    ),
    click.option(
        "--spread",
        type=door.Finite(0, 1, min_open=True, max_open=True),
        default=0.2,
        show_default=True,
        help="每个权重的相对扰动幅度 S（0.2 即 ±20%；--method ahp 时不用）",
    ),
    click.option(
        "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="随机数种子"
    ),
    click.option(
        "--method",
        type=click.Choice(["uniform", "dirichlet", "ahp"]),
        default=None,
        help="权重扰动方式：uniform（每个权重 ±S 均匀扰动后归一，默认）、dirichlet（以现行占比为中心，"
        "总方差与同一S的uniform相同）或 ahp（按 --ahp 给出的专家调查表重抽样专家；给出 --ahp 时的默认）",
    ),
    click.option(
        "--ahp",
        "ahp",
        multiple=True,
        type=door.InputArgs(),
        help="专家交回的层次分析法调查表（文件、文件夹或通配符）：权重按专家判断的离散程度抽样",
    ),
    click.option(
        "--quota", type=click.IntRange(min=1), help="参数文件未设推荐名额时使用的推荐名额"
    ),
    click.option(
        "--min-scores",
        type=click.IntRange(min=2),
        default=5,
        show_default=True,
        help="专家至少有多少个共同评分，才对其做 z 分数校准与比较提示",
    ),
    click.option(
        "--resamples",
        type=click.IntRange(0, 100_000),
        default=1000,
        show_default=True,
        help="专家重抽样（bootstrap）次数，0 为不做",
    ),
]


def analysis_options(f):
    """The analysis's options on a command (``robustness`` and ``score``)."""
    for option in reversed(_OPTIONS):
        f = option(f)
    return f


def settings_of(options: dict[str, Any], ahp: tuple[str, ...]) -> RobustnessSettings:
    """The analysis's settings from the options; ``--ahp`` makes ``ahp`` the default."""
    from iipeval.core.analysis.robustness import RobustnessSettings

    method = options.get("method") or ("ahp" if ahp else "uniform")
    if method == "ahp" and not ahp:
        raise click.UsageError("--method ahp 需要用 --ahp 给出专家交回的层次分析法调查表")
    if ahp and method != "ahp":
        raise click.UsageError(
            f"给出了 --ahp 调查表，却指定 --method {method}：调查表不会被使用；请去掉其一"
        )
    return RobustnessSettings(
        draws=options["draws"],
        spread=options["spread"],
        seed=options["seed"],
        method=method,
        quota=options.get("quota"),
        calibration_min_scores=options["min_scores"],
        resamples=options["resamples"],
    )


def read_spreads(run: door.Door, ahp: tuple[str, ...], ev) -> list:
    """The panel's AHP judgements from its questionnaires, as ``weights derive`` admits them."""
    if not ahp:
        return []
    from iipeval.cli.weights.io import (
        questionnaire_roster,
        questionnaire_set,
        questionnaire_settings,
        read_questionnaires,
        report_findings,
    )
    from iipeval.core.analysis.ahp_round import admit
    from iipeval.core.analysis.ahp_spread import spread_of
    from iipeval.excel.questionnaire.reader import judgements

    read = read_questionnaires(run, ahp, ev)
    fw, st = questionnaire_set(read, ev)
    origin = ev.params.origin or {}
    if origin.get("method") == "AHP":  # the weights in force came from them: the same check
        given = (origin.get("ri_table"), origin.get("cr_threshold"), origin.get("cr_limits"))
        ri, threshold, saaty = questionnaire_settings(read, given[0], given[1], given[2] == "saaty")
    else:
        ri, threshold, saaty = questionnaire_settings(read, None, None, None)
    done = admit([(f.source, *judgements(f, fw)) for f in read], questionnaire_roster(None, read))
    report_findings(done.findings)
    if not done.usable:
        raise click.UsageError("--ahp：没有可用的调查表")
    return [spread_of(fw, st or None, done.usable, ri=ri, threshold=threshold, saaty=saaty)]


def analysed(
    run: door.Door, ev, batch, options: dict[str, Any], ahp: tuple[str, ...], records=()
) -> Robustness:
    """The analysis of ``batch`` with its provenance: inputs and parameters by hash."""
    from iipeval.core.analysis.robustness import Provenance

    settings = settings_of(options, ahp)
    spreads = read_spreads(run, ahp, ev) if settings.method == "ahp" else []
    analysis = analyse_or_fail(ev, batch, settings, spreads)
    analysis.provenance = Provenance(
        inputs=[r.model_dump() for r in records],
        parameters_file_sha256=ev.params.source_sha256,
        parameters_hashes={k: v["hash"] for k, v in sorted(batch.parameters.items())},
        questionnaires=[
            {"expert": e, "file": f, "sha256": h} for s in spreads for e, f, h in s.sources
        ],
    )
    return analysis


def json_text(analysis: Robustness) -> str:
    return json.dumps(analysis.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


def write_workbook(analysis: Robustness, path: Path, generated_at: datetime) -> None:
    from iipeval.reports.results_workbook import new_results_workbook, save_deterministic
    from iipeval.reports.robustness_sheet import add_sheets

    wb = new_results_workbook(generated_at, "工业互联网平台申报排名稳健性")
    add_sheets(wb, analysis, set())
    save_deterministic(wb, path, generated_at)


def summary(analysis: Robustness, out: Path) -> str:
    """A few lines for the terminal: per ranking, the headline figures."""
    from iipeval.core.text import fmt

    s = analysis.settings
    lines = []
    for g in analysis.groups:
        head = g.framework_name + (f"（{g.subtype_name}）" if g.subtype_name else "")
        p = "未设推荐名额"
        if g.set_unchanged is not None:
            p = f"推荐名单不变的概率 {g.set_unchanged.text()}"
        crossing = [x.label for x in g.leave_one_out if any("推荐名单" in c for c in x.changes)]
        loo = f"；{'、'.join(crossing)}后推荐名单改变" if crossing else ""
        rule = [x.label for x in g.leave_one_out if any("推荐名单" in c for c in x.rule_changes)]
        if rule:
            loo += f"；按本轮规则对剩余专家重新汇总时（{'、'.join(rule)}），名单另有变化"
        flagged = [e.expert for e in g.experts if e.flags]
        cal = f"；评分提示：{'、'.join(flagged)}" if flagged else ""
        lines.append(f"{head}：{len(g.applicants)} 份参与排名，{p}{loo}{cal}")
        if g.quota_line is not None:
            q = g.quota_line
            lines.append(
                f"  名额边界：{q.last_in}（最后一名入选）与{q.first_out}（第一名未入选）相差"
                f"{fmt(q.gap)}分，前者保持在前的概率 {q.winning_index.text()}"
            )
        if g.bootstrap is not None and g.bootstrap.set_unchanged is not None:
            lines.append(f"  专家重抽样：推荐名单不变的概率 {g.bootstrap.set_unchanged.text()}")
        weak = [a.label for a in g.agreement if a.flagged]
        if weak:
            lines.append(f"  专家意见一致性不足（Kendall's W）：{'、'.join(weak)}")
    how = {"uniform": "均匀", "dirichlet": "狄利克雷", "ahp": "按专家调查表"}[s.method]
    lines.append(
        f"抽样 {s.draws:,} 次（{how}），扰动 S={fmt(s.spread, 3)}，种子 {s.seed}，"
        f"专家重抽样 {s.resamples:,} 次；已写出：{out}"
    )
    return "\n".join(lines)


@door.command(cli)
@click.argument("files", nargs=-1, type=door.InputArgs())
@REVIEWS
@PANEL_RECORD
@click.option(
    "--verified",
    multiple=True,
    type=door.InputArgs(),
    help="调研核查表（iipeval verification 生成并填写）：按核查值计分后再分析，与 iipeval score 相同",
)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@click.option("--params", multiple=True, type=door.InputFile(), help="参数文件（TOML），可多次指定")
@analysis_options
@click.option(
    "-o",
    "--output",
    required=True,
    type=door.OutputPath(),
    help="结果文件：.json 或 .xlsx（同时写出运行记录 .manifest.json）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的结果文件")
@click.option("--generated-at", hidden=True, help="结果记录的生成时间（供 iipeval reproduce 使用）")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="并行处理的进程数")
@inround.AWAITING
def robustness(
    run: door.Door,
    files,
    reviews,
    panel_record,
    verified,
    framework,
    params,
    ahp,
    output,
    force,
    generated_at,
    jobs,
    awaiting,
    **options,
) -> None:
    """分析排名的稳健性：权重扰动、单项权重区间、名额边界、专家组影响、专家重抽样与评分一致性。"""
    from iipeval.cli.record import input_records, manifest_target, manifest_writer, run_time

    files, reviews, panel_record, verified, params = inround.scoring_inputs(
        run, files, reviews, panel_record, verified, params
    )
    out = Path(output)
    if out.suffix.lower() not in (".json", ".xlsx"):
        raise click.BadParameter("输出文件须以 .json 或 .xlsx 结尾", param_hint="-o")
    settings_of(options, ahp)  # a bad combination stops before any work
    manifest = manifest_target(out, force)
    command = dict(kind="robustness", files=files, reviews=reviews, verified=verified, ahp=ahp)
    command |= dict(panel_record=panel_record, framework=framework, params=params)
    command |= dict(output=output, analysis={k: options.get(k) for k in ANALYSIS_KEYS})
    command |= dict(waived=inround.awaiting(run, awaiting))
    now = run_time(generated_at)
    run.outputs([out, manifest])  # before any work: existing, locked, on an input
    read = input_records(run.names, command)
    ev = evaluator(params)
    batch = scored_batch(
        run, ev, files, reviews, panel_record, framework, jobs, verified, command["waived"]
    )
    analysis = analysed(run, ev, batch, options, ahp, read)
    if out.suffix.lower() == ".json":
        write = door.text_writer(json_text(analysis))
    else:
        write = partial(write_workbook, analysis, generated_at=now)
    run.commit(
        manifest_writer(run, ev, batch, now, {out: write}, manifest, command, read, analysis)
    )
    render.echo(summary(analysis, out), err=True)
    for line in _refused_lines(batch):
        render.echo(line, err=True)
    sys.exit(1 if batch.failed else 0)


def _refused_lines(batch) -> list[str]:
    """The files the ranking left out, each named with why (a hostile file is one of them)."""
    from iipeval.core import voice

    return [
        f"未参与排名：{r.source}（{voice.finding_lines(r.findings, with_file=False)[0].strip()}）"
        for r in batch.rejected
        if r.findings
    ]
