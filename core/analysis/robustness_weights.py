"""Robustness, the weights: Monte Carlo draws and exact one-at-a-time intervals.

Totals for any weights come from :func:`.robustness_data.totals`; nothing is re-scored. A
total is a ratio of affine functions of one weight moved alone (the others keeping their
proportions), so the weight at which two applications swap is a root of a quadratic,
found exactly, and each candidate is confirmed by the recommended list just beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel

from iipeval.core.analysis.robustness_data import Group, RobustnessSettings, WeightTree, totals
from iipeval.core.scoring.params import RankingPolicy
from iipeval.core.text import fmt

DRAW_CHUNK = 500  # draws re-aggregated at once: bounds memory to chunk × applications
MAX_RANKS = 500  # ranks counted one by one; later ones share a column (memory: A × 501)


class Interval(BaseModel):
    level: Literal["维度", "指标"]
    id: str
    name: str
    dimension: str
    points: float
    low: float
    high: float
    floor: float  # the weight's range: (floor, ceiling)
    ceiling: float
    low_change: str  # what changes first below ``low`` ("" when nothing does)
    high_change: str
    note: str = ""
    #: where someone first enters or leaves the recommended list (None: not in range)
    line_low: float | None = None
    line_high: float | None = None
    line_low_change: str = ""
    line_high_change: str = ""


# -- Monte Carlo -----------------------------------------------------------------------------


def draw_weights(
    tree: WeightTree,
    settings: RobustnessSettings,
    rng: np.random.Generator,
    factors: Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(K, D) dimension and (K, I) indicator points, each level summing to its parent.

    ``uniform``: each weight × (1+U(−S,S)), then renormalised within its level.
    ``dirichlet``: each level's shares drawn from a Dirichlet centred on the current ones,
    its concentration set so that the shares' total variance equals the uniform draws' at
    the same S (to first order): the two move the weights as much overall, the Dirichlet
    moving small shares relatively more and large ones less.
    ``ahp``: ``factors(K, rng)`` gives each weight's multiplier, drawn from the panel's own
    spread of AHP judgements (:mod:`.ahp_spread`), then renormalised as for uniform.
    """
    k, s = settings.draws, settings.spread
    if settings.method == "dirichlet":
        d = tree.total * _dirichlet(rng, tree.dimension_points, s, k)
        i = np.empty((k, len(tree.indicators)))
        for e in range(len(tree.dimensions)):
            mine = tree.parent == e
            i[:, mine] = _dirichlet(rng, tree.indicator_points[mine], s, k) * d[:, [e]]
        return d, i
    if factors is not None:
        fd, fi = factors(k, rng)
    else:
        fd = 1 + rng.uniform(-s, s, (k, len(tree.dimensions)))
        fi = 1 + rng.uniform(-s, s, (k, len(tree.indicators)))
    d = tree.dimension_points * fd
    d *= tree.total / d.sum(axis=1, keepdims=True)
    i = tree.indicator_points * fi
    sums = i @ tree.membership  # (K, D)
    i *= (d / sums)[:, tree.parent]
    return d, i


#: draws of a fixed stream that measure the uniform draws' spread for the Dirichlet
CALIBRATION_DRAWS = 50_000


def dirichlet_concentration(weights: np.ndarray, s: float) -> float:
    """κ such that the Dirichlet's Σ Var(p_i) = (1 − Σp²)/(κ+1) equals the uniform draws'
    at the same S, measured on 50,000 draws of a fixed stream (the delta method's first
    order, (S²/3) Σ p_i²((1 − p_i)² + Σ_{j≠i} p_j²), is 5% off for a level with one large
    share), so the two methods move a level's weights as much overall."""
    p = weights / weights.sum()
    u = np.random.default_rng(20260426).uniform(-s, s, (CALIBRATION_DRAWS, len(p)))
    drawn = p * (1 + u)
    drawn /= drawn.sum(axis=1, keepdims=True)
    return (1 - float(np.sum(p * p))) / float(drawn.var(axis=0).sum()) - 1


def _dirichlet(rng: np.random.Generator, weights: np.ndarray, s: float, k: int) -> np.ndarray:
    n = len(weights)
    if n == 1:
        return np.ones((k, 1))
    return rng.dirichlet(dirichlet_concentration(weights, s) * weights / weights.sum(), size=k)


def share_spread(tree: WeightTree, dw: np.ndarray, iw: np.ndarray) -> dict[str, list[float]]:
    """The smallest and largest relative standard deviation of the shares the draws gave:
    each dimension's share of the total, each indicator's of its dimension (levels with one
    member, whose share cannot move, are left out)."""
    out: dict[str, list[float]] = {}
    if len(tree.dimensions) > 1:
        sd = dw / dw.sum(axis=1, keepdims=True)
        out["维度"] = _range(sd.std(axis=0) / sd.mean(axis=0))
    peers = np.bincount(tree.parent, minlength=len(tree.dimensions))[tree.parent] > 1
    if peers.any():
        si = (iw / dw[:, tree.parent])[:, peers]
        out["指标"] = _range(si.std(axis=0) / si.mean(axis=0))
    return out


def _range(x: np.ndarray) -> list[float]:
    return [float(np.min(x)), float(np.max(x))]


def _sorted(t: np.ndarray) -> np.ndarray:
    """For each row of totals, the applications from first to last; equal totals keep
    baseline order.

    A quicksort, several times faster than a stable sort here; rows where it met equal
    totals (identical applications) are sorted again stably, so ties keep baseline order.
    """
    order = np.argsort(-t, axis=-1)
    ranked = np.take_along_axis(t, order, axis=-1)
    tied = np.any(ranked[:, 1:] == ranked[:, :-1], axis=1)
    if tied.any():
        order[tied] = np.argsort(-t[tied], axis=-1, kind="stable")
    return order


def _order(t: np.ndarray) -> np.ndarray:
    """Positions (0-based) for each row of totals, ties in baseline order."""
    order = _sorted(t)
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(t.shape[-1])[None].repeat(t.shape[0], 0), axis=-1)
    return pos


def _recommended(t: np.ndarray, pos: np.ndarray, rk: RankingPolicy) -> np.ndarray:
    inside = np.ones_like(pos, dtype=bool)
    if rk.quota is not None:
        inside &= pos < rk.quota
    if rk.min_total is not None:
        inside &= t >= rk.min_total - LINE_TOL
    return inside


@dataclass
class Tally:
    """What the draws (or resamples) gave: rank counts, sums of ranks, in-list counts
    (fractional where applicants tie on the line), the draws that kept the list and its
    order, and the draws where the last one in stayed ahead of the first one out."""

    counts: np.ndarray
    rank_sum: np.ndarray
    inside: np.ndarray
    same_set: int = 0
    same_order: int = 0
    line_held: float = 0.0


def monte_carlo(g: Group, settings: RobustnessSettings, factors=None):
    """Rank counts (A, R) for ranks 1…R (R = min(A, MAX_RANKS), plus one column for every
    later rank when A is larger), sums of ranks (A,), in-list counts (A,), the draws that
    kept the list / the list and its order, and the share of weights each level drew.

    Works on each draw's order (who is at each position) rather than on positions: the
    recommended list is a prefix of it, the baseline list is positions 0…m−1.
    """
    rng = np.random.default_rng(settings.seed)
    dw, iw = draw_weights(g.tree, settings, rng, factors)
    a = g.size
    cols = min(a, MAX_RANKS) + (a > MAX_RANKS)
    column = np.minimum(np.arange(a), cols - 1)  # position → column of the counts
    tally = Tally(np.zeros(a * cols, dtype=np.int64), np.zeros(a, np.int64), np.zeros(a))
    for start in range(0, settings.draws, DRAW_CHUNK):
        chunk = slice(start, start + DRAW_CHUNK)
        t = totals(g.tree, g.scores, g.live, dw[chunk], iw[chunk])
        order = _sorted(t)
        tally.counts += np.bincount((order * cols + column).ravel(), minlength=a * cols)
        ranks = np.broadcast_to(np.arange(1, a + 1, dtype=float), order.shape).ravel()
        tally.rank_sum += np.bincount(order.ravel(), weights=ranks, minlength=a).astype(np.int64)
        count_line(g, t, order, tally)
    tally.counts = tally.counts.reshape(a, cols)
    return tally, share_spread(g.tree, dw, iw)


def count_line(g: Group, t: np.ndarray, order: np.ndarray, tally: Tally) -> None:
    """Add one chunk of totals (K, A) and their orders to the in-list counts: applicants
    tied with the last place inside share the places left as much as each other, never by
    file order; and whether the list, its order and the pair at the line held."""
    rk = g.ranking
    if rk.quota is None and rk.min_total is None:
        return
    a, k = g.size, len(order)
    q = min(rk.quota or a, a)
    m = len(_base_list(g))
    top = order[:, :q]
    n_in = np.full(k, q)
    if rk.min_total is not None:  # those above the line are a prefix of the top q
        n_in = (np.take_along_axis(t, top, axis=1) >= rk.min_total - LINE_TOL).sum(axis=1)
    member = np.zeros((k, a))
    rows = np.arange(k)[:, None].repeat(q, axis=1)
    keep = np.arange(q)[None] < n_in[:, None]
    member[rows[keep], top[keep]] = 1.0
    if q < a:
        _share_ties(t, order, member, (n_in == q) & (q > 0))
    tally.inside += member.sum(axis=0)
    head = order[:, :m]
    same = (n_in == m) & np.all(np.sort(head, axis=1) == np.arange(m), axis=1)
    tally.same_set += int(same.sum())
    tally.same_order += int((same & np.all(head == np.arange(m), axis=1)).sum())
    if 0 < m < a:
        x, y = t[:, m - 1], t[:, m]  # the last one in and the first one out, at baseline
        tied = np.abs(x - y) <= TIE_TOL * np.maximum(1.0, np.abs(x))
        tally.line_held += float(np.sum(np.where(tied, 0.5, x > y)))


#: totals this close (relative) are the same total: equal applications computed in
#: another order differ by 1e-14
TIE_TOL = 1e-9
#: a total this far under 推荐最低总分 still clears it
LINE_TOL = 1e-9


def _share_ties(t: np.ndarray, order: np.ndarray, member: np.ndarray, bound: np.ndarray) -> None:
    """Where the quota binds and the first one out ties with the last one in, every tied
    applicant gets the same share of the places the tie holds (in place, on ``member``).
    Only draws with such a tie are looked at closely."""
    k = len(order)
    width = member.sum(axis=1).astype(int)  # places taken in each draw
    every = np.arange(k)
    edge = t[every, order[every, np.maximum(width - 1, 0)]]
    after = t[every, order[every, np.minimum(width, order.shape[1] - 1)]]
    scale = TIE_TOL * np.maximum(1.0, np.abs(edge))
    rows = np.flatnonzero(bound & (width < order.shape[1]) & (np.abs(edge - after) <= scale))
    if rows.size == 0:
        return
    near = np.abs(t[rows] - edge[rows, None]) <= scale[rows, None]
    inside = (member[rows] * near).sum(axis=1)
    member[rows] = np.where(near, (inside / near.sum(axis=1))[:, None], member[rows])


# -- one at a time ---------------------------------------------------------------------------


def _dimension_means(g: Group) -> tuple[np.ndarray, np.ndarray]:
    w = g.tree.indicator_points[:, None] * g.tree.membership
    num, den = g.scores @ w, g.live @ w
    live = (den > 0).astype(float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0), live


def _mobius_dimension(g: Group, j: int, means, dlive):
    """Totals as (P + Q t)/(R + U t) when dimension ``j`` has ``t`` points."""
    t = g.tree
    d0 = t.dimension_points
    others = np.arange(len(d0)) != j
    rest = t.total - d0[j]
    p, q = t.total / rest, -1 / rest
    a2 = (means * dlive)[:, others] @ d0[others]
    b2 = dlive[:, others] @ d0[others]
    a1, b1 = dlive[:, j] * means[:, j], dlive[:, j]
    k = t.total / 100
    return k * a2 * p, k * (a1 + a2 * q), b2 * p, b1 + b2 * q


def _mobius_indicator(g: Group, j: int, means, dlive):
    """Totals as (P + Q t)/(R + U t) when indicator ``j`` has ``t`` of its dimension's points."""
    t = g.tree
    e = t.parent[j]
    de = t.dimension_points[e]
    i0 = t.indicator_points
    peers = (t.parent == e) & (np.arange(len(i0)) != j)
    rest = de - i0[j]
    p, q = de / rest, -1 / rest
    x = (g.scores * g.live)[:, peers] @ i0[peers]
    y = g.live[:, peers] @ i0[peers]
    lj, sj = g.live[:, j], g.scores[:, j]
    others = np.arange(len(t.dimensions)) != e
    r_a = (means * dlive)[:, others] @ t.dimension_points[others]
    dlive_w = dlive @ t.dimension_points
    le = dlive[:, e]
    k = t.total / 100
    big_p = k * (de * le * x * p + r_a * y * p)
    big_q = k * (de * le * (lj * sj + x * q) + r_a * (lj + y * q))
    big_r = dlive_w * y * p
    big_u = dlive_w * (lj + y * q)
    dead = le == 0  # dimension 不适用 for this application: total does not move
    big_p = np.where(dead, k * r_a, big_p)
    big_q = np.where(dead, 0.0, big_q)
    big_r = np.where(dead, dlive_w, big_r)
    big_u = np.where(dead, 0.0, big_u)
    return big_p, big_q, big_r, big_u


def _roots(c2: np.ndarray, c1: np.ndarray, c0: np.ndarray) -> list[np.ndarray]:
    """Real roots of c2 t² + c1 t + c0 (stable formula; NaN where none)."""
    disc = c1 * c1 - 4 * c2 * c0
    ok = disc >= 0
    sq = np.sqrt(np.where(ok, disc, 0.0))
    qq = -0.5 * (c1 + np.where(c1 >= 0, sq, -sq))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = np.where(c2 != 0, qq / c2, np.where(c1 != 0, -c0 / c1, np.nan))
        r2 = np.where((c2 != 0) & (qq != 0), c0 / qq, np.nan)
    return [np.where(ok, r1, np.nan), np.where(ok & (c2 != 0), r2, np.nan)]


@dataclass(frozen=True)
class _Event:
    t: float
    text: str
    first: int  # baseline position of the higher-ranked application involved


def _events(g: Group, mob, lo: float, hi: float, members: bool = False) -> list[_Event]:
    """Every time in (lo, hi) where a pair that guards the recommended list, or a member and
    the 推荐最低总分, could change places. With ``members``, every member against every
    one outside: the first such crossing is where someone enters (the order inside may
    have changed before it, so the baseline's last one in is not enough)."""
    big_p, big_q, big_r, big_u = mob
    base = _base_list(g)
    n = g.size
    if members:
        inside = set(base)
        pairs = [(a, b) for a in base for b in range(n) if b not in inside]
    elif g.ranking.quota is None and g.ranking.min_total is None:
        pairs = [(k, k + 1) for k in range(n - 1)]
    else:
        pairs = [(k, k + 1) for k in range(len(base) - 1)]
        if base:
            last = base[-1]
            pairs += [(last, b) for b in range(n) if b not in base and b != last]
    out: list[_Event] = []
    if pairs:
        ia = np.array([p[0] for p in pairs])
        ib = np.array([p[1] for p in pairs])
        c2 = big_q[ia] * big_u[ib] - big_q[ib] * big_u[ia]
        c1 = (
            big_p[ia] * big_u[ib]
            + big_q[ia] * big_r[ib]
            - big_p[ib] * big_u[ia]
            - big_q[ib] * big_r[ia]
        )
        c0 = big_p[ia] * big_r[ib] - big_p[ib] * big_r[ia]
        for roots in _roots(c2, c1, c0):
            for k in np.flatnonzero((roots >= lo) & (roots <= hi)):
                a, b = int(ia[k]), int(ib[k])
                hi_, lo_ = (a, b) if a < b else (b, a)
                out.append(_Event(float(roots[k]), _swap_text(g, hi_, lo_, base), hi_))
    line = g.ranking.min_total
    if line is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = (line * big_r - big_p) / (big_q - line * big_u)
        for k in np.flatnonzero((tt >= lo) & (tt <= hi)):
            word = "降至" if k in base else "升至"
            out.append(_Event(float(tt[k]), f"{g.names[k]}{word}推荐最低总分{fmt(line)}分", int(k)))
    return out


def _swap_text(g: Group, a: int, b: int, base: list[int]) -> str:
    if g.ranking.quota is None and g.ranking.min_total is None:
        return f"{g.names[b]}超过{g.names[a]}（排名次序改变）"
    if a in base and b in base:
        return f"{g.names[b]}超过{g.names[a]}（推荐名单内次序改变）"
    if a in base:
        return f"{g.names[b]}超过{g.names[a]}（{g.names[b]}进入推荐名单）"
    return f"{g.names[b]}超过{g.names[a]}"


def _base_list(g: Group) -> list[int]:
    a = g.size
    rec = _recommended(g.engine_totals[None], np.arange(a)[None], g.ranking)[0]
    return [k for k in range(a) if rec[k]]


#: rows of applications compared with all earlier ones at once: bounds memory to 256 × A
TIED_BLOCK = 256


def _always_tied(mob) -> np.ndarray:
    """For each application, the first one whose total equals it at every weight.

    Two applications can tie under any weighting (one with only 维度1 applicable, one
    with 维度1 and 维度2 at the same score) while their totals, computed in a different
    order, differ by 1e-14; noise must not order them. Totals (P + Q t) / (R + U t) are
    the same function of t when the cross products of their coefficients vanish.

    Only earlier applications can come first (each ties with itself), and only pairs whose
    first cross product vanishes are tested for the other two.
    """
    p, q, r, u = (np.asarray(x, dtype=float) for x in mob)
    scale = np.maximum.reduce([np.abs(p), np.abs(q), np.abs(r), np.abs(u), np.ones_like(p)])
    a = len(p)
    finite = bool(np.all(np.isfinite([p, q, r, u])))  # else itself may not tie: all rows
    out = np.zeros(a, dtype=int)
    for r0 in range(0, a, TIED_BLOCK):
        rows = np.arange(r0, min(a, r0 + TIED_BLOCK))
        cols = slice(0, rows[-1] + 1 if finite else a)
        tol = 1e-9 * np.outer(scale[rows], scale[cols])
        first = np.abs(np.outer(p[rows], r[cols]) - np.outer(r[rows], p[cols])) <= tol
        i, j = np.nonzero(first)
        i = rows[i]
        t = tol[first]
        same = (np.abs(q[i] * u[j] - u[i] * q[j]) <= t) & (
            np.abs(p[i] * u[j] + q[i] * r[j] - u[i] * p[j] - r[i] * q[j]) <= t
        )
        found = np.full(len(rows), a)
        np.minimum.at(found, i[same] - r0, j[same])
        out[rows] = np.where(found < a, found, 0)  # none (NaN): argmax of nothing, 0
    return out


def _list_at(g: Group, mob, tied: np.ndarray, t: float) -> list[int]:
    """The recommended list at weight ``t``; ``tied`` is :func:`_always_tied` of ``mob``."""
    big_p, big_q, big_r, big_u = mob
    with np.errstate(divide="ignore", invalid="ignore"):
        tot = (big_p + big_q * t) / (big_r + big_u * t)
    tot = tot[tied]  # equal functions, equal totals: baseline order decides
    pos = _order(tot[None])[0]
    rec = _recommended(tot[None], pos[None], g.ranking)[0]
    return sorted((k for k in range(g.size) if rec[k]), key=lambda k: pos[k])


def _first_change(
    g: Group, mob, tied, t0: float, end: float, events: list[_Event], members: bool = False
):
    """The nearest event towards ``end`` after which the recommended list differs (with
    ``members``, after which someone enters or leaves it: the quota line moves)."""
    base = _base_list(g)
    if members:
        base = sorted(base)
    sign = 1 if end > t0 else -1
    ahead = sorted(
        (e for e in events if (e.t - t0) * sign >= -1e-12), key=lambda e: (e.t - t0) * sign
    )
    # a weight reaches the end of its range only in the limit (weights stay positive): an
    # event there is where a share vanishes, not a change inside the range. Such an event
    # is a double root, found only to about √ε of the range (1e-6 of 100 points): a
    # millionth of a point from the end is the end
    room = 1e-6 * max(1.0, abs(end))
    times = sorted(
        {round(e.t, 12) for e in ahead if (end - e.t) * sign > room},
        key=lambda t: (t - t0) * sign,
    )

    def at(t: float) -> list[int]:
        got = _list_at(g, mob, tied, t)
        return sorted(got) if members else got

    first = times[0] if times else end
    if abs(first - t0) > 1e-12 and at((t0 + first) / 2) != base:
        return t0, "基准权重下已有同分，稍有变化即改变次序"
    for k, t in enumerate(times):
        nxt = times[k + 1] if k + 1 < len(times) else end
        probe = (t + nxt) / 2
        if at(probe) != base:
            at = sorted(
                (e for e in ahead if abs(round(e.t, 12) - t) < 1e-12), key=lambda e: e.first
            )
            return t, "；".join(dict.fromkeys(e.text for e in at))
    return None


def intervals(g: Group) -> list[Interval]:
    """For every weight, the range over which the recommended list (or, without quota and
    推荐最低总分, the whole order) stays the same, the others keeping their proportions."""
    if g.size < 2:
        return []
    t = g.tree
    means, dlive = _dimension_means(g)
    out = []
    for j, (did, name) in enumerate(t.dimensions):
        d0 = float(t.dimension_points[j])
        if len(t.dimensions) < 2:
            continue
        mob = _mobius_dimension(g, j, means, dlive)
        out.append(_interval(g, mob, "维度", did, name, name, d0, 0.0, t.total))
    for j, (iid, name) in enumerate(t.indicators):
        e = int(t.parent[j])
        dname = t.dimensions[e][1]
        de = float(t.dimension_points[e])
        i0 = float(t.indicator_points[j])
        if int(np.sum(t.parent == e)) < 2:
            out.append(
                Interval(
                    level="指标",
                    id=iid,
                    name=name,
                    dimension=dname,
                    points=i0,
                    low=i0,
                    high=i0,
                    floor=i0,
                    ceiling=i0,
                    low_change="",
                    high_change="",
                    note="维度内仅此一个指标，权重随维度变化",
                )
            )
            continue
        mob = _mobius_indicator(g, j, means, dlive)
        out.append(_interval(g, mob, "指标", iid, name, dname, i0, 0.0, de))
    return out


def _interval(g, mob, level, wid, name, dname, t0, floor, ceiling) -> Interval:
    events = _events(g, mob, floor, ceiling)
    tied = _always_tied(mob)  # once per weight, not once per probe
    low = _first_change(g, mob, tied, t0, floor, events)
    high = _first_change(g, mob, tied, t0, ceiling, events)
    line: dict = {}
    if g.ranking.quota is not None or g.ranking.min_total is not None:
        crossings = _events(g, mob, floor, ceiling, members=True)
        for side, end in (("low", floor), ("high", ceiling)):
            hit = _first_change(g, mob, tied, t0, end, crossings, members=True)
            if hit is not None:
                line[f"line_{side}"], line[f"line_{side}_change"] = hit
    return Interval(
        **line,
        level=level,
        id=wid,
        name=name,
        dimension=dname,
        points=t0,
        low=floor if low is None else low[0],
        high=ceiling if high is None else high[0],
        floor=floor,
        ceiling=ceiling,
        low_change="" if low is None else low[1],
        high_change="" if high is None else high[1],
    )
