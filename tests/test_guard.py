"""The pre-parse guard refuses every file of the hostile corpus with a clear message."""

import sys
from pathlib import Path

import pytest

from iipeval.core.intake.guard import GuardLimits, guard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.corpus.make_corpus import EXPECTED, NOTICES, make


@pytest.fixture(scope="module")
def good_workbook(tmp_path_factory):
    from workbook_helpers import figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel.application import template

    fw = Evaluator().framework("national_2023").framework
    path = tmp_path_factory.mktemp("good") / "national_2023.xlsx"
    template.write(fw, path)
    return fill(path, figures(fw))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, good_workbook):
    out = tmp_path_factory.mktemp("corpus")
    make(out, good_workbook)
    return out


@pytest.mark.parametrize(("name", "code"), sorted(EXPECTED.items()))
def test_hostile_file_is_refused_before_parsing(corpus, name, code):
    report = guard(corpus / name)
    assert report.code == code, report
    assert report.problem and ("请" in report.problem or "拒绝" in report.problem)


def test_macro_workbook_is_read_as_data_with_a_notice(corpus):
    report = guard(corpus / "macro.xlsm")
    assert report.problem is None
    assert [code for code, _ in report.notices] == list(NOTICES.values())


def test_good_workbook_passes(good_workbook):
    assert guard(good_workbook).problem is None


def test_limits_are_parameters(good_workbook):
    tight = GuardLimits(max_file_bytes=1000)
    assert guard(good_workbook, tight).code == "file_too_large"
    assert guard(good_workbook, GuardLimits(max_members=3)).code == "too_many_parts"


def test_encrypted_message_tells_what_to_do(corpus):
    assert "在 Excel 中取消密码后重新提交" in guard(corpus / "encrypted.xlsx").problem


def test_limits_come_from_the_parameters_file(tmp_path, good_workbook):
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.params import load_parameters
    from iipeval.excel.application.reader import read_workbook

    params = tmp_path / "p.toml"
    params.write_text("[input]\nmax_file_bytes = 1000\n", "utf-8")
    ev = Evaluator(params=load_parameters(params))
    loaded = read_workbook(good_workbook, ev)
    assert loaded.submission is None and loaded.findings[0].code == "file_too_large"
    assert ev.effective("national_2023").hash() == Evaluator().effective("national_2023").hash()


def test_openpyxl_parses_xml_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
