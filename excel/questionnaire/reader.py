"""Read a filled AHP questionnaire back: only the two input cells of each pair.

The live weights and CR the workbook shows are never trusted; :mod:`iipeval.core.analysis.ahp`
recomputes them from the judgements. The hidden ``_meta`` sheet says which sheet compares
which ids; the names in each pair row are returned so the caller can check them against
the criteria set (a moved or edited row is then reported, not silently misread).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from iipeval.core.analysis.ahp import comparison_groups
from iipeval.core.analysis.ahp_round import ExpertJudgements
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel.entry import form_error as error
from iipeval.excel.cells.book import cell_text
from iipeval.excel.questionnaire.workbook import (
    COL_A,
    COL_B,
    COL_DEGREE,
    COL_WHICH,
    FORMAT,
    META,
    SCALE_TEXT,
    VERSION,
)


@dataclass
class FilledSheet:
    name: str
    level: str
    ids: tuple[str, ...]
    #: (i, j) with i < j → a_ij, for every pair that was filled correctly
    judgements: dict[tuple[int, int], float] = field(default_factory=dict)
    #: (i, j) → (cell of 更重要的一方, cell of 重要程度), for messages
    cells: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    #: (i, j) → the (甲, 乙) names as they stand in the row
    names: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


@dataclass
class Filled:
    source: str
    sha256: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    sheets: list[FilledSheet] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.error for f in self.findings)

    def fact(self, key: str) -> str:
        return self.facts.get(key, "")


def read_questionnaire(path: str | Path) -> Filled:
    """Never raises for a bad file: every problem is a finding with its sheet and cell."""
    path = Path(path)
    src = str(path)
    out = Filled(src)
    try:
        out.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        wb = CalamineWorkbook.from_path(src)
        names = wb.sheet_names
        if META not in names:
            out.findings.append(
                error(
                    src, "not_questionnaire", "不是 iipeval 生成的层次分析法调查表（缺少 _meta 表）"
                )
            )
            return out
        meta = wb.get_sheet_by_name(META).to_python()
    except (CalamineError, OSError, ValueError) as exc:
        out.findings.append(error(src, "unreadable", f"无法读取调查表：{exc}"))
        return out
    plan: list[list[Any]] = []
    section = None
    for row in meta[1:]:
        head = cell_text(row[0]) if row else ""
        if head.startswith("["):
            section = head
            continue
        if section is None and head:
            out.facts[head] = cell_text(row[1]) if len(row) > 1 else ""
        elif section == "[sheets]" and len(row) >= 5 and cell_text(row[1]):
            plan.append(row[1:5])
    if out.fact("format") != FORMAT or out.fact("version") != str(VERSION):
        out.findings.append(
            error(
                src,
                "not_questionnaire",
                "不是本版本 iipeval 生成的层次分析法调查表，请使用组织方下发的调查表",
            )
        )
        return out
    for name, level, first, ids in plan:
        name = cell_text(name)
        if name not in names:
            out.findings.append(error(src, "missing_sheet", f"缺少工作表“{name}”", sheet=name))
            continue
        try:
            first_row = int(float(first))
        except (TypeError, ValueError):
            out.findings.append(error(src, "bad_meta", "_meta 表已被修改，无法核对", sheet=META))
            return out
        sheet = FilledSheet(name, cell_text(level), tuple(cell_text(ids).split(",")))
        _read_sheet(out, sheet, wb.get_sheet_by_name(name).to_python(), first_row)
        out.sheets.append(sheet)
    return out


def _read_sheet(out: Filled, sheet: FilledSheet, rows: list[list[Any]], first: int) -> None:
    src, n = out.source, len(sheet.ids)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    for k, (i, j) in enumerate(pairs):
        r = first + k
        row = rows[r - 1] if len(rows) >= r else []
        a, b, which, degree = (
            cell_text(row[col - 1]) if len(row) >= col else ""
            for col in (COL_A, COL_B, COL_WHICH, COL_DEGREE)
        )
        wc, dc = f"C{r}", f"D{r}"
        sheet.cells[(i, j)] = (wc, dc)
        sheet.names[(i, j)] = (a, b)
        where = {"sheet": sheet.name}
        if not degree:
            out.findings.append(
                error(src, "blank", f"“{a}”与“{b}”的重要程度未填", cell=dc, **where)
            )
            continue
        if degree not in SCALE_TEXT:
            out.findings.append(
                error(
                    src,
                    "off_scale",
                    f"重要程度“{degree}”不在 1–9 标度内，请从下拉列表中选择",
                    cell=dc,
                    **where,
                )
            )
            continue
        k_ = SCALE_TEXT.index(degree) + 1
        if k_ == 1:
            sheet.judgements[(i, j)] = 1.0
        elif which == a:
            sheet.judgements[(i, j)] = float(k_)
        elif which == b:
            sheet.judgements[(i, j)] = 1.0 / k_
        else:
            what = f"“{which}”不是甲或乙" if which else "未选择"
            out.findings.append(
                error(src, "blank", f"“{a}”与“{b}”中更重要的一方{what}", cell=wc, **where)
            )


def judgements(filled: Filled, framework) -> tuple[ExpertJudgements | None, list[Finding]]:
    """A read questionnaire → (its expert's judgements, findings): each sheet must compare
    the ids the set's group has now, and the names in every pair row must be the set's
    names for them, in the set's order (a moved or edited row is reported, not misread)."""
    src = filled.source
    findings = list(filled.findings)
    if not filled.facts:
        return None, findings
    groups = {g.level: g for g in comparison_groups(framework)}
    levels = {}
    for sheet in filled.sheets:
        g = groups.get(sheet.level)
        if g is None or sheet.ids != tuple(i for i, _ in g.members):
            message = "比较对象与当前评价体系不一致（调查表可能来自旧版本）"
            findings.append(error(src, "stale", message, sheet=sheet.name))
            continue
        names = [n for _, n in g.members]
        for (i, j), pair in sheet.names.items():
            if pair != (names[i], names[j]):
                findings.append(
                    error(
                        src,
                        "moved",
                        f"此行应比较“{names[i]}”与“{names[j]}”，表格内容已被改动",
                        sheet=sheet.name,
                        cell=f"A{sheet.cells[(i, j)][0][1:]}",
                    )
                )
        levels[sheet.level] = sheet.judgements
    for level, g in groups.items():
        if level not in levels:
            findings.append(error(src, "missing_sheet", f"缺少“{g.title}”的比较表"))
    je = ExpertJudgements(
        filled.fact("expert"), filled.fact("expert_name"), src, filled.sha256, levels
    )
    return je, findings


def roster(filled: Filled) -> list[str]:
    """The panel's expert ids as the questionnaire records them ([] for older ones)."""
    return [e for e in filled.fact("panel_experts").split(",") if e]
