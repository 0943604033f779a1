"""The points-style test set through its generated 申报表: typed in, read back, same points.

Names keep their exact characters on the way: "（示例）" stays full-width.
"""

import pytest
from points_demo import APPLICANTS, BASE, points_evaluator, reviews

from iipeval.core.model.criteria import DataItem
from iipeval.core.scoring.normalize import read_plain_text, read_text
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write
from iipeval.testing import sample


@pytest.fixture(scope="module")
def ev():
    return points_evaluator()


@pytest.mark.parametrize("name", sorted(APPLICANTS))
def test_hand_computed_points_survive_the_workbook(ev, tmp_path, name):
    fw = ev.framework("points_demo").framework
    path = tmp_path / "申报表.xlsx"
    plan = write(fw, path)
    slots = {s.key: (s.sheet, s.cell) for s in plan.slots}
    figures = {**BASE, **APPLICANTS[name][0]}
    who = {**sample.applicant(fw), "name": name}
    sample.fill_workbook(path, slots, figures, who)
    loaded = read_workbook(path, ev)
    assert loaded.submission is not None, loaded.findings
    app = loaded.submission.application
    assert app.applicant.name == name  # full-width brackets kept
    via = ev.score(app, reviews(name))
    _, _, expected, bonus, deduction, total = APPLICANTS[name]
    got = {i.id: i.points for i in via.indicators}
    assert {k: got[k] for k in expected} == expected
    assert (via.bonus, via.deduction) == (bonus, deduction)
    if total is not None:
        assert via.total == total
    direct = ev.score(app.model_copy(update={"items": figures}), reviews(name))
    assert via.total == direct.total


def test_free_text_keeps_its_characters_but_loses_invisible_ones():
    assert read_plain_text("申报单位名称", " （示例）某某公司\u200b ").value == "（示例）某某公司"
    assert read_plain_text("申报单位名称", "ＡＢＣ科技").value == "ＡＢＣ科技"
    url = DataItem(id="u", label="平台网址", type="text")
    assert read_text(url, "（一期）平台").value == "（一期）平台"
    choice = DataItem(id="c", label="领域", type="choice", choices=["装备制造(含零部件)"])
    assert read_text(choice, "装备制造（含零部件）").value == "装备制造(含零部件)"


def test_template_shows_the_levels_and_the_bonus_and_deduction_parts(ev):
    from iipeval.excel.application.layout import plan

    rows = [(r.kind, r.number, r.title) for r in plan(ev.framework("points_demo").framework).data]
    assert rows[:3] == [
        ("dimension", "一", "平台能力"),
        ("group", "（一）", "连接能力"),
        ("indicator", "1.1", "设备连接规模"),
    ]
    # 加分项 and 扣分项 are parts of their own, not dimensions 三 and 四
    assert ("dimension", "", "加分项（最多加5分）") in rows
    assert ("indicator", "扣1", "网络安全事件") in rows
    assert ("item", "扣1.1", "近三年一般网络安全事件") in rows
