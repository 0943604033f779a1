"""``iipeval status``: where the round stands, per applicant and per expert, and what blocks
the next step; ``-o 进度.xlsx`` writes it as the 评审进度表 for the office."""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import FORMAT, cli, evaluator


def _text(st) -> str:
    lines = [f"评审轮次：{st.name}", f"当前阶段：{st.stage}"]
    lines += [f"待办：{b}" for b in st.blockers] or ["待办：无"]
    lines.append(f"下一步：{st.next_step}")
    if st.last_run is not None:
        run = st.last_run
        when = "" if run.current else "（此后又有变化）"
        lines.append(f"最近一次评分：第{run.seq}条日志，运行记录 {run.manifest}{when}")
    if st.applicants:
        lines.append("申报：")
    for a in st.applicants:
        veto = f"；否决项：{'、'.join(a.vetoed)}" if a.vetoed else ""
        forms = f"；评分表 {a.forms_back}/{a.forms_issued}" if a.forms_issued else ""
        checked = f"；核查表 {a.verified}" if a.verified else ""
        lines.append(
            f"  {a.number} {a.applicant}（第{a.version}版）：{a.correction}；"
            f"错误 {a.errors}，警告 {a.warnings}{veto}{forms}{checked}"
        )
    if st.experts:
        lines.append("专家：")
    for x in st.experts:
        back = x.returned or ("已免于交回" if x.waived else "未交回")
        done = "" if x.complete is None else ("，已填完" if x.complete else "，未填完")
        lines.append(
            f"  {x.expert} {x.name}（{x.framework_name}）：下发 {x.issued} 份，{back}{done}"
        )
    return "\n".join(lines)


def current(rnd, ev):
    """The round's status now (the panel record the round keeps, when issued)."""
    from iipeval.core.round.status import status

    state = inround.state_of(rnd)
    names = {rf.framework.id: rf.framework.name for rf in ev.frameworks()}
    entries, _ = state.entries()
    reg, altered = state.register(), state.altered()
    return status(rnd.settings.name, reg, record_of(state), names, entries, altered)


def record_of(state):
    from iipeval.core.panel.record import PanelRecord

    raw = state.round.read("panel-record.json")
    return PanelRecord.model_validate_json(raw) if raw else None


@door.command(cli, in_round="read")
@FORMAT
@click.option("-o", "--output", type=door.OutputPath(), help="写出评审进度表（.xlsx）")
@click.option("--force", is_flag=True, help="覆盖已存在的评审进度表")
@inround.ROUND
def status(run: door.Door, fmt, output, force, round_dir) -> None:
    """评审进度：每份申报的版本、补正、问题与否决项，每位专家的评分表，以及下一步的阻碍。"""
    from iipeval.core.round.folder import RoundError
    from iipeval.reports.progress_sheet import write_progress

    rnd = inround.within(run)
    if output:
        if Path(output).suffix.lower() != ".xlsx":
            raise click.BadParameter("评审进度表须以 .xlsx 结尾", param_hint="-o")
        run.outputs([Path(output)])
    try:
        st = current(rnd, evaluator())
    except RoundError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        render.echo(render.dumps(st.model_dump(mode="json")))
    else:
        render.echo(_text(st))
    if output:
        run.commit({Path(output): lambda tmp: write_progress(st, tmp, inround.now())})
        render.echo(f"评审进度表已写入 {door.shown(output)}", err=True)
