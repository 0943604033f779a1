"""``iipeval weights``: questionnaires → derive → score, one matrix, objective weights."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from door_commands import national_batch
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook
from support import REPO
from test_ahp import DRINKS, DRINKS_PRINTED
from test_weights_questionnaire import consistent_judgement, fill, inconsistent_judgement

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.core.scoring.params import load_parameters

EXAMPLES = REPO / "examples" / "applications"
PANEL = """id = "第一评审组"
[[experts]]
id = "E1"
name = "张三"
[[experts]]
id = "E2"
name = "李四"
[[experts]]
id = "E3"
name = "王五"
"""


def origin_of(params):
    """The origin a weights file records (for the one set it was written for)."""
    return next(o.origin for o in params.frameworks.values() if o.origin)


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def mild(i, j, n):
    """Consistent-ish: every earlier item slightly more important (CR well under 0.10)."""
    return 2.0


@pytest.fixture
def round_dir(tmp_path):
    """Three experts' questionnaires for national_2023; E3 fills inconsistently."""
    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL, "utf-8")
    out = tmp_path / "q"
    text = run("weights", "questionnaire", "national_2023", "--panel", panel, "-o", out).output
    assert text.count("已生成") == 3
    files = {p.name.split("_")[2]: p for p in sorted(out.glob("*.xlsx"))}
    fill(files["E1"], consistent_judgement)
    fill(files["E2"], mild)
    fill(files["E3"], inconsistent_judgement)
    return tmp_path, panel, out, files


# -- the whole round -------------------------------------------------------------------------


def test_end_to_end_panel_questionnaires_derive_score_shows_the_origin(round_dir):
    tmp, panel, qdir, files = round_dir
    weights = tmp / "weights.toml"
    res = run("weights", "derive", qdir, "--panel", panel, "-o", weights)
    assert "专家 E3 的 CR=" in res.output and "未计入" in res.output
    params = load_parameters(weights)  # what score --params will load
    origin = origin_of(params)
    assert origin["method"] == "AHP" and origin["ri_table"] == "saaty"
    assert {e["expert"] for e in origin["experts"]} == {"E1", "E2", "E3"}
    assert {e["sha256"] for e in origin["experts"]} == {
        __import__("hashlib").sha256(p.read_bytes()).hexdigest() for p in files.values()
    }
    for g in origin["groups"]:
        assert [e["expert"] for e in g["included"]] == ["E1", "E2"]
        assert [e["expert"] for e in g["excluded"]] == ["E3"]
        assert "建议改为" in g["excluded"][0]["repair"]

    # the derived weights are what scoring uses
    eff = Evaluator(params=params).effective("national_2023")
    dims = params.frameworks["national_2023"].weights
    for d, pts in eff.dimension_points.items():
        assert pts == pytest.approx(dims[d], rel=1e-12)
    assert eff.dimension_points["resource"] > eff.dimension_points["sustainability"]
    assert not eff.notices  # the file's weights add up: nothing was rescaled

    out = tmp / "out" / "results.xlsx"
    run("score", EXAMPLES / "national_2023.json", "--params", weights, "-o", out)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("参数").to_python()
    text = {r[0]: r[1] for r in sheet if r and r[0]}
    assert text["权重来源"].startswith("层次分析法：3位专家")
    assert "未计入：E3" in text["一致性检验·维度"]
    assert files["E3"].name in text["调查表·E3 王五"]
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    assert data["parameters_origin"]["national_2023"]["experts"][2]["expert"] == "E3"
    assert data["parameters_file_sha256"]
    assert data["results"][0]["provenance"]["weights_origin"] == origin["summary"]


def test_derive_methods_give_valid_parameter_files(round_dir):
    tmp, _panel, qdir, _ = round_dir
    outs = {}
    for extra in ([], ["--aggregation", "AIP"], ["--method", "eigenvector", "--ri", "cn"]):
        path = tmp / f"w{len(outs)}.toml"
        run("weights", "derive", qdir, "-o", path, *extra)
        outs[tuple(extra)] = load_parameters(path).frameworks["national_2023"].weights
    a, b, c = outs.values()
    # under the geometric method AIJ and AIP are the same weights (the docs say so); the
    # eigenvector method and another RI table are honoured
    assert b == pytest.approx(a, rel=1e-9) and a != c
    assert origin_of(load_parameters(path))["ri_table"] == "cn"
    assert "行几何平均下AIJ与AIP结果相同" in origin_of(load_parameters(tmp / "w0.toml"))["summary"]


def test_derive_names_the_experts_who_returned_no_questionnaire(round_dir):
    """E2's questionnaire never came back: named, from --panel or, without it, from the
    roster every questionnaire records; the weights come from those returned."""
    tmp, panel, qdir, files = round_dir
    files["E2"].unlink()
    for extra in (["--panel", panel], []):
        out = tmp / f"w{len(extra)}.toml"
        res = run("weights", "derive", qdir, "-o", out, *extra)
        assert "未交回可用调查表的专家：E2" in res.output
        assert origin_of(load_parameters(out))["not_returned"] == ["E2"]


def test_derive_reports_gci_and_applies_saaty_limits_recorded_in_the_questionnaires(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL, "utf-8")
    q = tmp_path / "q"
    run("weights", "questionnaire", "national_2023", "--panel", panel, "-o", q, "--saaty-limits")
    for p in q.glob("*.xlsx"):
        fill(p, mild)
    meta = CalamineWorkbook.from_path(str(next(q.glob("*.xlsx")))).get_sheet_by_name("_meta")
    facts = {r[0]: r[1] for r in meta.to_python() if r and r[0]}
    assert facts["cr_limits"] == "saaty" and facts["panel_experts"] == "E1,E2,E3"
    res = run("weights", "derive", q, "-o", tmp_path / "w.toml", "--format", "json")
    origin = json.loads(res.stdout)["origin"]
    assert origin["cr_limits"] == "saaty" and "Saaty 1994" in origin["summary"]
    group = origin["groups"][0]
    assert {"expert", "cr", "gci"} <= set(group["included"][0]) and "group_gci" in group


def test_an_inconsistent_panel_gives_no_weights(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL, "utf-8")
    run("weights", "questionnaire", "national_2023", "--panel", panel, "-o", tmp_path / "q")
    for p in (tmp_path / "q").glob("*.xlsx"):
        fill(p, inconsistent_judgement)
    res = run("weights", "derive", tmp_path / "q", "-o", tmp_path / "w.toml", code=1)
    assert "没有一位专家的判断通过一致性检验" in res.output
    assert not (tmp_path / "w.toml").exists()


def test_one_expert_cannot_count_twice(round_dir):
    """A copy of one's own questionnaire under another name must not double one's voice."""
    tmp, _, qdir, files = round_dir
    shutil.copy(files["E1"], qdir / "copy.xlsx")
    res = run("weights", "derive", qdir, "-o", tmp / "w.toml", code=1)
    assert "交回了多份调查表" in res.output
    origin = origin_of(load_parameters(tmp / "w.toml"))
    assert {e["expert"] for e in origin["experts"]} == {"E2", "E3"}
    assert len(origin["rejected_files"]) == 2


def test_an_expert_off_the_panel_is_not_counted(round_dir, tmp_path):
    tmp, _panel, qdir, _ = round_dir
    small = tmp / "small.toml"
    small.write_text(PANEL.split('[[experts]]\nid = "E3"')[0], "utf-8")
    res = run("weights", "derive", qdir, "--panel", small, "-o", tmp / "w.toml", code=1)
    assert "不在评审组名单中" in res.output
    assert {e["expert"] for e in origin_of(load_parameters(tmp / "w.toml"))["experts"]} == {
        "E1",
        "E2",
    }


def test_blank_and_tampered_questionnaires_are_named_by_cell(round_dir):
    tmp, _, qdir, files = round_dir
    wb = load_workbook(files["E2"])
    ws = wb["维度"]
    ws["D7"] = None
    ws["A8"] = "平台可持续发展能力"  # a row edited to compare something else
    wb.save(files["E2"])
    res = run("weights", "derive", qdir, "-o", tmp / "w.toml", code=1)
    assert "维度!D7" in res.output and "未填" in res.output
    assert "维度!A8" in res.output
    assert [e["expert"] for e in origin_of(load_parameters(tmp / "w.toml"))["experts"]] == [
        "E1",
        "E3",
    ]


def test_a_hostile_file_is_refused_without_a_traceback(round_dir):
    tmp, _, qdir, _ = round_dir
    (qdir / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip" * 10)
    res = run("weights", "derive", qdir, "-o", tmp / "w.toml", code=1)
    assert "junk.xlsx" in res.output and "Traceback" not in res.output


def test_questionnaires_are_not_overwritten_without_force(round_dir):
    _, panel, qdir, _ = round_dir
    res = run("weights", "questionnaire", "national_2023", "--panel", panel, "-o", qdir, code=2)
    assert "已存在" in res.output


def test_a_subtype_round_sets_only_that_subtypes_weights(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL, "utf-8")
    q = tmp_path / "q"
    run("weights", "questionnaire", "hunan_characteristic", "--subtype", "行业级",
        "--panel", panel, "-o", q)  # fmt: skip
    for p in q.glob("*.xlsx"):
        fill(p, consistent_judgement)
    out = tmp_path / "w.toml"
    run("weights", "derive", q, "-o", out)
    params = load_parameters(out)
    fo = params.frameworks["hunan_characteristic"]
    assert not fo.weights and set(fo.subtype_weights) == {"industry"}
    ev, default = Evaluator(params=params), Evaluator()
    derived = ev.effective("hunan_characteristic", "industry").indicator_points
    assert derived != default.effective("hunan_characteristic", "industry").indicator_points
    assert (
        ev.effective("hunan_characteristic", "regional").indicator_points
        == default.effective("hunan_characteristic", "regional").indicator_points
    )
    assert derived["technology" if "technology" in derived else next(iter(derived))] > 0


# -- one matrix ------------------------------------------------------------------------------


def matrix_csv(path: Path, rows, names=("咖啡", "葡萄酒", "茶", "啤酒", "汽水", "牛奶", "水")):
    lines = ["," + ",".join(names)]
    for name, row in zip(names, rows, strict=True):
        lines.append(name + "," + ",".join(_frac(v) for v in row))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _frac(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return str(int(v)) if v >= 1 else f"1/{round(1 / v)}"


def test_ahp_json_reproduces_saaty(tmp_path):
    path = matrix_csv(tmp_path / "drinks.csv", DRINKS)
    data = json.loads(
        run("weights", "ahp", path, "--method", "eigenvector", "--format", "json").stdout
    )
    assert list(data["weights"]) == ["咖啡", "葡萄酒", "茶", "啤酒", "汽水", "牛奶", "水"]
    assert tuple(round(w, 3) for w in data["weights"].values()) == DRINKS_PRINTED
    assert round(data["cr"], 3) == 0.022 and data["ri"] == 1.32 and data["method"] == "eigenvector"
    assert set(data) >= {"weights", "lambda_max", "ci", "cr", "ri", "method"}


def test_ahp_reads_xlsx_and_names_the_worst_judgement(tmp_path):
    wb = Workbook()
    ws = wb.active
    rows = [["", "甲", "乙", "丙"], ["甲", 1, 5, 0.2], ["乙", 0.2, 1, 5], ["丙", 5, 0.2, 1]]
    for r in rows:
        ws.append(r)
    wb.save(tmp_path / "m.xlsx")
    text = run("weights", "ahp", tmp_path / "m.xlsx").output
    # a cycle (甲 > 乙 > 丙 > 甲): every judgement deviates alike, and no single change is
    # enough; the change with the lowest CR is given and says so
    assert "请调整" in text and "多个判断偏离程度相同，不能归咎于某一个判断" in text
    assert "建议改为" in text and "仍需复核其他判断" in text and "GCI=" in text


def test_ahp_names_one_judgement_when_one_is_to_blame_and_offers_saaty_limits(tmp_path):
    """Four items, one judgement broken (甲:丁 should be 8): it is named, with the smallest
    change that passes; Saaty's limit for 4 items (0.08) asks for more."""
    v = [8.0, 4.0, 2.0, 1.0]
    m = [[v[i] / v[j] for j in range(4)] for i in range(4)]
    m[0][3], m[3][0] = 1 / 2, 2.0
    path = matrix_csv(tmp_path / "m.csv", m, names=("甲", "乙", "丙", "丁"))
    flat = json.loads(run("weights", "ahp", path, "--format", "json").stdout)
    strict = json.loads(run("weights", "ahp", path, "--format", "json", "--saaty-limits").stdout)
    assert flat["cr_limit"] == 0.1 and strict["cr_limit"] == 0.08
    for data, limit in ((flat, 0.1), (strict, 0.08)):
        fix = data["most_inconsistent"]
        assert (fix["row"], fix["column"]) == ("甲", "丁") and not fix["no_single_judgement"]
        assert fix["passes"] and fix["cr_after"] < limit
    assert flat["gci"] is not None and flat["gci_limit"] == 0.3526


def test_ahp_two_by_two_has_no_cr(tmp_path):
    path = matrix_csv(tmp_path / "m.csv", [[1, 3], [1 / 3, 1]], names=("甲", "乙"))
    data = json.loads(run("weights", "ahp", path, "--format", "json").stdout)
    assert data["cr"] is None and data["ri"] is None
    assert data["weights"] == pytest.approx({"甲": 0.75, "乙": 0.25}, abs=1e-15)


@pytest.mark.parametrize(
    ("change", "cell", "words"),
    [
        ((1, 0, 3), "B3", "不互为倒数"),  # row 乙, column 甲: 3 where 1/3 belongs
        ((0, 2, 12), "D2", "不在 1–9 标度内"),
        ((1, 2, None), "D3", "单元格为空"),
    ],
)
def test_ahp_bad_cells_are_named(tmp_path, change, cell, words):
    rows = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    i, j, v = change
    rows[i][j] = v
    path = matrix_csv(tmp_path / "m.csv", rows, names=("甲", "乙", "丙"))
    res = run("weights", "ahp", path, code=1)
    assert f"{cell}：" in res.output and words in res.output


# -- objective weights ---------------------------------------------------------------------


@pytest.fixture
def applications(tmp_path):
    """Five fictional national applications with different figures, and one expert's
    scores for their qualitative parts (a plain review file: admitted unverified)."""
    out, review_file = tmp_path / "apps", tmp_path / "reviews.json"
    national_batch(out, review_file)
    return out, review_file


def test_objective_from_applications_writes_parameters_with_origin(applications, tmp_path):
    apps, review_file = applications
    out = tmp_path / "obj.toml"
    res = run("weights", "objective", apps, "--reviews", review_file, "--framework", "national_2023",
              "--method", "critic", "--combine", "linear", "--alpha", "0.5", "-o", out,
              "--format", "json")  # fmt: skip
    data = json.loads(res.stdout)
    assert data["rows"] == 5 and sum(data["weights"].values()) == pytest.approx(1)
    params = load_parameters(out)
    assert origin_of(params)["method"] == "critic" and origin_of(params)["rows"] == 5
    assert origin_of(params)["combined_with"]["how"] == "linear"
    assert len(origin_of(params)["applications"]) == 5
    eff = Evaluator(params=params).effective("national_2023")
    assert sum(eff.indicator_points.values()) == pytest.approx(100)


def test_objective_refuses_a_zero_weight_in_a_parameters_file(applications, tmp_path):
    """Every expert score the same: a purely qualitative indicator carries no information."""
    apps, review_file = applications
    data = json.loads(review_file.read_text("utf-8"))
    for r in data["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"], 80)
    review_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    res = run("weights", "objective", apps, "--reviews", review_file, "--framework",
              "national_2023", "--method", "entropy", "-o", tmp_path / "o.toml",
              code=1)  # fmt: skip
    assert "数值全部相同" in res.output
    assert "权重为 0" in res.output and not (tmp_path / "o.toml").exists()
    res = run("weights", "objective", apps, "--framework", "national_2023", "--method",
              "entropy", code=1)  # fmt: skip
    assert "没有得分" in res.output  # without the panel's scores nothing is complete


def test_objective_from_a_matrix_with_a_cost_criterion(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "价格,质量,服务\ncost,benefit,benefit\n10,7,3\n20,8,5\n15,2,4\n30,9,4\n", "utf-8"
    )
    data = json.loads(run("weights", "objective", "--matrix", path, "--method", "critic",
                          "--format", "json").stdout)  # fmt: skip
    assert list(data["weights"]) == ["价格", "质量", "服务"]
    assert sum(data["weights"].values()) == pytest.approx(1)
    bad = tmp_path / "bad.csv"
    bad.write_text("价格,质量\ncost,good\n1,2\n3,4\n5,6\n", "utf-8")
    assert "B2" in run("weights", "objective", "--matrix", bad, "--method", "entropy",
                       code=1).output  # fmt: skip


# -- the sandbox and the parameters model ------------------------------------------------------


def _spin(path: str) -> None:
    while True:
        pass


def _balloon(path: str) -> bytes:
    return b"x" * (4 * 2**30)


def test_a_reader_that_hangs_or_balloons_costs_only_its_file(tmp_path):
    from iipeval.cli.weights.io import isolated
    from iipeval.core.scoring.params import InputLimits

    path = tmp_path / "m.csv"
    path.write_text("x", "utf-8")
    value, problem = isolated(_spin, path, InputLimits(worker_seconds=1))
    assert value is None and "超过1秒" in problem
    value, problem = isolated(_balloon, path, InputLimits(worker_memory_mb=256))
    assert value is None and "内存" in problem


def test_subtype_weights_for_an_unknown_subtype_are_refused(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[frameworks.hunan_characteristic.subtype_weights.nope]\nresource = 30\n", "utf-8"
    )
    res = run("score", EXAMPLES / "hunan_characteristic.json", "--params", bad, code=2)
    assert "没有 id 为 'nope' 的子类型" in res.output


def test_questionnaires_made_with_different_settings_are_not_mixed_silently(round_dir, tmp_path):
    """Experts who saw CR against different RI tables: derive asks which one to use."""
    tmp, panel, qdir, files = round_dir
    other = tmp / "other"
    run("weights", "questionnaire", "national_2023", "--panel", panel, "-o", other, "--ri", "cn")
    target = next(other.glob("*E1*"))
    fill(target, consistent_judgement)
    files["E1"].unlink()
    shutil.copy(target, qdir / target.name)
    res = run("weights", "derive", qdir, "-o", tmp / "w.toml", code=2)
    assert "ri_table" in res.output and "--ri" in res.output
    run("weights", "derive", qdir, "-o", tmp / "w.toml", "--ri", "saaty")
    assert origin_of(load_parameters(tmp / "w.toml"))["ri_table"] == "saaty"
    assert origin_of(load_parameters(tmp / "w.toml"))["cr_threshold"] == 0.1


def test_a_hand_written_origin_is_shown_however_it_is_shaped(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text(
        "[frameworks.national_2023.weights]\nresource = 30\n\n[origin]\nsummary = 2024\n"
        'groups = [1, { title = "维度", included = ["E1", { expert = "E2", cr = 0.01 }] }]\n'
        'experts = "none"\nnote = "=HYPERLINK(\\"http://x\\")"\n',
        "utf-8",
    )
    out = tmp_path / "r.xlsx"
    run("score", EXAMPLES / "national_2023.json", "--params", params, "-o", out)
    wb = load_workbook(out)
    text = {r[0].value: r[1] for r in wb["参数"].iter_rows() if r[0].value}
    assert text["权重来源"].value == "2024"
    assert text["一致性检验·维度"].value == "计入：E2（CR 0.01）"
    assert text["权重来源·note"].data_type == "s"  # shown as text, never a live formula


def test_questionnaires_of_two_sets_are_not_pooled(round_dir):
    tmp, panel, qdir, _ = round_dir
    other = tmp / "hunan"
    run("weights", "questionnaire", "hunan_professional", "--panel", panel, "-o", other)
    p = next(other.glob("*E1*"))
    fill(p, consistent_judgement)
    shutil.copy(p, qdir / p.name)
    res = run("weights", "derive", qdir, "-o", tmp / "w.toml", "--format", "json", code=1)
    assert "分属不同的评价体系" in res.output and not (tmp / "w.toml").exists()
    p.unlink()
    (qdir / p.name).unlink()
    data = json.loads(
        run("weights", "derive", qdir, "-o", tmp / "w.toml", "--format", "json").stdout
    )
    assert sum(data["weights"][d] for d in ("resource", "technology", "enablement",
                                            "contribution", "sustainability")) == pytest.approx(100)  # fmt: skip
    assert data["origin"]["method"] == "AHP"


def test_questionnaire_usage_errors_are_named(tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(PANEL, "utf-8")
    res = run("weights", "questionnaire", "hunan_characteristic", "--subtype", "省级",
              "--panel", panel, "-o", tmp_path / "q", code=2)  # fmt: skip
    assert "没有子类型“省级”" in res.output and "行业级" in res.output
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "P"\nframework = "national_2023"\n[[experts]]\nid = "E1"\n', "utf-8")
    res = run("weights", "questionnaire", "hunan_professional", "--panel", bad, "-o",
              tmp_path / "q", code=2)  # fmt: skip
    assert "national_2023" in res.output
    assert not (tmp_path / "q").exists()


def test_an_existing_output_and_a_tampered_meta_stop_before_anything_is_written(round_dir):
    tmp, _, qdir, files = round_dir
    out = tmp / "w.toml"
    out.write_text("# earlier weights\n", "utf-8")
    res = run("weights", "derive", qdir, "-o", out, code=2)
    assert "已存在" in res.output and out.read_text("utf-8") == "# earlier weights\n"
    for p in files.values():
        wb = load_workbook(p)
        for row in wb["_meta"].iter_rows():
            if row[0].value == "subtype":
                row[1].value = "bogus"
        wb.save(p)
    res = run("weights", "derive", qdir, "-o", out, "--force", code=1)
    assert "bogus" in res.output and "Traceback" not in res.output
    assert out.read_text("utf-8") == "# earlier weights\n"


def test_weights_derived_for_one_set_are_the_origin_of_that_set_only(tmp_path):
    weights = tmp_path / "weights.toml"
    weights.write_text(
        "[frameworks.national_2023.weights]\nresource = 30\n\n"
        '[frameworks.national_2023.origin]\nsummary = "层次分析法：3位专家的调查表"\n',
        encoding="utf-8",
    )
    quotas = tmp_path / "quotas.toml"
    quotas.write_text("[ranking]\nquota = 1\n", encoding="utf-8")
    out = tmp_path / "r.json"
    apps = [EXAMPLES / "national_2023.json", EXAMPLES / "hunan_professional.json"]
    run("score", *apps, "--params", weights, "--params", quotas, "-o", out)
    data = json.loads(out.read_text("utf-8"))
    origins = {r["framework"]: r["provenance"]["weights_origin"] for r in data["results"]}
    assert origins == {"national_2023": "层次分析法：3位专家的调查表", "hunan_professional": None}
    assert list(data["parameters_origin"]) == ["national_2023"]
