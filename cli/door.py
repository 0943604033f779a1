"""The one door every ``iipeval`` command goes through, so the next command gets it for free.

A command says what it reads and writes by the types of its parameters (:class:`InputFile`,
:class:`InputArgs`, :class:`OutputPath`, :class:`Finite`) and is registered with
:func:`command`. Before its first line runs, every named input is classified (a FIFO, a
device, an undecodable or control-character name refused unopened), every number is finite
and in range, and no output lies on or inside an input. The command then opens its outputs
with :meth:`Door.outputs` (existing files, the folder lock, a folder that cannot be written:
refused before any work) and writes them with :meth:`Door.commit`, one atomic set.

Whatever goes wrong ends as a Chinese sentence and an exit code (README): 2 before the work,
3 a bug (the traceback goes to a log), 4 outputs not written after the work, 130/143
interrupted (Ctrl-C, SIGTERM); the sentence says truly whether any output was written, and
no temporary file, lock or worker outlives the command.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from iipeval.cli import inputs, inround, render
from iipeval.core.intake.sandbox import display_name, refusal
from iipeval.core.text import cap, has_control, printable
from iipeval.present import atomic

#: Exit status of a usage error, an unexpected error (a bug), outputs that could not be
#: written after the work, and a run interrupted by Ctrl-C (128 + SIGINT).
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 128 + int(signal.SIGINT)

#: The longest file or folder name most file systems take (bytes); the output set checks
#: the real limit of the folder again before any work.
NAME_MAX = 255


class OutputFailed(click.ClickException):
    """The work is done but its outputs could not be put in place."""

    exit_code = EXIT_OUTPUT


# -- what a command reads and writes, declared by its parameter types ----------------------


class InputFile(click.Path):
    """One outside file named by an option or argument (a parameters file, a manifest, a
    matrix): refused before any work, unopened, if it is not a regular file or its name
    cannot be shown; an input for the overlap check of every output."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        path = super().convert(value, param, ctx)
        problem = refusal(path)
        if problem:
            self.fail(f"{shown(path)}：{problem[1]}", param, ctx)
        return path


class InputArgs(click.ParamType):
    """Files, folders or globs of outside files (applications, reviews, 核查表): each file is
    read in the sandbox, one bad file a finding of its own; an input for the overlap check."""

    name = "files"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        return value


class OutputPath(click.Path):
    """An output file (with ``folder``, an output folder; with ``either``, a file or the
    folder to put it in): a name that can be shown and written, each part within
    :data:`NAME_MAX` bytes, checked before any work."""

    def __init__(self, folder: bool = False, either: bool = False) -> None:
        super().__init__(file_okay=either or not folder, dir_okay=either or folder)
        self.folder = folder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        path = super().convert(value, param, ctx)
        text = str(path)
        if display_name(text) != text or has_control(text):
            self.fail(f"{shown(text)}：名称含控制字符或无法识别的字符，请另选输出名称", param, ctx)
        for part in Path(text).parts:
            size = len(os.fsencode(part))
            if size > NAME_MAX:
                self.fail(
                    f"名称“{cap(part, 40)}”过长（{size} 字节，上限 {NAME_MAX} 字节），请缩短后重试",
                    param,
                    ctx,
                )
        return path


class Finite(click.FloatRange):
    """A number that is finite (never ``nan`` or ``inf``, which every range check lets
    through) and within the range, named by its option when it is not."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        number = click.types.FloatParamType.convert(self, value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"“{value}”不是有限的数值", param, ctx)
        return super().convert(number, param, ctx)


def shown(path: str | Path) -> str:
    """A path as a person can read it on one line (control characters escaped)."""
    return display_name(path)


# -- the door ------------------------------------------------------------------------------


def command(group: click.Group, name: str | None = None, *, in_round: str = "log", **attrs: Any):
    """Register ``fn(door, **options)`` as a command of ``group`` that runs through a
    :class:`Door`; ``tests/test_door.py`` fails for any command registered otherwise.

    ``in_round``: what the command does inside a round folder (:mod:`.inround`): ``log``
    holds the round's lock while it runs and writes its entry in the round's log; ``read``
    reads the round and neither locks nor logs (``status``, ``log``); ``none`` ignores it."""

    def decorate(fn: Callable[..., Any]) -> click.Command:
        @functools.wraps(fn)
        def run(**kwargs: Any) -> Any:
            with Door(click.get_current_context(), kwargs, in_round) as door:
                return fn(door, **kwargs)

        run.through_door = True  # type: ignore[attr-defined]
        run.in_round = in_round  # type: ignore[attr-defined]
        return group.command(name, **attrs)(run)

    return decorate


class Door:
    """One run of one command: its inputs, its output set, its signals and its errors."""

    #: doors open in this process: a command run by another (``reproduce`` runs ``score``)
    #: neither takes the round's lock again nor writes an entry of its own
    active = 0

    def __init__(
        self, ctx: click.Context, kwargs: Mapping[str, Any], in_round: str = "log"
    ) -> None:
        params = ctx.command.params
        self.in_round, self.round_dir = in_round, kwargs.get("round_dir")
        self.round: Any = None  # the round folder the command runs in (inround.find)
        self.logbook: inround.RoundLog | None = None
        self.force = bool(kwargs.get("force"))
        self.has_force = any(p.name == "force" for p in params)
        self.named: list[str] = []  # InputFile values
        self.batches: list[str] = []  # InputArgs values: files, folders, globs
        self.declared: list[tuple[Path, bool]] = []  # OutputPath values (path, folder)
        for p in params:
            value = kwargs.get(p.name)
            values = [str(v) for v in (value if isinstance(value, tuple | list) else [value])]
            values = [v for v in values if v and v != "None"]
            if isinstance(p.type, InputFile):
                self.named += values
            elif isinstance(p.type, InputArgs):
                self.batches += values
            elif isinstance(p.type, OutputPath):
                self.declared += [(Path(v), p.type.folder) for v in values]
        # the inputs found, as strings, once: a round of twenty thousand applications held
        # a Path of each (its parts, its name) twice
        self._expanded: dict[tuple[str, ...], list[str]] = {}
        self.found: list[str] = []
        self.set: atomic.OutputSet | None = None
        self.written: list[Path] = []
        self._previous: Any = None

    # -- entering and leaving --------------------------------------------------------------

    def __enter__(self) -> Door:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, _terminated)
        Door.active += 1
        try:
            self._open()
        except BaseException as exc:  # refused at the door: __exit__ will not run, so here
            if not self.__exit__(type(exc), exc, exc.__traceback__):
                raise
        return self

    def _open(self) -> None:
        """The round (its lock taken), the inputs found, outputs that overlap them refused."""
        if self.in_round != "none" and Door.active == 1:  # a command another runs: not again
            self.round = inround.find(self.round_dir)
        if self.round is not None and self.in_round == "log":
            self.logbook = inround.RoundLog(self.round)  # the round's lock, held till exit
        self.expand(self.batches)
        self._refuse_overlap([p for p, _ in self.declared], folders=self._folders())

    def __exit__(self, kind, exc, tb) -> bool:
        Door.active -= 1
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
        if self.set is not None:
            self.set.__exit__(None, None, None)  # temporary files removed, lock released
        if self.logbook is not None:
            inputs_read = [*map(Path, self.named), *map(Path, self.found)]
            self.logbook.close(inputs_read, self.written, exit_code(exc))
        if exc is None:
            return False
        if isinstance(exc, KeyboardInterrupt | atomic.Terminated):
            code = exc.code if isinstance(exc, atomic.Terminated) else EXIT_INTERRUPTED
            render.echo(f"已中断{self.state('，')}", err=True)
            raise SystemExit(code) from None
        if isinstance(exc, SystemExit | click.exceptions.Exit):
            return False
        if isinstance(exc, click.ClickException):
            exc.message = printable(exc.message)
            return False
        if isinstance(exc, atomic.OutputError):
            raise self._output_error(exc) from None
        crash(self.state("。"))
        raise SystemExit(EXIT_INTERNAL) from None

    def state(self, lead: str) -> str:
        """What became of the outputs, for a run that stops: the truth, whichever it is."""
        if self.written:
            return f"{lead}输出文件已全部写出（{len(self.written)}个）。"
        if self.set is not None and self.set.committed:
            return f"{lead}本次输出已提交但未能全部放入 {shown(self.set.directory)}，下次向该文件夹写入时将自动补齐。"
        if self.declared or self.set is not None:
            return f"{lead}未写出任何输出，此前的输出文件未被改动。"
        return "。" if lead == "。" else ""

    # -- inputs ----------------------------------------------------------------------------

    def expand(self, args: Iterable[str]) -> list[Path]:
        """The files that ``args`` (files, folders, globs) name, once per run."""
        return [Path(name) for name in self.names(args)]

    def names(self, args: Iterable[str]) -> list[str]:
        """:meth:`expand` as strings, the door's own: what a caller keeps for every file."""
        key = tuple(str(a) for a in args)
        if key not in self._expanded:
            self._expanded[key] = [str(p) for p in inputs.expand(key)]
            self.found += self._expanded[key]
        return self._expanded[key]

    def expand_again(self, args: Iterable[str]) -> list[str]:
        """What ``args`` name now (not once per run): to see files added during the work;
        as strings, like :meth:`names` (a Path of each weighed more than its record)."""
        return [str(p) for p in inputs.expand(tuple(str(a) for a in args))]

    def read(self, path: str | Path, option: str, limit: int, what: str) -> bytes:
        """A small outside file read in this process (a manifest): refused unopened if it
        is special, refused if larger than ``limit``; a usage error naming ``option``."""
        from iipeval.core.errors import read_capped

        try:
            return read_capped(Path(path), limit)
        except OSError as exc:
            problem = exc.strerror or "无法读取"
        except ValueError as exc:
            problem = str(exc)
        raise click.BadParameter(f"{shown(path)}：无法读取{what}（{problem}）", param_hint=option)

    # -- outputs ---------------------------------------------------------------------------

    def outputs(
        self, targets: Sequence[Path], directory: Path | None = None, hint: str | None = None
    ) -> atomic.OutputSet:
        """Open the run's output set before any work: on or in an input, existing (without
        ``--force``), locked by another run, or not writable, each a usage error (exit 2).
        ``directory`` is the folder of outputs (it must not hold inputs; the names in it
        may be known only later); ``hint`` what to do about an existing output, for a
        command without ``--force``."""
        targets = [Path(t) for t in targets]
        folders = [Path(directory)] if directory is not None else []  # a folder of outputs
        directory = Path(directory) if directory is not None else targets[0].parent
        self._refuse_overlap([*targets, directory], folders=folders)
        self.hint = hint
        try:
            self.set = atomic.OutputSet(directory, targets, force=self.force).__enter__()
        except atomic.OutputError as exc:
            raise self._output_error(exc) from None
        return self.set

    def commit(
        self,
        writers: Mapping[Path, Callable[[Path], None] | Path],
        modes: Mapping[Path, int] | None = None,
    ) -> list[Path]:
        """Write every member of the set and put them all in place, or none of them."""
        assert self.set is not None, "open the outputs before the work (Door.outputs)"
        try:
            self.set.commit(writers, modes)
        except atomic.OutputError as exc:
            raise self._output_error(exc) from None
        self.written = [Path(t) for t in writers]
        return self.written

    def _output_error(self, exc: atomic.OutputError) -> click.ClickException:
        if isinstance(exc, atomic.OutputExists):
            return click.UsageError(self.exists_message(exc.paths))
        if self.set is None:  # found before any work
            return click.UsageError(str(exc))
        return OutputFailed(f"{exc}{self.state('；')}")

    def exists_message(self, paths: Iterable[Path | str]) -> str:
        listed = "、".join(shown(p) for p in paths)
        if self.has_force:
            return f"输出文件已存在：{listed}；如需覆盖，请加 --force"
        hint = getattr(self, "hint", None) or "请另选输出位置"
        return f"输出文件已存在：{listed}；{hint}（本命令不覆盖已有文件）"

    def _folders(self) -> list[Path]:
        return [p for p, folder in self.declared if folder]

    def _refuse_overlap(self, outputs: Sequence[Path], folders: Sequence[Path]) -> None:
        problem = inputs.overlap(outputs, [*self.batches, *self.named], self.found)
        problem = problem or inputs.mixed_in(folders, self.found)
        if problem:
            raise click.UsageError(printable(problem))


# -- writers: what a command hands the set -----------------------------------------------


def text_writer(text: str) -> Callable[[Path], None]:
    """A member that is ``text``, UTF-8."""
    return functools.partial(_write_bytes, text.encode("utf-8"))


def bytes_writer(data: bytes) -> Callable[[Path], None]:
    return functools.partial(_write_bytes, data)


def copy_writer(source: Path) -> Callable[[Path], None]:
    """A member copied from a file this run made elsewhere (a staging folder)."""
    import shutil

    return functools.partial(shutil.copyfile, source)


def _write_bytes(data: bytes, path: Path) -> None:
    Path(path).write_bytes(data)


# -- signals and crashes -------------------------------------------------------------------


def exit_code(exc: BaseException | None) -> int:
    """The exit status a command ends with, as the round's log records it."""
    if exc is None:
        return 0
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, atomic.Terminated):
        return exc.code
    if isinstance(exc, atomic.OutputError):
        return EXIT_OUTPUT
    return EXIT_INTERNAL


def _terminated(signum: int, frame: Any) -> None:
    raise atomic.Terminated(signum)


def crash_log(text: str) -> Path | None:
    """Write the traceback of an unexpected error where a user can find and send it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"iipeval-error-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError:
        return None
    return Path(name)


def crash(outputs: str = "。此前的输出文件未被改动。") -> None:
    """The one message of an unexpected error: short, Chinese, the log's path, and what
    became of the outputs; never a traceback on the terminal."""
    log = crash_log(traceback.format_exc())
    where = f"详细信息已写入 {log}，请将该文件发给技术支持" if log else "且无法写入错误日志"
    render.echo(f"错误：iipeval 内部出错，已停止（{where}）{outputs}", err=True)
