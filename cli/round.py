"""``iipeval round init``: a new round folder, with its stages, settings and private state."""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli, evaluator, registered


@cli.group(name="round")
def round_group() -> None:
    """评审轮次：把一轮评审放进一个文件夹（受理、补正、专家评审、核查、结果及其日志）。"""


@door.command(round_group, in_round="none")
@click.argument("directory", type=door.OutputPath(folder=True))
@click.option("--name", required=True, help="评审轮次名称，如“2026年湖南省省级工业互联网平台认定”")
@click.option(
    "--framework", "frameworks", multiple=True, help="本轮的评价体系 id，可多次指定（默认不限）"
)
def init(run: door.Door, directory, name, frameworks) -> None:
    """新建评审轮次文件夹：各阶段文件夹、设置（round.toml）与仅本人可读的私有文件夹。"""
    from iipeval.core.round.folder import STAGES, RoundError, init_round

    ev = evaluator()
    for fw in frameworks:
        registered(ev, fw)
    try:
        rnd = init_round(Path(directory), name, list(frameworks), inround.now())
    except (RoundError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    state = inround.state_of(rnd)
    with state.writing("新建"):
        state.create_key()
        inround.log(state, [], [rnd.root / "round.toml"], 0)
    render.echo(f"已新建评审轮次“{name}”：{rnd.root}")
    for folder in STAGES.values():
        render.echo(f"  {folder}/")
    render.echo("  .iipeval/（私有：本轮密钥、评审组登记、受理登记与日志，仅本人可读）")
    render.echo("下一步：在该文件夹中运行 iipeval receive 申报文件… 受理申报")
