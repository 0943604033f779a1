"""Write the application workbook (申报表) of any criteria set with openpyxl.

Everything drawn here comes from :func:`iipeval.excel.application.layout.plan`; this module only
decides how it looks (styles, widths, heights, print setup), how Excel guards it (data
validation, protection) and how it is saved. Output is deterministic (fixed document
timestamps and zip entry times) so that committed templates only change when the
criteria or the layout change.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from iipeval.core.model.criteria import DataItem, Framework
from iipeval.excel.application import constraints, guide, meta
from iipeval.excel.application.layout import (
    DATA,
    DATA_COLUMNS,
    DATA_HEADER_ROW,
    GUIDE,
    INFO,
    INFO_COLUMNS,
    INFO_HEADER_ROW,
    LISTS,
    META,
    Plan,
    item_guidance,
    plan,
)
from iipeval.excel.cells import styles
from iipeval.excel.cells.book import FIXED_TIME, default_font
from iipeval.excel.cells.measure import row_height
from iipeval.present.xlsx import pin_zip, print_a4

YES_NO = ["是", "否"]
NA = "不适用"
INPUT_ROW_HEIGHT = 24.0
#: Row height (points) that always fits on one A4 landscape page below the margins.
PAGE_BODY_POINTS = 500.0

DATA_WIDTH = {c: w for c, _, w in DATA_COLUMNS}
INFO_WIDTH = {c: w for c, _, w in INFO_COLUMNS}
GUIDE_WIDTH = {"A": 18, "B": 84}


def _span(widths: dict[str, int], first: str, last: str) -> float:
    cols = list(widths)
    return sum(widths[c] for c in cols[cols.index(first) : cols.index(last) + 1])


class _Lists:
    """The hidden sheet that holds dropdown options, one list per column."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def source(self, title: str, options: list[str]) -> str:
        key = tuple(options)
        if key not in self.ranges:
            col = get_column_letter(len(self.ranges) + 1)
            self.ws[f"{col}1"] = title
            for i, opt in enumerate(options, 2):
                self.ws[f"{col}{i}"] = opt
            self.ws.column_dimensions[col].width = 24
            self.ranges[key] = f"'{LISTS}'!${col}$2:${col}${len(options) + 1}"
        return self.ranges[key]

    def for_item(self, item: DataItem) -> str | None:
        if item.type == "bool":
            opts = [*YES_NO, NA] if item.allow_na else YES_NO
            return self.source("是否" + ("（可不适用）" if item.allow_na else ""), opts)
        if item.type == "choice":
            opts = list(item.choices or []) + ([NA] if item.allow_na else [])
            return self.source(item.label, opts)
        return None


def build(fw: Framework, subtype: str | None = None) -> tuple[Workbook, Plan]:
    """Build the workbook in memory; returns it with the plan it was drawn from."""
    p = plan(fw, subtype)
    wb = Workbook()
    default_font(wb)
    ws_guide = wb.active
    ws_guide.title = GUIDE
    ws_info = wb.create_sheet(INFO)
    ws_data = wb.create_sheet(DATA)
    ws_lists = wb.create_sheet(LISTS)
    ws_meta = wb.create_sheet(META)
    lists = _Lists(ws_lists)

    _guide(ws_guide, p)
    _info(ws_info, p, lists)
    _data(ws_data, p, lists)
    _meta(ws_meta, p)

    ws_lists.sheet_state = "hidden"
    ws_lists.protection.sheet = True
    ws_meta.sheet_state = "veryHidden"
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    props = wb.properties
    props.creator = props.lastModifiedBy = "iipeval"
    props.title = f"{fw.name} 申报表"
    props.subject = fw.source.document
    props.keywords = f"iipeval; {fw.id}; {fw.version}"
    props.created = props.modified = FIXED_TIME
    return wb, p


def write(fw: Framework, path: str | Path, subtype: str | None = None) -> Plan:
    """Build and save deterministically: same framework and layout, same bytes."""
    wb, p = build(fw, subtype)
    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(pin_zip(buf.getvalue(), FIXED_TIME))
    return p


# sheets -----------------------------------------------------------------------------------


def _setup(ws: Worksheet, widths: dict[str, int], landscape: bool, title_rows: str | None):
    for col, w in widths.items():
        ws.column_dimensions[col].width = w
    print_a4(
        ws,
        landscape=landscape,
        title_rows=title_rows,
        margins=(0.5, 0.5, 0.7, 0.7),
        header_footer=0.3,
        footer="第 &P 页，共 &N 页",
    )
    ws.oddHeader.right.text = "&A"
    ws.oddHeader.right.size = 9
    prot = ws.protection
    prot.sheet = True
    prot.formatColumns = False  # resizing columns and rows stays allowed
    prot.formatRows = False


def _title(ws: Worksheet, row: int, text: str, last_col: str, height: float = 30) -> None:
    c = ws.cell(row, 1, text)
    c.font = styles.TITLE
    c.alignment = styles.CENTER
    ws.merge_cells(f"A{row}:{last_col}{row}")
    ws.row_dimensions[row].height = height


def _header(ws: Worksheet, row: int, columns) -> None:
    for col, text, _ in columns:
        c = ws[f"{col}{row}"]
        c.value = text
        c.font = styles.BOLD
        c.fill = styles.HEADER_FILL
        c.alignment = styles.CENTER
        c.border = styles.GRID
    ws.row_dimensions[row].height = 22


def _input(c, text: bool = False) -> None:
    c.fill = styles.INPUT_FILL
    c.border = styles.GRID
    c.font = styles.BODY
    c.protection = styles.UNLOCKED
    c.alignment = styles.TEXT_INPUT_ALIGN if text else styles.INPUT_ALIGN
    if text:
        c.number_format = "@"


def _guide(ws: Worksheet, p: Plan) -> None:
    _setup(ws, GUIDE_WIDTH, landscape=False, title_rows=None)
    ws.sheet_view.showGridLines = False
    _title(ws, 1, f"{p.framework.name}申报表  填报说明", "B", 36)
    for row, (head, text) in enumerate(guide.sections(p), 2):
        a, b = ws.cell(row, 1, head), ws.cell(row, 2, text)
        a.font, b.font = styles.BOLD, styles.BODY
        a.alignment, b.alignment = styles.WRAP_TOP, styles.WRAP_TOP
        a.border = b.border = styles.GRID
        ws.row_dimensions[row].height = row_height([(text, GUIDE_WIDTH["B"])]) + 4


def _info(ws: Worksheet, p: Plan, lists: _Lists) -> None:
    _setup(ws, INFO_WIDTH, landscape=False, title_rows=f"{INFO_HEADER_ROW}:{INFO_HEADER_ROW}")
    ws.freeze_panes = f"A{INFO_HEADER_ROW + 1}"
    for r in p.info:
        if r.kind == "title":
            _title(ws, r.row, r.label, "C")
        elif r.kind == "header":
            _header(ws, r.row, INFO_COLUMNS)
        elif r.kind == "section":
            c = ws.cell(r.row, 1, f"{r.label}（{r.note}）")
            c.font, c.fill, c.alignment = styles.BOLD, styles.DIMENSION_FILL, styles.WRAP
            ws.merge_cells(f"A{r.row}:C{r.row}")
            ws.row_dimensions[r.row].height = 22
        else:
            _info_row(ws, p, r, lists)


def _info_row(ws: Worksheet, p: Plan, r, lists: _Lists) -> None:
    label, value, note = ws.cell(r.row, 1, r.label), ws.cell(r.row, 2), ws.cell(r.row, 3)
    required = r.item.required if r.item is not None else r.required
    note.value = ("必填。" if required else "选填。") + r.note
    label.font = styles.REQUIRED if required else styles.BOLD
    note.font = styles.NOTE
    label.alignment, note.alignment = styles.WRAP, styles.WRAP
    label.border = note.border = styles.GRID
    _input(value, text=r.text_format or (r.item is not None and r.item.type == "text"))
    dv = None
    if r.key == "applicant.credit_code":
        dv = constraints.text_length(18, r.label, "应为18位，按营业执照抄录")
    elif r.kind == "subtype":
        fw = p.framework
        if p.subtype:
            value.value = p.subtype.name
            value.fill, value.protection = styles.FIXED_FILL, styles.Protection(locked=True)
        else:
            source = lists.source("申报类型", [s.name for s in fw.subtypes])
            dv = constraints.dropdown(source, r.label, "从下拉列表中选择申报类型")
    elif r.item is not None:
        dv = constraints.for_item(r.item, value.coordinate, lists.for_item(r.item))
    if dv is not None:
        ws.add_data_validation(dv)
        dv.add(value.coordinate)
    ws.row_dimensions[r.row].height = max(
        INPUT_ROW_HEIGHT,
        row_height([(r.label, INFO_WIDTH["A"]), (note.value or "", INFO_WIDTH["C"], 10)]),
    )


def _data(ws: Worksheet, p: Plan, lists: _Lists) -> None:
    fw = p.framework
    last = DATA_COLUMNS[-1][0]
    _setup(ws, DATA_WIDTH, landscape=True, title_rows=f"{DATA_HEADER_ROW}:{DATA_HEADER_ROW}")
    ws.freeze_panes = f"A{DATA_HEADER_ROW + 1}"
    _title(ws, 1, f"{fw.name}  申报数据", last)
    note = ws.cell(
        2,
        1,
        "黄色单元格为填写区；“必填”项不得留空，确为零的填0；只有填报口径注明的数据项可填“不适用”。"
        "详见“填报说明”。",
    )
    note.font, note.alignment = styles.NOTE, styles.WRAP
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 20
    _header(ws, DATA_HEADER_ROW, DATA_COLUMNS)
    for r in p.data:
        {
            "dimension": _dimension_row,
            "group": _group_row,
            "requirement": _requirement_row,
            "indicator": _indicator_row,
            "item": _item_row,
            "expert": _expert_row,
            "note": _note_row,
        }[r.kind](ws, r, lists)
    _page_breaks(ws, p)


def _page_breaks(ws: Worksheet, p: Plan) -> None:
    """Start a new page before an indicator that would not fit on the current one.

    Without this the printout splits an indicator's items from its 评价内容. A
    dimension heading stays with its first indicator. The budget is conservative: fit
    to width only ever shrinks rows, so a page holds at least this much.
    """
    height = lambda r: ws.row_dimensions[r].height or 15.0  # noqa: E731
    header = height(DATA_HEADER_ROW)
    used = sum(height(r) for r in range(1, DATA_HEADER_ROW + 1))
    groups: list[list[int]] = []
    previous = ""
    for r in p.data:
        heading_above = previous in ("dimension", "group", "requirement")
        if not groups or r.kind == "dimension" or (r.kind == "indicator" and not heading_above):
            groups.append([])
        groups[-1].append(r.row)
        previous = r.kind
    for rows in groups:
        h = sum(height(r) for r in rows)
        if used + h > PAGE_BODY_POINTS and used > header:
            ws.row_breaks.append(Break(id=rows[0] - 1))
            used = header
        used += h


def _dimension_row(ws, r, lists) -> None:
    a, b = ws.cell(r.row, 1, r.number), ws.cell(r.row, 2, r.title)
    for c in (a, b):
        c.font, c.fill, c.border = styles.BOLD, styles.DIMENSION_FILL, styles.GRID
    a.alignment, b.alignment = styles.CENTER, styles.WRAP
    ws.merge_cells(f"B{r.row}:G{r.row}")
    ws.row_dimensions[r.row].height = 22


def _group_row(ws, r, lists) -> None:
    """A 方面 between a dimension and its indicators: its number, name and any text."""
    text = f"{r.title}：{r.text}" if r.text else r.title
    a, b = ws.cell(r.row, 1, r.number), ws.cell(r.row, 2, text)
    for c in (a, b):
        c.font, c.border = styles.BOLD, styles.GRID
    a.alignment, b.alignment = styles.CENTER, styles.WRAP
    ws.merge_cells(f"B{r.row}:G{r.row}")
    ws.row_dimensions[r.row].height = max(20, row_height([(text, _span(DATA_WIDTH, "B", "G"), 11)]))


def _requirement_row(ws, r, lists) -> None:
    text = f"{r.title}：{r.text}"
    c = ws.cell(r.row, 2, text)
    c.font, c.alignment = styles.NOTE, styles.WRAP_TOP
    ws.cell(r.row, 1).border = c.border = styles.GRID
    ws.merge_cells(f"B{r.row}:G{r.row}")
    ws.row_dimensions[r.row].height = row_height([(text, _span(DATA_WIDTH, "B", "G"), 10)])


def _indicator_row(ws, r, lists) -> None:
    text = f"评价内容：{r.text}"
    a, b, c = ws.cell(r.row, 1, r.number), ws.cell(r.row, 2, r.title), ws.cell(r.row, 3, text)
    for x in (a, b, c):
        x.fill, x.border = styles.INDICATOR_FILL, styles.GRID
    a.font, b.font, c.font = styles.BOLD, styles.BOLD, styles.BODY
    a.alignment, b.alignment, c.alignment = styles.CENTER, styles.WRAP, styles.WRAP
    ws.merge_cells(f"C{r.row}:G{r.row}")
    ws.row_dimensions[r.row].height = row_height(
        [(r.title, DATA_WIDTH["B"]), (text, _span(DATA_WIDTH, "C", "G"))]
    )


def _item_row(ws, r, lists) -> None:
    item: DataItem = r.item
    unit = item.unit or ("是/否" if item.type == "bool" else "")
    guidance = item_guidance(item)
    cells = [r.number, item.label, unit, "必填" if item.required else "选填"]
    for col, value in enumerate(cells, 1):
        c = ws.cell(r.row, col, value)
        c.font, c.border = styles.BODY, styles.GRID
        c.alignment = styles.WRAP if col == 2 else styles.CENTER
    if item.required:
        ws.cell(r.row, 4).font = styles.REQUIRED
    value, evidence = ws.cell(r.row, 5), ws.cell(r.row, 6)
    _input(value, text=item.type == "text")
    _input(evidence, text=True)
    g = ws.cell(r.row, 7, guidance)
    g.font, g.alignment, g.border = styles.NOTE, styles.WRAP, styles.GRID
    dv = constraints.for_item(item, value.coordinate, lists.for_item(item))
    if dv is not None:
        ws.add_data_validation(dv)
        dv.add(value.coordinate)
    ws.row_dimensions[r.row].height = row_height(
        [(item.label, DATA_WIDTH["B"]), (guidance, DATA_WIDTH["G"], 10)]
    )


def _expert_row(ws, r, lists) -> None:
    guidance = "由专家按评分细则评分，申报单位无需填写；可在“佐证材料”栏列明支撑材料。"
    cells = [r.number, r.title, "—", "—", "专家评分"]
    for col, value in enumerate(cells, 1):
        c = ws.cell(r.row, col, value)
        c.font, c.border = styles.BODY, styles.GRID
        c.alignment = styles.WRAP if col == 2 else styles.CENTER
    ws.cell(r.row, 5).fill = styles.FIXED_FILL
    ws.cell(r.row, 5).font = styles.NOTE
    _input(ws.cell(r.row, 6), text=True)
    g = ws.cell(r.row, 7, guidance)
    g.font, g.alignment, g.border = styles.NOTE, styles.WRAP, styles.GRID
    ws.row_dimensions[r.row].height = row_height(
        [(r.title, DATA_WIDTH["B"]), (guidance, DATA_WIDTH["G"], 10)]
    )


def _note_row(ws, r, lists) -> None:
    c = ws.cell(r.row, 2, r.text)
    c.font, c.alignment = styles.NOTE_ITALIC, styles.WRAP
    ws.cell(r.row, 1).border = c.border = styles.GRID
    ws.merge_cells(f"B{r.row}:G{r.row}")
    ws.row_dimensions[r.row].height = row_height([(r.text, _span(DATA_WIDTH, "B", "G"), 10)])


def _meta(ws: Worksheet, p: Plan) -> None:
    for r, values in enumerate(meta.rows(p), 1):
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c, v)
            cell.number_format = "@"
    ws.protection.sheet = True
