"""Files in and out for ``iipeval weights``: outside files read in a sandbox, and the
parameters file written (checked by the very model ``score --params`` loads)."""

from __future__ import annotations

import csv
import json
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iipeval.core import voice
from iipeval.core.scoring.params import InputLimits, Parameters, apply


def isolated(fn: Callable[[str], Any], path: Path, limits: InputLimits) -> tuple[Any, str | None]:
    """``fn(path)`` read the one safe way (:func:`iipeval.core.intake.sandbox.read_isolated`):
    (value, None), or (None, the reason in Chinese)."""
    from iipeval.core.intake.sandbox import IsolationFailed, read_isolated

    try:
        return read_isolated(fn, path, limits), None
    except IsolationFailed as exc:
        return None, str(exc)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(code)


# --------------------------------------------------------------------------------------
# the parameters file written


def _toml_value(v: Any, top: bool = False) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"non-finite value {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        if not top:  # inside an inline table a value stays on one line
            return "[" + ", ".join(_toml_value(x) for x in v) + "]"
        return "[\n" + "".join(f"  {_toml_value(x)},\n" for x in v) + "]"
    raise TypeError(type(v))


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def parameters_text(
    framework_id: str,
    points: dict[str, float],
    subtype: str | None,
    origin: dict[str, Any],
    headline: str,
) -> str:
    """A parameters file with the weights and their origin, checked by the same model
    ``score --params`` uses (and applied to the set) before it is returned."""
    section = f"frameworks.{_key(framework_id)}." + (
        f"subtype_weights.{_key(subtype)}" if subtype else "weights"
    )
    lines = [
        f"# {headline}",
        "# 由 iipeval weights 生成；来源见 [origin]，结果的“参数”表同样显示。",
        "",
    ]
    lines.append(f"[{section}]")
    lines += [f"{_key(k)} = {_toml_value(float(v))}" for k, v in points.items()]
    lines += ["", "[origin]"]
    lines += [f"{_key(k)} = {_toml_value(v, top=True)}" for k, v in origin.items()]
    return "\n".join(lines) + "\n"


def check_parameters(text: str, fw, subtype: str | None) -> None:
    """Refuse to write a file that ``score --params`` would not take as it is."""
    try:
        apply(fw, Parameters.model_validate(tomllib.loads(text)), subtype)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # ParamsError, ValidationError
        fail(f"生成的参数文件未通过校验，未写出：{exc}")


def refuse_existing(path: str | None, force: bool) -> None:
    """Before any work: an output that exists needs --force (exit 2, as ``score`` does)."""
    if path and Path(path).exists() and not force:
        raise click.UsageError(voice.output_exists([path]))


def write_output(path: str, text: str, force: bool) -> None:
    from iipeval.present.atomic import OutputError, write_atomic

    try:
        write_atomic(Path(path), lambda tmp: Path(tmp).write_text(text, "utf-8"), force=force)
    except OutputError as exc:
        fail(str(exc), 2)


def subtype_id(fw, subtype: str | None) -> str | None:
    if subtype is None:
        return None
    st = fw.subtype(subtype)
    if st is None:
        known = "、".join(f"{s.id}（{s.name}）" for s in fw.subtypes) or "（该评价体系没有子类型）"
        raise click.BadParameter(f"没有子类型“{subtype}”；可选：{known}", param_hint="--subtype")
    return st.id


def read_table(path: str) -> list[list[Any]]:
    """The first sheet of an .xlsx or a UTF-8 .csv as rows of values (runs in the child)."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as fh:
            return [row for row in csv.reader(fh)]
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return wb.get_sheet_by_index(0).to_python()


def cell_name(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"
