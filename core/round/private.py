"""The round's private state folder: only its owner may enter it, only its owner may read what
is in it (:mod:`iipeval.core.intake.private` reads and writes each file as ssh treats a
key), and one command at a time may write it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from iipeval.core.intake.private import PrivateFileError
from iipeval.core.intake.private import read_private as _read
from iipeval.core.intake.private import write_private as _write

MAX_PRIVATE_BYTES = 64 * 2**20
LABEL = "本轮私有文件"


def check_private_dir(path: Path) -> None:
    """Refuse a private folder that is not a folder, not ours, or open to others."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise PrivateFileError(f"{path}: 应为本轮的私有文件夹，实际不是文件夹")
    if st.st_uid != os.getuid():
        raise PrivateFileError(f"{path}: 私有文件夹属于另一用户（uid {st.st_uid}），拒绝使用")
    if st.st_mode & 0o077:
        raise PrivateFileError(
            f"{path}: 私有文件夹的权限为 {stat.S_IMODE(st.st_mode):04o}，其他用户可以进入；"
            f"其中有本轮密钥与评审组登记，不予使用。请执行 chmod 700 {path} 后重试"
        )


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and nothing above it) at mode 0700, or check the one that is there."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    check_private_dir(path)


def read_private(path: Path, limit: int = MAX_PRIVATE_BYTES) -> bytes:
    data = _read(path, LABEL, limit)
    if len(data) > limit:
        raise PrivateFileError(f"{path}: {LABEL}超过 {limit // 2**20} MB，不是本程序写出的文件")
    return data


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` whole, 0600 from its first byte."""
    _write(path, data, replace=True)


def append_private(path: Path, line: bytes) -> None:
    """Append one line to a private file created 0600 if absent (``O_APPEND``: whole lines)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "ab") as fh:
        st = os.fstat(fh.fileno())
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            raise PrivateFileError(f"{path}: 本轮日志的属主或权限不对，拒绝续写（应为本人、0600）")
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
            raise PrivateFileError(
                f"另一个 iipeval 命令正在写入本轮评审（{state.parent}），请待其结束后再{what}"
            ) from None
        yield
    finally:
        os.close(fd)
