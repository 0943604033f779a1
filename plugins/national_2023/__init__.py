"""national_2023: the MIIT 2023 双跨平台 criteria set (5 dimensions, 21 indicators).

The criteria are data (``criteria.toml``); this module only hands them to the host and
adds the checks that need code: the declarative ``[[checks]]`` compare two items
(``left <= right``), while the checks below compare a sum of items, or ask whether a figure
is zero while another is not.
"""

from pathlib import Path

from iipeval.core.explain import fmt
from iipeval.core.findings import Finding, Severity
from iipeval.core.hookspecs import hookimpl

FRAMEWORK = "national_2023"
CRITERIA = Path(__file__).with_name("criteria.toml")

APP_ITEMS = (
    "apps_rd_design",
    "apps_production",
    "apps_operation_service",
    "apps_business_management",
)
ENTERPRISE_ITEMS = ("enterprises_manufacturing", "enterprises_service")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)


def _numbers(view, items):
    """The items' values, or ``None`` when any of them is missing, 不适用 or invalid."""
    values = [view.number(i) for i in items]
    return None if None in values else values


def active_apps_within_total(view):
    """月活跃工业APP数量 may not exceed the four APP categories together."""
    active, parts = view.number("apps_active"), _numbers(view, APP_ITEMS)
    if active is not None and parts is not None and active > sum(parts):
        yield Finding(
            severity=Severity.error,
            code="inconsistent.apps_active_within_total",
            item="apps_active",
            message=(
                f"月活跃工业APP数量（{fmt(active)}）不应超过四类工业APP数量合计"
                f"（{fmt(sum(parts))}）"
            ),
        )


def served_within_enterprises(view):
    """SMEs and local enterprises served are subsets of all enterprises served."""
    parts = _numbers(view, ENTERPRISE_ITEMS)
    if parts is None:
        return
    total = sum(parts)
    for item in ("sme_served", "local_enterprises_served"):
        value = view.number(item)
        if value is not None and value > total:
            yield Finding(
                severity=Severity.warning,
                code="inconsistent.served_within_enterprises",
                item=item,
                message=(
                    f"{view.label(item)}（{fmt(value)}）超过服务（接入）工业制造企业与工业服务"
                    f"企业合计（{fmt(total)}），二者应为包含关系，请核实统计口径"
                ),
            )


def overseas_consistent(view):
    """Overseas revenue needs overseas customers, and overseas customers need a country."""
    revenue = view.number("overseas_revenue")
    enterprises = view.number("overseas_enterprises")
    countries = view.number("overseas_countries")
    if revenue is not None and enterprises is not None and revenue > 0 and enterprises == 0:
        yield Finding(
            severity=Severity.warning,
            code="inconsistent.overseas_revenue_without_customers",
            item="overseas_enterprises",
            message=(
                f"填报了海外业务收入{fmt(revenue)}万元，但服务海外企业数量为0，请核实"
                "（海外收入应来自所服务的海外企业）"
            ),
        )
    if enterprises is not None and countries is not None and enterprises > 0 and countries == 0:
        yield Finding(
            severity=Severity.warning,
            code="inconsistent.overseas_customers_without_country",
            item="overseas_countries",
            message=f"服务海外企业{fmt(enterprises)}家，但业务覆盖国家和地区数量为0，请核实",
        )


@hookimpl
def register_validators(register):
    register(
        FRAMEWORK,
        active_apps_within_total,
        items=("apps_active", *APP_ITEMS),
        code="apps_active_within_total",
        description="月活跃工业APP数量不超过四类工业APP合计",
    )
    register(
        FRAMEWORK,
        served_within_enterprises,
        items=("sme_served", "local_enterprises_served", *ENTERPRISE_ITEMS),
        code="served_within_enterprises",
        description="服务中小企业、服务属地企业数量不超过服务工业企业合计",
    )
    register(
        FRAMEWORK,
        overseas_consistent,
        items=("overseas_revenue", "overseas_enterprises", "overseas_countries"),
        code="overseas_consistent",
        description="有海外收入须有海外客户，有海外客户须有覆盖国家和地区",
    )
