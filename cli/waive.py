"""``iipeval waive``: go on without an expert's form, with the reason recorded."""

from __future__ import annotations

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli


@door.command(cli)
@click.argument("expert")
@click.option("--reason", required=True, help="免于交回的理由（记入受理登记与日志）")
@click.option("--framework", help="只免于交回该评价体系的评分表（默认：该专家的全部评分表）")
@inround.ROUND
def waive(run: door.Door, expert, reason, framework, round_dir) -> None:
    """专家评分表确实无法交回时，记录理由后不再等待；结果按其余专家汇总。"""
    from iipeval.cli.status import record_of
    from iipeval.core.round.register import Waiver
    from iipeval.core.round.state import user

    inround.within(run)
    state = run.logbook.state
    if not reason.strip():
        raise click.BadParameter("请写明理由", param_hint="--reason")
    record = record_of(state)
    if record is None or record.expert(expert) is None:
        raise click.BadParameter(f"本轮评审组中没有专家“{expert}”", param_hint="EXPERT")
    reg = state.register()
    waiver = Waiver(
        expert=expert, framework=framework, reason=reason.strip(), at=inround.now(), by=user()
    )
    reg.waivers.append(waiver)
    state.save_register(reg)
    run.logbook.note = f"{expert}：{waiver.reason}"
    render.echo(f"已记录：{expert} 免于交回评分表（{waiver.reason}）")
