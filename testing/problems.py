"""One problem the conformance kit found, written for the person who maintains the plugin.

Every problem names the plugin, says what is wrong where (the indicator, the TOML table)
and what to do about it, in Chinese that does not assume the reader is a programmer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """A conformance failure (``error``) or something worth a look (``warning``).

    ``code`` is a stable machine-readable name of the check (``weights``, ``no_rule``,
    ``unknown_item``, ``rubric``, ``hook_name``, ``roundtrip``, ``golden`` …) so tests and
    tools can tell problems apart without parsing the Chinese text.
    """

    plugin: str
    message: str
    fix: str = ""
    code: str = ""
    framework: str | None = None
    indicator: str | None = None
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        text = f"插件 {self.plugin}：{_sentence(self.message)}"
        if self.fix:
            text += _sentence(self.fix)
        return text if self.is_error else f"（提示）{text}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？")) else text + "。"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]


def report(plugin: str, problems: list[Problem]) -> str:
    """The numbered list ``iipeval plugin check`` prints and ``assert_conformant`` raises."""
    errs = errors(problems)
    warns = [p for p in problems if not p.is_error]
    lines = []
    if errs:
        lines.append(f"插件 {plugin} 未通过插件检查，有 {len(errs)} 个问题需要修改：")
        lines += [f"{n}. {p}" for n, p in enumerate(errs, 1)]
    if warns:
        lines.append(f"另有 {len(warns)} 条提示（不影响通过）：")
        lines += [f"- {p}" for p in warns]
    if not errs:
        lines.append(f"插件 {plugin} 通过插件检查。")
    return "\n".join(lines)
