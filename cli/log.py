"""``iipeval log``: every command run in the round; ``--verify`` checks the chain and every
file against it and names the first entry that no longer holds."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import FORMAT, cli


@door.command(cli, name="log", in_round="read")
@click.option("--verify", is_flag=True, help="核验日志链与其中记录的每个文件")
@FORMAT
@inround.ROUND
def log_command(run: door.Door, verify, fmt, round_dir) -> None:
    """本轮日志：每条命令的时间、用户、输入与输出的哈希；--verify 核验日志是否被改动。"""
    from iipeval.core.round.folder import RoundError

    state = inround.state_of(inround.within(run))
    try:
        entries, unreadable = state.entries()
        problems = state.verify() if verify else []
    except RoundError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        rows = [e.model_dump(mode="json") for e in entries]
        render.echo(render.dumps({"entries": rows, "problems": problems}))
    else:
        for e in entries:
            render.echo(_line(e, state.round.root))
        if unreadable and not verify:
            render.echo(f"注意：{unreadable}", err=True)
    if verify:
        for p in problems:
            render.echo(f"[不一致] {p}", err=True)
        if not problems:
            render.echo(f"日志完整：{len(entries)} 条记录，签名与所记文件均一致", err=True)
        sys.exit(1 if problems else 0)


#: what a shell would read otherwise than as part of a file name
_SHELL = re.compile(r"[\s'\"\\$`!*?&;|<>()\[\]{}#~]")


def _line(e, root: Path) -> str:
    """One entry as a person reads it; a scoring run that wrote its record is followed by
    the command that re-runs it (the path as typed from here)."""
    from iipeval.core.round.logbook import at, manifest_of

    files = f"；读 {len(e.inputs)} 个文件，写 {len(e.outputs)} 个" if e.inputs or e.outputs else ""
    typed = " ".join(map(_quoted, e.command))
    text = f"{e.seq:>4} {at(e.time)} {e.user} {typed}（退出码 {e.exit}{files}）"
    if e.note:
        text += f"\n     说明：{e.note}"
    manifest = manifest_of(e)
    if manifest is not None:
        text += f"\n     复现：iipeval reproduce {_quoted(os.path.relpath(root / manifest))}"
    return text


def _quoted(word: str) -> str:
    """A word as a shell takes it whole (中文 needs no quotes)."""
    return shlex.quote(word) if not word or _SHELL.search(word) else word
