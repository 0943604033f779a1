"""Excel worksheet functions (xlwings UDFs): thin adapters over :mod:`iipeval.core.api`.

Import them into a macro-enabled workbook with the xlwings add-in (``UDF Modules`` =
``iipeval.addin.udfs``; the ``.xlsm`` made by ``iipeval template --xlsm`` is set up so).
Nothing here scores: values are read by :mod:`iipeval.core.scoring.normalize` and the workbook
reader, scores and explanations come from the :class:`~iipeval.core.api.Evaluator`.

Excel's calling conventions, which the tests reproduce exactly:

* a range arrives as rows of values (``@xw.arg(..., ndim=2)``): numbers as ``float``
  (``1200`` is ``1200.0``), text as ``str`` (a number typed into a text-formatted cell is
  ``"1200"``), dates as ``datetime``, logical values as ``bool`` and empty cells as
  ``None``, which means *missing*;
* a table comes back as rows, which Excel 365/2021 spills into the cells below and to
  the right (Excel 2016: select the block and enter with Ctrl+Shift+Enter);
* an error comes back as readable text in the cell (``错误：…``), never as a traceback.

Every string that came from an applicant is returned neutralised: text starting with
``= + - @``, a tab or a carriage return gets a leading apostrophe, as in the reports'
CSV (:mod:`iipeval.present.cell_text`), so a copied result never becomes a formula.

The three ``iipeval_*_book`` subs are the buttons' macros (:mod:`.macros`) made available
as Excel macros too: after 导入函数 they appear in the macro list (Alt+F8).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import xlwings as xw

from iipeval.addin.session import cell_value, session_evaluator, total_row, use_evaluator
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS
from iipeval.core.host import UnknownFramework
from iipeval.core.model.application import Applicant, Application
from iipeval.core.model.criteria import Framework, Indicator
from iipeval.core.model.results import Rejected, Result
from iipeval.core.scoring.normalize import fold, read_item, show
from iipeval.excel.application import meta
from iipeval.excel.application.layout import (
    DATA,
    DATA_COLUMNS,
    DATA_HEADER_ROW,
    INFO,
    INFO_COLUMNS,
    INFO_HEADER_ROW,
    META,
    plan,
)
from iipeval.excel.application.reader import read_source
from iipeval.excel.application.structure import value_at
from iipeval.excel.cells.refs import column_index
from iipeval.excel.cells.sources import (
    BookSource,
    GridsSource,
    book_name,
    normal_grid,
    normal_value,
)

ERROR_PREFIX = "错误："
SINGLE_INDICATOR_APPLICANT = "（单项指标计算）"


class UdfError(Exception):
    """A problem the user can fix; its message is shown in the cell after ``错误：``."""


def _excel(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into readable text in the cell."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            out = fn(*args, **kwargs)
        except UdfError as exc:
            return ERROR_PREFIX + str(exc)
        except Exception as exc:  # a cell shows text, never a traceback
            return f"{ERROR_PREFIX}计算失败（{type(exc).__name__}：{exc}）"
        if isinstance(out, list):
            return [[cell_value(v) for v in row] for row in out]
        return cell_value(out)

    return wrapper


# -- reading arguments ----------------------------------------------------------------------


def _text_arg(value: Any, what: str, required: bool = True) -> str:
    """A scalar text argument (a criteria set id, an indicator name) from a cell or literal."""
    if isinstance(value, list | tuple):
        flat = [v for row in normal_grid(value) for v in row if v not in (None, "")]
        if len(flat) > 1:
            raise UdfError(f"{what}应为单个单元格或文字，现为多个单元格")
        value = flat[0] if flat else None
    text = "" if value is None else fold(show(normal_value(value)))
    if required and not text:
        raise UdfError(f"请给出{what}")
    return text


def _framework(ev: Evaluator, set_id: Any) -> Framework:
    fw_id = _text_arg(set_id, "评价体系 id（如 national_2023）")
    try:
        return ev.framework(fw_id).framework
    except UnknownFramework:
        known = "、".join(rf.framework.id for rf in ev.frameworks()) or "无"
        raise UdfError(f"未加载评价体系“{fw_id}”；已加载：{known}") from None


def _subtype(fw: Framework, subtype: Any) -> str | None:
    text = _text_arg(subtype, "申报类型", required=False)
    if not text:
        return None
    st = fw.subtype(text)
    if st is None:
        names = "、".join(f"{s.name}（{s.id}）" for s in fw.subtypes) or "无"
        raise UdfError(f"{fw.name}没有申报类型“{text}”；可选：{names}")
    return st.id


def _indicator(fw: Framework, indicator: Any) -> Indicator:
    key = _text_arg(indicator, "指标（id 或名称）")
    for _, ind in fw.indicators():
        if key in (ind.id, fold(ind.name)):
            return ind
    raise UdfError(f"{fw.name}中没有指标“{key}”（可填指标 id 或原文名称）")


def _item_pairs(fw: Framework, ind: Indicator, items: Any, values: Any) -> list[tuple[Any, Any]]:
    """(data item, raw value) pairs from the three ways of giving them (see the UDF)."""
    by_key = {}
    for item in fw.items:
        by_key[item.id] = item
        by_key[fold(item.label)] = item
    own = [fw.item(i) for i in dict.fromkeys(ind.item_ids())]

    def lookup(key: Any) -> Any:
        text = fold(show(key))
        if text not in by_key:
            raise UdfError(f"“{text}”不是{fw.name}的数据项（可填数据项 id 或中文名称）")
        return by_key[text]

    grid = normal_grid(items)
    if values is not None:
        keys = [v for row in grid for v in row]
        vals = [v for row in normal_grid(values) for v in row]
        if len(keys) != len(vals):
            raise UdfError(
                f"数据项（{len(keys)}个单元格）与填报值（{len(vals)}个单元格）数量不一致"
            )
        return [(lookup(k), v) for k, v in zip(keys, vals, strict=True) if k not in (None, "")]
    labelled = all(len(row) == 2 for row in grid) and all(
        row[0] in (None, "") or fold(show(row[0])) in by_key for row in grid
    )
    if labelled and any(row[0] not in (None, "") for row in grid):
        return [(lookup(row[0]), row[1]) for row in grid if row[0] not in (None, "")]
    flat = [v for row in grid for v in row]
    if len(flat) != len(own):
        names = "、".join(i.label for i in own)
        raise UdfError(
            f"指标“{ind.name}”有{len(own)}个数据项（{names}），给出了{len(flat)}个值；"
            "请按此顺序给出各项的值，或给出“数据项”“填报值”两列"
        )
    return list(zip(own, flat, strict=True))


def _score_indicator(set_id, indicator, items, values, subtype):
    ev = session_evaluator()
    fw = _framework(ev, set_id)
    ind = _indicator(fw, indicator)
    answers: dict[str, Any] = {}
    for item, raw in _item_pairs(fw, ind, items, values):
        reading = read_item(item, normal_value(raw))
        if reading.error:
            raise UdfError(reading.error)
        if reading.value is not None:
            answers[item.id] = reading.value
    app = Application(
        framework=fw.id,
        subtype=_subtype(fw, subtype),
        applicant=Applicant(name=SINGLE_INDICATOR_APPLICANT),
        items=answers,
    )
    result = ev.score(app)
    if isinstance(result, Rejected):
        raise UdfError("；".join(f.message for f in result.findings))
    return next(i for i in result.indicators if i.id == ind.id)


# -- reading the application workbook from its ranges -------------------------------------------


def _book_of(caller: Any) -> Any:
    """The workbook of the calling cell (xlwings passes it as ``caller``), if any."""
    try:
        return caller.sheet.book if caller is not None else None
    except Exception:
        return None


@dataclass(frozen=True)
class _SlotMap:
    """A ``_meta`` sheet's rows, with what they mean for the ranges a formula passes."""

    rows: list[list[Any]]
    framework_id: str
    framework_name: str
    fingerprint: str
    needs: dict[str, tuple[int, int]]  # sheet → (last row, last column) the slots use

    @classmethod
    def of(cls, rows: list[list[Any]]) -> _SlotMap:
        try:
            m = meta.parse(rows)
        except meta.MetaError:
            return cls(rows, "", "", "", {})
        needs: dict[str, tuple[int, int]] = {}
        for s in m.slots:
            r, c = needs.get(s.sheet, (0, 0))
            col = max(column_index(s.column), column_index(s.label_column))
            needs[s.sheet] = (max(r, s.row), max(c, col))
        return cls(
            rows, m.get("framework_id"), m.get("framework_name"), m.get("fingerprint"), needs
        )


#: Slot maps by criteria set (for workbooks without one) and by open workbook.
_TEMPLATE_MAPS: dict[tuple[str, str], _SlotMap] = {}
_BOOK_MAPS: dict[str, _SlotMap] = {}
FINGERPRINT_CELL = "B7"  # row 7 of _meta: ["fingerprint", …] (see meta.rows)


def _template_map(fw: Framework) -> _SlotMap:
    """The slot map a freshly generated 申报表 of ``fw`` carries (computed once)."""
    key = (fw.id, fw.version)
    if key not in _TEMPLATE_MAPS:
        _TEMPLATE_MAPS[key] = _SlotMap.of(meta.rows(plan(fw)))
    return _TEMPLATE_MAPS[key]


def _book_map(live: BookSource) -> _SlotMap | None:
    """The calling workbook's own slot map. Its ``_meta`` sheet is hidden and protected and
    does not change while the workbook is open, so it is read once per workbook; a
    one-cell read of its fingerprint confirms the cached copy on every call."""
    try:
        cached = _BOOK_MAPS.get(live.name)
        if cached is not None:
            now = live.book.sheets[META].range(FINGERPRINT_CELL).value
            if now == cached.fingerprint:
                return cached
        if META not in live.sheet_names:
            return None
        found = _BOOK_MAPS[live.name] = _SlotMap.of(list(live.grid(META)))
        return found
    except Exception:
        return None


def _load(info: Any, data: Any, set_id: Any, caller: Any) -> Loaded:
    """Read the 基本信息 and 指标数据 ranges as the workbook reader reads a file.

    The slot map comes from the calling workbook's hidden ``_meta`` sheet; without one
    (the function called from another workbook) from the criteria set named by ``set_id``.
    """
    ev = session_evaluator()
    book = _book_of(caller)
    live = BookSource(book) if book is not None else None
    slot_map = _book_map(live) if live is not None else None
    wanted = _text_arg(set_id, "评价体系 id", required=False)
    if slot_map is not None:
        if wanted and slot_map.framework_id and slot_map.framework_id != wanted:
            raise UdfError(
                f"本工作簿是“{slot_map.framework_name}”（{slot_map.framework_id}）"
                f"的申报表，与参数“{wanted}”不符"
            )
    elif wanted:
        slot_map = _template_map(_framework(ev, wanted))
    else:
        raise UdfError("本工作簿没有申报表的结构信息（_meta），请在第三个参数给出评价体系 id")
    grids = {INFO: normal_grid(info), DATA: normal_grid(data), META: slot_map.rows}
    _check_ranges(grids, slot_map)
    name = book_name(book) if book is not None else "Excel"
    facts = _live_facts(live, grids) if live is not None else None
    return read_source(GridsSource(name, grids, facts), ev)


def _check_ranges(grids: dict[str, list[list[Any]]], slot_map: _SlotMap) -> None:
    """The ranges must be the sheets from A1 and reach every cell the slot map names."""
    anchors = (
        (INFO, INFO_HEADER_ROW, INFO_COLUMNS[0][1], INFO_COLUMNS[-1][0]),
        (DATA, DATA_HEADER_ROW, DATA_COLUMNS[0][1], DATA_COLUMNS[-1][0]),
    )
    for sheet, header_row, header, last_col in anchors:
        grid = grids[sheet]
        rows, cols = slot_map.needs.get(sheet, (header_row, 1))
        example = f"{sheet}!A1:{last_col}{rows}"
        if fold(show(value_at(grid, header_row, "A") or "")) != header:
            raise UdfError(
                f"“{sheet}”的范围应从该表的 A1 开始（第{header_row}行为表头“{header}”），如 {example}"
            )
        if len(grid) < rows or max((len(r) for r in grid), default=0) < cols:
            raise UdfError(f"“{sheet}”的范围不够大，应至少为 {example}")


def _live_facts(live: BookSource, grids: dict[str, list[list[Any]]]):
    """Percent formats from the open workbook, asked only for small numbers (a typed 35%
    is 0.35): one call to Excel per such cell, not per cell of the sheet."""

    def facts(wanted):
        small = {}
        for sheet, cells in wanted.items():
            grid = grids.get(sheet, [])
            picked = []
            for cell in cells:
                col = cell.rstrip("0123456789")
                v = value_at(grid, int(cell[len(col) :]), col)
                if isinstance(v, int | float) and not isinstance(v, bool) and abs(v) <= 10:
                    picked.append(cell)
            if picked:
                small[sheet] = picked
        try:
            return live.facts(small) if small else {}
        except Exception:
            return {}

    return facts


def _score_table(result: Result | Rejected) -> list[list[Any]]:
    if isinstance(result, Rejected):
        raise UdfError("无法评分：" + "；".join(f.message for f in result.findings[:3]))
    rows: list[list[Any]] = [["维度", "得分（0-100）", "计入总分", "满分"]]
    for d in result.dimensions:
        score = d.score if d.status == "scored" else STATUS_LABELS[d.status]
        rows.append([d.name, score, d.points, d.weight])
    total_weight = sum(d.weight for d in result.dimensions)
    label, total, state = total_row(result)
    rows.append([label, None, total, total_weight])
    errors = sum(f.severity == "error" for f in result.findings)
    if errors:
        state += f"；申报数据有{errors}处错误，见 IIPEVAL_FINDINGS"
    rows.append(["状态", state, "等级", result.grade or "—"])
    return rows


# -- the worksheet functions -------------------------------------------------------------------


@xw.func(category="iipeval")
@_excel
def iipeval_sets():
    """已加载的评价体系：id、名称、版本、申报类型（溢出为表格）。"""
    rows: list[list[Any]] = [["评价体系 id", "名称", "版本", "申报类型"]]
    for rf in session_evaluator().frameworks():
        fw = rf.framework
        rows.append([fw.id, fw.name, fw.version, "、".join(s.name for s in fw.subtypes)])
    return rows


@xw.func(category="iipeval")
@xw.arg("set_id", doc="评价体系 id，如 national_2023")
@xw.arg("indicator", doc="指标 id 或原文名称，如 工业设备数量")
@xw.arg("items", ndim=2, doc="该指标各数据项的值（按指标的数据项顺序），或“数据项”“填报值”两列")
@xw.arg("values", ndim=2, doc="可选：与 items（数据项名称）一一对应的填报值")
@xw.arg("subtype", doc="可选：申报类型，如 行业级")
@_excel
def iipeval_indicator(set_id, indicator, items, values=None, subtype=None):
    """一个指标的得分（0-100）；待专家评分或不适用时返回文字。"""
    result = _score_indicator(set_id, indicator, items, values, subtype)
    if result.status == "scored":
        return result.score
    return STATUS_LABELS[result.status]


@xw.func(category="iipeval")
@xw.arg("set_id", doc="评价体系 id，如 national_2023")
@xw.arg("indicator", doc="指标 id 或原文名称")
@xw.arg("items", ndim=2, doc="该指标各数据项的值，或“数据项”“填报值”两列")
@xw.arg("values", ndim=2, doc="可选：与 items 一一对应的填报值")
@xw.arg("subtype", doc="可选：申报类型")
@_excel
def iipeval_explain(set_id, indicator, items, values=None, subtype=None):
    """一个指标得分的计分说明（用了哪些数据、哪条规则、哪些参数）。"""
    return _score_indicator(set_id, indicator, items, values, subtype).explanation


@xw.func(category="iipeval")
@xw.arg("info", ndim=2, doc="“基本信息”表，从 A1 起，如 基本信息!A1:C20")
@xw.arg("data", ndim=2, doc="“指标数据”表，从 A1 起，如 指标数据!A1:G120")
@xw.arg("set_id", doc="可选：评价体系 id（本工作簿不是 iipeval 申报表时必填）")
@_excel
def iipeval_score(info, data, set_id=None, caller=None):
    """整份申报的评分：各维度得分、总分（暂定的注明“暂定”）与等级（溢出为表格）。"""
    loaded = _load(info, data, set_id, caller)
    return _score_table(session_evaluator().score_loaded(loaded))


@xw.func(category="iipeval")
@xw.arg("info", ndim=2, doc="“基本信息”表，从 A1 起")
@xw.arg("data", ndim=2, doc="“指标数据”表，从 A1 起")
@xw.arg("set_id", doc="可选：评价体系 id")
@_excel
def iipeval_findings(info, data, set_id=None, caller=None):
    """申报数据的问题清单：位置、级别、问题（溢出为表格）；没有问题时返回“未发现问题”。"""
    loaded = _load(info, data, set_id, caller)
    result = session_evaluator().score_loaded(loaded)
    if not result.findings:
        return "未发现问题"
    rows: list[list[Any]] = [["位置", "级别", "问题"]]
    for f in result.findings:
        rows.append(
            [f.where(with_file=False, with_item=False), SEVERITY_LABELS[f.severity], f.message]
        )
    return rows


# -- the buttons' macros as Excel macros (after 导入函数) ----------------------------------------


@xw.sub
def iipeval_check_book():
    """校验本表：把问题清单写入“校验结果”表。"""
    from iipeval.addin import macros

    macros.check_caller()


@xw.sub
def iipeval_score_book():
    """计算得分：把得分、计分说明和图表写入“评分结果”表。"""
    from iipeval.addin import macros

    macros.score_caller()


@xw.sub
def iipeval_report_book():
    """生成评分报告：在工作簿旁写出“<名称>_评分报告.xlsx”。"""
    from iipeval.addin import macros

    macros.report_caller()


__all__ = [
    "UdfError",
    "cell_value",
    "iipeval_check_book",
    "iipeval_explain",
    "iipeval_findings",
    "iipeval_indicator",
    "iipeval_report_book",
    "iipeval_score",
    "iipeval_score_book",
    "iipeval_sets",
    "session_evaluator",
    "use_evaluator",
]
