"""Rule types written in points: sum, checklist, bands in either order, flag, per_unit."""

import pytest

from iipeval.core.rules import Bands, Checklist, RuleContext, parse_rule
from iipeval.core.rules.base import Answer


def ctx(**values):
    answers = {k: v if isinstance(v, Answer) else Answer("value", v) for k, v in values.items()}
    return RuleContext("ind", answers, {k: k for k in values}, {}, {"n": "件"})


NA = Answer("na")


def test_bands_give_the_same_points_in_either_order():
    up = Bands(items=["n"], bands=[(1000, 8), (5000, 14), (10000, 20)], out_of=20)
    down = Bands(items=["n"], bands=[(10000, 20), (5000, 14), (1000, 8)], out_of=20)
    for n in (0, 999, 1000, 5000, 9999, 10000, 10**6):
        assert up.evaluate(ctx(n=n)).points == down.evaluate(ctx(n=n)).points


def test_band_points_above_the_full_mark_are_refused():
    with pytest.raises(ValueError, match="0-20"):
        Bands(items=["n"], bands=[(10, 25)], out_of=20)


def test_checklist_adds_up_to_its_cap_and_not_applicable_items_give_nothing():
    rule = Checklist(items=["a", "b", "c"], item_points={"a": 4, "b": 3, "c": 5}, out_of=10)
    assert rule.evaluate(ctx(a=True, b=True, c=True)).points == 10
    e = rule.evaluate(ctx(a=True, b=NA, c=False))
    assert e.points == 4 and "b：不适用" in e.text
    assert rule.evaluate(ctx(a=NA, b=NA, c=NA)).status == "na"


def sum_rule(cap=None):
    data = {
        "type": "sum",
        "out_of": 10,
        "components": [
            {"id": "x", "type": "flag", "item": "a", "yes": 6, "out_of": 6},
            {"id": "y", "type": "per_unit", "items": ["n"], "points": 1, "out_of": 4},
        ],
    }
    if cap is not None:
        data["cap"] = cap
    return parse_rule(data)


def test_sum_adds_the_parts_points():
    e = sum_rule().evaluate(ctx(a=True, n=3))
    assert e.points == 9 and e.score == 90
    assert "合计9分" in e.text


def test_sum_cut_to_its_cap():
    assert sum_rule(cap=8).evaluate(ctx(a=True, n=3)).points == 8


def test_sum_shares_a_not_applicable_parts_points_among_the_others():
    e = sum_rule().evaluate(ctx(a=NA, n=3))  # 3 of the 4 possible → 7.5 of 10
    assert e.points == 7.5 and "不适用" in e.text


def test_sum_parts_must_state_their_points():
    with pytest.raises(ValueError, match="out_of"):
        parse_rule(
            {
                "type": "sum",
                "components": [
                    {"id": "x", "type": "flag", "item": "a"},
                    {"id": "y", "type": "flag", "item": "b"},
                ],
            }
        )
