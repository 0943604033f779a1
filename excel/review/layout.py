"""The expert scoring workbook (专家评分表): sheet names and the cell plan.

Shared by the writer (:mod:`.workbook`) and the reader (:mod:`.reader`) so the two cannot
drift apart. The panel itself is :mod:`iipeval.core.panel.roster`.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

#: Bump when cells or the meta sheet move in a way an older reader would misread.
#: Version 2 adds the round, each application's fingerprint and the signature; 3 signs
#: each part's 满分 and 等级; 4 signs each applicant's name as the expert reads it, and
#: where it is (``applicant_col``).
WORKBOOK_VERSION = 4
FORMAT = "iipeval.review-workbook"

GUIDE, SCORES, QUANT, RUBRIC, CALC, META = "说明", "评分", "定量得分", "评分细则", "_calc", "_meta"

#: 评分 sheet: title row, note row, two header rows, then one row per application.
TITLE_ROW, NOTE_ROW, HEADER_ROW, SUBHEADER_ROW, FIRST_ROW = 1, 2, 3, 4, 5

INCOMPLETE = "未完成"
INVALID = "含无效评分"


# --------------------------------------------------------------------------------------
# panel file


# --------------------------------------------------------------------------------------
# names and measurement


# --------------------------------------------------------------------------------------
# the 评分 sheet's columns


@dataclass(frozen=True)
class PartColumns:
    """Where one expert part sits: its score and comment columns (1-based)."""

    part: str
    label: str
    indicator: str
    score_col: int
    comment_col: int

    @property
    def score_letter(self) -> str:
        return get_column_letter(self.score_col)

    @property
    def comment_letter(self) -> str:
        return get_column_letter(self.comment_col)


@dataclass(frozen=True)
class ScoreColumns:
    """Column plan of the 评分 sheet for one criteria set: 序号, 申报单位, key, (申报类型),
    定量部分得分, 总分（实时）, then a score and a comment column per expert part."""

    has_subtype: bool
    parts: tuple[PartColumns, ...]

    # fixed columns
    number: int = 1
    applicant: int = 2
    key: int = 3

    @property
    def subtype(self) -> int | None:
        return 4 if self.has_subtype else None

    @property
    def quant(self) -> int:
        return 5 if self.has_subtype else 4

    @property
    def total(self) -> int:
        """The live total sits beside the quantitative points, left of the inputs, so it
        stays in the frozen panes (and on every printed page) while the expert types."""
        return self.quant + 1

    @property
    def last(self) -> int:
        return self.parts[-1].comment_col if self.parts else self.total


def score_columns(parts: list[tuple[str, str, str]], has_subtype: bool) -> ScoreColumns:
    """``parts``: (part id, label, indicator id) in document order."""
    first = (5 if has_subtype else 4) + 2
    cols = tuple(
        PartColumns(pid, label, ind, first + 2 * k, first + 2 * k + 1)
        for k, (pid, label, ind) in enumerate(parts)
    )
    return ScoreColumns(has_subtype, cols)


@dataclass(frozen=True)
class CalcColumns:
    """The hidden ``_calc`` sheet, same row as the 评分 sheet: constant, one coefficient,
    one numeric score and one filled flag per part, then the counts."""

    n: int

    key: int = 1
    constant: int = 2

    def coef(self, k: int) -> int:
        return 3 + k

    def num(self, k: int) -> int:
        return 3 + self.n + k

    def filled(self, k: int) -> int:
        return 3 + 2 * self.n + k

    @property
    def valid_count(self) -> int:
        return 3 + 3 * self.n

    @property
    def filled_count(self) -> int:
        return 4 + 3 * self.n
