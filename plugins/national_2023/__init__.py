"""national_2023: the MIIT 2023 双跨平台 criteria set (5 dimensions, 21 indicators).

The criteria are data (``criteria.toml``); this module only hands them to the host and
adds the checks that need code: the declarative ``[[checks]]`` compare two items
(``left <= right``), while the checks below compare a sum of items, or ask whether a figure
is zero while another is not.
"""

from pathlib import Path

from iipeval.plugin import Finding, Severity, fmt, hookimpl

FRAMEWORK = "national_2023"
CRITERIA = Path(__file__).with_name("criteria.toml")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)


def overseas_consistent(view):
    """Overseas revenue needs overseas customers, and overseas customers need a country."""
    revenue = view.item_number("overseas_revenue")
    enterprises = view.item_number("overseas_enterprises")
    countries = view.item_number("overseas_countries")
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
        overseas_consistent,
        items=("overseas_revenue", "overseas_enterprises", "overseas_countries"),
        code="overseas_consistent",
        description="有海外收入须有海外客户，有海外客户须有覆盖国家和地区",
    )
