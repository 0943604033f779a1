"""A whole expert review round, end to end, as an organiser runs it from the command line.

``iipeval template`` → 30 applications (workbooks filled with openpyxl, and JSON) in two
criteria sets → ``iipeval panel`` → 7 experts' workbooks, six filled and returned (one
expert has a declared conflict, one split panel on one part) → ``iipeval score`` with
the returned workbooks → ranking, trimmed means, 需复议, findings, results workbook.

What the batch says is checked against what was fed in: the trimmed means are computed
here from the typed scores, and every total against the engine scoring that application
alone with the same reviews (``Evaluator().score``), so the CLI batch, the workbook round
trip and the ranking have to agree. The round itself is built by :mod:`e2e_round`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from e2e_round import (
    ABSENT,
    BLANK_APP,
    BLANK_EXPERT,
    CONFLICT_APP,
    CONFLICTED,
    EXCLUDED_APP,
    EXPERTS,
    HUNAN,
    INJECTED_APP,
    INJECTED_NAME,
    NATIONAL,
    PANEL_ID,
    SPLIT_APP,
    SPLIT_PART,
    SPLIT_SCORES,
    Round,
    build_round,
    invoke,
    numeric,
    workbook_keys,
)

from iipeval.core.api import Evaluator
from iipeval.core.model.results import Result
from iipeval.core.panel.roster import file_name
from iipeval.excel.review.layout import FIRST_ROW, SCORES

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(paths: list[Path]) -> dict[str, str]:
    return {str(p): sha256(p) for p in paths}


# ---------------------------------------------------------------------------------------
# the round, scored once per module (building it takes a few seconds)


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    return Evaluator()


@pytest.fixture(scope="module")
def rnd(tmp_path_factory, ev) -> Round:
    return build_round(tmp_path_factory.mktemp("round"), ev)


@pytest.fixture(scope="module")
def runs(rnd: Round) -> SimpleNamespace:
    """Every ``iipeval score`` run of the round, with the inputs hashed around them."""
    inputs = rnd.inputs()
    before = hashes(inputs)
    out1, out2 = rnd.root / "out" / "results.xlsx", rnd.root / "out2" / "results.xlsx"

    def score(output: Path, *extra: str):
        return invoke(
            [
                "score",
                rnd.applications,
                "--reviews",
                rnd.reviews,
                "--panel-record",
                rnd.record,
                "-o",
                output,
                *extra,
            ]
        )

    first = score(out1)
    json1 = out1.with_suffix(".json").read_bytes()
    csv1 = out1.with_suffix(".csv").read_bytes()
    second = score(out2)
    written = [out1, out1.with_suffix(".json"), out1.with_suffix(".csv")]
    outputs_before = hashes(written)
    refused = score(out1)
    outputs_after_refusal = hashes(written)
    out1.with_suffix(".json").write_text("{}\n", "utf-8")  # a stale output to overwrite
    forced = score(out1, "--force")
    return SimpleNamespace(
        out=out1,
        first=first,
        json1=json1,
        csv1=csv1,
        second=second,
        json2=out2.with_suffix(".json").read_bytes(),
        csv2=out2.with_suffix(".csv").read_bytes(),
        refused=refused,
        outputs_before=outputs_before,
        outputs_after_refusal=outputs_after_refusal,
        forced=forced,
        json_forced=out1.with_suffix(".json").read_bytes(),
        inputs_before=before,
        inputs_after=hashes(inputs),
        batch=json.loads(json1),
    )


@pytest.fixture(scope="module")
def engine(rnd: Round, ev: Evaluator) -> dict[str, Result]:
    """Each application scored alone by the engine with the reviews typed for it."""
    out = {}
    for key, app in rnd.apps.items():
        r = ev.score(app, rnd.reviews_for(key))
        assert isinstance(r, Result)
        out[key] = r
    return out


def result_of(batch: dict, key: str) -> dict:
    [r] = [r for r in batch["results"] if r["credit_code"] == key]
    return r


# ---------------------------------------------------------------------------------------
# the panel


def test_panel_writes_one_workbook_per_expert_and_set_leaving_conflicts_out(rnd: Round, ev):
    *lines, record_line = rnd.panel_output.strip().splitlines()
    assert len(lines) == 2 * len(EXPERTS)  # two criteria sets → two workbooks each
    assert str(rnd.record) in record_line and "仅由组织方保存" in record_line
    conflict_line = [ln for ln in lines if f"专家 {CONFLICTED} " in ln and NATIONAL in ln]
    assert len(conflict_line) == 1 and "11份申报，回避1份" in conflict_line[0]
    # E07 never returned theirs; the other twelve are in the reviews folder
    assert sorted(p.name for p in rnd.reviews.iterdir()) == sorted(
        [file_name(PANEL_ID, e, fw) for e in EXPERTS if e != ABSENT for fw in (NATIONAL, HUNAN)]
    )  # the record is not among the forms that go out
    assert rnd.record.stat().st_mode & 0o777 == 0o600  # the key's owner only

    national = ev.framework(NATIONAL).framework
    conflicted = rnd.spec(CONFLICT_APP).key
    for expert in EXPERTS:
        if expert == ABSENT:
            continue
        rows = workbook_keys(rnd.workbooks[expert, NATIONAL], national, rnd.parts[NATIONAL])
        want = [s.key for s in rnd.specs if s.framework == NATIONAL]
        if expert == CONFLICTED:
            want.remove(conflicted)
        assert sorted(rows) == sorted(want), expert
        assert min(rows.values()) == FIRST_ROW and max(rows.values()) == FIRST_ROW + len(want) - 1


# ---------------------------------------------------------------------------------------
# score: exit code, ranking, panel scores, findings


def test_score_exits_0_and_summarises(runs):
    assert runs.first.exit_code == 0, runs.first.output
    assert "已评分 30 份，无法评分 0 份" in runs.first.output
    assert "results.xlsx" in runs.first.output and "results.csv" in runs.first.output
    assert runs.batch["rejected"] == [] and len(runs.batch["results"]) == 30
    assert all(r["accepted"] for r in runs.batch["results"])


def test_rankings_per_set_and_subtype_agree_with_the_engine(rnd: Round, runs, engine):
    batch = runs.batch
    groups = [(rk["framework"], rk["subtype"]) for rk in batch["rankings"]]
    assert groups == [(HUNAN, "industry"), (HUNAN, "regional"), (NATIONAL, None)]
    for rk in batch["rankings"]:
        members = [
            s for s in rnd.specs if (s.framework, s.subtype) == (rk["framework"], rk["subtype"])
        ]
        ranked = sorted((s for s in members if not s.excluded), key=lambda s: -engine[s.key].total)
        totals = [engine[s.key].total for s in ranked]
        assert len({round(t, 6) for t in totals}) == len(totals)  # no ties to break
        entries = rk["entries"]
        assert [e["key"] for e in entries[: len(ranked)]] == [s.key for s in ranked]
        assert [e["rank"] for e in entries[: len(ranked)]] == list(range(1, len(ranked) + 1))
        for e, s in zip(entries, ranked, strict=False):
            assert e["total"] == pytest.approx(engine[s.key].total, abs=1e-9)
            assert e["applicant"] == s.name and e["outcome"] == "拟推荐"
            assert "recommendation" not in e  # one outcome vocabulary
            assert not e["provisional"]
        # the ranked totals really descend
        ranked_totals = [e["total"] for e in entries[: len(ranked)]]
        assert all(a > b for a, b in itertools.pairwise(ranked_totals))
        assert len(entries) == len(members)

    sizes = [len(rk["entries"]) for rk in batch["rankings"]]
    assert sizes == [9, 9, 12]
    for r in batch["results"]:
        assert r["total"] == pytest.approx(engine[r["credit_code"]].total, abs=1e-9)


def test_excluded_application_is_listed_unranked_and_not_recommended(rnd: Round, runs):
    spec = rnd.spec(EXCLUDED_APP)
    [national] = [rk for rk in runs.batch["rankings"] if rk["framework"] == NATIONAL]
    last = national["entries"][-1]
    assert last["key"] == spec.key and last["applicant"] == spec.name
    assert last["rank"] is None and last["excluded"] is True
    assert last["outcome"] == "不予推荐"
    assert "重大及以上安全生产事故" in last["outcome_reason"]
    assert sum(e["rank"] is None for rk in runs.batch["rankings"] for e in rk["entries"]) == 1
    r = result_of(runs.batch, spec.key)
    assert r["excluded"] and [h["id"] for h in r["exclusions"]] == ["safety"]


def trimmed_by_copies(scores: list[float], share: float) -> float:
    """The round's trimmed mean done the schoolbook way: every score written 100 times,
    the lowest and highest ``share`` of the copies struck out, the rest averaged."""
    copies = sorted(s for s in scores for _ in range(100))
    cut = round(share * len(copies))
    kept = copies[cut : len(copies) - cut]
    return sum(kept) / len(kept)


def test_panel_scores_are_trimmed_means_of_what_the_experts_typed(rnd: Round, runs, engine):
    for spec in rnd.specs:
        r = result_of(runs.batch, spec.key)
        typed = {e: by_app[spec.key] for e, by_app in rnd.given.items() if spec.key in by_app}
        assert ABSENT not in typed
        assert {p["part"] for p in r["panels"]} == set(rnd.parts[spec.framework])
        for p in r["panels"]:
            scores = {e: numeric(v[p["part"]]) for e, v in typed.items()}
            assert p["experts"] == scores
            ordered = sorted(scores.values())
            assert len(ordered) >= 5 and p["method"] == "trimmed_mean"
            assert p["score"] == pytest.approx(trimmed_by_copies(ordered, 0.2), abs=1e-12)
            assert p["spread"] == pytest.approx(ordered[-1] - ordered[0], abs=1e-12)
        engine_panels = {p.part: p.score for p in engine[spec.key].panels}
        assert {p["part"]: p["score"] for p in r["panels"]} == pytest.approx(engine_panels)


def test_the_split_part_is_flagged_for_reconsideration(rnd: Round, runs):
    spec = rnd.spec(SPLIT_APP)
    r = result_of(runs.batch, spec.key)
    [split] = [p for p in r["panels"] if p["part"] == SPLIT_PART]
    # 95, 92, 30, 88, 25, 良好 (= 82): six returned workbooks, drop 95 and 25
    assert split["experts"] == {
        "E01": 95.0,
        "E02": 92.0,
        "E03": 30.0,
        "E04": 88.0,
        "E05": 25.0,
        "E06": 82.0,
    }
    assert SPLIT_SCORES["E06"] == "良好"
    assert split["method"] == "trimmed_mean"
    assert split["kept"] == ["E02", "E03", "E04", "E06"]
    # 6 × 0.2 = 1.2 set aside at each end: 95 and 25 out, 92 and 30 count 0.8
    assert split["score"] == pytest.approx((0.8 * 92 + 0.8 * 30 + 88 + 82) / 3.6)
    assert split["weights"] == pytest.approx(
        {"E01": 0, "E02": 0.8 / 3.6, "E03": 0.8 / 3.6, "E04": 1 / 3.6, "E05": 0, "E06": 1 / 3.6}
    )
    assert split["spread"] == 70.0
    assert split["disagreement"] is True
    flagged = [
        (x["credit_code"], p["part"])
        for x in runs.batch["results"]
        for p in x["panels"]
        if p["disagreement"]
    ]
    assert flagged == [(spec.key, SPLIT_PART)]
    [finding] = [f for f in r["findings"] if f["code"] == "disagreement"]
    assert finding["message"] == (
        "平台技术创新能力·技术创新能力评价：专家评分极差70分（最高95，最低25），超过30分，需复议"
    )


def test_missing_reviews_are_reported_but_not_declared_conflicts(rnd: Round, runs):
    batch = runs.batch
    missing = [f for f in batch["findings"] if f["code"] == "review_missing"]
    blank = rnd.spec(BLANK_APP)
    # E06 returned a workbook with one application left blank: that gap is reported
    assert [(f["message"], Path(f["file"]).name) for f in missing] == [
        (
            f"专家“{BLANK_EXPERT}”未对“{blank.name}”评分",
            file_name(PANEL_ID, BLANK_EXPERT, HUNAN),
        )
    ]
    assert set(result_of(batch, blank.key)["panels"][0]["experts"]) == {
        "E01",
        "E02",
        "E03",
        "E04",
        "E05",
    }
    # E03 declared a conflict with this application: not scored, and not reported missing
    conflicted = rnd.spec(CONFLICT_APP)
    assert set(result_of(batch, conflicted.key)["panels"][0]["experts"]) == {
        "E01",
        "E02",
        "E04",
        "E05",
        "E06",
    }
    assert not [f for f in missing if CONFLICTED in f["message"]]
    assert not [f for f in missing if conflicted.name in f["message"]]
    # nothing else went wrong in the round
    codes = sorted(f["code"] for f in batch["findings"])
    assert codes == ["review_missing", "review_not_returned", "review_not_returned"]
    for r in batch["results"]:
        assert [f["code"] for f in r["findings"] if f["severity"] != "notice"] == (
            ["disagreement"] if r["credit_code"] == rnd.spec(SPLIT_APP).key else []
        ), r["applicant"]


def test_an_expert_who_never_returns_a_workbook_is_reported_missing(runs):
    absent = [f["message"] for f in runs.batch["findings"] if f["code"] == "review_not_returned"]
    # E07 was on the panel for both sets; every returned workbook records the roster
    assert absent == [
        f"专家“{ABSENT}”的评分表（{file_name(PANEL_ID, ABSENT, HUNAN)}）未交回，其评分未计入本次结果",
        f"专家“{ABSENT}”的评分表（{file_name(PANEL_ID, ABSENT, NATIONAL)}）未交回，其评分未计入本次结果",
    ]


def test_every_result_says_who_counted_recused_or_is_missing_and_the_rule(rnd: Round, runs):
    """The conflicted application: E03 recused, E07 missing; the blank one: E06 and E07
    missing; every other one: E07 missing. The rule is the same sentence on each."""
    checks = {r["credit_code"]: r["panel_check"] for r in runs.batch["results"]}
    conflicted, blank = rnd.spec(CONFLICT_APP).key, rnd.spec(BLANK_APP).key
    assert checks[conflicted]["recused"] == [CONFLICTED]
    assert checks[conflicted]["missing"] == [ABSENT]
    assert CONFLICTED not in checks[conflicted]["counted"]
    assert checks[blank]["missing"] == sorted([BLANK_EXPERT, ABSENT])
    for key, check in checks.items():
        assert check["rule"] == "去掉最高、最低各20%后平均"
        if key not in (conflicted, blank):
            assert (check["recused"], check["missing"]) == ([], [ABSENT])


# ---------------------------------------------------------------------------------------
# reruns, --force, inputs untouched


def test_rerun_is_byte_identical_and_existing_output_needs_force(runs):
    assert runs.second.exit_code == 0, runs.second.output
    assert runs.json1 == runs.json2
    assert runs.csv1 == runs.csv2

    assert runs.refused.exit_code == 2
    assert "已存在" in runs.refused.output and "--force" in runs.refused.output
    assert runs.outputs_after_refusal == runs.outputs_before

    assert runs.forced.exit_code == 0, runs.forced.output
    assert runs.json_forced == runs.json1  # the stale file was replaced


def test_inputs_are_never_modified(rnd: Round, runs):
    assert len(runs.inputs_before) == 30 + 12 + 1  # applications, workbooks, the record
    assert runs.inputs_after == runs.inputs_before


# ---------------------------------------------------------------------------------------
# the results workbook


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part inside the xlsx zip."""
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.find("m:sheets", NS):
        t = target[s.get(RELS)].lstrip("/")
        out[s.get("name")] = t if t.startswith("xl/") else f"xl/{t}"
    return out


def test_results_workbook(rnd: Round, runs, engine):
    path = runs.out
    wb = openpyxl.load_workbook(path)
    names = wb.sheetnames
    assert names[:7] == [
        "排名-湖南特色型（行业级）",
        "排名-湖南特色型（区域级）",
        "排名-双跨平台（2023）",
        "推荐信息汇总表",
        "专家分歧",
        "问题清单",
        "参数",
    ]
    cards = names[7:]
    assert len(cards) == 30
    titles = {wb[c]["A1"].value for c in cards}
    assert titles == {f"评分卡　{s.name}" for s in rnd.specs}

    # rank 1 of each ranking sheet, against the engine
    for sheet, (fw, subtype) in zip(
        names[:3], [(HUNAN, "industry"), (HUNAN, "regional"), (NATIONAL, None)], strict=True
    ):
        ws = wb[sheet]
        assert [ws.cell(3, c).value for c in (1, 2, 3, 4)] == ["排名", "申报单位", "标识", "总分"]
        members = [s for s in rnd.specs if (s.framework, s.subtype) == (fw, subtype)]
        best = max((s for s in members if not s.excluded), key=lambda s: engine[s.key].total)
        assert ws["A4"].value == 1 and ws["B4"].value == best.name and ws["C4"].value == best.key
        assert ws["D4"].value == pytest.approx(engine[best.key].total, abs=1e-9)
    national = wb[names[2]]
    last = 4 + 12 - 1
    assert national[f"B{last}"].value == rnd.spec(EXCLUDED_APP).name
    assert national[f"A{last}"].value is None
    header = [c.value for c in national[3]]
    assert national.cell(last, header.index("推荐结果") + 1).value == "不予推荐"

    # 专家分歧: one row, the split part
    ws = wb["专家分歧"]
    assert [c.value for c in ws[4]] == [
        rnd.spec(SPLIT_APP).name,
        "2023年跨行业跨领域工业互联网平台",
        "平台技术创新能力·技术创新能力评价",
        "E01 95（去掉）、E02 92（计入80%）、E03 30（计入80%）、E04 88、E05 25（去掉）、E06 82",
        95,
        25,
        70,
        30,
        pytest.approx((0.8 * 92 + 0.8 * 30 + 88 + 82) / 3.6),
        "需复议",
    ]
    assert all(c.value is None for c in ws[5])

    # 问题清单: the disagreement and the blank row
    ws = wb["问题清单"]
    listed = [(row[1], row[8]) for row in ws.iter_rows(min_row=4, values_only=True) if row[0]]
    assert [who for who, _ in listed] == [rnd.spec(SPLIT_APP).name, "批次", "批次", "批次"]
    assert "需复议" in listed[0][1]
    assert [text.count("未交回") for _, text in listed[1:3]] == [1, 1]
    assert "未对" in listed[3][1]

    # the =… applicant name is text wherever it appears, never a formula
    row = next(r for r in range(4, 16) if national[f"B{r}"].value == INJECTED_NAME)
    with zipfile.ZipFile(path) as zf:
        parts = sheet_paths(zf)
        for name, part in parts.items():
            xml = zf.read(part)
            assert b"<f>" not in xml and b"<f " not in xml, name
        sheet = ET.fromstring(zf.read(parts[names[2]]))
        [cell] = sheet.findall(f".//m:c[@r='B{row}']", NS)
        assert cell.find("m:f", NS) is None
        assert cell.get("t") == "inlineStr"
        assert cell.find("m:is/m:t", NS).text == INJECTED_NAME
    assert rnd.spec(INJECTED_APP).name == INJECTED_NAME

    # the CSV neutralises it as well
    csv_text = runs.csv1.decode("utf-8-sig")
    assert "'=HYPERLINK(" in csv_text and ',"=HYPERLINK(' not in csv_text


# ---------------------------------------------------------------------------------------
# a product bug the round runs into, kept visible


def test_expert_workbook_stores_applicant_names_as_text(tmp_path, rnd: Round):
    spec = rnd.spec(INJECTED_APP)
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "P1"\n[[experts]]\nid = "E01"\n', "utf-8")
    res = invoke(
        [
            "panel",
            rnd.applications / spec.file,
            "--panel",
            panel,
            "-o",
            tmp_path / "o",
            "--record",
            tmp_path / "private" / "r.json",
        ]
    )
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(tmp_path / "o" / file_name("P1", "E01"))
    cell = wb[SCORES][f"B{FIRST_ROW}"]
    assert cell.value == INJECTED_NAME
    assert cell.data_type == "s"
