"""Write outputs whole or not at all, one file (:func:`write_atomic`) or a set (:class:`OutputSet`).

A results file that is half written is worse than none: it opens, looks plausible and is
wrong. :func:`write_atomic` has the writer fill a hidden temporary file next to the
target, flushes it to disk and only then renames it onto the target, which on one file
system replaces the old file in one step. If the writer fails or the run is interrupted
(Ctrl-C, or SIGTERM inside :func:`sigterm_raises`), the temporary file is removed and
whatever was at the target before is still there, untouched.

    with sigterm_raises():
        write_atomic(Path("结果.xlsx"), lambda tmp: write_results_workbook(b, tmp, ...),
                     force=args.force)

Several files that belong together (results.xlsx/.json/.csv, one workbook per expert)
go through :class:`OutputSet`: see there.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from iipeval.core import voice

#: Every temporary file iipeval writes starts with this (then the writer's process id), so
#: that a later run recognises, and removes, what a killed run left behind.
TEMP_PREFIX = ".~iipeval-"
#: The commit record of an :class:`OutputSet` (which temporary file becomes which output).
JOURNAL = TEMP_PREFIX + "commit.json"
#: Taken by a run for the whole time it writes into a folder.
LOCK_NAME = ".iipeval.lock"


class OutputError(Exception):
    """The output cannot be written where asked; the message says why, in Chinese."""


class OutputExists(OutputError, FileExistsError):
    """The output file exists and ``force`` was not given; ``paths`` are the files."""

    def __init__(self, message: str, paths: Iterable[Path | str] = ()) -> None:
        super().__init__(message)
        self.paths = [str(p) for p in paths]


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
        raise OutputExists(voice.output_exists([path]), [path])
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"输出目录 {directory} 不存在")
    fd, name = tempfile.mkstemp(
        dir=directory, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=path.suffix
    )
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


# -- a set of outputs -------------------------------------------------------------------


def new_run_id() -> str:
    """A short id that every output of one run carries, so a set can be checked whole."""
    return secrets.token_hex(6)


def os_message(exc: OSError, path: Path | str) -> str:
    """A Chinese sentence for a failed write, naming the path."""
    reasons = {
        errno.ENOSPC: "磁盘空间不足",
        errno.EDQUOT: "磁盘配额已用完",
        errno.EACCES: "没有写入权限",
        errno.EPERM: "没有写入权限",
        errno.EROFS: "文件系统为只读",
        errno.ENAMETOOLONG: "文件名过长",
        errno.ENOENT: "文件夹不存在",
        errno.ENOTDIR: "路径中的某一级不是文件夹",
        errno.EISDIR: "同名的文件夹已存在",
    }
    reason = reasons.get(exc.errno, exc.strerror or type(exc).__name__)
    return f"无法写入 {path}：{reason}"


def _pid_of(name: str) -> int | None:
    head = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int | None) -> bool:
    """Whether the run that made a temporary file may still be writing it."""
    if pid is None or pid == os.getpid():
        return pid is not None
    if os.name != "posix":  # os.kill(pid, 0) would end the process; a file in use
        return False  # cannot be removed there anyway
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


@contextlib.contextmanager
def scratch(parent: Path | None = None) -> Iterator[Path]:
    """A private folder for work in progress (a run's staged files), named with this
    process's id and removed on the way out; one left by a killed run is removed by the
    next run that asks for a scratch folder in the same place."""
    import shutil

    parent = Path(parent or tempfile.gettempdir())
    for old in parent.glob(TEMP_PREFIX + "*"):
        if old.is_dir() and not old.is_symlink() and not _alive(_pid_of(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def recover(directory: Path) -> None:
    """Finish a set whose commit record exists (the run died while renaming), then
    remove temporary files left by runs that are no longer alive. Call under the lock."""
    journal = directory / JOURNAL
    try:
        moves = json.loads(journal.read_text("utf-8"))["moves"]
    except FileNotFoundError:
        moves = None
    except (OSError, ValueError, KeyError, TypeError):
        moves = []  # a record that was never complete: the set was not committed
    for tmp, target in moves or []:
        src = directory / Path(tmp).name
        if src.exists():
            os.replace(src, directory / Path(target).name)
    if moves is not None:
        _fsync_dir(directory)
        journal.unlink(missing_ok=True)
    for f in directory.glob(TEMP_PREFIX + "*"):
        if f.name != JOURNAL and not _alive(_pid_of(f.name)):
            with contextlib.suppress(OSError):
                f.unlink()


class _Lock:
    """An exclusive lock on a folder; a second run refuses, never interleaves.

    The lock file exists only while a run holds it: it is removed (under the lock) on
    release, and a run that locked a file someone just removed tries again.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> None:
        while True:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise OutputError(os_message(exc, self.path.parent)) from None
            try:
                _lock_fd(self.fd)
            except OSError:
                os.close(self.fd)
                self.fd = None
                raise OutputLocked(
                    f"另一个 iipeval 正在向 {self.path.parent} 写入结果，请等其完成后再运行"
                ) from None
            try:
                if os.name != "posix" or os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                    return
            except FileNotFoundError:
                pass
            os.close(self.fd)  # the holder before us removed it: lock the new one
            self.fd = None

    def release(self) -> None:
        if self.fd is not None:
            if os.name == "posix":
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


def _lock_fd(fd: int) -> None:
    if os.name == "posix":
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


class OutputLocked(OutputError):
    """Another run is writing into the same folder."""


class OutputSet:
    """Outputs that belong together, written all or none, under a lock on their folder.

    Open it before any work (it checks what can be checked: the folder can be written,
    names are not too long, targets do not exist unless ``force``; it locks the folder,
    finishes or cleans up what an earlier, killed run left), then :meth:`commit` a writer
    per target. Every writer fills a temporary file beside its target; only when all are
    complete is a commit record written and the files renamed into place. A run killed
    before the record leaves the previous set untouched (its temporary files are removed
    by the next run); one killed during the renames is finished by the next run, from the
    record. Adding a member to a set is one more entry in the ``writers`` mapping.

        with OutputSet(folder, targets, force=force) as out:
            ...  # the work
            out.commit({path: writer for path in targets})
    """

    def __init__(self, directory: Path, targets: Iterable[Path] = (), *, force: bool) -> None:
        self.directory = Path(directory) if str(directory) else Path(".")
        self.force = force
        self.run_id = new_run_id()
        self._targets = [Path(t) for t in targets]
        self._lock = _Lock(self.directory)
        self._temps: list[Path] = []
        self._made: list[Path] = []
        #: the commit point is passed: the set is the new one, even if a rename failed
        self.committed = False

    def __enter__(self) -> OutputSet:
        made = [d for d in (self.directory, *self.directory.parents) if not d.exists()]
        self._made = made  # removed again if nothing is committed
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(os_message(exc, self.directory)) from None
        if not self.directory.is_dir():
            raise OutputError(f"输出位置 {self.directory} 不是文件夹")
        self._lock.acquire()
        try:
            recover(self.directory)
            self.check(self._targets)
            if not os.access(self.directory, os.W_OK):
                raise OutputError(os_message(OSError(errno.EACCES, ""), self.directory))
        except OutputError:
            self.__exit__()
            raise
        except OSError as exc:
            self.__exit__()
            raise OutputError(os_message(exc, self.directory)) from None
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for tmp in self._temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._lock.release()
        for d in self._made:  # folders this run made and left empty
            with contextlib.suppress(OSError):
                d.rmdir()

    def check(self, targets: Iterable[Path]) -> None:
        """Refuse targets that exist (without ``force``), are folders, or have over-long names."""
        existing = []
        for t in targets:
            if t.parent.resolve() != self.directory.resolve():
                raise OutputError(f"输出 {t} 不在 {self.directory} 中")  # a programming error
            limit = _name_max(self.directory)
            if len(os.fsencode(t.name)) > limit:
                raise OutputError(f"输出文件名 {t.name} 过长（超过 {limit} 字节），请缩短后重试")
            if t.is_dir():
                raise OutputError(f"输出路径 {t} 是一个文件夹，请给出文件名")
            if t.exists() and not self.force:
                existing.append(str(t))
        if existing:
            raise OutputExists(voice.output_exists(existing), existing)

    def stage(self, suffix: str, write: Callable[[Path], None]) -> Path:
        """Have ``write`` fill a temporary file in the folder now, for a member whose name
        depends on how its writing went; :meth:`commit` takes the path as that member's
        writer. A staged file that is never committed is removed like every temporary file."""
        tmp = self._temp(f"s{len(self._temps)}{suffix}")
        try:
            write(tmp)
        except OSError as exc:
            raise OutputError(os_message(exc, exc.filename or self.directory)) from None
        return tmp

    def _temp(self, tail: str) -> Path:
        tmp = self.directory / f"{TEMP_PREFIX}{os.getpid()}-{self.run_id}-{tail}"
        self._temps.append(tmp)
        return tmp

    def commit(
        self,
        writers: Mapping[Path, Callable[[Path], None] | Path],
        modes: Mapping[Path, int] | None = None,
    ) -> None:
        """Write every member to its temporary file, then put them all in place.
        A member's writer may be a path :meth:`stage` returned (already written).
        ``modes`` gives a member its own permissions (a file holding a key: ``0o600``)."""
        targets = [Path(t) for t in writers]
        self.check(targets)
        moves = []
        try:
            for k, (target, write) in enumerate(writers.items()):
                if isinstance(write, Path):
                    tmp = write
                else:
                    tmp = self._temp(f"{k}{Path(target).suffix}")
                    write(tmp)
                _fsync(tmp)
                os.chmod(tmp, (modes or {}).get(target) or _mode_for(Path(target)))
                moves.append((tmp.name, Path(target).name))
            record = self.directory / f"{TEMP_PREFIX}{os.getpid()}-{self.run_id}-commit"
            self._temps.append(record)
            record.write_text(json.dumps({"run": self.run_id, "moves": moves}), "utf-8")
            _fsync(record)
            os.replace(record, self.directory / JOURNAL)  # the commit point
            self.committed = True
            self._made = []
        except OSError as exc:
            raise OutputError(os_message(exc, exc.filename or self.directory)) from None
        _fsync_dir(self.directory)
        try:
            recover(self.directory)
        except PermissionError as exc:
            raise OutputError(
                f"无法写入 {exc.filename}：{exc.strerror}（文件是否正在被 Excel 或 WPS 打开？请关闭后重试）"
            ) from None
        except OSError as exc:
            raise OutputError(os_message(exc, exc.filename or self.directory)) from None
        self._temps.clear()


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255
