"""Which returned review forms count: only the panel's experts, only what they were issued.

Every form read back (:class:`~iipeval.core.panel.bundle.ReviewBundle`) is checked against the
panel's record (:mod:`.panel_record`) before any of its scores reach the index the engine
draws from. A refused form or row is an error finding naming its file (and cell), and the
scores in it are not counted: a copy renamed for another expert, a form from another round,
two forms for one expert, a row for an application the expert was not assigned or is
recused from. Without a record (a third party re-scoring, say) forms are taken as they are
and every result says the panel could not be verified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
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
    if record is None:
        return _unverified(bundles)
    out = Admission(bundles=[], verified=True, record=record)
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
        problem = _identity_problem(b, record)
        if problem:
            refuse_all(b, *problem)
            continue
        candidates.append(b)

    for (expert, _), same in one_voice(candidates, lambda b: (b.expert, b.framework)):
        if len(same) > 1:
            files = "、".join(b.source for b in same)
            for b in same:
                refuse_all(
                    b,
                    "review_duplicate_expert",
                    f"专家“{expert}”交回了{len(same)}份评分表（{files}），无法确定以哪份为准，"
                    "均未计入；请只保留该专家最终确认的一份",
                )
            continue
        out.bundles.append(_assigned_only(same[0], record, out.findings, refused))
    out.refused = dict(refused)
    return out


def one_voice(items: Iterable[T], key: Callable[[T], K]) -> list[tuple[K, list[T]]]:
    """One expert, one voice: every expert's items, in the order experts first appear. An
    expert with one counts; an expert with several has none counted, since which is final
    is not ours to guess (review forms here, AHP questionnaires in ``weights derive``)."""
    groups: dict[K, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return list(groups.items())


def _unverified(bundles: list[ReviewBundle]) -> Admission:
    """Every form as it is, and one warning that says no one checked who filled them in."""
    out = Admission(bundles=list(bundles), verified=False)
    if any(b.reviews for b in bundles):
        out.findings.append(
            Finding(
                severity=Severity.warning,
                code="panel_unverified",
                message="未提供评审组登记（panel-record.json），无法核验专家评分表是否由本轮评审组"
                "专家填写；本次结果均标记为“评审组未核验”。请用 --panel-record 指定组织方保存的登记文件",
            )
        )
    return out


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
    """The bundle with only the rows for applications issued to its expert."""
    expert = record.expert(b.expert)
    form = expert.form(b.framework) if expert else None
    issued = {normal_key(a.key) for a in form.applications} if form else set()
    recused = {normal_key(a.key) for a in form.recused} if form else set()
    kept = []
    for r in b.reviews:
        key = normal_key(r.application)
        if key in issued:
            kept.append(r)
            continue
        why = (
            "回避"
            if key in recused or key in {normal_key(c) for c in expert.conflicts}
            else "未分配"
        )
        code = "review_recused" if why == "回避" else "review_not_assigned"
        message = f"专家“{b.expert}”对申报“{r.application}”的评分未计入：" + (
            "该专家已声明回避该申报" if why == "回避" else "该申报未分配给该专家"
        )
        findings.append(_error(b, code, message, **b.row_where.get(key, {})))
        refused[key].append(RefusedReview(expert=b.expert or "", file=b.source, reason=message))
    return replace(b, reviews=kept)
