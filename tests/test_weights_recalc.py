"""The questionnaire's native formulas agree with the Python computation.

An expert sees weights, λmax, CI, CR and 通过/请调整 computed by Excel/WPS/LibreOffice
formulas, never by Python. Questionnaires are filled (consistent, inconsistent, random,
partly blank, a 2×2 sheet), recalculated by LibreOffice headless in a throwaway profile,
and every sheet's live numbers are compared with :mod:`iipeval.core.analysis.ahp` to 1e-9.
"""

from __future__ import annotations

import itertools
import random

import pytest
from python_calamine import CalamineWorkbook
from test_review_recalc import SOFFICE, recalc
from test_weights_questionnaire import (
    consistent_judgement,
    fill,
    framework,
    inconsistent_judgement,
    questionnaire,
)

from iipeval.core.analysis.ahp import SCALE, build, consistency, deviations
from iipeval.excel.questionnaire.reader import read_questionnaire
from iipeval.excel.questionnaire.workbook import ADJUST, NO_CR, PASS, SHARED, STATUS_ROW, plan

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def random_judgement(seed: int):
    rng = random.Random(seed)
    scale = [float(s) for s in SCALE]
    return lambda i, j, n: rng.choice(scale)


def blank_after(k: int, judge):
    """Fills only the first ``k`` pairs of each sheet."""

    def f(i, j, n):
        return judge(i, j, n) if (i, j) in list(itertools.combinations(range(n), 2))[:k] else None

    return f


CASES = {
    "consistent": ("national_2023", consistent_judgement, {}),
    "inconsistent": ("national_2023", inconsistent_judgement, {}),
    "random1": ("national_2023", random_judgement(1), {}),
    "random2": ("national_2023", random_judgement(2), {"ri": "cn"}),
    "hunan_2x2": ("hunan_characteristic", random_judgement(3), {"subtype": "industry"}),
    "partial": ("national_2023", blank_after(2, consistent_judgement), {}),
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    work = tmp_path_factory.mktemp("ahp_recalc")
    files = []
    for name, (fw_id, judge, kw) in CASES.items():
        path = questionnaire(work, fw_id, expert=name, **kw)
        files.append(fill(path, judge))
    out = recalc(files, work / "lo")
    return dict(zip(CASES, out, strict=True))


def cell(rows, r: int, c: int):
    row = rows[r - 1] if len(rows) >= r else []
    return row[c - 1] if len(row) >= c else ""


@pytest.mark.parametrize("case", list(CASES))
def test_live_formulas_match_python(recalculated, case):
    fw_id, _, kw = CASES[case]
    path = recalculated[case]
    ri = kw.get("ri", "saaty")
    filled = read_questionnaire(path)  # the LibreOffice-saved file reads back too
    sheets = {s.name: s for s in filled.sheets}
    wb = CalamineWorkbook.from_path(str(path))
    checked = 0
    for sp in plan(framework(fw_id)):
        rows = wb.get_sheet_by_name(sp.name).to_python()
        judgements = sheets[sp.name].judgements
        status = cell(rows, STATUS_ROW, 2)
        done = cell(rows, sp.summary_row, 2)
        assert done == len(judgements)
        if len(judgements) < len(sp.pairs):
            assert status.startswith("尚"), status
            assert cell(rows, sp.m_row(0), sp.w_col) == ""  # no weights from half a matrix
            continue
        res = consistency(build(sp.n, judgements), "geometric", ri)
        live = [cell(rows, sp.m_row(i), sp.w_col) for i in range(sp.n)]
        assert live == pytest.approx(res.weights, abs=1e-9, rel=0)
        if sp.n == 2:
            assert status == NO_CR
        else:
            lam, ci, ri_value, cr = (cell(rows, sp.summary_row + k, 2) for k in (1, 2, 3, 4))
            assert lam == pytest.approx(res.lambda_max, abs=1e-9, rel=0)
            assert ci == pytest.approx(res.ci, abs=1e-9, rel=0)
            assert ri_value == res.ri
            assert cr == pytest.approx(res.cr, abs=1e-9, rel=0)
            assert status == (PASS if res.passes() else ADJUST)
            worst = cell(rows, sp.summary_row + 6, 2)
            if res.passes():
                assert worst == "—"
            else:  # the pair named has the largest |ln(a_ij·w_j/w_i)|, as core computes it
                dev = deviations(build(sp.n, judgements), "geometric")
                top = max(dev.values())
                if sum(d >= top - 1e-9 for d in dev.values()) > 1:
                    assert worst == SHARED  # several alike: no single judgement to blame
                else:
                    names = [n for _, n in sp.group.members]
                    named = [p for p in dev if worst == f"{names[p[0]]} 与 {names[p[1]]}"]
                    assert named and dev[named[0]] == pytest.approx(top, abs=1e-9)
            gci = cell(rows, sp.summary_row + 7, 2)
            assert gci == pytest.approx(res.gci, abs=1e-9, rel=0)
        checked += 1
    guide = wb.get_sheet_by_name("说明").to_python()
    marks = [r[1] for r in guide if r and r[0] in {sp.name for sp in plan(framework(fw_id))}]
    assert len(marks) == len(plan(framework(fw_id)))
    if case == "consistent":
        assert set(marks) == {PASS}
    if case == "inconsistent":
        assert set(marks) == {ADJUST}
    assert checked or case == "partial"


def test_the_cases_cover_both_verdicts(recalculated):
    """The comparison above is only worth something if both marks occur."""
    seen = set()
    for case in ("random1", "random2", "inconsistent", "consistent"):
        wb = CalamineWorkbook.from_path(str(recalculated[case]))
        for sp in plan(framework("national_2023")):
            seen.add(cell(wb.get_sheet_by_name(sp.name).to_python(), STATUS_ROW, 2))
    assert {PASS, ADJUST} <= seen
