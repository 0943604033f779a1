"""A points table reads as its document does: in ``show``, the 申报表 and the score card.

Reviewers check what iipeval prints against the paper. These are the places a copied
table used to read differently from it: groups renumbered, 否决项 and a 扣分项 part's 原文
missing, a sub-type's own points hidden, a copied table called iipeval's proposal, 0–100
beside a weight where the document has points, deductions read as 得, a grade the
document never gave, and a vetoed total printed as if it counted.
"""

import tomllib

import pytest
from points_demo import HOME, application, reviews
from support import code_for, framework_plugin

from iipeval.cli import render
from iipeval.cli.criteria_text import framework_text
from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.criteria import POINTS_NOTE, PROPOSED_NOTE
from iipeval.excel.application.layout import plan

CRITERIA = HOME / "iipeval_points_demo" / "criteria.toml"


def points_data() -> dict:
    return tomllib.loads(CRITERIA.read_text("utf-8"))


def evaluator(data) -> Evaluator:
    return Evaluator(Host(entry_points=False, plugins=[("p", framework_plugin(data))]))


def show(data) -> str:
    rf = evaluator(data).framework(data["id"])
    return framework_text(rf.framework, rf.plugin, rf.exclusions)


def builtin_show(framework_id: str) -> str:
    rf = Evaluator(Host(env={})).framework(framework_id)
    return framework_text(rf.framework, rf.plugin, rf.exclusions)


# show -----------------------------------------------------------------------------------------


def test_groups_numbered_through_the_table_keep_their_numbers_in_the_second_dimension():
    data = points_data()
    data["numbering"] = "continuous"
    text = show(data)
    assert (
        "二、应用成效（40分）\n  （三）服务成效（30分）\n    5. 服务企业数量（15分，定量）" in text
    )
    assert "  7. 研发投入强度（10分，定量）" in text


def test_by_default_groups_and_indicators_restart_in_each_dimension():
    text = show(points_data())
    assert "二、应用成效（40分）\n  （一）服务成效（30分）\n    1. 服务企业数量" in text


def test_a_number_written_in_the_table_is_printed_as_written():
    data = points_data()
    data["dimensions"][1]["groups"][0]["number"] = "（四）"
    data["dimensions"][1]["groups"][0]["indicators"][0]["number"] = "（1）"
    text = show(data)
    assert "  （四）服务成效（30分）\n    （1）服务企业数量（15分，定量）" in text


def test_national_indicators_restart_in_each_dimension_as_its_document_numbers_them():
    text = builtin_show("national_2023")
    assert "二、平台核心技术水平（" in text
    after = text[text.index("二、平台核心技术水平") :]
    assert after.splitlines()[2].lstrip().startswith("1. 平台技术创新能力")


def test_show_prints_the_exclusions_and_the_deduction_parts_own_text():
    data = points_data()
    data["deduction"]["description"] = "扣分项累计最多扣10分，扣完为止"
    text = show(data)
    assert "扣分项（最多扣10分）\n  说明：扣分项累计最多扣10分，扣完为止" in text
    assert "否决项（一票否决，不予推荐）：\n  · 重大安全事故：" in text
    assert "近三年发生重大及以上安全生产事故填“是”的不予推荐" in text
    assert "依据：一票否决：近三年发生重大安全事故的不予推荐" in text


def test_show_prints_a_subtypes_own_points_beside_the_default():
    text = builtin_show("hunan_characteristic")
    assert "1. 工业设备数量（10分；行业级9分、区域级9分，定量）" in text
    assert "2. 工业模型数量（10分；行业级12分、区域级9分，定量）" in text


def test_a_points_table_says_its_points_are_the_documents():
    text = show(points_data())
    assert f"注：{POINTS_NOTE}" in text and PROPOSED_NOTE not in text
    assert f"注：{PROPOSED_NOTE}" in builtin_show("national_2023")
    data = points_data()
    data["weights_note"] = "分值照录《示范细则》。"
    assert "注：分值照录《示范细则》。" in show(data)


def test_a_grade_scale_without_rubric_texts_prints_no_empty_text():
    data = points_data()
    for g in data["dimensions"][0]["groups"][1]["indicators"][1]["rule"]["grades"]:
        del g["rubric"]
    text = show(data)
    assert "\n         好（16–20分）\n         较好（11–15分）\n" in text
    assert "分）：\n" not in text


# the 申报表 ----------------------------------------------------------------------------------


def test_the_workbook_numbers_parts_as_the_document_does():
    data = points_data()
    data["numbering"] = "continuous"
    fw = evaluator(data).framework("points_demo").framework
    rows = [(r.kind, r.number, r.title) for r in plan(fw).data]
    assert ("group", "（三）", "服务成效") in rows
    assert ("indicator", "5", "服务企业数量") in rows
    assert ("item", "5.1", "服务（接入）工业制造企业数量") in rows
    assert ("dimension", "", "扣分项（最多扣10分）") in rows
    assert not [r for r in rows if r[1] in ("三", "四")]


# the score card -----------------------------------------------------------------------------


def card(data, name="（示例）中游平台", **figures) -> tuple:
    r = evaluator(data).score(application(name, **figures), reviews(name))
    return r, render.result_text(r, in_points=True)


def test_a_points_table_has_no_grade_the_document_never_gave():
    r, text = card(points_data())
    assert r.total == 54 and r.grade is None
    assert "总分：54分\n" in text and "较差" not in text


def test_grades_a_points_table_declares_apply():
    data = points_data()
    data["grades"] = [{"name": "合格", "min": 50}, {"name": "不合格", "min": 0}]
    r, text = card(data)
    assert r.grade == "合格" and "总分：54分（合格）" in text


def test_a_weights_set_keeps_the_default_grades():
    from support import mini_evaluator

    fw = mini_evaluator().framework("mini").framework
    assert [g.name for g in fw.total_grades()] == ["优秀", "良好", "一般", "较差"]


def test_the_terminal_card_of_a_points_batch_reads_in_points():
    from iipeval.core.api import Loaded
    from iipeval.core.model.application import Submission
    from iipeval.core.panel.bundle import ReviewBundle
    from iipeval.core.round.batch import score_batch

    name = "（示例）中游平台"
    ev = evaluator(points_data())
    revs = [r.model_copy(update={"application": code_for(name)}) for r in reviews(name)]
    bundles = [
        ReviewBundle(
            source=f"{r.expert}.json", expert=r.expert, framework="points_demo", reviews=[r]
        )
        for r in revs
    ]
    batch = score_batch(ev, [Loaded("a.json", Submission(application=application(name)))], bundles)
    text = render.batch_text(batch)
    assert "■ 平台能力：37分（满分60分）" in text and batch.in_points("points_demo")


def test_a_points_card_reads_in_points_at_every_level():
    _, text = card(points_data())
    assert "■ 平台能力：37分（满分60分）" in text
    assert "  ▸ 连接能力：16分（满分30分）" in text
    assert "  · 设备连接规模：14分（满分20分）" in text
    assert "权重" not in text


def test_a_deduction_reads_as_points_taken_off():
    _, text = card(points_data())
    assert "■ 扣分项：扣5分" in text
    assert "每起扣5分，最多扣10分，扣5分" in text
    _, text = card(points_data(), "（示例）满格科技")
    assert "存在失信记录：是，扣3分（最多扣3分）" in text
    assert "■ 加分项：加5分（各项合计7分，按本部分上限计）" in text


def test_a_vetoed_card_says_the_veto_before_the_total_and_that_it_does_not_count():
    r, text = card(points_data(), major_safety_incident=True)
    assert r.excluded
    lines = text.splitlines()
    veto = next(k for k, x in enumerate(lines) if x.startswith("否决："))
    total = next(k for k, x in enumerate(lines) if x.startswith("总分："))
    assert veto < total
    assert "（已否决，不予推荐，总分不参与排名）" in lines[total]


@pytest.mark.parametrize(
    ("count", "said", "points"),
    [(150, "属“＜200”档，得1分", 1), (200, "达到“≥200”档，得3分", 3), (0, "属“＜200”档，得1分", 1)],
)
def test_a_band_written_from_zero_reads_below_the_next_threshold(count, said, points):
    data = points_data()
    rule = data["dimensions"][1]["groups"][0]["indicators"][1]["rule"]
    data["dimensions"][1]["groups"][0]["indicators"][1]["rule"] = {
        "type": "bands",
        "items": rule["items"],
        "bands": [[0, 1], [200, 3], [500, 15]],
    }
    r, _ = card(data, patents_invention=count)
    patents = next(i for i in r.indicators if i.id == "patents")
    assert said in patents.explanation and patents.points == points
    assert "≥0" not in patents.explanation


def test_the_results_workbook_of_a_points_table_says_its_points_are_the_documents(tmp_path):
    from datetime import UTC, datetime

    import openpyxl
    from test_points_reports import batch

    from iipeval.reports.results_workbook import write_results_workbook

    path = tmp_path / "results.xlsx"
    write_results_workbook(batch(), path, generated_at=datetime(2026, 1, 1, tzinfo=UTC))
    wb = openpyxl.load_workbook(path)
    note = wb.worksheets[0]["A2"].value
    assert "分值与计分规则照录原文件" in note and "总分按原文分值计（含加分、扣分）" in note
    assert "建议值" not in note and "百分制" not in note
    card = next(ws for ws in wb.worksheets if "中游平台" in str(ws["A1"].value))
    texts = [c.value for row in card.iter_rows() for c in row if isinstance(c.value, str)]
    assert "计分为按原文分值所得的分，得分为计分占满分的百分比（0-100）；合计为总分。" in texts
    assert not [t for t in texts if "合计为百分制总分" in t]


def test_an_expert_form_of_a_points_table_explains_its_own_scale(tmp_path):
    import openpyxl
    from points_demo import points_evaluator
    from test_review_workbook import write

    from iipeval.core.api import Loaded
    from iipeval.core.model.application import Submission

    loaded = [Loaded("a.json", Submission(application=application("（示例）中游平台")))]
    path = write(points_evaluator(), loaded, tmp_path)
    guide = openpyxl.load_workbook(path)["说明"]
    how = next(row[1].value for row in guide.iter_rows() if row[0].value == "如何评分")
    assert "技术先进性·专家评价填0-20的分数，或等级：好16-20、较好11-15" in how
    assert "优秀" not in how
