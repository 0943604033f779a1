"""Text that came from applicants and input files, made safe for spreadsheet cells.

Applicants choose their names, evidence references and free text, and reviewers' files
carry expert names: none of it may ever reach a spreadsheet as a formula. A cell whose
text starts with ``=`` becomes a formula in openpyxl, and a CSV field starting with
``= + - @``, a tab or a carriage return is evaluated by Excel and WPS when the file is
opened (CSV injection). Every string the reports, the expert and application workbooks
and the Excel functions write goes through this module, so there is exactly one place
that decides how text is written. That is also
where long texts are capped (:func:`iipeval.core.text.cap`): an applicant's name may be
a megabyte long, and no cell, CSV field or Excel function result repeats it whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CSV and the terminal use this module without openpyxl
    from openpyxl.cell.cell import Cell

from iipeval.core.text import cap, display_width, fmt

#: Characters XML 1.0 (and so an xlsx file) cannot hold; openpyxl raises on them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

#: Leading characters that make Excel/WPS treat a CSV field as a formula.
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Characters of one text written to a cell or CSV field (Excel's own limit is 32767);
#: the longest text we write ourselves, a finding with its location, is far shorter.
OUTPUT_CHARS = 2000


def xml_safe(text: str) -> str:
    """Characters an xlsx file cannot store replaced with U+FFFD, the length kept."""
    return _ILLEGAL_XML.sub("\ufffd", text)


def cell_safe(text: str) -> str:
    """Replace characters an xlsx file cannot store with U+FFFD, cap the length."""
    return cap(xml_safe(text), OUTPUT_CHARS)


def put(cell: Cell, value: Any) -> Cell:
    """Write ``value`` into ``cell``; strings always as text, never as a formula.

    openpyxl infers the type of a string: ``=…`` becomes a formula (``data_type == "f"``)
    and ``#N/A`` and other error codes become errors (``"e"``). Forcing ``data_type = "s"``
    after the assignment makes the writer store the text as an inline string, exactly as
    given. Numbers stay numbers; NaN and infinities, which a score never is, become blank.
    """
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "是" if value else "否"
        cell.data_type = "s"
    elif isinstance(value, int | float):
        cell.value = value if math.isfinite(value) else None
    else:
        cell.value = cell_safe(str(value))
        cell.data_type = "s"
    return cell


def csv_field(value: Any, digits: int = 4) -> str:
    """One CSV field: numbers as numbers, text with formula triggers neutralised.

    Text starting with ``= + - @``, a tab or a carriage return gets the customary leading
    apostrophe, so a spreadsheet shows it as text; a negative number written as a number
    (``-2.5``) is data and is left alone.
    """
    if value is None:
        return ""
    kind = type(value)
    if kind is str:  # most fields: checked first
        text = value if len(value) <= OUTPUT_CHARS else cap(value, OUTPUT_CHARS)
        return "'" + text if text.startswith(CSV_TRIGGERS) else text
    if kind is float:
        return fmt(value, digits, grouped=False) if math.isfinite(value) else ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return fmt(value, digits, grouped=False) if math.isfinite(value) else ""
    text = cap(str(value), OUTPUT_CHARS)
    if text.startswith(CSV_TRIGGERS):
        return "'" + text
    return text


def csv_fields(rows: Iterable[list[Any]]) -> Iterator[list[str]]:
    """Each row as :func:`csv_field` writes it. Rows of one application repeat its name,
    rank and total on every row as the very same objects: those are made safe once."""
    before: list[Any] = []
    made: list[str] = []
    for values in rows:
        out = [
            made[i] if i < len(before) and v is before[i] else csv_field(v)
            for i, v in enumerate(values)
        ]
        before, made = values, out
        yield out


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` needs in a column ``width`` characters wide."""
    if not text:
        return 1
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(display_width(p) / usable)) for p in str(text).split("\n"))


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_NAME_MAX = 31


def sheet_title(text: str, taken: set[str], limit: int = SHEET_NAME_MAX) -> str:
    """A valid, unique worksheet name from ``text``.

    Excel forbids ``[ ] : * ? / \\``, a leading or trailing apostrophe, names longer than
    31 characters and names equal (ignoring case) to another sheet's. ``taken`` holds the
    lower-cased names already used and is updated.
    """
    name = _SHEET_FORBIDDEN.sub("_", text).replace("'", "").strip() or "Sheet"
    name = name[:limit].rstrip()
    base, n = name, 2
    while name.lower() in taken or name.lower() == "history":
        suffix = f"~{n}"
        name = base[: limit - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name
