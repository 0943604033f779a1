"""Expert panel aggregation with 1, 4, 5 and 9 experts, grade bands and disagreement: one
rule for every applicant, whatever the number of experts who scored it."""

import pytest
from support import application, mini_evaluator, reviews

from iipeval.core.model.application import ExpertReview
from iipeval.core.scoring.aggregation import aggregate
from iipeval.core.scoring.params import AggregationPolicy

POLICY = AggregationPolicy()
PART = [("p", "技术·专家评价")]


def panel(*scores, policy=POLICY):
    revs = [ExpertReview(expert=f"E{k}", scores={"p": s}) for k, s in enumerate(scores)]
    panels, findings = aggregate(PART, revs, policy)
    return panels.get("p"), findings


def test_one_expert_is_the_score():
    p, findings = panel(70)
    assert p.score == 70 and p.weights == (("E0", 1.0),) and findings == []


def test_four_experts_count_the_highest_and_lowest_at_a_fifth():
    # trim 0.2 × 4 experts = 0.8 set aside at each end: 60 and 90 each count 0.2
    p, _ = panel(60, 70, 80, 90)
    assert p.score == pytest.approx((0.2 * 60 + 70 + 80 + 0.2 * 90) / 2.4)
    assert dict(p.weights) == pytest.approx(
        {"E0": 0.2 / 2.4, "E1": 1 / 2.4, "E2": 1 / 2.4, "E3": 0.2 / 2.4}
    )
    assert p.applied == "最高、最低分各计入20%" and p.kept == ("E0", "E1", "E2", "E3")


def test_five_experts_drop_highest_and_lowest():
    p, _ = panel(60, 70, 80, 90, 100)
    assert (p.score, p.method) == (80, "trimmed_mean")
    assert p.kept == ("E1", "E2", "E3") and p.applied == "最高、最低分各去掉1个"


def test_seven_experts_drop_one_and_part_of_the_next():
    # 0.2 × 7 = 1.4 at each end: 10 and 99 out, 60 and 90 count 0.6
    p, _ = panel(10, 60, 70, 75, 80, 90, 99)
    assert p.score == pytest.approx((0.6 * 60 + 70 + 75 + 80 + 0.6 * 90) / 4.2)
    assert p.applied == "最高、最低分各去掉1个，其次的各计入60%"


def test_nine_experts_trimmed_and_flagged():
    # 0.2 × 9 = 1.8: 40 and 99 out, 70 and 82 count 0.2
    p, findings = panel(40, 70, 72, 74, 76, 78, 80, 82, 99)
    assert p.score == pytest.approx((0.2 * 70 + 72 + 74 + 76 + 78 + 80 + 0.2 * 82) / 5.4)
    assert p.spread == 59 and p.disagreement
    [f] = findings
    assert f.code == "disagreement" and "需复议" in f.message and "59" in f.message


def test_equal_scores_trim_one_of_each():
    p, _ = panel(80, 80, 80, 80, 80)
    assert p.score == 80 and len(p.kept) == 3


def test_the_rule_changes_smoothly_with_the_number_of_experts():
    """Dropping one expert moves the weight of the remaining extremes by a fifth, never from
    0 to full as the old threshold rule did (trimmed from 5, plain mean at 4)."""
    harsh = [80, 82, 84, 86, 40]
    full, _ = panel(*harsh)
    four, _ = panel(*harsh[1:])  # the first expert recused
    old = AggregationPolicy(trim_min_experts=5)
    four_old, findings = panel(*harsh[1:], policy=old)
    assert full.score == 82  # 40 and 86 set aside
    assert four.score == pytest.approx((0.2 * 40 + 82 + 84 + 0.2 * 86) / 2.4)  # 80.5
    assert four_old.score == 73  # the harsh 40 in full
    assert [f.code for f in findings] == ["rule_switched", "disagreement"]
    assert "trim_min_experts" in findings[0].message


def test_old_threshold_rule_is_a_parameter():
    p, _ = panel(60, 70, 80, 90, policy=AggregationPolicy(trim_min_experts=4))
    assert (p.score, p.method) == (75, "trimmed_mean")
    p, _ = panel(60, 70, 80, 90, 100, policy=AggregationPolicy(method="mean"))
    assert p.score == 80 and p.method == "mean" and len(p.kept) == 5


def test_median_is_the_middle_or_the_mean_of_the_middle_two():
    median = AggregationPolicy(method="median")
    assert panel(60, 70, 80, 90, 100, policy=median)[0].score == 80
    assert panel(60, 70, 80, 90, policy=median)[0].score == 75


@pytest.mark.parametrize(
    ("given", "word"),
    [
        ({"method": "mean", "trim": 0.1}, "只用于"),
        ({"trim": 0.1, "trim_min_experts": 5}, "只能设置其一"),
        ({"trim": 0.5}, "trim"),
    ],
)
def test_a_rule_that_says_two_things_is_refused(given, word):
    with pytest.raises(ValueError, match=word):
        AggregationPolicy(**given)


def test_grade_bands_convert_with_policy_scores():
    p, _ = panel("优秀", "良好", "一般")  # 3 experts: 0.6 set aside at each end
    assert p.score == pytest.approx((0.4 * 95 + 82 + 0.4 * 67) / 1.8)
    custom = AggregationPolicy(grade_scores={"优秀": 100, "良好": 80, "一般": 60, "较差": 40})
    p, _ = panel("优秀", "较差", policy=custom)
    assert p.score == 70


def test_spread_at_threshold_is_not_flagged():
    p, findings = panel(50, 80)
    assert p.spread == 30 and not p.disagreement and findings == []


def test_order_of_reviews_does_not_matter():
    a = aggregate(
        PART,
        [
            ExpertReview(expert=e, scores={"p": s})
            for e, s in [("甲", 60), ("乙", 70), ("丙", 80), ("丁", 90), ("戊", 65)]
        ],
        POLICY,
    )
    b = aggregate(
        PART,
        [
            ExpertReview(expert=e, scores={"p": s})
            for e, s in [("戊", 65), ("丁", 90), ("丙", 80), ("乙", 70), ("甲", 60)]
        ],
        POLICY,
    )
    assert a == b


def test_expert_who_skipped_a_part_is_reported():
    revs = [
        ExpertReview(expert="甲", scores={"p": 80}),
        ExpertReview(expert="乙", scores={"p": None}),
    ]
    panels, findings = aggregate(PART, revs, POLICY)
    assert panels["p"].score == 80
    assert [f.code for f in findings] == ["partial_review"]


def test_duplicate_expert_is_an_error():
    revs = [
        ExpertReview(expert="甲", scores={"p": 80}),
        ExpertReview(expert="甲", scores={"p": 20}),
    ]
    panels, findings = aggregate(PART, revs, POLICY)
    assert panels["p"].score == 80 and findings[0].code == "duplicate_review"


def test_unknown_part_is_reported():
    _, findings = aggregate(PART, [ExpertReview(expert="甲", scores={"q": 80})], POLICY)
    assert findings[0].code == "unknown_part" and findings[0].item == "q"


def test_engine_uses_the_panel_and_explains_it():
    r = mini_evaluator().score(application(), reviews(60, 70, 80, 90, 100))
    tech = next(i for i in r.indicators if i.id == "tech")
    judged = tech.trace.components[0]
    assert judged.score == 80
    assert "去掉最高、最低各20%后平均（最高、最低分各去掉1个）" in judged.text
    [p] = r.panels
    assert p.kept == ["专家02", "专家03", "专家04"]


def test_the_guides_recusal_case_by_hand():
    """docs/round-guide.zh.md §六: 甲 scored 80, 82, 84, 86, 62 by five experts; on 乙
    专家一 recused and the other four gave 83, 85, 87, 63. On a part worth 18 points of the
    total (the other part, 82 points, alike for both), the old threshold rule puts 乙
    behind 甲; the round's rule keeps 乙 ahead."""
    from robustness_support import app_loaded, duo_evaluator, panel

    from iipeval.core.round.batch import score_batch

    jia = [80, 82, 84, 86, 62]
    yi = {"专家2": 83, "专家3": 85, "专家4": 87, "专家5": 63}  # 专家1 recused
    scores = {f"专家{k + 1}": {"甲": {"x0": s, "y0": 70}} for k, s in enumerate(jia)}
    for e, s in yi.items():
        scores[e]["乙"] = {"x0": s, "y0": 70}
    totals = {}
    for rule, policy in (("old", {"trim_min_experts": 5}), ("new", {})):
        ev = duo_evaluator(quota=1, dims=(("x", 18, 1), ("y", 82, 1)), **policy)
        batch = score_batch(ev, [app_loaded("甲"), app_loaded("乙")], panel(scores))
        [ranking] = batch.rankings
        totals[rule] = {e.applicant: e.total for e in ranking.entries}
        totals[rule]["first"] = ranking.entries[0].applicant
    same = 0.82 * 70
    # 甲: 62 and 86 set aside under both rules → 82
    assert totals["old"]["甲"] == totals["new"]["甲"] == pytest.approx(0.18 * 82 + same)
    # 乙, old: (83+85+87+63)/4 = 79.5; new: (0.2·63 + 83 + 85 + 0.2·87)/2.4 = 82.5
    assert totals["old"]["乙"] == pytest.approx(0.18 * 79.5 + same)
    assert totals["new"]["乙"] == pytest.approx(0.18 * 82.5 + same)
    # against 83, the five-expert score 乙 would have had: 0.63 points lost, against 0.09
    assert pytest.approx(0.63) == 0.18 * (83 - 79.5)
    assert pytest.approx(0.09) == 0.18 * (83 - 82.5)
    assert (totals["old"]["first"], totals["new"]["first"]) == ("甲", "乙")


def test_without_a_record_the_forms_say_who_recused_and_who_is_on_the_panel():
    """Unverified forms still say who counted, who recused (their own conflicts) and who of
    the roster they record gave no score; and the rule."""
    from robustness_support import app_loaded, duo_evaluator
    from support import code_for

    from iipeval.core.panel.bundle import ReviewBundle
    from iipeval.core.round.batch import score_batch

    roster = ["专家1", "专家2", "专家3"]
    bundles = [
        ReviewBundle(
            source=f"{e}.json",
            expert=e,
            panel_experts=roster,
            conflicts=["乙"] if e == "专家2" else [],
            reviews=[
                ExpertReview(expert=e, application=code_for(a), scores={"x0": 80, "y0": 80})
                for a in ("甲", "乙")
                if not (e == "专家2" and a == "乙")
            ],
        )
        for e in ("专家1", "专家2")  # 专家3 never returned a form
    ]
    ev = duo_evaluator(quota=1)
    batch = score_batch(ev, [app_loaded("甲"), app_loaded("乙")], bundles)
    checks = {r.applicant: r.panel_check for r in batch.results}
    assert checks["乙"].verified is False and checks["乙"].counted == ["专家1"]
    assert (checks["乙"].recused, checks["乙"].missing) == (["专家2"], ["专家3"])
    assert (checks["甲"].recused, checks["甲"].missing) == ([], ["专家3"])
    assert checks["甲"].rule == "去掉最高、最低各20%后平均"
