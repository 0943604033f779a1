"""hunan_professional: 湖南省省级专业型工业互联网平台 (enterprise-level; 3 dimensions, 6 indicators).

The criteria are data (``criteria.toml``); this module hands them to the host and adds the
one 否决项 that needs code. It imports nothing from the other Hunan plugins on purpose: each
plugin stands alone, so the credit-code check below also appears in the other two.
"""

from pathlib import Path

from iipeval.core.hookspecs import hookimpl
from iipeval.core.validation import credit_code_problem

FRAMEWORK = "hunan_professional"
CRITERIA = Path(__file__).with_name("criteria.toml")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)


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
