"""Saaty's scale, the named random-index tables and the method names: what the AHP front
ends show as choices and what a typed judgement is checked against. No numerics here, so
the command-line options can be built from it without loading :mod:`.ahp`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Method = Literal["geometric", "eigenvector"]
METHODS: tuple[str, ...] = ("geometric", "eigenvector")
GROUP_METHODS: tuple[str, ...] = ("AIJ", "AIP")

#: The usual acceptance threshold: a matrix is consistent enough when CR < 0.10.
CR_THRESHOLD = 0.10

#: Saaty's stricter limits for small matrices (T. L. Saaty, Fundamentals of Decision
#: Making and Priority Theory, RWS 1994): CR < 0.05 for 3 items, < 0.08 for 4; from 5 on
#: the usual threshold.
SAATY_LIMITS: dict[int, float] = {3: 0.05, 4: 0.08}

#: Aguarón & Moreno-Jiménez (2003), "The geometric consistency index: approximated
#: thresholds", EJOR 147(1): GCI thresholds matching CR 0.10 (0.370 from 5 items on).
GCI_LIMITS: dict[int, float] = {3: 0.3147, 4: 0.3526}
GCI_LIMIT = 0.370


def cr_limit(n: int, threshold: float = CR_THRESHOLD, saaty: bool = False) -> float:
    """The CR a matrix of ``n`` items must stay under: ``threshold``, or with Saaty's
    stricter limits the smaller of it and 0.05 (3 items) / 0.08 (4 items)."""
    return min(threshold, SAATY_LIMITS.get(n, threshold)) if saaty else threshold


def limits_text(threshold: float, saaty: bool) -> str:
    """The acceptance rule in words: CR < 0.1, or Saaty's by size."""
    if not saaty:
        return f"CR < {threshold:g}"
    three, four = (cr_limit(k, threshold, True) for k in (3, 4))
    return f"CR < {three:g}（3项）、< {four:g}（4项）、< {threshold:g}（5项及以上，Saaty 1994）"


#: The values of Saaty's 1–9 scale and their reciprocals.
SCALE: tuple[Fraction, ...] = tuple(
    sorted({Fraction(k) for k in range(1, 10)} | {Fraction(1, k) for k in range(2, 10)})
)


@dataclass(frozen=True)
class RITable:
    """A random-index table: ``values[n - 1]`` is RI for an n×n matrix."""

    id: str
    label: str
    source: str
    values: tuple[float, ...]

    def ri(self, n: int) -> float | None:
        """RI for ``n`` criteria; None when n ≤ 2 (no CR needed). Raises beyond the table."""
        if n <= 2:
            return None
        if n > len(self.values):
            raise AHPError(
                f"随机一致性指标表“{self.label}”只到 {len(self.values)} 阶，"
                f"无法检验 {n} 个比较对象的一致性；请减少同一层级的比较对象或改用其他 RI 表"
            )
        return self.values[n - 1]


RI_TABLES: dict[str, RITable] = {
    t.id: t
    for t in (
        RITable(
            "saaty",
            "Saaty（1980）",
            "T. L. Saaty, The Analytic Hierarchy Process, McGraw-Hill, 1980（n ≤ 10 为常用表，11–15 阶同书）",
            (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
        ),
        RITable(
            "cn",
            "国内常用表（1000 次抽样）",
            "国内教材常用的 1000 次随机抽样结果（0.52、0.89、1.12、1.26……），"
            "通常引自龚木森、许树柏（1986）",
            (0, 0, 0.52, 0.89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
        ),
        RITable(
            "tummala_ling",
            "Tummala–Ling（1998）",
            "V. M. R. Tummala, H. Ling, A note on the computation of the mean random "
            "consistency index of the AHP, Theory and Decision 44(3), 1998（pymcdm 所用）",
            (
                0,
                0,
                0.5799,
                0.8921,
                1.1159,
                1.2358,
                1.3322,
                1.3952,
                1.4537,
                1.4882,
                1.5117,
                1.5356,
                1.5571,
                1.5714,
                1.5831,
            ),
        ),
    )
}
DEFAULT_RI = "saaty"


class AHPError(ValueError):
    """A matrix or request that cannot be computed; the message is for the user (Chinese)."""


def ri_table(name: str) -> RITable:
    try:
        return RI_TABLES[name]
    except KeyError:
        known = "、".join(RI_TABLES)
        raise AHPError(f"未知的随机一致性指标表“{name}”；可选：{known}") from None


def scale_value(value: float) -> float | None:
    """``value`` as a point of Saaty's scale (0.33 → 1/3), or None if it is not one.

    A reciprocal typed as a rounded decimal is accepted within 2 %, since people type
    0.33 or 0.143; whole values must be whole.
    """
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        return None
    if value >= 1:
        k = round(value)
        return float(k) if 1 <= k <= 9 and abs(value - k) < 1e-9 else None
    k = round(1 / value)
    return 1.0 / k if 2 <= k <= 9 and abs(1 / value - k) <= 0.02 * k else None


def scale_text(value: float) -> str:
    """9 → "9", 0.25 → "1/4"; other values with three decimals."""
    if value >= 1 and float(value).is_integer():
        return str(int(value))
    inv = 1 / value
    if abs(inv - round(inv)) < 1e-9:
        return f"1/{round(inv)}"
    return f"{value:.3f}"
