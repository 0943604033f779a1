"""The 核查表 (on-site verification sheet), written per application and signed.

One sheet lists the applicant's 基本信息 (name, credit code, platform, region) and every
data item with the value the applicant declared, each by its Chinese name, an item that
drew a warning in 符合性审查 marked with it (核查提示); the verifiers fill in, per item they
checked, the verified value, their evidence, a note, their name and the date. Only those
five columns are open; the rest is locked; under the table the 核查组 and the 被核查单位
sign. A very hidden ``_verify`` sheet records which round issued the sheet, its id, which
application and which file (with its SHA-256) it was made for, the item of every row, and
the signature: the round's key over all of this and over every text the verifiers read
(:func:`iipeval.core.round.site_checks.sheet_claims`), so a forged, retargeted or unissued
sheet is refused when it comes back.

Reading it back is :mod:`.reader`.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from iipeval.core.model.application import Application
from iipeval.core.model.criteria import Framework
from iipeval.core.model.verified import shown as shown_value
from iipeval.core.panel.record import PanelRecord
from iipeval.core.round.site_checks import IssuedSheet, sheet_claims, sign_sheet
from iipeval.excel.cells import styles
from iipeval.excel.cells.book import cell_text, header_row, landscape, save_fixed
from iipeval.excel.cells.measure import broken, row_height
from iipeval.excel.verification.layout import (
    APPLICANT,
    APPLICANT_FIELDS,
    APPLICANT_LABELS,
    FIRST_ROW,
    FORMAT,
    HEADERS,
    META,
    OPEN_COLUMNS,
    SHEET,
    SIGNATURES,
    VERSION,
    header,
    title,
)
from iipeval.excel.verification.reader import read_verification
from iipeval.present.cell_text import cell_safe, put, xml_safe

__all__ = ["FIRST_ROW", "META", "SHEET", "file_name", "read_verification", "write_sheet"]

WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
LINE = Border(bottom=Side(style="thin", color="000000"))
SIGN_LABEL = Alignment(horizontal="right", vertical="bottom")
NOTICE = (
    "先核对基本信息（营业执照），再逐项核查数据；“核查提示”列出符合性审查时该项的警告，请重点核实。"
    "在“核查值”列填写现场核实的数值或信息（与申报值一致的可留空）；填写了核查值的行须同时填写核查人"
    "和核查日期，否则不予采用。不适用的填“不适用”。请勿增删行列或修改灰色部分。核查完毕由核查组和"
    "被核查单位在表末签字盖章。"
)


def file_name(source: Path) -> str:
    return f"{source.stem}_核查表.xlsx"


def write_sheet(
    target: Path,
    fw: Framework,
    app: Application,
    issued: IssuedSheet,
    record: PanelRecord,
    warnings: dict[str, list[str]] | None = None,
) -> None:
    """Write the signed 核查表 of one application (callers wrap this in ``write_atomic``).

    ``warnings``: data-item id (or ``applicant.credit_code``…) → what 符合性审查 warned
    about it, shown beside the item so the verifiers look at it first."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    code = _kept(app.applicant.credit_code or "")
    # signed as the reader will read it back from ``_verify`` (whole, never cut short)
    issued = issued.model_copy(
        update={f: _kept(getattr(issued, f)) for f in ("framework", "key", "applicant", "source")}
    )
    heading = _heading(ws, title(app.applicant.name), header(code, fw.name, issued.source))
    rows = [
        (f"{APPLICANT}{f}", APPLICANT_LABELS[f], "", getattr(app.applicant, f))
        for f in APPLICANT_FIELDS
    ]
    rows += [(i.id, i.label, i.unit or "", app.items.get(i.id)) for i in fw.items]
    last, shown = _rows(ws, fw, rows, warnings or {})
    _signatures(ws, last + 2)
    ws.freeze_panes = f"A{FIRST_ROW}"
    landscape(ws, f"{FIRST_ROW - 1}:{FIRST_ROW - 1}")
    ws.protection.sheet = True
    claims = sheet_claims(
        round_id=record.round,
        panel=record.panel,
        sheet=issued,
        credit_code=code,
        shown={**heading, "rows": shown},
    )
    _meta_sheet(wb, issued, record, code, sign_sheet(record, claims))
    save_fixed(wb, target)


def _seen(text: str) -> str:
    """A text as it will read back from its cell: what the signature covers."""
    return cell_text(cell_safe(text))


def _kept(text: str) -> str:
    """A ``_verify`` value as it will read back: whole (the key read back must be the key
    written), characters XML cannot hold as U+FFFD."""
    return cell_text(xml_safe(text))


def _heading(ws, top: str, line: str) -> dict[str, str]:
    """Title, what the sheet is for, and how to fill it in, above the header row; returns
    the first two as the verifiers will read them."""
    last = get_column_letter(len(HEADERS))
    for row, text, font in ((1, top, styles.TITLE), (2, line, styles.NOTE)):
        put(ws.cell(row, 1), text).font = font
        ws.merge_cells(f"A{row}:{last}{row}")
    ws["A3"] = NOTICE
    ws["A3"].font, ws["A3"].alignment = styles.NOTE, styles.WRAP
    ws.merge_cells(f"A3:{last}3")
    ws.row_dimensions[3].height = row_height([(ws["A3"].value, sum(w for _, w in HEADERS), 10)])
    header_row(ws, FIRST_ROW - 1, [text for text, _ in HEADERS])
    for col, (_, width) in enumerate(HEADERS, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return {"title": _seen(top), "header": _seen(line)}


def _rows(
    ws, fw: Framework, rows: list, warnings: dict[str, list[str]]
) -> tuple[int, list[list[str]]]:
    """One row per field and item: fixed columns grey, an item with a warning marked,
    the verifiers' five columns open. Returns the last row, and what each row shows (its
    label, hint, unit and declared value, as they read back: the signature covers them)."""
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
    shown: list[list[str]] = []
    for n, (item, label, unit, value) in enumerate(rows, 1):
        r = FIRST_ROW - 1 + n
        hint = broken("；".join(warnings.get(item, [])), HEADERS[2][1])
        texts = (label, hint, unit, shown_value(value))
        shown.append([_seen(t) for t in texts])
        for col, v in enumerate((n, *texts), 1):
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
    return r, shown


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


def _meta_sheet(
    wb: Workbook, issued: IssuedSheet, record: PanelRecord, code: str, signature: str
) -> None:
    """The very hidden ``_verify`` sheet: who issued the sheet, for what, and its signature."""
    meta = wb.create_sheet(META)
    facts = [
        ("format", FORMAT),
        ("version", VERSION),
        ("round", record.round),
        ("panel", record.panel),
        ("sheet_id", issued.id),
        ("framework", issued.framework),
        ("key", issued.key),
        ("applicant", issued.applicant),
        ("credit_code", code),
        ("source", issued.source),
        ("source_sha256", issued.source_sha256),
        ("signature", signature),
        *(("item", i) for i in issued.items),
    ]
    for r, row in enumerate(facts, 1):
        for col, value in enumerate(row, 1):
            _meta_cell(meta.cell(r, col), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True


def _meta_cell(cell, value) -> None:
    """A ``_verify`` value stored as written, always as text (never a formula), whole:
    the key read back must be the key written; characters XML cannot hold become U+FFFD."""
    if isinstance(value, str):
        cell.value = xml_safe(value)
        cell.data_type = "s"
    else:
        cell.value = value
