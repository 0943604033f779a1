"""Resubmissions compared: what a 补正 fixed, what is still open, what is new, what changed.

Applications are matched across the two rounds by 统一社会信用代码, then by name (a code
that was itself corrected still finds its application), both compared as
:func:`~iipeval.core.text.normal_key` compares them. Two files of one round with one
code are a duplicate, each named and none compared: which one is the application cannot
be told. Any change to an applicant's name or code is marked for attention. Per applicant: the findings fixed,
still open and new, and every value that changed. A change that answers no finding of the
earlier round is marked for attention: an applicant asked to fill in one cell who also
raises a figure nobody asked about is exactly what a reviewer must see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import Applicant, Application
from iipeval.core.model.criteria import Framework
from iipeval.core.model.verified import shown
from iipeval.core.text import normal_key
from iipeval.core.voice import item_labels

#: Who the applicant is: a change to either is always for a reviewer to look at.
IDENTITY = ("applicant.name", "applicant.credit_code")
APPLICANT_LABELS = {
    f"applicant.{name}": (field.description or name)
    for name, field in Applicant.model_fields.items()
}


class ValueChange(BaseModel):
    key: str
    label: str
    old: str
    new: str
    answers_finding: bool  # the earlier round had a finding on this item
    attention: bool  # changed although nobody asked: check it


class ApplicantComparison(BaseModel):
    applicant: str
    key: str
    matched_by: str  # 统一社会信用代码 / 名称
    old_source: str
    new_source: str
    fixed: list[Finding]
    still_open: list[Finding]
    new: list[Finding]
    changes: list[ValueChange]
    #: data-item id → Chinese label, to name a problem with no cell (not part of the JSON)
    item_labels: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def attention(self) -> list[ValueChange]:
        return [c for c in self.changes if c.attention]

    @property
    def resolved(self) -> bool:
        return not any(f.severity is Severity.error for f in [*self.still_open, *self.new])

    @property
    def verdict(self) -> str:
        """The conclusion a clerk reads: "fixed" only where something was asked and done."""
        if not self.resolved:
            return "仍有问题"
        if self.fixed:
            return "已全部改正"
        return "原无问题，本次有数值变化" if self.changes else "原无问题，无变化"


class Unmatched(BaseModel):
    source: str
    applicant: str | None
    findings: list[Finding] = []


class Duplicate(BaseModel):
    """Files of one round that carry one 统一社会信用代码: which is the application cannot
    be told, so none is compared, and each is named."""

    round: str  # 原 / 新
    credit_code: str
    files: list[Unmatched]


class Comparison(BaseModel):
    applicants: list[ApplicantComparison]
    only_old: list[Unmatched]  # not resubmitted
    only_new: list[Unmatched]  # new applications, or no earlier version found
    unreadable: list[Unmatched] = []
    duplicates: list[Duplicate] = []

    @property
    def resolved(self) -> bool:
        return (
            all(a.resolved for a in self.applicants) and not self.unreadable and not self.duplicates
        )


@dataclass(frozen=True)
class Version:
    """One application as one round had it: what was read, and what was found."""

    source: str
    application: Application | None
    framework: Framework | None
    findings: Sequence[Finding]


def _identity(f: Finding) -> tuple[str, str]:
    """What makes two rounds' findings the same problem: the item and the kind, not the
    wording (the wording carries the value, which the resubmission changed)."""
    return (f.item or f.cell or f.message, f.code)


def _asked(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is not Severity.notice]


def _values(v: Version) -> dict[str, tuple[str, str]]:
    """key → (label, value as shown) of everything the applicant supplied."""
    app, fw = v.application, v.framework
    out: dict[str, tuple[str, str]] = {}
    if app is None:
        return out
    for key, label in APPLICANT_LABELS.items():
        out[key] = (label, shown(getattr(app.applicant, key.removeprefix("applicant."))))
    out["subtype"] = ("申报类型", shown(app.subtype))
    items = fw.item_map() if fw else {}
    for key in [*items, *(k for k in app.items if k not in items)]:
        label = items[key].label if key in items else key
        out[key] = (label, shown(app.items.get(key)))
    for key, text in app.evidence.items():
        label = items[key].label if key in items else key
        out[f"evidence:{key}"] = (f"佐证材料（{label}）", text)
    return out


def compare_pair(old: Version, new: Version) -> tuple[list, list, list, list[ValueChange]]:
    before = {_identity(f): f for f in _asked(old.findings)}
    after = {_identity(f): f for f in _asked(new.findings)}
    fixed = [f for k, f in before.items() if k not in after]
    still = [f for k, f in after.items() if k in before]
    fresh = [f for k, f in after.items() if k not in before]
    asked = {f.item for f in before.values() if f.item}
    a, b = _values(old), _values(new)
    changes = []
    for key in [*a, *(k for k in b if k not in a)]:
        label, was = a.get(key, b.get(key))[0], a.get(key, ("", "未填写"))[1]
        now = b.get(key, (label, "未填写"))[1]
        if was == now:
            continue
        item = key.removeprefix("evidence:")
        answers = key in asked or (key.startswith("evidence:") and item in asked)
        changes.append(
            ValueChange(
                key=key,
                label=label,
                old=was,
                new=now,
                answers_finding=answers,
                # who the applicant is: a reviewer looks at every change, asked for or not
                attention=not answers or key in IDENTITY,
            )
        )
    return fixed, still, fresh, changes


def _code(v: Version) -> str:
    """The credit code as shown (upper case); compared through :func:`normal_key`."""
    if v.application is None:
        return ""
    return (v.application.applicant.credit_code or "").strip().upper()


def _name(v: Version) -> str:
    return v.application.applicant.name.strip() if v.application else ""


def _duplicates(versions: list[Version], side: str) -> tuple[list[Version], list[Duplicate]]:
    """The versions whose code no other version of the round shares, and the groups that
    share one (each named, none compared)."""
    by_code: dict[str, list[Version]] = {}
    for v in versions:
        by_code.setdefault(normal_key(_code(v)), []).append(v)
    kept, groups = [], []
    for code, same in by_code.items():
        if code and len(same) > 1:
            files = [Unmatched(source=v.source, applicant=_name(v)) for v in same]
            groups.append(Duplicate(round=side, credit_code=_code(same[0]), files=files))
        else:
            kept.extend(same)
    return [v for v in versions if v in kept], groups


def compare(old: Sequence[Version], new: Sequence[Version]) -> Comparison:
    """Match the two rounds' applications and compare each pair."""
    unreadable = [
        Unmatched(source=v.source, applicant=None, findings=list(v.findings))
        for v in [*old, *new]
        if v.application is None
    ]
    left, old_twice = _duplicates([v for v in old if v.application is not None], "原")
    right, new_twice = _duplicates([v for v in new if v.application is not None], "新")
    twice = {normal_key(d.credit_code) for d in [*old_twice, *new_twice]}
    left = [v for v in left if normal_key(_code(v)) not in twice]  # named with the group
    right = [v for v in right if normal_key(_code(v)) not in twice]
    pairs: list[tuple[Version, Version, str]] = []
    for how, key in (("统一社会信用代码", _code), ("名称", _name)):
        for n in list(right):
            k = normal_key(key(n))
            match = next((o for o in left if k and normal_key(key(o)) == k), None)
            if match is not None:
                pairs.append((match, n, how))
                left.remove(match)
                right.remove(n)
    out = []
    for o, n, how in sorted(pairs, key=lambda p: p[1].source):
        fixed, still, fresh, changes = compare_pair(o, n)
        out.append(
            ApplicantComparison(
                applicant=_name(n),
                key=_code(n) or _name(n),
                matched_by=how,
                old_source=o.source,
                new_source=n.source,
                fixed=fixed,
                still_open=still,
                new=fresh,
                changes=changes,
                item_labels=item_labels(n.framework) if n.framework else {},
            )
        )
    return Comparison(
        applicants=out,
        only_old=[Unmatched(source=v.source, applicant=_name(v)) for v in left],
        only_new=[Unmatched(source=v.source, applicant=_name(v)) for v in right],
        unreadable=unreadable,
        duplicates=[*old_twice, *new_twice],
    )


def comparison_json(c: Comparison) -> dict[str, Any]:
    data = c.model_dump(mode="json")
    for entry, model in zip(data["applicants"], c.applicants, strict=True):
        entry["resolved"] = model.resolved
        entry["attention"] = [x.model_dump(mode="json") for x in model.attention]
    data["resolved"] = c.resolved
    return data
