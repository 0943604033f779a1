"""Read filled expert scoring workbooks (and JSON review files) back into review bundles.

Only the yellow input cells are read; the live total the workbook shows is never trusted,
the engine recomputes everything. The hidden ``_meta`` sheet says which application each
row holds and which part each column scores; every row's key cell is checked against it,
so a moved or edited row is reported instead of being credited to the wrong applicant.
Each entry is checked against its part's own full mark and grades by
:mod:`iipeval.core.panel.entry`, exactly as a signed JSON form's entries are.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from python_calamine import CalamineError, CalamineWorkbook

from iipeval.core.findings import Finding, Severity
from iipeval.core.intake import jsonfile
from iipeval.core.model.application import ExpertReview
from iipeval.core.panel.bundle import ReviewBundle
from iipeval.core.panel.entry import PartScale, checked_scores, form_error, form_review
from iipeval.core.panel.forms import FORM_FORMAT, read_form
from iipeval.core.panel.record import RECORD_FORMAT, form_claims, normal_key
from iipeval.core.rules import GRADES
from iipeval.core.scoring.params import InputLimits
from iipeval.excel.cells.book import cell_text
from iipeval.excel.cells.sources import SheetUnreadable, sheet_values
from iipeval.excel.cells.visible import REMEDY, Seen, Unseen, seen
from iipeval.excel.review.layout import (
    CALC,
    FORMAT,
    GUIDE,
    META,
    QUANT,
    RUBRIC,
    SCORES,
    WORKBOOK_VERSION,
    ScoreColumns,
)
from iipeval.excel.review.meta_sheet import fingerprint


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class _Meta:
    """The parsed ``_meta`` sheet."""

    def __init__(self, rows: list[list[Any]]):
        self.facts: dict[str, Any] = {}
        self.parts: list[list[Any]] = []
        self.rows: list[list[Any]] = []
        self.conflicts: list[list[Any]] = []
        section = None
        for row in rows[1:]:
            head = cell_text(row[0]) if row else ""
            if head.startswith("["):
                section = head
                continue
            if section is None:
                if head:
                    self.facts[head] = row[1] if len(row) > 1 else None
                continue
            body = [cell_text(v) if not isinstance(v, int | float) else v for v in row[1:]]
            if not any(v not in ("", None) for v in body):
                continue
            {"[parts]": self.parts, "[rows]": self.rows, "[conflicts]": self.conflicts}.get(
                section, []
            ).append(body)

    def fact(self, key: str) -> str:
        return cell_text(self.facts.get(key))


def _sheet(wb: CalamineWorkbook, name: str) -> list[list[Any]]:
    """Rows of a sheet as a grid anchored at A1 (calamine starts at the first used cell)."""
    sheet = wb.get_sheet_by_name(name)
    rows = sheet_values(wb, name)
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


#: the 申报单位 column of every 评分 sheet (written in ``_meta`` from version 4)
APPLICANT_COL = ScoreColumns(False, ()).applicant


class _Refused(Exception):
    """The workbook cannot be read reliably: one finding says why, and nothing is credited."""

    def __init__(self, src: str, code: str, message: str, **where) -> None:
        super().__init__(message)
        self.finding = form_error(src, code, message, **where)


@dataclass(frozen=True)
class _Part:
    id: str
    label: str
    score_col: int | None
    comment_col: int | None
    scale: PartScale


@dataclass(frozen=True)
class _Row:
    row: int | None
    key: str
    applicant: str


@dataclass(frozen=True)
class _Plan:
    """Where the scores are, as ``_meta`` says: trusted only when its fingerprint holds,
    so a moved column or row is never credited to the wrong part or applicant."""

    sheet: str
    header_row: int | None
    key_col: int | None
    parts: list[_Part]
    rows: list[_Row]
    applicant_col: int = APPLICANT_COL

    def cells(self) -> list[str]:
        """Every cell the expert reads to tell a row's application, and every score."""
        cols = [self.key_col or 0, self.applicant_col, *(p.score_col or 0 for p in self.parts)]
        return [f"{get_column_letter(c)}{r.row}" for r in self.rows if r.row for c in cols if c]

    def complete(self) -> bool:
        return (
            self.header_row is not None
            and self.key_col is not None
            and all(
                p.score_col is not None and p.comment_col is not None and p.id for p in self.parts
            )
            and all(r.row is not None and r.key for r in self.rows)
        )

    def fingerprint(self) -> str:
        return fingerprint(
            [[p.id, p.score_col, p.comment_col] for p in self.parts],
            [[r.row, r.key] for r in self.rows],
        )


def read_review_workbook(path: str | Path) -> ReviewBundle:
    """One expert's filled workbook → the reviews it holds, with findings for bad cells.

    Each step either hands on what the next needs or refuses the whole workbook with one
    finding: open it, read ``_meta`` (who, which round, the signed claims), check its plan
    against the fingerprint, check the columns are still where the plan puts them, then
    read each row whose key is still in place."""
    src = str(Path(path))
    bundle = ReviewBundle(src)
    try:
        wb = _open(src)
        meta, version = _meta_sheet(wb, src)
        _identify(bundle, meta)
        plan = _plan(meta)
        bundle.claims = _claims(meta, version, plan)
        grid = _scores_grid(wb, src, plan, meta, expert=bundle.expert)
        shown = _shown(src, wb, plan)
    except _Refused as refused:
        bundle.refused = True
        bundle.findings.append(refused.finding)
        return bundle
    except SheetUnreadable as exc:
        message = (
            f"工作表“{exc.sheet}”中有无法读取的单元格（如超出范围的日期或时长），整份评分表未读取"
        )
        bundle.findings.append(form_error(src, "unreadable", message, sheet=exc.sheet))
        return bundle
    for row in plan.rows:
        bundle.row_where[normal_key(row.key)] = _key_cell(plan, row)
        review, findings = _read_row(src, grid, plan, row, bundle, shown)
        bundle.findings.extend(findings)
        if review is not None:
            bundle.reviews.append(review)
    return bundle


def _open(src: str) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(src)
    except (CalamineError, OSError, ValueError) as exc:
        raise _Refused(src, "unreadable", f"无法读取评分表：{exc}") from None
    except Exception as exc:  # calamine raises its own zip/xml errors
        raise _Refused(
            src, "unreadable", f"无法读取评分表（文件损坏或不是 .xlsx）：{exc}"
        ) from None


def _meta_sheet(wb: CalamineWorkbook, src: str) -> tuple[_Meta, int]:
    """The ``_meta`` sheet and its format version, when this reader understands them."""
    if META not in wb.sheet_names:
        raise _Refused(
            src,
            "review_meta_missing",
            f"不是 iipeval 生成的专家评分表，或隐藏的“{META}”工作表已被删除，无法确定各行对应的申报；"
            "请使用组织方下发的原始评分表填写",
        )
    meta = _Meta(_sheet(wb, META))
    if meta.fact("format") != FORMAT:
        raise _Refused(
            src, "review_meta_missing", f"“{META}”工作表不是专家评分表的元数据，无法读取"
        )
    version = _int(meta.facts.get("workbook_version"))
    if version is None or version > WORKBOOK_VERSION:
        raise _Refused(
            src,
            "review_version",
            f"评分表格式版本为 {meta.fact('workbook_version')}，本程序只支持到 {WORKBOOK_VERSION}，请升级 iipeval",
        )
    return meta, version


def _identify(bundle: ReviewBundle, meta: _Meta) -> None:
    """Who the workbook says it is from, for which round and set: set before the structure
    is checked, so a form refused for its structure is still named by its expert."""
    bundle.expert = meta.fact("expert") or None
    bundle.framework = meta.fact("framework") or None
    bundle.parameters_hash = meta.fact("parameters_hash") or None
    with contextlib.suppress(ValueError, TypeError):
        roster = json.loads(meta.fact("panel_experts") or "[]")
        bundle.panel_experts = [str(e) for e in roster if isinstance(e, str | int)]
    bundle.panel = meta.fact("panel") or None
    bundle.round = meta.fact("round") or None
    bundle.signature = meta.fact("signature") or None
    conflicts: list[str] = []
    for c in meta.conflicts:
        for v in c[:2]:
            if cell_text(v) and cell_text(v) not in conflicts:
                conflicts.append(cell_text(v))
    bundle.conflicts = conflicts


def _plan(meta: _Meta) -> _Plan:
    return _Plan(
        sheet=meta.fact("scores_sheet") or SCORES,
        header_row=_int(meta.facts.get("header_row")),
        key_col=_int(meta.facts.get("key_col")),
        applicant_col=_int(meta.facts.get("applicant_col")) or APPLICANT_COL,
        parts=[
            _Part(cell_text(p[0]), cell_text(p[1]), _int(p[3]), _int(p[4]), _part_scale(p))
            for p in meta.parts
        ],
        rows=[_Row(_int(r[0]), cell_text(r[1]), cell_text(r[2])) for r in meta.rows],
    )


def _claims(meta: _Meta, version: int, plan: _Plan) -> dict[str, Any]:
    """What the signature covers, rebuilt from ``_meta`` as read back (not from bytes);
    from version 4 each applicant's name too, and the column it is shown in."""
    layout = {"sheet": plan.sheet, "header_row": plan.header_row, "key_col": plan.key_col}
    if version >= 4:
        layout["applicant_col"] = _int(meta.facts.get("applicant_col"))
    return form_claims(
        format=FORMAT,
        version=version,
        round_id=meta.fact("round"),
        panel=meta.fact("panel"),
        expert=meta.fact("expert"),
        framework=meta.fact("framework"),
        parameters_hash=meta.fact("parameters_hash"),
        layout=layout,
        parts=[_part_claim(p, version) for p in plan.parts],
        rows=[_row_claim(r, version) for r in meta.rows],
    )


def _row_claim(r: list[Any], version: int) -> list:
    sha = cell_text(r[6]) if len(r) > 6 else ""
    if version >= 4:
        return [_int(r[0]), cell_text(r[1]), cell_text(r[2]) if len(r) > 2 else "", sha]
    return [_int(r[0]), cell_text(r[1]), sha]


def _part_claim(p: _Part, version: int) -> list:
    """A part as the signature covers it; from version 3 its 满分 and 等级 too."""
    claim: list = [p.id, p.label, p.score_col, p.comment_col]
    if version >= 3:
        claim += [p.scale.full, list(p.scale.grades)]
    return claim


def _scores_grid(
    wb: CalamineWorkbook, src: str, plan: _Plan, meta: _Meta, expert: str | None
) -> list[list[Any]]:
    """The 评分 sheet, once the plan is intact and its columns are where it says."""
    if not expert or not plan.complete() or plan.fingerprint() != meta.fact("fingerprint"):
        raise _Refused(
            src,
            "review_structure",
            f"隐藏的“{META}”工作表已被改动，无法可靠读取评分；请使用原始评分表",
        )
    if plan.sheet not in wb.sheet_names:
        raise _Refused(
            src,
            "review_structure",
            f"找不到“{plan.sheet}”工作表（可能被改名或删除），无法读取评分",
        )
    grid = _sheet(wb, plan.sheet)
    for p in plan.parts:
        found = cell_text(_at(grid, plan.header_row, p.score_col))
        if found != p.label:
            raise _Refused(
                src,
                "review_structure",
                f"评分项列与生成时不一致（应为“{p.label}”，现为“{found}”）："
                "可能插入、删除或移动了列。为避免评分错位，本表评分未读取",
                sheet=plan.sheet,
                cell=f"{get_column_letter(p.score_col)}{plan.header_row}",
            )
    return grid


def _key_cell(plan: _Plan, row: _Row) -> dict[str, str]:
    return {"sheet": plan.sheet, "cell": f"{get_column_letter(plan.key_col)}{row.row}"}


#: the sheets an expert form has, and what ``--xlsm`` adds (``xlsm.OPS_SHEET``, ``CONF_SHEET``)
FORM_SHEETS = frozenset({GUIDE, QUANT, RUBRIC, CALC, META, "评审操作", "xlwings.conf"})


def _shown(src: str, wb: CalamineWorkbook, plan: _Plan) -> Seen:
    """How the scores sheet shows the cells the expert reads and types (what is scored is
    what the expert sees, :mod:`iipeval.excel.cells.visible`); refused whole when the
    scores sheet is hidden, or a sheet the form did not have is there."""
    try:
        return seen(src, wb.sheet_names, plan.sheet, FORM_SHEETS, plan.cells(), what="评分表")
    except Unseen as exc:
        raise _Refused(src, "review_not_seen", str(exc), sheet=exc.sheet) from None


def _read_row(
    src: str, grid: list[list[Any]], plan: _Plan, row: _Row, bundle: ReviewBundle, shown: Seen
) -> tuple[ExpertReview | None, list[Finding]]:
    """One application's scores and comments, when its row still shows its key and its
    name as issued; a score the expert cannot see as stored is refused at its cell."""
    refused = _row_unseen(src, grid, plan, row, shown)
    if refused is not None:
        return None, [refused]
    findings: list[Finding] = []
    entries = []
    for p in plan.parts:
        cell = f"{get_column_letter(p.score_col)}{row.row}"
        raw = _at(grid, row.row, p.score_col)
        problem = shown.problem(cell, raw) if raw is not None else None
        if problem:
            code, what = problem
            findings.append(
                form_error(
                    src,
                    code,
                    f"“{row.applicant}”的“{p.label}”评分格{what}，该项按未评分处理；"
                    + FORM_REMEDY.get(code, REMEDY.get(code, "")),
                    sheet=plan.sheet,
                    cell=cell,
                    indicator=p.id.split(".")[0],
                    item=p.id,
                )
            )
            raw = None
        entries.append((p.id, p.label, raw, p.scale, {"sheet": plan.sheet, "cell": cell}))
    scores, bad = checked_scores(src, row.applicant, entries)
    r = row.row
    comments = {p.id: c for p in plan.parts if (c := cell_text(_at(grid, r, p.comment_col)))}
    review = form_review(bundle.expert, bundle.panel, row.key, scores, comments)
    return review, findings + bad


#: What to do about a score cell the expert cannot see as stored (the organiser reads it).
FORM_REMEDY = {
    "percent_format": "请让专家直接填写分数（如85），不要带 %",
    "formula": "请让专家直接填写分数或等级，不要使用公式",
    "number_format": "请将该格的数字格式恢复为“常规”，由专家核对后重新填写",
}


def _row_unseen(
    src: str, grid: list[list[Any]], plan: _Plan, row: _Row, shown: Seen
) -> Finding | None:
    """Why a row cannot be credited to its application, or ``None``: its key cell moved,
    its name changed since the form was issued, or either is not shown as stored."""
    r = row.row
    found = cell_text(_at(grid, r, plan.key_col))
    if found != row.key:
        return form_error(
            src,
            "review_row_moved",
            f"第{r}行应为“{row.applicant}”（{row.key}），现为“{found or '空白'}”："
            "行被移动、插入或删除，该申报的评分未读取",
            **_key_cell(plan, row),
        )
    name_cell = {"sheet": plan.sheet, "cell": f"{get_column_letter(plan.applicant_col)}{r}"}
    name = cell_text(_at(grid, r, plan.applicant_col))
    if name != row.applicant:
        return form_error(
            src,
            "review_name_changed",
            f"第{r}行的申报单位应为“{row.applicant}”，现为“{name or '空白'}”：名称在下发后被改动，"
            "专家看到的不是该行评分计入的申报，该申报的评分未读取",
            **name_cell,
        )
    for what, where, value in (
        ("申报键", _key_cell(plan, row), _at(grid, r, plan.key_col)),
        ("申报单位", name_cell, _at(grid, r, plan.applicant_col)),
    ):
        problem = shown.problem(where["cell"], value)
        if problem:
            return form_error(
                src,
                "review_row_unseen",
                f"“{row.applicant}”一行的{what}单元格{problem[1]}，专家看到的可能不是该行评分计入的申报，"
                "该申报的评分未读取；请让专家在组织方下发的原评分表上重新填写",
                **where,
            )
    return None


def _part_scale(p: list[Any]) -> PartScale:
    """A part's full mark and grade names, as the meta sheet records them (older workbooks
    without them: 0-100 and the four common grades)."""
    full = p[5] if len(p) > 5 and isinstance(p[5], int | float) and p[5] > 0 else 100.0
    grades: tuple[str, ...] = GRADES
    with contextlib.suppress(ValueError, TypeError, IndexError):
        names = json.loads(p[6])
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            grades = tuple(names)
    return PartScale(float(full), grades)


# --------------------------------------------------------------------------------------
# JSON review files


def read_review_json(path: str | Path, limits: InputLimits | None = None) -> ReviewBundle:
    """A JSON review file: a signed review form (:mod:`iipeval.core.panel.forms`), a list of
    reviews, or ``{"expert": ..., "reviews": [...]}`` (optionally with ``panel``,
    ``framework`` and ``conflicts``); reviews without an ``expert`` take the file's."""
    src = str(Path(path))
    bundle = ReviewBundle(src)
    # read as strictly as an application: a duplicated "expert" or "scores" key, NaN,
    # 1e400, deep nesting and size are refused with their key path, never guessed at
    data, problems = jsonfile.read(Path(path), limits or InputLimits())
    if problems:
        bundle.findings.extend(problems)
        return bundle
    if isinstance(data, dict) and data.get("format") == FORM_FORMAT:
        return read_form(data, src)
    if isinstance(data, dict) and data.get("format") == RECORD_FORMAT:  # renamed, planted
        bundle.findings.append(
            Finding(
                severity=Severity.warning,
                code="panel_record_ignored",
                message="评分表中的评审组登记不予读取（交回评分表的人可以放入或替换它）；"
                "评分表只按 --panel-record 指定的登记核验",
                file=src,
            )
        )
        bundle.refused = True
        return bundle
    defaults: dict[str, Any] = {}
    if isinstance(data, dict):
        if not _file_header(data, bundle):
            return bundle
        defaults = {k: data[k] for k in ("expert", "panel") if data.get(k)}
        data = data.get("reviews")
    if not isinstance(data, list):
        bundle.findings.append(
            form_error(
                src, "bad_field", '评分文件应为评分列表，或 {"expert": ..., "reviews": [...]}'
            )
        )
        return bundle
    for k, entry in enumerate(data):
        _add_review(bundle, k, {**defaults, **entry} if isinstance(entry, dict) else entry)
    _refuse_twice_scored(bundle)
    if bundle.expert is None:
        experts = {r.expert for r in bundle.reviews}
        if len(experts) == 1:
            bundle.expert = experts.pop()
    return bundle


def _refuse_twice_scored(bundle: ReviewBundle) -> None:
    """One expert scoring one application twice in a file: the file is refused (which entry
    counts cannot be told), and the finding names it and the expert, not the applicant."""
    seen: dict[tuple[str, str], int] = {}
    for r in bundle.reviews:
        key = (r.expert, normal_key(r.application))
        seen[key] = seen.get(key, 0) + 1
    twice = [(expert, app) for (expert, app), n in seen.items() if n > 1]
    if not twice:
        return
    expert, _ = twice[0]
    name = next(
        r.application for r in bundle.reviews if (r.expert, normal_key(r.application)) == twice[0]
    )
    bundle.findings.append(
        form_error(
            bundle.source,
            "review_form_duplicate_entry",
            f"专家“{expert}”在该评分文件中对申报“{name}”有{seen[twice[0]]}条评分，"
            "无法确定以哪条为准，整份文件未计入；请改正后重新交回",
        )
    )
    bundle.reviews, bundle.refused = [], True


def _file_header(data: dict[str, Any], bundle: ReviewBundle) -> bool:
    """Take the file's own expert, set and conflicts; ``False`` when they cannot be used."""
    src = bundle.source
    unknown = sorted(set(data) - {"expert", "panel", "framework", "conflicts", "reviews"})
    if unknown:
        bundle.findings.append(
            form_error(
                src,
                "bad_field",
                f"无法识别的键：{'、'.join(unknown)}（可用：expert、panel、framework、conflicts、reviews）",
            )
        )
    for key in ("expert", "panel", "framework"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            bundle.findings.append(form_error(src, "bad_field", f"{key} 应为文本"))
            return False
    bundle.expert = data.get("expert")
    bundle.framework = data.get("framework")
    conflicts = data.get("conflicts") or []
    if not isinstance(conflicts, list) or not all(isinstance(c, str) for c in conflicts):
        bundle.findings.append(form_error(src, "bad_field", "conflicts 应为文本列表"))
        conflicts = []
    bundle.conflicts = conflicts
    return True


def _add_review(bundle: ReviewBundle, k: int, entry: Any) -> None:
    """One entry of an unsigned review list, or a finding saying why it was not read."""
    try:
        bundle.reviews.append(ExpertReview.model_validate(entry))
        return
    except ValidationError as exc:
        errors = exc.errors()
    problems: dict[str, str] = {}
    for err in errors:
        loc = err["loc"]
        if len(loc) >= 2 and loc[0] == "scores":
            problems[f"scores.{loc[1]}"] = (
                f"评分应为0-100的数字或优秀、良好、一般、较差，现为{err['input']!r}"
            )
        else:
            problems.setdefault(".".join(str(x) for x in loc), err["msg"])
    text = "；".join(f"{w}：{m}" if w else m for w, m in problems.items())
    bundle.findings.append(
        form_error(bundle.source, "bad_review", f"第{k + 1}条评分 {text}（该条评分未读取）")
    )


def read_reviews(path: str | Path, limits: InputLimits | None = None) -> ReviewBundle:
    """A review file of either kind, chosen by its suffix."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return read_review_json(path, limits)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_review_workbook(path)
    return ReviewBundle(
        str(path),
        findings=[
            form_error(
                str(path),
                "unsupported",
                f"不支持的评分文件类型“{path.suffix or '无扩展名'}”：请提交专家评分表（.xlsx）或 .json",
            )
        ],
    )
