"""Read an application file strictly: what JSON allows but a reviewer would not see.

``json.loads`` takes the last of two equal keys (even ``framework``), reads ``NaN`` and
``1e400``, recurses once per nesting level, and reads any size. An application file is
untrusted, so each of these is an error finding with its key path, and nothing raises:
the size is checked before reading (and no more than the limit is read), the nesting
depth is counted before parsing, and numbers and texts are checked against the limits
in :class:`.params.InputLimits` after it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import na_problem
from iipeval.core.scoring.params import InputLimits
from iipeval.core.text import cap, too_long


class _Object(dict):
    """A JSON object that remembers the keys it saw twice."""

    duplicates: tuple[str, ...] = ()


class _BadNumber(str):
    """A number literal that is not a finite number (NaN, Infinity, 1e400), kept as text."""


class _HugeNumber(_BadNumber):
    """An integer literal too long to be worth converting (``10**400``), kept as text."""


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.duplicates = tuple(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def _int(text: str) -> int | _BadNumber:
    return _HugeNumber(text) if len(text) > 40 else int(text)


def _float(text: str) -> float | _BadNumber:
    value = float(text)
    return value if math.isfinite(value) else _BadNumber(text)


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def _too_deep(raw: bytes, limit: int) -> bool:
    """Whether brackets (outside strings) nest deeper than ``limit``; stops at the limit."""
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        depth += 1 if m.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def _error(src: str, code: str, message: str, item: str | None = None) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src, item=item)


def read(path: Path, limits: InputLimits) -> tuple[Any, list[Finding]]:
    """The parsed content of ``path``, or ``None`` and the findings that refuse it."""
    src = str(path)
    try:
        size = path.stat().st_size
        if size <= limits.max_json_bytes:
            with path.open("rb") as fh:
                raw = fh.read(limits.max_json_bytes + 1)
            size = len(raw)
    except OSError as exc:
        return None, [_error(src, "unreadable", f"无法读取文件：{exc.strerror}")]
    if size > limits.max_json_bytes:
        return None, [
            _error(
                src,
                "file_too_large",
                f"JSON 文件过大（{size}字节，上限{limits.max_json_bytes}字节）",
            )
        ]
    if _too_deep(raw, limits.max_json_depth):
        return None, [
            _error(src, "too_deep", f"JSON 嵌套层数超过上限（{limits.max_json_depth}层）")
        ]
    try:
        data = json.loads(
            raw,
            object_pairs_hook=_pairs,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_BadNumber,
        )
    except json.JSONDecodeError as exc:
        where = f"第{exc.lineno}行第{exc.colno}列"
        message = f"不是有效的 JSON（{where}附近）：请检查引号、逗号和括号是否配对"
        return None, [_error(src, "bad_json", message)]
    except UnicodeDecodeError:
        return None, [_error(src, "bad_json", "不是有效的 JSON：文件须为 UTF-8 编码")]
    except (RecursionError, ValueError) as exc:  # depth was checked; a last safety net
        return None, [_error(src, "bad_json", f"不是有效的 JSON：{exc}")]
    if isinstance(data, dict) and "application" not in data and "applicant" in data:
        data = _Object(application=data)  # a bare application is accepted too
    findings = [_error(src, code, message, path) for path, code, message in _check(data, limits)]
    return (None if findings else data), findings


def _check(data: Any, limits: InputLimits):
    """(key path, code, message) for every value JSON allows and an application does not."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        where = path or "（根）"
        # the finding names the key path; only the root, which has none, says where it is
        lead = "" if path else "（根）："
        if isinstance(value, _HugeNumber):
            yield where, "number_too_large", _huge(lead, limits)
        elif isinstance(value, _BadNumber):
            yield where, "bad_number", f"{lead}{cap(value, 40)} 不是有效数值；请填写具体的数值"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) > limits.max_number:
                yield where, "number_too_large", _huge(lead, limits)
        elif isinstance(value, str):
            message = too_long("该项文字", value, limits.max_text_chars)
            if message:
                yield where, "text_too_long", message
        elif isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                yield (
                    _join(path, key),
                    "duplicate_key",
                    "键重复出现，无法确定取哪一个值；请只保留一个",
                )
            if _is_item(path) and (problem := na_problem(value)):
                yield where, "bad_na", f"{lead}{problem}"
                continue
            for key, child in value.items():
                if len(key) > limits.max_text_chars:
                    yield (
                        _join(path, key),
                        "text_too_long",
                        too_long("键名", key, limits.max_text_chars),
                    )
                    continue
                stack.append((_join(path, key), child))
        elif isinstance(value, list):
            stack.extend((_join(path, str(i)), v) for i, v in enumerate(value))


def _huge(lead: str, limits: InputLimits) -> str:
    return f"{lead}数值超出上限（绝对值不超过{limits.max_number:g}）"


def _join(path: str, key: str) -> str:
    return f"{path}.{cap(key, 60)}" if path else cap(key, 60)


def _is_item(path: str) -> bool:
    """An answer in ``application.items`` (the only place an object means 不适用)."""
    head, _, key = path.rpartition(".")
    return head == "application.items" and bool(key)
