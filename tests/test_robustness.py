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
    return [e.applicant for e in rk.entries if e.recommendation == "推荐"]


def test_no_change_within_the_range_is_reported_as_the_whole_range():
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 90}, "乙": {"x0": 40, "y0": 40}})
    g = analyse(ev, batch, draws=10)
    assert [(i.low, i.high, i.low_change, i.high_change) for i in g.intervals[:2]] == [
        (0, 100, "", ""),
        (0, 100, "", ""),
    ]
    assert g.set_unchanged == 1.0


# -- Monte Carlo -----------------------------------------------------------------------------


def test_monte_carlo_reversal_probability_within_its_standard_error():
    """Weights 50/50 each × (1+U(−½,½)): 乙 overtakes iff 50·x < 40·y for x, y uniform on
    [½, 1½], a probability of 0.30625 (area of the square below the line)."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    g = analyse(ev, batch, draws=20000, spread=0.5, seed=0)
    p = 1 - 0.30625
    assert abs(g.set_unchanged - p) <= g.set_unchanged_se
    assert g.applicants[0].in_quota == g.set_unchanged
    assert g.applicants[1].shares == {1: 1 - g.set_unchanged, 2: g.set_unchanged}


def test_monte_carlo_estimate_is_unbiased_across_seeds():
    """Seed 0 above is not a lucky pick: over 40 seeds the errors, in standard errors, centre
    on 0 and about two thirds fall within one, as for an unbiased estimator."""
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    z = []
    for seed in range(40):
        g = analyse(ev, batch, draws=20000, spread=0.5, seed=seed)
        z.append((g.set_unchanged - (1 - 0.30625)) / g.set_unchanged_se)
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
    assert any(f.startswith("与其他专家评分的相关系数为") for f in e3.flags)
    assert any(f.startswith("评分标准差为其他专家的0.") for f in e3.flags)
    assert not any("平均比其他专家" in f for f in e3.flags)


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
    assert g.applicants[2].in_quota == c[1] and g.set_unchanged == a[1]


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
    # the three equal indicator shares of x: relative standard deviation S/√3
    shares = i[:, :3] / d[:, [0]]
    assert np.allclose(shares.std(axis=0) / shares.mean(axis=0), 0.3 / np.sqrt(3), rtol=0.03)


def test_quota_tie_at_the_line_is_stated():
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 80, "y0": 60}, "乙": {"x0": 80, "y0": 60}})
    g = analyse(ev, batch, draws=10)
    assert any("在名额边界总分相同" in n for n in g.notes)


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
    assert g.applicants[1].in_quota > 0 and g.set_unchanged < 1


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
