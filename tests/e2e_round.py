"""Build a whole expert review round on disk, the way an organiser and the experts do it.

Used by ``test_e2e_review_round.py``. Everything goes through the command line
(``iipeval template``, ``iipeval panel``) or through openpyxl, as a person or a script
filling the workbooks would; the figures and the expert scores are kept here so the test
can compute what the batch should say without trusting the batch.

The round:

* 30 applications in one folder: 12 for the national 双跨平台 set, 9 Hunan 特色型 行业级 and
  9 区域级, half as filled application workbooks (``iipeval template`` + openpyxl), half as
  JSON, each with its own valid 统一社会信用代码 (Hunan ones in 43xxxx);
* one national applicant reported a major safety incident (excluded), one is called
  ``=HYPERLINK("http://x","y")公司``;
* a panel of 7 experts: E03 declares a conflict with one national application, E07 never
  returns a workbook, E06 leaves one Hunan application blank;
* one national application gets scores 95/92/30/88/25/良好 on one part (spread 70).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from workbook_helpers import figures
from workbook_helpers import fill as fill_application

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.core.model.application import Application, ExpertReview
from iipeval.core.model.criteria import Framework
from iipeval.core.panel.roster import file_name
from iipeval.core.scoring.params import DEFAULT_GRADE_SCORES
from iipeval.core.scoring.validation import credit_code_check_char
from iipeval.excel.review.layout import FIRST_ROW, SCORES, score_columns

NATIONAL, HUNAN = "national_2023", "hunan_characteristic"
SUBTYPE_NAMES = {"industry": "行业级", "regional": "区域级"}
PANEL_ID = "第一评审组"
EXPERTS = {
    "E01": "张三",
    "E02": "李四",
    "E03": "王五",
    "E04": "赵六",
    "E05": "钱七",
    "E06": "孙八",
    "E07": "周九",
}
ABSENT = "E07"  # never returns a workbook
CONFLICTED = "E03"  # declares a conflict with application CONFLICT_APP
CONFLICT_APP = 9
BLANK_EXPERT, BLANK_APP = "E06", 14  # returns the workbook with this application left blank
EXCLUDED_APP = 4  # major_safety_incident = 是
INJECTED_APP = 5
INJECTED_NAME = '=HYPERLINK("http://x","y")公司'
SPLIT_APP = 7
SPLIT_PART = "innovation.capability"
SPLIT_SCORES: dict[str, float | str] = {
    "E01": 95,
    "E02": 92,
    "E03": 30,
    "E04": 88,
    "E05": 25,
    "E06": "良好",
}

NATIONAL_REGIONS = ["110108", "310115", "440300", "330106", "430100", "320500"]
HUNAN_REGIONS = ["430100", "430200", "430300", "430400", "430600", "430700"]
CITY = {"4301": "长沙市", "4302": "株洲市", "4303": "湘潭市", "4304": "衡阳市"}
CITY |= {"4306": "岳阳市", "4307": "常德市", "1101": "北京市", "3101": "上海市"}
CITY |= {"4403": "深圳市", "3301": "杭州市", "3205": "苏州市"}


def credit_code(region: str, n: int) -> str:
    """A valid 统一社会信用代码 (企业, 登记管理机关 ``region``), distinct for each ``n``."""
    first17 = f"91{region}MA{n:07d}"
    assert len(first17) == 17
    return first17 + credit_code_check_char(first17)


@dataclass(frozen=True)
class Spec:
    """One application of the round."""

    index: int
    framework: str
    subtype: str | None  # sub-type id
    fmt: str  # "xlsx" or "json"
    name: str
    credit_code: str
    scale: float

    @property
    def file(self) -> str:
        tail = f"_{self.subtype}" if self.subtype else ""
        return f"app{self.index:02d}_{self.framework}{tail}.{self.fmt}"

    @property
    def key(self) -> str:
        return self.credit_code

    @property
    def excluded(self) -> bool:
        return self.index == EXCLUDED_APP


def specs() -> list[Spec]:
    out = []
    for i in range(30):
        if i < 12:
            fw, subtype = NATIONAL, None
            region = NATIONAL_REGIONS[i % len(NATIONAL_REGIONS)]
            name = f"第{i + 1:02d}双跨工业互联网有限公司"
        else:
            fw, subtype = HUNAN, ("industry" if i < 21 else "regional")
            region = HUNAN_REGIONS[i % len(HUNAN_REGIONS)]
            name = f"湖南第{i + 1:02d}{SUBTYPE_NAMES[subtype]}特色平台有限公司"
        if i == INJECTED_APP:
            name = INJECTED_NAME
        # xlsx for even positions, except that the =… name goes into a JSON file (openpyxl
        # would store it as a formula in the application workbook, which is not the point)
        fmt = "json" if i % 2 or i == INJECTED_APP else "xlsx"
        scale = 0.15 + ((i * 37) % 29) / 10  # 0.15 … 2.95, differs between neighbours
        out.append(Spec(i, fw, subtype, fmt, name, credit_code(region, 1000 + 17 * i), scale))
    return out


def applicant(spec: Spec) -> dict[str, str]:
    city = CITY[spec.credit_code[2:6]]
    province = "湖南省" if spec.credit_code[2:4] == "43" else ""
    return {
        "name": spec.name,
        "platform_name": f"平台{spec.index:02d}",
        "credit_code": spec.credit_code,
        "region": f"{province}{city}",
        "contact": "联系人",
        "phone": "0731-88888888",
    }


def varied_figures(fw: Framework, spec: Spec) -> dict[str, Any]:
    """The helper's plausible figures, scaled per application, checks still satisfied."""
    values = figures(fw)
    for item in fw.items:
        v = values.get(item.id)
        if item.type == "integer" and isinstance(v, int) and not isinstance(v, bool):
            values[item.id] = max(1, int(v * spec.scale))
        elif item.type == "percent" and isinstance(v, int | float):
            values[item.id] = 5 + (spec.index * 7) % 60
    for _ in range(5):  # scaling with rounding can break a sum check: settle again
        for c in fw.checks:
            rights = [c.right] if isinstance(c.right, str) else list(c.right)
            left, nums = values.get(c.left), [values.get(r) for r in rights]
            if not isinstance(left, int | float) or not all(
                isinstance(n, int | float) and not isinstance(n, bool) for n in nums
            ):
                continue
            cap = c.factor * sum(nums)
            if left > cap:
                values[c.left] = int(cap) if fw.item(c.left).type == "integer" else cap
    if spec.excluded:
        values["major_safety_incident"] = True
    return values


def application_dict(fw: Framework, spec: Spec) -> dict[str, Any]:
    return {
        "framework": spec.framework,
        "subtype": spec.subtype,
        "applicant": applicant(spec),
        "items": varied_figures(fw, spec),
    }


# ---------------------------------------------------------------------------------------
# expert scores


def grade_of(x: float) -> str:
    return "优秀" if x >= 90 else "良好" if x >= 75 else "一般" if x >= 60 else "较差"


def expert_value(expert: str, spec: Spec, k: int, part: str) -> float | str:
    """What ``expert`` types for part ``k`` of ``spec``: a number, or now and then a grade."""
    if spec.index == SPLIT_APP and part == SPLIT_PART:
        return SPLIT_SCORES[expert]
    e = int(expert[1:])
    base = 55 + (spec.index * 11 + k * 7) % 36  # 55 … 90
    x = base + 2 * (e - 1) - 5 + (0.5 if (spec.index + k) % 3 == 0 else 0)
    if (spec.index + e + k) % 4 == 0:
        return grade_of(x)
    return x


def numeric(v: float | str) -> float:
    return DEFAULT_GRADE_SCORES[v] if isinstance(v, str) else float(v)


# ---------------------------------------------------------------------------------------
# the round


@dataclass
class Round:
    root: Path
    applications: Path
    reviews: Path
    record: Path
    panel: Path
    specs: list[Spec]
    apps: dict[str, Application]  # key → the application as built (what the files hold)
    parts: dict[str, list[str]]  # framework → expert part ids, in column order
    given: dict[str, dict[str, dict[str, float | str]]] = field(default_factory=dict)
    # expert → application key → part → value typed into the workbook
    workbooks: dict[tuple[str, str], Path] = field(default_factory=dict)  # (expert, fw)
    panel_output: str = ""

    def spec(self, index: int) -> Spec:
        return self.specs[index]

    def reviews_for(self, key: str) -> list[ExpertReview]:
        return [
            ExpertReview(expert=e, application=key, scores=dict(by_app[key]))
            for e, by_app in sorted(self.given.items())
            if key in by_app
        ]

    def inputs(self) -> list[Path]:
        return [*sorted(self.applications.iterdir()), *sorted(self.reviews.iterdir()), self.record]


def invoke(args: list[str]):
    return CliRunner().invoke(cli, [str(a) for a in args])


def build_round(root: Path, ev: Evaluator | None = None) -> Round:
    ev = ev or Evaluator()
    fws = {fw_id: ev.framework(fw_id).framework for fw_id in (NATIONAL, HUNAN)}
    templates = root / "templates"
    tpl = {
        (NATIONAL, None): templates / "national_2023.xlsx",
        (HUNAN, "industry"): templates / "hunan_characteristic.xlsx",  # 申报类型 chosen in the form
        (HUNAN, "regional"): templates / "hunan_characteristic_regional.xlsx",  # preselected
    }
    for args in (
        ["template", NATIONAL, "-o", tpl[NATIONAL, None]],
        ["template", HUNAN, "-o", tpl[HUNAN, "industry"]],
        ["template", HUNAN, "--subtype", "区域级", "-o", tpl[HUNAN, "regional"]],
    ):
        res = invoke(args)
        assert res.exit_code == 0, res.output

    apps_dir = root / "applications"
    apps_dir.mkdir()
    all_specs = specs()
    apps: dict[str, Application] = {}
    for spec in all_specs:
        fw = fws[spec.framework]
        data = application_dict(fw, spec)
        apps[spec.key] = Application.model_validate(data)
        path = apps_dir / spec.file
        if spec.fmt == "json":
            path.write_text(
                json.dumps({"application": data}, ensure_ascii=False, indent=2), "utf-8"
            )
        else:
            shutil.copyfile(tpl[spec.framework, spec.subtype], path)
            fill_application(
                path,
                data["items"],
                applicant=data["applicant"],
                subtype=SUBTYPE_NAMES[spec.subtype] if spec.subtype == "industry" else None,
            )

    panel = root / "panel.toml"
    lines = [f'id = "{PANEL_ID}"']
    for eid, name in EXPERTS.items():
        lines += ["[[experts]]", f'id = "{eid}"', f'name = "{name}"']
        if eid == CONFLICTED:
            lines.append(f'conflicts = ["{all_specs[CONFLICT_APP].credit_code}"]')
    panel.write_text("\n".join(lines) + "\n", "utf-8")

    reviews = root / "reviews"
    record = root / "private" / "panel-record.json"  # the organiser's, apart from the forms
    res = invoke(["panel", apps_dir, "--panel", panel, "-o", reviews, "--record", record])
    assert res.exit_code == 0, res.output

    rnd = Round(
        root=root,
        applications=apps_dir,
        reviews=reviews,
        record=record,
        panel=panel,
        specs=all_specs,
        apps=apps,
        parts={k: [p for p, _, _ in fw.expert_parts()] for k, fw in fws.items()},
        panel_output=res.output,
    )
    for eid in EXPERTS:
        for fw_id in (NATIONAL, HUNAN):
            rnd.workbooks[eid, fw_id] = reviews / file_name(PANEL_ID, eid, fw_id)
    for (eid, fw_id), path in rnd.workbooks.items():
        if eid == ABSENT:
            path.unlink()  # never returned
        else:
            fill_expert(rnd, eid, fw_id, path, fws[fw_id])
    return rnd


def workbook_keys(path: Path, fw: Framework, parts: list[str]) -> dict[str, int]:
    """Application key → row on the 评分 sheet, read from the sheet itself."""
    cols = score_columns([(p, "", "") for p in parts], bool(fw.subtypes))
    ws = openpyxl.load_workbook(path, read_only=True)[SCORES]
    out = {}
    for r, (key,) in enumerate(
        ws.iter_rows(min_row=FIRST_ROW, min_col=cols.key, max_col=cols.key, values_only=True),
        start=FIRST_ROW,
    ):
        if key is None:
            break
        out[key] = r
    return out


def fill_expert(rnd: Round, expert: str, fw_id: str, path: Path, fw: Framework) -> None:
    """The expert types a score or a grade into every yellow cell of every listed row."""
    parts = rnd.parts[fw_id]
    cols = score_columns([(p, "", "") for p in parts], bool(fw.subtypes))
    rows = workbook_keys(path, fw, parts)
    by_key = {s.key: s for s in rnd.specs}
    wb = openpyxl.load_workbook(path)
    ws = wb[SCORES]
    mine = rnd.given.setdefault(expert, {})
    for key, r in rows.items():
        spec = by_key[key]
        if expert == BLANK_EXPERT and spec.index == BLANK_APP:
            continue
        typed = {}
        for k, (part, col) in enumerate(zip(parts, cols.parts, strict=True)):
            value = expert_value(expert, spec, k, part)
            ws.cell(row=r, column=col.score_col, value=value)
            typed[part] = value
        if spec.index == SPLIT_APP:
            ws.cell(row=r, column=cols.parts[0].comment_col, value=f"{EXPERTS[expert]}的意见")
        mine[key] = typed
    wb.save(path)
