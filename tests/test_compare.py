"""``iipeval compare OLD NEW``: a 补正 round's resubmissions against the earlier versions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from support import code_for
from workbook_helpers import APPLICANT, figures, fill

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbooks" / "national_2023.xlsx"
FW = Evaluator().framework("national_2023").framework
INJECTED = '=HYPERLINK("http://x","y")公司'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def as_json(path: Path, name: str, code: str | None, **items) -> None:
    data = {
        "framework": FW.id,
        "applicant": {"name": name, "credit_code": code},
        "items": figures(FW) | items,
    }
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def rounds(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "第一轮", tmp_path / "第二轮"
    old.mkdir()
    new.mkdir()
    bad = figures(FW) | {"devices_operating": "很多", "patents_invention": -3}
    fill(TEMPLATE, bad, out=old / "甲.xlsx")
    good = figures(FW) | {"devices_operating": 1200, "patents_invention": 8}
    raised = good | {"developers_registered": figures(FW)["developers_registered"] * 10}
    fill(TEMPLATE, raised, out=new / "甲（补正）.xlsx")  # fixed, and raised a figure
    # 乙: wrong credit code and a missing figure; both fixed: matched by name
    as_json(old / "乙.json", INJECTED, "91430100MA00000020", devices_mobile=None)
    as_json(new / "乙.json", INJECTED, "91430100MA00000029")
    as_json(old / "丁.json", "丁公司", None)  # not resubmitted
    as_json(new / "丙.json", "丙公司", None)  # new
    return old, new


def test_fixed_open_new_and_unasked_changes_per_applicant(tmp_path):
    old, new = rounds(tmp_path)
    before = digest(old) | digest(new)
    report = tmp_path / "比对.xlsx"
    res = invoke("compare", str(old), str(new), "--format", "json", "-o", str(report))
    assert digest(old) | digest(new) == before  # inputs untouched
    data = json.loads(res.output)
    by = {a["applicant"]: a for a in data["applicants"]}
    jia = by[APPLICANT["name"]]
    assert jia["matched_by"] == "统一社会信用代码"
    assert {f["cell"] for f in jia["fixed"]} == {"E7", "E33"}
    assert jia["still_open"] == [] and jia["new"] == []
    changed = {c["key"]: c for c in jia["changes"]}
    assert (
        changed["devices_operating"]["old"] == "很多"
        and not changed["devices_operating"]["attention"]
    )
    assert changed["patents_invention"]["answers_finding"]
    assert [c["key"] for c in jia["attention"]] == ["developers_registered"]
    yi = by[INJECTED]
    assert yi["matched_by"] == "名称"  # the credit code itself was corrected
    assert {f["item"] for f in yi["fixed"]} == {"applicant.credit_code", "devices_mobile"}
    # the corrected code was asked for, and it says who the applicant is: still looked at
    assert [c["key"] for c in yi["changes"] if c["attention"]] == ["applicant.credit_code"]
    assert [u["applicant"] for u in data["only_old"]] == ["丁公司"]
    assert [u["applicant"] for u in data["only_new"]] == ["丙公司"]
    assert res.exit_code == 0 and data["resolved"]

    wb = openpyxl.load_workbook(report)
    summary = list(wb["比对汇总"].iter_rows(min_row=4, values_only=True))
    assert any(r[1] == INJECTED for r in summary)  # a name, kept as text
    assert all(c.data_type == "s" for c in wb["比对汇总"]["B"] if c.value)
    flagged = [r for r in wb["明细"].iter_rows(min_row=4) if r[7].value]
    assert [r[4].value for r in flagged] == ["统一社会信用代码（18位）", "注册开发者数量"]
    assert all(r[3].value == "—" for r in flagged)  # never the JSON key
    assert all(r[7].fill.fgColor.rgb.endswith("FFEB9C") for r in flagged)

    text = invoke("compare", str(old), str(new)).output
    assert "[数值变化·需关注] 注册开发者数量" in text and "未重新提交：丁公司" in text
    assert f"{APPLICANT['name']}（按统一社会信用代码匹配）：已全部改正" in text


def test_an_application_that_had_no_problem_is_not_called_fixed(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b"
    old.mkdir()
    new.mkdir()
    as_json(old / "x.json", "戊公司", code_for("戊"))
    as_json(new / "x.json", "戊公司", code_for("戊"))
    as_json(old / "y.json", "己公司", code_for("己"), devices_other=5)
    as_json(new / "y.json", "己公司", code_for("己"), devices_other=6)
    res = invoke("compare", str(old), str(new))
    assert res.exit_code == 0, res.output
    assert "戊公司（按统一社会信用代码匹配）：原无问题，无变化" in res.output
    assert "己公司（按统一社会信用代码匹配）：原无问题，本次有数值变化" in res.output
    assert "已全部改正" not in res.output


def test_a_problem_still_open_or_an_unreadable_file_fails_the_comparison(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b"
    old.mkdir()
    new.mkdir()
    as_json(old / "x.json", "戊公司", code_for("戊"), devices_mobile=None, devices_other=None)
    as_json(new / "x.json", "戊公司", code_for("戊"), devices_mobile=None, devices_other=5)
    (new / "坏.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    res = invoke("compare", str(old), str(new), "--format", "json")
    assert res.exit_code == 1 and "Traceback" not in res.output
    data = json.loads(res.output)
    assert [Path(u["source"]).name for u in data["unreadable"]] == ["坏.xlsx"]
    [entry] = data["applicants"]
    assert [f["item"] for f in entry["still_open"]] == ["devices_mobile"]
    assert [f["item"] for f in entry["fixed"]] == ["devices_other"]
