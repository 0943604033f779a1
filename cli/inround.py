"""What a command does inside a round: find it (``--round DIR``, else the working directory
and its parents, as git finds a repository), and write what it did in the round's log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

ROUND = click.option(
    "--round",
    "round_dir",
    type=click.Path(file_okay=False),
    help="评审轮次文件夹（默认：当前文件夹或其上级中的评审轮次）",
)


def now() -> datetime:
    return datetime.now().astimezone().replace(microsecond=0)


def find(round_dir: str | None, required: bool = False):
    """The round this command runs in, or ``None`` outside one (an error when ``required``)."""
    from iipeval.core.round.folder import RoundError, find_round

    try:
        found = find_round(Path.cwd(), round_dir)
    except RoundError as exc:
        raise click.UsageError(str(exc)) from None
    if found is None and required:
        raise click.UsageError(
            "当前文件夹不在评审轮次中：请先 iipeval round init 文件夹，或用 --round 指定"
        )
    return found


def state_of(rnd):
    from iipeval.core.round.state import State

    return State(rnd)


def command_line() -> list[str]:
    """The command as run: its name, then every option given, as ``name=value``."""
    ctx = click.get_current_context()
    given = []
    for key, value in sorted(ctx.params.items()):
        if value in (None, False, (), []):
            continue
        values = value if isinstance(value, tuple | list) else [value]
        given += [f"{key}={v}" for v in values]
    return [*ctx.command_path.split(), *given]


def log(state, inputs: Sequence[Path], outputs: Sequence[Path], code: int, note: str = ""):
    """Append this command's entry (call while holding the round's lock)."""
    state.log(command_line(), list(inputs), list(outputs), code, now(), note)


def fail(exc: Exception) -> None:
    raise click.UsageError(str(exc)) from None
