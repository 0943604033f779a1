"""Quotas and the list: 拟推荐 / 候补 / 不予推荐 (待定) with reasons, the 推荐信息汇总表 and
the 公示名单 (.docx)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from support import mini_evaluator
from test_batch import bundle, loaded
from workbook_helpers import small_data, small_evaluator

from iipeval.cli.main import cli
from iipeval.core.round.batch import score_batch
from iipeval.core.scoring.params import (
    Parameters,
    ParamsError,
    Publication,
    RankingPolicy,
    resolve_ranking,
)
from iipeval.reports.publication import write_publication

REPO = Path(__file__).resolve().parents[1]


def outcomes(batch):
    [ranking] = batch.rankings
    return {e.applicant: (e.outcome, e.outcome_reason) for e in ranking.entries}


def tied_pair(policy: RankingPolicy):
    # 甲 and 乙 both total 68.75 (see test_batch): 乙 is stronger in 维度乙 (b), 甲 in 维度甲 (a)
    apps = [
        loaded("甲", devices_operating=960),
        loaded("乙", devices_mobile=1, financing=10000),
        loaded("丙", devices_operating=10, devices_processing=0),
    ]
    panel = [bundle("专家1", {"甲": 80, "乙": 80, "丙": 80})]
    return score_batch(mini_evaluator(Parameters(ranking=policy)), apps, panel)


def test_the_stated_tie_break_order_decides_who_takes_the_only_place():
    declared = outcomes(tied_pair(RankingPolicy(quota=1, reserve=1)))  # the set's own b, a
    assert declared["乙"][0] == "拟推荐" and declared["甲"][0] == "候补"
    stated = outcomes(tied_pair(RankingPolicy(quota=1, reserve=1, tie_break=["total", "a"])))
    assert stated["甲"] == ("拟推荐", "第1名，在推荐名额（1个）内")
    assert stated["乙"] == ("候补", "第2名，超出推荐名额（1个），列第1候补")
    assert stated["丙"] == ("不予推荐", "第3名，超出推荐名额（1个）")


def test_expert_total_breaks_a_tie_the_dimensions_cannot():
    from dataclasses import replace

    from iipeval.core.round.outcomes import decide, tie_keys
    from iipeval.core.round.ranking import Standing, rank

    batch = tied_pair(RankingPolicy())
    result = next(r for r in batch.results if r.applicant == "甲")
    base = Standing.of(result)
    assert base.points["expert_total"] == pytest.approx(sum(p.score for p in result.panels))
    low = replace(base, applicant="低", source="a", points={**base.points, "expert_total": 70})
    high = replace(base, applicant="高", source="b", points={**base.points, "expert_total": 90})
    policy = RankingPolicy(quota=1, tie_break=["total", "a", "expert_total"])
    fw = mini_evaluator().framework("mini").framework
    entries, _ = rank([low, high], tie_keys(fw, policy), policy)
    assert [(e.applicant, e.outcome) for e in decide(entries, policy)] == [
        ("高", "拟推荐"),
        ("低", "不予推荐"),
    ]


def test_below_the_minimum_excluded_and_uncorrected_are_not_recommended_with_reasons():
    apps = [
        loaded("甲"),
        loaded("乙", major_safety_incident=True),
        loaded("丙", devices_other=None),
        loaded("丁", devices_operating=1, devices_processing=0, financing=0),
    ]
    panel = [bundle("专家1", {"甲": 70, "乙": 90, "丙": 90, "丁": 10})]
    batch = score_batch(
        mini_evaluator(Parameters(ranking=RankingPolicy(min_total=50))), apps, panel
    )
    got = outcomes(batch)
    assert got["甲"][0] == "拟推荐"
    assert got["乙"][0] == "不予推荐" and "否决项" in got["乙"][1]
    assert got["丙"] == ("不予推荐", "未通过符合性审查（存在错误，需补正）")
    assert got["丁"] == ("不予推荐", "总分低于推荐最低分50分")


def test_a_tie_on_the_quota_line_is_left_to_the_organiser_never_to_file_order():
    apps = [loaded("甲"), loaded("乙"), loaded("丙", devices_operating=1)]
    panel = [bundle("专家1", {"甲": 80, "乙": 80, "丙": 80})]
    batch = score_batch(mini_evaluator(Parameters(ranking=RankingPolicy(quota=1))), apps, panel)
    got = outcomes(batch)
    assert got["甲"][0] == got["乙"][0] == "待定" and "需组织方裁定" in got["甲"][1]
    assert got["丙"][0] == "不予推荐"


def test_unscored_applications_wait():
    batch = score_batch(mini_evaluator(), [loaded("甲")], [])
    assert outcomes(batch)["甲"] == ("待定", "定性指标尚无评分，暂不排名")


def test_quotas_per_subtype_and_the_names_in_the_policy_are_checked():
    fw = small_evaluator(small_data()).framework("wbtest").framework
    policy = RankingPolicy(quota=3, quotas={"region": 1})
    assert resolve_ranking(fw, policy, "region", "p").quota == 1
    assert resolve_ranking(fw, policy, "industry", "p").quota == 3
    with pytest.raises(ParamsError, match="没有申报类型"):
        resolve_ranking(fw, RankingPolicy(quotas={"区域": 1}), "region", "p")
    with pytest.raises(ParamsError, match="不是维度或指标"):
        resolve_ranking(fw, RankingPolicy(tie_break=["total", "平台"]), None, "p")
    with pytest.raises(ParamsError, match="只能排在第一位"):
        resolve_ranking(fw, RankingPolicy(tie_break=["resource", "total"]), None, "p")


def test_a_bad_ranking_in_the_parameters_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[frameworks.national_2023.ranking]\ntie_break = ["total", "x"]\n', "utf-8")
    res = CliRunner().invoke(
        cli, ["score", str(REPO / "examples" / "applications"), "--params", str(bad)]
    )
    assert res.exit_code == 2 and "tie_break" in res.output and "Traceback" not in res.output


PARAMS = """
[ranking]
quota = 1
[frameworks.hunan_characteristic.ranking]
quotas = { regional = 1 }
[publication]
title = "2026年工业互联网平台拟推荐名单公示"
issuer = "某省工业和信息化厅"
start = 2026-12-20
end = 2026-12-26
objections_to = "某省工业和信息化厅信息化推进处"
"""


def test_outcomes_reach_json_csv_the_summary_sheet_and_the_publication(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text(PARAMS, "utf-8")
    out = tmp_path / "out" / "results.xlsx"
    pub = tmp_path / "out" / "公示名单.docx"
    args = [
        "score",
        str(REPO / "examples" / "applications"),
        "--params",
        str(params),
        "-o",
        str(out),
        "--reviews",
        str(REPO / "examples" / "reviews"),
        "--panel-record",
        str(REPO / "examples" / "panel-record.json"),
    ]
    res = CliRunner().invoke(cli, [*args, "--publish", str(pub)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    picked = {
        e["applicant"] for rk in data["rankings"] for e in rk["entries"] if e["outcome"] == "拟推荐"
    }
    assert len(picked) == 4  # one per set in the examples
    rows = list(csv.DictReader(out.with_suffix(".csv").open(encoding="utf-8-sig")))
    assert {r["推荐结果"] for r in rows} == {"拟推荐"} and all(r["推荐结果说明"] for r in rows)
    ws = openpyxl.load_workbook(out)["推荐信息汇总表"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert sum(1 for c in cells if c == "拟推荐") == 4
    assert any(isinstance(c, str) and c.startswith("填表人") for c in cells)

    text = "\n".join(p.text for p in docx.Document(pub).paragraphs)
    tables = "\n".join(c.text for t in docx.Document(pub).tables for r in t.rows for c in r.cells)
    assert "2026年工业互联网平台拟推荐名单公示" in text
    assert "公示期为2026年12月20日至2026年12月26日（共7天）" in text
    assert "某省工业和信息化厅信息化推进处" in text
    assert "【请填写：联系电话】" in text and "【请填写：通知文件名称】" in text  # placeholders
    assert all(name in tables for name in picked)
    assert "一、湖南省省级特色型工业互联网平台（区域级）" in tables  # each type heads its rows


def test_the_publication_says_the_list_the_parameters_name_in_title_and_body(tmp_path):
    apps = [loaded("甲", devices_operating=960), loaded("乙", devices_mobile=1, financing=10000)]
    ev = mini_evaluator(Parameters(ranking=RankingPolicy(quota=1)))
    batch = score_batch(ev, apps, [bundle("专家1", {"甲": 80, "乙": 80})])
    when = datetime(2026, 12, 20, 9, 0, 0)

    def body(pub: Publication) -> str:
        write_publication(batch, pub, tmp_path / "p.docx", generated_at=when)
        return "\n".join(p.text for p in docx.Document(tmp_path / "p.docx").paragraphs)

    said = body(Publication(title="2026年工业互联网平台拟认定名单公示", issuer="某厅"))
    assert "某厅确定了拟认定名单，现予以公示" in said and "拟推荐" not in said
    said = body(Publication(list_name="拟入库名单"))
    assert said.startswith("测试评价体系拟入库名单公示") and "确定了拟入库名单" in said
    assert "确定了拟推荐名单" in body(Publication())
    nobody = score_batch(ev, apps, [])  # nobody scored yet: nobody listed
    write_publication(
        nobody, Publication(list_name="拟认定名单"), tmp_path / "n.docx", generated_at=when
    )
    said = "\n".join(p.text for p in docx.Document(tmp_path / "n.docx").paragraphs)
    assert "（本批没有列入拟认定名单的申报。）" in said and "拟推荐" not in said


def test_a_long_title_breaks_between_words_never_inside_the_list_name():
    from iipeval.reports.publication import title_lines

    lines = title_lines("湖南特色型、湖南综合型、湖南专业型、双跨平台（2023）拟推荐名单公示")
    assert lines == ["湖南特色型、湖南综合型、湖南专业型、", "双跨平台（2023）拟推荐名单公示"]
    assert title_lines("关于2026年度湖南省省级工业互联网平台拟认定名单的公示") == [
        "关于2026年度湖南省省级工业互联网平台",
        "拟认定名单的公示",
    ]
    assert title_lines("2026年湖南省省级工业互联网示范项目拟推荐名单公示") == [
        "2026年湖南省省级工业互联网示范项目",
        "拟推荐名单公示",
    ]
    assert title_lines("2026年工业互联网平台拟认定名单公示") == [
        "2026年工业互联网平台拟认定名单公示"
    ]


def test_the_signature_never_goes_to_a_page_of_its_own(tmp_path):
    apps = [loaded("甲", devices_operating=960)]
    batch = score_batch(mini_evaluator(Parameters(ranking=RankingPolicy(quota=1))), apps, [])
    path = tmp_path / "p.docx"
    write_publication(batch, Publication(issuer="某厅"), path, generated_at=datetime(2026, 1, 1))
    paragraphs = docx.Document(path).paragraphs
    signature = next(k for k, p in enumerate(paragraphs) if p.text == "某厅")
    # the contacts, the issuer and the date move to a new page together
    assert paragraphs[signature - 1].text.startswith("联系电话")
    assert all(p.paragraph_format.keep_with_next for p in paragraphs[signature - 1 : signature + 1])


def test_the_publication_is_the_same_bytes_for_the_same_run(tmp_path):
    apps = [loaded("甲", devices_operating=960), loaded("乙", devices_mobile=1, financing=10000)]
    batch = score_batch(
        mini_evaluator(Parameters(ranking=RankingPolicy(quota=1))),
        apps,
        [bundle("专家1", {"甲": 80, "乙": 80})],
    )
    when = datetime(2026, 12, 20, 9, 0, 0)
    pub = Publication(start=date(2026, 12, 20), end=date(2026, 12, 26))
    write_publication(batch, pub, tmp_path / "a.docx", generated_at=when)
    write_publication(batch, pub, tmp_path / "b.docx", generated_at=when)
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    listed = [
        c.text for t in docx.Document(tmp_path / "a.docx").tables for r in t.rows for c in r.cells
    ]
    assert "乙" in listed and "甲" not in listed  # only 拟推荐 is published


def test_a_publication_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="早于"):
        Publication(start=date(2026, 12, 20), end=date(2026, 12, 1))


def test_a_publication_with_a_tie_on_the_line_warns_the_organiser(tmp_path):
    apps = tmp_path / "apps"
    apps.mkdir()
    for name in ("甲", "乙"):  # the same figures and the same panel's scores: an exact tie
        data = json.loads(
            (REPO / "examples" / "applications" / "national_2023.json").read_text("utf-8")
        )
        data["application"]["applicant"]["name"] = f"{name}公司"
        (apps / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    params = tmp_path / "p.toml"
    params.write_text("[ranking]\nquota = 1\n", "utf-8")
    out, pub = tmp_path / "o" / "r.xlsx", tmp_path / "o" / "公示.docx"
    args = ["score", str(apps), "--params", str(params), "-o", str(out), "--publish", str(pub)]
    res = CliRunner().invoke(
        cli,
        [
            *args,
            "--reviews",
            str(REPO / "examples" / "reviews"),
            "--panel-record",
            str(REPO / "examples" / "panel-record.json"),
        ],
    )
    assert "乙公司、甲公司在推荐名额边界同分（待定），未列入公示名单" in res.output
    tables = [c.text for t in docx.Document(pub).tables for r in t.rows for c in r.cells]
    assert "甲公司" not in tables and "乙公司" not in tables
