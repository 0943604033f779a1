"""补正 returns: the applicant's own workbook back, with every problem marked on it.

The organiser's 符合性审查 finds problems with file, sheet and cell; this module turns them
into what is sent back: a copy of the applicant's workbook in which each problem cell is
highlighted and carries a comment (the problem and how to fix it), with a first sheet
补正通知 that lists them all. Nothing else in the copy changes: the hidden ``_meta`` sheet,
protection and data validation stay as they were, so the corrected copy is read back
exactly like a fresh submission. For a JSON application there is no workbook to mark,
so the 补正通知 alone is written; and the organiser gets a 补正清单 of every applicant.

Only the pure drawing lives here; opening an applicant's file is done in a sandboxed
worker by the caller (:mod:`iipeval.cli.returns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core import voice
from iipeval.core.findings import Finding, Severity
from iipeval.excel.cells import styles
from iipeval.excel.cells.book import header_row, landscape, save_fixed
from iipeval.excel.cells.measure import row_height
from iipeval.present.cell_text import put

NOTICE = "补正通知"  # the reader lets it be (visible.RETURN_SHEETS)
CHECKLIST = "补正清单"
#: the 补正清单's columns and widths: about one landscape A4 page at 85%, so it prints
#: one page wide at a readable size
CHECKLIST_COLUMNS = (
    ("序号", 5),
    ("申报单位\n（统一社会信用代码）", 24),
    ("申报文件", 18),
    ("结论", 9),
    ("否决项", 16),
    ("须补正（错误）", 32),
    ("请核实（警告）", 28),
    ("退回文件", 14),
)
#: problems listed per cell before the rest are counted (the returned file has them all)
CHECKLIST_LINES = {Severity.error: 30, Severity.warning: 10}
NOTICE_HEADERS = ("序号", "位置", "问题", "补正要求")
NOTICE_WIDTHS = (6, 18, 56, 44)
ERROR_FILL = PatternFill("solid", fgColor="FF9999")
WARNING_FILL = PatternFill("solid", fgColor="FFD966")
AUTHOR = "iipeval 符合性审查"

#: How to fix a problem, by finding code (the message says what is wrong).
FIXES = {
    "missing": "请填写该项；确实没有的填0，不适用的填“不适用”（仅限允许不适用的项）",
    "not_number": "请只填写数字，不要带单位或文字；需要说明的，写在佐证材料栏",
    "not_integer": "请填写整数",
    "not_bool": "请从下拉列表中选择“是”或“否”",
    "bad_choice": "请从下拉列表中选择",
    "below_min": "请核对后填写不小于下限的数值",
    "above_max": "请核对后填写不超过上限的数值",
    "na_not_allowed": "该项不能填“不适用”，请填写实际数值（没有的填0）",
    "credit_code": "请按营业执照上的18位统一社会信用代码填写（以文本格式，勿用科学计数法）",
    "subtype": "请从下拉列表中选择申报类型",
    "formula_no_value": "请直接填写数值，或在表格软件中重新计算并保存后再提交",
    "percent_fraction": "请核对该比例：35%应填35（或35%）",
    "exclusion_undecided": "请如实选择“是”或“否”",
}
GENERIC_FIX = "请按问题说明核对并修改"
WARNING_FIX = "请核实；如数据无误可不修改，并在佐证材料栏说明"


def fix_for(f: Finding) -> str:
    """What the applicant must do about one finding, in plain words."""
    if f.severity is not Severity.error:
        return WARNING_FIX
    if f.code.startswith("inconsistent."):
        return "请核对相关数据项，使其相互一致，并在佐证材料栏说明口径"
    return FIXES.get(f.code, GENERIC_FIX)


def to_fix(findings: Iterable[Finding]) -> list[Finding]:
    """The findings an applicant is asked about: errors first, then warnings; no notices."""
    out = [f for f in findings if f.severity is not Severity.notice]
    return sorted(out, key=lambda f: f.severity is not Severity.error)


def place(f: Finding, labels: dict[str, str] | None = None) -> str:
    """Where in the returned workbook (the file is the one returned): Finding.where, else
    the data item by its Chinese name (``labels``), else the workbook as a whole."""
    here = f.where(with_file=False, with_item=False)
    if here:
        return here
    return f"数据项 {(labels or {}).get(f.item, f.item)}" if f.item else "整个申报表"


@dataclass
class Case:
    """One application as the organiser's 符合性审查 left it."""

    source: str
    applicant: str
    credit_code: str | None
    findings: list[Finding]
    returned: str | None = None  # the file sent back, if any
    readable: bool = True
    notes: list[str] = field(default_factory=list)
    #: data-item id → Chinese label, for problems that have no cell to point at
    labels: dict[str, str] = field(default_factory=dict)
    #: the 否决项 it already shows (:func:`iipeval.core.voice.exclusion_text`), if any
    exclusions: str = ""

    @property
    def problems(self) -> list[Finding]:
        return to_fix(self.findings)

    @property
    def needs_return(self) -> bool:
        return any(f.severity is Severity.error for f in self.findings)

    @property
    def verdict(self) -> str:
        """需补正 / 不予推荐 / 通过, as ``validate`` says it."""
        return voice.verdict(self.readable and not self.needs_return, bool(self.exclusions))

    def listed(self, severity: Severity) -> str:
        """This case's problems of one severity, one per line (``—`` when none)."""
        found = [f for f in self.problems if f.severity is severity]
        limit = CHECKLIST_LINES[severity]
        lines = [f"{place(f, self.labels)}：{f.message}" for f in found[:limit]]
        if len(found) > limit:
            lines.append(f"……另有{len(found) - limit}条，见退回文件")
        return "\n".join(lines) or "—"


def _deadline_text(deadline: date | None) -> str:
    return f"{deadline:%Y年%m月%d日}" if deadline else "（组织方填写）"


def _notice_sheet(ws: Worksheet, case: Case, deadline: date | None, *, with_copy: bool) -> None:
    ws.sheet_properties.tabColor = "C00000"
    put(ws["A1"], f"补正通知：{case.applicant}")
    ws["A1"].font = styles.TITLE
    ws.merge_cells("A1:D1")
    how = (
        "本表之后的各工作表即贵单位提交的申报表，问题单元格已标红并附批注；请直接在原位置修改，"
        "不要增删工作表或行列，改好后按原格式保存。"
        if with_copy
        else "请按下表的补正要求逐项修改申报数据。"
    )
    ws["A2"] = f"请于{_deadline_text(deadline)}前完成补正并重新提交。{how}"
    ws["A2"].font = styles.NOTE
    ws["A2"].alignment = styles.WRAP
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = row_height([(ws["A2"].value, sum(NOTICE_WIDTHS), 10)])
    header_row(ws, 3, NOTICE_HEADERS)
    for n, f in enumerate(case.problems, 1):
        row = (n, place(f, case.labels), f.message, fix_for(f))
        for col, value in enumerate(row, 1):
            c = put(ws.cell(3 + n, col), value)
            c.font, c.alignment, c.border = styles.BODY, styles.WRAP, styles.GRID
        cells = [(str(v), w) for v, w in zip(row, NOTICE_WIDTHS, strict=True)]
        ws.row_dimensions[3 + n].height = row_height(cells)
    for col, width in zip("ABCD", NOTICE_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    landscape(ws, "3:3")
    ws.protection.sheet = True  # a notice, not a form: the applicant edits the sheets after it


def mark_copy(
    source: Path, target: Path, case: Case, deadline: date | None, keep_vba: bool = False
) -> None:
    """Write the applicant's workbook to ``target`` with every problem marked on it.

    The copy keeps every sheet, protection, data validation and the very hidden ``_meta``
    sheet as openpyxl read them; only problem cells get a fill and a comment, and the
    補正通知 sheet goes first. Cell protection is not touched, so a locked cell stays
    locked and an input cell stays open for the correction.
    """
    wb = openpyxl.load_workbook(source, keep_vba=keep_vba)
    _clear_earlier_round(wb)
    for f in case.problems:
        if not (f.sheet and f.cell) or f.sheet not in wb.sheetnames:
            continue
        c = wb[f.sheet][f.cell]
        c.fill = ERROR_FILL if f.severity is Severity.error else WARNING_FILL
        text = f"问题：{f.message}\n补正要求：{fix_for(f)}"
        if c.comment is not None and c.comment.author == AUTHOR:
            text = f"{c.comment.text}\n{text}"
        c.comment = Comment(text, AUTHOR, height=160, width=320)
    ws = wb.create_sheet(NOTICE, 0)
    _notice_sheet(ws, case, deadline, with_copy=True)
    for sheet in wb.worksheets:  # only the notice is selected when the copy opens
        sheet.sheet_view.tabSelected = sheet is ws
    wb.active = 0
    save_fixed(wb, target)


def _clear_earlier_round(wb: Workbook) -> None:
    """A copy returned once and resubmitted carries the last round's notice and marks:
    they go, so that only what is still wrong is marked. A marked cell is an input cell,
    and gets the input fill back."""
    if NOTICE in wb.sheetnames:
        wb.remove(wb[NOTICE])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.comment is not None and c.comment.author == AUTHOR:
                    c.comment = None
                    if c.fill in (ERROR_FILL, WARNING_FILL):
                        c.fill = styles.INPUT_FILL


def notice_only(target: Path, case: Case, deadline: date | None) -> None:
    """The 补正通知 alone: for a JSON application, or one whose file could not be read."""
    wb = Workbook()
    ws = wb.active
    ws.title = NOTICE
    _notice_sheet(ws, case, deadline, with_copy=False)
    save_fixed(wb, target)


def checklist(target: Path, cases: Sequence[Case], deadline: date | None) -> None:
    """The organiser's 补正清单: every applicant, its verdict, its 否决项, what it must fix
    and what it should confirm, and the file sent back, by when."""
    wb = Workbook()
    ws = wb.active
    ws.title = CHECKLIST
    last = chr(ord("A") + len(CHECKLIST_COLUMNS) - 1)
    ws["A1"] = f"补正清单（补正截止：{_deadline_text(deadline)}）"
    ws["A1"].font = styles.TITLE
    ws.merge_cells(f"A1:{last}1")
    header_row(ws, 3, [name for name, _ in CHECKLIST_COLUMNS])
    ws.row_dimensions[3].height = row_height([(n, w) for n, w in CHECKLIST_COLUMNS])
    verdicts = [c.verdict for c in cases]
    counts = "，".join(f"{v}{verdicts.count(v)}份" for v in dict.fromkeys(verdicts))
    ws["A2"] = f"共{len(cases)}份申报：{counts or '无'}。警告不影响受理，请申报单位核实或说明。"
    ws["A2"].font = styles.NOTE
    ws.merge_cells(f"A2:{last}2")
    for n, case in enumerate(cases, 1):
        row = (
            n,
            case.applicant + (f"\n（{case.credit_code}）" if case.credit_code else ""),
            Path(case.source).name,
            case.verdict,
            case.exclusions or "—",
            case.listed(Severity.error),
            case.listed(Severity.warning),
            Path(case.returned).name if case.returned else "—",
        )
        for col, value in enumerate(row, 1):
            c = put(ws.cell(3 + n, col), value)
            c.font, c.alignment, c.border = styles.BODY, styles.WRAP_TOP, styles.GRID
            c.number_format = "@"
        ws.cell(3 + n, 1).alignment = ws.cell(3 + n, 4).alignment = styles.CENTER
        ws.row_dimensions[3 + n].height = row_height(
            [(str(v), w) for v, (_, w) in zip(row, CHECKLIST_COLUMNS, strict=True)]
        )
    for col, (_, width) in enumerate(CHECKLIST_COLUMNS, 1):
        ws.column_dimensions[chr(ord("A") + col - 1)].width = width
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{last}{3 + len(cases)}"
    landscape(ws, "3:3")
    save_fixed(wb, target)
