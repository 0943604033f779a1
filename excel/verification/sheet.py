"""The 核查表 (on-site verification sheet): written per application, read back for scoring.

One sheet lists the applicant's 基本信息 (name, credit code, platform, region) and every
data item with the value the applicant declared, each by its Chinese name, an item that
drew a warning in 符合性审查 marked with it (核查提示); the verifiers fill in, per item they
checked, the verified value, their evidence, a note, their name and the date. Only those
five columns are open; the rest is locked; under the table the 核查组 and the 被核查单位
sign. A very hidden ``_verify`` sheet records which application and which file (with its
SHA-256) the sheet was made for, and the item of every row, so a row moved or a name
retyped is caught, not misread. What the verifiers write as evidence or a note is kept
as they wrote it (full-width punctuation and all).

Reading goes through the guard like any file from outside; values go through
:mod:`iipeval.core.scoring.normalize`, so ``1.2万`` and ``35%`` read as they do in a 申报表. A value
without a verifier and a date is reported and not used.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

from iipeval.core.api import Evaluator
from iipeval.core.findings import Finding, Severity
from iipeval.core.intake.guard import guard
from iipeval.core.model.application import Application
from iipeval.core.model.criteria import Framework
from iipeval.core.model.verified import Verification, VerifiedValue
from iipeval.core.model.verified import shown as shown_value
from iipeval.core.scoring.normalize import fold, read_item, show
from iipeval.core.scoring.params import InputLimits
from iipeval.core.scoring.validation import coerce
from iipeval.core.text import fmt, visible
from iipeval.excel.cells import styles
from iipeval.excel.cells.book import header_row, landscape, save_fixed
from iipeval.excel.cells.cellxml import look
from iipeval.excel.cells.measure import broken, row_height
from iipeval.present.cell_text import put, xml_safe

SHEET = "核查表"
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
LINE = Border(bottom=Side(style="thin", color="000000"))
SIGN_LABEL = Alignment(horizontal="right", vertical="bottom")
APPLICANT_LABELS = {
    "name": "申报单位名称",
    "credit_code": "统一社会信用代码",
    "platform_name": "平台名称",
    "region": "所在地区",
}
META = "_verify"
FORMAT = "iipeval.verification"
VERSION = 1
FIRST_ROW = 5
HEADERS = (
    ("序号", 5),
    ("数据项", 24),
    ("核查提示", 22),
    ("单位", 7),
    ("申报值", 20),  # an 18-character credit code on one line
    ("核查值", 20),
    ("核查依据（佐证）", 22),
    ("备注", 14),
    ("核查人", 10),
    ("核查日期", 11),
)
OPEN_COLUMNS = "FGHIJ"  # the five the verifiers fill in
#: 基本信息 the verifiers confirm against the business licence, before the figures
APPLICANT_FIELDS = ("name", "credit_code", "platform_name", "region")
APPLICANT = "applicant."
#: who signs under the table, on paper
SIGNATURES = ("核查组（签字）", "被核查单位（盖章）", "被核查单位负责人（签字）")


def file_name(source: Path) -> str:
    return f"{source.stem}_核查表.xlsx"


def write_sheet(
    target: Path,
    fw: Framework,
    app: Application,
    key: str,
    source: str,
    source_sha256: str,
    warnings: dict[str, list[str]] | None = None,
) -> None:
    """Write the 核查表 of one application (callers wrap this in ``write_atomic``).

    ``warnings``: data-item id (or ``applicant.credit_code``…) → what 符合性审查 warned
    about it, shown beside the item so the verifiers look at it first."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _heading(ws, fw, app, source)
    rows = [
        (f"{APPLICANT}{f}", APPLICANT_LABELS[f], "", getattr(app.applicant, f))
        for f in APPLICANT_FIELDS
    ]
    rows += [(i.id, i.label, i.unit or "", app.items.get(i.id)) for i in fw.items]
    last = _rows(ws, fw, rows, warnings or {})
    _signatures(ws, last + 2)
    ws.freeze_panes = f"A{FIRST_ROW}"
    landscape(ws, f"{FIRST_ROW - 1}:{FIRST_ROW - 1}")
    ws.protection.sheet = True
    meta = wb.create_sheet(META)
    facts = [
        ("format", FORMAT),
        ("version", VERSION),
        ("framework", fw.id),
        ("key", key),
        ("applicant", app.applicant.name),
        ("source", Path(source).name),
        ("source_sha256", source_sha256),
        *(("item", item) for item, *_ in rows),
    ]
    for r, row in enumerate(facts, 1):
        for col, value in enumerate(row, 1):
            _meta_cell(meta.cell(r, col), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    save_fixed(wb, target)


def _heading(ws, fw: Framework, app: Application, source: str) -> None:
    """Title, what the sheet is for, and how to fill it in, above the header row."""
    last = get_column_letter(len(HEADERS))
    put(ws["A1"], f"调研核查表：{app.applicant.name}")
    ws["A1"].font = styles.TITLE
    ws.merge_cells(f"A1:{last}1")
    put(
        ws["A2"],
        f"统一社会信用代码：{app.applicant.credit_code or '（未填写）'}　评价体系：{fw.name}"
        f"　申报文件：{Path(source).name}",
    )
    ws["A2"].font = styles.NOTE
    ws.merge_cells(f"A2:{last}2")
    ws["A3"] = (
        "先核对基本信息（营业执照），再逐项核查数据；“核查提示”列出符合性审查时该项的警告，请重点核实。"
        "在“核查值”列填写现场核实的数值或信息（与申报值一致的可留空）；填写了核查值的行须同时填写核查人"
        "和核查日期，否则不予采用。不适用的填“不适用”。请勿增删行列或修改灰色部分。核查完毕由核查组和"
        "被核查单位在表末签字盖章。"
    )
    ws["A3"].font, ws["A3"].alignment = styles.NOTE, styles.WRAP
    ws.merge_cells(f"A3:{last}3")
    ws.row_dimensions[3].height = row_height([(ws["A3"].value, sum(w for _, w in HEADERS), 10)])
    header_row(ws, FIRST_ROW - 1, [text for text, _ in HEADERS])
    for col, (_, width) in enumerate(HEADERS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _rows(ws, fw: Framework, rows: list, warnings: dict[str, list[str]]) -> int:
    """One row per field and item: fixed columns grey, an item with a warning marked,
    the verifiers' five columns open. Returns the last row."""
    yes_no = DataValidation(type="list", formula1='"是,否,不适用"', allow_blank=True)
    dates = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        error="请填写日期，例如 2026-12-01",
        errorTitle="核查日期",
        showErrorMessage=True,
    )
    ws.add_data_validation(yes_no)
    ws.add_data_validation(dates)
    kinds = {i.id: i.type for i in fw.items}
    r = FIRST_ROW - 1
    for n, (item, label, unit, value) in enumerate(rows, 1):
        r = FIRST_ROW - 1 + n
        hint = broken("；".join(warnings.get(item, [])), HEADERS[2][1])
        for col, v in enumerate((n, label, hint, unit, shown_value(value)), 1):
            c = put(ws.cell(r, col), v)
            c.font, c.border, c.alignment = styles.BODY, styles.GRID, styles.WRAP
            c.fill = styles.FIXED_FILL
            c.number_format = "@" if col > 1 else "General"
        ws.cell(r, 1).alignment = styles.CENTER
        if hint:
            ws.cell(r, 3).fill = WARNING_FILL
        for col in OPEN_COLUMNS:
            c = ws[f"{col}{r}"]
            c.font, c.border, c.fill = styles.BODY, styles.GRID, styles.INPUT_FILL
            c.protection = styles.UNLOCKED
            c.alignment = styles.TEXT_INPUT_ALIGN
        ws[f"F{r}"].number_format = "@" if item.startswith(APPLICANT) else "General"
        ws[f"J{r}"].number_format = "yyyy-mm-dd"
        if kinds.get(item) == "bool":
            yes_no.add(f"F{r}")
        dates.add(f"J{r}")
        ws.row_dimensions[r].height = row_height(
            [(label, HEADERS[1][1]), (hint, HEADERS[2][1]), (shown_value(value), HEADERS[4][1])]
        )
    return r


def _signatures(ws, r: int) -> None:
    """Where the 核查组 and the 被核查单位 sign, on the printed sheet: a name line and a
    date line each."""
    for k, who in enumerate(SIGNATURES):
        row = r + k
        ws.merge_cells(f"A{row}:B{row}")
        ws[f"A{row}"] = who
        ws[f"A{row}"].font, ws[f"A{row}"].alignment = styles.BOLD, SIGN_LABEL
        ws.merge_cells(f"C{row}:E{row}")
        ws[f"F{row}"] = "日期"
        ws[f"F{row}"].font, ws[f"F{row}"].alignment = styles.BOLD, SIGN_LABEL
        ws.merge_cells(f"G{row}:H{row}")
        for col in "CDEGH":
            ws[f"{col}{row}"].border = LINE
        ws.row_dimensions[row].height = 36


def _meta_cell(cell, value) -> None:
    """A ``_verify`` value stored as written, always as text (never a formula), whole:
    the key read back must be the key written; characters XML cannot hold become U+FFFD."""
    if isinstance(value, str):
        cell.value = xml_safe(value)
        cell.data_type = "s"
    else:
        cell.value = value


def _error(src: str, code: str, message: str, cell: str | None = None) -> Finding:
    return Finding(
        severity=Severity.error,
        code=code,
        message=message,
        file=src,
        sheet=SHEET if cell else None,
        cell=cell,
    )


def _formulas(path: str) -> set[str] | None:
    """The 核查表's cells that hold a formula (``None``: the file does not say)."""
    seen = look(path, [SHEET])
    return seen.sheets[SHEET].formulas if seen.cells_known and SHEET in seen.sheets else None


def _unseen(cell: str, formulas: set[str] | None) -> tuple[str, str] | None:
    """A verified value must be what the verifier typed: a formula's stored result is
    whatever the file says, whatever the formula computes."""
    if formulas and cell in formulas:
        return "verification_formula", "核查值是公式，不予采用：请直接填写核实的数值"
    return None


def _beyond(raw: Any, limit: float) -> tuple[str, str] | None:
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if number and (not math.isfinite(raw) or abs(raw) > limit):
        return "too_large", f"核查值超出上限（绝对值不超过{fmt(limit)}），不予采用"
    return None


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        text = fold(raw).replace("/", "-").replace(".", "-")
        for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return None


def read_verification(
    path: str | Path, ev: Evaluator | None = None, limits: InputLimits | None = None
) -> Verification:
    """Read one filled 核查表. Never raises for bad input: problems become findings."""
    src = str(path)
    checked = guard(path, limits or (ev.params.input if ev else InputLimits()))
    if checked.problem:
        return Verification(
            source=src, findings=[_error(src, checked.code or "refused", checked.problem)]
        )
    try:
        wb = CalamineWorkbook.from_path(src)
        names = list(wb.sheet_names)
        if SHEET not in names or META not in names:
            return Verification(
                source=src,
                findings=[
                    _error(
                        src,
                        "not_verification",
                        "不是由 iipeval 生成的核查表（缺少核查表或隐藏的结构信息）",
                    )
                ],
            )
        meta_rows = wb.get_sheet_by_name(META).to_python()
        grid = wb.get_sheet_by_name(SHEET).to_python()
    except Exception as exc:  # calamine raises its own error types for broken files
        return Verification(
            source=src, findings=[_error(src, "unreadable", f"无法读取核查表：{exc}")]
        )
    finally:
        if "wb" in locals():
            wb.close()
    meta: dict[str, Any] = {}
    items: list[str] = []
    for row in meta_rows:
        if len(row) >= 2 and row[0] == "item":
            items.append(str(row[1]))
        elif len(row) >= 2 and row[0]:
            meta[str(row[0])] = row[1]
    out = Verification(
        source=src,
        source_sha256=str(meta.get("source_sha256") or ""),
        framework=str(meta.get("framework") or ""),
        key=str(meta.get("key") or ""),
        applicant=str(meta.get("applicant") or ""),
    )
    if meta.get("format") != FORMAT:
        out.findings.append(_error(src, "not_verification", "核查表的结构信息已损坏，无法读取"))
        return out
    ev = ev or Evaluator()
    try:
        fw = ev.framework(out.framework).framework
    except Exception:
        out.findings.append(
            _error(src, "framework_unknown", f"核查表对应的评价体系 {out.framework} 未加载")
        )
        return out
    known = fw.item_map()
    computed = _formulas(src)
    limit = (limits or ev.params.input).max_number
    for n, item_id in enumerate(items):
        r = FIRST_ROW - 1 + n  # 0-based row in the grid
        row = list(grid[r]) if r < len(grid) else []
        row += [None] * (len(HEADERS) - len(row))
        label = _label(item_id, known)
        if fold(show(row[1])) != fold(label):
            out.findings.append(
                _error(
                    src,
                    "verification_layout",
                    f"第{r + 1}行的数据项应为“{label}”，现为“{show(row[1])}”：核查表的行已被改动，"
                    "请使用原核查表重新填写",
                    f"B{r + 1}",
                )
            )
            out.values = []  # refused whole: no value of a sheet whose rows moved is used
            return out
        raw, cell = row[5], f"F{r + 1}"
        refused = _unseen(cell, computed)  # a formula, whatever value it stores (or none)
        if refused is None and (raw is None or (isinstance(raw, str) and not fold(raw))):
            continue
        if refused:
            out.findings.append(_error(src, refused[0], refused[1], cell))
            continue
        if item_id.startswith(APPLICANT):  # 基本信息: text, checked when scored again
            _keep(out, src, item_id, label, row, visible(show(raw)), cell)
            continue
        item = known.get(item_id)
        if item is None:
            continue
        refused = _beyond(raw, limit)
        if refused:
            out.findings.append(_error(src, refused[0], refused[1], cell))
            continue
        reading = read_item(item, raw)  # "1e308" typed as text is read as the number
        wrong = (reading.code or "bad_value", reading.error) if reading.error else None
        wrong = wrong or _beyond(reading.value, limit)
        if wrong:
            out.findings.append(_error(src, *wrong, cell))
            continue
        problem = coerce(item, reading.value)[1]  # the item's own rules: range, 不适用
        if problem:
            out.findings.append(_error(src, problem[0].code, problem[0].message, cell))
            continue
        _keep(out, src, item_id, item.label, row, reading.value, cell)
    return out


def _label(item_id: str, known: dict) -> str:
    """The Chinese name a row shows: a 基本信息 field's, else the data item's."""
    if item_id.startswith(APPLICANT):
        return APPLICANT_LABELS.get(item_id.removeprefix(APPLICANT), item_id)
    item = known.get(item_id)
    return item.label if item is not None else item_id


def _text(raw: Any) -> str:
    """What a verifier wrote, as written: full-width punctuation and all, only invisible
    characters dropped (the record must not alter their words)."""
    return visible(show(raw)) if raw is not None else ""


def _keep(out: Verification, src: str, item_id: str, label: str, row: list, value, cell) -> None:
    """Take one verified value, if a verifier and a date vouch for it."""
    verifier, when = _text(row[8]), _date(row[9])
    if not verifier or when is None:
        out.findings.append(
            Finding(
                severity=Severity.warning,
                code="verification_unsigned",
                message=f"{label}填写了核查值，但缺少核查人或核查日期，未采用",
                file=src,
                sheet=SHEET,
                cell=cell,
            )
        )
        return
    out.values.append(
        VerifiedValue(
            item=item_id,
            label=label,
            declared=row[4],
            verified=value,
            evidence=_text(row[6]),
            note=_text(row[7]),
            verifier=verifier,
            date=when,
            cell=cell,
        )
    )
