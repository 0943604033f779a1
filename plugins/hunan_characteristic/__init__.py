"""hunan_characteristic: 湖南省省级特色型工业互联网平台 (行业级 / 区域级; 3 dimensions, 8 indicators).

The criteria are data (``criteria.toml``); this module hands them to the host and adds the
checks that need code: each sub-type must actually serve what it is named for. It imports
nothing from the other Hunan plugins on purpose: each plugin stands alone.
"""

from pathlib import Path

from iipeval.plugin import Finding, Severity, hookimpl

FRAMEWORK = "hunan_characteristic"
CRITERIA = Path(__file__).with_name("criteria.toml")
REGION_ITEMS = ("cities_served", "parks_served", "clusters_served")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)


def regional_scope(view):
    """区域级: serving no city, park or cluster at all contradicts the sub-type."""
    values = [view.item_number(i) for i in REGION_ITEMS]
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
    if view.subtype != "industry" or view.item_number("industries_served") != 0:
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
