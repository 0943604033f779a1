"""The three Hunan criteria sets (综合型, 特色型, 专业型): fidelity, examples, checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import example_reviews

from iipeval.core.api import Evaluator, load_json
from iipeval.core.findings import Severity
from iipeval.core.host import Host
from iipeval.core.model.application import Application, NotApplicable
from iipeval.core.scoring.validation import credit_code_problem

COMPREHENSIVE, CHARACTERISTIC, PROFESSIONAL = (
    "hunan_comprehensive",
    "hunan_characteristic",
    "hunan_professional",
)
SETS = (COMPREHENSIVE, CHARACTERISTIC, PROFESSIONAL)
REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
SECTION = {COMPREHENSIVE: "综合型", CHARACTERISTIC: "特色型", PROFESSIONAL: "专业型"}

# Valid codes (GB 32100 check character) registered in Beijing (11…) and Guangdong (44…).
BEIJING_CODE = "91110108MA01R2KX7C"
GUANGDONG_CODE = "91440300MA5G3E8N2G"


@pytest.fixture(scope="module")
def host() -> Host:
    return Host()


@pytest.fixture(scope="module")
def evaluator(host) -> Evaluator:
    return Evaluator(host)


def framework(host, fw_id):
    return host.framework(fw_id).framework


def example_path(fw_id) -> Path:
    return REPO / "examples" / "applications" / f"{fw_id}.json"


def example(fw_id) -> dict:
    return json.loads(example_path(fw_id).read_text("utf-8"))


def score_example(evaluator, fw_id, *, items=None, **app_changes):
    """Score the set's example with some items or application fields changed."""
    data = example(fw_id)
    app = data["application"]
    app = {**app, "items": {**app["items"], **(items or {})}, **app_changes}
    application = Application.model_validate(app)
    original = Application.model_validate(data["application"])
    return evaluator.score(application, example_reviews(original))


def codes(result, severity=None):
    return {f.code for f in result.findings if severity is None or f.severity is severity}


def names(fw):
    return [i.name for _, i in fw.indicators()]


# --- the sets load and have the document's shape ---------------------------------------


def test_host_has_no_problems_with_hunan_plugins(host):
    assert [str(p) for p in host.problems if p.plugin in SETS] == []
    for fw_id in SETS:
        assert host.framework(fw_id).plugin == fw_id


@pytest.mark.parametrize(
    ("fw_id", "counts"),
    [(COMPREHENSIVE, [3, 2, 3]), (CHARACTERISTIC, [3, 2, 3]), (PROFESSIONAL, [3, 2, 1])],
)
def test_three_dimensions_and_indicator_counts(host, fw_id, counts):
    fw = framework(host, fw_id)
    assert len(fw.dimensions) == 3
    assert [len(d.indicators) for d in fw.dimensions] == counts
    assert fw.counts()["indicators"] == sum(counts)  # 8 / 8 / 6


@pytest.mark.parametrize("fw_id", SETS)
def test_weights_add_up(host, fw_id):
    fw = framework(host, fw_id)
    assert sum(d.weight for d in fw.dimensions) == pytest.approx(100)
    for d in fw.dimensions:
        assert sum(i.weight for i in d.indicators) == pytest.approx(d.weight), d.id


# --- fidelity to the source document ----------------------------------------------------


def seed_sections(corrections) -> dict[str, dict]:
    """Parse the Hunan seed into its three sets: intro, dimension names, indicators.

    The documented corrections are applied first. Indicators are the lines
    ``名称：评价内容``; dimensions are the lines ``1.资源管理水平主要指标``.
    """
    files = sorted(SEEDS.glob("003_*.txt"))
    if not files:
        pytest.skip(f"Hunan seed document (seeds/003_*.txt) not found under {SEEDS}")
    text = files[0].read_text("utf-8")
    for c in corrections:
        text = text.replace(c.transcribed, c.official)
    sections: dict[str, dict] = {}
    current = None
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        if m := re.fullmatch(r"[一二三]、(.+)工业互联网平台", line):
            current = sections[m[1]] = {"intro": None, "dimensions": []}
        elif current is None:
            continue
        elif line.startswith("申报"):
            current["intro"] = line
        elif m := re.fullmatch(r"\d+\.(.+)主要指标", line):
            current["dimensions"].append({"name": m[1], "indicators": []})
        elif "：" in line:
            name, _, description = line.partition("：")
            current["dimensions"][-1]["indicators"].append((name, description))
    return sections


@pytest.mark.parametrize("fw_id", SETS)
def test_texts_are_verbatim_from_the_seed(host, fw_id):
    fw = framework(host, fw_id)
    seed = seed_sections(fw.source.corrections)[SECTION[fw_id]]
    assert fw.intro == seed["intro"]
    assert [d.name for d in fw.dimensions] == [d["name"] for d in seed["dimensions"]]
    for ours, theirs in zip(fw.dimensions, seed["dimensions"], strict=True):
        assert ours.requirement == ""  # the Hunan text has no per-dimension 能力要求
        assert [(i.name, i.description) for i in ours.indicators] == theirs["indicators"]


@pytest.mark.parametrize("fw_id", SETS)
def test_correction_is_recorded_and_applied(host, fw_id):
    fw = framework(host, fw_id)
    assert [(c.transcribed, c.official) for c in fw.source.corrections] == [
        ("满足特点需求", "满足特定需求")
    ]
    assert "笔误" in fw.source.corrections[0].note
    apps = next(i for _, i in fw.indicators() if i.name == "工业APP数量")
    assert "满足特定需求的工业应用软件" in apps.description
    everything = json.dumps([d.model_dump(mode="json") for d in fw.dimensions], ensure_ascii=False)
    assert "满足特点需求" not in everything


@pytest.mark.parametrize("fw_id", SETS)
def test_source_provenance(host, fw_id):
    src = framework(host, fw_id).source
    assert src.document == "湖南省省级工业互联网平台申报能力要求"
    assert src.issuer == "湖南省工业和信息化厅"
    assert (src.year, src.attachment) == (2024, "附件1")
    assert src.file == "seeds/003_22112b5fda84db6e.txt"
    assert "原文未载年份" in src.year_note and "2024年3月15日" in src.year_note


# --- the differences between the sets (DOMAIN.md) ---------------------------------------


def test_comprehensive_has_park_not_region_indicator(host):
    n = names(framework(host, COMPREHENSIVE))
    assert "赋能园区转型成效" in n
    assert "赋能区域转型成效" not in n


def test_characteristic_has_region_not_park_indicator(host):
    fw = framework(host, CHARACTERISTIC)
    assert "赋能区域转型成效" in names(fw)
    assert "赋能园区转型成效" not in names(fw)
    regions = next(i for _, i in fw.indicators() if i.name == "赋能区域转型成效")
    assert set(regions.item_ids()) >= {"cities_served", "parks_served", "clusters_served"}


def test_comprehensive_and_characteristic_share_first_two_dimensions(host):
    a, b = framework(host, COMPREHENSIVE), framework(host, CHARACTERISTIC)
    for da, db in zip(a.dimensions[:2], b.dimensions[:2], strict=True):
        assert da.name == db.name
        assert [i.name for i in da.indicators] == [i.name for i in db.indicators]


def test_professional_third_dimension_is_a_single_transformation_indicator(host):
    fw = framework(host, PROFESSIONAL)
    third = fw.dimensions[2]
    assert third.name == "提能聚能作用"
    assert [i.name for i in third.indicators] == ["企业转型成效"]
    items = set(third.indicators[0].item_ids())
    assert items == {
        "efficiency_gain",
        "defect_rate_reduction",
        "operating_cost_reduction",
        "energy_reduction",
    }
    assert third.indicators[0].kind == "综合"  # plus the expert part on 痛难点问题
    assert "赋能成效" not in [d.name for d in fw.dimensions]


@pytest.mark.parametrize("fw_id", SETS)
def test_hunan_specific_indicator_placement(host, fw_id):
    fw = framework(host, fw_id)
    dims = {i.name: d.name for d, i in fw.indicators()}
    assert dims["工业APP数量"] == "核心技术水平"  # not 资源管理水平 as nationally
    assert "接入企业数量" in dims and "服务工业企业数量" not in dims
    innovation = next(i for _, i in fw.indicators() if i.name == "平台技术创新能力")
    assert "接入的第三方平台资源能力" in innovation.description
    assert "技术产业化能力" in innovation.description
    assert "third_party_resources" in innovation.item_ids()


# --- proposals carry their reasons; experts get rubrics ---------------------------------


@pytest.mark.parametrize("fw_id", SETS)
def test_every_weight_and_rule_has_a_rationale(host, fw_id):
    fw = framework(host, fw_id)
    for d in fw.dimensions:
        assert d.rationale.strip(), d.id
        for ind in d.indicators:
            assert ind.rationale.strip(), ind.id
            for path, rule in ind.rule.walk():
                assert rule.rationale.strip() or rule.children(), f"{ind.id}.{path}"
    for e in fw.exclusions:
        assert e.rationale.strip(), e.id


@pytest.mark.parametrize("fw_id", SETS)
def test_expert_parts_have_aspect_and_distinct_rubric(host, fw_id):
    parts = framework(host, fw_id).expert_parts()
    assert parts
    for pid, _ind, rule in parts:
        assert rule.aspect.strip(), pid
        texts = [text for _, _, text in rule.rubric.bands()]
        assert len(set(texts)) == 4 and all(len(t) >= 15 for t in texts), pid


@pytest.mark.parametrize("fw_id", SETS)
def test_exclusion_items_are_general_items(host, fw_id):
    fw = framework(host, fw_id)
    wanted = {"major_safety_incident", "major_environmental_incident", "serious_dishonesty"}
    assert {e.item for e in fw.exclusions if e.item} == wanted
    assert set(fw.general_items) == wanted
    [region] = [e for e in fw.exclusions if e.credit_code_region]
    assert (region.id, region.credit_code_region) == ("registered_outside_hunan", "43")


def test_benchmarks_shrink_from_comprehensive_to_professional(evaluator):
    def bench(fw_id, path):
        return evaluator.effective(fw_id).snapshot()["rules"][path]["benchmark"]

    for path in ("devices.scale", "models.scale", "enterprises.scale", "apps.scale"):
        values = [bench(fw_id, path) for fw_id in SETS]
        assert values == sorted(values, reverse=True) and len(set(values)) == 3, path
    assert bench(COMPREHENSIVE, "devices.scale") < 1_000_000  # provincial, not national


def test_professional_weights_enterprise_transformation_most(evaluator):
    points = evaluator.effective(PROFESSIONAL).indicator_points
    assert max(points, key=points.get) == "transformation"


# --- 特色型 sub-types -----------------------------------------------------------------------


def test_characteristic_subtypes(host):
    fw = framework(host, CHARACTERISTIC)
    assert [(s.id, s.name) for s in fw.subtypes] == [("industry", "行业级"), ("regional", "区域级")]
    for st in fw.subtypes:
        assert st.description.startswith(f"申报{st.name}特色工业互联网平台")
        assert st.description in fw.intro
        assert "折算" in st.rationale  # renormalisation within the dimension is explained


def test_subtypes_reweight_industry_and_region(evaluator):
    industry = evaluator.effective(CHARACTERISTIC, "industry").indicator_points
    regional = evaluator.effective(CHARACTERISTIC, "regional").indicator_points
    assert industry["industries"] > industry["regions"]
    assert regional["regions"] > regional["industries"]
    assert evaluator.effective(CHARACTERISTIC, "industry").notices == []
    assert evaluator.effective(CHARACTERISTIC, "regional").notices == []


def test_two_subtypes_give_different_totals_for_the_same_data(evaluator):
    regional = score_example(evaluator, CHARACTERISTIC, subtype="regional")
    industry = score_example(evaluator, CHARACTERISTIC, subtype="industry")
    assert regional.subtype == "regional" and industry.subtype == "industry"
    assert regional.total is not None and industry.total is not None
    assert regional.total != pytest.approx(industry.total, abs=0.01)
    # the example is a regional platform: the 区域级 weighting favours it
    assert regional.total > industry.total


def test_characteristic_without_subtype_is_an_error(evaluator):
    result = score_example(evaluator, CHARACTERISTIC, subtype=None)
    errors = [f for f in result.findings if f.severity is Severity.error]
    assert [f.code for f in errors] == ["subtype"]
    assert "行业级" in errors[0].message and "区域级" in errors[0].message
    assert not result.accepted


# --- the example applications -------------------------------------------------------------


@pytest.mark.parametrize("fw_id", SETS)
def test_example_is_marked_fictional_and_complete(host, fw_id):
    data = example(fw_id)
    app = data["application"]
    assert app["fictional"] is True and app["framework"] == fw_id
    assert app["applicant"]["name"].startswith("（示例）")
    assert "虚构" in app["note"]
    assert app["applicant"]["credit_code"].startswith("9143")
    assert credit_code_problem(app["applicant"]["credit_code"]) is None
    fw = framework(host, fw_id)
    assert set(app["items"]) == {i.id for i in fw.items}
    parts = {pid for pid, _, _ in fw.expert_parts()}
    reviews = example_reviews(Application.model_validate(app))  # from the example round
    assert len(reviews) == 5
    for review in reviews:
        assert set(review.scores) == parts, review.expert


def test_characteristic_example_names_a_subtype():
    assert example(CHARACTERISTIC)["application"]["subtype"] in ("industry", "regional")


@pytest.mark.parametrize("fw_id", SETS)
def test_example_scores_cleanly(evaluator, fw_id):
    loaded = load_json(example_path(fw_id))
    reviews = example_reviews(loaded.submission.application)
    result = evaluator.score_loaded(loaded, reviews=reviews)
    assert [f.message for f in result.findings if f.severity is Severity.error] == []
    assert result.accepted and not result.excluded and result.fictional
    assert result.provisional is False
    assert result.total is not None and 0 < result.total <= 100
    assert all(i.status == "scored" for i in result.indicators)
    assert {p.part for p in result.panels} == {
        pid for pid, _, _ in evaluator.effective(fw_id).framework.expert_parts()
    }


# --- code-based checks and exclusions -----------------------------------------------------


def test_regional_platform_serving_no_region_is_an_error(evaluator):
    nothing = {"cities_served": 0, "parks_served": 0, "clusters_served": 0}
    regional = score_example(evaluator, CHARACTERISTIC, items=nothing, subtype="regional")
    assert "hunan.regional_scope" in codes(regional, Severity.error)
    assert not regional.accepted
    # the same figures are acceptable for a 行业级 platform
    industry = score_example(evaluator, CHARACTERISTIC, items=nothing, subtype="industry")
    assert "hunan.regional_scope" not in codes(industry)
    assert codes(industry, Severity.error) == set()
    # one park is enough for 区域级
    one_park = score_example(
        evaluator, CHARACTERISTIC, items={**nothing, "parks_served": 1}, subtype="regional"
    )
    assert "hunan.regional_scope" not in codes(one_park)


def test_industry_platform_serving_no_industry_is_an_error(evaluator):
    industry = score_example(
        evaluator, CHARACTERISTIC, items={"industries_served": 0}, subtype="industry"
    )
    assert "hunan.industry_scope" in codes(industry, Severity.error)
    regional = score_example(
        evaluator, CHARACTERISTIC, items={"industries_served": 0}, subtype="regional"
    )
    assert "hunan.industry_scope" not in codes(regional)


@pytest.mark.parametrize("fw_id", SETS)
@pytest.mark.parametrize("code", [BEIJING_CODE, GUANGDONG_CODE])
def test_applicant_registered_outside_hunan_is_excluded(evaluator, fw_id, code):
    applicant = {**example(fw_id)["application"]["applicant"], "credit_code": code}
    result = score_example(evaluator, fw_id, applicant=applicant)
    assert result.excluded
    hit = next(h for h in result.exclusions if h.id == "registered_outside_hunan")
    assert hit.plugin == fw_id
    assert code[2:8] in hit.reason and "湖南" in hit.reason
    assert result.total is not None  # still scored, just not recommended


@pytest.mark.parametrize("fw_id", SETS)
def test_missing_or_malformed_credit_code_is_not_an_exclusion(evaluator, fw_id):
    applicant = {**example(fw_id)["application"]["applicant"], "credit_code": None}
    missing = score_example(evaluator, fw_id, applicant=applicant)
    assert not missing.excluded
    bad = BEIJING_CODE[:-1] + ("0" if BEIJING_CODE[-1] != "0" else "1")  # wrong check char
    applicant = {**applicant, "credit_code": bad}
    malformed = score_example(evaluator, fw_id, applicant=applicant)
    assert not malformed.excluded
    assert "credit_code" in codes(malformed, Severity.error)


@pytest.mark.parametrize("fw_id", SETS)
def test_safety_incident_excludes(evaluator, fw_id):
    result = score_example(evaluator, fw_id, items={"major_safety_incident": True})
    assert [h.id for h in result.exclusions] == ["safety"]


@pytest.mark.parametrize("fw_id", SETS)
def test_active_apps_cannot_exceed_all_apps(evaluator, fw_id):
    result = score_example(evaluator, fw_id, items={"apps_active": 100_000})
    assert "inconsistent.apps_active_within_total" in codes(result, Severity.error)


@pytest.mark.parametrize("fw_id", [COMPREHENSIVE, CHARACTERISTIC])
def test_sme_checks(evaluator, fw_id):
    result = score_example(evaluator, fw_id, items={"sme_transformed": 999_999})
    assert "inconsistent.sme_transformed_within_served" in codes(result, Severity.error)
    result = score_example(evaluator, fw_id, items={"sme_served": 10_000_000, "sme_transformed": 1})
    assert "inconsistent.sme_within_enterprises" in codes(result, Severity.warning)
    assert "inconsistent.sme_within_enterprises" not in codes(result, Severity.error)


def test_energy_not_applicable_shares_its_weight(evaluator):
    base = score_example(evaluator, PROFESSIONAL)
    na = score_example(evaluator, PROFESSIONAL, items={"energy_reduction": NotApplicable()})
    ind = next(i for i in na.indicators if i.id == "transformation")
    assert ind.status == "scored" and "不适用" in ind.explanation
    assert codes(na, Severity.error) == set()
    # the example's energy figure (9.8% of a 15% target) was its weakest part
    before = next(i for i in base.indicators if i.id == "transformation")
    assert ind.score > before.score


def test_professional_zero_improvement_scores_low(evaluator):
    flat = {
        "efficiency_gain": 0,
        "defect_rate_reduction": 0,
        "operating_cost_reduction": 0,
        "energy_reduction": 0,
    }
    result = score_example(evaluator, PROFESSIONAL, items=flat)
    ind = next(i for i in result.indicators if i.id == "transformation")
    base = next(i for i in score_example(evaluator, PROFESSIONAL).indicators if i.id == ind.id)
    assert ind.score == pytest.approx(0.4 * base.trace.components[-1].score)
