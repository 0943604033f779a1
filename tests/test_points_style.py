"""A set written in points, as provinces publish 评分细则: the engine gives the table's points.

The example set (testing/examples/points_demo) has three levels, a step table printed
top-down, per-unit points with caps, yes/no points adding up to a cap, an expert grade
scale with point ranges, 加分项 and 扣分项 with caps, and 一票否决. Expected points are
worked out by hand in tests/points_demo.py.
"""

import tomllib

import pytest
from points_demo import APPLICANTS, HOME, application, points_evaluator, reviews
from support import framework_plugin

from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.application import NotApplicable


def points_module_dir():
    return HOME / "iipeval_points_demo"


@pytest.fixture(scope="module")
def ev():
    ev = points_evaluator()
    assert ev.host.problems == []
    return ev


def points_of(r):
    return {i.id: i.points for i in r.indicators}


@pytest.mark.parametrize("name", ["（示例）中游平台", "（示例）起步工场"])
def test_hand_computed_totals_are_reproduced_exactly(ev, name):
    _, _, expected, bonus, deduction, total = APPLICANTS[name]
    r = ev.score(application(name), reviews(name))
    assert r.accepted and not r.provisional, r.findings
    assert {k: points_of(r)[k] for k in expected} == expected
    assert (r.bonus, r.deduction, r.total) == (bonus, deduction, total)
    assert r.base == sum(expected.values())


def test_the_applicant_hitting_every_cap(ev):
    name = "（示例）满格科技"
    r = ev.score(application(name), reviews(name))
    got = points_of(r)
    for k, v in APPLICANTS[name][2].items():
        assert got[k] == v, k
    # (20 + 20 + 18) / 3 on a 20-point part
    assert got["advanced"] == pytest.approx(19, abs=1e-12)
    assert (r.bonus, r.deduction) == (5, 10)
    items = {a.id: a.points for a in r.adjustments}
    assert items == {
        "bonus_standards": 4,
        "bonus_demo": 3,
        "deduct_incidents": 10,
        "deduct_credit": 3,
    }
    assert r.total == pytest.approx(80 + 19 + 5 - 10, abs=1e-12)


def test_total_is_never_above_the_base_plus_bonus_cap(ev):
    name = "（示例）满格科技"
    app = application(name, security_incidents=0, credit_record=False)
    r = ev.score(app, [r.model_copy(update={"scores": {"advanced": 20}}) for r in reviews(name)])
    assert (r.base, r.bonus, r.deduction, r.total) == (100, 5, 0, 105)


def test_explanations_speak_the_documents_terms(ev):
    r = ev.score(application("（示例）中游平台"), reviews("（示例）中游平台"))
    text = {i.id: i.explanation for i in r.indicators}
    assert "平台相关发明专利数量9件，每件1分，最高15分，得9分" in text["patents"]
    assert "每50个得1分（按整50个计，计2个单位）" in text["models"]
    assert "达到“≥5,000”档，得14分（满分20分）" in text["devices"]
    assert "合计7分，最高10分，得7分" in text["safety"]
    assert "得14分（满分20分）（较好）" in text["advanced"]
    deduct = next(a for a in r.adjustments if a.id == "deduct_incidents")
    assert "近三年一般网络安全事件1起，每起扣5分，最多扣10分，扣5分" in deduct.explanation


def test_three_levels_are_scored_at_every_level(ev):
    r = ev.score(application("（示例）中游平台"), reviews("（示例）中游平台"))
    groups = {g.id: (g.parent, g.weight, g.points) for g in r.groups}
    assert groups == {
        "connect": ("capability", 30, 16),
        "security": ("capability", 30, 21),
        "service": ("impact", 30, 14),
    }
    dims = {d.id: d.points for d in r.dimensions}
    assert dims == {"capability": 37, "impact": 20}
    assert {i.id: i.group for i in r.indicators}["rd"] is None


def test_step_table_boundaries_are_not_off_by_one(ev):
    def devices(n):
        r = ev.score(application("（示例）中游平台", devices_operating=n, devices_processing=0))
        return points_of(r)["devices"]

    assert [devices(n) for n in (999, 1000, 4999, 5000, 9999, 10000)] == [0, 8, 8, 14, 14, 20]


def test_per_unit_counts_whole_units(ev):
    def models(n):
        r = ev.score(
            application(
                "（示例）中游平台",
                models_rd_simulation=n,
                models_business_process=0,
                models_industry_mechanism=0,
                models_data_algorithm=0,
            )
        )
        return points_of(r)["models"]

    assert [models(n) for n in (49, 50, 99, 100, 499, 500, 10_000)] == [0, 1, 1, 2, 9, 10, 10]


def test_expert_grade_boundaries(ev):
    rule = next(r for _, ind, r in ev.framework("points_demo").framework.expert_parts())
    assert [rule.grade_of(x) for x in (20, 16, 15.9, 15, 11, 10, 6, 5.9, 0)] == [
        "好",
        "好",
        "较好",
        "较好",
        "较好",
        "一般",
        "一般",
        "差",
        "差",
    ]


def test_expert_entry_outside_the_scale_is_refused_not_counted(ev):
    name = "（示例）中游平台"
    revs = reviews(name)
    revs[0] = revs[0].model_copy(update={"scores": {"advanced": 25}})
    revs[1] = revs[1].model_copy(update={"scores": {"advanced": "优秀"}})
    r = ev.score(application(name), revs)
    bad = [f for f in r.findings if f.code == "bad_expert_score"]
    assert len(bad) == 2 and "超出0-20分范围" in bad[0].message
    assert r.accepted  # an expert's slip is not the applicant's to correct
    assert points_of(r)["advanced"] == 13  # only the third expert's 较好 counts


def _na_capable_evaluator():
    """The test set with 应用成效's figures as items that allow 不适用."""
    data = tomllib.loads((points_module_dir() / "criteria.toml").read_text("utf-8"))
    impact = data["dimensions"][1]
    ent, pat = impact["groups"][0]["indicators"]
    rd = impact["indicators"][0]
    ent["rule"] = {"type": "per_unit", "items": ["x_ent"], "per": 100, "points": 1}
    pat["rule"] = {"type": "per_unit", "items": ["x_pat"], "points": 1}
    rd["rule"] = {"type": "ratio", "numerator": "x_rd", "target": 5}
    data["items"] += [
        {"id": i, "label": i, "allow_na": True, "type": t}
        for i, t in (("x_ent", "integer"), ("x_pat", "integer"), ("x_rd", "percent"))
    ]
    host = Host(entry_points=False, plugins=[("p", framework_plugin(data))])
    assert host.problems == []
    return Evaluator(host)


def test_wholly_not_applicable_group_and_dimension_are_renormalised():
    ev = _na_capable_evaluator()
    name = "（示例）中游平台"
    na = NotApplicable(reason="测试")
    figures = dict(x_ent=570, x_pat=9, x_rd=3)
    r = ev.score(application(name, **figures), reviews(name))
    assert r.base == 57
    # 服务成效 (30) wholly 不适用: its dimension keeps its 40 points, all on 研发投入强度
    r = ev.score(application(name, **{**figures, "x_ent": na, "x_pat": na}), reviews(name))
    w = {i.id: i.weight for i in r.indicators}
    assert w["enterprises"] == w["patents"] == 0
    assert w["rd"] == 40 and points_of(r)["rd"] == 24
    assert {g.id: g.status for g in r.groups}["service"] == "na"
    # 应用成效 wholly 不适用: 平台能力 carries the whole 100
    r = ev.score(application(name, x_ent=na, x_pat=na, x_rd=na), reviews(name))
    dims = {d.id: (d.status, d.weight) for d in r.dimensions}
    assert dims == {"capability": ("scored", 100), "impact": ("na", 0)}
    assert r.base == pytest.approx((14 + 2 + 7 + 14) * 100 / 60)


def test_one_vote_veto_excludes(ev):
    name = "（示例）中游平台"
    r = ev.score(application(name, major_safety_incident=True), reviews(name))
    assert r.excluded and r.exclusions[0].name == "重大安全事故"


def test_weight_groups_walk_the_hierarchy(ev):
    eff = ev.effective("points_demo", None)
    groups = [
        (g.parent, g.level, [(n.id, n.kind, n.weight) for n in g.nodes])
        for g in eff.weight_groups()
    ]
    assert groups == [
        (None, 1, [("capability", "dimension", 60), ("impact", "dimension", 40)]),
        ("capability", 2, [("connect", "group", 30), ("security", "group", 30)]),
        ("connect", 3, [("devices", "indicator", 20), ("models", "indicator", 10)]),
        ("security", 3, [("safety", "indicator", 10), ("advanced", "indicator", 20)]),
        ("impact", 2, [("service", "group", 30), ("rd", "indicator", 10)]),
        ("service", 3, [("enterprises", "indicator", 15), ("patents", "indicator", 15)]),
    ]


@pytest.mark.parametrize(("lowest", "grade"), [(54, "甲"), (54.01, "乙"), (53.99, "甲")])
def test_total_grade_boundary_is_inclusive(lowest, grade):
    from iipeval.core.scoring.params import FrameworkOverrides, Parameters

    bands = [{"name": "甲", "min": lowest}, {"name": "乙", "min": 0}]
    params = Parameters(frameworks={"points_demo": FrameworkOverrides(grades=bands)})
    name = "（示例）中游平台"
    r = points_evaluator(params).score(application(name), reviews(name))
    assert r.total == 54 and r.grade == grade


def test_show_and_score_card_render_the_hierarchy_and_adjustments(ev):
    from iipeval.cli import render
    from iipeval.cli.criteria_text import framework_text

    rf = ev.framework("points_demo")
    text = framework_text(rf.framework, rf.plugin)
    assert (
        "一、平台能力（60分）\n  （一）连接能力（30分）\n    1. 设备连接规模（20分，定量）" in text
    )
    assert "较好（11–15分）：核心技术基本自主" in text
    assert "扣分项（最多扣10分）\n  1. 网络安全事件（最多扣10分）：每起扣5分，最多扣10分" in text
    assert "不低于0分、不高于105分" in text and "原文链接：https://example.invalid" in text
    data = render.framework_json(rf.framework, rf.plugin)
    assert data["indicator_groups"]["devices"] == "connect" and data["bonus"]["cap"] == 5
    name = "（示例）中游平台"
    card = render.result_text(ev.score(application(name), reviews(name)), in_points=True)
    assert "总分：54分\n  其中：基础分57分，加分2分，扣分5分" in card
    assert "  ▸ 服务成效：14分（满分30分）" in card
    assert "■ 扣分项：扣5分\n  · 网络安全事件：扣5分（本项最多扣10分）" in card


def test_panel_details_and_disagreement_speak_in_the_parts_points(ev):
    name = "（示例）中游平台"
    revs = reviews(name)
    revs[0] = revs[0].model_copy(update={"scores": {"advanced": 20}})
    revs[1] = revs[1].model_copy(update={"scores": {"advanced": 2}})
    r = ev.score(application(name), revs)
    [panel] = r.panels
    assert panel.experts == {"专家1": 20, "专家2": 2, "专家3": 13} and panel.out_of == 20
    # 2, 13, 20: the round's rule sets aside 0.6 of each end → (0.4·2 + 13 + 0.4·20) / 1.8
    assert panel.spread == 18 and panel.score == pytest.approx((0.8 + 13 + 8) / 1.8)
    [f] = [f for f in r.findings if f.code == "disagreement"]
    assert "极差18分（最高20，最低2），超过6分" in f.message


def test_a_set_wide_expert_scale_applies_to_parts_without_their_own():
    data = tomllib.loads((points_module_dir() / "criteria.toml").read_text("utf-8"))
    rule = data["dimensions"][0]["groups"][1]["indicators"][1]["rule"]
    del rule["grades"]
    data["expert_grades"] = [
        {"name": "A", "min": 80, "max": 100, "rubric": "领先"},
        {"name": "B", "min": 50, "max": 79.5, "value": 65, "rubric": "一般"},
        {"name": "C", "min": 0, "max": 49.5, "rubric": "落后"},
    ]
    host = Host(entry_points=False, plugins=[("p", framework_plugin(data))])
    assert host.problems == []
    [(_, _, expert)] = host.frameworks["points_demo"].framework.expert_parts()
    # on the part's 20 points: A 16-20, B 10-15.9 counting as 13, C 0-9.9
    assert expert.scale()[1] == ("B", 10, 15.9, "一般")
    assert expert.entry("B", {}) == 65
    assert expert.grade_of(16) == "A" and expert.grade_of(15.95) == "B"


def test_a_parameters_file_can_reweight_a_group():
    from iipeval.core.scoring.params import FrameworkOverrides, Parameters

    params = Parameters(frameworks={"points_demo": FrameworkOverrides(weights={"connect": 40})})
    eff = points_evaluator(params).effective("points_demo", None)
    # 平台能力 keeps 60: 连接能力 40 and 安全保障 30 share it 4:3
    assert eff.group_points["connect"] == pytest.approx(60 * 4 / 7)
    assert eff.indicator_points["devices"] == pytest.approx(60 * 4 / 7 * 20 / 30)
    assert any("平台能力" in n for n in eff.notices)


def test_leaving_a_deduction_item_blank_does_not_escape_the_deduction(ev):
    name = "（示例）中游平台"
    r = ev.score(application(name, security_incidents=None), reviews(name))
    assert not r.accepted  # 需补正: the blank is an error to correct, not a zero
    assert any(f.item == "security_incidents" and f.severity == "error" for f in r.findings)


def test_whole_units_are_not_lost_to_floating_point():
    from iipeval.core.rules import PerUnit, RuleContext
    from iipeval.core.rules.base import Answer

    rule = PerUnit(items=["x"], per=0.1, points=1, out_of=10)
    ctx = RuleContext("x", {"x": Answer("value", 0.3)}, {"x": "数量"})
    assert 0.3 / 0.1 < 3  # what a plain floor would see
    assert rule.evaluate(ctx).points == 3


def test_a_score_on_a_grade_bound_gets_that_grade_after_the_round_trip_through_100():
    """8 of 9 points travels as 88.88…% and back as 7.999…: still 好 when 好 starts at 8."""
    from iipeval.core.rules import PanelScore, RuleContext, parse_rule

    rule = parse_rule(
        {
            "type": "expert",
            "aspect": "技术先进性",
            "out_of": 9,
            "grades": [
                {"name": "好", "min": 8, "max": 9},
                {"name": "较好", "min": 6, "max": 7},
                {"name": "一般", "min": 3, "max": 5},
                {"name": "差", "min": 0, "max": 2},
            ],
        }
    )
    for typed, grade in ((8, "好"), (6, "较好"), (3, "一般"), (7.9, "较好")):
        score = rule.entry(typed, {})
        panel = PanelScore(
            part="x.y", score=score, method="mean", experts=(("E1", score),) * 3,
            kept=("E1",), spread=0.0, disagreement=False,
        )  # fmt: skip
        text = rule.evaluate(RuleContext("x", {}, {}, {"x.y": panel}), "y").text
        assert text.endswith(f"（{grade}）"), text
