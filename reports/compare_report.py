"""The 补正比对 report (``iipeval compare``) as text, JSON and a workbook.

The workbook has a summary (one row per applicant: fixed, still open, new, changes, how
many need attention) and the detail (one row per finding or changed value, attention
rows highlighted). Every string goes through :func:`iipeval.present.cell_text.put`: applicants choose
their names and their values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iipeval.core import voice
from iipeval.core.findings import SEVERITY_LABELS, Finding
from iipeval.core.round.compare import Comparison


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _where(f: Finding, labels: dict[str, str]) -> str:
    """The cell, else the data item by its Chinese name unless the message names it."""
    if f.sheet and f.cell:
        return f.where(with_file=False, with_item=False)
    return voice.item_named(f, labels.get) or ""


def text(c: Comparison) -> str:
    lines = []
    for a in c.applicants:
        lines.append(f"{a.applicant}（按{a.matched_by}匹配）：{a.verdict}")
        lines.append(f"  原：{a.old_source}　新：{a.new_source}")
        for title, found in (("已改正", a.fixed), ("仍未改正", a.still_open), ("新问题", a.new)):
            for f in found:
                label = SEVERITY_LABELS[f.severity]
                lines.append(
                    f"  [{title}][{label}] {_where(f, a.item_labels)} {f.message}".rstrip()
                )
        for ch in a.changes:
            kind = "数值变化·需关注" if ch.attention else "数值变化"
            lines.append(f"  [{kind}] {ch.label}：{ch.old} → {ch.new}")
    for u in c.only_old:
        lines.append(f"未重新提交：{u.applicant}（{u.source}）")
    for u in c.only_new:
        lines.append(f"新提交、无对应的原申报：{u.applicant}（{u.source}）")
    for u in c.unreadable:
        reason = "；".join(f.message for f in u.findings) or "无法读取"
        lines.append(f"无法读取：{u.source}（{reason}）")
    return "\n".join(lines)


def write_xlsx(c: Comparison, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from iipeval.present.cell_text import put

    bold = Font(bold=True)
    flag = PatternFill("solid", fgColor="FFEB9C")
    wb = Workbook()
    ws = wb.active
    ws.title = "比对汇总"
    head = [
        "申报单位",
        "匹配方式",
        "原文件",
        "新文件",
        "已改正",
        "仍未改正",
        "新问题",
        "数值变化",
        "需关注",
        "结论",
    ]
    for col, value in enumerate(head, 1):
        put(ws.cell(1, col), value).font = bold
    for r, a in enumerate(c.applicants, 2):
        row = [
            a.applicant,
            a.matched_by,
            a.old_source,
            a.new_source,
            len(a.fixed),
            len(a.still_open),
            len(a.new),
            len(a.changes),
            len(a.attention),
            a.verdict,
        ]
        for col, value in enumerate(row, 1):
            put(ws.cell(r, col), value)
    r = len(c.applicants) + 3
    for title, group in (
        ("未重新提交", c.only_old),
        ("新提交", c.only_new),
        ("无法读取", c.unreadable),
    ):
        for u in group:
            put(ws.cell(r, 1), u.applicant or "")
            put(ws.cell(r, 3), u.source)
            put(ws.cell(r, 10), title)
            r += 1
    for col, width in zip("ABCDEFGHIJ", (30, 16, 30, 30, 8, 10, 8, 10, 8, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"

    detail = wb.create_sheet("明细")
    head = ["申报单位", "类别", "位置", "内容", "原值", "新值", "需关注"]
    for col, value in enumerate(head, 1):
        put(detail.cell(1, col), value).font = bold
    r = 2
    for a in c.applicants:
        for title, found in (("已改正", a.fixed), ("仍未改正", a.still_open), ("新问题", a.new)):
            for f in found:
                for col, value in enumerate(
                    [a.applicant, title, _where(f, a.item_labels), f.message], 1
                ):
                    put(detail.cell(r, col), value)
                r += 1
        for ch in a.changes:
            # no place to give: the key is the JSON's, and 内容 names the item in Chinese
            values = [a.applicant, "数值变化", None, ch.label, ch.old, ch.new]
            values.append("是（未被要求补正）" if ch.attention else "")
            for col, value in enumerate(values, 1):
                cell = put(detail.cell(r, col), value)
                if ch.attention:
                    cell.fill = flag
            r += 1
    for col, width in zip("ABCDEFG", (30, 10, 22, 50, 18, 18, 18), strict=True):
        detail.column_dimensions[col].width = width
    detail.freeze_panes = "A2"
    detail.auto_filter.ref = f"A1:G{max(r - 1, 1)}"
    wb.save(path)
