"""The buttons' macros: 校验本表, 计算得分, 生成评分报告.

Each is a plain function of an xlwings ``Book`` (the open workbook, unsaved edits
included): it reads the 申报表 through the workbook reader (:func:`.reader.read_source`
over a :class:`.sources.BookSource`), scores it with the one evaluator the Excel functions
share, and writes its result. Nothing here scores; the findings carry the same sheets and
cells as ``iipeval validate`` gives for the saved file.

* :func:`check_book` (校验本表) writes every finding into the sheet 校验结果;
* :func:`score_book` (计算得分) writes dimension scores, the total (暂定 while expert parts
  are pending), every indicator's score and explanation, and a bar chart into 评分结果;
* :func:`report_book` (生成评分报告) writes ``<name>_评分报告.xlsx`` beside the workbook
  (the results workbook of ``iipeval score``), whole or not at all, and does not replace
  an existing one unless the user confirms.

The buttons call the ``*_caller`` functions through xlwings' ``RunPython``; they find the
workbook with ``xw.Book.caller()`` and show problems in a message box, never as a
traceback. Every string written into a sheet goes through :func:`.session.cell_value`, so an
applicant's text can never become a formula.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from iipeval.addin.session import cell_value, session_evaluator, total_row
from iipeval.core import voice
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS, Finding, Severity
from iipeval.core.model.results import Rejected, Result
from iipeval.core.round.batch import score_batch
from iipeval.core.text import fmt
from iipeval.excel.application.reader import read_source
from iipeval.excel.cells.sources import BookSource, book_name
from iipeval.excel.xlsm import BUTTONS, CHECK_SHEET, SCORE_SHEET
from iipeval.present.atomic import OutputError, write_atomic
from iipeval.reports.results_workbook import write_results_workbook

REPORT_SUFFIX = "_评分报告.xlsx"
TITLE = "iipeval"
SCORE_FORMAT = "0.00"
CHART_NAME = "维度得分"


class MacroError(Exception):
    """Something the user must do first; the message says what, in Chinese."""


@dataclass
class Outcome:
    """What a macro did, for the message box and for tests."""

    message: str
    sheet: str | None = None
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------------


def load_book(book: Any, ev: Evaluator | None = None) -> Loaded:
    """The open workbook as the reader sees a file: same findings, same cells."""
    return read_source(BookSource(book), ev or session_evaluator())


def _counts(findings: list[Finding]) -> str:
    n = {s: sum(f.severity is s for f in findings) for s in Severity}
    if not findings:
        return "未发现问题"
    return "、".join(f"{n[s]}个{SEVERITY_LABELS[s]}" for s in Severity if n[s])


# -- writing ----------------------------------------------------------------------------------


def _sheet(book: Any, name: str) -> Any:
    """The result sheet, emptied (values, formats, charts); created after the last sheet."""
    names = [s.name for s in book.sheets]
    if name in names:
        ws = book.sheets[name]
        for chart in list(ws.charts):
            chart.delete()
        ws.clear()
        return ws
    try:
        return book.sheets.add(name, after=book.sheets[len(names) - 1])
    except Exception as exc:
        raise MacroError(
            f"无法新建工作表“{name}”（工作簿结构可能受保护：审阅 → 保护工作簿）：{exc}"
        ) from None


def _rect(rows: list[list[Any]]) -> list[list[Any]]:
    width = max(len(r) for r in rows)
    return [[cell_value(v) for v in r] + [None] * (width - len(r)) for r in rows]


def _put(ws: Any, top: int, rows: list[list[Any]]) -> None:
    """Write a block of rows at column A, row ``top``, in one call to Excel."""
    ws.range((top, 1)).value = _rect(rows)


def _bold(ws: Any, row: int, width: int) -> None:
    ws.range((row, 1), (row, width)).font.bold = True


def _widths(ws: Any, widths: list[float]) -> None:
    for col, w in enumerate(widths, 1):
        ws.range((1, col)).column_width = w


# -- 校验本表 ----------------------------------------------------------------------------------


def check_book(book: Any, ev: Evaluator | None = None) -> Outcome:
    """校验本表: read and validate the open workbook, list the findings in 校验结果."""
    ev = ev or session_evaluator()
    loaded = load_book(book, ev)
    result = ev.score_loaded(loaded)
    findings = list(result.findings)
    summary = _counts(findings)
    if isinstance(result, Rejected):
        summary = f"无法读取为申报表：{summary}"
    elif not result.accepted:
        summary += f"；{voice.NEEDS_FIX_STATUS}"
    ws = _sheet(book, CHECK_SHEET)
    rows: list[list[Any]] = [
        ["校验结果"],
        ["工作簿", book_name(book)],
        ["校验时间", _now()],
        ["结论", summary],
        [],
        ["序号", "级别", "位置", "问题"],
    ]
    rows += [
        [n, SEVERITY_LABELS[f.severity], f.where(with_file=False, with_item=False), f.message]
        for n, f in enumerate(findings, 1)
    ]
    _put(ws, 1, rows)
    ws.range((1, 1)).font.bold = True
    _bold(ws, 6, 4)
    _widths(ws, [8, 8, 16, 100])
    if len(rows) > 6:
        ws.range((7, 4), (len(rows), 4)).wrap_text = True
    return Outcome(f"校验完成：{summary}", sheet=CHECK_SHEET, findings=findings)


# -- 计算得分 ----------------------------------------------------------------------------------


def score_book(book: Any, ev: Evaluator | None = None) -> Outcome:
    """计算得分: score the open workbook and write 评分结果 with a chart of the dimensions."""
    ev = ev or session_evaluator()
    result = ev.score_loaded(load_book(book, ev))
    ws = _sheet(book, SCORE_SHEET)
    if isinstance(result, Rejected):
        rows = [
            ["评分结果"],
            ["结论", "无法评分：本工作簿不能读取为申报表"],
            [],
            ["级别", "位置", "问题"],
        ]
        rows += [
            [SEVERITY_LABELS[f.severity], f.where(with_file=False, with_item=False), f.message]
            for f in result.findings
        ]
        _put(ws, 1, rows)
        return Outcome(
            "无法评分：" + "；".join(f.message for f in result.findings[:2]), SCORE_SHEET
        )
    rows, dim_top = _score_rows(book, result)
    _put(ws, 1, rows)
    ws.range((1, 1)).font.bold = True
    n_dims = len(result.dimensions)
    ind_top = dim_top + n_dims + 2
    for top, width in ((dim_top, 5), (ind_top, 8)):
        _bold(ws, top, width)
    ws.range((dim_top + 1, 2), (dim_top + n_dims, 4)).number_format = SCORE_FORMAT
    ws.range((ind_top + 1, 4), (len(rows), 6)).number_format = SCORE_FORMAT
    ws.range((4, 2)).number_format = SCORE_FORMAT
    ws.range((ind_top + 1, 8), (len(rows), 8)).wrap_text = True
    _widths(ws, [22, 30, 10, 10, 12, 12, 12, 90])
    _chart(ws, dim_top, n_dims)
    label, total, _ = total_row(result)
    return Outcome(f"评分完成：{label}{fmt(total)}", sheet=SCORE_SHEET, findings=result.findings)


def _score_rows(book: Any, result: Result) -> tuple[list[list[Any]], int]:
    errors = sum(f.severity is Severity.error for f in result.findings)
    label, total, state = total_row(result)
    subtype = f"（{result.subtype_name}）" if result.subtype_name else ""
    rows: list[list[Any]] = [
        ["评分结果"],
        ["申报单位", result.applicant],
        [
            "评价体系",
            f"{result.framework_name}{subtype}，版本{result.provenance.framework_version}",
        ],
        [label, total],
        ["总分状态", state],
        ["等级", result.grade or "—"],
        ["申报数据问题", f"{_counts(result.findings)}（详见“{CHECK_SHEET}”，点“校验本表”更新）"],
        ["计算时间", _now()],
        ["参数哈希", result.provenance.parameters_hash],
        [],
    ]
    if errors:
        rows[6][1] = f"{errors}处错误待补正；" + rows[6][1]
    dim_top = len(rows) + 1
    rows.append(["维度", "得分（0-100）", "计入总分", "满分", "状态"])
    for d in result.dimensions:
        rows.append([d.name, d.score, d.points, d.weight, STATUS_LABELS[d.status]])
    rows.append([])
    rows.append(["维度", "指标", "类型", "权重", "得分（0-100）", "计入总分", "状态", "计分说明"])
    names = {d.id: d.name for d in result.dimensions}
    for i in result.indicators:
        rows.append(
            [
                names.get(i.dimension, i.dimension),
                i.name,
                i.kind,
                i.weight,
                i.score,
                i.points,
                STATUS_LABELS[i.status],
                i.explanation,
            ]
        )
    return rows, dim_top


def _chart(ws: Any, top: int, n: int) -> Any:
    """A bar chart of the dimension scores (0-100) beside the summary."""
    anchor = ws.range((1, 5))
    chart = ws.charts.add(left=anchor.left, top=anchor.top, width=420, height=220)
    chart.set_source_data(ws.range((top, 1), (top + n, 2)))
    chart.chart_type = "bar_clustered"
    with contextlib.suppress(Exception):  # a name Excel refuses is no reason to fail
        chart.name = CHART_NAME
    return chart


# -- 生成评分报告 ------------------------------------------------------------------------------


def report_path(book: Any) -> Path:
    """``<name>_评分报告.xlsx`` beside the workbook; the workbook must have been saved."""
    full = Path(book_name(book))
    if not full.parent.is_dir() or str(full.parent) in ("", "."):
        raise MacroError("请先保存工作簿：评分报告写在工作簿所在的文件夹中")
    return full.with_name(full.stem + REPORT_SUFFIX)


def report_book(
    book: Any,
    ev: Evaluator | None = None,
    *,
    overwrite: bool | None = None,
    generated_at: datetime | None = None,
) -> Outcome:
    """生成评分报告: the results workbook of this application, written atomically beside
    the workbook. An existing report is replaced only when ``overwrite`` is true, or when
    ``overwrite`` is ``None`` and the user answers 是 in Excel's message box. The
    workbook is the one ``iipeval score`` writes (:mod:`iipeval.reports.results_workbook`)."""
    ev = ev or session_evaluator()
    target = report_path(book)
    if target.exists():
        if overwrite is None:
            answer = book.app.alert(
                f"{target.name} 已存在，是否覆盖？", title=TITLE, buttons="yes_no"
            )
            overwrite = str(answer).lower() == "yes"
        if not overwrite:
            return Outcome(f"未覆盖已有的 {target.name}，未生成报告", path=None)
    batch = score_batch(ev, [load_book(book, ev)])
    when = generated_at or datetime.now().astimezone().replace(microsecond=0)
    try:
        write_atomic(
            target,
            lambda tmp: write_results_workbook(batch, tmp, generated_at=when),
            force=bool(overwrite),
        )
    except OutputError as exc:
        raise MacroError(str(exc)) from None
    findings = [f for r in [*batch.results, *batch.rejected] for f in r.findings]
    return Outcome(f"已生成评分报告：{target}", path=target, findings=findings)


# -- what the buttons run ------------------------------------------------------------------------


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def run_button(macro, book: Any) -> Outcome | None:
    """Run one macro for a button: activate its sheet, report in the status bar, and show
    any problem in a message box (a readable sentence, not a traceback)."""
    app = getattr(book, "app", None)
    try:
        outcome = macro(book)
    except MacroError as exc:
        _alert(app, str(exc))
        return None
    except Exception as exc:
        _alert(app, f"运行失败（{type(exc).__name__}：{exc}）")
        return None
    if outcome.sheet:
        with contextlib.suppress(Exception):
            book.sheets[outcome.sheet].activate()
    if outcome.path is not None or not outcome.sheet:
        _alert(app, outcome.message)
    elif app is not None:
        with contextlib.suppress(Exception):
            app.status_bar = outcome.message
    return outcome


def _alert(app: Any, message: str) -> None:
    if app is None:
        return
    with contextlib.suppress(Exception):
        app.alert(message, title=TITLE)


def _caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def check_caller() -> None:
    """Button 校验本表 (``RunPython``)."""
    run_button(check_book, _caller())


def score_caller() -> None:
    """Button 计算得分 (``RunPython``)."""
    run_button(score_book, _caller())


def report_caller() -> None:
    """Button 生成评分报告 (``RunPython``)."""
    run_button(report_book, _caller())


__all__ = [
    "BUTTONS",
    "CHECK_SHEET",
    "SCORE_SHEET",
    "MacroError",
    "Outcome",
    "check_book",
    "check_caller",
    "load_book",
    "report_book",
    "report_caller",
    "report_path",
    "run_button",
    "score_book",
    "score_caller",
]
