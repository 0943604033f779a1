"""Robustness of a ranking: the re-aggregation reproduces the engine, intervals are exact,
Monte Carlo matches a known probability, and the panel's influence is measured."""

import numpy as np
import pytest
from robustness_support import app_loaded, duo_batch, duo_evaluator, mini_ev, panel
from support import FULL, mini_host

from iipeval.core.analysis import robustness as R
from iipeval.core.api import Evaluator
from iipeval.core.round.batch import score_batch
from iipeval.core.scoring.params import Parameters, RankingPolicy

NA = {"na": True}


def analyse(ev, batch, **settings):
    return R.analyse(ev, batch, R.RobustnessSettings(**settings)).groups[0]


def mini_batch(ev=None, financing=(1000, NA, 300, 5000, 2000), judged=None):
    """Five applications of the mini set; one answers 融资 不适用."""
    ev = ev or mini_ev(quota=2)
    names = ["甲", "乙", "丙", "丁", "戊"]
    devices = [60, 200, 900, 30, 120]
    apps = [
        app_loaded(n, "mini", **{**FULL, "financing": f, "devices_operating": d})
        for n, f, d in zip(names, financing, devices, strict=True)
    ]
    judged = judged or {
        "专家01": [80, 70, 90, 60, 75],
        "专家02": [70, 75, 95, 65, 72],
        "专家03": [78, 66, 88, 70, 74],
    }
    scores = {
        e: {n: {"tech.judged": s} for n, s in zip(names, v, strict=True)} for e, v in judged.items()
    }
    return ev, score_batch(ev, apps, panel(scores))


# -- the arrays reproduce the engine -------------------------------------------------------


def test_reaggregation_reproduces_engine_totals_with_na_indicators_and_dimensions():
    ev = duo_evaluator(quota=1, dims=(("x", 30, 2), ("y", 45, 1), ("z", 25, 1)), money="z")
    apps = [
        app_loaded("甲", financing=3000),
        app_loaded("乙", financing=NA),  # dimension z wholly 不适用: its points go to x and y
        app_loaded("丙", financing=150),
    ]
    scores = {"甲": [80, 70, 60, 90], "乙": [60, 90, 85, 50], "丙": [75, 75, 75, 75]}
    parts = ["x0", "x1", "y0", "z0"]
    batch = score_batch(
        ev,
        apps,
        panel({"专家01": {a: dict(zip(parts, v, strict=True)) for a, v in scores.items()}}),
    )
    [rk] = batch.rankings
    g = R.build_group(ev, batch, rk, R.RobustnessSettings())
    t = g.tree
    mine = R.totals(t, g.scores, g.live, t.dimension_points[None], t.indicator_points[None])[0]
    engine = [batch.result(s).total for s in g.sources]
    assert g.live.sum() < g.live.size  # the case has 不适用 in it
    assert np.max(np.abs(mine - engine)) < 1e-9


def test_panel_scores_and_totals_reproduce_engine_under_current_policy():
    ev, batch = mini_batch()
    [rk] = batch.rankings
    g = R.build_group(ev, batch, rk, R.RobustnessSettings())
    assert np.allclose(R.combine(g.raw, "current", g.policy), g.panel, atol=1e-12)
    base = R.panel_scenarios(g, R.RobustnessSettings())[0][0]
    assert base.ranks == [e.rank for e in rk.entries if e.rank is not None]


def test_analysis_refuses_parameters_other_than_those_scored_with():
    """A clerk who analyses a batch with another parameters file gets a refusal, not
    numbers about a ranking that was never published."""
    _, batch = mini_batch()
    other = Parameters(ranking=RankingPolicy(quota=2), frameworks={"mini": {"weights": {"a": 80}}})
    with pytest.raises(R.RobustnessError, match="相差"):
        R.analyse(Evaluator(mini_host(), other), batch)


# -- one at a time ---------------------------------------------------------------------------


def test_critical_dimension_weight_equals_closed_form():
    """甲 leads on x by 50, 乙 on y by 40: 乙 overtakes when x has t* = 100·40/90 points."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=10)
    x, y = g.intervals[0], g.intervals[1]
    critical = 100 * (80 - 40) / ((90 - 40) + (80 - 40))
    assert abs(x.low - critical) < 1e-9
    assert x.high == 100 and x.high_change == ""
    assert abs(y.high - (100 - critical)) < 1e-9 and y.low == 0
    assert x.low_change == "乙超过甲（乙进入推荐名单）"


def test_critical_indicator_weight_equals_closed_form():
    """Within dimension x (60 points): 甲 leads on x0, 乙 on x1; y is equal for both."""
    ev = duo_evaluator(quota=1, dims=(("x", 60, 2), ("y", 40, 1)))
    batch = duo_batch(
        ev, {"甲": {"x0": 95, "x1": 50, "y0": 70}, "乙": {"x0": 60, "x1": 70, "y0": 70}}
    )
    g = analyse(ev, batch, draws=10)
    x0 = next(i for i in g.intervals if i.id == "x0")
    # 甲 ahead iff t·35 > (60−t)·20  ⇔  t > 1200/55
    assert abs(x0.low - 1200 / 55) < 1e-9 and x0.high == 60
    assert "乙超过甲" in x0.low_change


def test_intervals_agree_with_the_engine_rescoring_at_their_ends():
    """Just inside each end the engine's own recommended list is unchanged; just outside it
    differs (weights overridden through a parameters file, as an organiser would)."""
    ev, batch = mini_batch()
    g = analyse(ev, batch, draws=10)
    base = _recommended(ev.params, batch)
    checked = 0
    for iv in g.intervals:
        for end, change, step in ((iv.low, iv.low_change, -1), (iv.high, iv.high_change, 1)):
            if not change:
                continue
            inside = _recommended(_weights(iv, end - step * 1e-6), batch)
            outside = _recommended(_weights(iv, end + step * 1e-6), batch)
            assert inside == base and outside != base, (iv.id, end)
            checked += 1
    assert checked >= 2


def _weights(iv, t):
    if iv.level == "维度":
        w = {"a": t, "b": 100 - t} if iv.id == "a" else {"a": 100 - t, "b": t}
    else:
        peers = {
            "devices": ("breadth", 60),
            "breadth": ("devices", 60),
            "tech": ("finance", 40),
            "finance": ("tech", 40),
        }
        other, total = peers[iv.id]
        w = {iv.id: t, other: total - t}
    return Parameters(ranking=RankingPolicy(quota=2), frameworks={"mini": {"weights": w}})


def _recommended(params, batch):
    ev = Evaluator(mini_host(), params)
    _, again = mini_batch(ev)
    [rk] = again.rankings
    return [e.applicant for e in rk.entries if e.listed]


def test_no_change_within_the_range_is_reported_as_the_whole_range():
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 90}, "乙": {"x0": 40, "y0": 40}})
    g = analyse(ev, batch, draws=10)
    assert [(i.low, i.high, i.low_change, i.high_change) for i in g.intervals[:2]] == [
        (0, 100, "", ""),
        (0, 100, "", ""),
    ]
    assert g.set_unchanged.value == 1.0 and g.set_unchanged.method == "rule_of_three"
    assert g.set_unchanged.low == pytest.approx(1 - 3 / 10)  # nothing changed in 10 draws


# -- Monte Carlo -----------------------------------------------------------------------------


def test_monte_carlo_reversal_probability_within_its_standard_error():
    """Weights 50/50 each × (1+U(−½,½)): 乙 overtakes iff 50·x < 40·y for x, y uniform on
    [½, 1½], a probability of 0.30625 (area of the square below the line)."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=20000, spread=0.5, seed=0)
    p = 1 - 0.30625
    got = g.set_unchanged
    assert got.low <= p <= got.high and got.method == "wilson" and got.trials == 20000
    assert abs(got.value - p) <= np.sqrt(got.value * (1 - got.value) / got.trials)
    assert g.applicants[0].in_quota == got
    assert g.applicants[1].shares == {1: 1 - got.value, 2: got.value}


def test_monte_carlo_estimate_is_unbiased_across_seeds():
    """Seed 0 above is not a lucky pick: over 40 seeds the errors, in standard errors, centre
    on 0 and about two thirds fall within one, as for an unbiased estimator."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    z = []
    for seed in range(40):
        g = analyse(ev, batch, draws=20000, spread=0.5, seed=seed)
        got = g.set_unchanged.value
        z.append((got - (1 - 0.30625)) / np.sqrt(got * (1 - got) / 20000))
    assert abs(np.mean(z)) < 0.5
    assert 0.5 <= np.mean(np.abs(z) <= 1) <= 0.85


def test_same_seed_same_output_other_seed_other_draws():
    ev, batch = mini_batch()
    settings = {"draws": 300, "spread": 0.6}
    one = R.analyse(ev, batch, R.RobustnessSettings(seed=3, **settings)).model_dump_json()
    two = R.analyse(ev, batch, R.RobustnessSettings(seed=3, **settings)).model_dump_json()
    three = R.analyse(ev, batch, R.RobustnessSettings(seed=4, **settings)).model_dump_json()
    assert one == two and one != three


def test_draws_keep_each_level_summing_to_its_total():
    ev = duo_evaluator(dims=(("x", 60, 2), ("y", 40, 1)))
    tree = R.weight_tree(ev.effective("duo"))
    d, i = R.draw_weights(
        tree, R.RobustnessSettings(draws=50, spread=0.3), np.random.default_rng(1)
    )
    assert np.allclose(d.sum(axis=1), 100)
    assert np.allclose(i @ tree.membership, d)
    assert np.all(np.abs(d / tree.dimension_points - 1) <= 0.3 / 0.7 + 1e-9)


def test_without_quota_reports_ranks_but_no_quota_line():
    ev = duo_evaluator(quota=None)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=200)
    assert g.quota is None and g.set_unchanged is None
    assert all(a.in_quota is None for a in g.applicants)
    assert any("未设推荐名额" in n for n in g.notes)
    # without a line the whole order is what must hold
    assert g.intervals[0].low_change == "乙超过甲（排名次序改变）"


def test_quota_option_used_only_when_parameters_set_none():
    ev = duo_evaluator(quota=None)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=10, quota=1)
    assert (g.quota, g.quota_source) == (1, "命令行 --quota")
    ev2 = duo_evaluator(quota=2)
    batch2 = duo_batch(ev2, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g2 = analyse(ev2, batch2, draws=10, quota=1)
    assert (g2.quota, g2.quota_source) == (2, "参数文件")


# -- the panel -------------------------------------------------------------------------------


def test_leaving_out_one_named_expert_swaps_the_two_at_the_quota_line():
    """专家03's 95 for 甲 and 60 for 乙 decide the line: without them 乙 is first."""
    ev = mini_ev(quota=1)
    apps = [app_loaded("甲", "mini", **FULL), app_loaded("乙", "mini", **FULL)]
    scores = {
        "专家01": {"甲": {"tech.judged": 80}, "乙": {"tech.judged": 85}},
        "专家02": {"甲": {"tech.judged": 80}, "乙": {"tech.judged": 85}},
        "专家03": {"甲": {"tech.judged": 95}, "乙": {"tech.judged": 60}},
    }
    batch = score_batch(ev, apps, panel(scores))
    g = analyse(ev, batch, draws=10)
    assert [a.applicant for a in g.applicants] == ["甲", "乙"]
    loo = {s.label: s for s in g.leave_one_out}
    assert loo["去掉专家03"].ranks == [2, 1]
    assert loo["去掉专家03"].changes == [
        "甲由第1名变为第2名，落出推荐名单",
        "乙由第2名变为第1名，进入推荐名单",
    ]
    assert loo["去掉专家01"].changes == [] and loo["去掉专家01"].ranks == [1, 2]


def test_expert_who_alone_scored_a_part_leaves_it_unranked():
    ev = mini_ev(quota=1)
    apps = [app_loaded("甲", "mini", **FULL), app_loaded("乙", "mini", **FULL)]
    scores = {
        "专家01": {"甲": {"tech.judged": 80}, "乙": {"tech.judged": 85}},
        "专家02": {"甲": {"tech.judged": 70}},
    }
    g = analyse(ev, score_batch(ev, apps, panel(scores)), draws=10)
    without = {s.label: s for s in g.leave_one_out}["去掉专家01"]
    assert (
        without.ranks[g.applicants.index(next(a for a in g.applicants if a.applicant == "乙"))]
        is None
    )
    assert "乙缺少专家评分，无法排名" in without.changes


def test_policies_side_by_side_median_resists_one_outlier():
    ev = mini_ev(quota=1)
    apps = [app_loaded("甲", "mini", **FULL), app_loaded("乙", "mini", **FULL)]
    scores = {
        "专家01": {"甲": {"tech.judged": 80}, "乙": {"tech.judged": 84}},
        "专家02": {"甲": {"tech.judged": 82}, "乙": {"tech.judged": 85}},
        "专家03": {"甲": {"tech.judged": 100}, "乙": {"tech.judged": 86}},
    }
    g = analyse(ev, score_batch(ev, apps, panel(scores)), draws=10)
    by = {s.id: s for s in g.policies}
    names = [a.applicant for a in g.applicants]
    assert names == ["甲", "乙"]  # mean of 3 (no trimming below 5 experts): 87.3 vs 85
    assert by["mean"].ranks == [1, 2]
    assert by["median"].ranks == [2, 1] and by["trimmed_mean"].ranks == [2, 1]
    assert by["median"].changes == [
        "甲由第1名变为第2名，落出推荐名单",
        "乙由第2名变为第1名，进入推荐名单",
    ]


def harsh_panel():
    """Six applications; 专家03 scores 30 below the others and did not score 甲 (回避)."""
    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    base = [84, 86, 70, 75, 80, 65]
    scores = {
        "专家01": {n: {"tech.judged": b} for n, b in zip(names, base, strict=True)},
        "专家02": {n: {"tech.judged": b + 2} for n, b in zip(names, base, strict=True)},
        "专家03": {
            n: {"tech.judged": b - 30} for n, b in zip(names, base, strict=True) if n != "甲"
        },
    }
    ev = mini_ev(quota=1)
    apps = [app_loaded(n, "mini", **FULL) for n in names]
    return ev, score_batch(ev, apps, panel(scores))


def test_zscore_calibration_undoes_a_harsh_expert():
    ev, batch = harsh_panel()
    g = analyse(ev, batch, draws=10)
    names = [a.applicant for a in g.applicants]
    assert names[:2] == ["甲", "乙"]  # 乙 pulled down by the harsh expert
    z = {s.id: s for s in g.policies}["zscore"]
    assert z.ranks[names.index("乙")] == 1 and z.ranks[names.index("甲")] == 2
    assert "乙由第2名变为第1名，进入推荐名单" in z.changes


def test_zscore_leaves_experts_with_too_few_scores_alone():
    ev, batch = harsh_panel()
    g = analyse(ev, batch, draws=10, calibration_min_scores=6)
    z = {s.id: s for s in g.policies}["zscore"]
    assert z.note == "专家03评分少于6个或无差异，未校准"
    assert [e.calibrated for e in g.experts] == [True, True, False]


def test_calibration_diagnostics_state_numbers_and_flags():
    ev, batch = harsh_panel()
    g = analyse(ev, batch, draws=10)
    e1, e2, e3 = g.experts
    assert (e3.expert, e3.count, e3.compared) == ("专家03", 5, 5)
    assert e3.offset == pytest.approx(-31)  # 30 below 专家01, 32 below 专家02
    assert e3.correlation == pytest.approx(1.0)
    assert e3.flags == ["平均比其他专家低31分，超过±10分"]
    # against a panel that includes the harsh expert, the others look lenient: the table
    # states offsets from the rest, it does not say who is "right"
    assert e1.offset == pytest.approx((-2 + 5 * 14) / 6)
    assert e2.offset == pytest.approx((2 + 5 * 17) / 6)
    assert e1.flags == ["平均比其他专家高11.3分，超过±10分"]


def test_low_correlation_and_narrow_spread_are_flagged():
    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    base = [90, 60, 80, 70, 85, 65]
    flat = [74, 76, 75, 76, 74, 75]  # no relation to the others, hardly any spread
    scores = {
        "专家01": {n: {"tech.judged": b} for n, b in zip(names, base, strict=True)},
        "专家02": {n: {"tech.judged": b + 1} for n, b in zip(names, base, strict=True)},
        "专家03": {n: {"tech.judged": f} for n, f in zip(names, flat, strict=True)},
    }
    ev = mini_ev(quota=1)
    batch = score_batch(ev, [app_loaded(n, "mini", **FULL) for n in names], panel(scores))
    e3 = analyse(ev, batch, draws=10).experts[2]
    assert any(f.startswith("与其他专家评分的相关系数（两两相关的中位数）为") for f in e3.flags)
    assert any(f.startswith("评分标准差为其他专家的0.") for f in e3.flags)
    assert not any("平均比其他专家" in f for f in e3.flags)


def test_one_erratic_expert_is_flagged_and_the_sound_ones_are_not():
    """Four experts track the applicants' quality; 专家05 scores against it, widely. The
    mean of "the others" holds 专家05 at a quarter and its spread dominates: against it,
    each sound expert correlates negatively. The median of the pairwise correlations
    (three near 1, one near −1) leaves them alone and flags 专家05 only."""
    names = [f"申报{k}" for k in range(8)]
    quality = [62, 66, 70, 74, 78, 82, 86, 90]
    noise = [[1, -1, 0, 2, -2, 1, 0, -1], [0, 1, -1, 1, 0, -2, 2, 0], [-1, 0, 2, -1, 1, 0, -1, 1]]
    scores = {"专家01": {n: {"tech.judged": q} for n, q in zip(names, quality, strict=True)}}
    for k, e in enumerate(noise, start=2):
        scores[f"专家0{k}"] = {
            n: {"tech.judged": q + d} for n, q, d in zip(names, quality, e, strict=True)
        }
    scores["专家05"] = {
        n: {"tech.judged": 100 - 3 * (q - 60)} for n, q in zip(names, quality, strict=True)
    }
    ev = mini_ev(quota=2)
    batch = score_batch(ev, [app_loaded(n, "mini", **FULL) for n in names], panel(scores))
    experts = {e.expert: e for e in analyse(ev, batch, draws=10).experts}
    for e in ("专家01", "专家02", "专家03", "专家04"):
        assert experts[e].correlation > 0.9
        assert not any("相关系数" in f for f in experts[e].flags), experts[e].flags
    assert experts["专家05"].correlation == pytest.approx(-1, abs=0.1)
    assert any("相关系数" in f for f in experts["专家05"].flags)
    # independently: the median of 专家01's four pairwise correlations (numpy)
    col = [[scores[e][n]["tech.judged"] for n in names] for e in sorted(scores)]
    pairwise = [np.corrcoef(col[0], c)[0, 1] for c in col[1:]]
    assert experts["专家01"].correlation == pytest.approx(float(np.median(pairwise)))


def test_rank_shares_follow_each_draws_order_with_three_applicants():
    """丙 (strong on x only) jumps from third to first when x weighs enough; 甲 stays ahead
    of 乙 always. So 丙 is first exactly when 甲 is second, and 乙 is never first."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(
        ev, {"甲": {"x0": 70, "y0": 70}, "乙": {"x0": 66, "y0": 66}, "丙": {"x0": 100, "y0": 20}}
    )
    g = analyse(ev, batch, draws=4000, spread=0.5)
    a, b, c = (x.shares for x in g.applicants)
    assert [x.applicant for x in g.applicants] == ["甲", "乙", "丙"]
    assert 0 < c[1] < 1 and c[1] == a[2] and 1 not in b and 3 not in a
    for k in (1, 2, 3):
        assert sum(s.get(k, 0) for s in (a, b, c)) == pytest.approx(1)
    assert g.applicants[2].in_quota.value == c[1] and g.set_unchanged.value == a[1]


def test_totals_depend_only_on_proportions_within_each_level():
    ev, batch = mini_batch()
    [rk] = batch.rankings
    g = R.build_group(ev, batch, rk, R.RobustnessSettings())
    t = g.tree
    d, i = t.dimension_points[None], t.indicator_points[None]
    scaled = np.concatenate([i[:, t.parent == 0] * 3, i[:, t.parent == 1] * 0.5], axis=1)
    base = R.totals(t, g.scores, g.live, d, i)
    assert np.allclose(R.totals(t, g.scores, g.live, d * 7, scaled), base, atol=1e-12)


def test_dirichlet_draws_centre_on_the_weights_with_the_stated_spread():
    ev = duo_evaluator(dims=(("x", 60, 3), ("y", 40, 1)))
    tree = R.weight_tree(ev.effective("duo"))
    settings = R.RobustnessSettings(draws=20000, spread=0.3, method="dirichlet")
    d, i = R.draw_weights(tree, settings, np.random.default_rng(0))
    assert np.allclose(d.sum(axis=1), 100) and np.allclose(i @ tree.membership, d)
    assert np.allclose(d.mean(axis=0), tree.dimension_points, rtol=0.01)
    assert np.allclose(i.mean(axis=0), tree.indicator_points, rtol=0.01)
    # three equal shares: the uniform draws' total variance (S²/3)·(2/9) gives κ + 1 = 3/(S²/3)
    # and each share a relative standard deviation of (S/√3)·√(2/3)
    shares = i[:, :3] / d[:, [0]]
    expected = 0.3 / np.sqrt(3) * np.sqrt(2 / 3)
    assert np.allclose(shares.std(axis=0) / shares.mean(axis=0), expected, rtol=0.03)


@pytest.mark.parametrize(
    "points", [(60, 25, 10, 5), (40, 30, 20, 10), (70, 10, 10, 10), (91, 3, 3, 3)]
)
def test_dirichlet_and_uniform_move_the_weights_as_much_overall_at_the_same_spread(points):
    """The same S means the same total variance of the shares under both methods (within
    Monte Carlo error and the delta method's second order); small shares move more under
    the Dirichlet, which the run reports as each level's relative standard deviations."""
    dims = tuple((f"d{k}", p, 1) for k, p in enumerate(points))
    tree = R.weight_tree(duo_evaluator(dims=dims).effective("duo"))
    spread = {}
    for method in ("uniform", "dirichlet"):
        settings = R.RobustnessSettings(draws=40000, spread=0.2, method=method)
        d, _ = R.draw_weights(tree, settings, np.random.default_rng(1))
        spread[method] = (d / 100).var(axis=0).sum()
    assert spread["dirichlet"] == pytest.approx(spread["uniform"], rel=0.04)


def test_quota_tie_at_the_line_is_stated():
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 80, "y0": 60}, "乙": {"x0": 80, "y0": 60}})
    g = analyse(ev, batch, draws=10)
    assert any("在名额边界总分相同" in n for n in g.notes)


def test_identical_applicants_on_the_quota_line_share_the_in_quota_probability():
    """Twins tied on the line: neither is in by file order. With one place, each is in
    half the time; with 丙 sometimes ahead of both and two places, the twins still share
    alike, and the shares add up to the places."""
    ev = duo_evaluator(quota=1)
    twins = {"甲": {"x0": 80, "y0": 60}, "乙": {"x0": 80, "y0": 60}}
    g = analyse(ev, duo_batch(ev, twins), draws=500, spread=0.4)
    assert [a.in_quota.value for a in g.applicants] == [0.5, 0.5]
    ev = duo_evaluator(quota=2)
    three = {**twins, "丙": {"x0": 95, "y0": 40}}  # 67.5 against the twins' 70
    g = analyse(ev, duo_batch(ev, three), draws=2000, spread=0.4)
    p = {a.applicant: a.in_quota.value for a in g.applicants}
    assert p["甲"] == p["乙"] and 0.5 < p["甲"] < 1 and 0 < p["丙"] < 1
    assert p["甲"] + p["乙"] + p["丙"] == pytest.approx(2)


def test_every_probability_carries_an_interval_and_its_unit():
    """2 of 100,000 draws change the list: it reads 99.998%, never 100% with an error of
    0; no change at all: the rule of three bounds it."""
    from iipeval.core.analysis.robustness_stats import percent, probability

    p = probability(99_998, 100_000, "次权重抽样")
    assert p.method == "wilson" and percent(p.value) == "99.998%"
    assert p.low < p.value < p.high < 1
    assert p.text().startswith("99.998%（95%区间 99.99") and "100,000次权重抽样" in p.text()
    none = probability(100_000, 100_000, "次权重抽样")
    assert (none.method, none.low, none.high) == ("rule_of_three", 1 - 3 / 100_000, 1.0)
    assert percent(0.4) == "40%" and percent(2e-5) == "0.002%" and percent(0) == "0%"


def test_wilson_interval_matches_the_textbook_formula():
    """Against Wilson (1927) as Newcombe (1998) writes it, for a few shares."""
    from iipeval.core.analysis.robustness_stats import Z95, probability

    for k, n in ((1, 10), (30, 100), (999, 1000), (5, 2000)):
        p, z = k / n, Z95
        centre = (2 * n * p + z * z) / (2 * (n + z * z))
        half = z * np.sqrt(z * z + 4 * n * p * (1 - p)) / (2 * (n + z * z))
        got = probability(k, n, "次")
        assert (got.low, got.high) == pytest.approx((centre - half, centre + half), abs=1e-12)


def test_identical_applications_keep_their_baseline_order_in_every_draw():
    """Equal totals never reorder by chance: the ranking's own tie order holds in every
    draw, while the pairs themselves change places from draw to draw."""
    ev = duo_evaluator(quota=1)
    apps = {}
    for k in range(15):
        for twin in "甲乙":
            apps[f"申报{k:02d}{twin}"] = {"x0": 50 + 3 * k, "y0": 95 - 3 * k}
    g = analyse(ev, duo_batch(ev, apps), draws=200, spread=0.5)
    order = [a.applicant for a in g.applicants]  # the ranking's order: ties by name
    for k in range(15):
        one, two = order.index(f"申报{k:02d}甲"), order.index(f"申报{k:02d}乙")
        first, second = g.applicants[min(one, two)], g.applicants[max(one, two)]
        assert first.rank == second.rank  # shared in the ranking
        assert second.mean_rank - first.mean_rank == pytest.approx(1)
    assert any(len(a.shares) > 1 for a in g.applicants)  # the pairs do move


def test_long_rankings_count_later_ranks_together_but_keep_exact_mean_rank(monkeypatch):
    """Memory stays A × (MAX_RANKS+1) however many applications a ranking holds."""
    ev, batch = mini_batch()
    full = analyse(ev, batch, draws=500, spread=0.8)
    monkeypatch.setattr(R, "MAX_RANKS", 2)
    monkeypatch.setattr("iipeval.core.analysis.robustness_weights.MAX_RANKS", 2)
    cut = analyse(ev, batch, draws=500, spread=0.8)
    for a, b in zip(full.applicants, cut.applicants, strict=True):
        assert set(b.shares) <= {1, 2} and a.beyond is None
        assert b.shares == {k: v for k, v in a.shares.items() if k <= 2}
        assert b.beyond == pytest.approx(sum(v for k, v in a.shares.items() if k > 2))
        assert b.mean_rank == a.mean_rank
    assert any(b.beyond for b in cut.applicants)


def test_minimum_total_is_a_line_too():
    """推荐最低总分 62 and no quota: 甲 (40 + t/2 with x at t points) is in, 乙 (80 − 0.4t)
    is out; lowering x, 乙 reaches the line at t = 45 before 甲 leaves it at t = 44."""
    ev = duo_evaluator(min_total=62)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=2000, spread=0.3)
    x = g.intervals[0]
    assert abs(x.low - 45) < 1e-9 and x.low_change == "乙升至推荐最低总分62分"
    assert x.high == 100 and x.high_change == ""
    y = g.intervals[1]
    assert abs(y.high - 55) < 1e-9 and y.high_change == "乙升至推荐最低总分62分"
    assert g.applicants[1].in_quota.value > 0 and g.set_unchanged.value < 1


# -- leave-one-out keeps the rule; a rule change is said apart ------------------------------


def _harsh_on_two(**policy):
    """甲 and 乙 on x (y is 80 for both), five experts; 专家5 is harsh, harder on 乙."""
    ev = duo_evaluator(quota=1, **policy)
    x = {
        "专家1": (80, 81),
        "专家2": (82, 83),
        "专家3": (84, 85),
        "专家4": (86, 87),
        "专家5": (62, 50),
    }
    scores = {e: {"甲": {"x0": a, "y0": 80}, "乙": {"x0": b, "y0": 80}} for e, (a, b) in x.items()}
    batch = score_batch(ev, [app_loaded("甲"), app_loaded("乙")], panel(scores))
    return analyse(ev, batch, draws=10)


def test_leaving_one_out_keeps_the_old_threshold_rule_and_names_the_rule_change_apart():
    """The issue's case: under "trimmed from 5 experts, plain mean below", leaving out any of
    专家1–4 made the report blame them, when the cause was 专家5's 50 counted in full."""
    g = _harsh_on_two(trim_min_experts=5)
    # full panel, 50 + x/2 (y is 80 → 40 points): 乙 (81+83+85)/3 = 83 → 81.5, 甲 82 → 81
    assert [a.applicant for a in g.applicants] == ["乙", "甲"]
    assert [a.total for a in g.applicants] == pytest.approx([81.5, 81])
    loo = {s.label: s for s in g.leave_one_out}
    # without 专家1, still one set aside at each end of 4: 乙 (83+85)/2 = 84, 甲 (82+84)/2 = 83
    assert loo["去掉专家1"].totals == pytest.approx([84 / 2 + 40, 83 / 2 + 40])
    swap = ["乙由第1名变为第2名，落出推荐名单", "甲由第2名变为第1名，进入推荐名单"]
    for e in ("专家1", "专家2", "专家3", "专家4"):
        assert loo[f"去掉{e}"].changes == []  # not their doing
        # the plain mean of 4 (乙 (83+85+87+50)/4 = 76.25, 甲 78.5) swaps the two
        assert loo[f"去掉{e}"].rule_changes == swap
    # without 专家5: 乙 (83+85)/2 = 84, 甲 (82+84)/2 = 83; the plain mean of 4 agrees
    assert loo["去掉专家5"].totals == pytest.approx([82, 81.5])
    assert loo["去掉专家5"].changes == [] and loo["去掉专家5"].rule_changes == []


def test_leaving_one_out_under_the_proportional_rule_says_what_the_fewer_experts_change():
    g = _harsh_on_two()
    assert [a.total for a in g.applicants] == pytest.approx([81.5, 81])  # 5 experts: 1 each
    without = {s.label: s for s in g.leave_one_out}["去掉专家1"]
    assert without.changes == []
    # afresh, 0.8 set aside at each end of 4: 乙 (0.2·50+83+85+0.2·87)/2.4 = 81.417,
    # 甲 (0.2·62+82+84+0.2·86)/2.4 = 81.5: 专家5's 50 counts a fifth, and 甲 moves ahead
    assert without.rule_changes == [
        "乙由第1名变为第2名，落出推荐名单",
        "甲由第2名变为第1名，进入推荐名单",
    ]


# -- what a reviewer asks next: the line, the panel resampled, agreement --------------------


def test_quota_line_names_the_pair_its_winning_index_and_the_smallest_weight_change():
    """甲 (90, 40) is in, 乙 (40, 80) out, by 65 − 60 = 5 points. With x at t points 甲 has
    (90t + 40(100 − t))/100 and 乙 (40t + 80(100 − t))/100: equal at t = 400/9, so x
    moving from 50 to 44.44 (−11.1%) moves the line; y symmetrically from 50 to 55.56."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=20000, spread=0.5, seed=0)
    line = g.quota_line
    assert (line.last_in, line.first_out, line.gap) == ("甲", "乙", pytest.approx(5))
    # with two applicants the winning index is the chance the list holds: 1 − 0.30625
    assert line.winning_index.value == g.set_unchanged.value
    assert line.winning_index.low <= 1 - 0.30625 <= line.winning_index.high
    change = line.smallest_change
    assert (change.level, change.name) == ("维度", "维度x")
    assert change.to == pytest.approx(400 / 9) and change.relative == pytest.approx(1 / 9)
    assert change.change == "乙超过甲（乙进入推荐名单）"


def test_the_smallest_single_weight_change_is_the_smallest_relative_one():
    """x at 60 and y at 40 points: 甲 = 40 + t/2 and 乙 = 80 − 0.4t with x at t, equal at
    t = 400/9: x moving down 25.9% moves the line, y would have to move up 38.9%."""
    ev = duo_evaluator(quota=1, dims=(("x", 60, 1), ("y", 40, 1)))
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=100)
    assert g.quota_line.gap == pytest.approx(14)
    x, y = g.intervals[:2]
    assert x.line_low == pytest.approx(400 / 9) and y.line_high == pytest.approx(100 - 400 / 9)
    change = g.quota_line.smallest_change
    assert (change.name, change.to) == ("维度x", pytest.approx(400 / 9))
    assert change.relative == pytest.approx((60 - 400 / 9) / 60)


def _exact_bootstrap(scores: dict[str, dict[str, dict[str, float]]]) -> dict[str, float]:
    """P(first place) of each applicant over every ordered resample of the experts, each
    equally likely, aggregated by the engine's own scalar rule (not the vectorised one)."""
    import itertools

    from iipeval.core.scoring.aggregation import combine
    from iipeval.core.scoring.params import AggregationPolicy

    experts = sorted(scores)
    apps = sorted({a for e in experts for a in scores[e]})
    wins = dict.fromkeys(apps, 0.0)
    draws = list(itertools.product(experts, repeat=len(experts)))
    for draw in draws:
        total = {}
        for a in apps:
            parts = []
            for part in ("x0", "y0"):
                given = [scores[e][a][part] for e in draw if a in scores[e]]
                parts.append(combine(given, AggregationPolicy())[0])
            total[a] = sum(parts) / 2
        best = max(total.values())
        first = [a for a in apps if abs(total[a] - best) < 1e-9]
        for a in first:
            wins[a] += 1 / len(first)
    return {a: w / len(draws) for a, w in wins.items()}


def test_bootstrap_over_experts_estimates_the_exact_resampling_probability():
    """Three experts; 专家3 alone puts 甲 ahead. Over all 27 ordered resamples (exact),
    and over 4,000 drawn ones (the analysis), P(甲 in the one place) agree within the
    interval the analysis states."""
    scores = {
        "专家1": {"甲": {"x0": 80, "y0": 80}, "乙": {"x0": 85, "y0": 80}},
        "专家2": {"甲": {"x0": 81, "y0": 80}, "乙": {"x0": 84, "y0": 80}},
        "专家3": {"甲": {"x0": 99, "y0": 80}, "乙": {"x0": 60, "y0": 80}},
    }
    ev = duo_evaluator(quota=1)
    batch = score_batch(ev, [app_loaded("甲"), app_loaded("乙")], panel(scores))
    g = analyse(ev, batch, draws=10, resamples=4000)
    exact = _exact_bootstrap(scores)
    names = [a.applicant for a in g.applicants]
    for a, p in zip(names, g.bootstrap.in_quota, strict=True):
        assert p.unit == "次专家重抽样" and p.trials == 4000
        assert p.low <= exact[a] <= p.high, (a, p, exact[a])
    assert 0.2 < exact["甲"] < 0.8  # the panel's draw matters here


def test_bootstrap_is_off_without_a_line_or_when_asked():
    ev = duo_evaluator()
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    assert analyse(ev, batch, draws=10).bootstrap is None  # no quota, no line
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    assert analyse(ev, batch, draws=10, resamples=0).bootstrap is None


def test_kendalls_w_and_its_p_value_agree_with_scipy_friedman():
    """W = χ²_F / (k(n − 1)) with Friedman's χ² corrected for ties (scipy), on random
    score tables with ties; the p-value is scipy's χ² survival function."""
    stats = pytest.importorskip("scipy.stats")
    from iipeval.core.analysis.robustness_stats import chi2_sf, kendall_w

    rng = np.random.default_rng(5)
    for _ in range(40):
        n, k = int(rng.integers(3, 15)), int(rng.integers(2, 8))
        x = rng.integers(60, 70, (n, k)).astype(float)  # few values: many ties
        if np.all(x == x[0]):
            continue
        w, chi2, df, p = kendall_w(x)
        friedman = stats.friedmanchisquare(*x)  # each application a treatment, experts blocks
        assert chi2 == pytest.approx(friedman.statistic, rel=1e-9)
        assert w == pytest.approx(friedman.statistic / (k * (n - 1)), rel=1e-9)
        assert p == pytest.approx(friedman.pvalue, rel=1e-7, abs=1e-12)
    for df in (1, 2, 5, 13, 40):
        for x in (0.01, 0.5, 1, 3, 10, 25, 80, 200):
            assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-9, abs=1e-300)


def test_agreement_per_part_is_named_and_flags_a_part_the_panel_ranks_apart():
    """On x the three experts rank five applications alike (W = 1); on y 专家3 reverses
    the others (W = 1/9 by hand: rank sums 7, 8, 9, 10, 11 → S = 10, 12·10 / (3²·(5³ − 5))),
    so y is flagged and x is not."""
    names = ["甲", "乙", "丙", "丁", "戊"]
    scores = {}
    for e, flip in (("专家1", False), ("专家2", False), ("专家3", True)):
        scores[e] = {
            n: {"x0": 60 + 5 * k, "y0": (80 - 5 * k) if flip else (60 + 5 * k)}
            for k, n in enumerate(names)
        }
    ev = duo_evaluator(quota=2)
    batch = score_batch(ev, [app_loaded(n) for n in names], panel(scores))
    by = {a.part: a for a in analyse(ev, batch, draws=10).agreement}
    assert by["x0"].w == pytest.approx(1) and not by["x0"].flagged
    assert by["y0"].w == pytest.approx(1 / 9) and by["y0"].flagged
    assert by["x0"].measure.startswith("Kendall's W") and by["x0"].label == "指标x0·专家评价"
    assert by["y0"].note == "申报少于7份，χ²检验仅供参考"


def test_weights_drawn_from_the_panels_ahp_judgements_follow_their_spread():
    """Three experts judge x against y as 3, 1 and 1/3 (the pooled judgement 1: 50/50, the
    weights in force). 甲 (90, 40) beats 乙 (40, 80) while x's share w > 4/9, i.e. while the
    drawn experts' geometric mean judgement exceeds 0.8: exactly when the resample holds
    at least as many 3s as 1/3s. P = (enumerated over the 27 ordered resamples) 17/27."""
    import itertools

    from iipeval.core.analysis.ahp_round import ExpertJudgements
    from iipeval.core.analysis.ahp_spread import spread_of

    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    judged = [
        ExpertJudgements(e, e, f"{e}.xlsx", "", {"": {(0, 1): v}})
        for e, v in (("E1", 3.0), ("E2", 1.0), ("E3", 1 / 3))
    ]
    spread = spread_of(ev.framework("duo").framework, None, judged)
    settings = R.RobustnessSettings(draws=8000, method="ahp", resamples=0)
    g = R.analyse(ev, batch, settings, spreads=[spread]).groups[0]
    exact = np.mean(
        [d.count("E1") >= d.count("E3") for d in itertools.product(["E1", "E2", "E3"], repeat=3)]
    )
    assert exact == pytest.approx(17 / 27)
    held = g.applicants[0].in_quota
    assert held.low <= exact <= held.high
    assert "按3位专家的层次分析法调查表重抽样专家" in g.weights_source
    # without this set's questionnaires the draws fall back to ±S, and say so
    other = R.analyse(ev, batch, settings, spreads=[]).groups[0]
    assert any("改按 ±S 均匀扰动" in n for n in other.notes)


def test_a_meeting_round_is_analysed_for_its_weights_not_for_a_panel_it_does_not_have():
    """会议评审: one agreed figure per part; the weights still move, but there are no
    experts to leave out, resample or compare."""
    from iipeval.core.model.application import SUMMARY_ID

    ev = duo_evaluator(quota=1)
    agreed = {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}, "丙": {"x0": 60, "y0": 60}}
    batch = score_batch(ev, [app_loaded(n) for n in agreed], panel({SUMMARY_ID: agreed}))
    g = analyse(ev, batch, draws=50)
    assert [a.applicant for a in g.applicants] == ["甲", "丙", "乙"]  # 65, 60, 60 (丙 ahead)
    assert g.set_unchanged is not None and g.quota_line is not None
    assert (g.leave_one_out, g.bootstrap, g.agreement, g.experts) == ([], None, [], [])
    assert any(n.startswith("会议评审（评审组合议评分）") for n in g.notes)


def _resampled(g, resamples: int, seed: int, quota=None, min_total=None):
    """The bootstrap with and without setting aside the applicants it cannot move, at
    this quota and 推荐最低总分, and how many it set aside."""
    import dataclasses

    from iipeval.core.analysis import robustness_bootstrap as B

    s = R.RobustnessSettings(draws=10, resamples=resamples, seed=seed)
    g = dataclasses.replace(g, ranking=RankingPolicy(quota=quota, min_total=min_total))
    coef = g.slope * g.engine_weights[:, g.part_indicator] / 100
    aside = int(np.sum(~np.isnan(B._certain(g, coef))))
    return B.bootstrap(g, s, prune=True), B.bootstrap(g, s, prune=False), aside


def _group(names, scores):
    ev = duo_evaluator()
    batch = score_batch(ev, [app_loaded(n) for n in names], panel(scores))
    return R.build_group(ev, batch, batch.rankings[0], R.RobustnessSettings())


def test_bootstrap_sets_aside_only_applicants_no_resample_can_move():
    """Forty applicants, six of them close, four experts: at a quota of three most are
    surely in or surely out and are not resampled, and the result is the same to the last
    digit as resampling them all; so it is at every other quota, and with 推荐最低总分
    keeping the list short of the quota."""
    rng = np.random.default_rng(3)
    names = [f"申报{k:02d}" for k in range(40)]
    scores = {
        f"专家{e}": {
            n: {"x0": int(30 + 1.5 * k + rng.integers(-w, w + 1)), "y0": int(40 + k + bias)}
            for k, n in enumerate(names)
            for w in [12 if k >= 34 else 3]  # the top six are close
        }
        for e, bias in enumerate((0, 2, -4, 1))
    }
    g = _group(names, scores)
    pruned, full, aside = _resampled(g, 3000, 4, quota=3)
    assert aside >= 30 and 0 < pruned.set_unchanged.value < 1  # the line does move
    assert pruned.model_dump() == full.model_dump()
    for quota in range(1, 40):
        for min_total in (None, float(g.engine_totals[1]) - 0.5):
            pruned, full, _ = _resampled(g, 300, quota, quota=quota, min_total=min_total)
            assert pruned.model_dump() == full.model_dump(), (quota, min_total)


def test_bootstrap_set_aside_keeps_twins_on_the_line_the_minimum_total_and_recusals():
    """Twins at the line (third and fourth), 推荐最低总分 cutting into the list, an expert
    who scored one applicant's part alone: the same result with and without setting anyone
    aside, ties shared and resamples without that expert noted alike, at every quota."""
    rng = np.random.default_rng(8)
    names = [f"申报{k:02d}" for k in range(24)]
    base = {n: 40 + 2 * k for k, n in enumerate(names)}
    scores = {
        f"专家{e}": {n: {"x0": int(v + rng.integers(-6, 7)), "y0": v} for n, v in base.items()}
        for e in range(5)
    }
    for given in scores.values():
        given[names[-4]] = given[names[-3]]  # twins, third and fourth
    for e in range(1, 5):
        del scores[f"专家{e}"][names[5]]["x0"]  # only 专家0 scored it
    g = _group(names, scores)
    assert g.engine_totals[2] == g.engine_totals[3]
    for min_total in (None, 81.5, float(g.engine_totals[2]), 70.0):
        for quota in (None, *range(1, 24)) if min_total else range(1, 24):
            pruned, full, aside = _resampled(g, 400, 1, quota=quota, min_total=min_total)
            assert pruned.model_dump() == full.model_dump(), (quota, min_total)
            assert "没有抽到评过它的专家" in pruned.note
    pruned, full, aside = _resampled(g, 2000, 1, quota=3, min_total=81.5)
    assert aside >= 5 and pruned.model_dump() == full.model_dump()
    assert pruned.in_quota[2].value == pruned.in_quota[3].value > 0


def test_scenario_rankings_without_near_ties_are_the_rankings_rank_gives():
    """Where no two totals tie the scenarios rank from the totals sorted; so ranked, every
    policy and every leave-one-out gives the ranks, places and totals ``rank`` gives, with
    a quota, with 推荐最低总分, and with an expert whose absence leaves a part unscored."""
    import dataclasses

    from iipeval.core.analysis.robustness_panel import _ranked, combine

    rng = np.random.default_rng(11)
    names = [f"申报{k:02d}" for k in range(30)]
    scores = {
        f"专家{e}": {
            n: {"x0": int(rng.integers(50, 100)), "y0": int(rng.integers(50, 100))} for n in names
        }
        for e in range(4)
    }
    for e in range(1, 4):
        del scores[f"专家{e}"][names[4]]["y0"]  # only 专家0 scored it
    g0 = _group(names, scores)
    panels = [combine(g0.raw, how, g0.policy) for how in ("current", "mean", "median")]
    for e in range(4):
        raw = g0.raw.copy()
        raw[:, :, e] = np.nan
        panels.append(combine(raw, "current", g0.policy))
    unranked = 0
    for quota, min_total in ((3, None), (None, float(g0.engine_totals[7])), (10, 70.0)):
        g = dataclasses.replace(g0, ranking=RankingPolicy(quota=quota, min_total=min_total))
        for new in panels:
            assert _ranked(g, new) == _ranked(g, new, plain=False)
            unranked += None in _ranked(g, new)[0]
    assert unranked == 3  # without 专家0, 申报04 is not ranked


@pytest.mark.parametrize(
    "policy",
    [{}, {"method": "mean"}, {"method": "median"}, {"trim": 0.3}, {"trim_min_experts": 4}],
)
def test_resampled_panel_scores_are_the_trimmed_means_to_the_last_digit(policy):
    """The bootstrap's panel scores, weights looked up by count, are :func:`trimmed`'s with
    the share set aside by that count, bit for bit, with experts missing (NaN) throughout."""
    from iipeval.core.analysis.robustness_bootstrap import _trimmed
    from iipeval.core.analysis.robustness_panel import trim_counts, trimmed
    from iipeval.core.scoring.params import AggregationPolicy

    rng = np.random.default_rng(2)
    raw = rng.integers(0, 101, (50, 30, 4, 7)) + rng.choice([0.0, 0.5, 1 / 3], (50, 30, 4, 7))
    raw[rng.random(raw.shape) < 0.3] = np.nan
    raw[:3, 0] = np.nan  # nobody scored these
    rule = AggregationPolicy(**policy)
    want = trimmed(raw, trim_counts(np.sum(~np.isnan(raw), axis=-1), rule))
    got = _trimmed(raw, rule)
    assert np.isnan(want).any() and np.array_equal(got, want, equal_nan=True)
    assert got.tobytes() == want.tobytes()


def test_always_tied_pairs_are_the_ones_every_cross_product_of_the_pairs_says():
    """Earlier applications only, and the other cross products only where the first
    vanishes, in blocks: the same first tie as testing every pair at once, ties planted
    across blocks, zeros, and a row with no finite coefficients among them."""
    from iipeval.core.analysis import robustness_weights as W

    def every_pair(mob):
        p, q, r, u = (np.asarray(x, dtype=float) for x in mob)
        scale = np.maximum.reduce([np.abs(p), np.abs(q), np.abs(r), np.abs(u), np.ones_like(p)])
        tol = 1e-9 * np.outer(scale, scale)
        with np.errstate(invalid="ignore"):
            same = (
                (np.abs(np.outer(p, r) - np.outer(r, p)) <= tol)
                & (np.abs(np.outer(q, u) - np.outer(u, q)) <= tol)
                & (np.abs(np.outer(p, u) + np.outer(q, r) - np.outer(u, p) - np.outer(r, q)) <= tol)
            )
        return np.argmax(same, axis=1)

    rng = np.random.default_rng(6)
    for k in range(12):
        mob = [rng.integers(0, 4, 600) * rng.choice([1.0, 0.1, 1 / 3]) for _ in range(4)]
        mob[3] = mob[3] * (k % 2)
        mob[0][[5, 400]] = mob[0][[405, 2]]  # copies across blocks
        if k == 7:
            mob[2][9] = np.nan
        with np.errstate(invalid="ignore"):
            got = W._always_tied(mob)
        want = every_pair(mob)
        assert np.array_equal(got, want) and np.any(want != np.arange(600))
