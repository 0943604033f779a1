"""Experts fill their 专家评分表 in LibreOffice Calc, typing as a person types.

The forms are issued by ``iipeval panel``, typed into through a real Calc
(``tests/libreoffice_typist.py``) and saved by Calc. They must verify against the round's
record and score exactly as the same scores written by openpyxl; an expert who types 120
(Calc's own validation is not applied to what the typist enters, as with a paste) is
refused at that cell and the value never counts.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import openpyxl
import pytest
from test_panel_integrity import (
    CLEAN_CHECK,
    EXPERTS,
    GIVEN,
    RECORDS,
    STRONG,
    applications,
    fill_workbook,
    issue,
    meta_rows,
    panel_file,
    run,
)
from test_typed_in_libreoffice import SYSTEM_PYTHON, TYPIST, pytestmark  # noqa: F401
from test_verification import rows as verification_rows

from iipeval.excel.review.layout import SCORES

OUTLIER = "E02"


def _cell(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


def _steps(path, expert: str, *, outlier: bool = False) -> list:
    parts, rows = meta_rows(openpyxl.load_workbook(path, read_only=True))
    strong, weak = GIVEN[expert]
    steps = [
        ["type", SCORES, _cell(r, col), str(strong if key == STRONG else weak)]
        for key, r in rows.items()
        for _, _, col in parts
    ]
    if outlier:
        steps[0][3] = "120"
        steps[1][3] = "85%"  # Calc stores 0.85 and shows it as 85%
    return steps


@pytest.fixture(scope="module")
def round_(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed_round")
    apps = applications(tmp)
    issued = tmp / "issued"
    issue(apps, panel_file(tmp), issued)
    typed, by_hand, outlier = (tmp / d for d in ("typed", "by_hand", "outlier"))
    for d in (typed, by_hand, outlier):
        shutil.copytree(issued, d)
    docs = []
    for e in EXPERTS:
        [form] = issued.glob(f"review_*_{e}.xlsx")
        fill_workbook(by_hand / form.name, e)
        docs.append(
            {"source": str(form), "target": str(typed / form.name), "steps": _steps(form, e)}
        )
        if e == OUTLIER:
            steps = _steps(form, e, outlier=True)
            docs.append({"source": str(form), "target": str(outlier / form.name), "steps": steps})
            outlier_cell = (steps[0][2], steps[1][2])
        else:
            fill_workbook(outlier / form.name, e)
    job = tmp / "job.json"
    job.write_text(json.dumps({"profile": str(tmp / "profile"), "documents": docs}), "utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(TYPIST), str(job)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return apps, typed, by_hand, outlier, outlier_cell


def scored(apps, reviews, code):
    record = RECORDS[apps]
    res = run("score", apps, "--reviews", reviews, "--panel-record", record, "--format", "json",
              code=code)  # fmt: skip
    return json.loads(res.output)


def test_forms_typed_and_saved_in_calc_verify_and_score_as_written_by_openpyxl(round_):
    apps, typed, by_hand, *_ = round_
    a, b = scored(apps, typed, 0), scored(apps, by_hand, 0)
    assert a["review_panel"]["verified"] is True
    assert [f for f in a["findings"] if f["severity"] != "notice"] == []  # no finding at all
    assert all(not r["findings"] for r in a["results"])
    for r in a["results"]:
        assert r["panel_check"] == CLEAN_CHECK
    assert [(r["applicant"], r["total"]) for r in a["results"]] == [
        (r["applicant"], r["total"]) for r in b["results"]
    ]
    assert [r["panels"] for r in a["results"]] == [r["panels"] for r in b["results"]]


def test_an_expert_who_types_120_or_85_percent_is_refused_at_that_cell_and_never_counted(round_):
    apps, _, _, outlier, (cell, percent_cell) = round_
    data = scored(apps, outlier, 1)
    bad = [f for f in data["findings"] if f["code"] == "review_bad_score"]
    assert [(f["cell"], OUTLIER in f["file"]) for f in bad] == [(cell, True)]
    pct = [f for f in data["findings"] if f["code"] == "percent_format"]
    assert [(f["cell"], OUTLIER in f["file"]) for f in pct] == [(percent_cell, True)]
    assert "85.00%" in pct[0]["message"] and "0.85" in pct[0]["message"]  # as Calc shows it
    given = [v for r in data["results"] for p in r["panels"] for v in p["experts"].values()]
    assert 120 not in given and 0.85 not in given


# -- a real round -----------------------------------------------------------------------

REAL_EXPERTS = ("E1", "E2", "E3", "E4", "E5")


def _real_apps(folder):
    """Eight national applications, each its own name, code and figures."""
    from support import EXAMPLE_APPS, code_for

    folder.mkdir()
    base = json.loads((EXAMPLE_APPS / "national_2023.json").read_text("utf-8"))
    names = []
    for k in range(8):
        data = json.loads(json.dumps(base))
        app = data["application"]
        app["applicant"]["name"] = f"（示例）第{k + 1}号平台有限公司"
        app["applicant"]["credit_code"] = code_for(f"real{k}")
        app["items"]["devices_operating"] = 1_000_000 + 150_000 * k
        (folder / f"app{k + 1}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        names.append(app["applicant"]["name"])
    return names


def _real_score(e: int, row: int, part: int) -> str:
    value = 70 + (7 * row + 5 * e + 3 * part) % 20  # a panel that agrees within 30
    return "良好" if (e + row + part) % 17 == 0 else str(value)


@pytest.fixture(scope="module")
def real_round(tmp_path_factory):
    """8 national applications, five experts, two 回避 (one by a differently spelt name,
    one by code), every form typed and saved in Calc, two 核查表 typed in Calc too; and
    the same entries written by openpyxl, to compare with."""
    from support import code_for

    tmp = tmp_path_factory.mktemp("real_round")
    names = _real_apps(tmp / "apps")
    conflicts = {
        "E2": names[2].replace("（", "(").replace("）", ")"),  # spelt with other brackets
        "E4": code_for("real5"),
    }
    lines = ['id = "实评审组"', 'round = "真实轮次"']
    for e in REAL_EXPERTS:
        lines += ["[[experts]]", f'id = "{e}"']
        if e in conflicts:
            lines.append(f'conflicts = ["{conflicts[e]}"]')
    (tmp / "panel.toml").write_text("\n".join(lines) + "\n", "utf-8")
    record = tmp / "私密" / "record.json"
    run("panel", tmp / "apps", "--panel", tmp / "panel.toml", "-o", tmp / "issued",
        "--record", record, code=0)  # fmt: skip
    run("verification", tmp / "apps", "--panel-record", record, "-o", tmp / "sheets", code=0)
    docs = []
    for d in ("typed", "by_hand", "typed_sheets", "hand_sheets"):
        (tmp / d).mkdir()
    for e, expert in enumerate(REAL_EXPERTS):
        [form] = (tmp / "issued").glob(f"review_*_{expert}.xlsx")
        parts, rows = meta_rows(openpyxl.load_workbook(form, read_only=True))
        entries = [
            (_cell(r, col), _real_score(e, r, k)) for r in rows.values() for k, (_, _, col) in
            enumerate(parts)
        ]  # fmt: skip
        docs.append(
            {
                "source": str(form),
                "target": str(tmp / "typed" / form.name),
                "steps": [["type", SCORES, c, v] for c, v in entries],
            }
        )
        wb = openpyxl.load_workbook(form)
        for c, v in entries:
            wb[SCORES][c] = float(v) if v[0].isdigit() else v
        wb.save(tmp / "by_hand" / form.name)
    checked = {"app2_核查表.xlsx": 1_300_000, "app7_核查表.xlsx": 900_000}
    for name, value in checked.items():
        sheet = tmp / "sheets" / name
        r = verification_rows(sheet)["devices_operating"]
        docs.append(
            {
                "source": str(sheet),
                "target": str(tmp / "typed_sheets" / name),
                "steps": [
                    ["type", "核查表", f"F{r}", f"{value:,}"],
                    ["type", "核查表", f"I{r}", "王核查"],
                    ["type", "核查表", f"J{r}", "2026-12-05"],
                ],
            }
        )
        wb = openpyxl.load_workbook(sheet)
        ws = wb["核查表"]
        ws[f"F{r}"], ws[f"I{r}"] = value, "王核查"
        ws[f"J{r}"] = __import__("datetime").date(2026, 12, 5)
        wb.save(tmp / "hand_sheets" / name)
    job = tmp / "job.json"
    job.write_text(json.dumps({"profile": str(tmp / "profile"), "documents": docs}), "utf-8")
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(TYPIST), str(job)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    return tmp, record, names


def test_a_real_round_typed_and_saved_in_calc_verifies_with_no_finding_and_keeps_its_totals(
    real_round,
):
    tmp, record, names = real_round

    def scored(forms, sheets):
        res = run("score", tmp / "apps", "--reviews", tmp / forms, "--panel-record", record,
                  "--verified", tmp / sheets, "--format", "json", code=0)  # fmt: skip
        return json.loads(res.output)

    typed, by_hand = scored("typed", "typed_sheets"), scored("by_hand", "hand_sheets")
    assert typed["review_panel"]["verified"] is True
    said = [*typed["findings"], *(f for r in typed["results"] for f in r["findings"])]
    assert [f for f in said if f["severity"] != "notice"] == []  # no finding at all
    totals = {r["applicant"]: r["total"] for r in typed["results"]}
    assert totals == {r["applicant"]: r["total"] for r in by_hand["results"]}
    assert all(t is not None for t in totals.values())
    counted = {r["applicant"]: r["panel_check"]["counted"] for r in typed["results"]}
    assert counted[names[2]] == ["E1", "E3", "E4", "E5"]  # E2 recused by a spelling
    assert counted[names[5]] == ["E1", "E2", "E3", "E5"]  # E4 recused by code
    verified = {r["applicant"]: r["verification"] for r in typed["results"] if r["verification"]}
    assert {n: v["values"][0]["verified"] for n, v in verified.items()} == {
        names[1]: 1_300_000,
        names[6]: 900_000,
    }
