"""The guides' worked custom rule type runs as printed (both languages print the same code)."""

import re

import pytest
from support import REPO, framework_plugin, mini_data, plugin

from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.application import Application, NotApplicable
from iipeval.testing import check_plugin


def worked_rule(guide: str) -> str:
    text = (REPO / "docs" / guide).read_text("utf-8")
    [code] = re.findall(r"```python\n(# worked rule: growth\n.*?)```", text, re.S)
    return code


def test_both_guides_print_the_same_rule():
    assert worked_rule("plugin-guide.en.md") == worked_rule("plugin-guide.zh.md")


@pytest.fixture(scope="module")
def module():
    namespace: dict = {}
    exec(compile(worked_rule("plugin-guide.en.md"), "guide", "exec"), namespace)
    return namespace


def growth_set() -> dict:
    data = mini_data()
    data["items"] = [
        {"id": "revenue_this_year", "label": "本年营业收入", "unit": "万元", "type": "number"},
        {
            "id": "revenue_last_year",
            "label": "上年营业收入",
            "unit": "万元",
            "type": "number",
            "allow_na": True,
        },
    ]
    finance = data["dimensions"][1]["indicators"][1]
    assert finance["id"] == "finance"
    finance.pop("weight")
    finance["points"] = 15
    finance["rule"] = {
        "type": "growth",
        "current": "revenue_this_year",
        "previous": "revenue_last_year",
        "per_point": 0.5,
        "cap": 5,
    }
    return data


def score(module, **items):
    rules = plugin(register_rule_types=module["register_rule_types"])
    host = Host(
        entry_points=False, plugins=[("growth", rules), ("p", framework_plugin(growth_set()))]
    )
    assert host.problems == []
    from support import FULL

    app = Application(framework="mini", applicant={"name": "测试"}, items={**FULL, **items})
    r = Evaluator(host).score(app)
    return next(i for i in r.indicators if i.id == "finance"), r


def test_the_worked_rule_scores_in_the_documents_terms(module):
    ind, _ = score(module, revenue_this_year=1200, revenue_last_year=1000)
    assert ind.explanation == "本年营业收入较上年增长20%，每增长1个百分点得0.5分，最高5分，得5分"
    assert ind.trace.points == 5 and ind.score == pytest.approx(100 / 3)
    ind, _ = score(module, revenue_this_year=1040, revenue_last_year=1000)
    assert ind.trace.points == pytest.approx(2)
    ind, _ = score(module, revenue_this_year=1040, revenue_last_year=NotApplicable())
    assert ind.status == "na" and ind.weight == 0


def test_plugin_check_reads_the_worked_rule(module):
    data = growth_set()
    data["dimensions"][1]["indicators"][1]["rule"]["cap"] = 6
    obj = plugin(
        register_rule_types=module["register_rule_types"],
        register_frameworks=lambda register: register(data),
    )
    problems = check_plugin("growth", plugin=obj, update_golden=False)
    # the cap of 6 can never reach the indicator's 15 points
    assert [p.code for p in problems if p.is_error] == ["points_unreachable"]


def test_the_scaffold_carries_the_same_worked_rule():
    template = (REPO / "testing" / "scaffold_init.py.tmpl").read_text("utf-8")
    code = worked_rule("plugin-guide.en.md").split("class Growth", 1)[1]
    for line in ("class Growth" + code).splitlines():
        if line.strip() and "hookimpl" not in line:
            assert f"# {line}" in template, line


def test_plugins_written_with_the_old_names_keep_working():
    # as_number and view.item_number were called number and view.number in API 1: a
    # province's plugin that still uses those names loads and scores as before
    import iipeval.plugin as api

    assert api.number is api.as_number and "as_number" in api.__all__
    assert api.ApplicationView.number is api.ApplicationView.item_number
