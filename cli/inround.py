"""What a command does inside a round: find it (``--round DIR``, else the working directory
and its parents, as git finds a repository), and write what it did in the round's log."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click

ROUND = click.option(
    "--round",
    "round_dir",
    metavar="DIR",  # a round folder, checked by opening it (core.round.folder.open_round)
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


def within(run):
    """The round a round command runs in; refused (exit 2) outside one."""
    if run.round is None:
        raise click.UsageError(
            "当前文件夹不在评审轮次中：请先 iipeval round init 文件夹，或用 --round 指定"
        )
    return run.round


def state_of(rnd):
    from iipeval.core.round.state import State

    return State(rnd)


def command_line() -> list[str]:
    """The command as run: its name, then every option given, as ``name=value``."""
    ctx = click.get_current_context()
    given = []
    for key, value in sorted(ctx.params.items()):
        typed = ctx.get_parameter_source(key) is click.core.ParameterSource.COMMANDLINE
        if not typed or value in (None, False, (), []):
            continue
        values = value if isinstance(value, tuple | list) else [value]
        given += [f"{key}={v}" for v in values]
    return [*ctx.command_path.split(), *given]


def log(state, inputs: Sequence[Path], outputs: Sequence[Path], code: int, note: str = ""):
    """Append this command's entry (call while holding the round's lock)."""
    state.log(command_line(), list(inputs), list(outputs), code, now(), note)


def fail(exc: Exception) -> None:
    raise click.UsageError(str(exc)) from None


class RoundLog:
    """A command's hold on the round it runs in: the round's lock from the start, so two
    commands never write the round at once, and its entry in the log at the end, with
    every file it read and wrote and how it ended."""

    def __init__(self, rnd) -> None:
        from iipeval.core.round.folder import RoundError

        self.state = state_of(rnd)
        self.note = ""
        self.made: list[Path] = []  # files the command put in the round outside an output set
        self._hold = self.state.writing("运行")
        try:
            self._hold.__enter__()
        except RoundError as exc:
            raise click.UsageError(str(exc)) from None

    def close(self, inputs: Sequence[Path], outputs: Sequence[Path], code: int) -> None:
        try:
            log(self.state, inputs, [*outputs, *self.made], code, self.note)
        finally:
            self._hold.__exit__(None, None, None)


# -- what a command takes from the round when it is not told ---------------------------------

#: the round's copy of the panel's record (written by ``panel`` inside the round)
RECORD = "panel-record.json"


def current(run, kind: str) -> tuple[str, ...]:
    """The files of ``kind`` that count now (受理登记: the current version of each
    application, the first form of each expert unless replaced...)."""
    rnd = run.round
    reg = run.logbook.state.register() if run.logbook else state_of(rnd).register()
    return tuple(os.path.relpath(rnd.root / r.stored) for r in reg.current(kind).values())


def parameter_files(run) -> tuple[str, ...]:
    """The round's parameters, every ``*.toml`` of its parameters folder in name order."""
    return tuple(str(p) for p in sorted(run.round.stage("parameters").glob("*.toml")))


def record_file(run) -> str | None:
    path = run.round.private(RECORD)
    return str(path) if path.exists() else None


def next_results(run, name: str = "results.xlsx") -> str:
    """``9-结果/第N次/name``: each scoring run of the round keeps its own outputs."""
    folder = run.round.stage("results")
    n = 1 + sum(1 for p in folder.iterdir() if p.is_dir() and p.name.startswith("第"))
    return str(folder / f"第{n}次" / name)


def scoring_inputs(run, files, reviews, panel_record, verified, params):
    """What a scoring command reads: as given, else (inside a round) what the round holds."""
    if run.round is None:
        if not files:
            raise click.UsageError("缺少要评分的申报（FILES）：请给出申报文件、文件夹或通配符")
        return files, reviews, panel_record, verified, params
    return (
        files or current(run, "application"),
        reviews or current(run, "review"),
        panel_record or record_file(run),
        verified or current(run, "verification"),
        params or parameter_files(run),
    )


def record_returns(run, results, deadline) -> list[str]:
    """Inside a round, each application sent back for 补正 is an open request in the
    register, so a resubmission is taken as its answer; returns the request ids."""
    from iipeval.core.findings import Severity
    from iipeval.core.round.register import Return
    from iipeval.core.text import normal_key

    state = run.logbook.state
    reg = state.register()
    by_stored = {str((run.round.root / r.stored).resolve()): r for r in reg.receipts}
    batch = 1 + len({t.id.split("-")[0] for t in reg.returns})
    made = []
    for result in results:
        receipt = by_stored.get(str(Path(result.source).resolve()))  # as the round stored it
        errors = any(f.severity is Severity.error for f in result.findings)
        if receipt is None or not errors or reg.open_return(receipt.key):
            continue
        ret = Return(
            id=f"B{batch}-{len(made) + 1:04d}",
            key=normal_key(receipt.key),
            applicant=receipt.applicant,
            receipt=receipt.number,
            issued_at=now(),
            deadline=f"{deadline:%Y-%m-%d}" if deadline else None,
        )
        reg.returns.append(ret)
        made.append(ret.id)
    state.save_register(reg)
    return made
