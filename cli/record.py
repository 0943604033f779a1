"""The run's record as ``score -o`` writes it (``*.manifest.json``): the inputs hashed before
scoring, the outputs hashed as written, the last member of the output set. ``iipeval
reproduce`` (:mod:`.reproduce`) reads it back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.door import Door
from iipeval.core.panel.record import RECORD_NAME


def run_time(given: str | None) -> datetime:
    """The time a run's outputs carry: now, or the recorded one when reproducing."""
    if not given:
        return datetime.now().astimezone().replace(microsecond=0)
    try:
        return datetime.fromisoformat(given)
    except ValueError:
        raise click.BadParameter(f"无法识别的时间：{given}", param_hint="--generated-at") from None


def manifest_target(output: Path, force: bool) -> Path:
    """Where the run's manifest goes; refused up front if it exists (like every output)."""
    from iipeval.core.round.manifest import manifest_path

    return manifest_path(Path(output))  # checked with the set's other members (OutputSet)


def input_records(
    files_of: Callable[[Iterable[str]], list[Path] | list[str]], command: dict
) -> list:
    """Every input of a ``score`` run with its SHA-256, by role (files the sandbox refuses
    to open, a pipe or an undecodable name, are findings of the run, not inputs). ``files_of``
    is the door's (:meth:`iipeval.cli.door.Door.names`: a record keeps the door's string)."""
    return list(_input_records(files_of, command))


def _input_records(files_of, command: dict) -> Iterator:
    """:func:`input_records` one at a time: those compared after the run are not all kept."""
    from iipeval.cli.verification import SHEET_SUFFIXES
    from iipeval.core.intake.sandbox import refusal
    from iipeval.core.round import manifest as m

    def readable(paths):
        return [p for p in paths if refusal(p) is None]

    yield from (m.record(p, "application") for p in readable(files_of(command["files"])))
    reviews = [Path(p) for p in readable(files_of(command["reviews"]))]
    yield from (m.record(p, "review") for p in reviews if p.name != RECORD_NAME)
    if record_path := used_record(command["panel_record"], command["reviews"]):
        yield m.record(record_path, "panel_record")
    yield from (
        m.record(p, "verification")
        for p in readable(files_of(command["verified"]))
        if Path(p).suffix.lower() in SHEET_SUFFIXES
    )
    yield from (m.record(Path(p), "parameters") for p in command["params"] or ())
    yield from (m.record(p, "questionnaire") for p in readable(files_of(command.get("ahp", ()))))


def changed_inputs(records: list, now) -> list[str]:
    """The paths of ``records`` that differ in ``now`` (records made again after the run),
    or are missing from it, then those ``now`` adds; one record of ``now`` held at a time."""
    first: dict[str, object] = {}
    for r in records:
        first.setdefault(r.path, r)
    same: dict[str, bool] = {}
    added: dict[str, None] = {}
    for r in now:
        if r.path in first:
            same[r.path] = r == first[r.path]  # the last record of a path is the one kept
        else:
            added[r.path] = None
    # a path recorded twice: its second record finds nothing left to compare with
    return [r.path for r in records if not same.pop(r.path, False)] + list(added)


def manifest_writer(
    run: Door,
    ev,
    batch,
    now,
    writers: dict,
    target: Path,
    command: dict,
    records: list,
    robustness=None,
):
    """``writers`` with the manifest added last: each output's SHA-256 is taken from the
    file its writer filled, and the manifest records them (the set's one atomic commit puts
    them all in place together, :class:`iipeval.present.atomic.OutputSet`)."""
    from iipeval.core import __version__
    from iipeval.core.round import manifest as m

    written: dict[Path, m.FileRecord] = {}

    def hashed(path: Path, write):
        def run(tmp: Path) -> None:
            write(tmp)
            written[path] = m.FileRecord(
                path=str(path), sha256=m.file_sha256(tmp), bytes=tmp.stat().st_size
            )

        return run

    def manifest(tmp: Path) -> None:
        changed = changed_inputs(records, _input_records(run.expand_again, command))
        if changed:  # the record keeps what was read; a re-run would read something else
            render.echo(
                f"注意：输入文件在评分期间被修改或增减：{'、'.join(changed)}；"
                "运行记录按评分开始时的内容记录，该次结果可能无法复现",
                err=True,
            )
        record = m.Manifest(
            run_id=batch.run_id or m.run_id(now, records),
            generated_at=now,
            cwd=str(Path.cwd()),
            tool_version=__version__,
            plugins={p.name: p.version for p in ev.host.plugins()},
            frameworks={rf.framework.id: rf.framework.version for rf in ev.frameworks()},
            command=m.Command(
                **{k: list(v) if isinstance(v, tuple) else v for k, v in command.items()}
            ),
            inputs=records,
            parameters_file_sha256=ev.params.source_sha256,
            parameters_hashes={k: v["hash"] for k, v in sorted(batch.parameters.items())},
            outputs=[written[p] for p in writers],
            robustness=_analysis_record(robustness),
            round_log=inround.log_head(run),
        )
        # the bytes model_dump_json(indent=2) encodes, made once (a run of 20,000 inputs
        # has a manifest of some 4 MB: text, then its encoding, was twice that at the peak)
        data = record.__pydantic_serializer__.to_json(record, indent=2) + b"\n"
        door.bytes_writer(data)(tmp)

    return {**{p: hashed(p, w) for p, w in writers.items()}, target: manifest}


def _analysis_record(analysis) -> dict | None:
    """What a robustness analysis ran with: its settings (seed, method…) and versions."""
    if analysis is None:
        return None
    return {
        "settings": analysis.settings.model_dump(mode="json"),
        "versions": analysis.versions.model_dump(mode="json"),
        "weights": {
            f"{g.framework}/{g.subtype}" if g.subtype else g.framework: g.weights_source
            for g in analysis.groups
        },
    }


def used_record(given: str | None, reviews) -> Path | None:
    """The panel record the run reads: only the one named (never one among the forms)."""
    from iipeval.core.panel.location import record_location
    from iipeval.core.panel.record import RecordError

    try:
        return record_location(given, reviews)
    except RecordError:  # refused by the run itself, with the reason, before any work
        return None
