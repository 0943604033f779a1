"""Property test: every one-at-a-time interval is exact, on random weight hierarchies and
scores with 不适用 indicators and whole 不适用 dimensions.

The check does not share the interval code: it moves one weight (the others keeping their
proportions), recomputes all totals with :func:`totals` and compares recommended lists,
just inside each end, just outside it, and on a grid across the interval.
"""

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from iipeval.core.analysis.robustness import WeightTree, totals
from iipeval.core.analysis.robustness_data import Group
from iipeval.core.analysis.robustness_weights import intervals
from iipeval.core.scoring.params import AggregationPolicy, RankingPolicy


@st.composite
def cases(draw):
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    dims = np.array(
        draw(st.lists(st.integers(5, 60), min_size=len(sizes), max_size=len(sizes))), float
    )
    dims *= 100 / dims.sum()
    parent = np.repeat(np.arange(len(sizes)), sizes)
    raw = np.array(
        draw(st.lists(st.integers(1, 20), min_size=len(parent), max_size=len(parent))), float
    )
    inds = raw * dims[parent] / np.bincount(parent, weights=raw)[parent]
    n = draw(st.integers(2, 6))
    scores = np.array(
        draw(st.lists(st.integers(0, 100), min_size=n * len(parent), max_size=n * len(parent))),
        float,
    ).reshape(n, -1)
    live = np.array(
        draw(st.lists(st.booleans(), min_size=n * len(parent), max_size=n * len(parent))), float
    ).reshape(n, -1)
    live = np.maximum(live, draw(st.booleans()))  # often nothing is 不适用
    live[:, 0] = 1.0  # every application has something to score
    quota = draw(st.sampled_from([None, 1, 2]))
    tree = WeightTree(
        total=100.0,
        dimensions=tuple((f"d{k}", f"维度{k}") for k in range(len(sizes))),
        dimension_points=dims,
        indicators=tuple((f"i{k}", f"指标{k}") for k in range(len(parent))),
        indicator_points=inds,
        parent=parent,
    )
    return tree, scores * live, live, quota


def group(tree, scores, live, quota):
    t = totals(tree, scores, live, tree.dimension_points[None], tree.indicator_points[None])[0]
    order = np.argsort(-t, kind="stable")
    scores, live, t = scores[order], live[order], t[order]
    names = [f"申报{k}" for k in range(len(t))]
    return Group(
        framework="f", framework_name="f", framework_short_name="f", subtype=None, subtype_name=None, tree=tree,
        policy=AggregationPolicy(), ranking=RankingPolicy(quota=quota), quota_source="",
        tie_break=[], standings=[], sources=names, names=names, keys=names, engine_totals=t,
        scores=scores, live=live, engine_weights=np.zeros_like(scores), parts=[], part_labels={},
        part_indicator=np.zeros(0, int), experts=[], raw=np.zeros((len(t), 0, 0)),
        panel=np.zeros((len(t), 0)), slope=np.zeros((len(t), 0)), notes=[],
    )  # fmt: skip


def listed(g, iv, t):
    """The recommended list with weight ``iv`` at ``t`` points, from totals alone."""
    tree = g.tree
    d, i = tree.dimension_points.copy(), tree.indicator_points.copy()
    if iv.level == "维度":
        j = [x for x, _ in tree.dimensions].index(iv.id)
        d = np.where(np.arange(len(d)) == j, t, d * (100 - t) / (100 - d[j]))
        i = i * (d / tree.dimension_points)[tree.parent]
    else:
        j = [x for x, _ in tree.indicators].index(iv.id)
        e = tree.parent[j]
        peers = tree.parent == e
        i = np.where(peers, i * (d[e] - t) / (d[e] - i[j]), i)
        i[j] = t
    tot = totals(tree, g.scores, g.live, d[None], i[None])[0]
    order = sorted(range(g.size), key=lambda k: (-round(tot[k], 9), k))
    q = g.ranking.quota or g.size
    return order[:q]


def base_list(g):
    order = sorted(range(g.size), key=lambda k: (-round(g.engine_totals[k], 9), k))
    return order[: g.ranking.quota or g.size]


def _three_dims(scores):
    """Three equal dimensions of one indicator each; every application scores 维度0, the
    second and fourth also 维度1 (found by this test)."""
    third = np.full(3, 100 / 3)
    tree = WeightTree(
        total=100.0,
        dimensions=tuple((f"d{k}", f"维度{k}") for k in range(3)),
        dimension_points=third,
        indicators=tuple((f"i{k}", f"指标{k}") for k in range(3)),
        indicator_points=third.copy(),
        parent=np.arange(3),
    )
    live = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 0, 0]], float)
    return tree, np.array(scores, float) * live, live, None


@given(cases())
# tied under every weighting (3 on 维度0 alone, 3 and 3 on 维度0 and 维度1): noise must
# not order them, so no change "at the baseline"
@example(_three_dims([[0, 0, 0], [3, 3, 0], [0, 0, 0], [3, 0, 0], [0, 0, 0]]))
# they meet only as 维度1 takes all 100 points, a double root found to ~1e-6: the end
@example(_three_dims([[0, 0, 0], [80, 79, 0], [0, 0, 0], [79, 0, 0], [0, 0, 0]]))
def test_intervals_are_exact(case):
    g = group(*case)
    base = base_list(g)
    for iv in intervals(g):
        if iv.note:
            continue
        for t in np.linspace(iv.low, iv.high, 23)[1:-1]:
            assert listed(g, iv, t) == base, (iv, t)
        for end, change, step in ((iv.low, iv.low_change, -1), (iv.high, iv.high_change, 1)):
            limit = iv.floor if step < 0 else iv.ceiling
            if change:
                assert abs(end - limit) > 1e-7  # a change strictly inside the range
                assert listed(g, iv, end - step * 1e-7) == base, (iv, end)
                assert listed(g, iv, end + step * 1e-7) != base, (iv, end)
            else:
                assert end == limit


@given(cases())
def test_quota_line_ends_are_where_someone_first_enters_or_leaves(case):
    """The line's ends (``line_low``/``line_high``) are exact too: the members are the
    same across the range up to them, and differ just beyond, even when the order inside
    the list changed earlier (the baseline's last one in is then not the one passed)."""
    g = group(*case)
    if g.ranking.quota is None or g.ranking.quota >= g.size:
        return
    base = sorted(base_list(g))
    for iv in intervals(g):
        if iv.note:
            continue
        for end, step, limit in ((iv.line_low, -1, iv.floor), (iv.line_high, 1, iv.ceiling)):
            stop = limit if end is None else end
            for t in np.linspace(iv.points, stop, 23)[1:-1]:
                assert sorted(listed(g, iv, t)) == base, (iv, t)
            if end is not None:
                assert abs(end - limit) > 1e-7
                assert sorted(listed(g, iv, end - step * 1e-7)) == base, (iv, end)
                assert sorted(listed(g, iv, end + step * 1e-7)) != base, (iv, end)
