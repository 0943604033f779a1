"""Text from applicants, judged by what a person sees, and capped wherever it is echoed.

A name of spaces, zero-width or control characters looks blank to everyone who reads the
results, so it counts as blank. And a string can be a megabyte long: stored as given, it
is never echoed whole (findings, CSV, workbooks, the terminal) but cut with a visible
marker that says how long it was.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

#: Characters echoed of one text before it is cut (an applicant's name is under 100).
ECHO_CHARS = 200
#: A finding's whole message (it may quote several texts).
MESSAGE_CHARS = 1000
#: Unicode categories no one sees: control, format (zero-width, BOM, bidi marks),
#: unassigned, private use, surrogates, and line/paragraph separators.
_UNSEEN = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}


#: Characters a terminal acts on instead of showing (ESC starts colour and cursor control,
#: CR overwrites the line, NUL, BEL, C1 controls, DEL), and lone surrogates (undecodable
#: names) which cannot be printed at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` safe to print: every control character shown as a visible escape (``\\x1b``),
    a lone surrogate (a byte of an undecodable name) as U+FFFD. Newline and tab stay, unless
    ``one_line`` (a file name, where a newline would fake a second line)."""
    pattern = _CONTROL_IN_NAME if one_line else _CONTROL
    return pattern.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else "\ufffd", text
    )


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character or a lone surrogate (see :func:`printable`)."""
    return _CONTROL_IN_NAME.search(text) is not None


def visible(text: str) -> str:
    """``text`` without the characters no one sees, spaces at both ends trimmed."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in _UNSEEN).strip()


#: What :func:`normal_key` drops besides what :data:`_UNSEEN` holds: every kind of space.
_SPACES = {"Zs"}


def normal_key(text: str | None) -> str:
    """A name or key as it is compared everywhere (回避, matching forms to applications,
    核查表, 补正 comparison): NFKC (full-width brackets and letters become the usual ones),
    every space and invisible character removed, case folded. Never shown: a name is
    always shown as written."""
    folded = unicodedata.normalize("NFKC", text or "")
    kept = "".join(
        ch
        for ch in folded
        if unicodedata.category(ch) not in _UNSEEN | _SPACES and not ch.isspace()
    )
    return unicodedata.normalize("NFKC", kept.casefold())


def unseen_characters(text: str) -> list[str]:
    """The characters of ``text`` a reader cannot see or tell from a space, named by their
    code point (``U+200B``): zero-width and format characters, controls, and spaces other
    than the ordinary and the ideographic one."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _UNSEEN or (cat == "Zs" and ch not in " \u3000"):
            name = unicodedata.name(ch, "")
            out.append(f"U+{ord(ch):04X}" + (f" {name}" if name else ""))
    return list(dict.fromkeys(out))


def cap(text: str, limit: int = ECHO_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a marker, e.g. ``ABC…（共1048576字）``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共{len(text)}字）"


def too_long(label: str, text: str, limit: int) -> str | None:
    """The message for a text over ``limit`` characters (JSON and workbook say the same)."""
    if len(text) <= limit:
        return None
    return f"{label}过长（共{len(text)}字，上限{limit}字），请精简后再提交"


def invisible(label: str) -> str:
    """The message for a text that only looks filled (spaces, zero-width, control)."""
    return f"{label}只含空格或不可见字符（如零宽空格、控制字符），视为未填写；请重新填写"


def display_width(text: str) -> int:
    """Width in half-width character cells: CJK and full-width characters count double.

    The one measure of text width: the terminal pads its tables with it and the
    workbooks size their columns from it (so it is asked of every cell: plain text
    costs a length, and the wide characters of the Basic Multilingual Plane are counted
    by one table lookup each, in C)."""
    if text.isascii():
        return len(text)
    narrow = text.translate(_wide_plane())  # the wide characters of the BMP taken out
    wide = len(text) - len(narrow)
    if narrow and max(narrow) > "\uffff":  # beyond the BMP: rare, counted one by one
        wide += sum(1 for ch in narrow if ch > "\uffff" and _is_wide(ch))
    return len(text) + wide


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


@functools.cache
def _wide_plane() -> dict[int, None]:
    """The Basic Multilingual Plane's wide and full-width characters, to delete."""
    return {c: None for c in range(0x10000) if _is_wide(chr(c))}


def rounded(x: float, digits: int = 2) -> Decimal:
    """``x`` rounded as a spreadsheet shows it: to 15 significant digits first (what
    Excel, WPS and LibreOffice keep of a double), then half away from zero.

    Python's own ``f"{x:.2f}"`` rounds the binary value: 82.425 is stored as
    82.42499999…, so it printed 82.42 where the 得分 cell beside it showed 82.43. Every
    number a person reads is rounded here, once, so text and cells agree."""
    return Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


#: Punctuation Unicode leaves ambiguous in width that 宋体 and every CJK font print full
#: width (a terminal may show it narrow: :func:`display_width` keeps it at one cell).
FULL_WIDTH_PUNCTUATION = frozenset("“”‘’…—·")


def print_width(text: str) -> int:
    """:func:`display_width` as a Chinese font prints it: “ ” ‘ ’ … — · count double."""
    return display_width(text) + sum(ch in FULL_WIDTH_PUNCTUATION for ch in text)


def fmt(
    x: float | int | None, digits: int = 2, *, grouped: bool = True, fixed: bool = False
) -> str:
    """A number as every front end writes it: at most ``digits`` decimals, no trailing
    zeros, thousands commas (``1,234.5``); ``—`` when there is none, 是/否 for a flag.

    The one number-to-text rule: the terminal, the Excel functions and buttons, the
    workbooks and the explanations core writes all call it, so one total never reads
    85.9 in one place and 85.90 in another (and never 82.42 beside a cell showing 82.43:
    :func:`rounded`). ``grouped=False`` drops the commas for text that is data rather
    than reading (a CSV field, which a spreadsheet must parse); ``fixed=True`` keeps
    exactly ``digits`` decimals, for a column of numbers read down (88.50 above 82.64)."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "是" if x else "否"
    if not math.isfinite(x):
        return "—"
    comma = "," if grouped else ""
    if float(x).is_integer() and abs(x) < 1e15 and not fixed:
        return f"{int(x):{comma}}"
    scaled = abs(x) * 10**digits
    if abs(x) >= 1e15 or abs(scaled - math.floor(scaled) - 0.5) > 1e-6:
        r: float | Decimal = x  # far from a tie (or past any decimal): the float's own
    else:  # rounding is the decimal one, and 3x faster
        r = rounded(x, digits)
    text = f"{r:{comma}.{digits}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # never "-0"
    return text if fixed else text.rstrip("0").rstrip(".")


#: The offset of China Standard Time, which a time needs no label for.
CHINA = timedelta(hours=8)


def when(t: datetime) -> str:
    """A time as a person in China reads it: ``2026年12月8日 03:54:25``, in the time zone
    it was recorded in (the machine's own); a zone other than 北京时间 is named
    (``（UTC+0）``), so a run on a server in UTC does not pass for local time."""
    text = f"{t.year}年{t.month}月{t.day}日 {t:%H:%M:%S}"
    offset = t.utcoffset()
    if offset is None or offset == CHINA:
        return text
    hours = offset.total_seconds() / 3600
    return f"{text}（UTC{hours:+g}）"


#: Characters a line never starts with, and never ends with (the usual Chinese 禁则).
NO_START = frozenset("，。、；：？！）》」』”’〉】〕…%％,.;:!?)]}·")
NO_END = frozenset("（《「『“‘〈【〔([{")
#: A run of Latin letters and digits (``SaaS``, ``5,000``, ``0-100``) is never split.
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%+\-/]*|.", re.S)


def break_lines(text: str, usable: float, width: Callable[[str], float] = print_width) -> str:
    """``text`` with a line break wherever a line would grow wider than ``usable`` (in the
    units of ``width``), by the rules of Chinese typesetting: no line begins with ，、。）
    and the like, none ends with （“, and a number or a Latin word is never split.

    A spreadsheet wraps a cell wherever the next character does not fit (LibreOffice
    knows no 禁则 in a cell); text broken here first is wrapped by no one else."""
    return "\n".join(_break(part, usable, width) for part in text.split("\n"))


def _break(text: str, usable: float, width: Callable[[str], float]) -> str:
    lines: list[list[str]] = [[]]
    used = 0.0
    for token in _TOKENS.findall(text):
        w = width(token)
        if used + w > usable and lines[-1]:
            line, carried = lines[-1], []
            # carry down (at most three tokens: “（业）” before a “，”) while the next
            # line would start with what may not start one, or this one end with what
            # may not end one
            while (
                len(carried) < 3
                and len(line) > 1
                and ((carried or [token])[0][0] in NO_START or line[-1][-1] in NO_END)
            ):
                carried.insert(0, line.pop())
            lines.append(carried)
            used = sum(map(width, carried))
        lines[-1].append(token)
        used += w
    return "\n".join("".join(line) for line in lines)
