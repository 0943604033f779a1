"""The points-style set's expert workbook: its own grade scale, and a live total that agrees
with the engine after LibreOffice recalculation, or says it is not available.

起步工场's 扣分 push its total below 0, where the set keeps it at 0: the total is then not
an affine function of the expert's score, and the workbook must not show a wrong number.
"""

from __future__ import annotations

import openpyxl
import pytest
from points_demo import APPLICANTS, application, points_evaluator
from test_review_recalc import SOFFICE, recalc, totals
from test_review_workbook import fill, score_letters, write

from iipeval.core.api import Loaded
from iipeval.core.model.application import ExpertReview, Submission
from iipeval.core.panel.roster import PanelExpert
from iipeval.excel.review.layout import CALC, FIRST_ROW
from iipeval.excel.review.reader import read_review_workbook
from iipeval.excel.review.workbook import NOT_LINEAR

NAMES = ["（示例）中游平台", "（示例）满格科技", "（示例）起步工场"]
ENTRIES = [17, "较好", 3]  # points within 0-20, a grade of the set's own scale


@pytest.fixture(scope="module")
def ev():
    return points_evaluator()


@pytest.fixture(scope="module")
def workbook(ev, tmp_path_factory):
    work = tmp_path_factory.mktemp("points_review")
    loaded = [Loaded(f"{n}.json", Submission(application=application(n))) for n in NAMES]
    path = write(ev, loaded, work, PanelExpert(id="E01", name="张三"), name="points.xlsx")
    [letter] = score_letters(ev, "points_demo")
    fill(path, {FIRST_ROW + k: {letter: v} for k, v in enumerate(ENTRIES)})
    return work, path, letter


def test_validation_follows_the_sets_scale(workbook):
    _, path, letter = workbook
    ws = openpyxl.load_workbook(path)["评分"]
    [dv] = [d for d in ws.data_validations.dataValidation if letter in str(d.sqref)]
    assert f"{letter}{FIRST_ROW}<=20" in dv.formula1
    for grade in ("好", "较好", "一般", "差"):
        assert f'="{grade}"' in dv.formula1
    assert "优秀" not in dv.formula1
    assert "好16-20、较好11-15、一般6-10、差0-5" in dv.prompt
    calc = openpyxl.load_workbook(path)[CALC]
    formulas = [c.value for row in calc.iter_rows() for c in row if isinstance(c.value, str)]
    assert any('="较好",13.0' in f for f in formulas)  # 较好 counts as the middle of 11-15


def test_reading_back_accepts_the_sets_grades_and_refuses_what_it_does_not(workbook, tmp_path):
    _, path, letter = workbook
    bundle = read_review_workbook(path)
    assert bundle.findings == []
    assert [r.scores["advanced"] for r in bundle.reviews] == [17, "较好", 3]
    bad = fill(
        path, {FIRST_ROW: {letter: 25}, FIRST_ROW + 1: {letter: "优秀"}}, tmp_path / "b.xlsx"
    )
    problems = [f.message for f in read_review_workbook(bad).findings]
    assert len(problems) == 2
    assert "超出0-20范围" in problems[0] and "好、较好、一般、差" in problems[1]


def test_live_total_is_the_engines_or_says_it_is_not_available(ev, workbook):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed; CI installs it")
    work, path, _ = workbook
    [out] = recalc([path], work)
    shown = totals(out, len(NAMES))
    for name, entry, value in zip(NAMES, ENTRIES, shown, strict=True):
        review = ExpertReview(expert="E01", scores={"advanced": entry})
        expected = ev.score(application(name), [review]).total
        if name == "（示例）起步工场":
            assert value == NOT_LINEAR
            assert expected == APPLICANTS[name][5] == 0
        else:
            assert value == pytest.approx(expected, abs=1e-9), name
    # 中游平台: 43 of data + 17 from the expert + 2 − 5
    assert shown[0] == 57


def test_quantitative_sheet_shows_levels_bonus_and_deduction(workbook):
    from iipeval.excel.review.layout import QUANT

    _, path, _ = workbook
    ws = openpyxl.load_workbook(path)[QUANT]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    first = rows.index(next(r for r in rows if r[1] == "设备连接规模"))
    assert rows[first][0] == "平台能力／连接能力"
    deduction = next(r for r in rows[first:] if r[1] == "网络安全事件")
    assert deduction[0] == "扣分项" and deduction[5] == -5
    part = next(r for r in rows[first:] if r[0] and str(r[0]).startswith("技术先进性"))
    assert part[3] == 20  # the 20-point part: typing 20 adds 20 points
