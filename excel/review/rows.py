"""What goes into the expert workbooks: each application's row, grouped by criteria set.

Prepared once per panel, in worker processes when asked (:mod:`.parallel`): the engine's
quantitative part, the affine form of the total in the expert scores, the fingerprint of
the data the expert is shown. Which rows an expert gets is :func:`split_conflicts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from iipeval.core.analysis.linear import ExpertLinear, expert_linear
from iipeval.core.api import Evaluator, Loaded
from iipeval.core.findings import Severity
from iipeval.core.model.application import Application
from iipeval.core.model.criteria import Framework
from iipeval.core.model.results import Rejected, Result
from iipeval.core.panel.bundle import application_key
from iipeval.core.panel.record import (
    application_sha256,
    normal_key,
)
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.review.parallel import _in_processes, shared


class PanelGenerationError(ValueError):
    """The workbooks cannot be generated as asked; the message says why, in Chinese."""


class OutputExists(PanelGenerationError):
    """A workbook to be written exists already and ``force`` was not given."""


# --------------------------------------------------------------------------------------
# what goes into a workbook


@dataclass
class ReviewRow:
    """One application as the expert sees it: who, the quantitative part, the affine form."""

    key: str
    application: Application
    source: str
    linear: ExpertLinear
    pending: Result  # scored with no reviews: explanations of the quantitative part
    zero_points: dict[str, float]  # indicator id → points with every expert score at 0
    parameters_hash: str
    subtype_name: str | None = None

    @property
    def applicant(self) -> str:
        return self.application.applicant.name

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.error for f in self.pending.findings)

    @cached_property
    def sha256(self) -> str:
        """Fingerprint of the data shown, signed in every form that lists the application."""
        return application_sha256(self.application)


@dataclass
class ReviewSet:
    """Every application of one criteria set going to the panel."""

    framework: Framework
    policy: AggregationPolicy
    parameters_hash: str
    parameters_file: str | None
    rows: list[ReviewRow] = field(default_factory=list)
    _sheets: dict[tuple, Rows] = field(default_factory=dict, init=False, repr=False, compare=False)

    def parts(self) -> list[tuple[str, str, str]]:
        return [
            (pid, f"{ind.name}·{r.label}", ind.id) for pid, ind, r in self.framework.expert_parts()
        ]

    def shared(self, sheet: str, rows: list[ReviewRow], build) -> Rows:
        """The rows of a sheet that depends only on the set and the applications shown
        (定量得分, _calc): built once for every expert who gets those applications."""
        key = (sheet, tuple(r.key for r in rows))
        hit = self._sheets.get(key)
        if hit is None:
            hit = self._sheets[key] = build()
        return hit


def prepare_row(ev: Evaluator, loaded: Loaded, framework: str | None = None) -> ReviewRow:
    """Compute what an application's row shows. Raises ``PanelGenerationError`` when the
    application cannot be scored against its set at all."""
    source = loaded.source
    app = loaded.submission.application
    pending = ev.score_loaded(loaded, framework)  # reader findings count as the data's too
    if isinstance(pending, Rejected):
        raise PanelGenerationError(
            f"{source}: 无法评分：" + "；".join(f.message for f in pending.findings)
        )
    eff = ev.effective(pending.framework, app.subtype)
    try:
        linear = expert_linear(ev, app, pending.framework)
    except ValueError as exc:
        raise PanelGenerationError(f"{source}: {exc}") from None
    return ReviewRow(
        key=application_key(app),
        application=app,
        source=source,
        linear=linear,
        pending=pending,
        zero_points=linear.zero_points,
        parameters_hash=eff.expert_hash(),
        subtype_name=pending.subtype_name,
    )


def prepare(
    ev: Evaluator, loaded: Iterable[Loaded], framework: str | None = None, jobs: int = 1
) -> dict[str, ReviewSet]:
    """Group readable applications by criteria set. Unreadable inputs and duplicate
    application keys refuse the whole run: a workbook missing an application, or holding
    two rows a review cannot tell apart, must not go out to experts. ``jobs`` > 1 computes
    the rows in that many processes."""
    problems: list[str] = []
    sets: dict[str, ReviewSet] = {}
    seen: dict[str, str] = {}
    items = list(loaded)
    readable = [item for item in items if item.submission is not None]
    done = _in_processes(_row, (ev, readable, framework), jobs)
    rows = dict(zip(map(id, readable), done, strict=True))
    for item in items:
        if item.submission is None:
            msgs = "；".join(f.message for f in item.findings) or "无法读取"
            problems.append(f"{item.source}: {msgs}")
            continue
        row = rows[id(item)]
        if isinstance(row, str):
            problems.append(row)
            continue
        if normal_key(row.key) in seen:
            problems.append(
                f"{item.source}: 与 {seen[normal_key(row.key)]} 的申报单位相同（{row.key}），"
                "评分无法区分，请只保留一份"
            )
            continue
        seen[normal_key(row.key)] = item.source
        fw_id = row.pending.framework
        if fw_id not in sets:
            eff = ev.effective(fw_id)
            sets[fw_id] = ReviewSet(
                framework=eff.framework,
                policy=eff.policy,
                parameters_hash=eff.expert_hash(),
                parameters_file=ev.params.source,
            )
        sets[fw_id].rows.append(row)
    if problems:
        raise PanelGenerationError(
            "以下申报无法使用，未生成任何评分表：\n  " + "\n  ".join(problems)
        )
    for rs in sets.values():
        if not rs.parts():
            raise PanelGenerationError(
                f"评价体系 {rs.framework.id}（{rs.framework.name}）没有专家评分项，无需专家评分表"
            )
    return sets


def conflicted(row: ReviewRow, declared: Iterable[str]) -> str | None:
    """The declared entry that puts this application off-limits for the expert, if any."""
    mine = {normal_key(row.key), normal_key(row.applicant)}
    for c in declared:
        if normal_key(c) in mine:
            return c
    return None


@dataclass
class Excluded:
    row: ReviewRow
    declared: str


def split_conflicts(
    rows: Iterable[ReviewRow], declared: Iterable[str]
) -> tuple[list[ReviewRow], list[Excluded]]:
    """The rows an expert may review, and those left out for a declared conflict."""
    declared = list(declared)
    keep, out = [], []
    for r in rows:
        hit = conflicted(r, declared)
        if hit is None:
            keep.append(r)
        else:
            out.append(Excluded(r, hit))
    return keep, out


def _row(k: int) -> ReviewRow | str:
    """The k-th application's row, or why it cannot have one."""
    ev, items, framework = shared()
    try:
        return prepare_row(ev, items[k], framework)
    except PanelGenerationError as exc:
        return str(exc)
