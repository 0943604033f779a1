"""Read a criteria set from TOML, filling in shared data items from the vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from iipeval.core.errors import read_toml
from iipeval.core.model.criteria import Framework
from iipeval.core.model.vocabulary import vocabulary


class FrameworkDataError(ValueError):
    """A criteria-set file that cannot be read; the message names the file."""


def read_framework_toml(path: str | Path) -> dict[str, Any]:
    return read_toml(path, "评价体系文件", FrameworkDataError)


def referenced_items(data: Mapping[str, Any]) -> list[str]:
    """Every data-item id a criteria set's data mentions, in first-use order."""
    seen: dict[str, None] = {}

    def rule_items(rule: Mapping[str, Any]) -> None:
        for key in ("items",):
            for i in rule.get(key, []) or []:
                seen.setdefault(i, None)
        for key in ("item", "numerator", "denominator"):
            if rule.get(key):
                seen.setdefault(rule[key], None)
        for c in rule.get("components", []) or []:
            rule_items(c)

    def indicators(node: Mapping[str, Any]):
        yield from node.get("indicators", []) or []
        for g in node.get("groups", []) or []:
            if isinstance(g, Mapping):
                yield from indicators(g)

    for d in data.get("dimensions", []):
        for ind in indicators(d):
            if isinstance(ind, Mapping) and isinstance(ind.get("rule"), Mapping):
                rule_items(ind["rule"])
    for part in ("bonus", "deduction"):
        for a in (data.get(part) or {}).get("items", []) or []:
            if isinstance(a, Mapping) and isinstance(a.get("rule"), Mapping):
                rule_items(a["rule"])
    for i in data.get("general_items", []):
        seen.setdefault(i, None)
    for c in data.get("checks", []):
        seen.setdefault(c.get("left"), None)
        right = c.get("right")
        for i in right if isinstance(right, list) else [right]:
            seen.setdefault(i, None)
    for e in data.get("exclusions", []):
        if e.get("item"):
            seen.setdefault(e["item"], None)
    return [i for i in seen if isinstance(i, str)]


def resolve_items(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the data with ``items`` holding the full definition of every item used.

    Items a set defines itself come first; shared ones are copied from the vocabulary. A
    set may not redefine a shared item under the same id (that would make one id mean two
    things across sets); an unknown id is left for model validation to report.
    """
    shared = vocabulary()
    own = {raw["id"]: raw for raw in data.get("items", []) if isinstance(raw, Mapping)}
    clash = sorted(set(own) & set(shared))
    if clash:
        raise FrameworkDataError(
            f"自定义数据项与共享词表重名：{clash}。请直接引用共享数据项，或换一个 id"
        )
    items = list(own.values())
    for item_id in referenced_items(data):
        if item_id not in own and item_id in shared:
            items.append(shared[item_id].model_dump(exclude_defaults=True))
    return {**data, "items": items}


def framework_from_data(
    data: Mapping[str, Any], rule_types: Mapping[str, type] | None = None
) -> Framework:
    context = {"rule_types": rule_types} if rule_types else None
    return Framework.model_validate(resolve_items(data), context=context)
