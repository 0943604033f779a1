"""Macro-enabled (.xlsm) variants of the generated workbooks, for Excel with xlwings.

The VBA side is xlwings' own: ``xlwings quickstart`` is run in a temporary folder and the
workbook it makes gives the VBA project (its ``Module1`` and its reference to the xlwings
add-in), byte for byte. Nothing is written in VBA here. To that project the generated
sheets are joined (openpyxl keeps the project through ``vba_archive``), plus:

* ``评审操作``: the three buttons (application workbooks) and what each Excel function does;
* ``校验结果`` and ``评分结果``: empty sheets the buttons write into (the workbook's
  structure stays locked, so the macros cannot add sheets of their own);
* ``xlwings.conf``: ``UDF Modules`` = ``iipeval.addin.udfs``, nothing else, so every other
  setting (the Python interpreter first of all) comes from the add-in.

openpyxl cannot make form-control buttons, so they are added to the saved package the way
Excel stores them: a VML drawing with one ``Button`` shape each (``<x:FmlaMacro>`` names
the macro), one ``ctrlProps`` part each, the sheet's ``<legacyDrawing>`` and ``<controls>``
elements, and their relationships and content types. A button runs xlwings' ``RunPython``
with the matching function of :mod:`iipeval.addin.macros`.

No ``.xlsm`` is committed: they are made on demand from the installed xlwings
(``iipeval template ID --xlsm``, ``iipeval panel ... --xlsm``).
"""

from __future__ import annotations

import io
import posixpath
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl import Workbook

from iipeval.core.model.criteria import Framework
from iipeval.excel.application.layout import DATA, DATA_COLUMNS, INFO, INFO_COLUMNS, Plan
from iipeval.excel.application.template import build
from iipeval.excel.cells import styles
from iipeval.excel.cells.book import FIXED_TIME
from iipeval.excel.cells.cellxml import _sheet_paths
from iipeval.present.xlsx import pin_zip

#: ASCII only: xlwings turns the project name into a Python module name.
QUICKSTART_PROJECT = "iipeval_xlwings"
#: the sheets the buttons write their results to
CHECK_SHEET, SCORE_SHEET = "校验结果", "评分结果"
#: Button captions, in the order they appear, with the function each one runs.
BUTTONS = (
    ("校验本表", "check_caller"),
    ("计算得分", "score_caller"),
    ("生成评分报告", "report_caller"),
)

UDF_MODULE = "iipeval.addin.udfs"
MACRO_MODULE = "iipeval.addin.macros"
CONF_SHEET = "xlwings.conf"
OPS_SHEET = "评审操作"
#: The quickstart project's document modules, matched by the sheets' code names.
OPS_CODE_NAME, CONF_CODE_NAME = "Sheet1", "Sheet2"

VBA_PART = "xl/vbaProject.bin"
X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
VML_REL = R_NS + "/vmlDrawing"
CTRL_REL = R_NS + "/ctrlProp"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CTRL_TYPE = "application/vnd.ms-excel.controlproperties+xml"


class XlsmError(RuntimeError):
    """The macro-enabled workbook cannot be made here; the message says why."""


def runpython_macro(function: str) -> str:
    """What a button runs: xlwings' ``RunPython`` with one function of the macros module.

    Excel's way of giving a macro an argument from a button is the whole call in single
    quotes, with the string argument in double quotes.
    """
    return f"'RunPython \"import {MACRO_MODULE} as m; m.{function}()\"'"


@dataclass(frozen=True)
class Button:
    caption: str
    macro: str
    column: int  # zero-based anchor, as in the VML
    row: int
    width_cols: int = 2
    height_rows: int = 2


def application_buttons() -> list[Button]:
    return [
        Button(caption, runpython_macro(fn), column=1 + 3 * k, row=3)
        for k, (caption, fn) in enumerate(BUTTONS)
    ]


# -- the xlwings quickstart workbook --------------------------------------------------------------


def quickstart(workdir: Path) -> Path:
    """Run ``xlwings quickstart`` in ``workdir`` and return the workbook it made.

    The plain quickstart (no ``--standalone``) is the one wanted: its VBA project holds
    only a sample module and a *reference* to the xlwings add-in, so the add-in installed
    with ``xlwings addin install`` supplies ``RunPython`` and the function import, and an
    upgrade of xlwings does not leave stale VBA inside every workbook.
    """
    cmd = [sys.executable, "-m", "xlwings.cli", "quickstart", QUICKSTART_PROJECT]
    try:
        done = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise XlsmError(f"无法运行 xlwings quickstart：{exc}") from None
    path = workdir / QUICKSTART_PROJECT / f"{QUICKSTART_PROJECT}.xlsm"
    if done.returncode != 0 or not path.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["无输出"]
        raise XlsmError(f"xlwings quickstart 未生成工作簿（{detail[0]}）；请确认已安装 xlwings")
    return path


# -- joining the generated sheets to the VBA project ---------------------------------------------


def macro_enable(
    wb: Workbook, quickstart_xlsm: Path, ops_rows: list[list[str]], result_sheets: bool = True
) -> None:
    """Give ``wb`` the quickstart's VBA project, its config sheet and the 评审操作 sheet
    (and the sheets the buttons write into, when it will have buttons)."""
    qs = openpyxl.load_workbook(quickstart_xlsm, keep_vba=True)
    if VBA_PART not in qs.vba_archive.namelist():
        raise XlsmError("xlwings quickstart 生成的工作簿中没有 VBA 工程（vbaProject.bin）")
    wb.vba_archive = qs.vba_archive
    wb.code_name = qs.code_name or "ThisWorkbook"
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    at = wb.worksheets.index(visible[-1]) + 1 if visible else len(wb.worksheets)
    ops = wb.create_sheet(OPS_SHEET, at)
    ops.sheet_properties.codeName = OPS_CODE_NAME
    _ops_sheet(ops, ops_rows)
    for name in (CHECK_SHEET, SCORE_SHEET) if result_sheets else ():
        ws = wb.create_sheet(name)
        ws.sheet_properties.tabColor = "FFF2CC"
        ws["A1"] = f"（点“{OPS_SHEET}”表中的按钮后在此显示）"
        ws["A1"].font = styles.NOTE
    conf = wb.create_sheet(CONF_SHEET)
    conf.sheet_properties.codeName = CONF_CODE_NAME
    _conf_sheet(conf)


def _conf_sheet(ws) -> None:
    """xlwings reads settings from A1 down to the first empty row: one setting only."""
    ws["A1"], ws["B1"] = "UDF Modules", UDF_MODULE
    ws["B1"].number_format = "@"
    notes = [
        "说明：",
        "xlwings 从 A1 起向下读取设置，遇到空行即停止；本表只设定 UDF Modules（要导入的 Python 函数模块）。",
        "其余设置（Python 解释器路径、Conda 环境等）沿用 xlwings 加载项中的设置；"
        "如需在本工作簿中另行指定，在第1行下插入一行，如 A2 填 Interpreter_Win、B2 填 python.exe 的完整路径。",
        "请勿在 A1:B1 与设置行之间留空行，也不要改动本表名称。",
    ]
    for k, text in enumerate(notes, 4):
        ws.cell(k, 1, text).font = styles.NOTE
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24


def _ops_sheet(ws, rows: list[list[str]]) -> None:
    ws.column_dimensions["A"].width = 4
    for col in "BCDEFGHIJ":
        ws.column_dimensions[col].width = 12
    ws["B1"] = "评审操作"
    ws["B1"].font = styles.TITLE
    for r, row in enumerate(rows, 8):
        for c, text in enumerate(row, 2):
            cell = ws.cell(r, c, text)
            cell.data_type = "s"  # example formulas are shown as text, never evaluated
            cell.font = styles.BOLD if c == 2 else styles.BODY
            cell.alignment = styles.WRAP_TOP
        if len(row) > 1:
            ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=10)
            ws.row_dimensions[r].height = 30
    ws.protection.sheet = True


def application_ops_rows(p: Plan) -> list[list[str]]:
    """The 评审操作 sheet's text for an application workbook."""
    info_rows = max((s.row for s in p.slots if s.sheet == INFO), default=20)
    data_rows = max((s.row for s in p.slots if s.sheet == DATA), default=100)
    info = f"{INFO}!A1:{INFO_COLUMNS[-1][0]}{info_rows}"
    data = f"{DATA}!A1:{DATA_COLUMNS[-1][0]}{data_rows}"
    fw = p.framework
    first = next(iter(fw.indicators()))[1]
    return [
        ["按钮（需要 Excel、Python、xlwings 加载项，并启用宏；详见评审人员使用说明）"],
        [
            "校验本表",
            f"读取本工作簿当前的内容（未保存的修改也算），把全部问题及其单元格列入“{CHECK_SHEET}”表。",
        ],
        [
            "计算得分",
            f"计算各维度得分与总分（有待专家评分项时为暂定），连同各指标的计分说明和图表写入“{SCORE_SHEET}”表。",
        ],
        [
            "生成评分报告",
            "在本工作簿所在文件夹写出“<文件名>_评分报告.xlsx”；已有同名报告时先询问是否覆盖。",
        ],
        [],
        ["Excel 函数（xlwings 选项卡 → Import Functions 导入后可用）"],
        ["IIPEVAL_SETS", "=IIPEVAL_SETS()　已加载的评价体系（溢出为表格）"],
        ["IIPEVAL_SCORE", f"=IIPEVAL_SCORE({info},{data})　各维度得分、总分与等级"],
        ["IIPEVAL_FINDINGS", f"=IIPEVAL_FINDINGS({info},{data})　问题清单（位置、级别、问题）"],
        [
            "IIPEVAL_INDICATOR",
            f'=IIPEVAL_INDICATOR("{fw.id}","{first.name}",…)　单个指标的得分（按数据项顺序给出各项的值）',
        ],
        ["IIPEVAL_EXPLAIN", f'=IIPEVAL_EXPLAIN("{fw.id}","{first.name}",…)　单个指标的计分说明'],
        [],
        [
            "没有 Python 或使用 WPS 时：请使用 .xlsx 申报表与命令行 iipeval validate / iipeval score。"
        ],
    ]


def review_ops_rows(framework_ids: list[str]) -> list[list[str]]:
    """The 评审操作 sheet's text for an expert scoring workbook (no buttons)."""
    fw = framework_ids[0] if framework_ids else "national_2023"
    return [
        ["本评分表的“总分（实时）”由表内公式计算，不需要 Python 或宏。"],
        [],
        ["Excel 函数（xlwings 选项卡 → Import Functions 导入后可用）"],
        ["IIPEVAL_SETS", "=IIPEVAL_SETS()　已加载的评价体系"],
        [
            "IIPEVAL_INDICATOR",
            f'=IIPEVAL_INDICATOR("{fw}","指标名称",数据项的值)　核对单个定量指标的得分',
        ],
        ["IIPEVAL_EXPLAIN", f'=IIPEVAL_EXPLAIN("{fw}","指标名称",数据项的值)　该指标的计分说明'],
    ]


# -- writing the package -------------------------------------------------------------------------


def save_xlsm(wb: Workbook, path: Path, buttons: list[Button]) -> None:
    """Save ``wb`` (macro-enabled) to ``path``, then add the buttons to the 评审操作 sheet."""
    buf = io.BytesIO()
    wb.save(buf)
    data = add_buttons(buf.getvalue(), OPS_SHEET, buttons) if buttons else buf.getvalue()
    Path(path).write_bytes(pin_zip(data, FIXED_TIME))  # fixed save and zip times, as the .xlsx


def write_application_xlsm(
    fw: Framework, path: str | Path, subtype: str | None = None, *, workdir: Path | None = None
) -> Plan:
    """The 申报表 of ``fw`` as an .xlsm with the buttons and the Excel functions."""
    wb, p = build(fw, subtype)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        macro_enable(wb, quickstart(Path(tmp)), application_ops_rows(p))
        save_xlsm(wb, Path(path), application_buttons())
    return p


def xlsx_to_xlsm(src: Path, dest: Path, framework_ids: list[str], qs_xlsm: Path) -> None:
    """A generated expert workbook (.xlsx) as an .xlsm with the Excel functions."""
    wb = openpyxl.load_workbook(src)
    macro_enable(wb, qs_xlsm, review_ops_rows(framework_ids), result_sheets=False)
    save_xlsm(wb, dest, [])


def panel_to_xlsm(written: list, outdir: Path, force: bool) -> list:
    """Turn the expert workbooks ``generate_panel`` wrote (elsewhere) into .xlsm files in
    ``outdir``; returns the ``Written`` records with their new paths. Nothing is written
    when one of the targets exists and ``force`` is false."""
    import dataclasses
    import os

    targets = [Path(outdir) / (Path(w.path).stem + ".xlsm") for w in written]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise XlsmError(f"评分表已存在：{'、'.join(existing)}；如需覆盖，请加 --force")
    Path(outdir).mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        qs = quickstart(Path(tmp))
        for w, target in zip(written, targets, strict=True):
            part = target.with_name(f".~{target.stem}.xlsm.tmp")
            try:
                xlsx_to_xlsm(Path(w.path), part, [w.framework], qs)
                os.replace(part, target)
            finally:
                part.unlink(missing_ok=True)
            out.append(dataclasses.replace(w, path=target))
    return out


# -- form buttons, as Excel stores them ----------------------------------------------------------


def add_buttons(package: bytes, sheet_name: str, buttons: list[Button]) -> bytes:
    """Add legacy form-control buttons to one sheet of a saved package."""
    src = zipfile.ZipFile(io.BytesIO(package))
    names = set(src.namelist())
    sheet_part = _sheet_paths(src).get(sheet_name)
    if sheet_part is None:
        raise XlsmError(f"工作簿中没有工作表“{sheet_name}”")
    vml_part = _free(names, "xl/drawings/vmlDrawing{}.vml")
    ctrl_parts = []
    for _ in buttons:
        part = _free(names | set(ctrl_parts), "xl/ctrlProps/ctrlProp{}.xml")
        ctrl_parts.append(part)
    rels_part = posixpath.join(
        posixpath.dirname(sheet_part), "_rels", posixpath.basename(sheet_part) + ".rels"
    )
    rels = src.read(rels_part).decode() if rels_part in names else _empty_rels()
    taken = set(re.findall(r'Id="([^"]+)"', rels))
    vml_id = _free_id(taken)
    new_rels = [(vml_id, VML_REL, _relative(sheet_part, vml_part))]
    ctrl_ids = []
    for part in ctrl_parts:
        rid = _free_id(taken)
        ctrl_ids.append(rid)
        new_rels.append((rid, CTRL_REL, _relative(sheet_part, part)))
    rels = rels.replace(
        "</Relationships>",
        "".join(
            f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in new_rels
        )
        + "</Relationships>",
    )
    shape_ids = [1025 + k for k in range(len(buttons))]
    sheet_xml = _sheet_with_controls(
        src.read(sheet_part).decode(), vml_id, list(zip(buttons, shape_ids, ctrl_ids, strict=True))
    )
    types = _content_types(src.read("[Content_Types].xml").decode(), ctrl_parts)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in (sheet_part, rels_part, "[Content_Types].xml"):
                continue
            dst.writestr(info, src.read(info.filename))
        dst.writestr("[Content_Types].xml", types)
        dst.writestr(sheet_part, sheet_xml)
        dst.writestr(rels_part, rels)
        dst.writestr(vml_part, _vml(list(zip(buttons, shape_ids, strict=True))))
        for part in ctrl_parts:
            dst.writestr(part, _ctrl_prop())
    return out.getvalue()


def _free(names: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in names:
        n += 1
    return pattern.format(n)


def _free_id(taken: set[str]) -> str:
    n = 1
    while f"rId{n}" in taken:
        n += 1
    taken.add(f"rId{n}")
    return f"rId{n}"


def _relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


def _empty_rels() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL_NS}"></Relationships>'
    )


def _vml(buttons: list[tuple[Button, int]]) -> str:
    shapes = []
    for z, (b, shape_id) in enumerate(buttons, 1):
        anchor = (
            f"{b.column}, 0, {b.row}, 0, {b.column + b.width_cols}, 0, {b.row + b.height_rows}, 0"
        )
        shapes.append(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t201" '
            f"style='position:absolute;z-index:{z};mso-wrap-style:tight' "
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" '
            'o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
            '<o:lock v:ext="edit" rotation="t"/>'
            "<v:textbox style='mso-direction-alt:auto' o:singleclick=\"f\">"
            "<div style='text-align:center'>"
            f'<font face="{styles.FONT_NAME}" size="220" color="#000000">{escape(b.caption)}</font>'
            "</div></v:textbox>"
            '<x:ClientData ObjectType="Button">'
            f"<x:Anchor>{anchor}</x:Anchor>"
            "<x:PrintObject>False</x:PrintObject>"
            "<x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>{escape(b.macro)}</x:FmlaMacro>"
            "<x:TextHAlign>Center</x:TextHAlign>"
            "<x:TextVAlign>Center</x:TextVAlign>"
            "</x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
        'path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/>'
        '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
        '<o:lock v:ext="edit" shapetype="t"/>'
        "</v:shapetype>" + "".join(shapes) + "</xml>"
    )


def _ctrl_prop() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<formControlPr xmlns="{X14_NS}" objectType="Button" lockText="1"/>'
    )


def _controls(vml_id: str, buttons: list[tuple[Button, int, str]]) -> str:
    controls = []
    for b, shape_id, rid in buttons:

        def at(col: int, row: int) -> str:
            return (
                f"<xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
                f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff>"
            )

        controls.append(
            f'<mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="x14">'
            f'<control shapeId="{shape_id}" r:id="{rid}" name="Button {shape_id - 1024}">'
            f'<controlPr defaultSize="0" print="0" autoFill="0" autoPict="0" macro={quoteattr(b.macro)}>'
            '<anchor moveWithCells="1" sizeWithCells="1">'
            f"<from>{at(b.column, b.row)}</from>"
            f"<to>{at(b.column + b.width_cols, b.row + b.height_rows)}</to>"
            "</anchor></controlPr></control></mc:Choice></mc:AlternateContent>"
        )
    return (
        f'<legacyDrawing r:id="{vml_id}"/>'
        f'<mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="x14"><controls>'
        + "".join(controls)
        + "</controls></mc:Choice></mc:AlternateContent>"
    )


#: Elements that follow <legacyDrawing>/<controls> in CT_Worksheet, in schema order.
_AFTER_CONTROLS = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "webPublishItems",
                   "tableParts", "extLst")  # fmt: skip


def _sheet_with_controls(xml: str, vml_id: str, buttons: list[tuple[Button, int, str]]) -> str:
    if "<legacyDrawing" in xml or "<controls" in xml:
        raise XlsmError("工作表已含旧式绘图或控件，无法再添加按钮")
    root = re.search(r"<worksheet\b[^>]*>", xml)
    assert root is not None
    tag = root.group(0)
    extra = ""
    for prefix, ns in (("r", R_NS), ("mc", MC_NS), ("x14", X14_NS), ("xdr", XDR_NS)):
        if f"xmlns:{prefix}=" not in tag:
            extra += f' xmlns:{prefix}="{ns}"'
    xml = xml.replace(tag, tag[:-1] + extra + ">", 1)
    block = _controls(vml_id, buttons)
    positions = [xml.find(f"<{name}") for name in _AFTER_CONTROLS]
    positions = [p for p in positions if p >= 0]
    at = min(positions) if positions else xml.rindex("</worksheet>")
    return xml[:at] + block + xml[at:]


def _content_types(xml: str, ctrl_parts: list[str]) -> str:
    add = ""
    if 'Extension="vml"' not in xml:
        add += f'<Default Extension="vml" ContentType="{VML_TYPE}"/>'
    for part in ctrl_parts:
        add += f'<Override PartName="/{part}" ContentType="{CTRL_TYPE}"/>'
    return xml.replace("</Types>", add + "</Types>")


__all__ = [
    "CONF_SHEET",
    "OPS_SHEET",
    "UDF_MODULE",
    "Button",
    "XlsmError",
    "add_buttons",
    "application_buttons",
    "macro_enable",
    "panel_to_xlsm",
    "quickstart",
    "runpython_macro",
    "write_application_xlsm",
    "xlsx_to_xlsm",
]
