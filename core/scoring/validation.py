"""Validation: turn raw answers into typed :class:`Answer` objects, with findings.

Every problem becomes a finding located at its data item; nothing here raises for bad
input. Readers (workbooks) attach the file, sheet and cell afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import Applicant, Application, NotApplicable
from iipeval.core.model.criteria import DataItem, Framework
from iipeval.core.rules import Answer
from iipeval.core.rules.base import MISSING
from iipeval.core.scoring.normalize import fraction_warning, read_number
from iipeval.core.text import fmt, unseen_characters

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why a 统一社会信用代码 is not valid (GB 32100-2015), or ``None`` when it is."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，现为{len(code)}位"
    bad = [c for c in code if c not in CREDIT_CODE_CHARS]
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(dict.fromkeys(bad))}（不使用I、O、Z、S、V）"
    if code[-1] != credit_code_check_char(code[:17]):
        # never the expected character: an applicant told it would change only the last
        # one of a wrong code, and the code would then pass while naming someone else
        return "统一社会信用代码校验不通过，请按营业执照逐位核对全部18位"
    return None


@dataclass(frozen=True)
class ApplicationView:
    """What a plugin validator or exclusion check sees: typed answers, never raw cells."""

    framework: Framework
    subtype: str | None
    applicant: Applicant
    answers: Mapping[str, Answer]

    def answer(self, item: str) -> Answer:
        return self.answers.get(item, MISSING)

    def item_number(self, item: str) -> float | None:
        """Look up the item's numeric value: ``None`` when missing, 不适用 or invalid."""
        a = self.answer(item)
        if not a.usable or isinstance(a.value, str):
            return None
        return float(a.value)

    #: The name plugins written before ``item_number`` use; kept so they keep working.
    number = item_number

    def label(self, item: str) -> str:
        return self.framework.item_map()[item].label


Check = Callable[[ApplicationView], Iterable[Finding]]


@dataclass(frozen=True)
class PluginValidator:
    plugin: str
    framework: str
    check: Check
    items: tuple[str, ...]
    code: str
    description: str = ""


@dataclass
class Validated:
    answers: dict[str, Answer] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _error(code: str, message: str, item: str | None = None, sev=Severity.error) -> Finding:
    return Finding(severity=sev, code=code, message=message, item=item)


def _number_text(item: DataItem, raw: str) -> tuple[Answer, list[Finding]]:
    """A number written as text ("1,200", "1.2万", "约1000") in a JSON application: read
    by the rules a workbook cell is read by, so the same text is accepted or refused the
    same way, with the same words, whichever file it came in."""
    reading = read_number(item, raw)
    if isinstance(reading.value, NotApplicable):  # JSON states 不适用 as {"na": true, …}
        return Answer("invalid"), [
            _error(
                "not_number",
                f'{item.label}应为数值；不适用请写作 {{"na": true, "reason": "…"}}',
                item.id,
            )
        ]
    said = reading.finding(item.id)
    if reading.error:
        return Answer("invalid"), [said]
    answer, findings = coerce(item, reading.value, read=True)
    return answer, ([said] if said else []) + findings


def coerce(item: DataItem, raw: Any, *, read: bool = False) -> tuple[Answer, list[Finding]]:
    """Check one raw answer against its item definition (``read``: a text already read by
    :func:`read_number`, which said what it had to say of it)."""
    if raw is None:
        if item.required:
            return MISSING, [_error("missing", f"{item.label}为必填项，尚未填写", item.id)]
        return MISSING, []
    if isinstance(raw, NotApplicable):
        if item.allow_na:
            return Answer("na"), []
        return Answer("invalid"), [
            _error(
                "na_not_allowed",
                f"{item.label}不允许填“不适用”，请填写实际数值（没有的填0）",
                item.id,
            )
        ]
    if item.type in ("bool", "text", "choice"):
        return _words(item, raw)
    if isinstance(raw, str):
        return _number_text(item, raw)
    answer, findings = _number(item, raw)
    said = None if read or answer.state != "value" else fraction_warning(item, answer.value)
    if said:  # 0.35 for 35%: a JSON number is questioned as a workbook cell is
        findings.append(_error("percent_fraction", said, item.id, Severity.warning))
    return answer, findings


def _words(item: DataItem, raw: Any) -> tuple[Answer, list[Finding]]:
    """是/否, a text, or one of the item's choices."""
    if item.type == "bool":
        if isinstance(raw, bool):
            return Answer("value", raw), []
        if isinstance(raw, str) and raw.strip() in ("是", "否"):
            return Answer("value", raw.strip() == "是"), []
        return Answer("invalid"), [
            _error("not_bool", f"{item.label}应填“是”或“否”，现为{raw!r}", item.id)
        ]
    if not isinstance(raw, str):
        raw = str(raw)
    if item.type == "choice" and raw not in (item.choices or []):
        choices = "、".join(item.choices or [])
        return Answer("invalid"), [
            _error("bad_choice", f"{item.label}应为以下之一：{choices}，现为“{raw}”", item.id)
        ]
    return Answer("value", raw), []


def _number(item: DataItem, raw: Any) -> tuple[Answer, list[Finding]]:
    """A number as typed (not text): finite, whole where the item counts, within bounds."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        expected = "整数" if item.type == "integer" else "数值"
        return Answer("invalid"), [
            _error("not_number", f"{item.label}应为{expected}，现为文字“{raw}”", item.id)
        ]
    value = float(raw)
    if not math.isfinite(value):
        return Answer("invalid"), [_error("not_number", f"{item.label}不是有效数值", item.id)]
    if item.type == "integer" and not value.is_integer():
        return Answer("invalid"), [
            _error("not_integer", f"{item.label}应为整数，现为{fmt(value, 4)}", item.id)
        ]
    lo, hi = item.bounds()
    unit = item.unit or ""
    if lo is not None and value < lo:
        if lo == 0:
            msg = f"{item.label}不能为负数，现为{fmt(value)}"
        else:
            msg = f"{item.label}不能小于{fmt(lo)}{unit}，现为{fmt(value)}"
        return Answer("invalid"), [_error("below_min", msg, item.id)]
    if hi is not None and value > hi:
        return Answer("invalid"), [
            _error("above_max", f"{item.label}不能大于{fmt(hi)}{unit}，现为{fmt(value)}", item.id)
        ]
    return Answer("value", int(value) if item.type == "integer" else value), []


def validate(
    framework: Framework,
    application: Application,
    plugin_validators: Iterable[PluginValidator] = (),
) -> Validated:
    """Type-check every item, run declared and plugin checks, and report findings."""
    out = Validated()
    for item in framework.items:
        answer, findings = coerce(item, application.items.get(item.id))
        out.answers[item.id] = answer
        out.findings.extend(findings)
    out.findings += _unknown_items(framework, application)
    out.findings += _credit_code_findings(application.applicant.credit_code)
    out.findings += _unseen_in_name(application.applicant.name)
    out.findings += _subtype_findings(framework, application.subtype)
    out.findings += _check_findings(framework, out.answers)
    st = framework.subtype(application.subtype)
    view = ApplicationView(framework, st.id if st else None, application.applicant, out.answers)
    out.findings += _plugin_findings(view, plugin_validators)
    return out


def _credit_code_findings(code: str | None) -> list[Finding]:
    """A blank code is an error like a wrong one: matching the application across rounds
    and forms, 回避 and a region's 否决项 all rest on it."""
    if not (code or "").strip():
        return [
            _error(
                "credit_code_missing",
                "统一社会信用代码为必填项，尚未填写（回避核对、补正比对和地区核对均依据该代码）",
                "applicant.credit_code",
            )
        ]
    problem = credit_code_problem(code.strip().upper())
    return [_error("credit_code", problem, "applicant.credit_code")] if problem else []


def _unseen_in_name(name: str) -> list[Finding]:
    """A name with characters no one sees (a zero-width or no-break space) reads the same
    to a person and differs to every comparison a person would make by eye: said, so the
    applicant fixes it (回避 and matching normalise names, and still this is a slip)."""
    unseen = unseen_characters(name)
    if not unseen:
        return []
    return [
        _error(
            "name_unseen_characters",
            f"申报单位名称含有看不见的字符（{'、'.join(unseen)}），"
            "与看起来相同的名称并不相同；请删除这些字符后重新填写",
            "applicant.name",
            Severity.warning,
        )
    ]


def _unknown_items(framework: Framework, application: Application) -> list[Finding]:
    """Items the set does not have are ignored, and said so: a figure never vanishes unseen."""
    known = framework.item_map()
    return [
        _error(
            "unknown_item", f"数据项 {key} 不属于{framework.name}，已忽略", key, Severity.warning
        )
        for key in application.items
        if key not in known
    ]


def _subtype_findings(framework: Framework, subtype: str | None) -> list[Finding]:
    """A set with sub-types (行业级/区域级) needs one named; a set without ignores one."""
    if framework.subtypes:
        if framework.subtype(subtype) is not None:
            return []
        names = "、".join(f"{s.name}（{s.id}）" for s in framework.subtypes)
        got = f"，现为“{subtype}”" if subtype else ""
        return [_error("subtype", f"{framework.name}须选择申报类型：{names}{got}", "subtype")]
    if subtype:
        return [
            _error(
                "subtype",
                f"{framework.name}不区分子类型，已忽略“{subtype}”",
                "subtype",
                Severity.warning,
            )
        ]
    return []


def _check_findings(framework: Framework, answers: Mapping[str, Answer]) -> list[Finding]:
    """The set's declared ``left <= factor × sum(right)`` checks, on usable answers only
    (a missing answer was reported already and proves no inconsistency)."""
    known = framework.item_map()
    out = []
    for check in framework.checks:
        left = answers[check.left]
        rights = [answers[i] for i in check.right_items]
        if not left.usable or not all(a.usable for a in rights):
            continue
        total = sum(float(a.value) for a in rights)
        if float(left.value) > check.factor * total:
            what = "、".join(known[i].label for i in check.right_items)
            what += "合计" if len(rights) > 1 else ""
            out.append(
                Finding(
                    severity=Severity(check.severity),
                    code=f"inconsistent.{check.id}",
                    message=(
                        f"{check.message}：{known[check.left].label}为{fmt(left.value)}，"
                        f"{what}为{fmt(total)}"
                    ),
                    item=check.left,
                )
            )
    return out


def _plugin_findings(view: ApplicationView, validators: Iterable[PluginValidator]) -> list[Finding]:
    """Plugin validators' findings; one that raises is a warning naming it, so a plugin
    bug costs its own check, not the batch."""
    out: list[Finding] = []
    for v in validators:
        try:
            out.extend(v.check(view))
        except Exception as exc:
            out.append(
                _error(
                    "plugin_error",
                    f"插件 {v.plugin} 的校验 {v.code} 出错：{exc!r}",
                    sev=Severity.warning,
                )
            )
    return out
