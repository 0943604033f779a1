"""Which returned review forms count: only the panel's experts, only what they were issued.

Every form read back (:class:`~iipeval.core.panel.bundle.ReviewBundle`) is checked against the
panel's record (:mod:`.record`) before any of its scores reach the index the engine
draws from. A refused form or row is an error finding naming its file (and cell), and the
scores in it are not counted: a copy renamed for another expert, a form from another round,
two filled forms of one expert that differ, a row for an application the expert was not
assigned or is recused from. A copy of the filled form, or a blank one, is a notice and the
filled form counts. Without a record (a third party re-scoring, say) forms are taken as
they are and every result says the panel could not be verified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.results import RefusedReview
from iipeval.core.panel.record import PanelRecord, normal_key, signature_valid

if TYPE_CHECKING:
    from iipeval.core.panel.bundle import ReviewBundle

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass
class Admission:
    """The outcome: the bundles whose reviews count, and what was refused and why."""

    bundles: list[ReviewBundle]
    findings: list[Finding] = field(default_factory=list)
    verified: bool = False
    refused: dict[str, list[RefusedReview]] = field(default_factory=dict)  # key → refusals
    record: PanelRecord | None = None


def _error(bundle: ReviewBundle, code: str, message: str, **where) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=bundle.source, **where)


def admit(bundles: list[ReviewBundle], record: PanelRecord | None) -> Admission:
    """Check every bundle against ``record`` (``None``: take them as they are, unverified)."""
    out = Admission(bundles=[], verified=record is not None, record=record)
    refused: dict[str, list[RefusedReview]] = defaultdict(list)

    def refuse_all(bundle: ReviewBundle, code: str, message: str) -> None:
        out.findings.append(_error(bundle, code, message))
        for r in bundle.reviews:
            refused[normal_key(r.application)].append(
                RefusedReview(expert=bundle.expert or "", file=bundle.source, reason=message)
            )

    candidates = []
    for b in sorted(bundles, key=lambda b: b.source):
        if not b.reviews and b.expert is None:
            continue  # unreadable: the reader has said why
        problem = _identity_problem(b, record) if record else None
        if problem:
            refuse_all(b, *problem)
            continue
        if b.refused:
            continue  # refused whole by its reader, which has said why
        candidates.append(b)
    for _, same in one_voice(candidates, _voice):
        chosen = _one_form(_issued_first(same, record), out.findings, refuse_all)
        if chosen is not None and record is not None:
            chosen = _assigned_only(chosen, record, out.findings, refused)
        if chosen is not None:
            out.bundles.append(chosen)
    if record is None and any(b.reviews for b in bundles):
        out.findings.append(_unverified_warning())
    out.refused = dict(refused)
    return out


def _issued_first(same: list[ReviewBundle], record: PanelRecord | None) -> list[ReviewBundle]:
    """An expert's forms, the one under the file name the record issued first: of two
    identical forms, that one is the form and the other the copy."""
    expert = record.expert(same[0].expert) if record else None
    form = expert.form(same[0].framework) if expert else None
    issued = Path(form.file).stem if form else None
    return sorted(same, key=lambda b: Path(b.source).stem != issued)


def one_voice(items: Iterable[T], key: Callable[[T], K]) -> list[tuple[K, list[T]]]:
    """One expert, one voice: every expert's items, in the order experts first appear. An
    expert with one counts; of an expert with several, which is final is not ours to guess
    (review forms here, through :func:`_one_form`; AHP questionnaires in ``weights derive``)."""
    groups: dict[K, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return list(groups.items())


def _voice(b: ReviewBundle) -> tuple:
    """Whose voice a form is: its expert's in one criteria set (a file naming no expert,
    an unsigned list of reviews, speaks for itself)."""
    return (b.expert, b.framework) if b.expert else (b.source,)


def _content(b: ReviewBundle) -> tuple:
    """What a form says, row by row, ignoring rows left blank: two saves of one filled
    form, by different programs, say the same; a blank copy says nothing."""
    rows = []
    for r in b.reviews:
        scores = tuple(sorted((k, v) for k, v in r.scores.items() if v is not None))
        comments = tuple(sorted((k, v) for k, v in r.comments.items() if v))
        if scores or comments:
            rows.append((normal_key(r.application), scores, comments))
    return tuple(sorted(rows))


def _one_form(same: list[ReviewBundle], findings: list[Finding], refuse_all) -> ReviewBundle | None:
    """The one form of an expert (per criteria set) that counts, when there are several.

    A copy identical to the filled form, or a blank one, cannot change a score: it is a
    notice naming it, and the filled form counts (otherwise anyone holding a blank copy
    could void the expert). Filled forms that differ cannot be told apart: each is named,
    none counts until the organiser keeps one."""
    if len(same) == 1:
        return same[0]
    filled = [b for b in same if _content(b)]
    if len({_content(b) for b in filled}) > 1:
        files = "、".join(b.source for b in filled)
        for b in filled:
            refuse_all(
                b,
                "review_duplicate_expert",
                f"专家“{b.expert}”交回了{len(filled)}份内容不同的评分表（{files}），无法确定以哪份为准，"
                "均未计入；请组织方向该专家核实后只保留最终确认的一份",
            )
        chosen = None
    else:
        chosen = filled[0] if filled else same[0]
    for b in same:
        if b is chosen or (b in filled and chosen is None):
            continue
        what = "副本（内容与计入的评分表相同）" if _content(b) else "空白副本（未填写任何评分）"
        counted = f"计入的是 {chosen.source}" if chosen else "该专家的评分表均未计入"
        findings.append(
            Finding(
                severity=Severity.notice,
                code="review_copy",
                file=b.source,
                message=f"该文件是专家“{b.expert}”评分表的{what}，不重复计入；{counted}",
            )
        )
    return chosen


def _unverified_warning() -> Finding:
    """No one checked who filled the forms in: said once, for the whole batch."""
    return Finding(
        severity=Severity.warning,
        code="panel_unverified",
        message="未提供评审组登记（--panel-record），无法核验专家评分表是否由本轮评审组"
        "专家填写；本次结果均标记为“评审组未核验”。请用 --panel-record 指定组织方保存的登记文件",
    )


def _identity_problem(b: ReviewBundle, record: PanelRecord) -> tuple[str, str] | None:
    """Why this form is not one the record issued, or ``None`` when it is."""
    if (b.round, b.panel) != (record.round, record.panel):
        return (
            "review_other_round",
            f"该评分表属于评审轮次“{b.round or '未标明'}”、评审组“{b.panel or '未标明'}”，"
            f"不是本轮（{record.round}，{record.panel}）下发的评分表，评分未计入",
        )
    expert = record.expert(b.expert)
    if expert is None:
        return (
            "review_not_on_panel",
            f"评分表上的专家“{b.expert}”不在本轮评审组名单中（{'、'.join(record.roster())}），"
            "评分未计入",
        )
    if not b.signature:
        return (
            "review_signature",
            "评分表没有签名（不是由 iipeval panel 为本轮下发的评分表，或签名已被删除），评分未计入；"
            "请让专家在组织方下发的原评分表上填写",
        )
    if b.claims is None or not signature_valid(record.secret, b.claims, b.signature):
        return (
            "review_signature",
            "评分表的签名与评审组登记不符：专家编号、申报清单或表格结构在下发后被改动，"
            "或不是本轮下发给该专家的评分表；评分未计入。请让专家在原评分表上填写",
        )
    if expert.form(b.framework) is None:
        return (
            "review_not_assigned",
            f"本轮没有向专家“{b.expert}”下发 {b.framework} 的评分表，评分未计入",
        )
    return None


def _assigned_only(
    b: ReviewBundle,
    record: PanelRecord,
    findings: list[Finding],
    refused: dict[str, list[RefusedReview]],
) -> ReviewBundle:
    """The bundle with only the rows for applications issued to its expert and not among
    the expert's conflicts: a row the record issued is still checked against them (by key
    and by name, after :func:`normal_key`), so a conflict spelt differently when the forms
    were issued does not let the recused expert's scores count."""
    expert = record.expert(b.expert)
    form = expert.form(b.framework) if expert else None
    declared = {normal_key(c) for c in expert.conflicts} if expert else set()
    issued = {
        normal_key(a.key): normal_key(a.applicant) for a in (form.applications if form else ())
    }
    recused = {normal_key(a.key) for a in form.recused} if form else set()
    kept = []
    for r in b.reviews:
        key = normal_key(r.application)
        if key in issued and not {key, issued[key]} & declared:
            kept.append(r)
            continue
        why = "回避" if key in recused or key in declared or key in issued else "未分配"
        code = "review_recused" if why == "回避" else "review_not_assigned"
        message = f"专家“{b.expert}”对申报“{r.application}”的评分未计入：" + (
            "该专家已声明回避该申报" if why == "回避" else "该申报未分配给该专家"
        )
        findings.append(_error(b, code, message, **b.row_where.get(key, {})))
        refused[key].append(RefusedReview(expert=b.expert or "", file=b.source, reason=message))
    return replace(b, reviews=kept)
