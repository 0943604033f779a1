"""Find every slot of a filled workbook, even when sheets were renamed or rows moved.

Each slot's row is confirmed by the label beside it. A row that no longer carries its
label means the structure was edited (rows inserted, deleted, sorted, pasted over); the
values are then looked up by label, which is safe because a row moves with its label,
and the workbook is still refused for acceptance with a message that names the first
row that changed, so the applicant knows to start again from the original template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iipeval.core.findings import Finding, Severity
from iipeval.core.scoring.normalize import fold, show
from iipeval.excel.application.layout import GUIDE, INFO, LISTS, META, Place, Slot
from iipeval.excel.cells.refs import column_index

Grid = Sequence[Sequence[Any]]
KNOWN_SHEETS = {GUIDE, INFO, LISTS, META}


def value_at(grid: Grid, row: int, column: str) -> Any:
    """The value at a 1-based row and a column letter; ``None`` when empty or absent."""
    r, c = row - 1, column_index(column) - 1
    if r < 0 or r >= len(grid) or c >= len(grid[r]):
        return None
    v = grid[r][c]
    return None if v == "" else v


def label_at(grid: Grid, row: int, column: str) -> str:
    v = value_at(grid, row, column)
    return "" if v is None else fold(show(v))


@dataclass
class Located:
    places: dict[str, Place] = field(default_factory=dict)
    lost: list[Slot] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sheets: dict[str, str] = field(default_factory=dict)  # expected name → name in file


def _matches(grid: Grid, slots: list[Slot]) -> int:
    return sum(1 for s in slots if label_at(grid, s.row, s.label_column) == fold(s.label))


def resolve_sheets(slots: list[Slot], names: list[str], grid_of, out: Located) -> None:
    """Map each sheet the slots expect to a sheet of the file (renamed ones included)."""
    expected = list(dict.fromkeys(s.sheet for s in slots))
    spare = [n for n in names if n not in expected and n not in KNOWN_SHEETS]
    for name in expected:
        if name in names:
            out.sheets[name] = name
            continue
        mine = [s for s in slots if s.sheet == name]
        scored = sorted(((_matches(grid_of(n), mine), n) for n in spare), reverse=True)
        if scored and scored[0][0] >= max(1, len(mine) // 2):
            found = scored[0][1]
            spare.remove(found)
            out.sheets[name] = found
            out.findings.append(
                Finding(
                    severity=Severity.error,
                    code="sheet_renamed",
                    sheet=found,
                    message=f"工作表“{name}”被改名为“{found}”：已按原结构读取以便核对，"
                    f"但改动了模板结构的申报表不予受理；请将工作表名称改回“{name}”后再提交",
                )
            )
        else:
            out.findings.append(
                Finding(
                    severity=Severity.error,
                    code="sheet_missing",
                    sheet=name,
                    message=f"申报表缺少工作表“{name}”（可能被删除或改名），其中的数据无法读取；"
                    "请使用原模板重新填报",
                )
            )


def locate(slots: list[Slot], names: list[str], grids: Mapping[str, Grid]) -> Located:
    """Place every slot, reporting renamed sheets and moved or missing rows."""
    out = Located()
    resolve_sheets(slots, names, lambda n: grids.get(n, ()), out)
    moved: list[tuple[Slot, str, Place | None]] = []
    index: dict[tuple[str, str], dict[str, list[int]]] = {}
    for s in slots:
        sheet = out.sheets.get(s.sheet)
        if sheet is None:
            out.lost.append(s)
            continue
        grid = grids.get(sheet, ())
        if _labelled(grid, s):
            out.places[s.key] = s.place if sheet == s.sheet else Place.at(sheet, s.row, s.column)
            continue
        here = label_at(grid, s.row, s.label_column)
        key = (sheet, s.label_column)
        if key not in index:
            index[key] = _label_index(grid, s.label_column)
        rows = index[key].get(fold(s.label), [])
        place = Place.at(sheet, rows[0], s.column) if len(rows) == 1 else None
        moved.append((s, here, place))
        if place:
            out.places[s.key] = place
        else:
            out.lost.append(s)
    if moved:
        out.findings.append(_structure_finding(moved, out.sheets))
    reported: set[tuple[str, int]] = set()
    for s, here, place in moved:
        if place is None and (s.sheet, s.row) not in reported:  # value and evidence: once
            reported.add((s.sheet, s.row))
            now = f"现为“{here}”" if here else "现为空行"
            out.findings.append(
                Finding(
                    severity=Severity.error,
                    code="item_not_found",
                    item=s.key if not s.key.startswith("evidence:") else None,
                    sheet=out.sheets[s.sheet],
                    cell=s.cell,
                    message=f"未找到“{s.label}”：{out.sheets[s.sheet]} 第{s.row}行应为该项，{now}，"
                    "表中其他位置也没有；该行可能被删除或改名，请使用原模板重新填报",
                )
            )
    return out


def _labelled(grid: Grid, s: Slot) -> bool:
    """Whether the slot's row still carries its label (most rows of most files do: the
    exact text is tried before the folded one)."""
    r, c = s.label_at
    v = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    if v is None or v == "":
        return False
    return v == s.label or fold(show(v)) == s.folded_label


def _label_index(grid: Grid, column: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in range(1, len(grid) + 1):
        text = label_at(grid, r, column)
        if text:
            out.setdefault(text, []).append(r)
    return out


def _structure_finding(moved, sheets) -> Finding:
    first, here, _ = min(moved, key=lambda m: (m[0].sheet, m[0].row))
    sheet = sheets[first.sheet]
    now = f"现为“{here}”" if here else "现为空行"
    keys = {m[0].label for m in moved}
    found = len({m[0].label for m in moved if m[2] is not None})
    return Finding(
        severity=Severity.error,
        code="structure_changed",
        sheet=sheet,
        cell=first.label_cell,
        message=f"{sheet} 第{first.row}行应为“{first.label}”，{now}；申报表结构被改动"
        f"（共{len(keys)}个数据项不在原位置，其中{found}个已按名称找到并读取），"
        "请使用原模板重新填报",
    )
