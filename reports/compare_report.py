"""The 补正比对 report (``iipeval compare``) as text, JSON and a workbook.

The workbook has a summary (one row per applicant: fixed, still open, new, changes, how
many need attention) and the detail (one row per finding or changed value, attention
rows highlighted), each with a title and borders, printed one A4 landscape page wide
(written through :mod:`.grid`, like the results workbook). Every string goes through :func:`iipeval.present.cell_text.put`: applicants choose
their names and their values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iipeval.core import voice
from iipeval.core.findings import SEVERITY_LABELS, Finding
from iipeval.core.round.compare import Comparison
from iipeval.reports.grid import (
    CENTER,
    FLAG_FILL,
    HEAD,
    NOTE,
    TITLE,
    Grid,
    Style,
    add_sheet,
    new_workbook,
    print_setup,
)


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
    for d in c.duplicates:
        files = "、".join(f"{u.applicant}（{u.source}）" for u in d.files)
        lines.append(
            f"重复：{d.round}一批中有{len(d.files)}份申报的统一社会信用代码同为{d.credit_code}：{files}；"
            "无法确定哪份是该单位的申报，均未比对，请只保留一份"
        )
    return "\n".join(lines)


#: the summary's and the detail's columns with their widths: each prints one landscape
#: A4 page wide at a readable size, a row and its 需关注 mark on the same page
SUMMARY_COLUMNS = (
    ("序号", 5),
    ("申报单位", 28),
    ("匹配方式", 16),
    ("原文件", 18),
    ("新文件", 18),
    ("已改正", 7),
    ("仍未改正", 7),
    ("新问题", 7),
    ("数值变化", 7),
    ("需关注", 7),
    ("结论", 16),
)
DETAIL_COLUMNS = (
    ("序号", 5),
    ("申报单位", 24),
    ("类别", 9),
    ("位置", 16),
    ("内容", 48),
    ("原值", 14),
    ("新值", 14),
    ("需关注", 10),
)
ATTENTION = "是（未被要求补正）"


def write_xlsx(c: Comparison, path: Path) -> None:
    """The 补正比对 workbook: 比对汇总 (one row per applicant) and 明细 (one row per finding
    or changed value), each titled, bordered and set to print on A4 landscape."""
    wb = new_workbook()
    _summary_sheet(add_sheet(wb, "比对汇总"), c)
    _detail_sheet(add_sheet(wb, "明细"), c)
    wb.save(path)


def _folders(sources: list[str]) -> str:
    """The folders the files of one round came from (usually one)."""
    return "、".join(dict.fromkeys(str(Path(s).parent) for s in sources)) or "—"


def _grid(title: str, note: str, columns) -> Grid:
    """A sheet's title, its note and its header row, the columns at their widths."""
    g = Grid(fixed={k: w for k, (_, w) in enumerate(columns, 1)})
    g.put(1, 1, title, TITLE)
    g.put(2, 1, note, NOTE, span=len(columns))
    g.line(3, 1, [name for name, _ in columns], HEAD)
    return g


def _finish(ws, g: Grid, last: int, empty: str) -> None:
    """A note where the table is empty; frozen and repeated head, A4 landscape."""
    if last == 3:
        g.put(4, 1, empty, NOTE, span=len(g.fixed))
    ws.freeze_panes = "C4"
    print_setup(ws, "1:3")
    g.finish(ws)


def _summary_sheet(ws, c: Comparison) -> None:
    old = _folders([a.old_source for a in c.applicants] + [u.source for u in c.only_old])
    new = _folders([a.new_source for a in c.applicants] + [u.source for u in c.only_new])
    note = f"原申报：{old}；补正后：{new}。“需关注”为未被要求补正却改动了的数值，见“明细”表。"
    g = _grid("补正比对汇总", note, SUMMARY_COLUMNS)
    r = 3
    for k, a in enumerate(c.applicants, 1):
        r += 1
        flag = Style(fill=FLAG_FILL, horizontal="center") if a.attention else CENTER
        g.put(r, 1, k, CENTER)
        g.line(r, 2, [a.applicant, a.matched_by, Path(a.old_source).name])
        g.put(r, 5, Path(a.new_source).name)
        g.line(r, 6, [len(a.fixed), len(a.still_open), len(a.new), len(a.changes)], CENTER)
        g.put(r, 10, len(a.attention), flag)
        g.put(r, 11, a.verdict, Style(bold=not a.resolved))
    twice = [u for d in c.duplicates for u in d.files]
    for title, group in (
        ("未重新提交", c.only_old),
        ("新提交", c.only_new),
        ("无法读取", c.unreadable),
        ("重复（代码相同）", twice),
    ):
        for u in group:
            r += 1
            g.line(r, 1, [None, u.applicant or "—", None, Path(u.source).name])
            g.put(r, 11, title, Style(bold=True))
    _finish(ws, g, r, "两批申报中没有可比对的申报。")


def _detail_sheet(ws, c: Comparison) -> None:
    g = _grid("补正比对明细", "每个问题及每处数值变化一行；黄色为需关注的改动。", DETAIL_COLUMNS)
    r = 3
    for a in c.applicants:
        for title, found in (("已改正", a.fixed), ("仍未改正", a.still_open), ("新问题", a.new)):
            for f in found:
                r += 1
                kind = f"{title}·{SEVERITY_LABELS[f.severity]}"
                g.put(r, 1, r - 3, CENTER)
                g.line(r, 2, [a.applicant, kind, _where(f, a.item_labels) or "—", f.message])
        for ch in a.changes:
            # no place to give: the key is the JSON's, and 内容 names the item in Chinese
            r += 1
            style = Style(fill=FLAG_FILL) if ch.attention else Style()
            g.put(r, 1, r - 3, CENTER)
            g.line(r, 2, [a.applicant, "数值变化", "—", ch.label, ch.old, ch.new], style)
            g.put(r, 8, ATTENTION if ch.attention else "", style)
    _finish(ws, g, r, "没有问题变化，也没有数值变化。")
    if r > 3:
        ws.auto_filter.ref = f"A3:H{r}"
