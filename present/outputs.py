"""Output files one front end makes for another, found by name instead of imported.

The Excel button 生成评分报告 writes the results workbook, which :mod:`iipeval.reports`
builds; but no front end imports another (excel must stay usable, and testable, without
the reports, and the reports without excel). So the button asks here for the writer by
name, and the package metadata (the ``iipeval.outputs`` entry-point group in
``pyproject.toml``) says which module provides it, the way core finds criteria sets
without naming a plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

GROUP = "iipeval.outputs"
#: ``write(batch, path, *, generated_at)``: the results workbook of ``iipeval score -o``
RESULTS_WORKBOOK = "results_workbook"


class NoWriter(LookupError):
    """No installed package provides the output asked for (a broken installation)."""


def writer(name: str) -> Callable[..., Any]:
    """The function that writes the output ``name``, loaded when first asked for."""
    for ep in entry_points(group=GROUP, name=name):
        return ep.load()
    raise NoWriter(f"未找到生成“{name}”的程序，iipeval 可能未完整安装；请重新安装 iipeval")
