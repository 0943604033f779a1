"""``plugin check`` reads what a set means, not only its form (points, item kinds, examples)."""

import json
import tomllib
from typing import ClassVar, Literal

import pytest
from points_demo import HOME, points_module
from support import framework_plugin, mini_data, plugin

from iipeval.core.host import Host
from iipeval.core.model.vocabulary import vocabulary
from iipeval.plugin import Explanation, Rule
from iipeval.testing import check_plugin
from iipeval.testing.lint import Lint

CRITERIA = HOME / "iipeval_points_demo" / "criteria.toml"


def points_data() -> dict:
    return tomllib.loads(CRITERIA.read_text("utf-8"))


def lint(data) -> list:
    host = Host(entry_points=False)
    return Lint(
        "p", rule_types=host.rule_types, vocabulary=set(vocabulary()), frameworks={}
    ).check_data(data)


def codes(problems, errors_only=True):
    return [p.code for p in problems if p.is_error or not errors_only]


def indicator(data, ind_id):
    for d in data["dimensions"]:
        for g in d.get("groups", []):
            for i in g.get("indicators", []):
                if i["id"] == ind_id:
                    return i
        for i in d.get("indicators", []):
            if i["id"] == ind_id:
                return i
    raise KeyError(ind_id)


def test_the_points_test_set_passes_the_kit():
    problems = check_plugin("points_demo", plugin=points_module(), update_golden=False)
    assert [str(p) for p in problems] == []


def test_step_table_that_can_never_reach_the_indicators_points():
    data = points_data()
    indicator(data, "devices")["rule"]["bands"] = [[10000, 18], [5000, 14], [1000, 8]]
    problems = lint(data)
    [p] = [p for p in problems if p.code == "points_unreachable"]
    assert "最多只能得 18 分，达不到指标的满分 20 分" in str(p) and p.indicator == "devices"


def test_cap_above_the_indicators_points():
    data = points_data()
    indicator(data, "patents")["rule"]["cap"] = 16
    assert "points_exceed" in codes(lint(data))


def test_expert_scale_that_stops_short_of_the_points():
    data = points_data()
    indicator(data, "advanced")["rule"]["grades"][0]["max"] = 19
    assert "points_unreachable" in codes(lint(data))


def test_bands_listed_top_down_are_accepted():
    data = points_data()
    assert indicator(data, "devices")["rule"]["bands"][0][0] == 10000
    assert codes(lint(data), errors_only=False) == []


def test_bands_in_no_order_are_refused():
    data = points_data()
    indicator(data, "devices")["rule"]["bands"] = [[5000, 14], [10000, 20], [1000, 8]]
    assert "rule" in codes(lint(data))


def test_flag_on_a_count_and_scale_rule_on_a_yes_no_item():
    data = mini_data()
    dims = data["dimensions"]
    dims[0]["indicators"][0]["rule"] = {"type": "flag", "item": "devices_operating"}
    dims[0]["indicators"][1]["rule"] = {
        "type": "log_scale",
        "items": ["security_data"],
        "floor": 1,
        "benchmark": 10,
    }
    problems = [p for p in lint(data) if p.code == "rule_meaning"]
    assert [p.indicator for p in problems] == ["devices", "breadth"]
    assert "flag（是/否）规则读取数量型数据项 devices_operating" in str(problems[0])


def test_plugins_own_example_failing_validation(tmp_path):
    data = mini_data()
    examples = tmp_path / "examples"
    examples.mkdir()
    bad = {
        "application": {
            "framework": "mini",
            "applicant": {"name": "示例"},
            "items": {"devices_operating": -5},
        }
    }
    (examples / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    problems = check_plugin(
        "mini_plugin", plugin=framework_plugin(data), examples=examples, update_golden=False
    )
    [p] = [p for p in problems if p.code == "example_invalid"]
    assert "示例 bad.json 未通过校验" in str(p)


class BadStatus(Rule):
    type: Literal["bad_status"] = "bad_status"
    item: str
    type_name: ClassVar[str] = "bad_status"

    def item_ids(self):
        return [self.item]

    def evaluate(self, ctx, path=""):
        return Explanation(rule=self.type, id="main", status="done", score=50, text="完成")


class Negative(BadStatus):
    type: Literal["negative"] = "negative"
    type_name: ClassVar[str] = "negative"

    def evaluate(self, ctx, path=""):
        return self._explain(path, -100.0, "scored", "扣100分")


@pytest.mark.parametrize("cls", [BadStatus, Negative])
def test_custom_rule_out_of_range_or_bad_status_is_a_finding_naming_it(cls):
    data = mini_data()
    data["dimensions"][0]["indicators"][0]["rule"] = {
        "type": cls.type_name,
        "item": "devices_operating",
    }

    def register_rule_types(register):
        register(cls)

    def register_frameworks(register):
        register(data)

    obj = plugin(register_rule_types=register_rule_types, register_frameworks=register_frameworks)
    problems = check_plugin("custom", plugin=obj, update_golden=False)
    [p] = [p for p in problems if p.code == "rule_code"]
    assert cls.type_name in str(p) and p.indicator == "devices"


def test_set_wide_expert_scale_needs_no_rubric_per_part():
    data = points_data()
    del indicator(data, "advanced")["rule"]["grades"]
    assert "rubric" in codes(lint(data))
    data["expert_grades"] = [
        {"name": "A", "min": 60, "max": 100, "rubric": "好"},
        {"name": "B", "min": 0, "max": 59, "rubric": "差"},
    ]
    assert codes(lint(data), errors_only=False) == []


def test_kit_says_when_the_live_total_is_not_available():
    assert "live_total" not in codes(check_plugin("points_demo", plugin=points_module()), False)
    data = points_data()
    data["total_max"] = 80  # cuts the sample total when experts score high: not affine
    obj = plugin(register_frameworks=lambda register: register(data))
    problems = check_plugin("points_demo", plugin=obj, update_golden=False)
    [p] = [p for p in problems if p.code == "live_total"]
    assert not p.is_error and "不显示实时总分" in str(p)
