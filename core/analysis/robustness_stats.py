"""Robustness, the statistics: a probability with its interval, and the panel's agreement.

Every probability the analysis reports is a share of draws (or of resamples), so it comes
with a 95% interval that says how far the share may be from the probability it estimates:
Wilson's score interval, or, when nothing changed in any draw, the rule of three (the
probability of a change is below 3/n at 95%), which Wilson's interval approaches there.

Agreement is Kendall's coefficient of concordance W (Kendall & Babington Smith 1939),
with the correction for ties, per scored part: how alike the experts rank the
applications, 0 (no agreement) to 1 (the same order). Its χ² test (k(n−1)W on n−1 degrees
of freedom) says whether that agreement could be chance. Chinese expert consultation
(德尔菲法) reports it as 肯德尔和谐系数; scipy is not a runtime dependency, so the χ²
survival function is computed here (Numerical Recipes' incomplete gamma), and the tests
check both against scipy.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel

from iipeval.core.text import fmt

Z95 = 1.959963984540054  # the normal quantile for a two-sided 95% interval


class Probability(BaseModel):
    """A share of ``trials`` taken as a probability, with its 95% interval."""

    value: float
    low: float
    high: float
    trials: int
    method: Literal["wilson", "rule_of_three"]
    unit: str  # what one trial is: 次权重抽样, 次专家重抽样

    def text(self) -> str:
        """``99.998%（95%区间 99.989%～100%，100,000次权重抽样）``."""
        how = "三倍法则" if self.method == "rule_of_three" else "Wilson"
        return (
            f"{percent(self.value)}（95%区间 {percent(self.low)}～{percent(self.high)}，"
            f"{how}，{self.trials:,}{self.unit}）"
        )


def probability(hits: float, trials: int, unit: str) -> Probability:
    """``hits`` of ``trials`` (hits may be fractional: tied applicants share a place)."""
    p = hits / trials
    if hits <= 0:
        return Probability(
            value=0.0,
            low=0.0,
            high=min(1.0, 3 / trials),
            trials=trials,
            method="rule_of_three",
            unit=unit,
        )
    if hits >= trials:
        return Probability(
            value=1.0,
            low=max(0.0, 1 - 3 / trials),
            high=1.0,
            trials=trials,
            method="rule_of_three",
            unit=unit,
        )
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return Probability(value=p, low=low, high=high, trials=trials, method="wilson", unit=unit)


def percent(p: float) -> str:
    """A probability as a percentage: one decimal, more near 0% or 100% until what is left
    shows two significant digits, so 99.85% never reads 99.9% nor 0.2% read 0%, and a
    share that is not 1 never reads 100%."""
    if p <= 0 or p >= 1:
        return f"{fmt(100 * min(max(p, 0.0), 1.0))}%"
    rest = 100 * min(p, 1 - p)
    digits = 1
    while digits < 6 and round(rest, digits) < 10 ** (1 - digits):
        digits += 1
    return f"{fmt(round(100 * p, digits), digits)}%"


# -- Kendall's W -------------------------------------------------------------------------------


class Agreement(BaseModel):
    """How alike the experts rank the applications on one scored part."""

    part: str
    label: str
    measure: str = "Kendall's W（肯德尔和谐系数，含同分校正）"
    w: float | None
    chi2: float | None = None
    df: int | None = None
    p_value: float | None = None
    applications: int  # ranked: those every counted expert scored
    experts: int
    flagged: bool = False
    note: str = ""


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1…n down each column, ties sharing the mean of their ranks."""
    order = np.argsort(x, axis=0, kind="stable")
    ranks = np.empty_like(x, dtype=float)
    n = x.shape[0]
    for j in range(x.shape[1]):
        col = x[order[:, j], j]
        r = np.arange(1, n + 1, dtype=float)
        start = 0
        for k in range(1, n + 1):
            if k == n or col[k] != col[start]:
                r[start:k] = (start + 1 + k) / 2
                start = k
        ranks[order[:, j], j] = r
    return ranks


def kendall_w(x: np.ndarray) -> tuple[float, float, int, float]:
    """(W, χ², df, p) for ``x`` (applications × experts), no missing values, n ≥ 3, k ≥ 2."""
    n, k = x.shape
    r = average_ranks(x)
    s = float(np.sum((r.sum(axis=1) - k * (n + 1) / 2) ** 2))
    ties = 0.0
    for j in range(k):
        _, counts = np.unique(x[:, j], return_counts=True)
        ties += float(np.sum(counts**3 - counts))
    denominator = k * k * (n**3 - n) - k * ties
    w = 12 * s / denominator if denominator > 0 else 1.0
    chi2 = k * (n - 1) * w
    return w, chi2, n - 1, chi2_sf(chi2, n - 1)


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df > x): the regularised upper incomplete gamma Q(df/2, x/2)."""
    if x <= 0:
        return 1.0
    a, y = df / 2, x / 2
    if y < a + 1:
        return max(0.0, 1 - _gamma_series(a, y))
    return min(1.0, _gamma_fraction(a, y))


def _gamma_series(a: float, x: float) -> float:
    """P(a, x) by its series (Numerical Recipes 6.2), for x < a + 1."""
    term = total = 1 / a
    ap = a
    for _ in range(1000):
        ap += 1
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-15:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    """Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1."""
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def agreement(
    raw: np.ndarray, parts: list[str], labels: dict[str, str], w_min: float, alpha: float
) -> list[Agreement]:
    """Kendall's W per part from raw (A, P, E), NaN where none: the experts who scored the
    part, on the applications every one of them scored (a recusal leaves that application
    out of W, not the expert); flagged when W < ``w_min`` or the χ² test's p ≥ ``alpha``."""
    out = []
    for p, pid in enumerate(parts):
        x = raw[:, p, :]
        experts = ~np.all(np.isnan(x), axis=0)
        x = x[:, experts]
        rows = ~np.any(np.isnan(x), axis=1)
        x = x[rows]
        n, k = x.shape
        label = labels.get(pid, pid)
        if n < 3 or k < 2:
            why = f"完整评分的申报{n}份、专家{k}位，至少需3份申报、2位专家"
            out.append(
                Agreement(part=pid, label=label, w=None, applications=n, experts=k, note=why)
            )
            continue
        w, chi2, df, pv = kendall_w(x)
        flagged = w < w_min or pv >= alpha
        note = "申报少于7份，χ²检验仅供参考" if n < 7 else ""
        left = int(np.sum(~rows & np.any(~np.isnan(raw[:, p, :]), axis=1)))
        if left:
            note = "；".join(x for x in (note, f"{left}份申报有专家回避或缺评，未计入W") if x)
        out.append(
            Agreement(
                part=pid,
                label=label,
                w=w,
                chi2=chi2,
                df=df,
                p_value=pv,
                applications=n,
                experts=k,
                flagged=flagged,
                note=note,
            )
        )
    return out
