"""The 核查表's cell plan, shared by the writer (:mod:`.sheet`) and the reader (:mod:`.reader`)."""

from __future__ import annotations

from pathlib import Path

SHEET = "核查表"
META = "_verify"
FORMAT = "iipeval.verification"
#: 2: signed with the round's key and recorded in its ledger (core/round/site_checks.py)
VERSION = 2
FIRST_ROW = 5
HEADERS = (
    ("序号", 5),
    ("数据项", 24),
    ("核查提示", 22),
    ("单位", 7),
    ("申报值", 20),  # an 18-character credit code on one line
    ("核查值", 20),
    ("核查依据（佐证）", 22),
    ("备注", 14),
    ("核查人", 10),
    ("核查日期", 11),
)
OPEN_COLUMNS = "FGHIJ"  # the five the verifiers fill in
SHOWN_COLUMNS = "BCDE"  # what they read of each row: item, hint, unit, declared value
VALUE, VERIFIER, DATE = "F", "I", "J"
APPLICANT_LABELS = {
    "name": "申报单位名称",
    "credit_code": "统一社会信用代码",
    "platform_name": "平台名称",
    "region": "所在地区",
}
#: 基本信息 the verifiers confirm against the business licence, before the figures
APPLICANT_FIELDS = ("name", "credit_code", "platform_name", "region")
APPLICANT = "applicant."
#: who signs under the table, on paper
SIGNATURES = ("核查组（签字）", "被核查单位（盖章）", "被核查单位负责人（签字）")


def title(applicant: str) -> str:
    return f"调研核查表：{applicant}"


def header(credit_code: str, framework_name: str, source: str) -> str:
    return (
        f"统一社会信用代码：{credit_code or '（未填写）'}　评价体系：{framework_name}"
        f"　申报文件：{Path(source).name}"
    )
