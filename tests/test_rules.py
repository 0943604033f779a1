"""Each rule type at its edges: missing, 不适用, zero, negative, huge."""

import math

import pytest

from iipeval.core.rules import (
    Answer,
    Bands,
    Coverage,
    Expert,
    Flag,
    LogScale,
    PanelScore,
    Ratio,
    RuleContext,
    Weighted,
    parse_rule,
)

RUBRIC = {"优秀": "a", "良好": "b", "一般": "c", "较差": "d"}


def ctx(panels=None, **answers):
    def wrap(v):
        if isinstance(v, Answer):
            return v
        return Answer("missing") if v is None else Answer("value", v)

    return RuleContext(
        "ind", {k: wrap(v) for k, v in answers.items()}, {k: k for k in answers}, panels or {}
    )


NA = Answer("na")
INVALID = Answer("invalid")

LOG = LogScale(items=["x"], floor=10, benchmark=1000)


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0, 0), (10, 0), (100, 50), (1000, 100), (10**15, 100), (-5, 0), (None, 0)],
)
def test_log_scale_points(x, expected):
    assert LOG.evaluate(ctx(x=x)).score == pytest.approx(expected)


def test_log_scale_missing_is_explained_not_silent():
    e = LOG.evaluate(ctx(x=None))
    assert e.status == "scored" and e.score == 0
    assert "缺失" in e.text


def test_log_scale_not_applicable_is_not_zero():
    e = LOG.evaluate(ctx(x=NA))
    assert e.status == "na" and e.score is None


def test_log_scale_sums_and_weights_items():
    rule = LogScale(items=["a", "b"], item_weights={"a": 3}, floor=1, benchmark=10_000)
    e = rule.evaluate(ctx(a=10, b=70))  # 3*10 + 70 = 100 → half way on the log scale
    assert e.score == pytest.approx(50)
    assert "100" in e.text


def test_log_scale_rejects_benchmark_below_floor():
    with pytest.raises(ValueError, match="benchmark"):
        parse_rule({"type": "log_scale", "items": ["x"], "floor": 100, "benchmark": 10})


BANDS = Bands(items=["x"], bands=[(1, 40), (5, 70), (10, 100)])


@pytest.mark.parametrize(
    ("x", "expected"), [(0, 0), (None, 0), (-3, 0), (1, 40), (4.99, 40), (5, 70), (1e12, 100)]
)
def test_bands(x, expected):
    assert BANDS.evaluate(ctx(x=x)).score == expected


def test_bands_not_applicable():
    assert BANDS.evaluate(ctx(x=NA)).status == "na"


def test_bands_must_increase():
    with pytest.raises(ValueError, match="递增"):
        parse_rule({"type": "bands", "items": ["x"], "bands": [[5, 50], [1, 70]]})


COV = Coverage(items=["a", "b", "c", "d"], scores=[0, 40, 65, 85, 100])


def test_coverage_counts_positive_categories():
    assert COV.evaluate(ctx(a=5, b=0, c=None, d=-1)).score == 40
    assert COV.evaluate(ctx(a=1, b=1, c=1, d=1)).score == 100
    assert COV.evaluate(ctx(a=0, b=0, c=0, d=0)).score == 0


def test_coverage_not_applicable_leaves_denominator():
    # 2 of the 2 applicable categories covered → full marks, not 2 of 4.
    e = COV.evaluate(ctx(a=1, b=1, c=NA, d=NA))
    assert e.score == 100
    assert "2/2" in e.text
    assert COV.evaluate(ctx(a=NA, b=NA, c=NA, d=NA)).status == "na"


def test_coverage_curve_length_checked():
    with pytest.raises(ValueError, match="5 个分值"):
        parse_rule({"type": "coverage", "items": ["a", "b", "c", "d"], "scores": [0, 100]})


def test_flag():
    f = Flag(item="x")
    assert f.evaluate(ctx(x=True)).score == 100
    assert f.evaluate(ctx(x=False)).score == 0
    e = f.evaluate(ctx(x=None))
    assert e.score == 0 and "按否计" in e.text
    assert f.evaluate(ctx(x=NA)).status == "na"


RATIO = Ratio(numerator="n", denominator="d", target=40)


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [
        (20, 100, 50),
        (40, 100, 100),
        (90, 100, 100),
        (0, 100, 0),
        (0, 0, 0),
        (5, 0, 0),
        (-10, 100, 0),
        (1e15, 1e16, 25),
        (None, 100, 0),
        (10, None, 0),
    ],
)
def test_ratio(n, d, expected):
    assert RATIO.evaluate(ctx(n=n, d=d)).score == pytest.approx(expected)


def test_ratio_zero_denominator_is_explained():
    assert "无法计算" in RATIO.evaluate(ctx(n=5, d=0)).text


def test_ratio_percent_item_with_floor():
    r = Ratio(numerator="p", target=30, floor=10)
    assert r.evaluate(ctx(p=20)).score == pytest.approx(50)
    assert r.evaluate(ctx(p=5)).score == 0
    assert r.evaluate(ctx(p=NA)).status == "na"


EXPERT = Expert(aspect="技术先进性", rubric=RUBRIC)


def test_expert_pending_without_panel_never_zero():
    e = EXPERT.evaluate(ctx())
    assert e.status == "pending" and e.score is None
    assert "待专家评分" in e.text


def test_expert_reads_panel_score():
    panel = PanelScore("ind", 81.5, "mean", (("甲", 80.0), ("乙", 83.0)), ("甲", "乙"), 3.0, False)
    e = EXPERT.evaluate(ctx(panels={"ind": panel}))
    assert e.score == 81.5 and e.inputs == {"甲": 80.0, "乙": 83.0}


def test_expert_rubric_needs_every_band():
    with pytest.raises(ValueError):
        parse_rule({"type": "expert", "aspect": "x", "rubric": {"优秀": "a"}})


WEIGHTED = Weighted(
    components=[
        LogScale(id="scale", items=["x"], floor=10, benchmark=1000, weight=3),
        Ratio(id="share", numerator="p", target=50, weight=1),
    ]
)


def test_weighted_combines_by_weight():
    e = WEIGHTED.evaluate(ctx(x=100, p=50))  # 0.75*50 + 0.25*100
    assert e.score == pytest.approx(62.5)
    assert [c.id for c in e.components] == ["scale", "share"]


def test_weighted_redistributes_not_applicable():
    e = WEIGHTED.evaluate(ctx(x=100, p=NA))
    assert e.score == pytest.approx(50)
    assert "不适用" in e.text


def test_weighted_pending_when_expert_part_unscored():
    w = Weighted(
        components=[EXPERT.model_copy(update={"id": "judged"}), LOG.model_copy(update={"id": "n"})]
    )
    e = w.evaluate(ctx(x=1000))
    assert e.status == "pending" and e.score is None
    assert "已确定部分折合50分" in e.text


def test_weighted_component_ids_unique():
    with pytest.raises(ValueError, match="重复"):
        parse_rule(
            {
                "type": "weighted",
                "components": [{"type": "flag", "item": "a"}, {"type": "flag", "item": "b"}],
            }
        )


def test_unknown_rule_type_lists_known_ones():
    with pytest.raises(ValueError, match="log_scale"):
        parse_rule({"type": "magic"})


def test_invalid_answer_counts_as_missing():
    assert LOG.evaluate(ctx(x=INVALID)).score == 0
    assert not math.isnan(RATIO.evaluate(ctx(n=INVALID, d=10)).score)
