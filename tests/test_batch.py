"""Batch scoring: reviews matched to applications, missing reviews, ranking and quota."""

from support import application, code_for, mini_evaluator

from iipeval.core.api import Loaded
from iipeval.core.model.application import ExpertReview, Submission
from iipeval.core.panel.bundle import ReviewBundle
from iipeval.core.round.batch import score_batch
from iipeval.core.scoring.params import Parameters, RankingPolicy


def loaded(name, **items):
    app = application(**items)
    app.applicant.name, app.applicant.credit_code = name, code_for(name)
    return Loaded(f"{name}.json", Submission(application=app))


def bundle(expert, scores, conflicts=()):
    return ReviewBundle(
        source=f"{expert}.xlsx",
        expert=expert,
        framework="mini",
        conflicts=list(conflicts),
        reviews=[
            ExpertReview(expert=expert, application=code_for(k), scores={"tech.judged": s})
            for k, s in scores.items()
        ],
    )


def entries(batch):
    [ranking] = batch.rankings
    return [(e.rank, e.applicant, e.outcome) for e in ranking.entries]


def test_ranking_uses_totals_then_declared_tie_break():
    # 甲 and 乙 both total 68.75; mini declares tie_break = ["b", "a"], and 乙 is
    # stronger in 维度乙 (31.25 vs 23.75 points), so 乙 ranks first despite its name.
    apps = [
        loaded("甲", devices_operating=960),
        loaded("乙", devices_mobile=1, financing=10000),
        loaded("丙", devices_operating=10, devices_processing=0),
    ]
    panel = [bundle("专家1", {"甲": 80, "乙": 80, "丙": 80})]
    batch = score_batch(mini_evaluator(), apps, panel)
    totals = {r.applicant: round(r.total, 6) for r in batch.results}
    assert totals["甲"] == totals["乙"] == 68.75
    assert entries(batch) == [(1, "乙", "拟推荐"), (2, "甲", "拟推荐"), (3, "丙", "拟推荐")]


def test_exact_tie_shares_a_rank_and_quota_line_is_flagged():
    apps = [loaded("甲"), loaded("乙"), loaded("丙", devices_operating=1)]
    panel = [bundle("专家1", {"甲": 80, "乙": 80, "丙": 80})]
    ev = mini_evaluator(Parameters(ranking=RankingPolicy(quota=1)))
    batch = score_batch(ev, apps, panel)
    assert entries(batch) == [(1, "乙", "待定"), (1, "甲", "待定"), (3, "丙", "不予推荐")]
    assert any(f.code == "quota_tie" and "甲" in f.message for f in batch.findings)


def test_excluded_and_incomplete_are_listed_but_not_ranked():
    apps = [
        loaded("甲"),
        loaded("乙", major_safety_incident=True),
        loaded("丙", devices_other=None),
    ]
    batch = score_batch(mini_evaluator(), apps, [bundle("专家1", {"甲": 70, "乙": 90, "丙": 90})])
    ranked = entries(batch)
    assert ranked[0] == (1, "甲", "拟推荐")
    assert (None, "乙", "不予推荐") in ranked and (None, "丙", "不予推荐") in ranked
    reasons = {e.applicant: e.outcome_reason for e in batch.rankings[0].entries}
    assert reasons["丙"] == "未通过符合性审查（存在错误，需补正）"
    assert batch.failed  # 丙 needs 补正


def test_unscored_applications_are_pending_not_ranked_last():
    batch = score_batch(mini_evaluator(), [loaded("甲")], [])
    assert entries(batch) == [(None, "甲", "待定")]
    assert batch.rankings[0].entries[0].outcome_reason == "定性指标尚无评分，暂不排名"


def test_reviews_for_unknown_applications_and_missing_reviews_are_reported():
    apps = [loaded("甲"), loaded("乙")]
    panel = [
        bundle("专家1", {"甲": 80, "乙": 70, "丁": 60}),
        bundle("专家2", {"甲": 90}),  # never scored 乙
        bundle("专家3", {"甲": 85}, conflicts=["乙"]),  # declared a conflict with 乙
    ]
    batch = score_batch(mini_evaluator(), apps, panel)
    codes = [(f.code, f.message) for f in batch.findings]
    assert any(c == "review_unknown_application" and code_for("丁") in m for c, m in codes)
    missing = [m for c, m in codes if c == "review_missing"]
    assert missing == ["专家“专家2”未对“乙”评分"]
    yi = next(r for r in batch.results if r.applicant == "乙")
    assert yi.panels[0].experts == {"专家1": 70.0}


def test_batch_is_deterministic_whatever_the_input_order():
    apps = [loaded("甲"), loaded("乙", devices_operating=5), loaded("丙", devices_operating=900)]
    panel = [
        bundle("专家1", {"甲": 80, "乙": 70, "丙": 60}),
        bundle("专家2", {"甲": 82, "乙": 72, "丙": 62}),
    ]
    a = score_batch(mini_evaluator(), apps, panel).model_dump_json()
    b = score_batch(mini_evaluator(), apps[::-1], panel[::-1]).model_dump_json()
    assert a == b


def test_unreadable_input_is_rejected_and_others_still_scored():
    bad = Loaded("bad.json", None, [])
    batch = score_batch(mini_evaluator(), [bad, loaded("甲")], [bundle("专家1", {"甲": 80})])
    assert [r.source for r in batch.rejected] == ["bad.json"]
    assert [r.applicant for r in batch.results] == ["甲"]


def test_review_workbook_made_under_other_parameters_is_flagged():
    stale = bundle("专家1", {"甲": 80})
    stale.parameters_hash = "sha256:made-with-other-weights"
    current = bundle("专家2", {"甲": 80})
    current.parameters_hash = mini_evaluator().effective("mini").hash()
    batch = score_batch(mini_evaluator(), [loaded("甲")], [stale, current])
    flagged = [f.file for f in batch.findings if f.code == "review_parameters_changed"]
    assert flagged == ["专家1.xlsx"]


def test_a_form_signs_what_its_expert_saw_so_quotas_may_change_after_it_but_weights_may_not():
    from iipeval.core.scoring.params import Parameters

    issued = mini_evaluator().effective("mini").expert_hash()

    def flagged(params: dict) -> list:
        form = bundle("专家1", {"甲": 80})
        form.parameters_hash = issued
        ev = mini_evaluator(Parameters.model_validate(params))
        batch = score_batch(ev, [loaded("甲")], [form])
        return [f for f in batch.findings if f.code == "review_parameters_changed"]

    assert flagged({"ranking": {"quota": 1, "reserve": 1}}) == []
    assert flagged({"publication": {"title": "关于拟认定名单的公示"}}) == []
    (changed,) = flagged({"frameworks": {"mini": {"weights": {"a": 30}}}})
    assert changed.severity == "error" and "专家看到的参数" in changed.message
