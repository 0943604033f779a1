"""Cell references: column letters and numbers, without importing openpyxl (readers stay light)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def column_index(column: str) -> int:
    """``A`` → 1, ``AA`` → 27 (the reader imports no openpyxl)."""
    n = 0
    for ch in column.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(column: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out
