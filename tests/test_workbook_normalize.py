"""What applicants type, and what it is read as (core/scoring/normalize.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iipeval.core.model.application import NotApplicable
from iipeval.core.model.criteria import DataItem
from iipeval.core.scoring.normalize import (
    read_bool,
    read_credit_code,
    read_item,
    read_plain_text,
    read_text,
    unit_aliases,
)

COUNT = DataItem(id="devices_operating", label="运行设备连接数量", unit="台（套）", min=0)
MONEY = DataItem(id="platform_revenue", label="平台相关业务收入", unit="万元", type="number", min=0)
PERCENT = DataItem(id="paying_user_share", label="付费用户比例", unit="%", type="percent")
RATE = DataItem(id="investment_return", label="平台投资回报率", unit="%", type="number", min=-100)
NA_MONEY = DataItem(id="financing", label="资本融资金额", unit="万元", type="number", allow_na=True)
FLAG = DataItem(id="security_data", label="具备数据安全防护能力", type="bool")


@pytest.mark.parametrize(
    ("item", "typed", "value"),
    [
        (COUNT, "1,200", 1200),
        (COUNT, "12,345,678", 12345678),
        (COUNT, "１２００", 1200),
        (COUNT, "1.2万", 12000),
        (COUNT, "1.1万", 11000),
        (COUNT, "3亿", 300_000_000),
        (COUNT, "12 台", 12),
        (COUNT, "12台（套）", 12),
        (COUNT, "12套", 12),
        (COUNT, "1.2万台", 12000),
        (COUNT, "  1200\u3000", 1200),
        (COUNT, "1200", 1200),
        (COUNT, "1200.0", 1200),
        (PERCENT, "35%", 35),
        (PERCENT, "３５％", 35),
        (PERCENT, "35", 35),
        (PERCENT, "12.5%", 12.5),
        (RATE, "-12%", -12),
        (MONEY, "120万元", 120),
        (MONEY, "1.2亿元", 12000),
        (MONEY, "5000元", 0.5),
        (MONEY, "1,234.5", 1234.5),
    ],
)
def test_unambiguous_text_is_read_with_a_notice(item, typed, value):
    r = read_item(item, typed)
    assert r.ok, r.error
    assert r.value == value
    assert type(r.value) is type(value)
    assert r.note and typed.strip() in r.note and str(value) in r.note


@pytest.mark.parametrize(
    ("item", "typed", "code", "words"),
    [
        (COUNT, "1.2.3", "bad_number", "小数点只能有一个"),
        (COUNT, "约1000", "approximate", "不是确切数值"),
        (COUNT, "1000左右", "approximate", "不是确切数值"),
        (COUNT, "1000+", "approximate", "不是确切数值"),
        (COUNT, "1000余台", "approximate", "不是确切数值"),
        (COUNT, "1,20", "bad_separator", "千位分隔符"),
        (COUNT, "1.200,5", "bad_separator", "千位分隔符"),
        (COUNT, "12 吨", "unit_mismatch", "单位“吨”与本项不符（本项单位为台（套））"),
        (COUNT, "12人次", "unit_mismatch", "本项单位为台（套）"),
        (COUNT, "35%", "percent_in_count", "不能填写百分数"),
        (COUNT, "无", "unclear_nothing", "没有的请填0"),
        (COUNT, "-", "unclear_nothing", "没有的请填0"),
        (MONEY, "1.2万", "ambiguous_unit", "以万元为单位"),
        (MONEY, "3亿", "ambiguous_unit", "1.2亿元填12000"),
        (COUNT, "12 34", "bad_number", "只填写一个数字"),
    ],
)
def test_ambiguous_or_wrong_text_is_rejected_with_what_is_expected(item, typed, code, words):
    r = read_item(item, typed)
    assert not r.ok
    assert r.code == code
    assert words in r.error
    assert item.label in r.error
    assert r.value == typed.strip()  # kept as text: invalid, never "missing"


def test_plain_text_in_a_number_cell_says_what_is_expected():
    r = read_item(COUNT, "很多")
    assert r.code == "not_number"
    assert "以台（套）计的整数" in r.error and "很多" in r.error


def test_numbers_from_cells_pass_unchanged_and_silently():
    assert read_item(COUNT, 1200.0).value == 1200
    assert type(read_item(COUNT, 1200.0).value) is int
    r = read_item(MONEY, 1234.5)
    assert (r.value, r.note, r.error) == (1234.5, None, None)
    assert read_item(COUNT, -5.0).value == -5  # bounds are validation's job


def test_a_cell_shown_as_percent_is_35_for_a_percent_item_and_an_error_for_a_count():
    r = read_item(PERCENT, 0.35, shown_as_percent=True)
    assert r.value == 35 and "35%" in r.note
    r = read_item(COUNT, 0.35, shown_as_percent=True)
    assert r.code == "percent_in_count" and "35%" in r.error


def test_a_fraction_in_a_percent_item_is_accepted_with_a_warning():
    for typed in (0.35, "0.35"):
        r = read_item(PERCENT, typed)
        assert r.ok and r.value == 0.35 and r.code == "percent_fraction"
        assert "即0.35%" in r.warning and "请填35" in r.warning
    assert read_item(PERCENT, "0.35%").warning is None  # said explicitly
    assert read_item(PERCENT, 35.0).warning is None
    assert read_item(COUNT, 0.35).warning is None  # validation says: not an integer


@given(st.integers(min_value=0, max_value=10**15))
def test_any_count_with_thousands_separators_or_full_width_digits_reads_back(n):
    assert read_item(COUNT, f"{n:,}").value == n
    full_width = str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    assert read_item(COUNT, full_width).value == n
    assert read_item(COUNT, f"{n} 台").value == n


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_wan_multiplies_exactly(d):
    r = read_item(COUNT, f"{d}万")
    assert r.ok and r.value == d * 10000


def test_dates_are_rejected_and_named():
    r = read_item(COUNT, dt.datetime(2024, 1, 2))
    assert r.code == "date_value" and "2024-01-02" in r.error and "常规格式" in r.error


def test_empty_and_blank_are_missing_not_zero():
    for typed in (None, "", "   ", "\u3000"):
        r = read_item(COUNT, typed)
        assert r.value is None and r.ok and r.note is None


def test_not_applicable_is_its_own_answer():
    assert read_item(NA_MONEY, "不适用").value == NotApplicable()
    r = read_item(NA_MONEY, "不 适 用")
    assert r.value == NotApplicable() and "不适用" in r.note
    # an item that does not allow it still reads as 不适用: validation says it is not allowed
    assert read_item(COUNT, "不适用").value == NotApplicable()


def test_yes_no():
    assert read_bool(FLAG, "是").value is True and read_bool(FLAG, "是").note is None
    assert read_bool(FLAG, " 否 ").value is False
    assert read_bool(FLAG, True).value is True and "TRUE" in read_bool(FLAG, True).note
    r = read_bool(FLAG, "Y")
    assert r.code == "not_bool" and "“是”或“否”" in r.error
    assert read_bool(FLAG, 1.0).code == "not_bool"  # 1 for 是 is a guess


def test_choice_and_text():
    choice = DataItem(id="field", label="服务领域", type="choice", choices=["装备制造", "原材料"])
    assert read_text(choice, " 原材料 ").value == "原材料"
    assert read_text(choice, "消费品").code == "bad_choice"
    text = DataItem(id="url", label="网址", type="text")
    assert read_text(text, 12.0).value == "12"


def test_credit_code_as_text_is_trimmed_and_upper_cased():
    r = read_credit_code(" 91430100ma4l16jq9d ")
    assert r.value == "91430100MA4L16JQ9D" and "91430100MA4L16JQ9D" in r.note
    assert read_credit_code("91430100MA4L16JQ9D").note is None


def test_credit_code_turned_into_a_float_cannot_be_recovered():
    r = read_credit_code(9.14301001234568e17)
    assert not r.ok and r.code == "credit_code_number"
    assert "9.14301E+17" in r.error and "末几位已丢失" in r.error and "文本格式" in r.error
    assert r.value is None


def test_credit_code_stored_as_an_exact_18_digit_number_is_recovered():
    r = read_credit_code(9.14301001234568e17, exact_digits="914301001234567861")
    assert r.ok and r.value == "914301001234567861" and "请核对" in r.note
    assert read_credit_code(914301001234567861).value == "914301001234567861"
    # 15 significant digits in the file: lost
    assert not read_credit_code(9.14301001234568e17, exact_digits="9.14301001234568E+17").ok


def test_phone_stored_as_number_warns_about_a_lost_leading_zero():
    r = read_plain_text("联系电话", 73188888888.0)
    assert r.value == "73188888888" and "以0开头" in r.note


def test_unit_aliases():
    assert {"台", "套", "台套", "台(套)", "台（套）"} <= unit_aliases("台（套）")
    assert unit_aliases(None) == set()
