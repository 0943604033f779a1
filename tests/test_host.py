"""Host validation: broken plugins are named and skipped; the others keep working."""

import copy

from support import framework_plugin, mini_data, mini_host, plugin

from iipeval.core.host import Host


def problems(host):
    return [str(p) for p in host.problems]


def test_mini_loads_cleanly():
    host = mini_host()
    assert host.problems == []
    assert list(host.frameworks) == ["mini"]


def test_duplicate_framework_id_names_both_plugins():
    host = mini_host(("copycat", framework_plugin(mini_data())))
    assert "mini" in host.frameworks and host.frameworks["mini"].plugin == "mini_plugin"
    [msg] = problems(host)
    assert "copycat" in msg and "mini_plugin" in msg and "'mini'" in msg


def test_bad_weights_reported_and_other_plugins_survive():
    bad = mini_data()
    bad["id"] = "bad_weights"
    bad["dimensions"][0]["weight"] = 70  # dimensions now sum to 110
    host = mini_host(("weights_plugin", framework_plugin(bad)))
    assert "mini" in host.frameworks and "bad_weights" not in host.frameworks
    [msg] = problems(host)
    assert "weights_plugin" in msg and "维度权重之和为 110" in msg


def test_indicator_weights_must_add_up_to_dimension():
    bad = mini_data()
    bad["dimensions"][1]["indicators"][0]["weight"] = 5
    host = Host(entry_points=False, plugins=[("p", framework_plugin(bad))])
    assert "指标权重之和为 20，应等于维度权重 40" in problems(host)[0]


def test_rule_on_unknown_item():
    bad = mini_data()
    bad["dimensions"][0]["indicators"][0]["rule"]["items"] = ["devices_operating", "no_such_item"]
    host = Host(entry_points=False, plugins=[("p", framework_plugin(bad))])
    assert "no_such_item" in problems(host)[0] and "不存在的数据项" in problems(host)[0]


def test_every_broken_reference_of_a_set_is_named_in_one_load():
    # a typo in a name outside the rules would change a rank or an exclusion in silence;
    # the author sees every one of them at once, not one per attempt
    bad = mini_data()
    bad["tie_break"] = ["b", "aa"]
    bad["subtypes"] = [{"id": "industry", "name": "行业级", "weights": {"devics": 5}}]
    bad["general_items"] = ["major_safety_incidnet"]
    bad["checks"][0]["right"] = "developers_registerd"
    bad["exclusions"][0]["item"] = "major_safety_incidet"
    bad["total_max"] = 0
    [msg] = problems(Host(entry_points=False, plugins=[("p", framework_plugin(bad))]))
    for said in (
        "tie_break 引用了不存在的维度/指标：aa",
        "子类型 industry 调整了不存在的权重：devics",
        "general_items 引用了不存在的数据项：major_safety_incidnet",
        "校验 developers 引用了不存在的数据项：developers_registerd",
        "否决项 safety 引用了不存在的数据项：major_safety_incidet",
        "total_max 必须大于 total_min",
    ):
        assert said in msg


def test_indicator_without_rule():
    bad = mini_data()
    del bad["dimensions"][0]["indicators"][0]["rule"]
    host = Host(entry_points=False, plugins=[("p", framework_plugin(bad))])
    assert "rule" in problems(host)[0]


def test_kind_must_match_rule():
    bad = mini_data()
    bad["dimensions"][0]["indicators"][0]["kind"] = "定性"
    host = Host(entry_points=False, plugins=[("p", framework_plugin(bad))])
    assert "声明为定性，但其规则实际为定量" in problems(host)[0]


def test_hookimpl_without_spec_is_an_error_not_ignored():
    def register_framework(register):  # typo: the hook is register_frameworks
        raise AssertionError("must never be called")

    host = mini_host(("typo_plugin", plugin(register_framework=register_framework)))
    [msg] = problems(host)
    assert "typo_plugin" in msg and "register_framework" in msg and "register_frameworks" in msg
    assert "typo_plugin" not in [p.name for p in host.plugins()]
    assert "mini" in host.frameworks


def test_hook_that_raises_is_attributed():
    def register_frameworks(register):
        raise RuntimeError("boom")

    host = mini_host(("crashy", plugin(register_frameworks=register_frameworks)))
    assert problems(host) == ["插件 crashy：register_frameworks 出错：boom"]
    assert "mini" in host.frameworks


def test_validator_on_unknown_item_rejected():
    def register_validators(register):
        register("mini", lambda view: [], items=["nope"], code="x")

    host = mini_host(("v", plugin(register_validators=register_validators)))
    assert "nope" in problems(host)[0]
    assert host.frameworks["mini"].validators == []


def test_validator_for_unknown_framework_rejected():
    def register_validators(register):
        register("ghost", lambda view: [], items=[], code="x")

    host = mini_host(("v", plugin(register_validators=register_validators)))
    assert "ghost" in problems(host)[0]


def test_env_var_limits_entry_point_plugins():
    host = Host(env={"IIPEVAL_PLUGINS": "national_2023"})
    names = [p.name for p in host.plugins()]
    assert "national_2023" in names
    assert not any(n.startswith("hunan") for n in names)


def test_env_var_naming_missing_plugin_is_reported():
    host = Host(env={"IIPEVAL_PLUGINS": "not_installed"})
    assert any("not_installed" in m and "未安装" in m for m in problems(host))


def test_empty_env_var_loads_no_entry_points():
    host = Host(env={"IIPEVAL_PLUGINS": ""})
    assert [p.name for p in host.plugins()] == ["iipeval.core"]


def test_builtin_plugins_come_through_entry_points():
    host = Host(env={})
    origins = {p.name: p.origin for p in host.plugins()}
    for name in (
        "national_2023",
        "hunan_comprehensive",
        "hunan_characteristic",
        "hunan_professional",
    ):
        assert origins[name].startswith("入口点 iipeval.plugins.")


def test_custom_framework_data_is_not_mutated():
    data = mini_data()
    before = copy.deepcopy(data)
    Host(entry_points=False, plugins=[("p", framework_plugin(data))])
    assert data == before
