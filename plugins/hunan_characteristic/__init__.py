"""hunan_characteristic: 湖南省省级特色型工业互联网平台 (行业级 / 区域级; 3 dimensions, 8 indicators).

The criteria are data (``criteria.toml``); this module hands them to the host and adds the
checks that need code: each sub-type must actually serve what it is named for, and the
applicant must be registered in Hunan. It imports
nothing from the other Hunan plugins on purpose: each plugin stands alone.
"""

from pathlib import Path

from iipeval.core.findings import Finding, Severity
from iipeval.core.hookspecs import hookimpl
from iipeval.core.validation import credit_code_problem

FRAMEWORK = "hunan_characteristic"
CRITERIA = Path(__file__).with_name("criteria.toml")
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
