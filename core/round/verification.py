"""调研核查: figures verified on site replace the declared ones, and the change is shown.

A 核查表 (read by :mod:`iipeval.excel.verification.sheet`) gives, per data item, the value the
verifiers found, their evidence, who verified it and when. Scoring with it scores the
application twice, with the declared and with the verified values, and keeps the second
with a :class:`VerificationReport`: every value side by side, every indicator whose points
changed and the change in the total. A verified value without a verifier or a date is not
used (an unattributed change must not move a public ranking), and an indicator that used a
verified value says so in its explanation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from iipeval.core.explain import Explanation
from iipeval.core.findings import Finding, Severity
from iipeval.core.model.verified import (
    IndicatorChange,
    Verification,
    VerificationReport,
    VerifiedValue,
    shown,
)
from iipeval.core.panel.record import PanelRecord, normal_key
from iipeval.core.round.site_checks import Ledger, refusal
from iipeval.core.text import fmt

if TYPE_CHECKING:  # pragma: no cover
    from iipeval.core.api import Loaded
    from iipeval.core.model.application import Application
    from iipeval.core.model.results import Rejected, Result


def _items_used(trace: Explanation) -> set[str]:
    out = set(trace.inputs)
    for c in trace.components:
        out |= _items_used(c)
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def apply(
    loaded: Loaded, verification: Verification, score: Callable[[Loaded], Result | Rejected]
) -> Result | Rejected:
    """Score ``loaded`` with the verified values of ``verification``; report the change."""
    from iipeval.core.api import Loaded as _Loaded
    from iipeval.core.model.results import Rejected as _Rejected

    declared = score(loaded)
    if isinstance(declared, _Rejected) or loaded.submission is None:
        return declared
    sub = loaded.submission
    app = sub.application
    notes: list[Finding] = list(verification.findings)
    if verification.framework and verification.framework != app.framework:
        notes.append(
            _warn(
                verification,
                "verification_framework",
                f"核查表对应的评价体系为{verification.framework}，与申报（{app.framework}）不同，未采用",
            )
        )
        return declared.model_copy(update={"findings": [*declared.findings, *notes]})
    items, fields, used = _verified_items(app, verification, notes)
    if not used:
        return declared.model_copy(update={"findings": [*declared.findings, *notes]})
    applicant = app.applicant.model_validate({**app.applicant.model_dump(), **fields})
    new_app = app.model_copy(update={"items": items, "applicant": applicant})
    again = _Loaded(
        loaded.source,
        sub.model_copy(update={"application": new_app}),
        loaded.findings,
        loaded.locations,
        loaded.rejected,
    )
    verified = score(again)
    if isinstance(verified, _Rejected):  # pragma: no cover - the same application, re-valued
        return declared
    return _reported(declared, verified, verification, used, notes)


def _reported(
    declared: Result,
    verified: Result,
    verification: Verification,
    used: list[VerifiedValue],
    notes: list[Finding],
) -> Result:
    """The verified result, with the values used side by side, every indicator whose
    points moved, and a notice that says so."""
    indicators, changes = _changes(declared, verified, used)
    report = VerificationReport(
        source=verification.source,
        source_sha256=verification.source_sha256,
        values=used,
        indicators=changes,
        declared_total=declared.total,
        verified_total=verified.total,
        change=_diff(declared.total, verified.total),
        declared_secured=declared.secured,
        verified_secured=verified.secured,
    )
    summary = Finding(
        severity=Severity.notice,
        code="verified",
        file=verification.source,
        message=f"已按调研核查表计分：{len(used)}项采用核查值（"
        + "、".join(v.label for v in used)
        + "），其余采用申报值"
        + (f"；总分由{fmt(declared.total)}变为{fmt(verified.total)}" if report.change else ""),
    )
    return verified.model_copy(
        update={
            "indicators": indicators,
            "findings": [*verified.findings, summary, *notes],
            "verification": report,
        }
    )


#: a 核查表 row for the applicant's 基本信息 (``applicant.credit_code``), not a data item
APPLICANT = "applicant."


def _verified_items(
    app: Application, verification: Verification, notes: list[Finding]
) -> tuple[dict[str, Any], dict[str, str], list[VerifiedValue]]:
    """The application's items with each verified value in place, the 基本信息 fields
    verified (a credit code corrected on site is the one validated and checked against
    the 否决项), and the values used (with the value declared now). A sheet made before
    the application changed still counts, with a warning: what was verified on site is
    what is scored."""
    items = dict(app.items)
    fields: dict[str, str] = {}
    used: list[VerifiedValue] = []
    for v in verification.values:
        field = v.item.removeprefix(APPLICANT) if v.item.startswith(APPLICANT) else None
        if field is not None and field not in type(app.applicant).model_fields:
            continue
        current = getattr(app.applicant, field) if field else items.get(v.item)
        if shown(current) != shown(v.declared):
            notes.append(
                _warn(
                    verification,
                    "verification_stale",
                    f"{v.label}：核查表记录的申报值为{shown(v.declared)}，现申报值为{shown(current)}"
                    "（核查表生成后申报已修改），仍按核查值计分，请核实",
                    v.cell,
                )
            )
        if field:
            fields[field] = str(v.verified)
        else:
            items[v.item] = v.verified
        used.append(v.model_copy(update={"declared": current}))
    return items, fields, used


def _changes(
    declared: Result, verified: Result, used: list[VerifiedValue]
) -> tuple[list, list[IndicatorChange]]:
    """The verified indicators, each that read a verified value saying so in its
    explanation, and every indicator or 加分/扣分项 whose points moved or that read one."""
    before = {i.id: i for i in declared.indicators}
    by_item = {v.item: v for v in used}
    changes, indicators = [], []
    for ind in verified.indicators:
        old = before.get(ind.id)
        touched = sorted(_items_used(ind.trace) & set(by_item), key=list(by_item).index)
        if touched:
            said = "；".join(
                f"{by_item[i].label}按核查值{shown(by_item[i].verified)}计"
                f"（申报值{shown(by_item[i].declared)}，核查人{by_item[i].verifier}，"
                f"{by_item[i].date:%Y-%m-%d}）"
                for i in touched
            )
            # said in the trace itself, which the explanation and the JSON are read from
            note = f"〔调研核查〕{said}。"
            trace = ind.trace.model_copy(update={"text": note + ind.trace.text})
            ind = ind.model_copy(update={"trace": trace, "explanation": note + ind.explanation})
        indicators.append(ind)
        old_points = old.points if old else None
        if touched or (old_points or 0) != (ind.points or 0):
            changes.append(_change(ind, old_points))
    earlier = {a.id: a for a in declared.adjustments}
    for adj in verified.adjustments:  # 加分项 / 扣分项 move with the figures too
        was = earlier[adj.id].points if adj.id in earlier else None
        if _items_used(adj.trace) & set(by_item) or (was or 0) != (adj.points or 0):
            changes.append(_change(adj, was))
    return indicators, changes


def _change(node, declared_points: float | None) -> IndicatorChange:
    return IndicatorChange(
        id=node.id,
        name=node.name,
        declared_points=declared_points,
        verified_points=node.points,
        change=_diff(declared_points, node.points),
    )


def _warn(v: Verification, code: str, message: str, cell: str | None = None) -> Finding:
    return Finding(
        severity=Severity.warning,
        code=code,
        message=message,
        file=v.source,
        sheet="核查表" if cell else None,
        cell=cell,
    )


def admit(
    read: Iterable[tuple[str, Verification | str]], record: PanelRecord, ledger: Ledger
) -> tuple[dict[str, Verification], list[Finding]]:
    """Which 核查表 count, by normalised application key, and the batch's findings.

    ``read`` gives each file with what was read from it, or why it could not be read. A
    sheet counts only when the round issued it (:func:`.site_checks.refusal`): a forged,
    retargeted or unissued one is an error naming it. A sheet nobody filled in is named
    (it was passed to be used), and two sheets for one application are both set aside:
    neither may silently win.
    """
    by_key: dict[str, Verification] = {}
    findings: list[Finding] = []

    def note(severity: Severity, code: str, path: str, message: str) -> None:
        findings.append(Finding(severity=severity, code=code, file=path, message=message))

    for path, v in read:
        if isinstance(v, str):
            note(Severity.error, "verification_unreadable", path, v)
            continue
        if not v.values:  # nothing usable: its findings are the batch's, not an application's
            findings.extend(v.findings)
            if not v.findings:
                note(
                    Severity.notice,
                    "verification_empty",
                    path,
                    f"“{v.applicant or '申报单位不明'}”的核查表未填写任何核查值，该申报按填报数据评分",
                )
            continue
        why = refusal(v, record, ledger)
        if why:
            note(Severity.error, "verification_not_issued", path, why)
            continue
        key = normal_key(v.key)
        if key in by_key:
            note(
                Severity.error,
                "verification_duplicate",
                path,
                f"“{v.applicant}”有两份核查表（{by_key[key].source}、{path}），均未采用",
            )
            by_key[key] = by_key[key].model_copy(update={"values": []})
            continue
        by_key[key] = v
    return by_key, findings
