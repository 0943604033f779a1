"""Criteria sets that extend another: change only what differs, never copy the text.

A province (or a city) adapting an existing set writes::

    id = "changsha_2025"
    extends = "hunan_comprehensive"
    name = "长沙市工业互联网平台"
    version = "2025.1"
    [source]                      # its own document
    ...
    [weights]                     # re-weighting; sums must still add up
    devices = 14
    models = 8
    drop_indicators = ["parks"]
    [[add_indicators]]            # new indicators, each naming its dimension
    dimension = "enablement"
    id = "green"
    ...
    [[exclusions]]                # appended to the parent's; likewise [[checks]]

Everything not mentioned is the parent's, including its verbatim text and rationale.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from iipeval.core.model.criteria import Framework
from iipeval.core.model.vocabulary import vocabulary

REPLACEABLE = {
    "bonus",
    "deduction",
    "total_min",
    "total_max",
    "id",
    "name",
    "short_name",
    "platform_type",
    "version",
    "source",
    "intro",
    "subtypes",
    "grades",
    "numbering",
    "tie_break",
    "weights_note",
    "total_weight",
    "general_items",
}
CHANGES = {
    "extends",
    "weights",
    "drop_indicators",
    "add_indicators",
    "exclusions",
    "checks",
    "drop_exclusions",
    "drop_checks",
    "items",
}


class InheritanceError(ValueError):
    pass


def merge(parent: Framework, child: Mapping[str, Any]) -> dict[str, Any]:
    """The child's full data: the parent's, with the child's changes applied."""
    unknown = sorted(set(child) - REPLACEABLE - CHANGES)
    if unknown:
        raise InheritanceError(
            f"继承 {parent.id} 的评价体系含无法识别的字段 {unknown}；"
            f"可替换：{sorted(REPLACEABLE)}；可修改：{sorted(CHANGES - {'extends'})}"
        )
    for required in ("id", "name", "version", "source"):
        if required not in child:
            raise InheritanceError(f"继承 {parent.id} 的评价体系必须给出自己的 {required}")
    data = copy.deepcopy(parent.model_dump(mode="python", exclude={"items"}))
    # the parent's grades as they apply to it: a re-weighted points parent keeps its own
    data["grades"] = [g.model_dump() for g in parent.total_grades()]
    for key in REPLACEABLE & set(child):
        data[key] = copy.deepcopy(child[key])
    own_text = {i.get("id") for i in child.get("add_indicators", []) if isinstance(i, Mapping)}
    dims = {d["id"]: d for d in data["dimensions"]}
    where = _indicators_changed(parent, child, data, dims)
    _reweigh(parent, child, data, dims, where)
    for list_key, drop_key in (("exclusions", "drop_exclusions"), ("checks", "drop_checks")):
        dropped = set(child.get(drop_key, []))
        missing = dropped - {x["id"] for x in data[list_key]}
        if missing:
            raise InheritanceError(f"{drop_key}：{parent.id} 没有 {sorted(missing)}")
        data[list_key] = [x for x in data[list_key] if x["id"] not in dropped]
        data[list_key].extend(copy.deepcopy(child.get(list_key, [])))
    # the parent's own items (not from the shared vocabulary) come along; the child's add;
    # items are re-resolved from the vocabulary for what the merged set uses
    shared = vocabulary()
    data["items"] = [
        i.model_dump(exclude_defaults=True) for i in parent.items if i.id not in shared
    ] + copy.deepcopy(list(child.get("items", [])))
    data["tie_break"] = [t for t in data["tie_break"] if t in dims or t in where]
    data["inherited"] = [*data.get("inherited", []), _inherited(parent, data, own_text, child)]
    return data


def _indicators_changed(parent: Framework, child: Mapping, data: dict, dims: dict) -> dict:
    """``drop_indicators`` and ``add_indicators`` applied; indicator id → its dimension."""
    where = {i["id"]: d for d in data["dimensions"] for i in d["indicators"]}
    for ind_id in child.get("drop_indicators", []):
        if ind_id not in where:
            raise InheritanceError(f"drop_indicators：{parent.id} 没有指标 {ind_id!r}")
        d = where.pop(ind_id)
        d["indicators"] = [i for i in d["indicators"] if i["id"] != ind_id]
    for new in child.get("add_indicators", []):
        new = dict(new)
        dim_id = new.pop("dimension", None)
        if dim_id not in dims:
            raise InheritanceError(
                f"add_indicators：指标 {new.get('id')!r} 须用 dimension 指明所属维度（可选：{'、'.join(dims)}）"
            )
        dims[dim_id]["indicators"].append(new)
        where[new.get("id")] = dims[dim_id]
    return where


def _reweigh(parent: Framework, child: Mapping, data: dict, dims: dict, where: dict) -> None:
    """``[weights]``: a new weight for a dimension, group or indicator of the parent."""
    groups = {g["id"]: g for d in data["dimensions"] for g in _groups(d)}
    for key, weight in child.get("weights", {}).items():
        if key in dims:
            node = dims[key]
        elif key in groups:
            node = groups[key]
        elif key in where:
            node = next(i for i in where[key]["indicators"] if i["id"] == key)
        else:
            raise InheritanceError(f"weights：{parent.id} 没有 id 为 {key!r} 的维度、方面或指标")
        node["weight"] = weight
        node.pop("points", None)  # the new weight is the node's; a points rule keeps its out_of


def _groups(node: Mapping[str, Any]):
    for g in node.get("groups", []) or []:
        yield g
        yield from _groups(g)


def _inherited(parent: Framework, data: dict, own: set, child: Mapping[str, Any]) -> dict:
    """Which of the merged set's verbatim text is the parent's (from the parent's document).

    Text the parent itself inherited stays attributed to its own source (earlier entries).
    """
    earlier = {i for e in parent.inherited for i in e.indicators}
    earlier_dims = {i for e in parent.inherited for i in e.dimensions}
    return {
        "framework": parent.id,
        "source": parent.source.model_dump(),
        "dimensions": [d["id"] for d in data["dimensions"] if d["id"] not in earlier_dims],
        "indicators": [
            i["id"]
            for d in data["dimensions"]
            for i in d["indicators"]
            if i["id"] not in own and i["id"] not in earlier
        ],
        "intro": "intro" not in child and bool(parent.intro),
    }
