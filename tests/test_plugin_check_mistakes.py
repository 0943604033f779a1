"""``plugin check`` catches the mistakes a provincial author makes copying a points table.

Each case here once passed the check silently and scored wrongly, or left the author to
guess what a message meant: a gap between two grades, a 加分项 part without its cap,
checklist points that add past a cap the document never states, a failing example whose
message hid most of its errors, a points sum spoken of as weights in the wrong table, and
an unknown item sent into iipeval's source instead of ``iipeval items``.
"""

import json

from points_demo import points_module
from support import framework_plugin, mini_data
from test_plugin_meaning import codes, indicator, lint, points_data

from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.application import Application, ExpertReview
from iipeval.testing import check_plugin


def problems_with(code, problems):
    return [p for p in problems if p.code == code]


# grade scales -------------------------------------------------------------------------------


def gap_data():
    data = points_data()
    grades = indicator(data, "advanced")["rule"]["grades"]
    grades[1]["max"] = 14  # 较好 11–14, 好 16–20: 15 belongs to neither
    return data


def test_a_gap_between_two_grades_is_an_error_naming_the_points_left_out():
    [p] = problems_with("grade_gap", lint(gap_data()))
    assert p.is_error and p.indicator == "advanced"
    assert "“较好”（11–14分）与“好”（16分起）之间有空档" in str(p)
    assert "专家评 15 分时不属于任何等级，将按“较好”计" in str(p)
    assert "是否应为 11–15 分" in str(p)


def test_the_gap_is_real_an_expert_typing_15_is_graded_below():
    """What the finding warns about: the engine grades 15 by the grade below the gap."""
    data = gap_data()
    host = Host(entry_points=False, plugins=[("p", framework_plugin(data))])
    fw = host.frameworks["points_demo"].framework
    [(_, _, rule)] = [p for p in fw.expert_parts() if p[0] == "advanced"]
    assert rule.grade_of(15) == "较好"


def test_grades_that_meet_at_whole_points_have_no_gap():
    assert problems_with("grade_gap", lint(points_data())) == []


def test_a_scale_whose_lowest_grade_starts_above_zero_is_named():
    data = points_data()
    indicator(data, "advanced")["rule"]["grades"][3]["min"] = 1
    [p] = problems_with("grade_gap", lint(data))
    assert "最低等级“差”从 1 分起" in str(p)


def test_a_document_scale_without_rubric_texts_passes_without_a_warning():
    data = points_data()
    for g in indicator(data, "advanced")["rule"]["grades"]:
        del g["rubric"]
    assert codes(lint(data), errors_only=False) == []


# 加分项 and 扣分项 -----------------------------------------------------------------------------


def test_a_bonus_part_without_its_cap_says_how_high_the_total_can_go():
    data = points_data()
    del data["bonus"]["cap"]  # items capped at 4 and 3: the bonus can reach 7, the total 107
    [p] = problems_with("adjustment_cap", lint(data))
    assert p.is_error
    assert (
        "[bonus]（加分项）没有写本部分的上限 cap：各项合计最多加 7 分，总分最高可达 107 分"
        in str(p)
    )
    assert "原文确实没有总上限时写 cap = 7" in str(p)


def test_a_deduction_part_without_its_cap_is_named_too():
    data = points_data()
    del data["deduction"]["cap"]
    [p] = problems_with("adjustment_cap", lint(data))
    assert "[deduction]（扣分项）没有写本部分的上限 cap：各项合计最多扣 13 分" in str(p)


def test_kind_on_a_bonus_item_is_explained_not_just_refused():
    data = points_data()
    data["bonus"]["items"][0]["kind"] = "定量"
    [p] = [p for p in lint(data) if "kind" in p.message]
    assert "不需要 kind" in str(p) and "请删除该行" in str(p)


# points that add past a cap ----------------------------------------------------------------


def nine_points_checklist(description, cap=9):
    data = points_data()
    ind = indicator(data, "safety")
    ind["description"] = description
    ind["rule"] = {
        "type": "checklist",
        "items": ["security_data", "security_code"],
        "item_points": {"security_data": 5, "security_code": 5},
        "cap": cap,
    }
    # the group still adds up: safety 9 + advanced 21 = 30
    ind["points"] = 9
    adv = indicator(data, "advanced")
    adv["points"] = 21
    adv["rule"]["grades"][0]["max"] = 21
    return data


def test_checklist_points_adding_past_a_cap_the_text_does_not_state_are_named():
    problems = lint(nine_points_checklist("具备数据安全防护得5分；代码安全得5分"))
    [p] = problems_with("points_capped", problems)
    assert not p.is_error and p.indicator == "safety"
    assert "各项分值合计最高 10 分，超过所写上限 cap = 9 分，计分时按 9 分封顶" in str(p)
    assert "没有写明“最高9分”" in str(p)


def test_writing_the_cap_without_the_text_no_longer_silences_it():
    """cap = 9 was the old advice and silenced the warning; now only the text does."""
    problems = lint(nine_points_checklist("具备数据安全防护得5分；代码安全得5分", cap=9))
    assert problems_with("points_capped", problems)
    data = nine_points_checklist("具备数据安全防护得5分；代码安全得5分", cap=None)
    del indicator(data, "safety")["rule"]["cap"]
    [p] = problems_with("points_capped", lint(data))
    assert "超过指标的满分 9 分" in str(p)


def test_a_cap_the_verbatim_text_states_is_taken_as_intended():
    problems = lint(nine_points_checklist("具备数据安全防护得5分；代码安全得5分；最高9分"))
    assert problems_with("points_capped", problems) == []
    problems = lint(nine_points_checklist("两项各5分，累计不超过9分"))
    assert problems_with("points_capped", problems) == []


def test_a_cap_of_a_different_number_in_the_text_does_not_count():
    problems = lint(nine_points_checklist("两项各5分，最高19分"))
    assert problems_with("points_capped", problems)


# messages that send the author to the right place -------------------------------------------


def test_group_points_that_do_not_add_up_speak_of_points_where_they_were_written():
    data = points_data()
    indicator(data, "models")["points"] = 8  # (一)连接能力: 20 + 8 ≠ 30
    [p] = [p for p in lint(data) if p.code == "weights" and "connect" in p.message]
    text = str(p)
    assert "方面 connect（连接能力）下各项分值合计为 28" in text
    assert "少了 2 分" in text
    assert "[[dimensions.groups.indicators]] 的 points" in text
    assert "weight" not in text and "[[dimensions.indicators]]" not in text


def test_weights_that_do_not_add_up_still_speak_of_weights():
    data = mini_data()
    data["dimensions"][0]["indicators"][0]["weight"] += 1
    [p] = [p for p in lint(data) if p.code == "weights"]
    assert "权重合计" in str(p) and "[[dimensions.indicators]] 的 weight" in str(p)


def test_an_unknown_item_points_to_iipeval_items_not_into_the_package():
    data = points_data()
    indicator(data, "patents")["rule"]["items"] = ["patent_invention"]
    [p] = problems_with("unknown_item", lint(data))
    assert "iipeval items" in str(p) and "patents_invention" in str(p)
    assert "vocabulary.toml" not in str(p)


def test_a_failing_example_says_how_many_errors_it_has(tmp_path):
    examples = tmp_path / "examples"
    examples.mkdir()
    figures = dict.fromkeys(
        ["devices_operating", "devices_processing", "devices_mobile", "devices_other"], -1
    )
    figures |= dict.fromkeys(["models_rd_simulation", "patents_invention"], -1)
    bad = {"application": {"framework": "points_demo", "applicant": {"name": "示例"}}}
    bad["application"]["items"] = figures
    (examples / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    problems = check_plugin(
        "points_demo", plugin=points_module(), examples=examples, update_golden=False
    )
    [p] = problems_with("example_invalid", problems)
    ev = Evaluator(Host(entry_points=False, plugins=[("points_demo", points_module())]))
    app = Application.model_validate(bad["application"])
    errors = [
        f for f in ev.score(app, [ExpertReview(expert="x")]).findings if f.severity == "error"
    ]
    assert len(errors) > 3
    assert f"……共 {len(errors)} 个错误，以上为前 3 个" in str(p)
    assert f"iipeval validate {examples / 'bad.json'}" in str(p)


# golden.json keeps the base, the bonus and the deduction -----------------------------------


def points_examples(tmp_path):
    """The points set's 中游平台 as a plugin example, with its three experts' scores."""
    from points_demo import APPLICANTS, BASE
    from support import code_for

    name = "（示例）中游平台"
    figures, entries = APPLICANTS[name][0], APPLICANTS[name][1]
    examples = tmp_path / "examples"
    (examples / "reviews").mkdir(parents=True)
    applicant = {"name": name, "credit_code": code_for(name)}
    app = {"framework": "points_demo", "applicant": applicant, "items": BASE | figures}
    (examples / "mid.json").write_text(json.dumps({"application": app}, ensure_ascii=False))
    reviews = [
        {"expert": f"专家{k + 1}", "application": code_for(name), "scores": {"advanced": v}}
        for k, v in enumerate(entries)
    ]
    (examples / "reviews" / "experts.json").write_text(json.dumps(reviews, ensure_ascii=False))
    return examples


def kit(examples, update=False):
    return check_plugin(
        "points_demo", plugin=points_module(), examples=examples, update_golden=update
    )


def test_golden_records_base_bonus_deduction_and_each_items_points(tmp_path):
    examples = points_examples(tmp_path)
    kit(examples, update=True)
    golden = json.loads((examples / "golden.json").read_text("utf-8"))["mid.json"]
    assert (golden["total"], golden["base"], golden["bonus"], golden["deduction"]) == (
        54,
        57,
        2,
        5,
    )
    assert golden["points"]["devices"] == 14 and golden["adjustments"]["deduct_incidents"] == 5
    assert [str(p) for p in kit(examples)] == []


def test_a_changed_deduction_alone_fails_against_golden(tmp_path):
    examples = points_examples(tmp_path)
    kit(examples, update=True)
    path = examples / "golden.json"
    golden = json.loads(path.read_text("utf-8"))
    golden["mid.json"]["deduction"] = 3  # as if the document's 扣分 had been 3
    golden["mid.json"]["adjustments"]["deduct_incidents"] = 3
    path.write_text(json.dumps(golden, ensure_ascii=False), "utf-8")
    [p] = problems_with("golden", kit(examples))
    assert "扣分 5（记录为 3）" in str(p) and "deduct_incidents" in str(p)


def test_a_golden_file_from_before_is_compared_on_what_it_has_and_flagged(tmp_path):
    examples = points_examples(tmp_path)
    kit(examples, update=True)
    path = examples / "golden.json"
    golden = json.loads(path.read_text("utf-8"))
    old = {k: golden["mid.json"][k] for k in ("total", "grade", "excluded", "indicators")}
    path.write_text(json.dumps({"mid.json": old}, ensure_ascii=False), "utf-8")
    problems = kit(examples)
    assert problems_with("golden", problems) == []
    [p] = problems_with("golden_incomplete", problems)
    assert not p.is_error and "--update-golden" in str(p)


def test_example_reviews_for_a_part_the_set_no_longer_has_are_named(tmp_path):
    examples = points_examples(tmp_path)
    kit(examples, update=True)
    path = examples / "reviews" / "experts.json"
    reviews = json.loads(path.read_text("utf-8"))
    for r in reviews:
        r["scores"] = {"advance": r["scores"]["advanced"]}  # renamed in the table, not here
    path.write_text(json.dumps(reviews, ensure_ascii=False), "utf-8")
    [p] = problems_with("example_reviews", kit(examples))
    assert p.is_error
    assert "评分项 advance 不存在" in str(p) and "本插件的专家评分项：advanced" in str(p)
