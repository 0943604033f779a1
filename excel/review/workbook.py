"""Generate expert scoring workbooks (专家评分表): one per expert of a panel.

Each row is one application. The quantitative part is computed by the engine and written
as read-only values with their explanations; the expert types a 0-100 score or a grade
band (优秀/良好/一般/较差) for each qualitative part. A native formula shows that
expert's total as they type, from the affine form in :mod:`iipeval.core.analysis.linear`
(``total = constant + Σ coefficient × score``), with no Python and no macros, in Excel,
WPS and LibreOffice alike. Nothing here scores: the numbers come from the core.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.protection import WorkbookProtection

from iipeval.core import __version__
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.panel.entry import part_scales
from iipeval.core.panel.forms import issue_form
from iipeval.core.panel.record import (
    Assignment,
    IssuedForm,
    PanelRecord,
    RecordExpert,
    new_key,
)
from iipeval.core.panel.roster import Panel, PanelExpert, file_name, summary_expert
from iipeval.excel.cells.sheetwrite import Book
from iipeval.excel.review import parallel
from iipeval.excel.review.formulas import NOT_LINEAR, grade_formula, valid_formula
from iipeval.excel.review.guide_sheet import _guide_sheet, _rubric_sheet
from iipeval.excel.review.layout import (
    CALC,
    GUIDE,
    META,
    QUANT,
    RUBRIC,
    SCORES,
    score_columns,
)
from iipeval.excel.review.meta_sheet import _meta_sheet, fingerprint
from iipeval.excel.review.parallel import _in_processes
from iipeval.excel.review.quant_sheet import _quant_sheet
from iipeval.excel.review.rows import (
    Excluded,
    OutputExists,
    PanelGenerationError,
    ReviewRow,
    ReviewSet,
    conflicted,
    prepare,
    prepare_row,
    split_conflicts,
)
from iipeval.excel.review.scores_sheet import _calc_rows, _scores_sheet
from iipeval.present.atomic import write_atomic


def build_workbook(
    rs: ReviewSet,
    panel_id: str,
    expert: PanelExpert,
    rows: list[ReviewRow] | None = None,
    excluded: list[Excluded] | None = None,
    roster: list[str] | None = None,
    *,
    round_id: str = "",
    key: bytes | None = None,
) -> Workbook:
    """One expert's workbook for the applications of one set they may review.

    ``roster`` lists every expert of the panel who gets a workbook for this set, so the
    batch can name an expert whose workbook never came back. ``key`` is the round's
    secret (:mod:`iipeval.core.panel.record`): the workbook is signed with it, and never
    holds it.
    """
    if rows is None:
        rows, excluded = split_conflicts(rs.rows, expert.conflicts)
    excluded = excluded or []
    fw = rs.framework
    cols = score_columns(rs.parts(), has_subtype=bool(fw.subtypes))
    wb = Book()
    wb.remove(wb.active)
    guide = wb.create_sheet(GUIDE)
    scores = wb.create_sheet(SCORES)
    quant = wb.create_sheet(QUANT)
    rubric = wb.create_sheet(RUBRIC)
    calc = wb.create_sheet(CALC)
    meta = wb.create_sheet(META)

    _guide_sheet(guide, rs, panel_id, expert, rows, excluded, cols)
    _scores_sheet(scores, rs, panel_id, expert, rows, cols)
    rs.shared(CALC, rows, lambda: _calc_rows(rs, rows, cols)).attach(calc)
    _quant_sheet(quant, rs, rows)
    _rubric_sheet(rubric, rs)
    _meta_sheet(
        meta, rs, panel_id, expert, rows, excluded, cols, roster or [expert.id], round_id, key
    )

    for ws in (calc, meta):
        ws.sheet_state = "hidden"
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.formatColumns = False  # widening a column or row stays allowed
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = wb.worksheets.index(scores) if rows else 0
    wb.calculation.fullCalcOnLoad = True
    return wb


# --------------------------------------------------------------------------------------
# a panel: one workbook per expert (per criteria set)


@dataclass
class Written:
    path: Path
    expert: PanelExpert
    framework: str
    rows: int
    excluded: list[Excluded]


@dataclass
class PanelPlan:
    """What :func:`plan_panel` decided: the files to write and what to tell the user."""

    outputs: list[tuple[Path, ReviewSet, PanelExpert, list[ReviewRow], list[Excluded]]]
    notes: list[str] = field(default_factory=list)


def plan_panel(
    sets: dict[str, ReviewSet], panel: Panel, outdir: Path, framework_filter: str | None = None
) -> PanelPlan:
    """Decide which workbooks to write. Several criteria sets give one workbook per expert
    per set (their parts differ, so they cannot share columns); the set id then joins the
    file name."""
    notes: list[str] = []
    wanted = framework_filter or panel.framework
    if wanted:
        skipped = {k: v for k, v in sets.items() if k != wanted}
        for fw_id, rs in skipped.items():
            notes.append(
                f"评审组只评 {wanted}，跳过 {len(rs.rows)} 份 {fw_id} 申报："
                + "、".join(r.source for r in rs.rows)
            )
        sets = {k: v for k, v in sets.items() if k == wanted}
        if not sets:
            raise PanelGenerationError(f"没有评价体系为 {wanted} 的申报，未生成评分表")
    several = len(sets) > 1
    outputs = []
    all_rows = [r for rs in sets.values() for r in rs.rows]
    for expert in panel.experts:
        for c in expert.conflicts:
            if not any(conflicted(r, [c]) for r in all_rows):
                notes.append(f"专家 {expert.id} 声明的回避对象“{c}”不在本批申报中")
        for fw_id, rs in sorted(sets.items()):
            rows, excluded = split_conflicts(rs.rows, expert.conflicts)
            if not rows:
                notes.append(
                    f"专家 {expert.id} 与全部 {fw_id} 申报均需回避，未生成该专家的 {fw_id} 评分表"
                )
                continue
            path = outdir / file_name(panel.id, expert.id, fw_id if several else None)
            outputs.append((path, rs, expert, rows, excluded))
    return PanelPlan(outputs, notes)


def save_atomic(wb: Workbook, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename over it in one step."""
    write_atomic(path, wb.save, force=True)


def generate_panel(
    ev: Evaluator,
    loaded: Iterable[Loaded],
    panel: Panel,
    outdir: str | Path,
    *,
    framework: str | None = None,
    force: bool = False,
    issued_suffix: str = ".xlsx",
    forms: str = "xlsx",
    jobs: int = 1,
    staged: bool = False,
    meeting: bool = False,
) -> tuple[list[Written], list[str], PanelRecord]:
    """Write one signed workbook per expert into ``outdir``; return what was written, notes,
    and the round's record (with its new key), which the caller keeps for the organiser.

    ``framework`` scores every application against that set (as ``iipeval score`` does);
    the panel file's own ``framework`` keeps only applications of that set.
    ``issued_suffix`` is the suffix the forms will finally carry (``.xlsm`` when converted);
    ``forms="json"`` issues signed JSON forms (:mod:`iipeval.core.panel.forms`) instead.
    ``jobs`` > 1 builds the workbooks in that many processes (the same bytes either way).
    ``staged``: ``outdir`` is a scratch folder whose files the caller commits as a set
    (``iipeval panel``'s output set), so each workbook is saved as is, not synced to disk
    and renamed into place on its own. ``meeting``: a 会议评审, one summary form per set for
    the panel's agreed figures (:mod:`.meeting`) instead of a form per expert.
    """
    outdir = Path(outdir)
    sets = prepare(ev, loaded, framework, jobs)
    if not sets:
        raise PanelGenerationError("没有可用的申报")
    issuing = panel.model_copy(update={"experts": [summary_expert()]}) if meeting else panel
    plan = plan_panel(sets, issuing, outdir, panel.framework)
    if forms == "json":
        plan.outputs = [(p.with_suffix(".json"), *rest) for p, *rest in plan.outputs]
        issued_suffix = ".json"
    if not force:
        existing = [str(p) for p, *_ in plan.outputs if p.exists()]
        if existing:
            raise OutputExists(f"评分表已存在：{'、'.join(existing)}；如需覆盖，请加 --force")
    outdir.mkdir(parents=True, exist_ok=True)
    round_id = panel.round or f"R{secrets.token_hex(4)}"
    key = new_key()
    issue = _Issue(panel.id, round_id, key, forms, issued_suffix)
    written, issued, workbooks = _issue_all(plan, issue)
    _in_processes(_write_workbook, (staged, workbooks), jobs)
    record = PanelRecord(
        round=round_id,
        panel=panel.id,
        key=key,
        tool_version=__version__,
        experts=[
            RecordExpert(
                id=e.id, name=e.name, conflicts=list(e.conflicts), forms=issued.get(e.id, [])
            )
            for e in [*panel.experts, *(issuing.experts if meeting else [])]
        ],
    )
    return written, [*plan.notes, *_data_notes(sets)], record


def _data_notes(sets: dict[str, ReviewSet]) -> list[str]:
    """Applications issued with errors still to be corrected: their figures may change."""
    return [
        f"{r.source}：申报数据有{r.errors}处错误待补正，评分表中的定量得分按现有数据计算"
        for rs in sets.values()
        for r in rs.rows
        if r.errors
    ]


@dataclass(frozen=True)
class _Issue:
    """What every form of one round carries: panel, round, key, and how it goes out."""

    panel: str
    round_id: str
    key: str
    forms: str
    suffix: str


def _issue_all(plan: PanelPlan, issue: _Issue) -> tuple[list[Written], dict, list[tuple]]:
    """Each planned form: a JSON form written now, a workbook queued for the workers;
    what was written, what the record says each expert was issued, the workbooks' work."""
    written = []
    rosters: dict[str, list[str]] = {}
    for _, rs, expert, *_ in plan.outputs:
        rosters.setdefault(rs.framework.id, []).append(expert.id)
    issued: dict[str, list[IssuedForm]] = {}
    workbooks: list[tuple] = []
    for path, rs, expert, rows, excluded in plan.outputs:
        if issue.forms == "json":
            _write_json_form(path, rs, expert, rows, issue)
        else:
            roster = rosters[rs.framework.id]
            workbooks.append(
                (path, rs, issue.panel, expert, rows, excluded, roster, issue.round_id, issue.key)
            )
        written.append(Written(path, expert, rs.framework.id, len(rows), excluded))
        issued.setdefault(expert.id, []).append(
            IssuedForm(
                framework=rs.framework.id,
                file=path.with_suffix(issue.suffix).name,
                applications=[_assignment(r) for r in rows],
                recused=[_assignment(e.row) for e in excluded],
            )
        )
    return written, issued, workbooks


def _write_json_form(path: Path, rs: ReviewSet, expert, rows, issue: _Issue) -> None:
    form = issue_form(
        key=bytes.fromhex(issue.key),
        round_id=issue.round_id,
        panel=issue.panel,
        expert=expert.id,
        expert_name=expert.name,
        framework=rs.framework.id,
        parameters_hash=rs.parameters_hash,
        parts=[(pid, label) for pid, label, _ in rs.parts()],
        applications=[_assignment(r) for r in rows],
        scales=part_scales(rs.framework, rs.policy.grade_scores),
    )
    text = json.dumps(form, ensure_ascii=False, indent=2) + "\n"
    write_atomic(path, lambda p, t=text: p.write_text(t, "utf-8"), force=True)


def _write_workbook(k: int) -> None:
    """Build and save the k-th expert workbook (each is independent of the others)."""
    staged, work = parallel.shared()
    path, rs, panel_id, expert, rows, excluded, roster, round_id, key = work[k]
    wb = build_workbook(
        rs, panel_id, expert, rows, excluded, roster, round_id=round_id, key=bytes.fromhex(key)
    )
    if staged:  # the caller's output set makes it durable
        wb.save(path)
    else:
        save_atomic(wb, path)


def _assignment(row: ReviewRow) -> Assignment:
    return Assignment(key=row.key, applicant=row.applicant, application_sha256=row.sha256)


__all__ = [  # what tests and the CLI import from here, wherever it lives now
    "NOT_LINEAR",
    "OutputExists",
    "PanelGenerationError",
    "ReviewRow",
    "ReviewSet",
    "build_workbook",
    "fingerprint",
    "generate_panel",
    "grade_formula",
    "plan_panel",
    "prepare",
    "prepare_row",
    "save_atomic",
    "valid_formula",
]
