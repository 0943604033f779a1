"""Private files: readable by their owner only, from the first byte to the last read.

The panel's record holds the round's key. Whoever reads it can sign forms the panel will
take as its experts', so it is treated as ssh treats a private key:

* written (:func:`write_private`) through a temporary file created with mode 0600 at
  ``open`` (``O_CREAT | O_EXCL``), never created readable and narrowed afterwards, then
  linked into place, so an existing file is never replaced unless asked;
* read (:func:`read_private`) only after opening it without following a symbolic link and
  checking, on the open descriptor (no window between the check and the read), that it is
  a regular file owned by the user running the command and that no one else may read or
  write it. Anything else is refused with the reason and what to do.

On systems without owners and modes (Windows) only the regular-file check applies.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

#: Temporary files start as every temporary file iipeval writes (``present.atomic``), so
#: a killed run's leftover is recognised; this one is private from its creation.
TEMP_PREFIX = ".~iipeval-"
POSIX = os.name == "posix"


class PrivateFileError(ValueError):
    """A private file that cannot be used or written; the message names it and says why."""


def read_private(path: str | Path, label: str, limit: int) -> bytes:
    """The bytes of ``path`` (at most ``limit`` + 1, so a caller can tell "too large"),
    once it is known to be a regular file only its owner, the current user, can read."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise PrivateFileError(f"{path}: {label}不存在") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PrivateFileError(
                f"{path}: {label}是符号链接，不予读取（链接可被他人改指向别的文件）；"
                "请直接指定登记文件本身"
            ) from None
        raise PrivateFileError(f"{path}: 无法读取{label}：{exc.strerror}") from None
    try:
        _check_private(os.fstat(fd), path, label, limit)
        chunks, size = [], 0
        while size <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - size))
            if not block:
                break
            chunks.append(block)
            size += len(block)
        return b"".join(chunks)
    except OSError as exc:
        raise PrivateFileError(f"{path}: 无法读取{label}：{exc.strerror}") from None
    finally:
        os.close(fd)


def _check_private(st: os.stat_result, path: Path, label: str, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise PrivateFileError(f"{path}: {label}不是普通文件，不予读取")
    if st.st_size > limit:  # not a file this program wrote: judged before anything else
        raise PrivateFileError(
            f"{path}: {label}超过 {max(1, limit // 2**20)} MB，不是本程序生成的文件，不予读取"
        )
    if not POSIX:
        return
    if st.st_uid != os.getuid():
        raise PrivateFileError(
            f"{path}: {label}属于另一用户（uid {st.st_uid}），不是当前用户（uid {os.getuid()}）的文件，"
            "不予使用：他人放置或可改动的登记不能作为核验依据；请使用组织方本人保存的登记"
        )
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        raise PrivateFileError(
            f"{path}: {label}的权限为 {mode:04o}，同组或其他用户可以读取或改动，"
            f"其中的本轮签名密钥可能已被他人获得，不予使用。请执行 chmod 600 {path}；"
            "如该文件曾被他人读取，请重新下发评分表"
        )


def write_private(path: str | Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` readable by its owner only, whole or not at all.

    The temporary file beside ``path`` is created 0600 by ``open`` itself; it then becomes
    ``path`` by a hard link, which fails if ``path`` exists (``replace=True``: by a rename
    that replaces it). Raises :class:`PrivateFileError` naming the file."""
    place_private(stage_private(path, data), path, replace=replace)


def stage_private(path: str | Path, data: bytes) -> Path:
    """``data`` in a temporary file beside ``path``, 0600 from its creation and on disk:
    put in place by :func:`place_private`, or removed by the caller when what it goes with
    fails."""
    path = Path(path)
    tmp = path.parent / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{path.suffix}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        raise PrivateFileError(f"{path}: 无法写入：{exc.strerror}") from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def place_private(tmp: Path, path: str | Path, *, replace: bool = False) -> None:
    """The staged file becomes ``path`` (never over an existing one unless ``replace``)."""
    path = Path(path)
    try:
        _into_place(tmp, path, replace)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _sync_folder(path.parent)


def _into_place(tmp: Path, path: Path, replace: bool) -> None:
    try:
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise PrivateFileError(f"{path}: 已存在，未覆盖") from None
        except OSError:  # a file system without hard links: the rename of last resort
            if path.exists():
                raise PrivateFileError(f"{path}: 已存在，未覆盖") from None
            os.rename(tmp, path)
            return
        tmp.unlink()
    except OSError as exc:
        raise PrivateFileError(f"{path}: 无法写入：{exc.strerror}") from None


def private_folder(folder: str | Path) -> None:
    """Create ``folder`` (and its parents) if missing, the folder itself 0700."""
    try:
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise PrivateFileError(f"{folder}: 无法创建文件夹：{exc.strerror}") from None


def _sync_folder(folder: Path) -> None:
    if not POSIX:
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
