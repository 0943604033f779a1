"""``iipeval receive`` (受理): files come into the round, numbered, hashed and registered."""

from __future__ import annotations

import sys

import click

from iipeval.cli import inputs, inround
from iipeval.cli.app import cli, evaluator


def _identity(staged, ev):
    from iipeval.core.intake.sandbox import IsolationFailed, isolated
    from iipeval.core.round.receive import Identity
    from iipeval.core.round.register import Summary
    from iipeval.excel.intake import identify

    try:
        found = isolated(identify, staged.copy, ev, limits=ev.params.input)
    except IsolationFailed as exc:
        return None, str(exc)
    if found.get("problem") or not found.get("key"):
        return None, found.get("problem") or "无法识别申报单位或专家"
    summary = Summary(**found.pop("summary", {}))
    found.pop("problem", None)
    return Identity(summary=summary, **found), None


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--replace", metavar="理由", help="确需替换已受理的文件时，说明理由（记入日志）")
@inround.ROUND
def receive(files, replace, round_dir) -> None:
    """受理：把申报、补正后的申报、交回的专家评分表或核查表登记进本轮，逐一给出受理编号。"""
    from iipeval.core.round.receive import receive as register_file
    from iipeval.core.round.receive import stage
    from iipeval.core.round.state import user

    rnd = inround.find(round_dir, required=True)
    state, ev = inround.state_of(rnd), evaluator()
    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可受理的文件（.json、.xlsx）")
    refused, stored = 0, []
    with state.writing("受理"):
        reg = state.register()
        for path in paths:
            staged = stage(rnd, path)
            ident, problem = _identity(staged, ev)
            if ident is None:
                staged.discard()
                click.echo(f"{path.name}：未受理。{problem}", err=True)
                refused += 1
                continue
            out = register_file(rnd, reg, staged, ident, inround.now(), user(), replace)
            click.echo(out.message, err=out.refused)
            refused += out.refused
            if out.receipt and not out.refused:
                stored.append(rnd.root / out.receipt.stored)
        state.save_register(reg)
        inround.log(state, paths, stored, 1 if refused else 0)
    sys.exit(1 if refused else 0)
