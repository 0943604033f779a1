"""What the expert sees on a form is what is scored (:mod:`iipeval.excel.cells.visible`).

The 评分 sheet must be visible and alone: a form with its scores sheet hidden (a visible
copy for the expert, the hidden one for the reader), or with a sheet the form did not
have, is refused whole. Then every cell the expert reads to know which application a row
is, and every score, must show what it holds: not a formula, not under a merge, not in a
hidden row or column, not under a number format that shows something else. A row whose
name or key cell fails is not read; a score cell that fails is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iipeval.excel.cells import cellxml
from iipeval.excel.cells.cellxml import SheetLook
from iipeval.excel.cells.visible import cell_problem, format_problem, sheet_state
from iipeval.excel.review.layout import CALC, GUIDE, META, QUANT, RUBRIC

#: what ``--xlsm`` adds to an expert form (``xlsm.OPS_SHEET``, ``xlsm.CONF_SHEET``)
XLSM_SHEETS = frozenset({"评审操作", "xlwings.conf"})


class Unseen(Exception):
    """The form cannot be read as the expert saw it; the message says why."""

    def __init__(self, message: str, sheet: str | None = None) -> None:
        super().__init__(message)
        self.sheet = sheet


@dataclass
class Seen:
    """How the scores sheet shows its cells."""

    sheet_name: str
    sheet: SheetLook | None = None
    formats: dict[str, str] = field(default_factory=dict)

    def problem(self, cell: str, value: object) -> tuple[str, str] | None:
        """(code, what is wrong) when ``cell`` does not show ``value`` as it is stored."""
        return cell_problem(self.sheet, cell) or format_problem(
            value, self.formats.get(f"{self.sheet_name}!{cell}")
        )


def seen(path: str | Path, names: list[str], sheet: str, cells: list[str]) -> Seen:
    """How ``sheet`` shows ``cells``; raises :class:`Unseen` for a form whose scores sheet
    is hidden or not alone, or whose hiding the file does not let anyone check."""
    look = cellxml.look(path, [sheet])
    if not look.cells_known:
        raise Unseen(
            "无法核对评分表中的公式、隐藏行列和合并单元格（文件结构异常），整份评分表未读取"
        )
    hidden = sheet_state(look.states, sheet)
    if hidden:
        raise Unseen(
            f"评分工作表“{sheet}”被{hidden}，专家看不到其中的内容，整份评分表未读取；"
            "请使用组织方下发的原评分表",
            sheet,
        )
    made = {GUIDE, sheet, QUANT, RUBRIC, CALC, META} | XLSM_SHEETS
    for name in names:
        if name not in made:
            how = sheet_state(look.states, name)
            raise Unseen(
                f"评分表中有下发时没有的工作表“{name}”{f'（{how}）' if how else ''}，"
                "无法确定专家在哪张表上评分，整份评分表未读取；请删除该工作表，或使用原评分表",
                name,
            )
    look_sheet = look.sheets.get(sheet)
    if look_sheet is not None and look_sheet.unplaced:
        raise Unseen(
            f"工作表“{sheet}”中有公式或隐藏行，但文件未注明其位置，无法核对专家看到的内容，"
            "整份评分表未读取",
            sheet,
        )
    formats = cellxml.number_formats(path, {sheet: cells})
    if formats is None:
        raise Unseen("无法核对评分表中单元格的数字格式（文件结构异常），整份评分表未读取")
    return Seen(sheet, look_sheet, formats)
