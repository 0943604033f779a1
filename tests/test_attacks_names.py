"""回避 by name cannot be dodged by spelling (issue 22, §4).

An expert declares a conflict with an applicant by its name; the applicant's file spells
the name with half-width brackets, a zero-width or no-break space, full-width letters or
another case. Matched after one normalisation (:func:`iipeval.core.text.normal_key`), the
application stays off the expert's form, a score that still reaches the panel is refused
at scoring, and the name is shown as written everywhere.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_panel_integrity import (
    EXPERTS,
    GIVEN,
    RECORDS,
    STRONG,
    WEAK,
    applications,
    by_key,
    fill_json,
    issue,
    panel_file,
    score,
)

from iipeval.cli.main import cli
from iipeval.core.text import normal_key

DECLARED = "（示例）弱一些的平台公司"  # as the expert wrote it in panel.toml


def rename(apps, name: str) -> None:
    weak = apps / "weak.json"
    data = json.loads(weak.read_text("utf-8"))
    data["application"]["applicant"]["name"] = name
    weak.write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def json_forms(tmp_path, name: str, conflicts: dict[str, str] | None):
    apps = applications(tmp_path)
    rename(apps, name)
    reviews = tmp_path / "reviews"
    issue(apps, panel_file(tmp_path, conflicts=conflicts), reviews, "--forms", "json")
    for p in reviews.glob("review_*.json"):
        fill_json(p)
    return apps, reviews


@pytest.mark.parametrize(
    "spelt",
    [
        "(示例)弱一些的平台公司",  # half-width brackets
        "（示例）弱一些的\u200b平台公司",  # a zero-width space
        "（示例）弱一些的\u00a0平台公司",  # a no-break space
        "（示例）弱一些的平台公司\u3000 ",  # trailing spaces, one of them full-width
        "（示例） 弱一些的 平台公司",  # spaces inside
    ],
    ids=["brackets", "zero-width", "no-break", "trailing", "inner-spaces"],
)
def test_a_conflict_by_name_holds_however_the_applicant_spells_its_name(tmp_path, spelt):
    apps, reviews = json_forms(tmp_path, spelt, {"E03": DECLARED})
    e03 = json.loads(next(reviews.glob("review_*E03.json")).read_text("utf-8"))
    assert [a["key"] for a in e03["applications"]] == [STRONG]  # recused: not on the form
    data = score(apps, reviews, code=0)
    assert by_key(data)[WEAK]["panel_check"]["counted"] == ["E01", "E02"]
    assert by_key(data)[WEAK]["applicant"] == spelt  # shown as written


def test_full_width_letters_and_case_match_too():
    assert normal_key("ＡＢＣ平台（长沙）有限公司") == normal_key("abc平台(长沙)有限公司")
    assert normal_key(" 9143 0100ma4l7x2k5m\u200b") == normal_key("91430100MA4L7X2K5M")
    assert normal_key("甲公司") != normal_key("乙公司")


def test_a_row_the_record_issued_is_still_refused_when_its_expert_declared_a_conflict(
    tmp_path,
):
    """A record issued before spellings were matched (or edited since) lists the row on
    the recused expert's form: at scoring every counted row is checked against the
    record's conflicts, issued or not."""
    apps, reviews = json_forms(tmp_path, DECLARED, None)
    record = RECORDS[apps]
    data = json.loads(record.read_text("utf-8"))
    [e03] = [e for e in data["experts"] if e["id"] == "E03"]
    e03["conflicts"] = ["(示例)弱一些的平台公司"]  # a spelling the issued row does not carry
    record.write_text(json.dumps(data, ensure_ascii=False), "utf-8")  # still 0600
    out = score(apps, reviews, code=1)
    [f] = [f for f in out["findings"] if f["code"] == "review_recused"]
    assert "E03" in f["message"] and f["file"].endswith("E03.json")
    assert by_key(out)[WEAK]["panel_check"]["counted"] == ["E01", "E02"]
    assert by_key(out)[STRONG]["panel_check"]["counted"] == list(EXPERTS)


def test_an_applicant_renamed_after_the_forms_went_out_is_checked_by_its_name_now(tmp_path):
    """The conflict names the applicant as it is called now; the forms were issued under
    an earlier name. The score of the recused expert is refused, said on the expert's form,
    and the applicant is not blamed."""
    apps, reviews = json_forms(tmp_path, "（示例）旧名称公司", {"E03": DECLARED})
    rename(apps, DECLARED.replace("（", "(").replace("）", ")"))  # renamed, other brackets
    data = score(apps, reviews, code=0)
    weak = by_key(data)[WEAK]
    assert weak["panel_check"]["counted"] == ["E01", "E02"]
    [refused] = [r for r in weak["panel_check"]["refused"] if r["expert"] == "E03"]
    assert "回避" in refused["reason"] and refused["file"].endswith("E03.json")
    said = [f for f in weak["findings"] if f["code"] == "review_recused"]
    assert said and all(f["severity"] == "warning" for f in said) and weak["accepted"]
    assert weak["panels"][0]["experts"] == {e: float(GIVEN[e][1]) for e in ("E01", "E02")}


def test_validate_warns_about_invisible_characters_in_an_applicant_name(tmp_path):
    apps = applications(tmp_path)
    rename(apps, "（示例）弱一些的\u200b平台\u00a0公司")
    res = CliRunner().invoke(cli, ["validate", str(apps / "weak.json"), "--format", "json"])
    [said] = [
        f
        for r in json.loads(res.output)["files"]
        for f in r["findings"]
        if f["code"] == "name_unseen_characters"
    ]
    assert said["severity"] == "warning" and said["item"] == "applicant.name"
    assert "U+200B" in said["message"] and "U+00A0" in said["message"]
