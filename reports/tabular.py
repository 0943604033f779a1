"""The batch as JSON (everything, for programs) and CSV (one row per indicator, for people).

JSON is ``Batch.model_dump(mode="json")``: every score, explanation, expert score,
finding, ranking and the parameters with their hash. UTF-8, not ASCII-escaped, indented,
ending in a newline; the same batch always gives the same bytes.

CSV is long format: one row per application × indicator, with the application's rank,
total and outcome (拟推荐 / 候补 / 不予推荐 / 待定) repeated on each of its rows so that any filter or pivot table
works on it directly. Inputs that could not be scored get one row each. UTF-8 with a byte
order mark, so Excel and WPS on Chinese Windows open it with the right encoding; text
that a spreadsheet would run as a formula is prefixed with an apostrophe
(:func:`iipeval.present.cell_text.csv_field`); numbers are written with at most four
decimals.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import TypeAdapter

from iipeval.core.explain import STATUS_LABELS, Explanation
from iipeval.core.model.results import AdjustmentResult, IndicatorResult, Result
from iipeval.core.round.batch import Batch
from iipeval.core.round.outcomes import DECLINE
from iipeval.core.round.spool import view
from iipeval.present.cell_text import csv_field, csv_fields
from iipeval.present.view import panel_check_text, panel_text, place

RUN_COLUMN = "运行编号"

CSV_COLUMNS = (
    "排名",
    "申报单位",
    "标识",
    "来源文件",
    "评价体系",
    "申报类型",
    "总分",
    "已确定分",
    "待专家评分",
    "等级",
    "推荐结果",
    "推荐结果说明",
    "专家评分核验",
    "维度",
    "维度得分",
    "指标编号",
    "指标",
    "指标类型",
    "指标得分",
    "计分",
    "满分",
    "状态",
    "专家评分",
    "需复议",
    "计分说明",
    "核查前计分",
    "核查计分变化",
)


#: What the CSV reads of a result: everything it shows, without the explanation traces
#: and the parameter snapshot, which are most of a result's weight and are not in the CSV.
_SHOWN_INDICATOR = [n for n in IndicatorResult.model_fields if n != "trace"]
_SHOWN_ADJUSTMENT = [n for n in AdjustmentResult.model_fields if n != "trace"]
Shown = view(
    Result,
    [n for n in Result.model_fields if n not in ("indicators", "adjustments", "provenance")],
    indicators=(list[view(IndicatorResult, _SHOWN_INDICATOR)], ...),
    adjustments=(
        list[view(AdjustmentResult, _SHOWN_ADJUSTMENT, trace=(view(Explanation, ["score"]), ...))],
        [],
    ),
)


def dump_json(batch: Batch, out: TextIO, robustness: Any = None) -> None:
    """The batch as JSON, written as it is read, never held whole (results one compact
    line each; everything else indented as ``json.dumps(..., indent=2)`` writes it).

    The results array is filled from :meth:`Batch.iter_result_json`: a spooled result is
    copied as its worker serialised it, never built again. The rankings' entries and the
    findings are written one at a time too. Same batch, same bytes.
    """
    # score --robustness: what the 稳健性 sheet was made with, last
    extra = {"robustness": robustness_record(robustness)} if robustness is not None else {}
    write_head(batch, out.write, results=_results(batch), extra=extra)
    out.write("\n")


def write_head(
    batch: Batch, write, results: Iterator[str] | None = None, extra: dict | None = None
) -> None:
    """Everything of the batch as indented JSON, then ``extra``; the results from
    ``results`` (text of each, one per line), or left out with ``run_id`` when there are
    none (the run's id is a hash of the rest)."""
    head = batch.model_dump(mode="json", exclude={"results", "rejected", "rankings", "findings"})
    parts: dict = {}
    for name in Batch.model_fields:
        if name == "results":
            if results is not None:
                parts[name] = _Raw(results)
        elif name == "rejected":
            parts[name] = _Lazy(r.model_dump(mode="json") for r in batch.rejected)
        elif name == "rankings":
            parts[name] = _Lazy(_ranking(r) for r in batch.rankings)
        elif name == "findings":
            parts[name] = _Lazy(f.model_dump(mode="json") for f in batch.findings)
        elif name in head and (name != "run_id" or results is not None):
            parts[name] = head[name]
    _write(write, parts | (extra or {}), 0)


class _Lazy:
    """A JSON array written item by item as they come."""

    def __init__(self, items: Iterator) -> None:
        self.items = items


class _Raw:
    """A JSON array of texts already serialised, each written on its own line."""

    def __init__(self, texts: Iterator[str]) -> None:
        self.texts = texts


def _ranking(r) -> dict:
    """A ranking as JSON, its entries written one at a time."""
    data = r.model_dump(mode="json", exclude={"entries"})
    return {
        name: _Lazy(_entry_json(e) for e in r.entries) if name == "entries" else data[name]
        for name in type(r).model_fields
    }


def _entry_json(e) -> dict:
    return _entry_adapter(type(e)).dump_python(e, mode="json")


@functools.cache
def _entry_adapter(kind: type) -> TypeAdapter:
    """How a ranking entry is written (its fields marked ``exclude`` left out)."""
    return TypeAdapter(kind)


def _results(batch: Batch) -> Iterator[str]:
    return iter(batch.iter_result_json())


def _write(write, value, level: int) -> None:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` at ``level``, written in pieces."""
    pad = "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            write("{}")
            return
        write("{")
        for n, (key, item) in enumerate(value.items()):
            write(("," if n else "") + "\n" + pad + json.dumps(key, ensure_ascii=False) + ": ")
            _write(write, item, level + 1)
        write("\n" + "  " * level + "}")
    elif isinstance(value, _Raw):
        write("[")
        for n, text in enumerate(value.texts):
            write(("," if n else "") + "\n" + pad + text)
        write("\n" + "  " * level + "]")
    elif isinstance(value, list | _Lazy):
        items = value if isinstance(value, list) else value.items
        write("[")
        empty = True
        for item in items:
            write(("" if empty else ",") + "\n" + pad)
            _write(write, item, level + 1)
            empty = False
        write("]" if empty else "\n" + "  " * level + "]")
    else:
        write(json.dumps(value, ensure_ascii=False))


def write_json(batch: Batch, path: Path, robustness: Any = None) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        dump_json(batch, fh, robustness)


def robustness_record(analysis) -> dict[str, Any]:
    """A robustness analysis's record without its tables: settings (seed, method…), the
    library versions, the inputs and parameters by hash, how each set's weights were drawn."""
    data = analysis.model_dump(mode="json", include={"settings", "versions", "provenance"})
    data["method_note"] = analysis.method_note
    data["weights"] = {
        f"{g.framework}/{g.subtype}" if g.subtype else g.framework: g.weights_source
        for g in analysis.groups
    }
    return data


def csv_rows(batch: Batch) -> Iterator[list[object]]:
    """The CSV's rows as values (header first), before any text is made safe; the last
    column is the run id, the same as in the JSON and the workbook written with it."""
    yield [*CSV_COLUMNS, RUN_COLUMN]
    for e, r in _entries(batch):
        yield from _result_rows(batch, e, r)
    yield from _rejected_rows(batch)


def _result_rows(batch: Batch, e, r) -> Iterator[list[object]]:
    """The rows of one scored application: its indicators, then its adjustments."""
    head = _head(e, r)
    yield from _indicator_rows(head, r, batch.run_id)
    yield from _adjustment_rows(head, r, batch.run_id)


def _head(e, r) -> list[object]:
    """The columns every row of an application repeats: its rank, name, total, outcome."""
    return [
        e.rank,
        r.applicant,
        e.key,
        r.source,
        r.framework_name,
        r.subtype_name,
        r.total,
        r.secured,
        "是" if r.provisional else "否",
        r.grade,
        e.outcome,
        e.outcome_reason,
        panel_check_text(r),
    ]


def _rejected_rows(batch: Batch) -> Iterator[list[object]]:
    """One row per input that could not be scored."""
    for rej in batch.rejected:
        reason = "；".join(f.message for f in rej.findings) or "无法读取"
        head = [None, None, None, rej.source, *[None] * 6, DECLINE, f"无法评分：{reason}"]
        yield [*head, *[None] * (len(CSV_COLUMNS) - len(head)), batch.run_id]


def _indicator_rows(head: list[object], r, run: str | None) -> Iterator[list[object]]:
    """One row per indicator, placed in its dimension (or group)."""
    dims = {d.id: d for d in r.dimensions}
    for i in r.indicators:
        d = dims.get(i.dimension)
        panels = [p for p in r.panels if p.indicator == i.id]
        where = place(r, i) if i.group else (d.name if d else i.dimension)
        yield [
            *head,
            where,
            d.score if d else None,
            i.id,
            i.name,
            i.kind,
            i.score,
            i.points,
            i.weight,
            STATUS_LABELS.get(i.status, i.status),
            "\n".join(f"{p.label}：{panel_text(p)}" for p in panels),
            ("是" if any(p.disagreement for p in panels) else "否") if panels else None,
            i.explanation,
            *_verified_points(r, i.id),
            run,
        ]


def _adjustment_rows(head: list[object], r, run: str | None) -> Iterator[list[object]]:
    """加分项 and 扣分项: one row each, the part as the 维度."""
    for a in r.adjustments:
        part = "加分项" if a.kind == "bonus" else "扣分项"
        value = r.bonus if a.kind == "bonus" else r.deduction
        yield [
            *head,
            part,
            value,
            a.id,
            a.name,
            part,
            a.trace.score,
            a.points,
            a.cap,
            STATUS_LABELS.get(a.status, a.status),
            None,
            None,
            a.explanation,
            *_verified_points(r, a.id),
            run,
        ]


def _entries(batch: Batch) -> Iterator[tuple]:
    """Every scored application's ranking entry and what the CSV shows of its result, in
    ranking order (the order of the workbook's score cards), one at a time."""
    for ranking in batch.rankings:
        for entry in ranking.entries:
            yield entry, batch.result(entry.source, Shown)


def _verified_points(r, indicator: str) -> tuple[float | None, float | None]:
    """The indicator's points with the declared values, and the change verification made."""
    v = r.verification
    change = next((c for c in v.indicators if c.id == indicator), None) if v else None
    return (change.declared_points, change.change) if change else (None, None)


def csv_text(batch: Batch) -> str:
    """The CSV content (without the BOM the file gets for Excel on Chinese Windows)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(csv_fields(csv_rows(batch)))
    return buf.getvalue()


def write_csv(batch: Batch, path: Path, ahead: RowsAhead | None = None) -> None:
    """The CSV file; the scored applications' rows are copied from ``ahead`` when the
    results workbook's pass over the results made them already (:class:`RowsAhead`)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        if ahead is None or not ahead.ready:
            out.writerows(csv_fields(csv_rows(batch)))
            return
        out.writerows(csv_fields([[*CSV_COLUMNS, RUN_COLUMN]]))
        fh.flush()
        ahead.copy_to(fh.buffer)
        out.writerows(csv_fields(_rejected_rows(batch)))


class RowsAhead:
    """The CSV's rows of the scored applications, made by another writer's pass over the
    results in ranking order, the CSV's own (the results workbook's listing sheets read
    each result as :data:`Shown`): ``-o results.xlsx`` then decodes each result once for
    both. The rows wait in a temporary file, so memory stays flat."""

    view = Shown

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in copy_to)
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._head = io.StringIO()
        self._head_csv = csv.writer(self._head, lineterminator="\r\n")  # quotes "\r", "\n"
        self.ready = False  # every scored application added (:meth:`done`)

    def add(self, batch: Batch, entry, result) -> None:
        """``result``'s rows, the columns they repeat made CSV text once (a field is quoted
        on its own: the text of a row is its fields' texts joined, whatever their order)."""
        self._head.seek(0)
        self._head.truncate()
        self._head_csv.writerow([csv_field(v) for v in _head(entry, result)])
        head, write, row = self._head.getvalue()[:-2] + ",", self._text.write, self._csv.writerow
        for tail in _indicator_rows([], result, batch.run_id):
            write(head)
            row([csv_field(v) for v in tail])
        for tail in _adjustment_rows([], result, batch.run_id):
            write(head)
            row([csv_field(v) for v in tail])

    def done(self, batch: Batch) -> None:
        """Every scored application added: :func:`write_csv` copies the rows."""
        self._text.flush()
        self.ready = True

    def copy_to(self, out) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, out)
        self._text.close()
