"""Read what applicants really type into typed answers, or say precisely why not.

Applicants type ``1,200``, ``１２００``, ``1.2万``, ``35%`` and ``12 台`` into number
cells, and spreadsheets store ``1200`` as text or an 18-digit code as a float. A value
that can only mean one thing is accepted and reported back as a notice ("read X as Y"),
so the applicant can check it; a value that could mean two things (``1,20``, ``约1000``,
``1.2万`` in a 万元 item) is rejected with what was expected, because guessing would
change a score silently. Pure functions: no files, no Excel; readers pass cell values in.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import NotApplicable
from iipeval.core.model.criteria import DataItem
from iipeval.core.text import invisible, too_long, visible

NA_TEXT = "不适用"
YES, NO = "是", "否"

#: Answers that mean "nothing" but not which nothing: zero, missing or 不适用.
UNCLEAR_NOTHING = {"无", "没有", "暂无", "-", "--", "—", "——", "/", "／", "N/A", "NA", "n/a"}
_APPROX_PREFIX = (
    "约",
    "大约",
    "近",
    "将近",
    "超过",
    "逾",
    "不少于",
    "不低于",
    "≈",
    ">",
    "<",
    "≥",
    "≤",
)
_APPROX_SUFFIX = ("左右", "余", "多", "以上", "以下", "上下", "+", "+")
_MAGNITUDE = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_NUMBER = re.compile(r"[+-]?[0-9][0-9.,]*")
_PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?")
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


@dataclass(frozen=True, slots=True)
class Reading:
    """One cell's value as read: the typed value, and a note or an error about it.

    ``note`` is set when the value was reinterpreted (a notice for the applicant to
    check); ``warning`` when the value is accepted as typed but is probably not what was
    meant; ``error`` when it was rejected. A rejected reading keeps ``value`` as the
    cleaned text, so that downstream validation still sees an invalid answer rather
    than a missing one.
    """

    value: Any
    note: str | None = None
    error: str | None = None
    code: str = "normalised"
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def finding(self, item: str) -> Finding | None:
        """What the applicant is told about this reading, the same for a workbook cell
        and a JSON value: the error, else the warning, else the note."""
        if self.error:
            return Finding(severity=Severity.error, code=self.code, message=self.error, item=item)
        if self.warning:
            return Finding(
                severity=Severity.warning, code=self.code, message=self.warning, item=item
            )
        if self.note:
            return Finding(
                severity=Severity.notice, code="normalised", message=self.note, item=item
            )
        return None


def fold(text: str) -> str:
    """Full-width forms to ASCII (NFKC), invisible characters dropped, ends trimmed.

    For reading what is compared (numbers, 是/否, options, labels); never for text that is
    kept, such as names: see :func:`keep`.
    """
    # labels and short answers recur in every workbook: remembered, within bounds
    return (_folded if len(text) <= _MEMO_CHARS else _folded.__wrapped__)(text)


_MEMO_CHARS = 80


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def keep(text: str) -> str:
    """Text kept as written: "（示例）" stays full-width; only invisible characters and the
    ends' blanks go (NFC joins decomposed accents without folding any character's form)."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE).strip()


def show(raw: Any) -> str:
    """A raw value as the applicant would recognise it in a message."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    return str(raw)


def _reject(value: Any, code: str, message: str) -> Reading:
    return Reading(value, error=message, code=code)


def _exact(x: float) -> int | float:
    """A float as the number it shows: ``1000.0`` → 1000. The same as
    ``_as_number(Decimal(repr(x)))``, without a Decimal for the usual whole number."""
    if x.is_integer() and abs(x) < 2**53:  # exactly representable: repr gives its digits
        return int(x)
    return _as_number(Decimal(repr(x)))


def _as_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def unit_aliases(unit: str | None) -> set[str]:
    """Ways of writing an item's unit: ``台（套）`` is also ``台(套)``, ``台``, ``套``, ``台套``."""
    if not unit:
        return set()
    u = fold(unit)
    out = {unit, u}
    m = re.fullmatch(r"(.+?)\((.+?)\)", u)
    if m:
        out |= {m.group(1), m.group(2), m.group(1) + m.group(2)}
    if u == "次/日":
        out |= {"次/天", "次每日", "次每天"}
    return out


def _is_percent_item(item: DataItem) -> bool:
    return item.type == "percent" or (item.unit or "").strip() in ("%", "％")


def _describe_expected(item: DataItem) -> str:
    if _is_percent_item(item):
        return "百分数的数字部分（如35%填35）"
    kind = "整数" if item.type == "integer" else "数值"
    return f"以{item.unit}计的{kind}" if item.unit else kind


def read_number(item: DataItem, raw: Any, *, shown_as_percent: bool = False) -> Reading:
    """Read a numeric item (integer, number, percent) from a cell value.

    ``shown_as_percent`` says the source displayed a stored number as a percentage (a
    spreadsheet stores a typed ``35%`` as 0.35 with a percent format).
    """
    label = item.label
    if raw is None:
        return Reading(None)
    if isinstance(raw, bool):
        return _reject(
            show(raw), "not_number", f"{label}应为{_describe_expected(item)}，现为逻辑值{raw}"
        )
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        return _reject(
            str(raw),
            "date_value",
            f"{label}被识别为日期/时间（{raw}），请将单元格改为常规格式后重新输入"
            f"{_describe_expected(item)}",
        )
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            return _reject(show(raw), "not_number", f"{label}不是有效数值")
        if not shown_as_percent:
            value = _exact(raw) if isinstance(raw, float) else raw
            warning = fraction_warning(item, value)
            return Reading(
                value, warning=warning, code="percent_fraction" if warning else "normalised"
            )
        pct = _as_number(Decimal(repr(float(raw))) * 100)
        if _is_percent_item(item):
            return Reading(pct, note=f"{label}以百分数格式填写“{show(pct)}%”，已读取为{show(pct)}")
        return _reject(
            f"{show(pct)}%",
            "percent_in_count",
            f"{label}不能填写百分数（现为{show(pct)}%）；请填写{_describe_expected(item)}",
        )
    return _read_number_text(item, str(raw))


def fraction_warning(item: DataItem, value: float) -> str | None:
    """A percent item between 0 and 1 is often a share typed as a fraction (0.35 for 35%)."""
    if not _is_percent_item(item) or not 0 < abs(value) < 1:
        return None
    v, pct = f"{value:.10g}", f"{value * 100:.10g}"
    return f"{item.label}按百分数填写，{v}即{v}%；如实际为{pct}%，请填{pct}"


def _read_number_text(item: DataItem, text: str) -> Reading:
    label = item.label
    s = fold(text)
    if not s:
        return Reading(None)
    if s == NA_TEXT:
        return Reading(NotApplicable())
    compact = re.sub(r"\s+", "", s)
    if compact == NA_TEXT:
        return Reading(NotApplicable(), note=f"{label}“{text}”已读取为“不适用”")
    if compact in UNCLEAR_NOTHING:
        na = "，不适用的填“不适用”" if item.allow_na else ""
        return _reject(
            s,
            "unclear_nothing",
            f"{label}填写的“{s}”含义不明确：没有的请填0{na}，尚无数据的请留空并说明",
        )
    if re.search(r"[0-9]\s+[0-9]", s):
        return _reject(
            s, "bad_number", f"{label}“{s}”中的数字被空格隔开，无法确定数值；请只填写一个数字"
        )
    has_digit = re.search(r"[0-9]", compact) is not None
    if has_digit and (compact.startswith(_APPROX_PREFIX) or compact.endswith(_APPROX_SUFFIX)):
        return _reject(
            s,
            "approximate",
            f"{label}“{s}”不是确切数值，请填写确切的{_describe_expected(item)}",
        )
    m = _NUMBER.match(compact)
    if not m:
        return _reject(s, "not_number", f"{label}应为{_describe_expected(item)}，现为文字“{s}”")
    num_text, rest = m.group(0), compact[m.end() :]
    sign = "-" if num_text[0] == "-" else ""
    digits = num_text.lstrip("+-")
    if rest.startswith(_APPROX_SUFFIX):
        return _reject(
            s, "approximate", f"{label}“{s}”不是确切数值，请填写确切的{_describe_expected(item)}"
        )
    if "," in digits and not _GROUPED.fullmatch(digits):
        return _reject(
            s,
            "bad_separator",
            f"{label}“{s}”的千位分隔符位置不对，无法确定数值：应每三位一组（如1,200），"
            "小数请用小数点",
        )
    plain = digits.replace(",", "")
    if not _PLAIN.fullmatch(plain):
        return _reject(s, "bad_number", f"{label}“{s}”不是有效的数值（小数点只能有一个）")
    if re.search(r"[0-9]", rest):
        return _reject(s, "bad_number", f"{label}“{s}”不是有效的数值，请只填写一个数字")
    try:
        value = Decimal(sign + plain)
    except InvalidOperation:  # pragma: no cover - excluded by the patterns above
        return _reject(s, "not_number", f"{label}“{s}”不是有效的数值")
    return _apply_suffix(item, text, s, value, rest)


def _apply_suffix(item: DataItem, text: str, s: str, value: Decimal, rest: str) -> Reading:
    """Interpret what follows the digits: nothing, 万/亿, the item's unit, or %."""
    label = item.label
    unit = (item.unit or "").strip()
    aliases = unit_aliases(unit) | ({"%"} if _is_percent_item(item) else set())
    expected = _describe_expected(item)
    read_as = None
    if rest in ("", *aliases):
        read_as = value
    elif rest == "%":
        return _reject(
            s,
            "percent_in_count",
            f"{label}不能填写百分数（现为“{s}”）；请填写{expected}",
        )
    elif unit == "万元":
        if rest == "元":
            read_as = value / _MAGNITUDE["万"]
        elif rest == "亿元":
            read_as = value * _MAGNITUDE["万"]
        elif rest in ("万", "亿"):
            return _reject(
                s,
                "ambiguous_unit",
                f"{label}以万元为单位，“{s}”有歧义；请直接填写以万元计的数值"
                f"（如120万元填120，1.2亿元填12000）",
            )
    elif rest[:1] in _MAGNITUDE and rest[1:] in ("", *aliases):
        read_as = value * _MAGNITUDE[rest[0]]
    if read_as is None:
        what = f"本项单位为{unit}" if unit else "本项没有单位"
        return _reject(
            s,
            "unit_mismatch",
            f"{label}“{s}”的单位“{rest}”与本项不符（{what}）；请只填写{expected}",
        )
    number = _as_number(read_as)
    note = f"{label}填写的“{text.strip()}”已读取为{show(number)}"
    warning = None if rest == "%" else fraction_warning(item, number)
    if warning:
        return Reading(number, warning=warning, code="percent_fraction")
    return Reading(number, note=note)


def read_bool(item: DataItem, raw: Any) -> Reading:
    """Read a 是/否 item. Spreadsheet TRUE/FALSE are accepted; 1/0 are not (ambiguous)."""
    label = item.label
    if raw is None:
        return Reading(None)
    if isinstance(raw, bool):
        word = YES if raw else NO
        return Reading(raw, note=f"{label}填写的逻辑值{str(raw).upper()}已读取为“{word}”")
    s = fold(show(raw))
    if not s:
        return Reading(None)
    if s in (YES, NO):
        note = None if s == raw else f"{label}“{raw}”已读取为“{s}”"
        return Reading(s == YES, note=note)
    if re.sub(r"\s+", "", s) == NA_TEXT:
        return Reading(NotApplicable())
    na = "或“不适用”" if item.allow_na else ""
    return _reject(s, "not_bool", f"{label}应填“是”或“否”{na}，现为“{s}”")


def read_text(item: DataItem, raw: Any) -> Reading:
    """Read a text or choice item; a choice must be one of the listed options."""
    if raw is None:
        return Reading(None)
    s = fold(show(raw))
    if not s:
        return Reading(None)
    if s == NA_TEXT and item.allow_na:
        return Reading(NotApplicable())
    if item.type == "choice" and s not in (item.choices or []):
        options = "、".join(item.choices or [])
        return _reject(s, "bad_choice", f"{item.label}应为以下之一：{options}，现为“{s}”")
    return Reading(s if item.type == "choice" else keep(show(raw)))


def read_item(
    item: DataItem, raw: Any, *, shown_as_percent: bool = False, max_chars: int | None = None
) -> Reading:
    """Read any data item's cell value according to the item's type."""
    if isinstance(raw, str) and not fold(raw):
        return Reading(None)
    if isinstance(raw, str) and (long := _long(item.label, raw, max_chars)):
        return long
    if item.numeric:
        return read_number(item, raw, shown_as_percent=shown_as_percent)
    if item.type == "bool":
        return read_bool(item, raw)
    return read_text(item, raw)


def read_credit_code(raw: Any, exact_digits: str | None = None) -> Reading:
    """Read a 统一社会信用代码 (18 characters of text, never a number).

    A spreadsheet that took the code for a number keeps only 15 significant digits, so a
    float cannot give the code back. ``exact_digits`` is the number as the file stores it,
    when the reader can see it: exactly 18 digits there means nothing was lost.
    """
    label = "统一社会信用代码"
    if raw is None or (isinstance(raw, str) and not fold(raw)):
        return Reading(None)
    if isinstance(raw, bool):
        return _reject(None, "credit_code", f"{label}应为18位文本，现为逻辑值{raw}")
    if isinstance(raw, int | float):
        if exact_digits and re.fullmatch(r"[0-9]{18}", exact_digits):
            return Reading(
                exact_digits,
                note=f"{label}被存成了数字，已按18位文本读取为{exact_digits}；"
                "请核对，并将单元格设为文本格式",
            )
        if isinstance(raw, int) and re.fullmatch(r"[0-9]{18}", str(raw)):
            return Reading(str(raw), note=f"{label}被存成了数字，已按18位文本读取为{raw}；请核对")
        return _reject(
            None,
            "credit_code_number",
            f"{label}被 Excel 存成了数字（显示为{_sci(raw)}），数字最多只保留15位有效数字，"
            "末几位已丢失，无法还原；请将该单元格设为文本格式后重新输入18位代码",
        )
    s = fold(str(raw))
    compact = re.sub(r"[\s-]", "", s).upper()
    if compact != str(raw):
        return Reading(compact, note=f"{label}“{raw}”已读取为“{compact}”")
    return Reading(compact)


def _sci(x: float | int) -> str:
    """Scientific notation the way Excel shows a long number: 9.14301E+17."""
    mantissa, exp = f"{float(x):.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exp):02d}"


def read_plain_text(label: str, raw: Any, max_chars: int | None = None) -> Reading:
    """Read a free-text field (names, contacts). Numbers come back as their digits.

    Text that only looks filled (spaces, zero-width or control characters) and text over
    ``max_chars`` are rejected with the same words a JSON application gets.
    """
    if raw is None:
        return Reading(None)
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        digits = str(int(raw))
        return Reading(
            digits,
            note=f"{label}被存成了数字，已读取为“{digits}”；如以0开头（如区号）请核对",
        )
    s = fold(show(raw))
    if show(raw) and not visible(s):
        return _reject(None, "invisible_text", invisible(label))
    kept = keep(show(raw))  # names keep their characters: "（示例）" stays full-width
    return _long(label, kept, max_chars) or Reading(kept or None)


def _long(label: str, text: str, max_chars: int | None) -> Reading | None:
    """A rejection for text over ``max_chars``; the text itself is not kept."""
    message = too_long(label, text, max_chars) if max_chars else None
    return _reject(None, "text_too_long", message) if message else None
