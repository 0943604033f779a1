"""Explanations built for speed are the very objects validation would build."""

from __future__ import annotations

import pytest

from iipeval.core.explain import Explanation, constructed, explanation


def full(**kw):
    values = {
        "rule": "log_scale",
        "id": "scale",
        "label": "设备连接规模",
        "status": "scored",
        "score": 14.2,
        "text": "合计24,144，得14.18分",
        "inputs": {"devices_operating": 2362},
        "parameters": {},
        "weight": 60.0,
        "points": None,
        "out_of": None,
        "components": [],
    }
    return values | kw


def test_a_constructed_explanation_equals_the_validated_one_in_every_way():
    built = constructed(Explanation, full())
    checked = Explanation(**full())
    assert built == checked == Explanation.model_construct(**full())
    assert built.model_dump_json() == checked.model_dump_json()
    assert built.model_fields_set == checked.model_fields_set
    assert built.model_copy(update={"weight": 20.0}).weight == 20.0
    assert Explanation.model_validate_json(built.model_dump_json()) == checked


def test_numbers_are_taken_as_validation_takes_them_and_nonsense_is_refused():
    e = explanation(rule="flag", id="x", status="scored", score=100, text="是")
    assert e == Explanation(rule="flag", id="x", status="scored", score=100, text="是")
    assert isinstance(e.score, float) and e.model_dump_json().count("100.0") == 1
    with pytest.raises(ValueError):
        explanation(rule="flag", id="x", status="done", score=1, text="是")
    with pytest.raises(TypeError):
        explanation(rule="flag", id="x", status="scored", score="1", text="是")
    with pytest.raises(TypeError):
        explanation(rule="flag", id="x", status="scored", score=1, text=None)


def test_what_says_nothing_is_left_out_of_the_json_and_comes_back_as_default():
    e = explanation(rule="expert", id="main", status="pending", score=None, text="待专家评分")
    assert e.model_dump_json() == (
        '{"rule":"expert","id":"main","status":"pending","score":null,"text":"待专家评分"}'
    )
    assert Explanation.model_validate_json(e.model_dump_json()) == e
