"""The engine end to end on the mini set: totals, provisional, 不适用, findings, determinism."""

import json

import pytest
from support import application, mini_evaluator, reviews

from iipeval.core.model.application import NotApplicable


def indicator(r, id_):
    return next(i for i in r.indicators if i.id == id_)


def test_total_is_the_weighted_sum_of_indicator_scores():
    r = mini_evaluator().score(application(), reviews(80, 90))
    # devices 50, breadth 50, tech 0.5*85+0.5*50=67.5, finance 50
    assert [indicator(r, i).score for i in ("devices", "breadth", "tech", "finance")] == [
        pytest.approx(50),
        50,
        pytest.approx(67.5),
        pytest.approx(50),
    ]
    assert r.total == pytest.approx(30 * 0.5 + 30 * 0.5 + 25 * 0.675 + 15 * 0.5)
    assert r.dimensions[0].score == pytest.approx(50)
    assert r.dimensions[1].points == pytest.approx(25 * 0.675 + 7.5)
    assert r.grade == "较差" and not r.provisional and r.accepted


def test_every_indicator_is_explained():
    ev = mini_evaluator()
    r = ev.score(application(), reviews(80, 90))
    for i in r.indicators:  # the parameters of every rule, by path, recorded once
        assert i.explanation and i.id in ev.parameters_of(r)["rules"]
    assert "起评线10得0分" in indicator(r, "devices").explanation


def test_unscored_expert_parts_make_the_result_provisional_not_zero():
    r = mini_evaluator().score(application())
    assert r.provisional and r.total is None and r.grade is None
    assert r.pending_points == pytest.approx(25)
    assert r.secured == pytest.approx(15 + 15 + 7.5)
    tech = indicator(r, "tech")
    assert tech.status == "pending" and tech.score is None and tech.points is None
    assert r.dimensions[1].status == "pending" and r.dimensions[1].score is None
    assert r.dimensions[0].status == "scored"


def test_not_applicable_indicator_gives_its_weight_to_the_dimension():
    r = mini_evaluator().score(application(financing=NotApplicable()), reviews(80, 90))
    fin = indicator(r, "finance")
    assert fin.status == "na" and fin.weight == 0
    assert indicator(r, "tech").weight == pytest.approx(40)
    assert r.total == pytest.approx(15 + 15 + 40 * 0.675)


def test_missing_zero_and_not_applicable_stay_different():
    ev = mini_evaluator()
    zero = ev.score(application(financing=0), reviews(80))
    na = ev.score(application(financing=NotApplicable(reason="国有企业")), reviews(80))
    missing = ev.score(application(financing=None), reviews(80))
    assert indicator(zero, "finance").score == 0 and indicator(zero, "finance").status == "scored"
    assert indicator(na, "finance").status == "na"
    assert indicator(missing, "finance").score == 0
    assert "缺失" in indicator(missing, "finance").explanation
    # financing is optional in the vocabulary: missing is not an error, but it is explained
    assert missing.accepted


def test_required_item_missing_rejects_the_application():
    r = mini_evaluator().score(application(devices_operating=None), reviews(80))
    assert not r.accepted
    f = next(f for f in r.findings if f.item == "devices_operating")
    assert (f.severity, f.code) == ("error", "missing") and "必填项" in f.message


def test_na_where_not_allowed_is_an_error():
    r = mini_evaluator().score(application(devices_operating=NotApplicable()), reviews(80))
    f = next(f for f in r.findings if f.item == "devices_operating")
    assert f.code == "na_not_allowed"


def test_negative_count_and_text_in_number_cell():
    r = mini_evaluator().score(application(devices_mobile=-3, devices_other="很多"), reviews(80))
    by_item = {f.item: f for f in r.findings}
    assert (
        by_item["devices_mobile"].code == "below_min"
        and "不能为负数" in by_item["devices_mobile"].message
    )
    assert by_item["devices_other"].code == "not_number"


def test_inconsistent_pair_is_reported():
    r = mini_evaluator().score(application(developers_active=150), reviews(80))
    f = next(f for f in r.findings if f.code == "inconsistent.developers")
    assert f.item == "developers_active" and "150" in f.message and "100" in f.message


def test_exclusion_item():
    r = mini_evaluator().score(application(major_safety_incident=True), reviews(80))
    assert r.excluded and r.exclusions[0].id == "safety"
    assert r.total is not None  # still scored, so the organiser can see why it was out


def test_unknown_items_are_warned_about():
    r = mini_evaluator().score(application(colour="blue"), reviews(80))
    assert any(f.code == "unknown_item" and f.item == "colour" for f in r.findings)


def test_bad_credit_code():
    app = application()
    app.applicant.credit_code = "91430100MA4L0XXX0X"
    r = mini_evaluator().score(app, reviews(80))
    [said] = [f for f in r.findings if f.code == "credit_code"]
    assert "校验不通过" in said.message and "应为" not in said.message


def test_scoring_is_deterministic():
    panel = reviews(80, 60, 90)
    a = json.dumps(mini_evaluator().score(application(), panel).model_dump(mode="json"))
    b = json.dumps(mini_evaluator().score(application(), panel[::-1]).model_dump(mode="json"))
    assert "77.78" in a and a == b  # (0.4·60 + 80 + 0.4·90) / 1.8


def test_huge_values_stay_in_range():
    r = mini_evaluator().score(application(devices_operating=10**18, financing=1e300), reviews(100))
    assert all(0 <= i.score <= 100 for i in r.indicators)
    assert 0 <= r.total <= 100
