"""Blame lands on the right file (issue 22, §5).

Whoever can edit a form, copy one or hand in two must not be able to knock an applicant
out, void an expert, or pass a changed round off as reproduced: each case below names the
file at fault and leaves everyone else as they were.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support import code_for
from test_panel_integrity import (
    EXPERTS,
    STRONG,
    WEAK,
    by_key,
    issued_json_round,
    ranks,
    score,
)
from workbook_helpers import figures

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator

FW = Evaluator().framework("national_2023").framework


@pytest.fixture
def json_round(tmp_path):
    return issued_json_round(tmp_path)


def findings(data, code):
    return [f for f in data["findings"] if f["code"] == code]


def test_two_entries_for_one_application_refuse_the_form_and_name_its_expert_not_the_applicant(
    json_round,
):
    """Today the first entry counts, and the applicant is dropped as 不予推荐 with an
    error on its own file: anyone who can edit a form can knock out a competitor."""
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    [weak] = [r for r in form["reviews"] if r["application"] == WEAK]
    form["reviews"].append({**weak, "scores": dict.fromkeys(weak["scores"], 0)})
    e01.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    data = score(apps, reviews, code=1)
    [f] = findings(data, "review_form_duplicate_entry")
    assert f["file"] == str(e01) and "E01" in f["message"] and f["severity"] == "error"
    assert ranks(data) == {STRONG: 1, WEAK: 2}  # the applicant is untouched
    weak_result = by_key(data)[WEAK]
    assert weak_result["accepted"] and not [
        x for x in weak_result["findings"] if x["severity"] == "error"
    ]
    assert weak_result["panel_check"]["counted"] == ["E02", "E03"]  # the form is refused


def test_a_blank_copy_beside_the_filled_form_is_a_notice_and_the_expert_still_counts(
    json_round, tmp_path
):
    """Anyone holding a blank copy of an expert's form could void the expert by handing it
    in beside the filled one."""
    apps, reviews = json_round
    e02 = next(reviews.glob("review_*E02.json"))
    blank = json.loads(e02.read_text("utf-8"))
    for r in blank["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"])
    (reviews / "E02_blank_copy.json").write_text(json.dumps(blank, ensure_ascii=False), "utf-8")
    data = score(apps, reviews, code=0)
    [notice] = findings(data, "review_copy")
    assert notice["severity"] == "notice" and notice["file"].endswith("E02_blank_copy.json")
    assert "空白副本" in notice["message"] and str(e02) in notice["message"]
    assert by_key(data)[STRONG]["panel_check"]["counted"] == list(EXPERTS)


def test_two_filled_forms_of_one_expert_that_differ_are_both_named_and_neither_counts(
    json_round,
):
    apps, reviews = json_round
    e03 = next(reviews.glob("review_*E03.json"))
    other = json.loads(e03.read_text("utf-8"))
    for r in other["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"], 100 if r["application"] == WEAK else 0)
    second = reviews / "E03_second.json"
    second.write_text(json.dumps(other, ensure_ascii=False), "utf-8")
    data = score(apps, reviews, code=1)
    named = findings(data, "review_duplicate_expert")
    assert sorted(f["file"] for f in named) == sorted([str(e03), str(second)])
    assert all(str(e03) in f["message"] and str(second) in f["message"] for f in named)
    assert by_key(data)[STRONG]["panel_check"]["counted"] == ["E01", "E02"]
    assert ranks(data) == {STRONG: 1, WEAK: 2}


def _application(path, name, code, **items):
    data = {"framework": FW.id, "applicant": {"name": name, "credit_code": code}}
    data["items"] = figures(FW) | items
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def test_compare_names_two_new_files_with_one_credit_code_as_a_duplicate(tmp_path):
    """Today the second file is reported as a new applicant, and whichever file is matched
    decides what the reviewer sees as the resubmission."""
    old, new = tmp_path / "原", tmp_path / "新"
    old.mkdir()
    new.mkdir()
    code = code_for("甲")
    _application(old / "甲.json", "甲公司", code)
    _application(new / "甲.json", "甲公司", code)
    _application(new / "甲_另一份.json", "甲公司（另一份）", code, devices_operating=9_000_000)
    res = CliRunner().invoke(cli, ["compare", str(old), str(new), "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.output)
    [dup] = data["duplicates"]
    assert dup["credit_code"] == code and dup["round"] == "新"
    assert sorted(f["source"] for f in dup["files"]) == sorted(
        [str(new / "甲.json"), str(new / "甲_另一份.json")]
    )
    assert data["only_new"] == [] and data["applicants"] == [] and data["only_old"] == []
    text = CliRunner().invoke(cli, ["compare", str(old), str(new)]).output
    assert "重复：" in text and "甲_另一份.json" in text


def test_compare_marks_any_change_of_name_or_code_for_attention(tmp_path):
    """A name changed while a finding on it is being answered is still who the applicant
    is: the reviewer must look at it."""
    old, new = tmp_path / "原", tmp_path / "新"
    old.mkdir()
    new.mkdir()
    _application(old / "a.json", "甲公司", "91430100MA4L0XXX0X")  # a wrong code, asked about
    _application(new / "a.json", "甲公司", code_for("别人"))  # "fixed" to someone else's
    _application(old / "b.json", "乙公司", code_for("乙"))
    _application(new / "b.json", "乙有限公司", code_for("乙"))
    res = CliRunner().invoke(cli, ["compare", str(old), str(new), "--format", "json"])
    data = json.loads(res.output)
    changes = {(a["applicant"], c["key"]): c for a in data["applicants"] for c in a["changes"]}
    code_change = changes[("甲公司", "applicant.credit_code")]
    assert code_change["answers_finding"] and code_change["attention"]
    assert changes[("乙有限公司", "applicant.name")]["attention"]
    text = CliRunner().invoke(cli, ["compare", str(old), str(new)]).output
    assert "[数值变化·需关注] 统一社会信用代码" in text


def test_a_blank_credit_code_in_a_json_application_is_an_error(tmp_path):
    path = tmp_path / "a.json"
    _application(path, "甲公司", None)
    res = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"])
    assert res.exit_code == 1
    [said] = [
        f for r in json.loads(res.output)["files"] for f in r["findings"]
        if f["code"] == "credit_code_missing"
    ]  # fmt: skip
    assert said["severity"] == "error" and said["item"] == "applicant.credit_code"


def test_a_copy_saved_by_another_program_counts_as_the_same_form(json_round):
    """Key order and indentation differ, the scores do not: one form, a notice."""
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    resaved = reviews / "E01_resaved.json"
    resaved.write_text(json.dumps(form, ensure_ascii=False, indent=4, sort_keys=True), "utf-8")
    data = score(apps, reviews, code=0)
    assert [f["file"] for f in findings(data, "review_copy")] == [str(resaved)]
