"""An applicant fills the 申报表 in LibreOffice Calc, typing as a person types.

``tests/libreoffice_typist.py`` drives a real Calc through python3-uno: every answer is
typed into its cell (``35%`` for a percentage, 是/否, plain numbers), the book is saved
as .xlsx by Calc, and iipeval reads what Calc wrote. The same answers given as JSON must
score the same; a formula typed into an input cell and a row the applicant hid are
refused at their cells, whatever Calc cached.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.excel.application.template import write
from iipeval.testing import sample

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")
TYPIST = Path(__file__).with_name("libreoffice_typist.py")


def _uno() -> bool:
    if not SYSTEM_PYTHON or not shutil.which("soffice"):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(
    not _uno(), reason="LibreOffice and python3-uno are not installed; scripts/test installs them"
)
SET = "national_2023"
FORMULA_ITEM = "devices_operating"
HIDDEN_ITEM = "devices_mobile"


def as_typed(item, value) -> str:
    """What a person types for ``value``: 是/否, ``35%`` for a percentage, digits."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if item is not None and item.type == "percent":
        return f"{value:g}%"
    return str(value)


def invoke(*args) -> tuple[int, str]:
    res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return res.exit_code, res.output


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed")
    fw = Evaluator().framework(SET).framework
    template = tmp / "申报表.xlsx"
    plan = write(fw, template)
    slots = {s.key: (s.sheet, s.cell) for s in plan.slots}
    answers = {f"applicant.{k}": v for k, v in sample.applicant(fw).items()}
    answers.update(sample.figures(fw))
    items = fw.item_map()
    steps = [
        ["type", *slots[key], as_typed(items.get(key), value)]
        for key, value in answers.items()
        if key in slots and value is not None
    ]
    sheet, cell = slots[FORMULA_ITEM]
    forged = [
        s if s[1:3] != [sheet, cell] else ["type", sheet, cell, "=1850000*100"] for s in steps
    ]
    hidden_sheet, hidden_cell = slots[HIDDEN_ITEM]
    row = int("".join(ch for ch in hidden_cell if ch.isdigit()))
    forged.append(["hide_row", hidden_sheet, row])
    job = {
        "profile": str(tmp / "profile"),
        "documents": [
            {"source": str(template), "target": str(tmp / "clean.xlsx"), "steps": steps},
            {"source": str(template), "target": str(tmp / "forged.xlsx"), "steps": forged},
        ],
    }
    (tmp / "job.json").write_text(json.dumps(job, ensure_ascii=False), "utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(TYPIST), str(tmp / "job.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    app = tmp / "same.json"
    app.write_text(json.dumps(sample.submission_json(fw), ensure_ascii=False), "utf-8")
    return tmp, seen, app, (sheet, cell), (hidden_sheet, hidden_cell)


def test_calc_took_the_typing_as_a_person_expects(typed):
    _, seen, *_ = typed
    kinds = {(s, c): (k, shown) for s, c, k, shown in seen[0]}
    assert "FORMULA" not in {k for k, _ in kinds.values()}
    assert any(shown.endswith("%") and k == "VALUE" for k, shown in kinds.values())
    assert [x[2:] for x in seen[1] if x[2] == "FORMULA"] == [["FORMULA", "185000000"]]


def test_a_workbook_typed_in_calc_passes_and_scores_as_the_same_answers_in_json(typed):
    tmp, _, app, *_ = typed
    code, out = invoke("validate", tmp / "clean.xlsx", "--format", "json")
    assert code == 0, out
    found = json.loads(out)["files"][0]["findings"]
    assert [f["severity"] for f in found] == ["notice"]  # 35% typed: read as 35, and said so
    assert "“35%”，已读取为35" in found[0]["message"]
    code, out = invoke("score", tmp / "clean.xlsx", app, "--format", "json")
    assert code == 0, out
    a, b = json.loads(out)["results"]
    assert a["secured"] == b["secured"] and a["pending_points"] == b["pending_points"]
    points = [{i["id"]: i["points"] for i in r["indicators"]} for r in (a, b)]
    assert points[0] == points[1]


def test_a_formula_and_a_hidden_row_typed_in_calc_are_refused_at_their_cells(typed):
    tmp, _, _, (sheet, cell), (hsheet, hcell) = typed
    code, out = invoke("validate", tmp / "forged.xlsx", "--format", "json")
    assert code == 1
    found = {(f["code"], f["sheet"], f["cell"]) for f in json.loads(out)["files"][0]["findings"]}
    assert ("formula", sheet, cell) in found
    assert ("hidden_row", hsheet, hcell) in found
