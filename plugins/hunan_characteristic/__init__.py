"""hunan_characteristic: 湖南省省级特色型工业互联网平台 (行业级 / 区域级; 3 dimensions, 8 indicators).

The criteria are data (``criteria.toml``); this module hands them to the host and adds the
checks that need code: each sub-type must actually serve what it is named for, APP
activity must fit the APP count, and the applicant must be registered in Hunan. It imports
nothing from the other Hunan plugins on purpose: each plugin stands alone.
"""

from pathlib import Path

from iipeval.core.explain import fmt
from iipeval.core.findings import Finding, Severity
from iipeval.core.hookspecs import hookimpl
from iipeval.core.validation import credit_code_problem

FRAMEWORK = "hunan_characteristic"
CRITERIA = Path(__file__).with_name("criteria.toml")
ENTERPRISE_ITEMS = ("enterprises_manufacturing", "enterprises_service")
APP_ITEMS = (
    "apps_rd_design",
    "apps_production",
    "apps_operation_service",
    "apps_business_management",
)
REGION_ITEMS = ("cities_served", "parks_served", "clusters_served")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)


def regional_scope(view):
    """区域级: serving no city, park or cluster at all contradicts the sub-type."""
    values = [view.number(i) for i in REGION_ITEMS]
    if view.subtype != "regional" or None in values or sum(values) > 0:
        return
    yield Finding(
        severity=Severity.error,
        code="hunan.regional_scope",
        item="cities_served",
        message="申报区域级特色平台须服务具体区域，但服务地市州、园区、产业集群数量均为0；请核实数据或改按行业级申报",
    )


def industry_scope(view):
    """行业级: a platform focused on a key industry must serve at least one industry."""
    if view.subtype != "industry" or view.number("industries_served") != 0:
        return
    yield Finding(
        severity=Severity.error,
        code="hunan.industry_scope",
        item="industries_served",
        message="申报行业级特色平台须聚焦重点行业，但服务行业数量为0；请核实数据或改按区域级申报",
    )


def active_apps_within_total(view):
    """月活跃工业APP数量 may not exceed the four APP categories together."""
    active, parts = view.number("apps_active"), [view.number(i) for i in APP_ITEMS]
    if active is not None and None not in parts and active > sum(parts):
        yield Finding(
            severity=Severity.error,
            code="inconsistent.apps_active_within_total",
            item="apps_active",
            message=f"月活跃工业APP数量（{fmt(active)}）不应超过四类工业APP数量合计（{fmt(sum(parts))}）",
        )


def sme_within_enterprises(view):
    """服务中小企业数量 is a subset of 接入企业 (制造 + 服务企业); warn when it is larger."""
    sme, parts = view.number("sme_served"), [view.number(i) for i in ENTERPRISE_ITEMS]
    if sme is not None and None not in parts and sme > sum(parts):
        yield Finding(
            severity=Severity.warning,
            code="inconsistent.sme_within_enterprises",
            item="sme_served",
            message=(
                f"服务中小企业数量（{fmt(sme)}）超过接入工业制造企业与工业服务企业合计"
                f"（{fmt(sum(parts))}），二者应为包含关系，请核实统计口径"
            ),
        )


@hookimpl
def register_validators(register):
    register(
        FRAMEWORK,
        regional_scope,
        items=REGION_ITEMS,
        code="regional_scope",
        description="区域级须服务至少一个地市州、园区或产业集群",
    )
    register(
        FRAMEWORK,
        industry_scope,
        items=("industries_served",),
        code="industry_scope",
        description="行业级须服务至少一个行业",
    )
    register(
        FRAMEWORK,
        active_apps_within_total,
        items=("apps_active", *APP_ITEMS),
        code="apps_active_within_total",
        description="月活跃工业APP数量不超过四类工业APP合计",
    )
    register(
        FRAMEWORK,
        sme_within_enterprises,
        items=("sme_served", *ENTERPRISE_ITEMS),
        code="sme_within_enterprises",
        description="服务中小企业数量不超过接入企业合计",
    )


def registered_outside_hunan(view):
    """Reason when a well-formed credit code's division code (chars 3-8) is not Hunan's (43)."""
    code = (view.applicant.credit_code or "").strip().upper()
    if not code or credit_code_problem(code) or code[2:4] == "43":
        return None
    return (
        f"统一社会信用代码第3-8位（登记管理机关行政区划码）为{code[2:8]}，不以43（湖南省）开头，"
        "不符合“申报单位在湖南省依法设立”的要求；如系迁入湖南的单位（迁址后代码不变），请以营业执照核实"
    )


@hookimpl
def register_exclusions(register):
    register(
        FRAMEWORK,
        registered_outside_hunan,
        id="registered_outside_hunan",
        name="申报单位未在湖南省依法设立",
        rationale="申报通知要求申报单位在湖南省依法设立；统一社会信用代码第3-8位为登记管理机关行政区划码，湖南省以43开头。代码缺失或格式错误时不判定，由符合性审查另行提示。",
    )
