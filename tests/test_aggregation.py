"""Expert panel aggregation with 1, 4, 5 and 9 experts, grade bands and disagreement."""

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
    assert (p.score, p.method) == (70, "mean") and findings == []


def test_four_experts_plain_mean():
    p, _ = panel(60, 70, 80, 90)
    assert (p.score, p.method, len(p.kept)) == (75, "mean", 4)


def test_five_experts_drop_highest_and_lowest():
    p, _ = panel(60, 70, 80, 90, 100)
    assert (p.score, p.method) == (80, "trimmed_mean")
    assert p.kept == ("E1", "E2", "E3")


def test_nine_experts_trimmed_and_flagged():
    p, findings = panel(40, 70, 72, 74, 76, 78, 80, 82, 99)
    assert p.score == pytest.approx(76)
    assert p.spread == 59 and p.disagreement
    [f] = findings
    assert f.code == "disagreement" and "需复议" in f.message and "59" in f.message


def test_equal_scores_trim_one_of_each():
    p, _ = panel(80, 80, 80, 80, 80)
    assert p.score == 80 and len(p.kept) == 3


def test_threshold_is_a_parameter():
    p, _ = panel(60, 70, 80, 90, policy=AggregationPolicy(trim_min_experts=4))
    assert (p.score, p.method) == (75, "trimmed_mean")
    p, _ = panel(60, 70, 80, 90, 100, policy=AggregationPolicy(method="mean"))
    assert p.score == 80 and p.method == "mean" and len(p.kept) == 5


def test_grade_bands_convert_with_policy_scores():
    p, _ = panel("优秀", "良好", "一般")
    assert p.score == pytest.approx((95 + 82 + 67) / 3)
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
    assert "去掉一个最高分和一个最低分" in judged.text
    [p] = r.panels
    assert p.kept == ["专家02", "专家03", "专家04"]
