"""A filled 核查表 read back for ``score --verified``.

Reading goes through the guard like any file from outside; values go through
:mod:`iipeval.core.scoring.normalize`, so ``1.2万`` and ``35%`` read as they do in a 申报表.
What counts is what the verifiers saw (:mod:`iipeval.excel.cells.visible`): a hidden
核查表 or a sheet it did not have refuses it whole; a verified value that is a formula
(whatever it stores), or a value, verifier or date that is under a merge, in a hidden row
or column, or shown through a number format as something else, is an error at its cell
and not used; so is a number beyond any figure (``max_number``). A value without a
verifier and a date is reported and not used. What the verifiers wrote as evidence or a
note is kept as written. The sheet's claims and signature are read here; whether it was
issued is decided in :mod:`iipeval.core.round.site_checks`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from iipeval.core.api import Evaluator
from iipeval.core.findings import Finding, Severity
from iipeval.core.intake.guard import guard
from iipeval.core.model.criteria import DataItem
from iipeval.core.model.verified import Verification, VerifiedValue
from iipeval.core.round.site_checks import IssuedSheet, sheet_claims
from iipeval.core.scoring.normalize import fold, read_item, show
from iipeval.core.scoring.params import InputLimits
from iipeval.core.scoring.validation import coerce
from iipeval.core.text import fmt, visible
from iipeval.excel.cells.book import cell_text
from iipeval.excel.cells.visible import REMEDY, Seen, Unseen, seen
from iipeval.excel.verification.layout import (
    APPLICANT,
    APPLICANT_LABELS,
    DATE,
    FIRST_ROW,
    FORMAT,
    HEADERS,
    META,
    SHEET,
    SHOWN_COLUMNS,
    VALUE,
    VERIFIER,
)


class _Refused(Exception):
    """The sheet cannot be used at all; one finding says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def _error(src: str, code: str, message: str, cell: str | None = None, **where) -> Finding:
    sheet = where.pop("sheet", SHEET if cell else None)
    return Finding(
        severity=Severity.error, code=code, message=message, file=src, sheet=sheet, cell=cell
    )


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        text = fold(raw).replace("/", "-").replace(".", "-")
        for fmt_ in ("%Y-%m-%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(text, fmt_).date()
            except ValueError:
                continue
    return None


def read_verification(
    path: str | Path, ev: Evaluator | None = None, limits: InputLimits | None = None
) -> Verification:
    """Read one filled 核查表. Never raises for bad input: problems become findings."""
    src = str(path)
    limits = limits or (ev.params.input if ev else InputLimits())
    checked = guard(path, limits)
    if checked.problem:
        return Verification(
            source=src, findings=[_error(src, checked.code or "refused", checked.problem)]
        )
    out = Verification(source=src)
    try:
        names, meta_rows, grid = _open(src)
        meta, items = _meta(meta_rows)
        _identify(out, meta)
        known = _framework(src, meta, ev or Evaluator())
        shown = _shown(src, names, len(items))
        _check_rows(src, grid, items, known)
    except _Refused as refused:
        out.findings.append(refused.finding)
        return out
    out.claims = _claims(meta, items, grid) if out.signature else None
    for n, item_id in enumerate(items):
        _read_row(out, _row(grid, FIRST_ROW + n), FIRST_ROW + n, item_id, known, shown, limits)
    return out


def _open(src: str) -> tuple[list[str], list[list[Any]], list[list[Any]]]:
    """The sheet names, the ``_verify`` rows and the 核查表 grid (anchored at A1)."""
    try:
        wb = CalamineWorkbook.from_path(src)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise _Refused(_error(src, "unreadable", f"无法读取核查表：{exc}")) from None
    try:
        names = list(wb.sheet_names)
        if SHEET not in names or META not in names:
            raise _Refused(
                _error(
                    src,
                    "not_verification",
                    "不是由 iipeval 生成的核查表（缺少核查表或隐藏的结构信息）",
                )
            )
        return (
            names,
            wb.get_sheet_by_name(META).to_python(),
            wb.get_sheet_by_name(SHEET).to_python(),
        )
    except _Refused:
        raise
    except Exception as exc:
        raise _Refused(_error(src, "unreadable", f"无法读取核查表：{exc}")) from None
    finally:
        wb.close()


def _meta(rows: list[list[Any]]) -> tuple[dict[str, Any], list[str]]:
    meta: dict[str, Any] = {}
    items: list[str] = []
    for row in rows:
        if len(row) >= 2 and row[0] == "item":
            items.append(str(row[1]))
        elif len(row) >= 2 and row[0]:
            meta[str(row[0])] = row[1]
    return meta, items


def _identify(out: Verification, meta: dict[str, Any]) -> None:
    """What the sheet says of itself; a sheet that is not a 核查表's is refused."""
    for name in ("source_sha256", "framework", "key", "applicant", "round", "panel", "signature"):
        setattr(out, name, cell_text(meta.get(name)))
    out.sheet_id = cell_text(meta.get("sheet_id"))
    if meta.get("format") != FORMAT:
        raise _Refused(_error(out.source, "not_verification", "核查表的结构信息已损坏，无法读取"))


def _framework(src: str, meta: dict[str, Any], ev: Evaluator) -> dict[str, DataItem]:
    framework = cell_text(meta.get("framework"))
    try:
        return ev.framework(framework).framework.item_map()
    except Exception:
        raise _Refused(
            _error(src, "framework_unknown", f"核查表对应的评价体系 {framework} 未加载")
        ) from None


def _cells(n: int) -> list[str]:
    """The cells a verifier reads or fills in, for ``n`` rows."""
    rows = range(FIRST_ROW, FIRST_ROW + n)
    picked = f"{SHOWN_COLUMNS}{VALUE}{VERIFIER}{DATE}"
    return ["A1", "A2", *(f"{c}{r}" for r in rows for c in picked)]


def _shown(src: str, names: list[str], n: int) -> Seen:
    try:
        return seen(src, names, SHEET, {META}, _cells(n), what="核查表")
    except Unseen as exc:
        raise _Refused(_error(src, "verification_not_seen", str(exc), sheet=exc.sheet)) from None


def _row(grid: list[list[Any]], r: int) -> list[Any]:
    """Row ``r`` (1-based) of the grid, padded to the sheet's columns."""
    row = list(grid[r - 1]) if r - 1 < len(grid) else []
    return row + [None] * (len(HEADERS) - len(row))


def _label(item_id: str, known: dict) -> str:
    """The Chinese name a row shows: a 基本信息 field's, else the data item's."""
    if item_id.startswith(APPLICANT):
        return APPLICANT_LABELS.get(item_id.removeprefix(APPLICANT), item_id)
    item = known.get(item_id)
    return item.label if item is not None else item_id


def _check_rows(src: str, grid: list[list[Any]], items: list[str], known: dict) -> None:
    """Every row still shows the item ``_verify`` says; else nothing of the sheet is used."""
    for n, item_id in enumerate(items):
        r = FIRST_ROW + n
        label, found = _label(item_id, known), show(_row(grid, r)[1])
        if fold(found) != fold(label):
            raise _Refused(
                _error(
                    src,
                    "verification_layout",
                    f"第{r}行的数据项应为“{label}”，现为“{found}”：核查表的行已被改动，"
                    "请使用原核查表重新填写",
                    f"B{r}",
                )
            )


def _claims(meta: dict[str, Any], items: list[str], grid: list[list[Any]]) -> dict[str, Any]:
    """What the signature covers, rebuilt from ``_verify`` and the cells as read back."""
    sheet = IssuedSheet.model_construct(
        id=cell_text(meta.get("sheet_id")),
        file="",
        framework=cell_text(meta.get("framework")),
        key=cell_text(meta.get("key")),
        applicant=cell_text(meta.get("applicant")),
        source=cell_text(meta.get("source")),
        source_sha256=cell_text(meta.get("source_sha256")),
        items=items,
    )
    rows = [[cell_text(v) for v in _row(grid, FIRST_ROW + n)[1:5]] for n in range(len(items))]
    shown = {"title": cell_text(_row(grid, 1)[0]), "header": cell_text(_row(grid, 2)[0])}
    return sheet_claims(
        round_id=cell_text(meta.get("round")),
        panel=cell_text(meta.get("panel")),
        sheet=sheet,
        credit_code=cell_text(meta.get("credit_code")),
        shown={**shown, "rows": rows},
    )


def _beyond(raw: Any, limit: float) -> tuple[str, str] | None:
    number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if number and (not math.isfinite(raw) or abs(raw) > limit):
        return "too_large", f"核查值超出上限（绝对值不超过{fmt(limit)}），不予采用"
    return None


def _gate(out: Verification, row: list[Any], r: int, numeric: bool, shown: Seen):
    """Whether the row's value may be read (``None``: not, and a finding says why when
    there is a value), and whether a percentage was typed for a number: not a formula,
    whatever it stores; the value, verifier and date each shown as stored."""
    src, raw, cell = out.source, row[5], f"{VALUE}{r}"
    if shown.sheet is not None and cell in shown.sheet.formulas:  # whatever it stores, or none
        said = "核查值是公式，不予采用：请直接填写核实的数值"
        out.findings.append(_error(src, "verification_formula", said, cell))
        return None
    if raw is None or (isinstance(raw, str) and not fold(raw)):
        return None
    percent = False
    for col, value in ((VALUE, raw), (VERIFIER, row[8]), (DATE, row[9])):
        problem = shown.problem(f"{col}{r}", value) if value is not None else None
        if problem and problem[0] == "percent_format" and col == VALUE and numeric:
            percent = True  # 35% typed for a number: read as a 申报表 reads it
            continue
        if problem:
            code, what = problem
            said = f"第{r}行的{HEADERS[ord(col) - ord('A')][0]}{what}，本行核查值不予采用；"
            out.findings.append(_error(src, code, said + REMEDY.get(code, ""), f"{col}{r}"))
            return None
    return percent


def _read_row(out: Verification, row, r: int, item_id: str, known, shown: Seen, limits):
    """One row's verified value, when it is there, shown as stored, within bounds and
    valid for its item; 基本信息 is kept as text, checked when scored again."""
    src, raw, cell = out.source, row[5], f"{VALUE}{r}"
    item = known.get(item_id)
    percent = _gate(out, row, r, item is not None and item.numeric, shown)
    if percent is None:
        return
    if item_id.startswith(APPLICANT):
        _keep(out, item_id, _label(item_id, known), row, visible(show(raw)), cell)
        return
    if item is None:
        return
    refused = _beyond(raw, limits.max_number)
    reading = read_item(item, raw, shown_as_percent=percent) if refused is None else None
    if reading is not None and reading.error:
        refused = (reading.code or "bad_value", reading.error)
    refused = refused or _beyond(reading.value, limits.max_number)
    if refused is None:
        problem = coerce(item, reading.value)[1]  # the item's own rules: range, 不适用
        refused = (problem[0].code, problem[0].message) if problem else None
    if refused:
        out.findings.append(_error(src, *refused, cell))
        return
    _keep(out, item_id, item.label, row, reading.value, cell)


def _text(raw: Any) -> str:
    """What a verifier wrote, as written: full-width punctuation and all, only invisible
    characters dropped (the record must not alter their words)."""
    return visible(show(raw)) if raw is not None else ""


def _keep(out: Verification, item_id: str, label: str, row: list, value, cell: str) -> None:
    """Take one verified value, if a verifier and a date vouch for it."""
    verifier, when = _text(row[8]), _date(row[9])
    if not verifier or when is None:
        out.findings.append(
            Finding(
                severity=Severity.warning,
                code="verification_unsigned",
                message=f"{label}填写了核查值，但缺少核查人或核查日期，未采用",
                file=out.source,
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
