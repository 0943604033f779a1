"""Native data validation for input cells, built from each item's type and bounds.

Excel and LibreOffice check a typed value on entry, which catches most mistakes before
the workbook is ever sent. Items that allow 不适用 cannot use a plain whole/decimal rule
(that rejects text), so they get a custom formula ``OR(cell="不适用", AND(ISNUMBER(cell),
…))``, which both programs evaluate. The reader still checks everything: validation is
bypassed by paste, and WPS or older tools may not enforce it.
"""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation

from iipeval.core.model.criteria import DataItem
from iipeval.core.text import fmt
from iipeval.excel.application.layout import item_hint

ERROR_TITLE = "填写有误"
NA = "不适用"


def _limit(text: str, n: int) -> str:
    """Excel refuses prompt titles over 32 and messages over 255 characters."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _messages(dv: DataValidation, label: str, hint: str) -> DataValidation:
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorStyle = "stop"
    dv.errorTitle = ERROR_TITLE
    dv.error = _limit(f"“{label}”：{hint}。输入的内容不符合要求，请重新输入。", 255)
    dv.promptTitle = _limit(label, 32)
    dv.prompt = _limit(hint, 255)
    return dv


def _n(x: float) -> str:
    return fmt(x, 10).replace(",", "")


def numeric(item: DataItem, cell: str) -> DataValidation:
    lo, hi = item.bounds()
    kind = "whole" if item.type == "integer" else "decimal"
    if item.allow_na:
        conds = [f"ISNUMBER({cell})"]
        if item.type == "integer":
            conds.append(f"{cell}=INT({cell})")
        if lo is not None:
            conds.append(f"{cell}>={_n(lo)}")
        if hi is not None:
            conds.append(f"{cell}<={_n(hi)}")
        formula = f'OR({cell}="{NA}",AND({",".join(conds)}))'
        dv = DataValidation(type="custom", formula1=formula, allow_blank=True)
    elif lo is not None and hi is not None:
        dv = DataValidation(
            type=kind, operator="between", formula1=_n(lo), formula2=_n(hi), allow_blank=True
        )
    elif lo is not None:
        dv = DataValidation(
            type=kind, operator="greaterThanOrEqual", formula1=_n(lo), allow_blank=True
        )
    elif hi is not None:
        dv = DataValidation(
            type=kind, operator="lessThanOrEqual", formula1=_n(hi), allow_blank=True
        )
    elif item.type == "integer":
        dv = DataValidation(type="custom", formula1=f"{cell}=INT({cell})", allow_blank=True)
    else:
        dv = DataValidation(type="custom", formula1=f"ISNUMBER({cell})", allow_blank=True)
    return _messages(dv, item.label, item_hint(item))


def dropdown(source: str, label: str, hint: str) -> DataValidation:
    """A list validation whose options live in a range of the hidden list sheet."""
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    return _messages(dv, label, hint)


def for_item(item: DataItem, cell: str, list_source: str | None) -> DataValidation | None:
    if item.numeric:
        return numeric(item, cell)
    if list_source:
        return dropdown(list_source, item.label, item_hint(item))
    return None


def text_length(length: int, label: str, hint: str) -> DataValidation:
    dv = DataValidation(type="textLength", operator="equal", formula1=str(length), allow_blank=True)
    return _messages(dv, label, hint)
