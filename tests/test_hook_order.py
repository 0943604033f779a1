"""Hooks go through pluggy: tryfirst, trylast and wrappers behave as pluggy documents."""

from types import SimpleNamespace
from typing import ClassVar, Literal

from support import mini_data

from iipeval.core.host import Host
from iipeval.plugin import Rule, hookimpl


def fixed(tag: str) -> type[Rule]:
    class Fixed(Rule):
        type: Literal["fixed"] = "fixed"
        type_name: ClassVar[str] = "fixed"
        origin: ClassVar[str] = tag

        def evaluate(self, ctx, path=""):
            return self._explain(path, 50.0, "scored", tag)

    return Fixed


def rule_plugin(tag: str, **marks) -> SimpleNamespace:
    cls = fixed(tag)

    def register_rule_types(register):
        register(cls)

    return SimpleNamespace(register_rule_types=hookimpl(**marks)(register_rule_types))


def winner(*plugins) -> tuple[str, list[str]]:
    host = Host(entry_points=False, plugins=list(plugins))
    return host.rule_types["fixed"].origin, [str(p) for p in host.problems]


def test_plain_implementations_run_in_load_order_first_registration_wins():
    tag, problems = winner(("a", rule_plugin("a")), ("b", rule_plugin("b")))
    assert tag == "a" and any("插件 b" in p and "已存在" in p for p in problems)


def test_tryfirst_runs_first():
    assert winner(("a", rule_plugin("a")), ("b", rule_plugin("b", tryfirst=True)))[0] == "b"


def test_trylast_runs_last():
    assert winner(("a", rule_plugin("a", trylast=True)), ("b", rule_plugin("b")))[0] == "b"


def test_no_plugin_replaces_a_built_in_rule_type_by_load_order():
    class Bands(Rule):
        type: Literal["bands"] = "bands"
        type_name: ClassVar[str] = "bands"

    evil = SimpleNamespace(register_rule_types=hookimpl(lambda register: register(Bands)))
    host = Host(entry_points=False, plugins=[("evil", evil)])
    assert host.rule_types["bands"] is not Bands
    assert any("evil" in str(p) for p in host.problems)


def test_wrapper_runs_around_the_others_and_its_registrations_are_its_own():
    seen = []

    def register_frameworks(register):
        data = mini_data()
        data["id"] = "wrapped"
        register(data)  # before the others
        seen.append("before")
        result = yield
        seen.append("after")
        return result

    def plain(register):
        seen.append("plain")
        register(mini_data())

    wrapper = SimpleNamespace(register_frameworks=hookimpl(wrapper=True)(register_frameworks))
    other = SimpleNamespace(register_frameworks=hookimpl(plain))
    host = Host(entry_points=False, plugins=[("other", other), ("wrap", wrapper)])
    assert seen == ["before", "plain", "after"]
    assert host.frameworks["wrapped"].plugin == "wrap"
    assert host.frameworks["mini"].plugin == "other"
    assert host.problems == []


def test_a_failing_implementation_is_named_and_the_others_still_run():
    def bad(register):
        raise RuntimeError("boom")

    def good(register):
        register(mini_data())

    host = Host(
        entry_points=False,
        plugins=[
            ("bad", SimpleNamespace(register_frameworks=hookimpl(tryfirst=True)(bad))),
            ("good", SimpleNamespace(register_frameworks=hookimpl(good))),
        ],
    )
    assert "mini" in host.frameworks
    assert [str(p) for p in host.problems] == ["插件 bad：register_frameworks 出错：boom"]
