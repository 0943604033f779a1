"""AHP questionnaires: one per expert, filled and read back, judgements located by cell."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from openpyxl import load_workbook

from iipeval.core.analysis.ahp import comparison_groups
from iipeval.core.api import Evaluator
from iipeval.core.panel.roster import PanelExpert
from iipeval.excel.questionnaire.reader import read_questionnaire
from iipeval.excel.questionnaire.workbook import SCALE_TEXT, build, plan, save

#: Weights whose ratios all lie on Saaty's scale (1, 2, 4, 8): a perfectly consistent filling.
CONSISTENT = (8, 4, 2, 1, 1, 2, 4)


def framework(fw_id: str = "national_2023"):
    return Evaluator().framework(fw_id).framework


def consistent_judgement(i: int, j: int, n: int) -> float:
    return CONSISTENT[i] / CONSISTENT[j]


def inconsistent_judgement(i: int, j: int, n: int) -> float:
    """A cycle: every earlier item beats every later one, except that the last beats the
    first strongly (far over CR 0.10 for n ≥ 3)."""
    if (i, j) == (0, n - 1):
        return 1 / 9
    return 5.0


def fill(path: Path, judge, *, only: set[str] | None = None, out: Path | None = None) -> Path:
    """Fill a questionnaire as an expert would: pick the more important side and the degree."""
    fw_sheets = {sp.name: sp for sp in plan(framework(_fw_of(path)))}
    wb = load_workbook(path)
    for name, sp in fw_sheets.items():
        if only is not None and sp.group.level not in only:
            continue
        ws = wb[name]
        for k, (i, j) in enumerate(sp.pairs):
            r = sp.pair_row(k)
            v = judge(i, j, sp.n)
            if v is None:
                continue
            if v >= 1:
                ws.cell(r, 3).value = ws.cell(r, 1).value if v > 1 else None
                ws.cell(r, 4).value = SCALE_TEXT[round(v) - 1]
            else:
                ws.cell(r, 3).value = ws.cell(r, 2).value
                ws.cell(r, 4).value = SCALE_TEXT[round(1 / v) - 1]
    target = out or path
    wb.save(target)
    return target


def _fw_of(path: Path) -> str:
    meta = load_workbook(path, read_only=True)["_meta"]
    for row in meta.iter_rows(values_only=True):
        if row and row[0] == "framework":
            return row[1]
    raise AssertionError("no framework in _meta")


def questionnaire(tmp_path: Path, fw_id="national_2023", expert="E1", **kw) -> Path:
    path = tmp_path / f"ahp_{expert}.xlsx"
    save(build(framework(fw_id), "P1", PanelExpert(id=expert, name="专家"), **kw), path, force=True)
    return path


def test_one_sheet_per_group_with_every_pair(tmp_path):
    fw = framework()
    path = questionnaire(tmp_path)
    wb = load_workbook(path)
    groups = comparison_groups(fw)
    assert wb.sheetnames == ["说明", *(sp.name for sp in plan(fw)), "_meta"]
    assert len(groups) == 1 + sum(len(d.indicators) >= 2 for d in fw.dimensions)
    for sp in plan(fw):
        ws = wb[sp.name]
        names = [n for _, n in sp.group.members]
        got = [
            (ws.cell(sp.pair_row(k), 1).value, ws.cell(sp.pair_row(k), 2).value)
            for k in range(len(sp.pairs))
        ]
        assert got == list(itertools.combinations(names, 2))
        assert ws.protection.sheet
        # only the two answer cells of each pair are unlocked
        for k in range(len(sp.pairs)):
            r = sp.pair_row(k)
            assert [ws.cell(r, c).protection.locked for c in (1, 2, 3, 4, 5)] == [
                True,
                True,
                False,
                False,
                True,
            ]
    assert wb.security.lockStructure


def test_output_is_deterministic(tmp_path):
    a = questionnaire(tmp_path, expert="E1")
    b = tmp_path / "again.xlsx"
    save(build(framework(), "P1", PanelExpert(id="E1", name="专家")), b, force=True)
    assert a.read_bytes() == b.read_bytes()


def test_reader_takes_the_judgements(tmp_path):
    path = fill(questionnaire(tmp_path), consistent_judgement)
    filled = read_questionnaire(path)
    assert filled.ok, filled.findings
    assert filled.fact("expert") == "E1"
    for sheet in filled.sheets:
        n = len(sheet.ids)
        assert sheet.judgements == {
            (i, j): pytest.approx(consistent_judgement(i, j, n))
            for i, j in itertools.combinations(range(n), 2)
        }


def test_blank_and_wrong_entries_are_findings_with_their_cell(tmp_path):
    path = fill(questionnaire(tmp_path), consistent_judgement)
    fw = framework()
    sp = plan(fw)[0]
    wb = load_workbook(path)
    ws = wb[sp.name]
    ws["D6"] = None  # blank degree
    ws["D7"] = 10  # off the scale, typed past the dropdown
    ws["C8"] = None  # degree > 1 but no side chosen
    wb.save(path)
    filled = read_questionnaire(path)
    got = {(f.sheet, f.cell, f.code) for f in filled.findings}
    assert got == {(sp.name, "D6", "blank"), (sp.name, "D7", "off_scale"), (sp.name, "C8", "blank")}
