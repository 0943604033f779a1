"""What every sheet of an expert workbook shares: the points format, one cell written and
styled, a heading, print set-up, column widths, and the scale a part is scored on, in words."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core.rules import GRADE_RANGES, Expert
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.core.text import fmt
from iipeval.excel.cells.book import cell_style
from iipeval.excel.cells.measure import row_height
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.cells.styles import (
    FONT_NAME,
    NOTE,
    TITLE,
    WRAP,
)
from iipeval.present.xlsx import print_a4

POINTS = "0.00"


def _cell(out: Rows, row: int, col: int, value=None, *, formula=False, **style) -> None:
    """Write and style one cell (see :func:`_style`). Every string is stored as text, even
    one that starts with "=" and whatever panel.toml or an application put in it (no
    formula injection; characters XML cannot hold are replaced visibly); only
    ``formula=True`` writes a formula, for the program's own."""
    out.put(row, col, value, cell_style(**style), formula=formula)


#: a title or a line of text on its own, not in the grid
MIDDLE = Alignment(vertical="center")
#: warnings in red: an application a 否决项 rules out, data with errors
RED = Font(name=FONT_NAME, color="C00000")
RED_NOTE = Font(name=FONT_NAME, size=10, color="C00000")


def _heading(out: Rows, last: str, title: str, note: str, width: float) -> None:
    """A sheet's title (row 1) and its explanatory note (row 2), across columns A..last."""
    out.merge(f"A1:{last}1")
    _cell(out, 1, 1, title, font=TITLE, align=MIDDLE, border=False)
    out.height(1, 26)
    out.merge(f"A2:{last}2")
    _cell(out, 2, 1, note, font=NOTE, align=WRAP, border=False)
    out.height(2, row_height([(note, width, 10)]))


def _print(
    ws: Worksheet, *, wide: int = 1, title_rows: str | None = None, title_cols: str | None = None
):
    print_a4(ws, wide=wide, title_rows=title_rows, title_cols=title_cols, header_footer=0.25)


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = w


def _grade_help(policy: AggregationPolicy) -> str:
    return "；".join(
        f"{g}（{lo}-{hi}分，按{fmt(policy.grade_scores[g])}分计）"
        for g, (lo, hi) in GRADE_RANGES.items()
    )


def _prompt(rule: Expert | None, policy: AggregationPolicy) -> str:
    if rule is None or (rule.grades is None and rule.out_of is None):
        return "填0-100的分数，或等级：" + "、".join(
            f"{g}{lo}-{hi}" for g, (lo, hi) in GRADE_RANGES.items()
        )
    return rule.scale_text(policy.grade_scores)


def _labelled_parts(fw) -> list[tuple[str, str, Expert]]:
    """Every expert part with the name a reviewer knows it by (指标·评分项)."""
    return [(pid, f"{ind.name}·{r.label}", r) for pid, ind, r in fw.expert_parts()]


def _method(policy: AggregationPolicy) -> str:
    from iipeval.core.scoring.aggregation import rule_text

    return rule_text(policy)


def _L(col: int) -> str:
    return get_column_letter(col)
