"""Conformance kit for criteria-set plugins (usable from pytest and ``iipeval plugin check``).

A plugin's own tests need two lines::

    from iipeval.testing import assert_conformant

    def test_conformant():
        assert_conformant("hunan_changsha")   # the plugin's entry-point name

:func:`check_plugin` returns the problems instead of raising, for tools and for tests
that want to look at them. Every problem names the plugin, what is wrong where, and
the fix, in Chinese a non-programmer can act on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iipeval.testing.kit import GOLDEN_ENV, check_plugin, installed_plugins, registered_frameworks
from iipeval.testing.problems import Problem, errors, report
from iipeval.testing.sample import figures


class ConformanceError(AssertionError):
    """Raised by :func:`assert_conformant`; its message is the full numbered list."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n" + report(name, problems))


def assert_conformant(
    name: str,
    *,
    plugin: Any = None,
    update_golden: bool | None = None,
    examples: str | Path | None = None,
) -> list[Problem]:
    """Fail (with every problem listed) unless plugin ``name`` passes the kit.

    Returns the warnings, which do not fail.
    """
    problems = check_plugin(name, plugin=plugin, update_golden=update_golden, examples=examples)
    if errors(problems):
        raise ConformanceError(name, problems)
    return problems


__all__ = [
    "GOLDEN_ENV",
    "ConformanceError",
    "Problem",
    "assert_conformant",
    "check_plugin",
    "errors",
    "figures",
    "installed_plugins",
    "registered_frameworks",
    "report",
]
