"""What is scored is what a person sees, in any workbook a person fills in.

A stored value need not be what the program showing it displays: a formula's cached
result is whatever the file says (``=60`` cached as 100), a merged range shows only its
top-left cell, a hidden row, column or sheet shows nothing, and a number format can show
anything at all (``"60"`` over a stored 100, ``;;;`` over everything, ``0%`` over 0.85).
The application workbooks (:mod:`iipeval.excel.application.visible`), the expert forms
and the 核查表 are read with these same rules: a cell a person reads or types into is
checked with :func:`cell_problem` and :func:`format_problem`, and a problem is an error at
its sheet and cell whose value is not counted. The facts come from :mod:`.cellxml`.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from iipeval.excel.cells import cellxml
from iipeval.excel.cells.cellxml import SheetLook
from iipeval.excel.cells.refs import column_index, column_letters

#: What to do about each kind of cell problem, said after the problem itself.
REMEDY = {
    "formula": "请直接填写数值，不要使用公式",
    "merged_input": "请取消合并，直接在该单元格填写",
    "hidden_row": "请取消隐藏，核对后再提交",
    "hidden_column": "请取消隐藏，核对后再提交",
    "number_format": "请将该单元格的数字格式设为“常规”，核对后再提交",
}
STATE_WORDS = {"hidden": "隐藏", "veryHidden": "深度隐藏"}
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def cell_problem(sheet: SheetLook | None, cell: str) -> tuple[str, str] | None:
    """(code, what is wrong) for a cell whose stored value is not what is shown, or
    ``None``. What is wrong follows the cell's own name in a sentence
    (“某项”是公式，……)."""
    if sheet is None or sheet.hides_nothing:
        return None
    m = _CELL.fullmatch(cell)
    if m is None:
        return None
    column, row = column_index(m.group(1)), int(m.group(2))
    if cell in sheet.formulas:
        return "formula", "是公式，表格中显示的不一定是读取到的值"
    merged = sheet.merge_at(row, column)
    if merged:
        r1, c1, r2, c2 = merged
        rng = f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"
        return "merged_input", f"被合并进单元格区域 {rng}，表格中看到的不是该单元格的内容"
    if row in sheet.hidden_rows:
        return "hidden_row", f"所在的第{row}行被隐藏"
    if sheet.column_hidden(column):
        return "hidden_column", f"所在的{m.group(1)}列被隐藏"
    return None


def sheet_state(states: dict[str, str], name: str) -> str | None:
    """How a sheet is hidden (隐藏, 深度隐藏), or ``None`` when it is visible."""
    state = states.get(name, "visible")
    return None if state == "visible" else STATE_WORDS.get(state, "隐藏")


# -- one sheet a person fills in, as a whole ------------------------------------------------


class Unseen(Exception):
    """The workbook cannot be read as its person saw it; the message says why."""

    def __init__(self, message: str, sheet: str | None = None) -> None:
        super().__init__(message)
        self.sheet = sheet


@dataclass
class Seen:
    """How the sheet a person fills in shows its cells."""

    sheet_name: str
    sheet: SheetLook | None = None
    formats: dict[str, str] = field(default_factory=dict)

    def format(self, cell: str) -> str | None:
        return self.formats.get(f"{self.sheet_name}!{cell}")

    def problem(self, cell: str, value: object) -> tuple[str, str] | None:
        """(code, what is wrong) when ``cell`` does not show ``value`` as it is stored."""
        return cell_problem(self.sheet, cell) or format_problem(value, self.format(cell))


def seen(
    path: str | Path, names: Iterable[str], sheet: str, made: Iterable[str], cells: list[str],
    *, what: str,
) -> Seen:  # fmt: skip
    """How ``sheet`` shows ``cells``. Raises :class:`Unseen` when the sheet is hidden (a
    visible copy for the person, the hidden one for the reader), when the workbook has a
    sheet the program did not make (``made``: which one did the person fill in?), or when
    the file does not let anyone check what it shows. ``what`` names the workbook in the
    message (评分表, 核查表)."""
    look = cellxml.look(path, [sheet])
    whole = f"整份{what}未读取"
    if not look.cells_known:
        raise Unseen(f"无法核对{what}中的公式、隐藏行列和合并单元格（文件结构异常），{whole}")
    hidden = sheet_state(look.states, sheet)
    if hidden:
        raise Unseen(
            f"工作表“{sheet}”被{hidden}，填写的人看不到其中的内容，{whole}；请使用组织方下发的原{what}",
            sheet,
        )
    for name in names:
        if name not in set(made) | {sheet}:
            how = sheet_state(look.states, name)
            raise Unseen(
                f"{what}中有下发时没有的工作表“{name}”{f'（{how}）' if how else ''}，"
                f"无法确定是在哪张表上填写的，{whole}；请删除该工作表，或使用原{what}",
                name,
            )
    sheet_look = look.sheets.get(sheet)
    if sheet_look is not None and sheet_look.unplaced:
        raise Unseen(
            f"工作表“{sheet}”中有公式或隐藏行，但文件未注明其位置，无法核对看到的内容，{whole}",
            sheet,
        )
    formats = cellxml.number_formats(path, {sheet: cells})
    if formats is None:
        raise Unseen(f"无法核对{what}中单元格的数字格式（文件结构异常），{whole}")
    return Seen(sheet, sheet_look, formats)


# -- number formats ----------------------------------------------------------------------

_GENERAL = {"", "general", "@", "standard"}
#: a colour, or a locale without a currency symbol: they change no digit shown
_HARMLESS = re.compile(r"\[(?:[A-Za-z]+|Color\s*\d+|\$-[0-9A-Fa-f]+)\]")
_DIGITS_ONLY = re.compile(r"[0#?,]*(?:\.[0#?]*)?")


def _sections(code: str) -> list[str]:
    """A format's sections, split at the semicolons outside quotes and brackets."""
    out, current, quoted, bracket, escaped = [], [], False, False, False
    for ch in code:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch in "[]":
            bracket = ch == "["
        elif ch == ";" and not quoted and not bracket:
            out.append("".join(current))
            current = []
            continue
        current.append(ch)
    return [*out, "".join(current)]


def format_problem(value: object, code: str | None) -> tuple[str, str] | None:
    """(code, what is wrong) when number format ``code`` shows ``value`` as something
    else than the value itself, or ``None``.

    Only formats that show a number's own digits pass: General, text, and digit
    placeholders (``0``, ``#,##0.00``) whose decimals keep every digit of the value. A
    percentage, a condition, literal text or a hidden section shows another thing, and
    a format whose showing this cannot tell is refused rather than guessed at. Dates,
    times and truth values are judged by the reader of the cell (never a score)."""
    if code is None or code.strip().lower() in _GENERAL or value is None:
        return None
    if isinstance(value, bool | datetime.date | datetime.time | datetime.timedelta):
        return None
    sections = _sections(code)
    if isinstance(value, str):
        return _text_problem(value, code, sections)
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    section = sections[0]
    if value < 0 and len(sections) > 1:
        section = sections[1]
    elif value == 0 and len(sections) > 2:
        section = sections[2]
    plain = _HARMLESS.sub("", section).strip()
    if plain.lower() in _GENERAL - {""}:
        return None
    literal = _literal(plain)
    if literal is not None:
        shown = f"显示为“{literal}”" if literal else "显示为空白"
        return "number_format", f"{shown}，而存储的值为{_plain(value)}（数字格式“{code}”）"
    if "%" in plain and _DIGITS_ONLY.fullmatch(plain.replace("%", "")):
        shown = f"{_digits(value * 100, plain.replace('%', ''))}%"
        return "percent_format", f"显示为“{shown}”（百分数），存储的值为{_plain(value)}"
    if not _DIGITS_ONLY.fullmatch(plain):
        return "number_format", f"的数字格式“{code}”使表格中显示的内容与存储的值{_plain(value)}不同"
    shown = _digits(value, plain)
    if abs(float(shown.replace(",", "")) - value) > 1e-9 * max(1.0, abs(value)):
        return "number_format", f"显示为“{shown}”，而存储的值为{_plain(value)}（数字格式“{code}”）"
    return None


_LITERAL = re.compile(r'(?:"[^"]*"|\\.|[ ])*')


def _literal(section: str) -> str | None:
    """The text a section shows whatever the number, when it is only literal text (or
    nothing at all), else ``None``."""
    if not _LITERAL.fullmatch(section):
        return None
    return re.sub(r'"([^"]*)"|\\(.)', lambda m: m.group(1) or m.group(2) or "", section)


def _text_problem(value: str, code: str, sections: list[str]) -> tuple[str, str] | None:
    """Text is shown by the fourth section when there is one, else by an ``@`` section."""
    text = sections[3] if len(sections) > 3 else next((s for s in sections if "@" in s), "@")
    if _HARMLESS.sub("", text).strip() == "@":
        return None
    return "number_format", f"的数字格式“{code}”使表格中显示的文字与存储的“{value[:30]}”不同"


def _digits(value: float, placeholder: str) -> str:
    """``value`` as a digit-placeholder format shows it: rounded half away from zero to
    its decimals, as spreadsheet programs round."""
    decimals = len(placeholder.split(".", 1)[1]) if "." in placeholder else 0
    comma = "," if "," in placeholder.split(".", 1)[0] else ""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{rounded:{comma}.{decimals}f}"


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
