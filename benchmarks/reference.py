"""The yardstick of ``benchmarks/batch.py``: an application scorer sharing no code with iipeval.

It does what a competent script would do to score a round: read the two data sheets of each
application workbook (基本信息, 指标数据) with python-calamine, or with ``pandas.read_excel``,
pick the needed cells, and compute the points with numpy. It imports nothing from iipeval:
the criteria come from the same *data* files (each built-in set's ``criteria.toml`` and the
shared ``vocabulary.toml``, read with ``tomllib``) and the cell of each data item from the
template's own ``_meta`` sheet, read once at set-up. It knows nothing of hostile files,
located findings, explanations, hidden cells or 补正; those are what iipeval adds, and what
the ratio prices.

Its points (the points secured and each indicator's points) are compared with iipeval's
file by file; a benchmark whose two sides disagree says so and its ratio is void.

Supported: the rule types the built-in sets use (``log_scale``, ``bands``, ``coverage``,
``ratio``, ``expert``, ``weighted`` of these) with default parameters and no expert scores
(expert parts stay pending, as in a round before the panel sits). Anything else raises at
set-up rather than scoring differently.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

INFO, DATA, META = "基本信息", "指标数据", "_meta"
REPO = Path(__file__).resolve().parents[1]
TITLE_SUFFIX = "申报数据"  # 指标数据!A1 reads "<set name>  申报数据"


def _cell(address: str) -> tuple[int, int]:
    """Zero-based (row, column) of an A1 address."""
    letters = address.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(address[len(letters) :]) - 1, col - 1


@dataclass
class Leaf:
    """One scored rule (a component of a weighted rule, or an indicator's own rule)."""

    indicator: int
    weight: float
    spec: dict


@dataclass
class Plan:
    """One criteria set (and sub-type) compiled to arrays."""

    set_id: str
    subtype: str | None
    items: list[str]
    kinds: list[dict]  # the vocabulary entry of each item
    indicators: list[str]
    dimension_of: np.ndarray  # indicator → dimension index
    dimension_points: np.ndarray
    indicator_points: np.ndarray
    leaves: list[Leaf]
    summed: np.ndarray = field(default=None)  # leaves × items, item weights
    cover: np.ndarray = field(default=None)  # leaves × items, membership
    total_weight: float = 100.0


def _load_sets() -> dict[str, dict]:
    out = {}
    for path in sorted((REPO / "plugins").glob("*/criteria.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        out[data["id"]] = data
    return out


def _vocabulary() -> dict[str, dict]:
    data = tomllib.loads((REPO / "core/model/vocabulary.toml").read_text(encoding="utf-8"))
    return {i["id"]: i for i in data["items"]}


def _flatten(rule: dict) -> list[tuple[float, dict]]:
    if rule["type"] == "weighted":
        out = []
        for c in rule["components"]:
            if c["type"] == "weighted":
                raise NotImplementedError("nested weighted rules")
            out.append((float(c.get("weight", 1.0)), c))
        return out
    return [(1.0, rule)]


def _rule_items(spec: dict) -> list[str]:
    t = spec["type"]
    if t in ("log_scale", "bands", "coverage"):
        return list(spec["items"])
    if t == "ratio":
        return [spec["numerator"], *([spec["denominator"]] if spec.get("denominator") else [])]
    if t == "expert":
        return []
    raise NotImplementedError(f"rule type {t}")


def compile_set(data: dict, vocabulary: dict[str, dict], subtype: str | None) -> Plan:
    if data.get("bonus") or data.get("deduction"):
        raise NotImplementedError("加分项/扣分项")
    weights = {}
    dims = data["dimensions"]
    for d in dims:
        if d.get("groups"):
            raise NotImplementedError("groups")
        weights[d["id"]] = float(d["weight"])
        for ind in d["indicators"]:
            weights[ind["id"]] = float(ind["weight"])
    st = next((s for s in data.get("subtypes", []) if s["id"] == subtype), None)
    if st:
        weights |= {k: float(v) for k, v in st.get("weights", {}).items()}
    total = float(data.get("total_weight", 100.0))
    dim_total = sum(weights[d["id"]] for d in dims)
    indicators, dim_of, dim_points, ind_points, leaves = [], [], [], [], []
    items: dict[str, None] = {}
    for k, d in enumerate(dims):
        dp = total * weights[d["id"]] / dim_total
        dim_points.append(dp)
        inside = sum(weights[i["id"]] for i in d["indicators"])
        for ind in d["indicators"]:
            n = len(indicators)
            indicators.append(ind["id"])
            dim_of.append(k)
            ind_points.append(dp * weights[ind["id"]] / inside)
            for w, spec in _flatten(ind["rule"]):
                if spec.get("out_of") or spec.get("points"):
                    raise NotImplementedError("rules in points")
                leaves.append(Leaf(n, w, spec))
                items.update(dict.fromkeys(_rule_items(spec)))
    item_list = list(items)
    plan = Plan(
        set_id=data["id"],
        subtype=st["id"] if st else None,
        items=item_list,
        kinds=[vocabulary[i] for i in item_list],
        indicators=indicators,
        dimension_of=np.array(dim_of),
        dimension_points=np.array(dim_points),
        indicator_points=np.array(ind_points),
        leaves=leaves,
        total_weight=total,
    )
    col = {item: j for j, item in enumerate(item_list)}
    plan.summed = np.zeros((len(leaves), len(item_list)))
    plan.cover = np.zeros((len(leaves), len(item_list)))
    for r, leaf in enumerate(leaves):
        spec = leaf.spec
        if spec["type"] in ("log_scale", "bands"):
            iw = spec.get("item_weights") or {}
            for item in spec["items"]:
                plan.summed[r, col[item]] = float(iw.get(item, 1.0))
        elif spec["type"] == "coverage":
            for item in spec["items"]:
                plan.cover[r, col[item]] = 1.0
    return plan


# --- reading -----------------------------------------------------------------------------


@dataclass
class Values:
    """Each item's number (NaN when not usable) and whether it was 不适用."""

    x: np.ndarray
    na: np.ndarray


def read_value(kind: dict, raw: Any) -> tuple[float, bool]:
    """(number or NaN, 不适用) of one cell as the vocabulary's type reads it."""
    if raw is None or raw == "" or (isinstance(raw, float) and math.isnan(raw)):
        return math.nan, False
    t = kind.get("type", "integer")
    if isinstance(raw, str):
        text = raw.strip()
        if text == "不适用":
            return math.nan, bool(kind.get("allow_na"))
        if t == "bool":
            return {"是": 1.0, "否": 0.0}.get(text, math.nan), False
        return math.nan, False  # text in a number cell: not usable here
    if t in ("bool", "text", "choice") or isinstance(raw, bool):
        return math.nan, False
    value = float(raw)
    if not math.isfinite(value) or (t == "integer" and not value.is_integer()):
        return math.nan, False
    lo, hi = kind.get("min"), kind.get("max")
    if t == "percent":
        lo = 0.0 if lo is None else lo
        hi = 100.0 if hi is None else hi
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return math.nan, False
    return value, False


# --- scoring -----------------------------------------------------------------------------


def score(plan: Plan, values: Values) -> dict[str, Any]:
    """The points secured and each indicator's points (``None`` while pending or 不适用)."""
    x, na = values.x, values.na
    usable = ~np.isnan(x)
    n = len(plan.leaves)
    s = np.full(n, np.nan)
    leaf_na = np.zeros(n, dtype=bool)
    pending = np.zeros(n, dtype=bool)
    applicable = plan.summed @ ~na if n else np.zeros(0)
    sums = plan.summed @ np.where(usable, np.maximum(x, 0.0), 0.0)
    counted = plan.cover @ ~na
    covered = plan.cover @ (usable & (np.nan_to_num(x) > 0))
    for r, leaf in enumerate(plan.leaves):
        spec, t = leaf.spec, leaf.spec["type"]
        if t == "expert":
            pending[r] = True
        elif t in ("log_scale", "bands"):
            if applicable[r] == 0:
                leaf_na[r] = True
            elif t == "log_scale":
                lo, hi = spec["floor"], spec["benchmark"]
                v = sums[r]
                s[r] = (
                    0.0
                    if v <= lo
                    else 100.0
                    if v >= hi
                    else 100 * math.log(v / lo) / math.log(hi / lo)
                )
            else:
                s[r] = max([b for t_, b in sorted(spec["bands"]) if sums[r] >= t_], default=0.0)
        elif t == "coverage":
            if counted[r] == 0:
                leaf_na[r] = True
                continue
            k = len(spec["items"])
            curve = spec.get("scores") or [100.0 * j / k for j in range(k + 1)]
            pos = covered[r] / counted[r] * k
            lo = int(pos)
            s[r] = curve[k] if lo >= k else curve[lo] + (curve[lo + 1] - curve[lo]) * (pos - lo)
        elif t == "ratio":
            s[r], leaf_na[r] = _ratio(plan, spec, x, na)
    return _combine(plan, s, leaf_na, pending)


def _ratio(plan: Plan, spec: dict, x: np.ndarray, na: np.ndarray) -> tuple[float, bool]:
    j = plan.items.index(spec["numerator"])
    d = plan.items.index(spec["denominator"]) if spec.get("denominator") else None
    if na[j] or (d is not None and na[d]):
        return math.nan, True
    if math.isnan(x[j]) or (d is not None and math.isnan(x[d])):
        return 0.0, False
    if d is None:
        pct = x[j]
    elif x[d] <= 0:
        return 0.0, False
    else:
        pct = 100 * x[j] / x[d]
    floor, target = spec.get("floor", 0.0), spec["target"]
    return min(100.0, max(0.0, 100 * (pct - floor) / (target - floor))), False


def _combine(plan: Plan, s: np.ndarray, leaf_na: np.ndarray, pending: np.ndarray) -> dict:
    m = len(plan.indicators)
    of = np.array([leaf.indicator for leaf in plan.leaves])
    w = np.array([leaf.weight for leaf in plan.leaves])
    live = ~leaf_na
    live_w = np.bincount(of, weights=w * live, minlength=m)
    got = np.bincount(of, weights=np.where(live & ~pending, w * np.nan_to_num(s), 0.0), minlength=m)
    waiting = np.bincount(of, weights=(live & pending).astype(float), minlength=m) > 0
    ind_na = live_w == 0
    scores = np.where(ind_na | waiting, np.nan, got / np.where(live_w == 0, 1, live_w))
    # 不适用 indicators give their points to their live siblings, dimensions likewise
    on = ~ind_na
    dim_live = np.bincount(plan.dimension_of, weights=plan.indicator_points * on)
    dims_on = dim_live > 0
    dim_points = plan.total_weight * plan.dimension_points * dims_on
    dim_points /= (plan.dimension_points * dims_on).sum()
    share = (
        dim_points[plan.dimension_of]
        * plan.indicator_points
        / np.where(dim_live[plan.dimension_of] == 0, 1, dim_live[plan.dimension_of])
    )
    points = scores * np.where(on, share, 0.0) / 100
    secured = float(np.nansum(points))
    return {
        "framework": plan.set_id,
        "subtype": plan.subtype,
        "secured": secured,
        "indicators": dict(
            zip(plan.indicators, (None if math.isnan(p) else float(p) for p in points), strict=True)
        ),
    }


# --- the two readers ---------------------------------------------------------------------


class Reference:
    """Compiled sets and each template's cells; :meth:`calamine` and :meth:`pandas` score
    one workbook and return its serialised result."""

    def __init__(self, templates: dict[str, Path]) -> None:
        from python_calamine import CalamineWorkbook

        sets, vocabulary = _load_sets(), _vocabulary()
        self.by_title: dict[str, str] = {}
        self.cells: dict[str, dict[str, tuple[str, int, int]]] = {}
        self.plans: dict[tuple[str, str | None], Plan] = {}
        self.subtypes: dict[str, dict[str, str]] = {}
        for set_id, template in templates.items():
            data = sets[set_id]
            self.by_title[data["name"]] = set_id
            wb = CalamineWorkbook.from_path(str(template))
            rows = wb.get_sheet_by_name(META).to_python()
            wb.close()
            start = next(k for k, r in enumerate(rows) if r[:3] == ["key", "sheet", "cell"])
            self.cells[set_id] = {r[0]: (r[1], *_cell(r[2])) for r in rows[start + 1 :] if r[0]}
            self.subtypes[set_id] = {s["name"]: s["id"] for s in data.get("subtypes", [])}
            for st in [None, *(s["id"] for s in data.get("subtypes", []))]:
                self.plans[set_id, st] = compile_set(data, vocabulary, st)

    def _score(self, grids: dict[str, Any], at) -> dict:
        title = str(at(grids[DATA], 0, 0) or "")
        set_id = self.by_title[title.removesuffix(TITLE_SUFFIX).strip()]
        cells = self.cells[set_id]
        subtype = None
        if "subtype" in cells:
            sheet, r, c = cells["subtype"]
            subtype = self.subtypes[set_id].get(at(grids[sheet], r, c))
        plan = self.plans[set_id, subtype]
        x = np.empty(len(plan.items))
        na = np.zeros(len(plan.items), dtype=bool)
        for j, (item, kind) in enumerate(zip(plan.items, plan.kinds, strict=True)):
            sheet, r, c = cells[item]
            x[j], na[j] = read_value(kind, at(grids[sheet], r, c))
        out = score(plan, Values(x, na))
        sheet, r, c = cells["applicant.name"]
        out["applicant"] = at(grids[sheet], r, c)
        return out

    def calamine(self, path: Path) -> bytes | None:
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(path))
            grids = {s: wb.get_sheet_by_name(s).to_python() for s in (INFO, DATA)}
            wb.close()
        except Exception:
            return None  # a broken file scores nothing
        out = self._score(grids, _at_rows)
        out["source"] = str(path)
        return json.dumps(out, ensure_ascii=False).encode("utf-8")

    def pandas(self, path: Path) -> bytes | None:
        import pandas as pd

        try:
            frames = pd.read_excel(path, sheet_name=[INFO, DATA], header=None, engine="calamine")
        except Exception:
            return None
        out = self._score({k: v.to_numpy() for k, v in frames.items()}, _at_array)
        out["source"] = str(path)
        return json.dumps(out, ensure_ascii=False).encode("utf-8")


def _at_rows(grid: list[list[Any]], r: int, c: int) -> Any:
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def _at_array(grid: np.ndarray, r: int, c: int) -> Any:
    if r >= grid.shape[0] or c >= grid.shape[1]:
        return None
    v = grid[r, c]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if hasattr(v, "item") else v


def points(result: dict) -> list[float | None]:
    """What the two sides must agree on, in iipeval's order: secured, then each indicator."""
    return [result["secured"], *result["indicators"].values()]
