"""``iipeval robustness`` and the 稳健性 sheet, as an organiser uses them."""

import importlib.util
import json
import shutil

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from robustness_support import duo_batch, duo_evaluator
from support import REPO

from iipeval.cli.main import cli
from iipeval.core.analysis import robustness as R
from iipeval.reports.results_workbook import build_workbook, save_deterministic
from iipeval.reports.robustness_sheet import add_sheets


def run(*args, code=0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_robustness", REPO / "benchmarks" / "robustness.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Eight national applications and a seven-expert panel, written as files."""
    folder = tmp_path_factory.mktemp("demo")
    _bench().write(folder, 8)
    return folder


def test_json_is_deterministic_for_a_seed_and_ranks_as_score_does(demo, tmp_path):
    args = [
        demo / "apps",
        "--reviews",
        demo / "reviews",
        "--panel-record",
        demo / "private" / "panel-record.json",
        "--quota",
        "2",
        "--draws",
        "400",
        "--jobs",
        "1",
    ]
    run("robustness", *args, "--seed", "5", "-o", tmp_path / "a.json")
    run("robustness", *args, "--seed", "5", "-o", tmp_path / "b.json")
    run("robustness", *args, "--seed", "6", "-o", tmp_path / "c.json")
    said = run("robustness", *args, "--method", "dirichlet", "-o", tmp_path / "d.json")
    assert "推荐名单不变的概率" in said and "狄利克雷" in said
    assert json.loads((tmp_path / "d.json").read_text())["settings"]["method"] == "dirichlet"
    a = (tmp_path / "a.json").read_bytes()
    assert a == (tmp_path / "b.json").read_bytes() != (tmp_path / "c.json").read_bytes()
    data = json.loads(a)
    [g] = data["groups"]
    assert (g["quota"], g["quota_source"]) == (2, "命令行 --quota")
    assert data["settings"]["draws"] == 400 and data["settings"]["seed"] == 5
    assert len(g["leave_one_out"]) == 7 and [p["id"] for p in g["policies"]] == [
        "current",
        "mean",
        "trimmed_mean",
        "median",
        "zscore",
    ]
    harsh = next(e for e in g["experts"] if e["expert"] == "E05")
    assert harsh["offset"] < -10 and harsh["flags"][0].startswith("平均比其他专家低")

    scored = json.loads(
        run(
            "score",
            demo / "apps",
            "--reviews",
            demo / "reviews",
            "--panel-record",
            demo / "private" / "panel-record.json",
            "--format",
            "json",
            "--jobs",
            "1",
        )
    )
    order = [e["applicant"] for e in scored["rankings"][0]["entries"] if e["rank"] is not None]
    assert [x["applicant"] for x in g["applicants"]] == order


def test_workbook_has_the_sheet_with_heat_map_chart_and_tables(demo, tmp_path):
    out = tmp_path / "r.xlsx"
    run(
        "robustness",
        demo / "apps",
        "--reviews",
        demo / "reviews",
        "--panel-record",
        demo / "private" / "panel-record.json",
        "--quota",
        "2",
        "--draws",
        "300",
        "--jobs",
        "1",
        "-o",
        out,
    )
    wb = load_workbook(out)
    assert wb.sheetnames == ["稳健性"]
    ws = wb["稳健性"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for heading in (
        "一、权重扰动下的名次分布",
        "二、名额边界",
        "三、单项权重的稳定区间",
        "四、专家组的影响",
        "五、专家评分的一致性",
        "六、专家评分校准诊断",
    ):
        assert any(t.startswith(heading) for t in texts), heading
    assert "入选概率（权重）" in texts and "入选概率（专家）" in texts and "胜出指数" in texts
    assert "去掉E05" in texts and "平均偏差" in texts and "最小单项权重改变" in texts
    assert any(t.startswith("推荐名单不变的概率：") and "95%区间" in t for t in texts)
    assert len(ws.conditional_formatting) == 1  # the heat map
    assert len(ws._charts) == 1


def test_refuses_existing_output_and_wrong_suffix(demo, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("keep")
    msg = run("robustness", demo / "apps", "-o", out, code=2)
    assert "已存在" in msg and out.read_text() == "keep"
    assert "须以 .json 或 .xlsx 结尾" in run(
        "robustness", demo / "apps", "-o", tmp_path / "r.csv", code=2
    )
    assert run("robustness", demo / "apps", "--spread", "1.5", "-o", tmp_path / "x.json", code=2)


def test_score_adds_the_sheet_only_when_asked(demo, tmp_path):
    common = [demo / "apps", "--reviews", demo / "reviews", "--jobs", "1"]
    common += ["--panel-record", demo / "private" / "panel-record.json"]
    run("score", *common, "-o", tmp_path / "plain.xlsx")
    run("score", *common, "--robustness", "-o", tmp_path / "with.xlsx")
    assert "稳健性" not in load_workbook(tmp_path / "plain.xlsx", read_only=True).sheetnames
    names = load_workbook(tmp_path / "with.xlsx", read_only=True).sheetnames
    assert names.index("稳健性") == names.index("参数") + 1


def test_applicant_names_reach_the_sheet_as_text_never_as_formulas(tmp_path):
    ev = duo_evaluator(quota=1)
    evil = '=HYPERLINK("http://x","点我")'
    batch = duo_batch(ev, {evil: {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    analysis = R.analyse(ev, batch, R.RobustnessSettings(draws=50))
    from datetime import datetime

    when = datetime(2024, 1, 1)
    path = tmp_path / "r.xlsx"
    save_deterministic(build_workbook(batch, generated_at=when, robustness=analysis), path, when)
    ws = load_workbook(path)["稳健性"]
    cells = [
        c
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and "HYPERLINK" in c.value
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_several_sets_get_one_sheet_each():
    ev = duo_evaluator(quota=1)
    batch = duo_batch(ev, {"甲": {"x0": 90, "y0": 40}, "乙": {"x0": 40, "y0": 80}})
    analysis = R.analyse(ev, batch, R.RobustnessSettings(draws=20))
    two = analysis.model_copy(
        update={
            "groups": [
                *analysis.groups,
                analysis.groups[0].model_copy(update={"subtype_name": "区域级"}),
            ]
        }
    )
    from iipeval.reports.grid import new_workbook

    names = add_sheets(new_workbook(), two, set())
    assert names == ["稳健性-双维度测试体系", "稳健性-双维度测试体系（区域级）"]


def test_a_forged_form_is_refused_as_in_scoring(demo, tmp_path):
    """An extra form the panel never issued (an eighth 'expert' who would like to weigh in)
    counts neither in the ranking nor in the analysis of the panel."""
    reviews = tmp_path / "reviews"
    shutil.copytree(demo / "reviews", reviews)
    [form_path] = reviews.glob("review_*_E05.json")
    form = json.loads(form_path.read_text("utf-8"))
    form["expert"], form["expert_name"] = "E99", "专家99"
    for r in form["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"], 100)
    (reviews / "review_forged_E99.json").write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    out = tmp_path / "r.json"
    run(
        "robustness",
        demo / "apps",
        "--reviews",
        reviews,
        "--panel-record",
        demo / "private" / "panel-record.json",
        "--draws",
        "50",
        "--jobs",
        "1",
        "-o",
        out,
        code=1,
    )
    [g] = json.loads(out.read_text("utf-8"))["groups"]
    assert [s["label"] for s in g["leave_one_out"]] == [f"去掉E0{k}" for k in range(1, 8)]
    assert all(e["expert"] != "E99" for e in g["experts"])


def test_score_robustness_takes_the_same_options_and_records_them(demo, tmp_path):
    """--draws, --seed, --method… as in ``robustness``; the results JSON and the run's
    manifest record them, the library versions and the inputs by hash; reproduce replays."""
    out = tmp_path / "out" / "results.xlsx"
    common = [demo / "apps", "--reviews", demo / "reviews", "--jobs", "1", "--quota", "2"]
    run(
        "score",
        *common,
        "--robustness",
        "--draws",
        "300",
        "--seed",
        "9",
        "--method",
        "dirichlet",
        "--resamples",
        "200",
        "-o",
        out,
    )
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    record = data["robustness"]
    assert record["settings"]["draws"] == 300 and record["settings"]["seed"] == 9
    assert record["settings"]["method"] == "dirichlet" and record["settings"]["resamples"] == 200
    assert {"iipeval", "python", "numpy"} <= set(record["versions"])
    assert record["provenance"]["parameters_hashes"] == {
        k: v["hash"] for k, v in data["parameters"].items()
    }
    assert {r["role"] for r in record["provenance"]["inputs"]} >= {"application", "review"}
    manifest = json.loads((out.parent / "results.manifest.json").read_text("utf-8"))
    assert manifest["robustness"]["settings"]["seed"] == 9
    assert manifest["command"]["analysis"]["draws"] == 300
    assert "一致" in run("reproduce", out.parent / "results.manifest.json")


def test_analysis_options_without_robustness_are_refused(demo, tmp_path):
    said = run("score", demo / "apps", "--draws", "300", "-o", tmp_path / "r.xlsx", code=2)
    assert "--draws 只在加 --robustness 时使用" in said
    said = run("robustness", demo / "apps", "--method", "ahp", "-o", tmp_path / "r.json", code=2)
    assert "--method ahp 需要用 --ahp" in said
    args = ["robustness", demo / "apps", "--method", "dirichlet", "--ahp", demo / "apps"]
    said = run(*args, "-o", tmp_path / "r.json", code=2)
    assert "调查表不会被使用" in said and not (tmp_path / "r.json").exists()


def test_robustness_writes_its_manifest_takes_verified_and_reproduces(demo, tmp_path):
    out = tmp_path / "r.json"
    verified = tmp_path / "核查表"
    verified.mkdir()
    args = ["robustness", demo / "apps", "--reviews", demo / "reviews", "--quota", "2"]
    args += ["--panel-record", demo / "private" / "panel-record.json"]
    run(
        *args,
        "--draws",
        "200",
        "--resamples",
        "100",
        "--jobs",
        "1",
        "--verified",
        verified,
        "-o",
        out,
    )
    data = json.loads(out.read_text("utf-8"))
    assert data["settings"]["resamples"] == 100 and data["versions"]["numpy"]
    assert (
        len(data["provenance"]["inputs"])
        == len(list((demo / "apps").iterdir()))
        + len([p for p in (demo / "reviews").iterdir() if p.name != "panel-record.json"])
        + 1
    )  # the panel record
    [g] = data["groups"]
    assert g["quota_line"]["winning_index"]["unit"] == "次权重抽样"
    assert g["bootstrap"]["resamples"] == 100 and g["agreement"]
    manifest = tmp_path / "r.manifest.json"
    assert json.loads(manifest.read_text("utf-8"))["command"]["kind"] == "robustness"
    assert "一致" in run("reproduce", manifest)


def test_weights_drawn_from_the_panels_questionnaires_end_to_end(demo, tmp_path):
    """Questionnaires issued to the demo panel, filled with judgements that differ from
    expert to expert, derived into weights; ``robustness --ahp`` then draws the weights
    from those judgements (not ±S), says so, and records the questionnaires by hash."""
    import random

    from test_weights_questionnaire import fill

    from iipeval.core.analysis.ahp import SCALE

    q = tmp_path / "q"
    run("weights", "questionnaire", "national_2023", "--panel", demo / "panel.toml", "-o", q)
    near = [float(s) for s in SCALE if 1 / 3 <= s <= 3]
    for k, path in enumerate(sorted(q.glob("*.xlsx"))):
        rng = random.Random(k)
        fill(path, lambda i, j, n, rng=rng: rng.choice(near) if n > 2 else 2.0)
    weights = tmp_path / "w.toml"
    run("weights", "derive", q, "-o", weights, "--threshold", "0.3")
    issued = tmp_path / "issued"  # the forms go out under the derived weights, as in a round
    _bench().write(issued, 8, params=weights)
    out = tmp_path / "r.json"
    common = [issued / "apps", "--reviews", issued / "reviews", "--params", weights, "--quota", "2"]
    said = run(
        "robustness",
        *common,
        "--ahp",
        q,
        "--draws",
        "300",
        "--resamples",
        "50",
        "--jobs",
        "1",
        "-o",
        out,
    )
    data = json.loads(out.read_text("utf-8"))
    assert data["settings"]["method"] == "ahp" and "按专家调查表" in said
    [g] = data["groups"]
    assert (
        g["weights_source"].startswith("按") and "层次分析法调查表重抽样专家" in g["weights_source"]
    )
    assert len(data["provenance"]["questionnaires"]) == len(list(q.glob("*.xlsx")))
    roles = {r["role"] for r in data["provenance"]["inputs"]}
    assert {"questionnaire", "parameters", "application", "review"} <= roles
    assert 0 < g["set_unchanged"]["value"] <= 1
