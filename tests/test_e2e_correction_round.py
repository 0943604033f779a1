"""The round from 补正 to 公示, end to end, as the organiser and the applicants do it.

* Three national applicants (甲 乙 丙) submit workbooks with errors. ``validate
  --return-to`` returns each its own workbook, marked. The applicants correct the returned
  copies (openpyxl, as a script would): 甲 and 乙 fix everything; 丙 fixes one problem,
  forgets the other and also raises a figure nobody asked about.
* ``compare`` shows 甲 and 乙 resolved, 丙 still open with the raised figure marked 需关注.
  A second ``validate --return-to`` returns only 丙, whose copy now marks only what is
  still wrong; 丙 fixes it and ``compare`` shows it resolved.
* The panel (``iipeval panel``) issues three experts their signed forms; they score. 甲 and 乙 have the same figures, and the experts
  swap two scores of equal weight between them, so their totals are exactly equal; the
  stated order (total, then 可持续发展能力, then expert total) puts 乙 first, where the
  set's own order would have put 甲 first.
* 丙's 核查表 corrects one figure on site; the results show declared and verified side
  by side. Quota 1 and one 候补: 乙 拟推荐, 甲 候补, 丙 不予推荐. The 公示名单 lists 乙.
* ``reproduce`` re-runs the whole scoring from its manifest, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import docx
import openpyxl
from click.testing import CliRunner
from e2e_round import credit_code, workbook_keys
from workbook_helpers import APPLICANT, figures, fill

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.core.panel.roster import file_name
from iipeval.excel.application.returns import NOTICE
from iipeval.excel.review.layout import SCORES, score_columns
from iipeval.excel.verification.sheet import SHEET

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbooks" / "national_2023.xlsx"
FW = Evaluator().framework("national_2023").framework
CODES = {
    "甲": credit_code("430100", 11),
    "乙": credit_code("430100", 12),
    "丙": credit_code("430100", 13),
}
NAMES = {k: f"{k}工业互联网有限公司" for k in CODES}
#: two expert parts of equal weight (1.8 points each) in different dimensions
SWAPPED = ("chains_carbon.support", "ecosystem.operation")  # 社会贡献度, 可持续发展能力
PARAMS = """
[frameworks.national_2023.ranking]
quota = 1
reserve = 1
tie_break = ["total", "sustainability", "expert_total"]

[publication]
title = "2026年跨行业跨领域工业互联网平台拟推荐名单公示"
issuer = "某省工业和信息化厅"
start = 2026-12-20
end = 2026-12-26
objections_to = "某省工业和信息化厅信息化推进处"
phone = "0000-00000000"
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))}


def good(who: str) -> dict:
    values = figures(FW)
    if who == "丙":  # a smaller platform
        for item in ("devices_operating", "devices_processing"):
            values[item] = values[item] // 10
    return values


def applicant(who: str, code: str | None = None) -> dict:
    return APPLICANT | {"name": NAMES[who], "credit_code": code or CODES[who]}


def cells_of(path: Path, sheet: str) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: c for row in ws.iter_rows() for c in row}


def expert_score(who: str, part: str) -> int:
    if who == "丙":
        return 60
    swap = {"甲": (90, 70), "乙": (70, 90)}[who]
    return swap[SWAPPED.index(part)] if part in SWAPPED else 80


def panel_forms(applications: Path, folder: Path) -> None:
    """``iipeval panel`` issues one signed form per expert; each expert fills in every row."""
    panel = Path("panel.toml")
    lines = ['id = "第一评审组"']
    for eid, name in (("E1", "张三"), ("E2", "李四"), ("E3", "王五")):
        lines += ["[[experts]]", f'id = "{eid}"', f'name = "{name}"']
    panel.write_text("\n".join(lines) + "\n", "utf-8")
    record = Path("私密") / "登记.json"  # the organiser's own folder, apart from the forms
    res = invoke(
        "panel",
        str(applications),
        "--panel",
        str(panel),
        "-o",
        str(folder),
        "--record",
        str(record),
    )
    assert res.exit_code == 0, res.output
    parts = [p for p, _, _ in FW.expert_parts()]
    cols = score_columns([(p, "", "") for p in parts], False)
    who = {code: name for name, code in CODES.items()}
    for eid in ("E1", "E2", "E3"):
        form = folder / file_name("第一评审组", eid)  # one set in the batch: no set in the name
        rows = workbook_keys(form, FW, parts)
        assert set(rows) == set(who)
        wb = openpyxl.load_workbook(form)
        for key, r in rows.items():
            for part, col in zip(parts, cols.parts, strict=True):
                wb[SCORES].cell(row=r, column=col.score_col, value=expert_score(who[key], part))
        wb.save(form)


def test_two_correction_rounds_then_scoring_quotas_publication_and_reproduction(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    first = Path("第一次提交")
    first.mkdir()
    fill(TEMPLATE, good("甲") | {"devices_operating": "很多"},
         applicant=applicant("甲", CODES["甲"][:-1] + "X"), out=first / "甲.xlsx")  # fmt: skip
    fill(TEMPLATE, good("乙") | {"patents_invention": -3, "developers_active": None},
         applicant=applicant("乙"), out=first / "乙.xlsx")  # fmt: skip
    fill(TEMPLATE, good("丙") | {"devices_mobile": "约1000", "software_copyrights": None},
         applicant=applicant("丙"), out=first / "丙.xlsx")  # fmt: skip
    submitted = digest(first)

    # 补正, round one: every applicant gets its own workbook back, marked
    res = invoke("validate", str(first), "--return-to", "补正1", "--deadline", "2026-11-20")
    assert res.exit_code == 1
    returned = {p.name for p in Path("补正1").iterdir()}
    assert returned == {"甲.xlsx", "乙.xlsx", "丙.xlsx", "补正清单.xlsx"}

    second = Path("第二次提交")
    second.mkdir()
    for who in ("甲", "乙", "丙"):
        shutil.copy(Path("补正1") / f"{who}.xlsx", second / f"{who}.xlsx")
    fill(second / "甲.xlsx", {"devices_operating": good("甲")["devices_operating"]},
         applicant=applicant("甲"))  # fmt: skip
    fill(second / "乙.xlsx", {"patents_invention": good("乙")["patents_invention"],
                              "developers_active": good("乙")["developers_active"]},
         applicant=applicant("乙"))  # fmt: skip
    raised = good("丙")["enterprises_manufacturing"] * 3  # nobody asked
    fill(second / "丙.xlsx", {"devices_mobile": 1000, "enterprises_manufacturing": raised},
         applicant=applicant("丙"))  # fmt: skip

    res = invoke("compare", str(first), str(second), "--format", "json", "-o", "比对1.xlsx")
    assert res.exit_code == 1  # 丙 still has an error
    by = {a["applicant"]: a for a in json.loads(res.output)["applicants"]}
    assert by[NAMES["甲"]]["resolved"] and by[NAMES["乙"]]["resolved"]
    assert by[NAMES["甲"]]["matched_by"] == "名称"  # its credit code itself was the error
    # a corrected code is asked for, and still who the applicant is: a reviewer looks at it
    assert [c["key"] for c in by[NAMES["甲"]]["attention"]] == ["applicant.credit_code"]
    assert not by[NAMES["乙"]]["attention"]
    bing = by[NAMES["丙"]]
    assert [f["item"] for f in bing["still_open"]] == ["software_copyrights"]
    assert [f["item"] for f in bing["fixed"]] == ["devices_mobile"]
    assert [c["key"] for c in bing["attention"]] == ["enterprises_manufacturing"]

    # 补正, round two: only 丙 goes back, marked only where it is still wrong
    res = invoke("validate", str(second), "--return-to", "补正2", "--deadline", "2026-11-27")
    assert sorted(p.name for p in Path("补正2").iterdir()) == ["丙.xlsx", "补正清单.xlsx"]
    returned = Path("补正2") / "丙.xlsx"
    wb = openpyxl.load_workbook(returned)
    assert wb.sheetnames.count(NOTICE) == 1 and wb.sheetnames[0] == NOTICE
    notice = [r for r in wb[NOTICE].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(notice) == 1 and "软件著作权" in notice[0][2]
    marked = [
        c.coordinate for c in cells_of(returned, "指标数据").values() if c.comment is not None
    ]
    assert len(marked) == 1  # the round-one marks on fixed cells are gone

    third = Path("第三次提交")
    third.mkdir()
    shutil.copy(returned, third / "丙.xlsx")
    fill(third / "丙.xlsx", {"software_copyrights": good("丙")["software_copyrights"]},
         applicant=applicant("丙"))  # fmt: skip
    res = invoke("compare", str(second / "丙.xlsx"), str(third / "丙.xlsx"), "--format", "json")
    assert res.exit_code == 0 and json.loads(res.output)["resolved"]

    final = Path("最终")
    final.mkdir()
    shutil.copy(second / "甲.xlsx", final)
    shutil.copy(second / "乙.xlsx", final)
    shutil.copy(third / "丙.xlsx", final)
    assert invoke("validate", str(final)).exit_code == 0

    # 专家评审 (signed forms from the panel) and 调研核查
    panel_forms(final, Path("评分"))
    res = invoke("verification", str(final), "--panel-record", "私密/登记.json", "-o", "核查")
    assert res.exit_code == 0
    sheet = Path("核查") / "丙_核查表.xlsx"
    book = openpyxl.load_workbook(sheet)
    ws = book[SHEET]
    row = next(r for r in range(5, ws.max_row + 1) if ws[f"B{r}"].value == "付费用户比例")
    declared = good("丙")["paying_user_share"]
    ws[f"F{row}"], ws[f"G{row}"] = declared // 2, "现场核对付费合同"
    ws[f"I{row}"], ws[f"J{row}"] = "核查组王五", dt.date(2026, 12, 10)
    book.save(sheet)

    Path("参数.toml").write_text(PARAMS, "utf-8")
    res = invoke(
        "score", str(final), "--reviews", "评分", "--panel-record", "私密/登记.json",
        "--verified", "核查", "--params", "参数.toml",
        "-o", "结果/results.xlsx", "--publish", "结果/公示名单.docx",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(Path("结果/results.json").read_text("utf-8"))
    results = {r["applicant"]: r for r in data["results"]}
    jia, yi, bing = (results[NAMES[k]] for k in ("甲", "乙", "丙"))
    for r in (jia, yi, bing):  # every form admitted against the panel's record
        assert r["panel_check"]["verified"] and len(r["panel_check"]["counted"]) == 3
    assert round(jia["total"], 9) == round(yi["total"], 9)  # an exact tie on the total
    dims = {
        k: {d["id"]: d["points"] for d in r["dimensions"]} for k, r in (("甲", jia), ("乙", yi))
    }
    assert dims["乙"]["sustainability"] > dims["甲"]["sustainability"]
    assert dims["甲"]["contribution"] > dims["乙"]["contribution"]
    [ranking] = data["rankings"]
    assert ranking["tie_break"] == ["sustainability", "expert_total"]
    outcome = {e["applicant"]: (e["rank"], e["outcome"]) for e in ranking["entries"]}
    assert outcome == {
        NAMES["乙"]: (1, "拟推荐"),
        NAMES["甲"]: (2, "候补"),
        NAMES["丙"]: (3, "不予推荐"),
    }
    # without the stated order the same tie is left to the organiser, never to file order
    Path("无顺序.toml").write_text(
        PARAMS.replace('tie_break = ["total", "sustainability", "expert_total"]', ""), "utf-8"
    )
    invoke(
        "score",
        str(final),
        "--reviews",
        "评分",
        "--panel-record",
        "私密/登记.json",
        "--params",
        "无顺序.toml",
        "-o",
        "无顺序/r.json",
    )
    [plain] = json.loads(Path("无顺序/r.json").read_text("utf-8"))["rankings"]
    plain_outcome = {e["applicant"]: e["outcome"] for e in plain["entries"]}
    assert plain_outcome[NAMES["甲"]] == "拟推荐" and plain_outcome[NAMES["乙"]] == "候补"
    v = bing["verification"]
    assert [(x["declared"], x["verified"], x["verifier"]) for x in v["values"]] == [
        (declared, declared // 2, "核查组王五")
    ]
    assert v["change"] < 0 and v["verified_total"] == bing["total"]
    assert any(i["trace"]["text"].startswith("〔调研核查〕") for i in bing["indicators"])

    pub = docx.Document("结果/公示名单.docx")
    listed = [c.text for t in pub.tables for r in t.rows[1:] for c in r.cells]
    assert NAMES["乙"] in listed and NAMES["甲"] not in listed and NAMES["丙"] not in listed
    assert "公示期为2026年12月20日至2026年12月26日（共7天）" in "\n".join(
        p.text for p in pub.paragraphs
    )

    res = invoke("reproduce", "结果/results.manifest.json")
    assert res.exit_code == 0 and "逐字节相同" in res.output
    assert digest(first) == submitted  # nothing the applicants sent was touched
