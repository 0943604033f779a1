"""A plugin's rule that misbehaves is reported by name; it never crashes or hides a score."""

from typing import ClassVar, Literal

from support import application, framework_plugin, mini_data, plugin

from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.plugin import Explanation, Rule


class Fixed(Rule):
    type: Literal["fixed_score"] = "fixed_score"
    value: float = 0
    type_name: ClassVar[str] = "fixed_score"

    def evaluate(self, ctx, path=""):
        return self._explain(path, self.value, "scored", f"扣{-self.value:g}分")


class Broken(Rule):
    type: Literal["broken"] = "broken"
    type_name: ClassVar[str] = "broken"

    def evaluate(self, ctx, path=""):
        raise ZeroDivisionError("division by zero")


class Wrong(Rule):
    type: Literal["wrong"] = "wrong"
    type_name: ClassVar[str] = "wrong"

    def evaluate(self, ctx, path=""):
        return {"score": 50}


class Overclaim(Rule):
    """Says 50 out of 100 but claims 90 document points out of 30."""

    type: Literal["overclaim"] = "overclaim"
    type_name: ClassVar[str] = "overclaim"

    def evaluate(self, ctx, path=""):
        return self._explain(path, 50, "scored", "得90分", points=90)


def _score(rule: dict, points: float | None = None):
    data = mini_data()
    data["dimensions"][0]["indicators"][0]["rule"] = rule
    if points is not None:  # the indicator written in the document's points (分值)
        data["dimensions"][0]["indicators"][0]["points"] = points

    def register_rule_types(register):
        for cls in (Fixed, Broken, Wrong, Overclaim):
            register(cls)

    host = Host(
        entry_points=False,
        plugins=[
            ("rules", plugin(register_rule_types=register_rule_types)),
            ("p", framework_plugin(data)),
        ],
    )
    assert host.problems == []
    return Evaluator(host).score(application())


def test_negative_score_is_reported_naming_the_rule_and_counted_as_zero():
    r = _score({"type": "fixed_score", "value": -100})
    devices = r.indicators[0]
    assert devices.score == 0 and devices.points == 0
    [f] = [f for f in r.findings if f.code == "rule_out_of_range"]
    assert "fixed_score" in f.message and "devices" in f.message and "-100" in f.message


def test_score_above_100_is_reported_and_cut():
    r = _score({"type": "fixed_score", "value": 140})
    assert r.indicators[0].score == 100
    assert any(f.code == "rule_out_of_range" for f in r.findings)


def test_points_beyond_the_full_mark_are_reported_and_the_score_decides():
    # a rule claiming more document points than its indicator's 分值 must not lift a total
    r = _score({"type": "overclaim"}, points=30)
    devices = r.indicators[0]
    assert devices.score == 50 and devices.points == 15
    [f] = [f for f in r.findings if f.code == "rule_out_of_range"]
    assert "overclaim" in f.message and "超出满分30" in f.message


def test_a_rule_that_raises_is_an_error_finding_not_a_traceback():
    for kind in ("broken", "wrong"):
        r = _score({"type": kind})
        [f] = [f for f in r.findings if f.code == "rule_error"]
        assert kind in f.message and r.total is None and r.indicators[0].status == "pending"


def test_explanation_is_public():
    assert Explanation.__module__ == "iipeval.core.explain"
