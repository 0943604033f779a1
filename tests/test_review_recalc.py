"""The workbook's native total agrees with the engine, recalculated by LibreOffice.

An expert sees a live total computed by Excel/WPS/LibreOffice formulas, never by Python.
This test fills generated workbooks through openpyxl (numbers, grade words, a partly blank
row, an invalid entry), has LibreOffice recalculate them headless with a throwaway
profile set to always recalculate, reads the cached values with python-calamine, and
checks every complete row against ``Evaluator.score(app, [that expert's review]).total``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from test_review_workbook import (
    EXAMPLES,
    fill,
    national_set,
    parts_of,
    score_letters,
    variant,
    write,
)

from iipeval.core.api import Evaluator, load_json
from iipeval.core.model.application import ExpertReview
from iipeval.core.panel.roster import PanelExpert
from iipeval.core.scoring.params import load_parameters
from iipeval.excel.review.layout import FIRST_ROW, SCORES

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs it"
)

#: Always recalculate OOXML files on load (0 = always, 1 = never, 2 = prompt).
RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def recalc(files: list[Path], work: Path) -> list[Path]:
    """Copies of ``files`` recalculated and saved by LibreOffice headless."""
    profile = work / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_XCU, "utf-8")
    src, out = work / "in", work / "out"
    src.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    copies = []
    for f in files:
        copies.append(src / f.name)
        shutil.copy(f, copies[-1])
    proc = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, copies),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = [out / f.name for f in files]
    missing = [p.name for p in results if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {proc.stdout}\n{proc.stderr}"
    return results


def totals(path: Path, n_rows: int) -> list[object]:
    """The 总分（实时） column as LibreOffice computed it."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SCORES)
    grid = sheet.to_python(skip_empty_area=False)
    header = grid[FIRST_ROW - 3]
    col = header.index("总分（实时）")
    return [grid[FIRST_ROW - 1 + k][col] for k in range(n_rows)]


def review(ev, framework, values) -> ExpertReview:
    parts = parts_of(ev, framework)
    return ExpertReview(
        expert="E01", scores={p: v for p, v in zip(parts, values, strict=True) if v is not None}
    )


GRADES_CYCLE = ["优秀", "良好", "一般", "较差"]


def row_values(n: int, seed: int) -> list[object]:
    """A deterministic mix of integers, decimals and grade words."""
    out: list[object] = []
    for k in range(n):
        m = (seed * 7 + k * 3) % 5
        if m == 0:
            out.append(GRADES_CYCLE[(seed + k) % 4])
        elif m == 1:
            out.append(round(55 + (seed * 13 + k * 11) % 45 + 0.5, 1))
        elif m == 2:
            out.append(0 if k == 0 else 100)
        else:
            out.append(60 + (seed * 5 + k * 7) % 40)
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """Workbooks for three situations, filled, then recalculated in one LibreOffice run."""
    work = tmp_path_factory.mktemp("recalc")
    default = Evaluator()
    params_file = work / "params.toml"
    params_file.write_text(
        '[aggregation.grade_scores]\n"优秀" = 93\n"良好" = 80.5\n"一般" = 65\n"较差" = 40\n'
        "[frameworks.hunan_characteristic.weights]\ninnovation = 12\n",
        "utf-8",
    )
    tuned = Evaluator(params=load_parameters(params_file))
    specs = [
        ("national", default, "national_2023", national_set(default)),
        (
            "characteristic",
            tuned,
            "hunan_characteristic",
            [
                load_json(EXAMPLES / "hunan_characteristic.json"),
                variant(
                    tuned,
                    "hunan_characteristic",
                    "（示例）衡阳行业云",
                    scale=0.3,
                    subtype="industry",
                    credit_code=None,
                ),
                variant(
                    tuned, "hunan_characteristic", "（示例）常德区域云", scale=4, credit_code=None
                ),
            ],
        ),
        (
            "professional",
            default,
            "hunan_professional",
            [
                load_json(EXAMPLES / "hunan_professional.json"),
                variant(
                    default,
                    "hunan_professional",
                    "（示例）娄底专业云",
                    scale=0.5,
                    na=("energy_reduction",),
                    credit_code=None,
                ),
            ],
        ),
    ]
    built = []
    for name, ev, fw, loaded in specs:
        path = write(ev, loaded, work, PanelExpert(id="E01", name="张三"), name=f"{name}.xlsx")
        n = len(parts_of(ev, fw))
        letters = score_letters(ev, fw)
        rows = [row_values(n, seed) for seed in range(len(loaded))]
        # the last row: partly blank (one part left for later)
        rows[-1][n // 2] = None
        # the national set: one more row with an invalid entry typed past validation
        if name == "national":
            rows[-2][1] = 120
        fill(
            path,
            {
                FIRST_ROW + k: dict(zip(letters, values, strict=True))
                for k, values in enumerate(rows)
            },
        )
        built.append((name, ev, fw, loaded, rows, path))
    recalculated = recalc([b[-1] for b in built], work)
    return [(*b[:-1], out) for b, out in zip(built, recalculated, strict=True)]


@pytest.mark.parametrize("which", ["national", "characteristic", "professional"])
def test_native_total_equals_engine_total(cases, which):
    _, ev, fw, loaded, rows, path = next(c for c in cases if c[0] == which)
    n = len(parts_of(ev, fw))
    shown = totals(path, len(loaded))
    complete = 0
    for item, values, value in zip(loaded, rows, shown, strict=True):
        app = item.submission.application
        if any(v is None for v in values):
            filled = sum(v is not None for v in values)
            assert value == f"未完成（已评{filled}/{n}项）", (item.source, value)
            continue
        if 120 in values:
            assert value == f"含无效评分（已评{n - 1}/{n}项）", (item.source, value)
            continue
        expected = ev.score(app, [review(ev, fw, values)]).total
        assert isinstance(value, float), (item.source, value)
        assert value == pytest.approx(expected, abs=1e-9), item.source
        complete += 1
    assert complete >= 1
