"""The native formulas of an expert workbook: a typed score or grade as a number, and
whether an entry is valid, within each part's own scale (Excel, WPS, LibreOffice alike)."""

from __future__ import annotations

from iipeval.core.rules import GRADES, Expert
from iipeval.core.scoring.params import AggregationPolicy

# --------------------------------------------------------------------------------------
# formulas


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _num(x: float) -> str:
    return repr(float(x))


#: What the live total says where the total is not affine in the expert scores (a total
#: kept at or above 0 after 扣分, a capped sum, a plugin's own rule): a wrong number would
#: be worse than none.
NOT_LINEAR = (
    "实时合计不可用：本申报的总分与专家评分不成线性关系（如扣分后按下限计），以系统计算为准"
)


def _entry_scale(policy: AggregationPolicy, rule: Expert | None) -> tuple[float, list]:
    """The most an expert may type and each grade's value, in the part's own units."""
    if rule is None:
        return 100.0, [(g, policy.grade_scores[g]) for g in GRADES]
    return rule.entry_scale(policy.grade_scores)


def _top(full: float) -> str:
    return str(int(full)) if float(full).is_integer() else _num(full)


def _word(name: str) -> str:
    return name.replace('"', '""')


def grade_formula(ref: str, policy: AggregationPolicy, rule: Expert | None = None) -> str:
    """The numeric score of an input cell: a number within the part's full mark as is (0-100,
    or points), a grade through its value (the set's own scale, else the policy's grade
    scores), anything else (blank, bad text, out of range) as ""."""
    full, grades = _entry_scale(policy, rule)
    text = '""'
    for g, value in reversed(grades):
        text = f'IF(TRIM({ref})="{_word(g)}",{_num(value)},{text})'
    return f'=IF(ISNUMBER({ref}),IF(AND({ref}>=0,{ref}<={_top(full)}),{ref},""),{text})'


def valid_formula(
    ref: str, rule: Expert | None = None, policy: AggregationPolicy | None = None
) -> str:
    full, grades = _entry_scale(policy or AggregationPolicy(), rule)
    words = ",".join(f'{ref}="{_word(g)}"' for g, _ in grades)
    return f"OR(AND(ISNUMBER({ref}),{ref}>=0,{ref}<={_top(full)}),{words})"
