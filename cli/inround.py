"""What a command does inside a round: find it (``--round DIR``, else the working directory
and its parents, as git finds a repository), and write what it did in the round's log."""

from __future__ import annotations

import json
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
    """The command as typed: its name, the arguments given, then every option given by its
    long name (a date as 2026-12-15); what was left to its default is not written."""
    ctx = click.get_current_context()
    args: list[str] = []
    opts: list[str] = []
    for p in ctx.command.params:
        value = ctx.params.get(p.name)
        if ctx.get_parameter_source(p.name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        if isinstance(p, click.Option) and p.is_flag:
            names = p.opts if value else p.secondary_opts  # --cards / --no-cards
            opts += [_long(names)] if names and value is not None else []
            continue
        values = value if isinstance(value, tuple | list) else [value]
        values = [_typed(v) for v in values if v is not None]
        if isinstance(p, click.Argument):
            args += values
        else:
            opts += [x for v in values for x in (_long(p.opts), v)]
    return ["iipeval", *ctx.command_path.split()[1:], *args, *opts]  # whatever argv[0]


def _long(names: Sequence[str]) -> str:
    return max(names, key=lambda n: (n.startswith("--"), len(n)))


def _typed(value) -> str:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return f"{value:%Y-%m-%d}"  # --deadline 2026-12-15, as typed
    return str(value)


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
    return os.path.relpath(folder / f"第{n}次" / name)  # as the user would type it


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


def panel_inputs(run, applications, outdir, record_file, params, include):
    """What ``panel`` issues from and where its outputs go: as given, else (inside a round)
    the current applications that pass the gate, 3-评分表/, the round's own record."""
    if run.round is None:
        if include:
            raise click.UsageError("--include 只在评审轮次中使用")
        missing = [
            name
            for name, given in (("申报（APPLICATIONS）", applications), ("-o", outdir))
            if not given
        ]
        if not record_file:
            missing.append("--record（评审组登记的保存位置，仅组织方可读）")
        if missing:
            raise click.UsageError(f"缺少{'、'.join(missing)}")
        return applications, outdir, record_file, params
    return (
        applications or gated(run, include),
        outdir or os.path.relpath(run.round.stage("forms")),
        record_file or str(run.round.private(RECORD)),
        params or parameter_files(run),
    )


def held_back(receipt) -> str:
    """Why an application is not issued to the experts by default ('' when it is)."""
    s = receipt.summary
    why = []
    if not s.readable:
        why.append("无法读取")
    if s.errors:
        why.append(f"错误{s.errors}条，待补正")
    if s.vetoed:
        why.append(f"触及否决项：{'、'.join(s.vetoed)}")
    return "；".join(why)


def gated(run, include) -> tuple[str, ...]:
    """The current applications without errors or 否决项, and those ``--include`` names; the
    rest listed with the reason, the override written in the log."""
    reg = run.logbook.state.register()
    current = list(reg.current("application").values())
    names = {r.number for r in current} | {r.applicant for r in current}
    unknown = [x for x in include if x not in names]
    if unknown:
        raise click.BadParameter(
            f"本轮没有受理编号或单位名称为 {'、'.join(unknown)} 的申报", param_hint="--include"
        )
    issued, held, forced = [], [], []
    for r in current:
        why = held_back(r)
        if why and not ({r.number, r.applicant} & set(include)):
            held.append(f"{r.number} {r.applicant}（{why}）")
            continue
        if why:
            forced.append(f"{r.number} {r.applicant}（{why}）")
        issued.append(os.path.relpath(run.round.root / r.stored))
    from iipeval.cli import render

    for line in held:
        render.echo(f"未下发：{line}；如确需下发，请加 --include {line.split()[0]}", err=True)
    if forced:
        run.logbook.note = "按 --include 下发：" + "；".join(forced)
        render.echo(run.logbook.note, err=True)
    if not issued:
        raise click.UsageError("本轮没有可下发给专家的申报（均有错误或触及否决项）")
    return tuple(issued)


#: how ``reproduce`` tells a scoring run it is a round's run (hidden: not for people)
AWAITING = click.option(
    "--awaiting",
    hidden=True,
    help="评审轮次中的评分：等待每份下发的评分表，这些已免于交回的除外（JSON，供 iipeval reproduce 使用）",
)


def awaiting(run, given: str | None) -> list[tuple[str, str | None]] | None:
    """What a scoring run waits for, as its record keeps it: inside a round, every form
    issued but those waived (the list); a run reproduced from a round's record, the
    waivers it recorded; otherwise ``None`` (no form is waited for)."""
    if run.round is not None:
        return sorted(waived(run), key=lambda w: (w[0], w[1] or ""))
    if given is None:
        return None
    try:
        pairs = json.loads(given)
        return [(str(e), None if f is None else str(f)) for e, f in pairs]
    except (ValueError, TypeError):
        raise click.BadParameter(
            '应为 JSON 列表，如 [["E05", null]]（专家编号与评价体系 id，null 为全部评价体系）',
            param_hint="--awaiting",
        ) from None


def waived(run) -> set[tuple[str, str | None]]:
    """(expert, criteria set or ``None`` for all) the organiser went on without."""
    reg = run.logbook.state.register() if run.logbook else state_of(run.round).register()
    return {(w.expert, w.framework) for w in reg.waivers}


def verification_inputs(run, files, panel_record, output):
    """What ``verification`` issues from: as given, else (inside a round) the current
    applications, the round's record and 5-核查表/."""
    if run.round is None:
        missing = [
            n
            for n, v in (("申报（FILES）", files), ("--panel-record", panel_record), ("-o", output))
            if not v
        ]
        if missing:
            raise click.UsageError(f"缺少{'、'.join(missing)}")
        return files, panel_record, output
    record = panel_record or record_file(run)
    if record is None:
        raise click.UsageError("本轮尚未下发专家评分表（没有评审组登记）：请先 iipeval panel")
    return (
        files or current(run, "application"),
        record,
        output or os.path.relpath(run.round.stage("verification")),
    )


def compare_inputs(run, old, new) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """OLD and NEW as given, else (inside a round) every resubmission after 补正 and the
    version before it: an applicant never asked to resubmit is not compared."""
    if old and new:
        return (old,), (new,)
    if run.round is None or old or new:
        raise click.UsageError("请给出 OLD 与 NEW（评审轮次中可都不给，比对补正后重新提交的申报）")
    reg = run.logbook.state.register()
    pairs = [
        (reg.by_number(r.supersedes), r)
        for r in reg.current("application").values()
        if r.answers and r.supersedes
    ]
    if not pairs:
        raise click.UsageError("本轮还没有补正后重新提交的申报可比对")
    root = run.round.root
    return (
        tuple(os.path.relpath(root / a.stored) for a, _ in pairs),
        tuple(os.path.relpath(root / b.stored) for _, b in pairs),
    )


def log_head(run) -> str | None:
    """The hash of the round's last log entry before this command's own (``None`` outside)."""
    if run.logbook is None:
        return None
    from iipeval.core.round import logbook

    entries, _ = run.logbook.state.entries()
    return logbook.head(entries)
