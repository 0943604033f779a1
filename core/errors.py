"""One place that turns bad input files and pydantic errors into Chinese sentences.

Parameters files, criteria-set files and panel files are all TOML written by people;
every one of them deserves the same clear message naming the file and the key.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli as tomllib  # the stdlib's parser, compiled: every start-up parses each set
from pydantic import ValidationError

#: pydantic error types in the reviewers' words; anything else keeps pydantic's text.
MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "无法识别的参数名",
    "string_type": "应为文本（用英文双引号括起）",
    "list_type": '应为列表，例如 ["..."]',
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "model_type": "应为表",
    "dict_type": "应为表",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数值",
    "float_parsing": "应为数值",
    "bool_type": "应为 true 或 false",
    "greater_than": "须大于下限",
    "greater_than_equal": "不能小于下限",
    "less_than_equal": "不能大于上限",
}


class InputFileError(ValueError):
    """A file a person wrote that cannot be used; the message names the file."""


def where(loc: tuple) -> str:
    return ".".join(str(x) for x in loc)


def first_problem(exc: ValidationError) -> str:
    """``key.path：message`` of the first error only: for files iipeval wrote itself (a
    review form, a panel record), where one problem is enough to refuse the file."""
    first = exc.errors()[0]
    return f"{where(tuple(first['loc']))}：{plain_message(first, MESSAGES)}"


#: pydantic error types by their family (the part before ``_``), for the types not listed
#: one by one: a date that is not a date says so in Chinese too.
FAMILIES = {
    "date": "应为日期，例如 2026-12-20",
    "datetime": "应为日期和时间，例如 2026-12-20T09:00:00+08:00",
    "time": "应为时间，例如 09:00",
    "literal": "不是可选值之一",
    "enum": "不是可选值之一",
    "url": "应为网址",
    "uuid": "应为 UUID",
}


def plain_message(err: Any, table: dict[str, str]) -> str:
    """The Chinese words for one pydantic error: from ``table``, else by the error's family,
    else its own message if it is ours (Chinese), else a plain 取值无效 (never English)."""
    kind = str(err["type"])
    if kind in table:
        return table[kind]
    family = FAMILIES.get(kind.split("_", 1)[0])
    if family:
        return family
    text = str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "取值无效"


def describe(
    exc: ValidationError,
    locate: Callable[[tuple], str] = where,
    messages: dict[str, str] | None = None,
) -> str:
    """``[key.path] 问题；[…] …`` for every error in ``exc``."""
    table = {**MESSAGES, **(messages or {})}
    parts = []
    for err in exc.errors():
        place = locate(tuple(err["loc"]))
        text = plain_message(err, table)
        parts.append(f"[{place}] {text}" if place else text)
    return "；".join(parts)


#: No TOML a person writes (parameters, panel, criteria set) comes near this.
MAX_TOML_BYTES = 4 * 2**20


def read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; ``ValueError`` for a special file (a FIFO
    would block, ``/dev/zero`` never ends) or a file that is larger.

    The file is opened without blocking and checked on the open descriptor, so a name
    swapped for a FIFO between a check and the open cannot hang the read either."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("不是普通文件（可能是管道或设备）")
        if info.st_size > limit:  # refused by its size, before a byte is read
            raise ValueError(f"文件超过 {_size(limit)} 上限")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(f"文件超过 {_size(limit)} 上限")
    return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MB" if limit >= 2**20 else f"{limit // 2**10} KB"


def decode_utf8(data: bytes) -> str:
    """``data`` as UTF-8 text (a BOM is allowed); ``ValueError`` in Chinese otherwise, with
    the line where it stops and the encoding it looks like (Excel and WPS save CSV as GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("是 UTF-16 编码，请另存为 UTF-8 编码后重试")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            guess = "，看起来是 GBK/GB18030 编码（Excel 或 WPS 另存的文件常见）"
        except UnicodeDecodeError:
            guess = ""
        raise ValueError(
            f"不是 UTF-8 编码{guess}：第{line}行起无法识别；请另存为 UTF-8 编码后重试"
        ) from None


def read_toml(
    path: str | Path, what: str, error: type[Exception] = InputFileError
) -> dict[str, Any]:
    """Parse a UTF-8 TOML file, raising ``error`` with a message that names the file."""
    path = Path(path)
    try:
        return tomllib.loads(decode_utf8(read_capped(path, MAX_TOML_BYTES)))
    except OSError as exc:
        raise error(f"{path}: 无法读取{what}（{exc.strerror}）") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {what} TOML 格式错误：{exc}") from None
    except ValueError as exc:  # special file, or too large
        raise error(f"{path}: 无法读取{what}（{exc}）") from None
