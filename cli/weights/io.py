"""Files in and out for ``iipeval weights``: outside files read in the sandbox through
:func:`iipeval.excel.intake.files`, and the parameters file's text (checked by the very
model ``score --params`` loads); the command's door writes it."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iipeval.cli.app import registered
from iipeval.core import voice
from iipeval.core.analysis.ahp_scale import RI_TABLES
from iipeval.core.errors import InputFileError, decode_utf8, read_capped
from iipeval.core.scoring.params import InputLimits, Parameters, apply

#: A pairwise matrix or a data matrix is a few kilobytes; far larger is not one.
MAX_CSV_BYTES = 16 * 2**20


def isolated(fn: Callable[[str], Any], path: Path, limits: InputLimits) -> tuple[Any, str | None]:
    """``fn(path)`` read the one safe way (:func:`iipeval.excel.intake.files`): (value,
    None), or (None, the reason in Chinese)."""
    from iipeval.excel import intake

    [(value, problem)] = intake.files(fn, [Path(path)], limits=limits)
    return value, problem


def fail(message: str, code: int = 1) -> None:
    from iipeval.cli import render

    render.echo(f"错误：{message}", err=True)
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
        f"# 由 iipeval weights 生成；来源见 [frameworks.{_key(framework_id)}.origin]，"
        "该评价体系结果的“参数”表同样显示。",
        "",
    ]
    lines.append(f"[{section}]")
    lines += [f"{_key(k)} = {_toml_value(float(v))}" for k, v in points.items()]
    lines += ["", f"[frameworks.{_key(framework_id)}.origin]"]  # the weights' origin, this set's
    lines += [f"{_key(k)} = {_toml_value(v, top=True)}" for k, v in origin.items()]
    return "\n".join(lines) + "\n"


def check_parameters(text: str, fw, subtype: str | None) -> None:
    """Refuse to write a file that ``score --params`` would not take as it is."""
    try:
        apply(fw, Parameters.model_validate(tomllib.loads(text)), subtype)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # ParamsError, ValidationError
        fail(f"生成的参数文件未通过校验，未写出：{exc}")


def subtype_id(fw, subtype: str | None) -> str | None:
    if subtype is None:
        return None
    st = fw.subtype(subtype)
    if st is None:
        known = "、".join(f"{s.id}（{s.name}）" for s in fw.subtypes) or "（该评价体系没有子类型）"
        raise click.BadParameter(f"没有子类型“{subtype}”；可选：{known}", param_hint="--subtype")
    return st.id


def read_table(path: str) -> list[list[Any]]:
    """The first sheet of an .xlsx or a UTF-8 .csv as rows of values (runs in the child);
    a CSV in another encoding (Excel and WPS save GBK) is refused in words, never a repr."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        try:
            text = decode_utf8(read_capped(p, MAX_CSV_BYTES))
        except ValueError as exc:
            raise InputFileError(f"无法读取 CSV：{exc}") from None
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return wb.get_sheet_by_index(0).to_python()


def cell_name(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


# --------------------------------------------------------------------------------------
# AHP questionnaires read back (weights derive, robustness --ahp)


def read_questionnaires(run, questionnaires, ev) -> list:
    """Every questionnaire the door finds under ``questionnaires``, read in the sandbox
    (:func:`iipeval.excel.intake.files`); a file that cannot be read is a finding."""
    from iipeval.cli.door import shown
    from iipeval.excel import intake
    from iipeval.excel.questionnaire.reader import Filled, read_questionnaire

    paths = [p for p in run.expand(questionnaires) if p.suffix.lower() != ".json"]
    if not paths:
        raise click.UsageError("没有找到调查表（.xlsx）")
    read = intake.files(read_questionnaire, paths, limits=ev.params.input)
    return [
        value
        if value is not None
        else Filled(shown(p), findings=[_err(shown(p), "unreadable", problem)])
        for p, (value, problem) in zip(paths, read, strict=True)
    ]


def questionnaire_set(read, ev):
    """The criteria set (and sub-type) the questionnaires name: they must agree."""
    sets = {(f.fact("framework"), f.fact("subtype")) for f in read if f.ok}
    if len(sets) > 1:
        listed = "、".join(f"{a}{'/' + b if b else ''}" for a, b in sorted(sets))
        fail(f"调查表分属不同的评价体系或子类型：{listed}；请分别汇总")
    if not sets:
        report_findings([x for f in read for x in f.findings])
        fail("没有可用的调查表")
    fw_id, st = next(iter(sets))
    fw = registered(ev, fw_id).framework
    if st and fw.subtype(st) is None:
        fail(f"调查表记录的子类型“{st}”不属于 {fw.id}（_meta 可能被改动）")
    return fw, st


def questionnaire_settings(read, ri, threshold, saaty):
    """RI table, threshold and limits: as given, else as the questionnaires were issued
    (what their experts saw live)."""
    ri = ri or _agreed(read, "ri_table", "--ri")
    if threshold is None:
        try:
            threshold = float(_agreed(read, "cr_threshold", "--threshold"))
        except ValueError:
            threshold = math.nan
    if ri not in RI_TABLES or not 0 < threshold <= 1:
        fail("调查表中记录的 RI 表或阈值无效（_meta 可能被改动）；请用 --ri 与 --threshold 指定", 2)
    if saaty is None:  # questionnaires issued before the option have the flat limit
        limits = {f.fact("cr_limits") or "flat" for f in read if f.facts}
        if len(limits) > 1:
            fail("调查表生成时的一致性限值不一致；请用 --saaty-limits 或 --flat-limit 指定", 2)
        saaty = limits == {"saaty"}
    return ri, threshold, saaty


def questionnaire_roster(panel_file, read) -> list[str] | None:
    """The panel's experts: the --panel file's, else as the questionnaires record them."""
    from iipeval.core.panel.roster import PanelError, load_panel
    from iipeval.excel.questionnaire.reader import roster

    if panel_file:
        try:
            return [e.id for e in load_panel(panel_file).experts]
        except PanelError as exc:
            raise click.BadParameter(str(exc), param_hint="--panel") from None
    recorded = {e for f in read for e in roster(f)}
    return sorted(recorded) or None


def _agreed(read, key: str, option: str) -> str:
    """The setting every questionnaire was generated with (what its experts saw live).
    Questionnaires that disagree must not let the first file's setting win silently."""
    values = {f.fact(key) for f in read if f.facts}
    if len(values) > 1:
        fail(
            f"调查表生成时的设置不一致（{key}：{'、'.join(sorted(values))}）；请用 {option} 指定", 2
        )
    return values.pop() if values else ""


def _err(src: str, code: str, message: str):
    from iipeval.excel.questionnaire.reader import error

    return error(src, code, message)


def report_findings(findings) -> None:
    from iipeval.cli import render

    for line in voice.finding_lines(findings):
        render.echo(line, err=True)
