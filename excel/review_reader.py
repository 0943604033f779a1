"""Read filled expert scoring workbooks (and JSON review files) back into review bundles.

Only the yellow input cells are read; the live total the workbook shows is never trusted,
the engine recomputes everything. The hidden ``_meta`` sheet says which application each
row holds and which part each column scores; every row's key cell is checked against it,
so a moved or edited row is reported instead of being credited to the wrong applicant.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from python_calamine import CalamineError, CalamineWorkbook

from iipeval.core.application import ExpertReview
from iipeval.core.batch import ReviewBundle
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel_record import form_claims, normal_key
from iipeval.core.review_form import FORM_FORMAT, read_form
from iipeval.core.rules import GRADES

from .review_layout import FORMAT, META, SCORES, WORKBOOK_VERSION
from .review_workbook import fingerprint

FORMULA_START = ("=", "+", "@")


def _error(src: str, code: str, message: str, **where) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src, **where)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Meta:
    """The parsed ``_meta`` sheet."""

    def __init__(self, rows: list[list[Any]]):
        self.facts: dict[str, Any] = {}
        self.parts: list[list[Any]] = []
        self.rows: list[list[Any]] = []
        self.conflicts: list[list[Any]] = []
        section = None
        for row in rows[1:]:
            head = _text(row[0]) if row else ""
            if head.startswith("["):
                section = head
                continue
            if section is None:
                if head:
                    self.facts[head] = row[1] if len(row) > 1 else None
                continue
            body = [_text(v) if not isinstance(v, int | float) else v for v in row[1:]]
            if not any(v not in ("", None) for v in body):
                continue
            {"[parts]": self.parts, "[rows]": self.rows, "[conflicts]": self.conflicts}.get(
                section, []
            ).append(body)

    def fact(self, key: str) -> str:
        return _text(self.facts.get(key))


def _sheet(wb: CalamineWorkbook, name: str) -> list[list[Any]]:
    """Rows of a sheet as a grid anchored at A1 (calamine starts at the first used cell)."""
    sheet = wb.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    r0, c0 = getattr(sheet, "start", None) or (0, 0)
    if r0 or c0:
        rows = [[""] * c0 + list(r) for r in rows]
        rows = [[] for _ in range(r0)] + rows
    return rows


def _at(grid: list[list[Any]], row: int, col: int) -> Any:
    """Value at 1-based (row, col), ``None`` when empty."""
    if row - 1 >= len(grid) or col - 1 >= len(grid[row - 1]):
        return None
    v = grid[row - 1][col - 1]
    return None if v == "" else v


def read_review_workbook(path: str | Path) -> ReviewBundle:
    """One expert's filled workbook → the reviews it holds, with findings for bad cells."""
    path = Path(path)
    src = str(path)
    bundle = ReviewBundle(src)
    try:
        wb = CalamineWorkbook.from_path(src)
    except (CalamineError, OSError, ValueError) as exc:
        bundle.findings.append(_error(src, "unreadable", f"无法读取评分表：{exc}"))
        return bundle
    except Exception as exc:  # calamine raises its own zip/xml errors
        bundle.findings.append(
            _error(src, "unreadable", f"无法读取评分表（文件损坏或不是 .xlsx）：{exc}")
        )
        return bundle
    names = wb.sheet_names
    if META not in names:
        bundle.findings.append(
            _error(
                src,
                "review_meta_missing",
                f"不是 iipeval 生成的专家评分表，或隐藏的“{META}”工作表已被删除，无法确定各行对应的申报；"
                "请使用组织方下发的原始评分表填写",
            )
        )
        return bundle
    meta = _Meta(_sheet(wb, META))
    if meta.fact("format") != FORMAT:
        bundle.findings.append(
            _error(src, "review_meta_missing", f"“{META}”工作表不是专家评分表的元数据，无法读取")
        )
        return bundle
    version = _int(meta.facts.get("workbook_version"))
    if version is None or version > WORKBOOK_VERSION:
        bundle.findings.append(
            _error(
                src,
                "review_version",
                f"评分表格式版本为 {meta.fact('workbook_version')}，本程序只支持到 {WORKBOOK_VERSION}，请升级 iipeval",
            )
        )
        return bundle

    bundle.expert = meta.fact("expert") or None
    bundle.framework = meta.fact("framework") or None
    bundle.parameters_hash = meta.fact("parameters_hash") or None
    with contextlib.suppress(ValueError, TypeError):
        roster = json.loads(meta.fact("panel_experts") or "[]")
        bundle.panel_experts = [str(e) for e in roster if isinstance(e, str | int)]
    panel = meta.fact("panel") or None
    bundle.panel = panel
    bundle.round = meta.fact("round") or None
    bundle.signature = meta.fact("signature") or None
    conflicts: list[str] = []
    for c in meta.conflicts:
        for v in c[:2]:
            if _text(v) and _text(v) not in conflicts:
                conflicts.append(_text(v))
    bundle.conflicts = conflicts

    sheet = meta.fact("scores_sheet") or SCORES
    header_row = _int(meta.facts.get("header_row"))
    key_col = _int(meta.facts.get("key_col"))
    parts = [(_text(p[0]), _text(p[1]), _int(p[3]), _int(p[4])) for p in meta.parts]
    scales = {_text(p[0]): _part_scale(p) for p in meta.parts}
    rows = [(_int(r[0]), _text(r[1]), _text(r[2])) for r in meta.rows]
    expected = fingerprint([[p, s, c] for p, _, s, c in parts], [[r, k] for r, k, _ in rows])
    bundle.claims = form_claims(
        format=FORMAT,
        version=version,
        round_id=meta.fact("round"),
        panel=meta.fact("panel"),
        expert=meta.fact("expert"),
        framework=meta.fact("framework"),
        parameters_hash=meta.fact("parameters_hash"),
        layout={"sheet": sheet, "header_row": header_row, "key_col": key_col},
        parts=[[p, label, s, c] for p, label, s, c in parts],
        rows=[[_int(r[0]), _text(r[1]), _text(r[6]) if len(r) > 6 else ""] for r in meta.rows],
    )
    broken = (
        not bundle.expert
        or header_row is None
        or key_col is None
        or any(s is None or c is None or not p for p, _, s, c in parts)
        or any(r is None or not k for r, k, _ in rows)
        or expected != meta.fact("fingerprint")
    )
    if broken:
        bundle.findings.append(
            _error(
                src,
                "review_structure",
                f"隐藏的“{META}”工作表已被改动，无法可靠读取评分；请使用原始评分表",
            )
        )
        return bundle
    if sheet not in names:
        bundle.findings.append(
            _error(
                src, "review_structure", f"找不到“{sheet}”工作表（可能被改名或删除），无法读取评分"
            )
        )
        return bundle
    grid = _sheet(wb, sheet)

    moved_cols = [
        (pid, label, s) for pid, label, s, _ in parts if _text(_at(grid, header_row, s)) != label
    ]
    if moved_cols:
        pid, label, s = moved_cols[0]
        bundle.findings.append(
            _error(
                src,
                "review_structure",
                f"评分项列与生成时不一致（应为“{label}”，现为“{_text(_at(grid, header_row, s))}”）："
                "可能插入、删除或移动了列。为免评分张冠李戴，本表评分未读取",
                sheet=sheet,
                cell=f"{get_column_letter(s)}{header_row}",
            )
        )
        return bundle

    for r, key, applicant in rows:
        bundle.row_where[normal_key(key)] = {
            "sheet": sheet,
            "cell": f"{get_column_letter(key_col)}{r}",
        }
        found = _text(_at(grid, r, key_col))
        if found != key:
            bundle.findings.append(
                _error(
                    src,
                    "review_row_moved",
                    f"第{r}行应为“{applicant}”（{key}），现为“{found or '空白'}”：行被移动、插入或删除，"
                    "该申报的评分未读取",
                    sheet=sheet,
                    cell=f"{get_column_letter(key_col)}{r}",
                )
            )
            continue
        scores: dict[str, float | str | None] = {}
        comments: dict[str, str] = {}
        for pid, label, s, c in parts:
            cell = f"{get_column_letter(s)}{r}"
            value, problem = _score(_at(grid, r, s), *scales.get(pid, (100.0, GRADES)))
            if problem:
                bundle.findings.append(
                    _error(
                        src,
                        "review_bad_score",
                        f"“{applicant}”的“{label}”{problem}；该项按未评分处理",
                        sheet=sheet,
                        cell=cell,
                        item=pid,
                        indicator=pid.split(".")[0],
                    )
                )
            scores[pid] = value
            comment = _text(_at(grid, r, c))
            if comment:
                comments[pid] = comment
        bundle.reviews.append(
            ExpertReview(
                expert=bundle.expert,
                panel=panel,
                application=key,
                scores=scores,
                comments=comments,
            )
        )
    return bundle


def _part_scale(p: list[Any]) -> tuple[float, tuple[str, ...]]:
    """A part's full mark and grade names, as the meta sheet records them (older workbooks
    without them: 0-100 and the four common grades)."""
    full = p[5] if len(p) > 5 and isinstance(p[5], int | float) and p[5] > 0 else 100.0
    grades: tuple[str, ...] = GRADES
    with contextlib.suppress(ValueError, TypeError, IndexError):
        names = json.loads(p[6])
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            grades = tuple(names)
    return float(full), grades


def _score(
    raw: Any, full: float = 100.0, grades: tuple[str, ...] = GRADES
) -> tuple[float | str | None, str | None]:
    """A cell's value as a score, or the reason it is not one."""
    top = f"0-{_text(full)}"
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, f"填写了逻辑值“{'TRUE' if raw else 'FALSE'}”，不是有效评分"
    if isinstance(raw, int | float):
        x = float(raw)
        if not math.isfinite(x) or not 0 <= x <= full:
            return None, f"评分{_text(raw)}超出{top}范围"
        return x, None
    if not isinstance(raw, str):
        return None, f"填写了“{raw}”（日期或时间格式），不是有效评分"
    text = raw.strip()
    if not text:
        return None, None
    if text in grades:
        return text, None
    if text.startswith(FORMULA_START):
        return None, f"填写了公式样式的文本“{text[:30]}”，请直接填写分数或等级"
    try:
        x = float(text)
    except ValueError:
        return None, (
            f"填写了“{text[:30]}”，不是有效评分（应为{top}的数字，或{'、'.join(grades)}之一）"
        )
    if not math.isfinite(x) or not 0 <= x <= full:
        return None, f"评分{text}超出{top}范围"
    return x, None


# --------------------------------------------------------------------------------------
# JSON review files


def read_review_json(path: str | Path) -> ReviewBundle:
    """A JSON review file: a list of reviews, or ``{"expert": ..., "reviews": [...]}``
    (optionally with ``panel``, ``framework`` and ``conflicts``); reviews without an
    ``expert`` take the file's."""
    path = Path(path)
    src = str(path)
    bundle = ReviewBundle(src)
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        bundle.findings.append(_error(src, "unreadable", f"无法读取评分文件：{exc.strerror}"))
        return bundle
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        bundle.findings.append(_error(src, "bad_json", f"不是有效的 JSON：{exc}"))
        return bundle
    if isinstance(data, dict) and data.get("format") == FORM_FORMAT:
        return read_form(data, src)
    defaults: dict[str, Any] = {}
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"expert", "panel", "framework", "conflicts", "reviews"})
        if unknown:
            bundle.findings.append(
                _error(
                    src,
                    "bad_field",
                    f"不认识的键：{'、'.join(unknown)}（可用：expert、panel、framework、conflicts、reviews）",
                )
            )
        for key in ("expert", "panel", "framework"):
            if data.get(key) is not None and not isinstance(data.get(key), str):
                bundle.findings.append(_error(src, "bad_field", f"{key} 应为文本"))
                return bundle
        bundle.expert = data.get("expert")
        bundle.framework = data.get("framework")
        conflicts = data.get("conflicts") or []
        if not isinstance(conflicts, list) or not all(isinstance(c, str) for c in conflicts):
            bundle.findings.append(_error(src, "bad_field", "conflicts 应为文本列表"))
            conflicts = []
        bundle.conflicts = conflicts
        defaults = {k: data[k] for k in ("expert", "panel") if data.get(k)}
        data = data.get("reviews")
    if not isinstance(data, list):
        bundle.findings.append(
            _error(src, "bad_field", '评分文件应为评分列表，或 {"expert": ..., "reviews": [...]}')
        )
        return bundle
    for k, entry in enumerate(data):
        if isinstance(entry, dict):
            entry = {**defaults, **entry}
        try:
            bundle.reviews.append(ExpertReview.model_validate(entry))
        except ValidationError as exc:
            problems: dict[str, str] = {}
            for err in exc.errors():
                loc = err["loc"]
                if len(loc) >= 2 and loc[0] == "scores":
                    where = f"scores.{loc[1]}"
                    problems[where] = (
                        f"评分应为0-100的数字或优秀、良好、一般、较差，现为{err['input']!r}"
                    )
                else:
                    where = ".".join(str(x) for x in loc)
                    problems.setdefault(where, err["msg"])
            text = "；".join(f"{w}：{m}" if w else m for w, m in problems.items())
            bundle.findings.append(
                _error(src, "bad_review", f"第{k + 1}条评分 {text}（该条评分未读取）")
            )
    if bundle.expert is None:
        experts = {r.expert for r in bundle.reviews}
        if len(experts) == 1:
            bundle.expert = experts.pop()
    return bundle


def read_reviews(path: str | Path) -> ReviewBundle:
    """A review file of either kind, chosen by its suffix."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return read_review_json(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_review_workbook(path)
    return ReviewBundle(
        str(path),
        findings=[
            _error(
                str(path),
                "unsupported",
                f"不支持的评分文件类型“{path.suffix or '无扩展名'}”：请提交专家评分表（.xlsx）或 .json",
            )
        ],
    )
