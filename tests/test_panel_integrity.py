"""A review round no one can bend: only the panel's experts count, only what they were issued.

Each attack is built here from a clean round (two national applicants, a three-expert
panel, its signed forms and record) and must end as the organiser needs it: an error
finding naming the file (and cell), the forged scores not counted, ranks unchanged, exit 1.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from reports_batch import credit_code
from support import EXAMPLE_APPS, EXAMPLE_RECORD
from test_review_recalc import SOFFICE, recalc

from iipeval.cli.main import cli
from iipeval.excel.review.layout import FIRST_ROW, META, SCORES
from iipeval.excel.review.workbook import fingerprint

STRONG, WEAK = "91110108MA01K7Q36G", credit_code("91310115MA1K4B2C3")
EXPERTS = ("E01", "E02", "E03")
#: what a result of a clean round says of its panel: all three counted, nobody recused
#: or missing, and the round's rule
CLEAN_CHECK = {
    "verified": True,
    "counted": list(EXPERTS),
    "refused": [],
    "recused": [],
    "missing": [],
    "rule": "去掉最高、最低各20%后平均",
}
#: per expert: the strong applicant's and the weak one's score on every part
GIVEN = {"E01": (90, 60), "E02": (88, 62), "E03": (86, 58)}


def run(*args, code=None):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    if code is not None:
        assert res.exit_code == code, res.output[-3000:]
    return res


def panel_file(tmp: Path, *, panel="评审组A", round_id="第一轮", extra="", conflicts=None) -> Path:
    lines = [f'id = "{panel}"', f'round = "{round_id}"']
    for e in EXPERTS:
        lines += ["[[experts]]", f'id = "{e}"']
        if conflicts and e in conflicts:
            lines.append(f'conflicts = ["{conflicts[e]}"]')
    path = tmp / f"panel_{panel}_{round_id}.toml"
    path.write_text("\n".join(lines) + "\n" + extra, "utf-8")
    return path


def applications(tmp: Path) -> Path:
    folder = tmp / "apps"
    folder.mkdir()
    data = json.loads((EXAMPLE_APPS / "national_2023.json").read_text("utf-8"))
    (folder / "strong.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    weak = data["application"]
    weak["applicant"] = {
        **weak["applicant"],
        "name": "（示例）弱一些的平台公司",
        "credit_code": WEAK,
    }
    weak["items"] = {
        k: (max(1, v // 3) if isinstance(v, int) and not isinstance(v, bool) and v > 3 else v)
        for k, v in weak["items"].items()
    }
    (folder / "weak.json").write_text(
        json.dumps({"application": weak}, ensure_ascii=False), "utf-8"
    )
    return folder


def fill_json(path: Path) -> None:
    form = json.loads(path.read_text("utf-8"))
    strong, weak = GIVEN[form["expert"]]
    for r in form["reviews"]:
        value = strong if r["application"] == STRONG else weak
        r["scores"] = dict.fromkeys(r["scores"], value)
    path.write_text(json.dumps(form, ensure_ascii=False), "utf-8")


def meta_rows(wb) -> tuple[list[tuple], dict[str, int]]:
    """The [parts] (id, label, score col) and [rows] (key → row) of a workbook's _meta."""
    parts, rows, section = [], {}, None
    for row in wb[META].iter_rows(values_only=True):
        head = row[0] or ""
        if str(head).startswith("["):
            section = head
            continue
        if section == "[parts]" and row[1]:
            parts.append((row[1], row[2], int(row[4])))
        elif section == "[rows]" and row[1]:
            rows[str(row[2])] = int(row[1])
    return parts, rows


def fill_workbook(path: Path, expert: str) -> None:
    wb = openpyxl.load_workbook(path)
    parts, rows = meta_rows(wb)
    strong, weak = GIVEN[expert]
    for key, r in rows.items():
        for _, _, col in parts:
            wb[SCORES].cell(row=r, column=col, value=strong if key == STRONG else weak)
    wb.save(path)


#: the record of each round, by its applications' folder: kept apart from the forms, in a
#: folder of its own, as ``panel --record`` writes it
RECORDS: dict[Path, Path] = {}


def issue(apps: Path, panel: Path, reviews: Path, *extra, code=0) -> Path:
    """``iipeval panel`` into ``reviews``, the record into ``private/`` beside it."""
    record = reviews.parent / "private" / f"{reviews.name}-record.json"
    run("panel", apps, "--panel", panel, "-o", reviews, "--record", record, *extra, code=code)
    RECORDS.setdefault(apps, record)
    return record


@pytest.fixture
def json_round(tmp_path):
    return issued_json_round(tmp_path)


def issued_json_round(tmp_path: Path) -> tuple[Path, Path]:
    """Two applications, three experts' signed JSON forms filled; the record apart."""
    apps = applications(tmp_path)
    reviews = tmp_path / "reviews"
    issue(apps, panel_file(tmp_path), reviews, "--forms", "json")
    for p in reviews.glob("review_*.json"):
        fill_json(p)
    return apps, reviews


@pytest.fixture(scope="module")
def xlsx_round(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xlsx_round")
    apps = applications(tmp)
    reviews = tmp / "reviews"
    conflicts = {"E03": WEAK}
    issue(apps, panel_file(tmp, conflicts=conflicts), reviews)
    for e in EXPERTS:
        [path] = reviews.glob(f"review_*_{e}.xlsx")
        fill_workbook(path, e)
    return apps, reviews


def score(apps, reviews, *extra, code, record=True):
    """``score --format json`` with the round's record (``record=None``: without one)."""
    given = ["--panel-record", RECORDS[apps]] if record is True else []
    given = ["--panel-record", record] if record not in (True, None) else given
    res = run("score", apps, "--reviews", reviews, *given, *extra, "--format", "json", code=code)
    return json.loads(res.output)


def by_key(data) -> dict[str, dict]:
    return {r["credit_code"]: r for r in data["results"]}


def codes(data) -> list[str]:
    return [f["code"] for f in data["findings"]]


def ranks(data) -> dict[str, int]:
    return {e["key"]: e["rank"] for rk in data["rankings"] for e in rk["entries"]}


# ---------------------------------------------------------------------------------------
# the clean round


def test_clean_round_verifies_with_no_finding_and_says_whose_scores_count(json_round):
    apps, reviews = json_round
    data = score(apps, reviews, code=0)
    assert [f for f in data["findings"] if f["severity"] != "notice"] == []
    assert ranks(data) == {STRONG: 1, WEAK: 2}
    for r in data["results"]:
        assert r["panel_check"] == CLEAN_CHECK
        assert not r["provisional"]
    assert data["review_panel"]["verified"] is True
    assert data["review_panel"]["round"] == "第一轮"


def test_record_holds_the_key_readable_by_its_owner_only(json_round):
    apps, reviews = json_round
    record = RECORDS[apps]
    assert record.stat().st_mode & 0o777 == 0o600
    assert record.parent.stat().st_mode & 0o777 == 0o700  # the folder panel made for it
    assert not list(reviews.glob("*record*"))  # nothing of it among the forms
    key = json.loads(record.read_text("utf-8"))["key"]
    for form in reviews.glob("review_*.json"):
        assert key not in form.read_text("utf-8")  # never inside a form


def test_the_bundled_example_round_verifies_and_keeps_its_totals():
    examples = EXAMPLE_APPS.parent
    data = score(examples / "applications", examples / "reviews", code=0, record=EXAMPLE_RECORD)
    totals = {r["framework"]: round(r["total"], 2) for r in data["results"]}
    assert totals == {
        "national_2023": 85.88,
        "hunan_comprehensive": 85.11,
        "hunan_characteristic": 81.63,
        "hunan_professional": 85.78,
    }
    assert all(r["panel_check"]["verified"] for r in data["results"])
    # issued under today's parameters: the forms say nothing stale, nothing else is wrong
    assert [f["code"] for f in data["findings"] if f["severity"] != "notice"] == []


# ---------------------------------------------------------------------------------------
# scores that do not come from the panel


def test_scores_inside_an_application_file_are_an_error_and_never_count(json_round, tmp_path):
    apps, reviews = json_round
    clean = by_key(score(apps, reviews, code=0))[WEAK]
    weak = apps / "weak.json"
    data = json.loads(weak.read_text("utf-8"))
    parts = json.loads(next(reviews.glob("review_*E01.json")).read_text("utf-8"))["parts"]
    data["reviews"] = [
        {"expert": f"X{n:02d}", "application": WEAK, "scores": {p["id"]: 100 for p in parts}}
        for n in range(10)
    ] + [{"expert": "E01", "application": WEAK, "scores": {p["id"]: 100 for p in parts}}]
    weak.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = score(apps, reviews, code=1)
    r = by_key(out)[WEAK]
    [f] = [f for f in r["findings"] if f["code"] == "reviews_in_application"]
    assert f["severity"] == "error" and f["file"] == str(weak)
    assert r["panel_check"]["counted"] == list(EXPERTS)  # the invented experts are not there
    assert r["total"] == clean["total"] and r["panels"] == clean["panels"]
    assert ranks(out) == {STRONG: 1, WEAK: None}  # and it goes back for 补正


def test_without_the_record_scoring_runs_but_every_result_is_unverified(json_round, tmp_path):
    apps, reviews = json_round
    data = score(apps, reviews, code=0, record=None)
    assert "panel_unverified" in codes(data)
    assert all(r["panel_check"]["verified"] is False for r in data["results"])
    assert data["review_panel"]["verified"] is False


def test_a_form_copied_for_an_invented_expert_is_refused(json_round):
    apps, reviews = json_round
    original = next(reviews.glob("review_*E01.json"))
    for n in range(6, 16):
        form = json.loads(original.read_text("utf-8"))
        form["expert"] = f"E{n:02d}"
        for r in form["reviews"]:
            r["scores"] = dict.fromkeys(r["scores"], 100 if r["application"] == WEAK else 0)
        (reviews / f"review_copy_E{n:02d}.json").write_text(json.dumps(form), "utf-8")
    data = score(apps, reviews, code=1)
    refused = [f for f in data["findings"] if f["code"] == "review_not_on_panel"]
    assert len(refused) == 10 and all("review_copy_E" in f["file"] for f in refused)
    assert ranks(data) == {STRONG: 1, WEAK: 2}
    assert by_key(data)[WEAK]["panel_check"]["counted"] == list(EXPERTS)
    assert len(by_key(data)[WEAK]["panel_check"]["refused"]) == 10


def test_a_real_experts_form_with_another_expert_id_fails_its_signature(json_round):
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    e02 = next(reviews.glob("review_*E02.json"))
    form = json.loads(e01.read_text("utf-8"))
    form["expert"] = "E02"  # E02 is on the panel: only the signature can tell
    e02.write_text(json.dumps(form), "utf-8")
    data = score(apps, reviews, code=1)
    [f] = [f for f in data["findings"] if f["code"] == "review_signature"]
    assert f["file"] == str(e02)
    assert by_key(data)[WEAK]["panel_check"]["counted"] == ["E01", "E03"]


def test_a_form_from_another_round_is_refused(json_round, tmp_path):
    apps, reviews = json_round
    other = tmp_path / "other"
    issue(apps, panel_file(tmp_path, round_id="第二轮"), other, "--forms", "json")
    stray = next(other.glob("review_*E01.json"))
    fill_json(stray)
    shutil.copy(stray, reviews / "from_round_two_E01.json")
    data = score(apps, reviews, code=1)
    [f] = [f for f in data["findings"] if f["code"] == "review_other_round"]
    assert f["file"].endswith("from_round_two_E01.json") and "第二轮" in f["message"]


def test_a_form_for_an_expert_outside_the_roster_is_refused_even_when_signed_alike(
    json_round, tmp_path
):
    apps, reviews = json_round
    other = tmp_path / "other"
    extra = '[[experts]]\nid = "E99"\n'
    issue(apps, panel_file(tmp_path, extra=extra), other, "--forms", "json")
    stray = next(other.glob("review_*E99.json"))
    fill_json_as = json.loads(stray.read_text("utf-8"))
    for r in fill_json_as["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"], 100)
    (reviews / "review_E99.json").write_text(json.dumps(fill_json_as), "utf-8")
    data = score(apps, reviews, code=1)
    assert "review_not_on_panel" in codes(data)
    assert ranks(data) == {STRONG: 1, WEAK: 2}


def test_an_identical_copy_of_an_experts_form_is_a_notice_and_the_form_counts(json_round):
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    shutil.copy(e01, reviews / "E01_second_copy.json")
    data = score(apps, reviews, code=0)
    [notice] = [f for f in data["findings"] if f["code"] == "review_copy"]
    assert notice["severity"] == "notice" and notice["file"].endswith("E01_second_copy.json")
    assert by_key(data)[STRONG]["panel_check"]["counted"] == list(EXPERTS)


def test_a_row_for_an_application_not_on_the_form_is_refused(json_round):
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    form["reviews"].append({"application": "91440300MA5H6J7K8X", "scores": {}})
    e01.write_text(json.dumps(form), "utf-8")
    data = score(apps, reviews, code=1)
    assert any(
        f["code"] == "review_not_assigned" and f["file"] == str(e01) for f in data["findings"]
    )


def test_scores_out_of_range_are_errors_and_the_batch_is_not_final(json_round):
    apps, reviews = json_round
    e02 = next(reviews.glob("review_*E02.json"))
    form = json.loads(e02.read_text("utf-8"))
    for r in form["reviews"]:
        r["scores"] = dict.fromkeys(r["scores"], 1000)
    e02.write_text(json.dumps(form), "utf-8")
    data = score(apps, reviews, code=1)
    bad = [f for f in data["findings"] if f["code"] == "review_bad_score"]
    assert bad and all(f["severity"] == "error" and "1000" in f["message"] for f in bad)
    assert all(1000 not in p["experts"].values() for r in data["results"] for p in r["panels"])


def test_a_record_given_explicitly_is_checked(json_round, tmp_path):
    apps, reviews = json_round
    bad = tmp_path / "record.json"
    bad.write_text('{"format": "iipeval.panel-record", "round": 1}', "utf-8")
    bad.chmod(0o600)
    res = run("score", apps, "--reviews", reviews, "--panel-record", bad, code=2)
    assert str(bad) in res.output and "评审组登记" in res.output


def test_panel_never_replaces_a_record_not_even_with_force(json_round, tmp_path):
    apps, _reviews = json_round
    record = RECORDS[apps]
    before = record.read_bytes()
    res = run("panel", apps, "--panel", panel_file(tmp_path), "-o", tmp_path / "again",
              "--record", record, "--forms", "json", "--force", code=2)  # fmt: skip
    assert str(record) in res.output and "已存在" in res.output and "换新密钥" in res.output
    assert record.read_bytes() == before and not (tmp_path / "again").exists()


# ---------------------------------------------------------------------------------------
# expert workbooks


def test_a_filled_workbook_round_verifies(xlsx_round):
    apps, reviews = xlsx_round
    data = score(apps, reviews, code=0)
    assert ranks(data) == {STRONG: 1, WEAK: 2}
    assert by_key(data)[WEAK]["panel_check"]["counted"] == ["E01", "E02"]  # E03 recused
    assert by_key(data)[STRONG]["panel_check"]["counted"] == list(EXPERTS)


def test_workbook_copies_renamed_with_a_recomputed_fingerprint_are_refused(xlsx_round, tmp_path):
    apps, original = xlsx_round
    reviews = tmp_path / "reviews"
    shutil.copytree(original, reviews)
    [e01] = reviews.glob("review_*_E01.xlsx")
    for n in range(6, 9):
        wb = openpyxl.load_workbook(e01)
        ws = wb[META]
        for row in ws.iter_rows():
            if row[0].value == "expert":
                row[1].value = f"E0{n}"
        # the plain fingerprint is easy to redo; the signature is not
        parts, rows = meta_rows(wb)
        for row in ws.iter_rows():
            if row[0].value == "fingerprint":
                row[1].value = fingerprint(
                    [[p, c, c + 1] for p, _, c in parts], [[r, k] for k, r in rows.items()]
                )
        wb.save(reviews / f"review_copy_E0{n}.xlsx")
    data = score(apps, reviews, code=1)
    refused = [f for f in data["findings"] if f["code"] == "review_not_on_panel"]
    assert len(refused) == 3
    assert by_key(data)[STRONG]["panel_check"]["counted"] == list(EXPERTS)


def test_a_recused_expert_who_adds_the_excluded_row_is_refused(xlsx_round, tmp_path):
    apps, original = xlsx_round
    reviews = tmp_path / "reviews"
    shutil.copytree(original, reviews)
    [e03] = reviews.glob("review_*_E03.xlsx")
    wb = openpyxl.load_workbook(e03)
    parts, rows = meta_rows(wb)
    new_row = FIRST_ROW + len(rows)
    ws = wb[SCORES]
    ws.cell(row=new_row, column=3, value=WEAK)
    for _, _, col in parts:
        ws.cell(row=new_row, column=col, value=100)
    meta = wb[META]
    last = max(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "[rows]")
    meta.insert_rows(last + 2)
    for c, v in enumerate(["", new_row, WEAK, "（示例）弱一些的平台公司"], start=1):
        meta.cell(row=last + 2, column=c, value=v)
    wb.save(e03)
    data = score(apps, reviews, code=1)
    [f] = [f for f in data["findings"] if f["code"] == "review_signature"]
    assert f["file"] == str(e03)
    assert by_key(data)[WEAK]["panel_check"]["counted"] == ["E01", "E02"]


def test_swapped_part_columns_are_caught_by_the_fingerprint_without_a_record(xlsx_round, tmp_path):
    """Without a record only the fingerprint protects the column plan; skip it and the
    expert's scores land on the wrong parts."""
    apps, original = xlsx_round
    reviews = tmp_path / "reviews"
    shutil.copytree(original, reviews)
    [e01] = reviews.glob("review_*_E01.xlsx")
    wb = openpyxl.load_workbook(e01)
    meta = wb[META]
    start = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "[parts]")
    a, b = start + 1, start + 2  # two part rows: swap their ids, keep labels and columns
    meta.cell(a, 2).value, meta.cell(b, 2).value = meta.cell(b, 2).value, meta.cell(a, 2).value
    wb.save(e01)
    data = score(apps, reviews, code=1, record=None)
    assert any(f["code"] == "review_structure" and f["file"] == str(e01) for f in data["findings"])


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs it"
)
def test_a_workbook_filled_and_saved_by_libreoffice_still_verifies(xlsx_round, tmp_path):
    apps, original = xlsx_round
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    saved = recalc(sorted(original.glob("review_*.xlsx")), tmp_path / "lo")
    for p in saved:
        shutil.copy(p, reviews / p.name)
    data = score(apps, reviews, code=0)
    assert not [f for f in data["findings"] if f["severity"] == "error"]
    assert by_key(data)[STRONG]["panel_check"] == CLEAN_CHECK


def test_an_unsigned_form_is_refused_with_the_message_that_says_what_to_do(json_round, xlsx_round):
    """A form whose signature is gone (not issued by ``panel`` for this round, or the
    signature deleted) is told apart from one whose signature does not match: the clerk
    reading the list must know to ask for the original form."""
    apps, reviews = json_round
    e01 = next(reviews.glob("review_*E01.json"))
    form = json.loads(e01.read_text("utf-8"))
    form["signature"] = ""
    e01.write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    data = score(apps, reviews, code=1)
    [f] = [f for f in data["findings"] if f["code"] == "review_signature"]
    assert f["file"] == str(e01) and f["severity"] == "error"
    assert f["message"] == (
        "评分表没有签名（不是由 iipeval panel 为本轮下发的评分表，或签名已被删除），评分未计入；"
        "请让专家在组织方下发的原评分表上填写"
    )
    x_apps, x_reviews = xlsx_round
    copy = json_round[1].parent / "xlsx"
    shutil.copytree(x_reviews, copy)
    [x01] = copy.glob("review_*_E01.xlsx")
    wb = openpyxl.load_workbook(x01)
    for row in wb[META].iter_rows():
        if row[0].value == "signature":
            row[1].value = None
    wb.save(x01)
    data = score(x_apps, copy, code=1)
    [g] = [g for g in data["findings"] if g["code"] == "review_signature"]
    assert g["file"] == str(x01) and g["message"] == f["message"]  # the same words, any form
