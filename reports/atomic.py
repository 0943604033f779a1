"""Write an output file whole or not at all.

A results file that is half written is worse than none: it opens, looks plausible and is
wrong. :func:`write_atomic` has the writer fill a hidden temporary file next to the
target, flushes it to disk and only then renames it onto the target, which on one file
system replaces the old file in one step. If the writer fails or the run is interrupted
(Ctrl-C, or SIGTERM inside :func:`sigterm_raises`), the temporary file is removed and
whatever was at the target before is still there, untouched.

    with sigterm_raises():
        write_atomic(Path("结果.xlsx"), lambda tmp: write_results_workbook(b, tmp, ...),
                     force=args.force)
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


class OutputError(Exception):
    """The output cannot be written where asked; the message says why, in Chinese."""


class OutputExists(OutputError, FileExistsError):
    """The output file exists and ``force`` was not given."""


class Terminated(SystemExit):
    """Raised by the SIGTERM handler of :func:`sigterm_raises`.

    A :class:`SystemExit` with the conventional status 128 + signal number, so that an
    unhandled one ends the process quietly with the status a shell expects, after every
    ``finally`` and ``except BaseException`` clause on the way has run.
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(128 + int(signum))
        self.signum = int(signum)


def write_atomic(
    path: Path, write: Callable[[Path], None], *, force: bool, mode: int | None = None
) -> None:
    """Have ``write`` fill a temporary file, then move it onto ``path`` in one step.

    ``write`` receives the temporary path (same directory and suffix as ``path``, hidden
    name) and must write the complete file there. Raises :class:`OutputExists` if
    ``path`` exists and ``force`` is false; whatever ``write`` raises (including
    ``KeyboardInterrupt`` and :class:`Terminated`) propagates after the temporary file is
    removed, leaving any previous file at ``path`` as it was. ``mode`` sets the file's
    permissions (a file holding a secret key: ``0o600``); by default they are the usual ones.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"输出路径 {path} 是一个目录，请给出文件名")
    if path.exists() and not force:
        raise OutputExists(f"输出文件 {path} 已存在；如需覆盖，请加 --force")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"输出目录 {directory} 不存在")
    fd, name = tempfile.mkstemp(dir=directory, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        _fsync(tmp)
        os.chmod(tmp, _mode_for(path) if mode is None else mode)
        try:
            os.replace(tmp, path)
        except PermissionError as exc:
            raise OutputError(
                f"无法写入 {path}：{exc.strerror}（文件是否正在被 Excel 或 WPS 打开？请关闭后重试）"
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into a :class:`Terminated` exception for the duration.

    Python's default SIGTERM action kills the process without unwinding, so a writer's
    cleanup never runs and a truncated temporary file is left behind. Inside this block
    SIGTERM raises instead, ``write_atomic`` removes its temporary file, and the exception
    then ends the process with status 143. Outside the main thread signal handlers cannot
    be installed, and the block does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fsync(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself (POSIX); not possible, nor needed, on Windows."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(path: Path) -> int:
    """The permissions the output should have: the old file's, else the usual default.

    ``mkstemp`` creates files readable by the owner only; a results file is a normal
    document and gets ``0o666`` less the umask, like any file the user creates.
    """
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
