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
    return f"{where(tuple(first['loc']))}：{first['msg']}"


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
        text = table.get(err["type"], err["msg"].removeprefix("Value error, "))
        parts.append(f"[{place}] {text}" if place else text)
    return "；".join(parts)


#: No TOML a person writes (parameters, panel, criteria set) comes near this.
MAX_TOML_BYTES = 4 * 2**20


def read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; ``ValueError`` for a special file (a FIFO
    would block, ``/dev/zero`` never ends) or a file that is larger."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError("不是普通文件（可能是管道或设备）")
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"文件超过 {limit // 2**20} MB 上限")
    return data


def read_toml(
    path: str | Path, what: str, error: type[Exception] = InputFileError
) -> dict[str, Any]:
    """Parse a UTF-8 TOML file, raising ``error`` with a message that names the file."""
    path = Path(path)
    try:
        return tomllib.loads(read_capped(path, MAX_TOML_BYTES).decode("utf-8"))
    except OSError as exc:
        raise error(f"{path}: 无法读取{what}（{exc.strerror}）") from None
    except UnicodeDecodeError:
        raise error(f"{path}: {what}必须是 UTF-8 编码") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {what} TOML 格式错误：{exc}") from None
    except ValueError as exc:  # special file, or too large
        raise error(f"{path}: 无法读取{what}（{exc}）") from None
