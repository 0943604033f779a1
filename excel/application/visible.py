"""What is scored is what a person sees: refuse values a reviewer of the workbook cannot see.

calamine reads every stored value, and a stored value need not be what Excel shows: a
formula's cached result is whatever the file says (``=1`` cached as 99999999), a merged
range shows only its top-left cell, a hidden row, column or sheet shows nothing, and a
very-hidden sheet can take the name of the visible one. Each such input cell is an error
at its sheet and cell, and its value is not read, so the forged figure is never scored
and the application cannot be accepted as it stands. The facts come from the source's
:meth:`look` (:mod:`iipeval.excel.cells.cellxml` for a file); what a cell shows is judged
by :mod:`iipeval.excel.cells.visible`, as in every workbook a person fills in.
"""

from __future__ import annotations

from collections.abc import Iterable

from iipeval.core.findings import Finding, Severity
from iipeval.excel.application.layout import DATA, GUIDE, INFO, Slot
from iipeval.excel.application.structure import KNOWN_SHEETS, Located
from iipeval.excel.cells.cellxml import Look
from iipeval.excel.cells.visible import REMEDY, STATE_WORDS, cell_problem

VISIBLE = (GUIDE, INFO, DATA)
#: Sheets a macro-enabled (.xlsm) 申报表 adds: the operations sheet, xlwings' config and
#: the two the buttons write into (``xlsm.OPS_SHEET``, ``xlsm.CONF_SHEET``,
#: ``macros.CHECK_SHEET``, ``macros.SCORE_SHEET``; spelled out here because those modules
#: import the reader). Nothing is read from them.
XLSM_SHEETS = frozenset({"评审操作", "xlwings.conf", "校验结果", "评分结果"})
#: The sheet a 补正 return puts first (``returns.NOTICE``): the corrected copy comes back
#: with it. Nothing is read from it.
RETURN_SHEETS = frozenset({"补正通知"})


def _error(code: str, message: str, **where: str | None) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, **where)


def check(
    look: Look | None, names: Iterable[str], located: Located, slots: Iterable[Slot]
) -> tuple[list[Finding], set[str]]:
    """Findings about hidden or computed input, and the slot keys whose values are refused."""
    findings: list[Finding] = []
    refused: set[str] = set()
    if look is None:  # the source cannot tell (ranges passed to a worksheet function)
        return findings, refused
    if not look.cells_known:
        findings.append(
            _error(
                "unverifiable",
                "无法核对申报表中的公式、隐藏行列和合并单元格（文件结构异常）；"
                "请在表格软件中打开原模板填写并保存后再提交",
            )
        )
    hidden = _sheets(look, names, located, findings)
    if look.external_links:
        findings.append(
            _error(
                "external_link",
                "申报表含有指向其他文件的外部链接，表中显示的数值可能来自其他文件；"
                "请将链接的单元格粘贴为数值、删除外部链接后再提交",
            )
        )
    _cells(look, located, {s.key: s.label for s in slots}, hidden, findings, refused)
    for name, sheet in look.sheets.items():
        if sheet.unplaced:
            findings.append(
                _error(
                    "hidden_unplaced",
                    f"工作表“{name}”中有公式或隐藏行，但文件未注明其位置，无法核对表中显示的内容是否就是读取的内容；"
                    "其中的内容不予读取，请在表格软件中打开并保存后再提交",
                    sheet=name,
                )
            )
    return findings, refused


def _sheets(look: Look, names: Iterable[str], located: Located, findings: list) -> set[str]:
    """Sheets the template did not have, and template sheets hidden: each said; the
    hidden ones returned (nothing on them is read)."""
    generated = {located.sheets.get(n, n) for n in VISIBLE}
    made = generated | KNOWN_SHEETS | XLSM_SHEETS | RETURN_SHEETS | set(located.sheets.values())
    hidden: set[str] = set()
    for name in names:
        state = look.states.get(name, "visible")
        if name not in made:
            how = f"（{STATE_WORDS[state]}）" if state in STATE_WORDS else ""
            findings.append(
                _error(
                    "sheet_extra",
                    f"这是模板以外的工作表{how}，其中的内容不予读取；"
                    "请删除该工作表，或使用原模板重新填报",
                    sheet=name,
                )
            )
        elif name in generated and state != "visible":
            hidden.add(name)
            findings.append(
                _error(
                    "sheet_hidden",
                    f"工作表“{name}”被{STATE_WORDS.get(state, '隐藏')}，其中的内容不予读取；"
                    "请取消隐藏，核对后再提交",
                    sheet=name,
                )
            )
    return hidden


def _cells(look: Look, located: Located, labels, hidden, findings, refused) -> None:
    """Each input cell a person cannot see as stored: an error at it, its value refused."""
    sheets = {
        name: sheet.only_rows(p.row for p in located.places.values() if p.sheet == name)
        for name, sheet in look.sheets.items()
    }
    for key, place in located.places.items():
        sheet = sheets.get(place.sheet)
        if place.sheet in hidden or (sheet is not None and sheet.unplaced):
            refused.add(key)
            continue
        problem = cell_problem(sheet, place.cell)
        if problem:
            refused.add(key)
            code, what = problem
            message = f"“{labels.get(key, key)}”{what}，不予读取；{REMEDY[code]}"
            item = None if key.startswith("evidence:") else key
            findings.append(_error(code, message, sheet=place.sheet, cell=place.cell, item=item))
