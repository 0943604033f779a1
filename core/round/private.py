"""The round's private state: a folder only its owner can enter, files only its owner can read.

A secret is created with its final mode (``O_CREAT | O_EXCL`` at 0600, the temporary file
included) and moved into place; it is never written first and locked down after. A private
file is trusted for what it holds only after the open file itself (not its path, which may
change between a check and a read) is shown to be a regular file owned by the user running
the command and closed to everyone else, as ssh treats a key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

MAX_PRIVATE_BYTES = 64 * 2**20


class PrivateError(ValueError):
    """A private folder or file that is looser than it must be, or not ours; the message
    names it and says what to do."""


def _loose(mode: int, kind: str, path: Path) -> str | None:
    if mode & 0o077:
        return (
            f"{path}: {kind}的权限为 {stat.S_IMODE(mode):04o}，其他用户可以读取或修改；"
            f"请执行 chmod {'700' if kind == '私有文件夹' else '600'} {path} 后重试"
        )
    return None


def check_owned(st: os.stat_result, kind: str, path: Path) -> None:
    """Refuse what is not ours or is open to others (the same words for folder and file)."""
    if st.st_uid != os.getuid():
        raise PrivateError(f"{path}: {kind}不属于当前用户（属主 uid {st.st_uid}），拒绝使用")
    problem = _loose(st.st_mode, kind, path)
    if problem:
        raise PrivateError(problem)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and nothing above it) at mode 0700, or check the one that is there."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    check_private_dir(path)


def check_private_dir(path: Path) -> None:
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise PrivateError(f"{path}: 应为私有文件夹，实际不是文件夹")
    check_owned(st, "私有文件夹", path)


def read_private(path: Path, limit: int = MAX_PRIVATE_BYTES) -> bytes:
    """The bytes of a private file, checked on the open descriptor (no symlink followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise PrivateError(f"{path}: 无法打开私有文件（{exc.strerror}）") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PrivateError(f"{path}: 应为普通文件")
        check_owned(st, "私有文件", path)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise PrivateError(f"{path}: 私有文件超过 {limit // 2**20} MB，不是本程序写出的文件")
    return data


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` whole at mode 0600: a temporary file created 0600 beside it, synced,
    then renamed over it."""
    tmp = path.with_name(f".~iipeval-{secrets.token_hex(6)}-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def append_private(path: Path, line: bytes) -> None:
    """Append one line to a private file created 0600 if absent (``O_APPEND``: whole lines)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "ab") as fh:
        check_owned(os.fstat(fh.fileno()), "私有文件", path)
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def exclusive(state: Path, what: str) -> Iterator[None]:
    """One command writes the round at a time: a second is refused at once, not queued."""
    fd = os.open(state / "lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PrivateError(
                f"另一个 iipeval 命令正在写入本轮评审（{state.parent}），请待其结束后再{what}"
            ) from None
        yield
    finally:
        os.close(fd)
