"""Expert scoring workbooks (专家评分表): generation, conflicts, protection, reading back."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import REPO
from xlsx_parts import parts

from iipeval.cli.main import cli
from iipeval.core.analysis.linear import expert_linear
from iipeval.core.api import Evaluator, Loaded, load_json
from iipeval.core.model.application import ExpertReview, Submission
from iipeval.core.panel.roster import PanelError, PanelExpert, file_name, load_panel
from iipeval.core.round.batch import score_batch
from iipeval.excel.cells.sheetwrite import Rows
from iipeval.excel.review.layout import FIRST_ROW, HEADER_ROW, QUANT, SCORES, score_columns
from iipeval.excel.review.reader import read_review_json, read_review_workbook, read_reviews
from iipeval.excel.review.workbook import (
    ReviewSet,
    build_workbook,
    generate_panel,
    prepare,
    prepare_row,
    save_atomic,
)

EXAMPLES = REPO / "examples" / "applications"


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    return Evaluator()


# --------------------------------------------------------------------------------------
# applications: the shipped examples and variants of them


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))["application"]


def variant(
    ev: Evaluator,
    base: str,
    name: str | None = None,
    *,
    scale: float = 1.0,
    na: tuple[str, ...] = (),
    subtype: str | None = None,
    credit_code: str | None = "keep",
) -> Loaded:
    """An example application with another applicant, scaled counts, 不适用 items."""
    app = copy.deepcopy(example(base))
    fw = ev.framework(app["framework"]).framework
    if name:
        app["applicant"]["name"] = name
    if credit_code != "keep":
        app["applicant"]["credit_code"] = credit_code
    for item in fw.items:
        v = app["items"].get(item.id)
        if item.type == "integer" and isinstance(v, int) and not isinstance(v, bool):
            app["items"][item.id] = int(v * scale)
    for item in na:
        app["items"][item] = {"na": True}
    if subtype:
        app["subtype"] = subtype
    return Loaded(f"{name or base}.json", Submission.model_validate({"application": app}))


def national_set(ev: Evaluator) -> list[Loaded]:
    return [
        load_json(EXAMPLES / "national_2023.json"),
        variant(
            ev,
            "national_2023",
            "（示例）湘江智造云科技有限公司",
            scale=0.2,
            na=("financing",),
            credit_code=None,
        ),
        variant(ev, "national_2023", "（示例）岳麓工业互联网研究院", scale=3, credit_code=None),
        variant(ev, "national_2023", "（示例）麓谷数智科技有限公司", scale=0.05, credit_code=None),
    ]


def parts_of(ev: Evaluator, framework: str) -> list[str]:
    return [pid for pid, _, _ in ev.framework(framework).framework.expert_parts()]


def fill(path: Path, rows: dict[int, dict[str, object]], out: Path | None = None) -> Path:
    """Type values into a generated workbook: {row: {column letter: value}}."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SCORES]
    for r, cells in rows.items():
        for col, v in cells.items():
            ws[f"{col}{r}"] = v
    out = out or path
    wb.save(out)
    return out


def score_letters(ev, framework) -> list[str]:
    """Score-input column letters in part order, from the shared layout."""
    fw = ev.framework(framework).framework
    cols = score_columns([(pid, "", "") for pid in parts_of(ev, framework)], bool(fw.subtypes))
    return [p.score_letter for p in cols.parts]


def write(ev, loaded, tmp_path: Path, expert=None, name="wb.xlsx") -> Path:
    sets = prepare(ev, loaded)
    [rs] = sets.values()
    wb = build_workbook(rs, "第一评审组", expert or PanelExpert(id="E01", name="张三"))
    path = tmp_path / name
    save_atomic(wb, path)
    return path


# --------------------------------------------------------------------------------------
# generation


def test_panel_command_writes_one_workbook_per_expert(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(
        'id = "第一评审组"\n[[experts]]\nid = "E01"\nname = "张三"\n'
        '[[experts]]\nid = "E02"\nname = "李四"\n',
        "utf-8",
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES / "national_2023.json"),
            "--panel",
            str(panel),
            "-o",
            str(out),
            "--record",
            str(tmp_path / "private" / "r1.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.glob("review_*"))
    assert names == [file_name("第一评审组", "E01"), file_name("第一评审组", "E02")]
    assert all(n.isascii() and n.startswith("review_") for n in names)
    assert not [
        p for p in out.iterdir() if p.suffix != ".xlsx" and p.name != "panel-record.json"
    ]  # no temp files left

    wb = openpyxl.load_workbook(out / names[0])
    assert wb.sheetnames == ["说明", "评分", "定量得分", "评分细则", "_calc", "_meta"]
    ws = wb[SCORES]
    assert ws[f"B{FIRST_ROW}"].value == "（示例）某某工业互联网有限公司"
    assert ws[f"C{FIRST_ROW}"].value == "91110108MA01K7Q36G"
    ev = Evaluator()
    lin = expert_linear(ev, load_json(EXAMPLES / "national_2023.json").submission.application)
    assert ws[f"D{FIRST_ROW}"].value == pytest.approx(lin.constant)
    assert ws[f"F{HEADER_ROW}"].value == "平台技术创新能力·技术创新能力评价"
    guide = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    for text in (
        "E01",
        "张三",
        "第一评审组",
        "2023年跨行业跨领域工业互联网平台（版本 2023.1）",
        "建议值",
        "优秀（90-100分，按95分计）",
        "留空表示尚未评分",
    ):
        assert text in guide
    assert "national_2023" not in guide  # the set by its name, its id is for files
    assert "（生成本表时所用计分参数的校验码" in guide  # and a hash says what it is for
    quant = " ".join(str(c.value) for row in wb["定量得分"].iter_rows() for c in row if c.value)
    # the reviews the example file carries stay out of what each expert sees
    assert "待专家评分" in quant and "位专家评分" not in quant
    assert "定量部分得分：59.14分" in quant
    rubric = [c.value for c in wb["评分细则"][4]]
    assert "平台技术创新能力" in rubric and any("优秀" not in str(v) and v for v in rubric)

    # a second run refuses to overwrite, --force overwrites
    again = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES / "national_2023.json"),
            "--panel",
            str(panel),
            "-o",
            str(out),
            "--record",
            str(tmp_path / "private" / "r1b.json"),
        ],
    )
    assert again.exit_code == 2 and "已存在" in again.output and "--force" in again.output
    forced = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES / "national_2023.json"),
            "--panel",
            str(panel),
            "-o",
            str(out),
            "--record",
            str(tmp_path / "private" / "r1c.json"),
            "--force",
        ],
    )
    assert forced.exit_code == 0, forced.output


def test_several_sets_give_one_workbook_per_expert_per_set(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "P1"\n[[experts]]\nid = "E01"\n', "utf-8")
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES),
            "--panel",
            str(panel),
            "-o",
            str(tmp_path / "o"),
            "--record",
            str(tmp_path / "private" / "r2.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "o").glob("review_*"))
    assert names == [
        "review_P1_E01_hunan_characteristic.xlsx",
        "review_P1_E01_hunan_comprehensive.xlsx",
        "review_P1_E01_hunan_professional.xlsx",
        "review_P1_E01_national_2023.xlsx",
    ]


def test_panel_framework_keeps_only_that_set(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(
        'id = "P1"\nframework = "hunan_professional"\n[[experts]]\nid = "E01"\n', "utf-8"
    )
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES),
            "--panel",
            str(panel),
            "-o",
            str(tmp_path / "o"),
            "--record",
            str(tmp_path / "private" / "r2.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert [p.name for p in (tmp_path / "o").glob("review_*")] == ["review_P1_E01.xlsx"]
    assert "跳过" in res.output


def test_bad_panel_file_names_file_and_key(tmp_path):
    bad = tmp_path / "panel.toml"
    bad.write_text('id = "P1"\n[[experts]]\nname = "张三"\nconflict = ["x"]\n', "utf-8")
    with pytest.raises(PanelError) as exc:
        load_panel(bad)
    msg = str(exc.value)
    assert str(bad) in msg and "第1位专家的 id" in msg and "缺少必填项" in msg and "conflict" in msg
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES),
            "--panel",
            str(bad),
            "-o",
            str(tmp_path / "o"),
            "--record",
            str(tmp_path / "private" / "r3.json"),
        ],
    )
    assert res.exit_code == 2 and "缺少必填项" in res.output
    dupes = tmp_path / "dupes.toml"
    dupes.write_text('id = "P1"\n[[experts]]\nid = "E01"\n[[experts]]\nid = "E01"\n', "utf-8")
    with pytest.raises(PanelError, match="专家编号重复：E01"):
        load_panel(dupes)


def test_unreadable_application_refuses_the_run(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "P1"\n[[experts]]\nid = "E01"\n', "utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(EXAMPLES / "national_2023.json"),
            str(broken),
            "--panel",
            str(panel),
            "-o",
            str(tmp_path / "o"),
            "--record",
            str(tmp_path / "r.json"),
        ],
    )
    assert res.exit_code == 1 and "broken.json" in res.output and "未生成任何评分表" in res.output
    assert not (tmp_path / "o").exists()


def test_conflicts_leave_applications_out_and_are_recorded(ev, tmp_path):
    loaded = national_set(ev)
    panel = load_panel_text(
        tmp_path,
        'id = "第一评审组"\n[[experts]]\nid = "E01"\nname = "张三"\n'
        'conflicts = ["91110108ma01k7q36g", "（示例）岳麓工业互联网研究院"]\n'
        '[[experts]]\nid = "E02"\nname = "李四"\n',
    )
    written, _notes, _record = generate_panel(ev, loaded, panel, tmp_path / "o")
    by_expert = {w.expert.id: w for w in written}
    assert by_expert["E01"].rows == 2 and by_expert["E02"].rows == 4
    ws = openpyxl.load_workbook(by_expert["E01"].path)[SCORES]
    listed = [ws[f"B{r}"].value for r in range(FIRST_ROW, FIRST_ROW + 2)]
    assert listed == ["（示例）湘江智造云科技有限公司", "（示例）麓谷数智科技有限公司"]
    assert ws[f"B{FIRST_ROW + 2}"].value is None

    bundle = read_review_workbook(by_expert["E01"].path)
    assert bundle.expert == "E01" and bundle.framework == "national_2023"
    assert [r.application for r in bundle.reviews] == [
        "（示例）湘江智造云科技有限公司",
        "（示例）麓谷数智科技有限公司",
    ]
    # both the declared entries and the matched keys, so the batch sees a deliberate gap
    assert "91110108MA01K7Q36G" in [c.upper() for c in bundle.conflicts]
    assert "（示例）岳麓工业互联网研究院" in bundle.conflicts
    guide = " ".join(
        str(c.value)
        for row in openpyxl.load_workbook(by_expert["E01"].path)["说明"].iter_rows()
        for c in row
        if c.value
    )
    assert "未列入本表" in guide and "（示例）岳麓工业互联网研究院" in guide

    # batch: E01 declared conflicts, so no "review missing" for those two
    filled = fill(
        by_expert["E01"].path, {FIRST_ROW: dict.fromkeys(score_letters(ev, "national_2023"), 80)}
    )
    batch = score_batch(ev, loaded, [read_review_workbook(filled)])
    missing = [f.message for f in batch.findings if f.code == "review_missing"]
    assert missing == ["专家“E01”未对“（示例）麓谷数智科技有限公司”评分"]


def load_panel_text(tmp_path: Path, text: str):
    p = tmp_path / "panel.toml"
    p.write_text(text, "utf-8")
    return load_panel(p)


def test_validation_and_protection(ev, tmp_path):
    path = write(ev, national_set(ev)[:2], tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.security.lockStructure
    assert wb["_calc"].sheet_state == "hidden" and wb["_meta"].sheet_state == "hidden"
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    ws = wb[SCORES]
    letters = score_letters(ev, "national_2023")
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == len(letters)
    for dv, L in zip(dvs, letters, strict=True):
        assert dv.type == "custom" and str(dv.sqref) == f"{L}{FIRST_ROW}:{L}{FIRST_ROW + 1}"
        assert dv.formula1 == (
            f'OR(AND(ISNUMBER({L}5),{L}5>=0,{L}5<=100),{L}5="优秀",{L}5="良好",{L}5="一般",{L}5="较差")'
        )
        assert (
            dv.allow_blank and dv.showErrorMessage and "0-100" in dv.error and "优秀" in dv.prompt
        )
    # inputs and comments unlocked, everything else locked
    comment_letters = [openpyxl.utils.get_column_letter(ws[f"{L}1"].column + 1) for L in letters]
    for r in (FIRST_ROW, FIRST_ROW + 1):
        for L in letters + comment_letters:
            assert ws[f"{L}{r}"].protection.locked is False
        for L in ("A", "B", "C", "D", "E"):
            assert ws[f"{L}{r}"].protection.locked is not False
    assert ws.freeze_panes == f"F{FIRST_ROW}"  # applicant, points and total stay in view
    assert ws.print_title_cols == "$A:$E" and ws.col_breaks.brk  # whole parts per printed page
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    # the total is a native formula over the hidden coefficients, no Excel-only functions
    assert ws[f"E{HEADER_ROW}"].value == "总分（实时）"
    total = ws[f"E{FIRST_ROW}"].value
    assert total.startswith("=IF(") and "SUMPRODUCT(" in total and "未完成（已评" in total
    formulas = [
        c.value for row in wb["_calc"].iter_rows() for c in row if str(c.value).startswith("=")
    ]
    for f in [total, *formulas]:
        for banned in ("XLOOKUP", "LET(", "LAMBDA", "FILTER(", "IFS(", "TEXTJOIN", "_xlfn"):
            assert banned not in f


def test_grade_words_follow_the_parameters_file(tmp_path):
    params = tmp_path / "params.toml"
    params.write_text(
        '[aggregation.grade_scores]\n"优秀" = 93\n"良好" = 80\n"一般" = 65\n"较差" = 40\n', "utf-8"
    )
    from iipeval.core.scoring.params import load_parameters

    ev = Evaluator(params=load_parameters(params))
    path = write(ev, [load_json(EXAMPLES / "hunan_professional.json")], tmp_path)
    wb = openpyxl.load_workbook(path)
    helper = wb["_calc"].cell(FIRST_ROW, 3 + len(parts_of(ev, "hunan_professional"))).value
    assert '="优秀",93.0' in helper and '="较差",40.0' in helper
    guide = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "优秀（90-100分，按93分计）" in guide and str(params) in guide


# --------------------------------------------------------------------------------------
# reading back


def test_reading_back_gives_the_reviews_typed(ev, tmp_path):
    path = write(ev, national_set(ev)[:3], tmp_path)
    letters = score_letters(ev, "national_2023")
    parts = parts_of(ev, "national_2023")
    comment = openpyxl.utils.get_column_letter(
        openpyxl.utils.column_index_from_string(letters[0]) + 1
    )
    fill(
        path,
        {
            FIRST_ROW: {
                **dict(
                    zip(
                        letters,
                        [88, "优秀", 80.5, 0, 78, 86, 82, 72, 84, "良好", 76, 100],
                        strict=True,
                    )
                ),
                comment: "技术积累深厚",
            },
            FIRST_ROW + 1: {letters[0]: " 一般 ", letters[1]: "较差"},
        },
    )
    bundle = read_review_workbook(path)
    assert bundle.findings == []
    assert (bundle.expert, bundle.framework, bundle.conflicts) == ("E01", "national_2023", [])
    first, second, third = bundle.reviews
    assert first == ExpertReview(
        expert="E01",
        panel="第一评审组",
        application="91110108MA01K7Q36G",
        scores=dict(
            zip(parts, [88, "优秀", 80.5, 0, 78, 86, 82, 72, 84, "良好", 76, 100], strict=True)
        ),
        comments={parts[0]: "技术积累深厚"},
    )
    assert second.application == "（示例）湘江智造云科技有限公司"
    assert second.scores == {**dict.fromkeys(parts), parts[0]: "一般", parts[1]: "较差"}
    assert third.scores == dict.fromkeys(parts) and third.comments == {}
    assert read_reviews(path).reviews == bundle.reviews


def test_bad_entries_are_findings_with_sheet_and_cell(ev, tmp_path):
    path = write(ev, national_set(ev)[:2], tmp_path)
    L = score_letters(ev, "national_2023")
    parts = parts_of(ev, "national_2023")
    fill(
        path,
        {
            FIRST_ROW: {L[0]: 120, L[1]: "很好", L[2]: "=SUM(A1:A2)", L[3]: 90},
            FIRST_ROW + 1: {L[4]: -5, L[5]: True, L[6]: "85"},
        },
    )
    # openpyxl would store "=SUM(..)" as a formula; a formula-looking *text* is what a
    # paste into a text cell gives, so store it as a string explicitly
    wb = openpyxl.load_workbook(path)
    wb[SCORES][f"{L[2]}{FIRST_ROW}"].value = "=SUM(A1:A2)"
    wb[SCORES][f"{L[2]}{FIRST_ROW}"].data_type = "s"
    wb.save(path)

    bundle = read_review_workbook(path)
    where = {(f.sheet, f.cell): f for f in bundle.findings}
    assert set(where) == {
        ("评分", f"{L[0]}5"),
        ("评分", f"{L[1]}5"),
        ("评分", f"{L[2]}5"),
        ("评分", f"{L[4]}6"),
        ("评分", f"{L[5]}6"),
    }
    assert all(f.severity == "error" and f.file == str(path) for f in bundle.findings)
    assert "120超出0-100范围" in where[("评分", f"{L[0]}5")].message
    assert "“很好”，不是有效评分" in where[("评分", f"{L[1]}5")].message
    assert "公式" in where[("评分", f"{L[2]}5")].message
    assert "-5超出0-100范围" in where[("评分", f"{L[4]}6")].message
    assert where[("评分", f"{L[0]}5")].item == parts[0]
    first, second = bundle.reviews
    assert first.scores[parts[0]] is None and first.scores[parts[3]] == 90
    assert second.scores[parts[6]] == 85  # a number typed as text is still a number


def test_tampered_structure_is_a_clear_finding(ev, tmp_path):
    path = write(ev, national_set(ev)[:3], tmp_path)
    L = score_letters(ev, "national_2023")
    fill(path, {r: dict.fromkeys(L, 80) for r in (FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 2)})

    # rows 5 and 6 swapped (e.g. pasted over each other): those two are not read
    wb = openpyxl.load_workbook(path)
    ws = wb[SCORES]
    for col in range(1, ws.max_column + 1):
        a, b = ws.cell(FIRST_ROW, col), ws.cell(FIRST_ROW + 1, col)
        a.value, b.value = b.value, a.value
    wb.save(tmp_path / "moved.xlsx")
    bundle = read_review_workbook(tmp_path / "moved.xlsx")
    assert [f.code for f in bundle.findings] == ["review_row_moved", "review_row_moved"]
    assert [f.cell for f in bundle.findings] == ["C5", "C6"]
    assert "行被移动" in bundle.findings[0].message
    assert [r.application for r in bundle.reviews] == ["（示例）岳麓工业互联网研究院"]

    # a column inserted: nothing is read
    wb = openpyxl.load_workbook(path)
    wb[SCORES].insert_cols(5)
    wb.save(tmp_path / "cols.xlsx")
    bundle = read_review_workbook(tmp_path / "cols.xlsx")
    assert [f.code for f in bundle.findings] == ["review_structure"] and bundle.reviews == []
    assert bundle.findings[0].cell == "F3"

    # the hidden meta sheet deleted
    wb = openpyxl.load_workbook(path)
    del wb["_meta"]
    wb.save(tmp_path / "nometa.xlsx")
    bundle = read_review_workbook(tmp_path / "nometa.xlsx")
    assert [f.code for f in bundle.findings] == ["review_meta_missing"] and bundle.reviews == []
    assert "原始评分表" in bundle.findings[0].message

    # meta edited (an application key changed)
    wb = openpyxl.load_workbook(path)
    meta = wb["_meta"]
    for row in meta.iter_rows():
        for c in row:
            if c.value == "（示例）岳麓工业互联网研究院":
                c.value = "别的公司"
    wb.save(tmp_path / "meta.xlsx")
    assert [f.code for f in read_review_workbook(tmp_path / "meta.xlsx").findings] == [
        "review_structure"
    ]

    # not a workbook at all
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert [f.code for f in read_review_workbook(junk).findings] == ["unreadable"]


def test_panel_scores_are_the_trimmed_mean(ev, tmp_path):
    """Five experts' workbooks fed to the batch: each part's panel score is the mean of
    the middle three, and the total is the engine's total with those five reviews."""
    example_file = load_json(EXAMPLES / "hunan_comprehensive.json")
    app = example_file.submission.application  # without the reviews the example carries
    app_loaded = Loaded("甲.json", Submission(application=app))
    parts = parts_of(ev, "hunan_comprehensive")
    L = score_letters(ev, "hunan_comprehensive")
    given = {
        "E01": [90, "优秀", 70, 60],
        "E02": [80, "良好", 75, "一般"],
        "E03": [70, 60, 80, 66],
        "E04": [60, "较差", "良好", 100],
        "E05": [85, 90, 65, 0],
    }
    bundles = []
    for expert, values in given.items():
        path = write(ev, [app_loaded], tmp_path, PanelExpert(id=expert), name=f"{expert}.xlsx")
        fill(path, {FIRST_ROW: dict(zip(L, values, strict=True))})
        bundles.append(read_review_workbook(path))
    batch = score_batch(ev, [app_loaded], bundles)
    [result] = batch.results
    grade = ev.effective("hunan_comprehensive").policy.grade_scores
    for k, pid in enumerate(parts):
        nums = sorted(
            grade[v] if isinstance(v, str) else v for v in (vs[k] for vs in given.values())
        )
        panel = next(p for p in result.panels if p.part == pid)
        assert panel.method == "trimmed_mean"
        assert panel.score == pytest.approx(sum(nums[1:-1]) / 3, abs=1e-12)
    reviews = [r for b in bundles for r in b.reviews]
    assert result.total == pytest.approx(ev.score(app, reviews).total, abs=1e-9)
    assert not [
        f for f in batch.findings if f.code in ("review_missing", "review_unknown_application")
    ]


def test_json_review_files(tmp_path):
    listed = tmp_path / "list.json"
    listed.write_text(
        json.dumps(
            [{"expert": "E01", "application": "甲", "scores": {"a": 80, "b": "优秀"}}],
            ensure_ascii=False,
        ),
        "utf-8",
    )
    b = read_review_json(listed)
    assert b.findings == [] and b.expert == "E01" and b.reviews[0].scores == {"a": 80, "b": "优秀"}

    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(
        json.dumps(
            {
                "expert": "E02",
                "panel": "P1",
                "framework": "national_2023",
                "conflicts": ["乙"],
                "reviews": [
                    {"application": "甲", "scores": {"a": 70}},
                    {"application": "丙", "scores": {"a": 130}},
                ],
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    b = read_reviews(wrapped)
    assert (b.expert, b.framework, b.conflicts) == ("E02", "national_2023", ["乙"])
    assert [(r.expert, r.panel, r.application) for r in b.reviews] == [("E02", "P1", "甲")]
    [bad] = b.findings
    assert bad.code == "bad_review" and bad.file == str(wrapped)
    assert (
        bad.message
        == "第2条评分 scores.a：评分应为0-100的数字或优秀、良好、一般、较差，现为130（该条评分未读取）"
    )

    assert [f.code for f in read_reviews(tmp_path / "x.csv").findings] == ["unsupported"]


def test_workbooks_built_in_parallel_are_the_ones_built_in_turn(ev, tmp_path):
    """``panel --jobs N`` shares the workbooks among processes: each must come out exactly
    as built in one process (only the signature differs, as the round's key does)."""
    loaded = national_set(ev)
    text = 'id = "P1"\nround = "R1"\n' + "".join(
        f'[[experts]]\nid = "E0{k}"\nname = "专家{k}"\n' for k in range(1, 4)
    )
    panel = load_panel_text(tmp_path, text)
    serial, _, _ = generate_panel(ev, loaded, panel, tmp_path / "one", jobs=1)
    parallel, _, record = generate_panel(ev, loaded, panel, tmp_path / "many", jobs=3)
    assert [w.path.name for w in serial] == [w.path.name for w in parallel]
    for a, b in zip(serial, parallel, strict=True):
        za, zb = zipfile.ZipFile(a.path), zipfile.ZipFile(b.path)
        assert za.namelist() == zb.namelist()
        differ = [
            n for n in za.namelist() if not n.startswith("docProps/") and za.read(n) != zb.read(n)
        ]
        assert all(b"hmac-sha256:" in zb.read(n) for n in differ), differ
        assert len(differ) <= 1
        bundle = read_review_workbook(b.path)
        assert not bundle.findings, bundle.findings
        assert bundle.reviews
    assert {f.file for e in record.experts for f in e.forms} == {w.path.name for w in parallel}


def test_expert_workbooks_are_what_openpyxl_writes_cell_by_cell(ev, tmp_path, monkeypatch):
    """The rows of an expert workbook are written as XML directly, and the 定量得分 and
    _calc rows are shared by every expert of a set: what the expert and a reviewer open
    must be, part by part, the workbook openpyxl writes cell by cell (values, text that
    looks like a formula, formulas, styles, merges, validation, conditional formats,
    protection, defined names, sheet states, _meta and its signature)."""
    loaded = national_set(ev)
    unsafe = copy.deepcopy(example("national_2023"))
    unsafe["applicant"].update(name='=HYPERLINK("x")否决 <&> 公司', credit_code=None)
    unsafe["items"]["major_safety_incident"] = True  # ruled out: shown in red
    loaded.append(Loaded("unsafe.json", Submission.model_validate({"application": unsafe})))
    [rs] = prepare(ev, loaded).values()
    expert = PanelExpert(id="E01", name="张三", conflicts=["（示例）岳麓工业互联网研究院"])
    other = PanelExpert(id="E02", name="李四")

    def build(name: str, who: PanelExpert) -> Path:
        wb = build_workbook(rs, "P1", who, roster=["E01", "E02"], round_id="R1", key=b"k" * 32)
        save_atomic(wb, tmp_path / name)
        return tmp_path / name

    streamed = [build("e01.xlsx", expert), build("e02.xlsx", other)]
    monkeypatch.setattr(Rows, "attach", lambda rows, ws: rows.to_worksheet(ws))
    monkeypatch.setattr(ReviewSet, "shared", lambda rs, sheet, rows, build: build())
    reference = [build("e01-ref.xlsx", expert), build("e02-ref.xlsx", other)]
    for mine, theirs in zip(streamed, reference, strict=True):
        a, b = parts(mine), parts(theirs)
        assert a.keys() == b.keys()
        assert [n for n in a if a[n] != b[n]] == []
    e01 = openpyxl.load_workbook(streamed[0])
    names = [c.value for c in e01[SCORES]["B"][FIRST_ROW - 1 :] if c.value]
    assert "（示例）岳麓工业互联网研究院" not in names  # recused
    for path, shown in ((streamed[0], False), (streamed[1], True)):  # the shared sheet too
        quant = openpyxl.load_workbook(path)[QUANT]
        texts = " ".join(str(c.value) for row in quant.iter_rows() for c in row if c.value)
        assert ("（示例）岳麓工业互联网研究院" in texts) is shown
    assert '=HYPERLINK("x")否决 <&> 公司' in names
    assert not read_review_workbook(streamed[0]).findings


def test_an_application_is_scored_three_times_for_its_row(ev, monkeypatch):
    """As submitted, every expert part at 0, every part at its full mark: a national
    application has 12 expert parts, and none of them costs an engine call of its own."""
    calls = []
    score = ev.score

    def counted(*args, **kwargs):
        calls.append(1)
        return score(*args, **kwargs)

    monkeypatch.setattr(ev, "score", counted)
    row = prepare_row(ev, load_json(EXAMPLES / "national_2023.json"))
    assert len(row.linear.coefficients) == 12
    assert len(calls) == 3
    assert row.zero_points and sum(row.zero_points.values()) == pytest.approx(row.linear.constant)
