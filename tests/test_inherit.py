"""A set that extends another changes only what differs and keeps the parent's text."""

import json

import pytest
from support import REPO, example_reviews, framework_plugin, plugin

from iipeval.core.api import Evaluator, load_json
from iipeval.core.host import Host
from iipeval.core.scoring.validation import credit_code_check_char

CHILD = {
    "id": "changsha_test",
    "extends": "hunan_comprehensive",
    "name": "长沙市工业互联网平台（测试）",
    "version": "2025.1",
    "source": {"document": "测试文件", "issuer": "长沙市工业和信息化局", "year": 2025},
    "weights": {"devices": 10, "models": 8},  # the new indicator takes the 4 points freed
    "add_indicators": [
        {
            "dimension": "resource",
            "id": "protocol_depth",
            "name": "工业协议兼容",
            "description": "评价兼容适配的工业协议数量。",
            "weight": 4,
            "kind": "定量",
            "rationale": "长沙制造业设备协议分散，单列协议兼容。",
            "rule": {
                "type": "log_scale",
                "label": "协议数量",
                "items": ["protocols_supported"],
                "floor": 5,
                "benchmark": 200,
            },
        }
    ],
    "exclusions": [
        {
            "id": "dishonest_data",
            "name": "数据造假",
            "item": "serious_dishonesty",
            "rationale": "测试",
        }
    ],
}


def host_with(child):
    return Host(
        plugins=[("changsha", framework_plugin(child))],
        env={"IIPEVAL_PLUGINS": "hunan_comprehensive"},
    )


def test_child_keeps_parent_text_and_applies_changes():
    host = host_with(CHILD)
    assert host.problems == []
    parent = host.frameworks["hunan_comprehensive"].framework
    child = host.frameworks["changsha_test"].framework
    assert host.frameworks["changsha_test"].parent == "hunan_comprehensive"
    by_id = {i.id: i for _, i in child.indicators()}
    assert (
        by_id["industries"].description
        == next(i for _, i in parent.indicators() if i.id == "industries").description
    )
    assert (by_id["devices"].weight, by_id["models"].weight) == (10, 8)
    assert "protocol_depth" in by_id and child.dimensions[0].indicators[-1].id == "protocol_depth"
    assert [e.id for e in child.exclusions][-1] == "dishonest_data"
    assert child.counts()["indicators"] == 9


def test_child_inherits_parent_exclusions_and_code_checks():
    def register_validators(register):
        register("hunan_comprehensive", lambda view: [], items=["devices_operating"], code="probe")

    host = Host(
        plugins=[
            ("changsha", framework_plugin(CHILD)),
            ("probe", plugin(register_validators=register_validators)),
        ],
        env={"IIPEVAL_PLUGINS": "hunan_comprehensive"},
    )
    assert [v.code for v in host.frameworks["changsha_test"].validators] == ["probe"]
    sub = load_json(REPO / "examples" / "applications" / "hunan_comprehensive.json").submission
    app = sub.application.model_copy(update={"framework": "changsha_test"})
    result = Evaluator(host).score(app, example_reviews(app))
    assert result.total is not None and result.accepted
    outsider = app.model_copy(deep=True)
    first17 = "91110000MA01ABCD0"  # registered in Beijing (division code 110000)
    outsider.applicant.credit_code = first17 + credit_code_check_char(first17)
    r = Evaluator(host).score(outsider, example_reviews(app))
    assert [h.id for h in r.exclusions] == ["registered_outside_hunan"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weights": {"devices": 30}}, "指标权重之和"),
        ({"drop_indicators": ["nope"]}, "没有指标 'nope'"),
        ({"extends": "ghost"}, "继承的 'ghost' 未加载"),
        ({"colour": "red"}, "无法识别的字段"),
    ],
)
def test_mistakes_are_named(change, message):
    child = json.loads(json.dumps(CHILD)) | change
    host = host_with(child)
    assert "changsha_test" not in host.frameworks
    assert any(message in str(p) and "changsha" in str(p) for p in host.problems), host.problems


def test_parent_own_items_are_inherited_and_child_items_added():
    parent = {
        "id": "own_items",
        "name": "自有数据项",
        "platform_type": "测试",
        "version": "1",
        "source": {"document": "d", "issuer": "i", "year": 2024},
        "items": [{"id": "own_count", "label": "自定义数量", "unit": "个", "min": 0}],
        "dimensions": [
            {
                "id": "d",
                "name": "维度",
                "weight": 100,
                "rationale": "r",
                "indicators": [
                    {
                        "id": "i",
                        "name": "指标",
                        "description": "x",
                        "weight": 100,
                        "kind": "定量",
                        "rationale": "r",
                        "rule": {
                            "type": "log_scale",
                            "items": ["own_count"],
                            "floor": 1,
                            "benchmark": 100,
                        },
                    }
                ],
            }
        ],
    }
    child = {
        "id": "own_items_child",
        "extends": "own_items",
        "name": "子",
        "version": "1",
        "source": {"document": "d", "issuer": "i", "year": 2025},
        "items": [{"id": "child_count", "label": "子数量", "min": 0}],
        "weights": {"i": 60},
        "add_indicators": [
            {
                "dimension": "d",
                "id": "j",
                "name": "新",
                "description": "y",
                "weight": 40,
                "kind": "定量",
                "rationale": "r",
                "rule": {"type": "flag", "item": "child_count"},
            }
        ],
    }
    host = Host(entry_points=False, plugins=[("p", framework_plugin(parent, child))])
    assert host.problems == []
    items = host.frameworks["own_items_child"].framework.item_map()
    assert {"own_count", "child_count"} <= set(items)


def test_child_lists_both_documents_and_which_text_is_whose():
    host = host_with({**CHILD, "source": {**CHILD["source"], "url": "https://example.invalid/cs"}})
    parent = host.frameworks["hunan_comprehensive"].framework
    child = host.frameworks["changsha_test"].framework
    assert child.source.document == "测试文件" and child.source.url == "https://example.invalid/cs"
    [inh] = child.inherited
    assert inh.framework == "hunan_comprehensive" and inh.source == parent.source
    assert "protocol_depth" not in inh.indicators and "devices" in inh.indicators
    assert inh.dimensions == [d.id for d in parent.dimensions] and inh.intro is bool(parent.intro)
    # a grandchild attributes each text to the document it comes from
    grand = {
        **CHILD,
        "id": "changsha_district",
        "extends": "changsha_test",
        "source": {"document": "区级文件", "issuer": "某区", "year": 2026},
        "weights": {},
        "add_indicators": [],
        "exclusions": [],
    }
    host = Host(
        plugins=[("changsha", framework_plugin(CHILD, grand))],
        env={"IIPEVAL_PLUGINS": "hunan_comprehensive"},
    )
    assert host.problems == []
    first, second = host.frameworks["changsha_district"].framework.inherited
    assert first.framework == "hunan_comprehensive" and "devices" in first.indicators
    assert second.framework == "changsha_test" and second.indicators == ["protocol_depth"]
    assert second.dimensions == [] and second.source.document == "测试文件"


def test_child_of_a_points_set_reweights_a_group():
    import sys

    sys.path.insert(0, str(REPO / "testing" / "examples" / "points_demo"))
    import iipeval_points_demo

    child = {
        "id": "points_child",
        "extends": "points_demo",
        "name": "分值式子体系",
        "version": "1",
        "source": {"document": "子文件", "issuer": "某市", "year": 2026},
        # sums must still add up: 12 + 8 = 20, 15 + 25 = 40
        "weights": {
            "connect": 20,
            "security": 40,
            "devices": 12,
            "models": 8,
            "safety": 15,
            "advanced": 25,
        },
    }
    host = Host(
        entry_points=False,
        plugins=[("points_demo", iipeval_points_demo), ("child", framework_plugin(child))],
    )
    assert host.problems == []
    fw = host.frameworks["points_child"].framework
    [connect, security] = fw.dimensions[0].groups
    assert (connect.weight, security.weight) == (20, 40)
    eff = Evaluator(host).effective("points_child", None)
    assert eff.indicator_points["devices"] == 12
    # the rule still reads the document's points (out of 20) and is scaled to its 12
    from points_demo import application, reviews

    name = "（示例）中游平台"
    app = application(name).model_copy(update={"framework": "points_child"})
    r = Evaluator(host).score(app, reviews(name))
    assert next(i for i in r.indicators if i.id == "devices").points == pytest.approx(14 * 12 / 20)
