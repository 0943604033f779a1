"""Text measurement for column widths and row heights, aware of CJK glyph widths.

Neither Excel nor LibreOffice grows a row to fit wrapped text in merged cells, and a
Chinese character is about twice as wide as a digit, so a naive ``len()`` gives columns
that clip labels and rows that hide half of an indicator's 评价内容. Widths here are in
Excel's column units (the width of ``0`` in the default font).
"""

from __future__ import annotations

import math
from functools import lru_cache

from iipeval.core.text import break_lines, print_width

#: Column units taken by one full-width (CJK) glyph in an 11pt 宋体 cell, and one
#: half-width glyph: Excel and WPS measure columns in the Normal font's digit width, 8px for
#: 宋体 11pt, and a CJK glyph is 14.7px (see docs/workbook-review.md).
WIDE, NARROW = 1.85, 1.0
#: Points per wrapped line at 11pt, and padding per row.
LINE_HEIGHT, PADDING = 15.0, 6.0


def text_width(text: str) -> float:
    """Width of one line of text in column units."""
    return sum(map(_char_width, text))  # summed in order: the same float as char by char


@lru_cache(maxsize=1 << 14)
def _char_width(c: str) -> float:
    # Chinese quotes count full width: counted narrow, a line of them came out wider
    return WIDE if print_width(c) == 2 else NARROW


@lru_cache(maxsize=1 << 16)  # an expert workbook per expert repeats every text
def line_count(text: str, width: float, size: float = 11.0) -> int:
    """Lines ``text`` at ``size`` points wraps into in a column ``width`` units wide."""
    usable = max(width - 1.0, 1.0) * 11.0 / size
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def row_height(cells: list[tuple[str, float] | tuple[str, float, float]]) -> float:
    """Height in points fitting every cell of a row when wrapped.

    Each cell is ``(text, width)`` or ``(text, width, font size)``: a 10pt note column
    fits more per line than an 11pt label.
    """
    best = LINE_HEIGHT + PADDING
    for cell in cells:
        text, width, size = (*cell, 11.0)[:3]
        if text:
            best = max(best, line_count(text, width, size) * LINE_HEIGHT * size / 11.0 + PADDING)
    return round(best, 1)


def broken(text: str, width: float, size: float = 11.0) -> str:
    """``text`` with its line breaks put in where a column ``width`` units wide wraps it,
    by the rules of Chinese typesetting (:func:`iipeval.core.text.break_lines`).

    LibreOffice Calc breaks a wrapped cell wherever the next character does not fit and
    knows none of these rules, so its pages showed rubric lines starting with “，”. The
    lines are measured as :func:`line_count` measures them (a CJK glyph 1.85 units at
    11pt, never less than Excel and WPS draw it), so no application wraps them again and
    :func:`row_height` of the result fits exactly."""
    return break_lines(text, max(width - 1.0, 1.0) * 11.0 / size, text_width)
