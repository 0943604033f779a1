"""``iipeval receive`` (受理): files come into the round, numbered, hashed and registered."""

from __future__ import annotations

import sys

import click

from iipeval.cli import door, inround, render
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


@door.command(cli)
@click.argument("files", nargs=-1, required=True, type=door.InputArgs())
@click.option(
    "--replace",
    is_flag=True,
    help="替换已受理的同一申报、同一专家的评分表或同一核查表（须加 --reason）",
)
@click.option("--reason", help="替换的理由（记入受理登记与日志）")
@inround.ROUND
def receive(run: door.Door, files, replace, reason, round_dir) -> None:
    """受理：把申报、补正后的申报、交回的专家评分表或核查表登记进本轮，逐一给出受理编号。"""
    from iipeval.core.round.receive import receive as register_file
    from iipeval.core.round.state import user

    rnd, ev = inround.within(run), evaluator()
    replace = _replacement(replace, reason)
    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可受理的文件（.json、.xlsx）")
    state, refused, replaced = run.logbook.state, 0, []
    reg = state.register()
    for path in paths:
        staged, ident, problem = _staged(rnd, path, ev)
        if ident is None:
            render.echo(f"{door.shown(path)}：未受理。{problem}", err=True)
            refused += 1
            continue
        out = register_file(rnd, reg, staged, ident, inround.now(), user(), replace)
        render.echo(out.message, err=out.refused)
        refused += out.refused
        if out.new:
            run.logbook.made.append(rnd.root / out.receipt.stored)
            if out.receipt.reason:  # the log says what was replaced, and why
                replaced.append(f"{out.receipt.number} 替换 {out.receipt.supersedes}")
    state.save_register(reg)
    if replaced:
        run.logbook.note = f"{'；'.join(replaced)}（理由：{replace}）"
    sys.exit(1 if refused else 0)


def _staged(rnd, path, ev):
    """``path`` copied into the round and identified in the sandbox: (staged, identity,
    None), or (None, None, why not) with nothing left behind."""
    from iipeval.core.round.receive import NotStaged, stage

    try:
        staged = stage(rnd, path, ev.params.input.max_file_bytes)
    except NotStaged as exc:
        return None, None, str(exc)
    ident, problem = _identity(staged, ev)
    if ident is None:
        staged.discard()
    return staged, ident, problem


def _replacement(replace: bool, reason: str | None) -> str | None:
    """The reason for a replacement, or ``None``: one without the other is a usage error."""
    if reason is not None and not replace:
        raise click.UsageError("--reason 只与 --replace 一起使用（替换已受理的文件时说明理由）")
    if not replace:
        return None
    if not (reason or "").strip():
        raise click.BadParameter(
            "替换已受理的文件须说明理由：--replace --reason 理由", param_hint="--reason"
        )
    return reason.strip()
