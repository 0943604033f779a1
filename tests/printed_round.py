"""A whole round on disk, every output a person reads, built as an organiser builds it.

Used by ``test_printed_pages.py`` (which prints every file through LibreOffice) and by
hand to look at the pages (``python tests/printed_round.py DIR``). Everything goes through
the command line, the workbooks are filled through openpyxl as a script or a person would.

The round: the national set with five applicants (one filled workbook with a missing
figure and an implausible one, sent back for 补正 and returned fixed; one workbook that
declares a major safety incident, 否决项; three JSON files), the three Hunan example
applications, the example five-expert panel (E01…E05) scoring every application, a quota
of one with one 候补 for the national set, and a 公示 worded 拟认定.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from workbook_helpers import fill  # noqa: E402

from iipeval.cli.main import cli  # noqa: E402
from iipeval.core.scoring.validation import credit_code_check_char  # noqa: E402

EXAMPLES = ROOT / "examples"
NATIONAL = "national_2023"
#: the quota line of the national set, and how the 公示 is worded (taken from the parameters)
PARAMS = """\
[ranking]
quota = 1
reserve = 1

[publication]
title = "2026年工业互联网平台拟认定名单公示"
issuer = "某某省工业和信息化厅"
basis = "《关于组织开展2026年工业互联网平台认定工作的通知》"
start = 2026-12-10
end = 2026-12-16
objections_to = "某某省工业和信息化厅信息化推进处"
phone = "0731-00000000"
email = "gyhlw@example.gov.cn"
address = "某某市某某路1号"
"""

#: file stem → (applicant name, figure scale, form, what is special about it)
NATIONAL_APPS = {
    "乙": ("（示例）乙工业互联网有限公司", 0.8, "xlsx"),
    "丙": ("（示例）丙工业互联网有限公司", 1.1, "json"),
    "丁": ("（示例）丁工业互联网有限公司", 0.9, "xlsx"),
    "戊": ("（示例）戊工业互联网有限公司", 0.6, "json"),
}
RETURNED = "乙"  # sent back for 补正: a figure missing, another beyond plausibility
VETOED = "丁"  # declares a major safety incident
MISSING_ITEM = "devices_other"


def credit_code(n: int) -> str:
    first17 = f"91110108MA01K{n:04d}"
    return first17 + credit_code_check_char(first17)


def invoke(args: list[Any], ok: tuple[int, ...] = (0,)) -> str:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code in ok, f"{args}: {res.exit_code}\n{res.output}\n{res.exception!r}"
    return res.output


@dataclass
class Round:
    root: Path
    files: dict[str, Path] = field(default_factory=dict)  # what a person reads, by kind
    terminal: dict[str, str] = field(default_factory=dict)  # command → what it printed


def _national(stem: str, n: int) -> dict[str, Any]:
    name, scale, _ = NATIONAL_APPS[stem]
    data = json.loads((EXAMPLES / "applications" / f"{NATIONAL}.json").read_text("utf-8"))
    app = data["application"]
    app["applicant"] |= {"name": name, "credit_code": credit_code(n)}
    app["applicant"]["platform_name"] = name.replace("有限公司", "平台")
    for key, value in app["items"].items():
        if isinstance(value, int) and not isinstance(value, bool) and value > 20:
            app["items"][key] = max(1, int(value * scale))
    if stem == VETOED:
        app["items"]["major_safety_incident"] = True
    return app


def _applications(root: Path, templates: Path) -> Path:
    sub = root / "submitted"
    sub.mkdir()
    for f in (EXAMPLES / "applications").glob("*.json"):
        shutil.copy(f, sub / f.name)
    for n, (stem, (_, _, form)) in enumerate(NATIONAL_APPS.items()):
        app = _national(stem, n)
        if stem == RETURNED:
            del app["items"][MISSING_ITEM]
            items = app["items"]
            items["sme_served"] = 3 * (
                items["enterprises_manufacturing"] + items["enterprises_service"]
            )
        if form == "json":
            (sub / f"{stem}.json").write_text(
                json.dumps({"application": app}, ensure_ascii=False), "utf-8"
            )
        else:
            shutil.copy(templates / f"{NATIONAL}.xlsx", sub / f"{stem}.xlsx")
            fill(sub / f"{stem}.xlsx", app["items"], applicant=app["applicant"])
    return sub


def _resubmit(rnd: Round, sub: Path) -> Path:
    """The returned workbook comes back with the figure filled in; one JSON file changes."""
    resub = rnd.root / "resubmitted"
    shutil.copytree(sub, resub)
    returned = resub / f"{RETURNED}.xlsx"
    returned.unlink()
    shutil.copy(rnd.files["补正副本"], returned)
    app = _national(RETURNED, list(NATIONAL_APPS).index(RETURNED))
    fill(returned, {MISSING_ITEM: app["items"][MISSING_ITEM]}, applicant=app["applicant"])
    changed = json.loads((resub / "丙.json").read_text("utf-8"))
    changed["application"]["items"]["patents_invention"] += 12
    (resub / "丙.json").write_text(json.dumps(changed, ensure_ascii=False), "utf-8")
    return resub


def _score(expert: str, app: int, part: int) -> float | str:
    e = int(expert[1:])
    x = 62 + (app * 13 + part * 7 + e * 5) % 31 + (0.5 if (app + part + e) % 4 == 0 else 0)
    if (app + part * 3 + e) % 9 == 0:
        return "良好"
    return x


def _fill_forms(reviews: Path) -> None:
    keys: dict[str, int] = {}
    for form_path in sorted(reviews.glob("review_*.json")):
        form = json.loads(form_path.read_text("utf-8"))
        for review in form["reviews"]:
            app = keys.setdefault(review["application"], len(keys))
            parts = sorted(review.get("scores") or {}) or review["parts"]
            review["scores"] = {p: _score(form["expert"], app, k) for k, p in enumerate(parts)}
        form_path.write_text(json.dumps(form, ensure_ascii=False, indent=2), "utf-8")


def _verify(sheet: Path, folder: Path) -> Path:
    """The verifiers' copy of a 核查表, back from the field with one figure corrected."""
    import datetime as dt

    import openpyxl

    folder.mkdir()
    wb = openpyxl.load_workbook(sheet)
    ids = [r[1] for r in wb["_verify"].iter_rows(values_only=True) if r[0] == "item"]
    r = 5 + ids.index("sme_served")
    ws = wb["核查表"]
    ws[f"F{r}"], ws[f"G{r}"] = 150000, "服务企业名单（2026年11月版），抽查20家。"
    ws[f"I{r}"], ws[f"J{r}"] = "王核查", dt.date(2026, 12, 5)
    wb.save(folder / sheet.name)
    return folder


def build(root: Path) -> Round:
    """Run the round in ``root`` (empty or absent); returns what a person reads."""
    root.mkdir(parents=True, exist_ok=True)
    rnd = Round(root)
    panel = EXAMPLES / "panel.toml"
    params = root / "params.toml"
    params.write_text(PARAMS, "utf-8")
    templates = root / "templates"
    invoke(["template", "--all", "-o", templates])
    rnd.files |= {f"申报表 {p.stem}": p for p in sorted(templates.glob("*.xlsx"))}
    sub = _applications(root, templates)
    ret = root / "补正"
    rnd.terminal["validate"] = invoke(
        ["validate", sub, "--return-to", ret, "--deadline", "2026-12-15"], ok=(1,)
    )
    rnd.files["补正副本"] = ret / f"{RETURNED}.xlsx"
    rnd.files["补正清单"] = ret / "补正清单.xlsx"
    resub = _resubmit(rnd, sub)
    rnd.files["比对"] = root / "比对.xlsx"
    rnd.terminal["compare"] = invoke(["compare", sub, resub, "-o", rnd.files["比对"]], ok=(0, 1))
    reviews = root / "reviews"
    issue = ["panel", resub, "--panel", panel, "--params", params, "--jobs", 1]
    record = root / "私密" / "panel-record.json"  # the organiser's, apart from the forms
    invoke([*issue, "-o", reviews, "--forms", "json", "--record", record])
    _fill_forms(reviews)
    forms = root / "专家评分表"
    invoke([*issue, "-o", forms, "--record", root / "私密" / "forms-record.json"])
    rnd.files["专家评分表"] = sorted(forms.glob(f"*E01*{NATIONAL}*.xlsx"))[0]
    ahp = root / "调查表"
    invoke(["weights", "questionnaire", NATIONAL, "--panel", panel, "-o", ahp])
    rnd.files["AHP调查表"] = sorted(ahp.glob("*E01*.xlsx"))[0]
    checks = root / "核查表"
    invoke(["verification", resub, "--panel-record", record, "-o", checks])
    rnd.files["核查表"] = sorted(checks.glob(f"*{RETURNED}*.xlsx"))[0]
    verified = _verify(rnd.files["核查表"], root / "核查结果")
    out = root / "out"
    common = [resub, "--reviews", reviews, "--panel-record", record, "--params", params]
    common += ["--jobs", 1]
    publish = ["--verified", verified, "--robustness", "--publish", out / "公示名单.docx"]
    rnd.terminal["score"] = invoke(["score", *common, "-o", out / "results.xlsx", *publish])
    rnd.files |= {"results": out / "results.xlsx", "公示名单": out / "公示名单.docx"}
    rnd.files["results.json"], rnd.files["results.csv"] = out / "results.json", out / "results.csv"
    rnd.terminal["score text"] = invoke(["score", *common, "--verified", verified])
    rnd.files["稳健性"] = root / "稳健性.xlsx"
    invoke(["robustness", *common, "--draws", 200, "-o", rnd.files["稳健性"]])
    return rnd


if __name__ == "__main__":
    target = Path(sys.argv[1])
    shutil.rmtree(target, ignore_errors=True)
    built = build(target)
    for kind, path in built.files.items():
        print(f"{kind}\t{path}")
    for command, text in built.terminal.items():
        print(f"━━ {command}\n{text}")
