"""How iipeval words what it says about a result, once, for every front end.

The terminal, the Excel functions and the workbooks all show severities, findings, 否决项
and standings; when each words them itself the same state reads differently in each
place. Every front end takes its wording from here, so changing one phrasing is one edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from iipeval.core.findings import SEVERITY_LABELS, Finding, Severity
from iipeval.core.text import fmt

if TYPE_CHECKING:
    from iipeval.core.model.criteria import Framework

#: data-item id → its Chinese label (``None``: show the id)
ItemLabel = Callable[[str], str | None]

#: the order severities are counted and listed in
SEVERITY_ORDER = (Severity.error, Severity.warning, Severity.notice)

#: What a standing word means, for a reader who has not seen it before.
NEEDS_FIX = "需补正"
NEEDS_FIX_REASON = "存在错误，需退回补正后再排名"
#: An application with errors, as its score card and the 校验 button say it.
NEEDS_FIX_STATUS = "存在错误，需退回补正"
EXCLUDED = "不予推荐"
PASSED = "通过"
PENDING = "待专家评分"
PENDING_REASON = "定性指标尚无评分，暂不排名"


def awaiting_reason(experts) -> str:
    """Why a round holds a result: issued forms not back, and how to go on without them."""
    return f"专家{'、'.join(experts)}的评分表尚未交回，暂不排名；确实无法交回的，由组织方用 iipeval waive 记录理由"


#: More findings than this with one code in one listing are shown as a group.
GROUP_AFTER = 3


def severity_label(severity: Severity | str) -> str:
    """错误 / 警告 / 提示: the one label a severity has wherever it is printed."""
    return SEVERITY_LABELS[Severity(severity)]


def item_labels(framework: Framework) -> dict[str, str]:
    """Data-item id → the Chinese label a person reads (``devices_mobile`` → 行走设备连接数量):
    JSON keys are for files, never for what the terminal or a workbook says."""
    return {i.id: i.label for i in framework.items}


def item_named(f: Finding, label: ItemLabel | None = None) -> str | None:
    """The data item a finding with no cell is about, by its Chinese name (``label``; never
    the JSON key where a name is known), or ``None`` when the message names it already:
    each thing is said once."""
    if f.item is None or f.cell:
        return None
    name = (label(f.item) if label else None) or f.item
    return None if name in f.message else name


def finding_line(f: Finding, *, with_file: bool = True, label: ItemLabel | None = None) -> str:
    """``[错误] 指标数据!E7 运行设备连接数量…``: one finding on one line; a finding with no
    cell is placed by its data item (:func:`item_named`)."""
    name = item_named(f, label)
    where = f.where(name, with_file=with_file, with_item=name is not None)
    return " ".join(x for x in (f"[{severity_label(f.severity)}]", where, f.message) if x)


def finding_lines(
    findings: Sequence[Finding],
    *,
    with_file: bool = True,
    group: bool = True,
    label: ItemLabel | None = None,
) -> list[str]:
    """Each finding on its line; a warning or notice repeated more than
    :data:`GROUP_AFTER` times (one outlier expert: forty 需复议) is shown by its first
    instances and a count, so it does not bury the rest. Errors are always listed whole:
    each is a cell someone must correct."""
    grouped = group
    by_code: dict[tuple[Severity, str], list[Finding]] = {}
    for f in findings:
        by_code.setdefault((f.severity, f.code), []).append(f)
    lines: list[str] = []
    shown: set[tuple[Severity, str]] = set()
    for f in findings:
        key = (f.severity, f.code)
        group = by_code[key]
        if not grouped or len(group) <= GROUP_AFTER or f.severity is Severity.error:
            lines.append(finding_line(f, with_file=with_file, label=label))
            continue
        if key in shown:
            continue
        shown.add(key)
        lines.extend(finding_line(g, with_file=with_file, label=label) for g in group[:GROUP_AFTER])
        lines.append(
            f"[{severity_label(f.severity)}] ……同类问题另有{len(group) - GROUP_AFTER}条"
            f"（共{len(group)}条）"
        )
    return lines


def counts_text(findings: Iterable[Finding]) -> str:
    """``错误 2 条，警告 5 条，提示 1 条`` (only the severities present; ``无问题`` if none)."""
    counts = {s: 0 for s in SEVERITY_ORDER}
    for f in findings:
        counts[f.severity] += 1
    parts = [f"{severity_label(s)} {n} 条" for s, n in counts.items() if n]
    return "，".join(parts) or "无问题"


def verdict(accepted: bool, excluded: bool) -> str:
    """符合性审查's word for one application: 需补正 (errors), 不予推荐 (a 否决项: the data
    can be complete and the application still out), else 通过."""
    return NEEDS_FIX if not accepted else EXCLUDED if excluded else PASSED


def verdict_text(accepted: bool, excluded: bool, findings: Sequence[Finding]) -> str:
    """``需补正（错误 1 条；另触及否决项）``, ``不予推荐（触及否决项）``, ``通过（无问题）``:
    the verdict with what it rests on, as ``validate`` prints it."""
    counts = counts_text(findings) if findings else ""
    if not accepted:
        why = [counts or "无法读取", "另触及否决项" if excluded else ""]
    elif excluded:
        why = ["触及否决项", counts]
    else:
        why = [counts or "无问题"]
    return f"{verdict(accepted, excluded)}（{'；'.join(w for w in why if w)}）"


def exclusion_text(hits: Iterable) -> str:
    """``近三年发生重大及以上安全生产事故（填报为“是”）；…``: the 否决项 an application hit."""
    return "；".join(f"{h.name}（{h.reason}）" if h.reason else h.name for h in hits)


def excluded_reason(hits: Iterable) -> str:
    return "否决项：" + exclusion_text(hits)


def pending_total(secured: float | None, pending: float | None) -> str:
    """The provisional total, as the terminal, the Excel functions and the results
    workbook all print it: what is secured, and how many points the experts still hold."""
    return f"待专家评分（已确定{fmt(secured)}分，尚有{fmt(pending)}分未评定）"


#: What a 参数哈希 is for, where a person meets one: on a score card, on an expert's form.
HASH_IN_RESULT = (
    "本结果所用计分参数的校验码；与结果工作簿“参数”表中该体系的参数哈希开头相同，即按同一套参数计分"
)
HASH_ON_FORM = (
    "生成本表时所用计分参数的校验码，供组织方核对；如评分时参数已调整，"
    "定量得分可能与本表不同，您的评分仍按原样采用"
)


def params_hash(digest: str, purpose: str) -> str:
    """A 参数哈希 as a person reads it: its first 12 characters, then what it is for
    (the whole hash is in the results' 参数 sheet and JSON)."""
    return f"{digest.removeprefix('sha256:')[:12]}…（{purpose}）"


def output_exists(paths: Iterable[object]) -> str:
    """Why nothing was written: the outputs exist, and how to overwrite them."""
    return f"输出文件已存在：{'、'.join(str(p) for p in paths)}；如需覆盖，请加 --force"
