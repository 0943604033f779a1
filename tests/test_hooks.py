"""One test per hook, and a test that fails when a hook has no test (datasette-style)."""

import inspect
import sys

from support import REPO, application, mini_evaluator, mini_host, plugin

from iipeval.core import hookspecs
from iipeval.core.api import Evaluator
from iipeval.core.findings import Finding, Severity
from iipeval.core.rules import Rule
from iipeval.core.rules.base import RuleContext

HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "iipeval_spec")
)


def test_every_hook_has_a_test():
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_hook_")}
    missing = [h for h in HOOKS if f"test_hook_{h}" not in tests]
    assert HOOKS, "no hookspecs found"
    assert missing == [], f"hooks without a test: {missing}"


def test_every_hook_is_documented_in_both_plugin_guides():
    """As datasette does: a hookspec nobody documented is a hook nobody can use."""
    for guide in ("plugin-guide.zh.md", "plugin-guide.en.md"):
        text = (REPO / "docs" / guide).read_text("utf-8")
        missing = [h for h in HOOKS if f"`{h}`" not in text]
        assert missing == [], f"{guide} does not document {missing}"


def test_every_hook_has_a_docstring():
    for name in HOOKS:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


def test_hook_register_frameworks():
    ev = mini_evaluator()
    assert [rf.framework.id for rf in ev.frameworks()] == ["mini"]
    assert ev.framework("mini").plugin == "mini_plugin"


def test_hook_register_rule_types():
    from typing import Literal

    class Fixed(Rule):
        type: Literal["fixed"] = "fixed"
        points: float = 42
        type_name = "fixed"
        tunable = ("weight", "points")

        def evaluate(self, ctx: RuleContext, path=""):
            return self._explain(path, self.points, "scored", f"固定{self.points}分")

    from support import framework_plugin, mini_data

    data = mini_data()
    data["dimensions"][0]["indicators"][0]["rule"] = {"type": "fixed", "label": "固定"}
    host = mini_host(("rules_plugin", plugin(register_rule_types=lambda register: register(Fixed))))
    host2 = type(host)(
        entry_points=False,
        plugins=[
            ("rules_plugin", plugin(register_rule_types=lambda register: register(Fixed))),
            ("p", framework_plugin(data)),
        ],
    )
    assert "fixed" in host.rule_types and host2.problems == []
    r = Evaluator(host2).score(application())
    assert r.indicators[0].score == 42 and r.indicators[0].explanation == "固定42分"


def test_hook_register_validators():
    def check(view):
        if (view.item_number("devices_operating") or 0) > 50:
            yield Finding(
                severity=Severity.warning,
                code="many",
                message="运行设备偏多",
                item="devices_operating",
            )

    def register_validators(register):
        register("mini", check, items=["devices_operating"], code="many")

    ev = Evaluator(mini_host(("v", plugin(register_validators=register_validators))))
    codes = [f.code for f in ev.score(application()).findings]
    assert "many" in codes
    assert "many" not in [f.code for f in ev.score(application(devices_operating=1)).findings]


def test_hook_register_exclusions():
    def register_exclusions(register):
        register(
            "mini",
            lambda v: "名称含“测试”" if "测试" in v.applicant.name else None,
            id="name",
            name="名称检查",
            rationale="测试用",
        )

    ev = Evaluator(mini_host(("x", plugin(register_exclusions=register_exclusions))))
    r = ev.score(application())
    assert r.excluded and r.exclusions[0].plugin == "x" and r.exclusions[0].reason == "名称含“测试”"
