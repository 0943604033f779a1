"""What a command cannot compute or must not accept is refused with a Chinese sentence,
never answered with a number or a Python repr: option values that are not finite, numbers
that overflow, columns named twice, applications that cannot be scored, matrices past a
stated size, verified values that are formulas or absurd, a manifest of another format,
a JSON ``null``, and a file that would flood the report with findings."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from door_commands import EXAMPLES, build, invoke

from iipeval.core.findings import MAX_PER_FILE


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return build(tmp_path_factory.mktemp("round"))


def clean(res) -> None:
    text = res.output
    assert "Traceback" not in text and "内部出错" not in text, text
    assert "RuntimeWarning" not in text and "Input should" not in text, text
    assert not re.search(r"\w+Error\(|<class '", text), text  # no Python repr


# -- option values ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_weights_derive_threshold_that_is_not_finite_is_named_as_the_option(env, tmp_path, value):
    res = invoke("weights", "derive", env.questionnaires, "-o", tmp_path / "w.toml",
                 "--threshold", value)  # fmt: skip
    clean(res)
    assert res.exit_code == 2 and "--threshold" in res.output and "有限的数值" in res.output
    assert "_meta" not in res.output  # not blamed on the questionnaires


@pytest.mark.parametrize(
    "args",
    [
        ["robustness", "{apps}", "-o", "{out}/r.json", "--spread", "nan"],
        ["weights", "objective", "--matrix", "{matrix}", "--method", "entropy", "--alpha", "inf"],
        [
            "weights",
            "questionnaire",
            "national_2023",
            "--panel",
            "{panel}",
            "-o",
            "{out}/q",
            "--threshold",
            "nan",
        ],
    ],
    ids=["robustness --spread", "weights objective --alpha", "weights questionnaire --threshold"],
)
def test_an_option_value_that_is_not_finite_is_refused_before_any_work(env, tmp_path, args):
    values = {"apps": env.apps, "out": tmp_path, "matrix": env.matrix, "panel": env.panel}
    res = invoke(*[a.format(**values) for a in args])
    clean(res)
    assert res.exit_code == 2 and "有限的数值" in res.output and args[-2] in res.output
    assert list(tmp_path.iterdir()) == []


# -- numbers a routine cannot compute ---------------------------------------------------------


def test_weights_ahp_a_gbk_csv_is_named_as_an_encoding_not_a_python_repr(tmp_path):
    path = tmp_path / ("判断矩阵" * 20 + ".csv")
    path.write_bytes("准则,质量,价格\n质量,1,3\n价格,1/3,1\n".encode("gbk"))
    res = invoke("weights", "ahp", path)
    clean(res)
    assert res.exit_code == 1 and "GBK" in res.output and "UTF-8" in res.output, res.output


def test_weights_ahp_a_matrix_past_the_stated_size_is_refused(tmp_path):
    n = 60
    rows = [",".join(["准则", *(f"c{j}" for j in range(n))])]
    rows += [",".join([f"c{i}", *("1" for _ in range(n))]) for i in range(n)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows), "utf-8")
    res = invoke("weights", "ahp", path)
    clean(res)
    assert res.exit_code == 1 and "超过上限 50" in res.output
    assert res.output.count("错误：") == 1


def _matrix(tmp_path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path = tmp_path / "data.csv"
    lines = [",".join(header), ",".join(["benefit"] * len(header))]
    lines += [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines), "utf-8")
    return path


@pytest.mark.parametrize("method", ["entropy", "critic"])
def test_weights_objective_values_that_overflow_are_refused_not_equal_weights(tmp_path, method):
    path = _matrix(tmp_path, ["a", "b", "c"], [[1e308, 1, 2], [1.5e308, 3, 1], [1.7e308, 2, 5]])
    res = invoke("weights", "objective", "--matrix", path, "--method", method)
    clean(res)
    assert res.exit_code == 1 and "溢出" in res.output, res.output
    assert "\t" not in res.output  # no weight printed


def test_weights_objective_columns_named_twice_are_refused_not_merged(tmp_path):
    path = _matrix(tmp_path, ["a", "b", "a"], [[1, 2, 3], [2, 5, 1], [4, 1, 2]])
    res = invoke("weights", "objective", "--matrix", path, "--method", "critic")
    clean(res)
    assert res.exit_code == 1 and "列名重复：a" in res.output, res.output


def test_weights_objective_a_csv_past_the_stated_size_is_refused(tmp_path):
    cols = 20_000  # 0.77 MB of CSV; CRITIC would need a 20,000² correlation matrix
    path = _matrix(tmp_path, [f"c{j}" for j in range(cols)], [[k + j % 7 for j in range(cols)]
                                                             for k in range(3)])  # fmt: skip
    res = invoke("weights", "objective", "--matrix", path, "--method", "critic")
    clean(res)
    assert res.exit_code == 1 and "超过上限" in res.output, res.output


def test_weights_objective_applications_it_cannot_score_stop_the_run(env, tmp_path):
    apps = tmp_path / "apps"
    shutil.copytree(env.apps, apps)
    (apps / "坏.json").write_text("{", "utf-8")
    out = tmp_path / "o.toml"
    res = invoke("weights", "objective", apps, "--reviews", env.reviews, "--framework",
                 "national_2023", "--method", "critic", "-o", out)  # fmt: skip
    clean(res)
    assert res.exit_code == 1 and "坏.json" in res.output and "未计算客观权重" in res.output
    assert not out.exists()


# -- 核查表 values, the manifest, parameters, applications -----------------------------------


def _verified(env, tmp_path: Path, value) -> dict:
    sheets = tmp_path / "sheets"
    shutil.copytree(env.sheets, sheets)
    path = sheets / "a0_核查表.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["核查表"]
    items = [r[1] for r in wb["_verify"].iter_rows(values_only=True) if r[0] == "item"]
    row = 5 + items.index("devices_operating")  # the sheet shows labels; _verify keeps ids
    ws[f"F{row}"], ws[f"I{row}"], ws[f"J{row}"] = value, "王核查", "2026-12-05"
    wb.save(path)
    out = tmp_path / "r.json"
    res = invoke("score", env.apps, "--reviews", env.reviews, "--panel-record", env.record,
                 "--verified", sheets, "-o", out)  # fmt: skip
    clean(res)
    assert res.exit_code == 1, res.output
    data = json.loads(out.read_text("utf-8"))
    return {f["code"]: f for f in data["findings"]}, row


@pytest.mark.parametrize(
    ("value", "code"),
    [(1e308, "too_large"), ("1e308", "bad_number"), ("=1+1", "verification_formula")],
    ids=["number", "text", "formula"],
)
def test_score_verified_an_absurd_value_or_a_formula_is_refused_at_its_cell(
    env, tmp_path, value, code
):
    findings, row = _verified(env, tmp_path, value)
    assert code in findings, findings
    assert findings[code]["cell"] == f"F{row}"


def test_reproduce_refuses_a_manifest_whose_format_field_is_wrong(env, tmp_path):
    data = json.loads(env.manifest.read_text("utf-8"))
    data["format"] = "something.else"
    path = tmp_path / "m.manifest.json"
    path.write_text(json.dumps(data), "utf-8")
    res = invoke("reproduce", path)
    clean(res)
    assert res.exit_code == 2 and "不是 iipeval 的运行记录" in res.output


def test_a_bad_publication_date_is_explained_in_chinese(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text('[publication]\nstart = "2026-13-45"\n', "utf-8")
    res = invoke("score", EXAMPLES / "national_2023.json", "--params", params)
    clean(res)
    assert res.exit_code == 2 and "应为日期" in res.output, res.output


@pytest.mark.parametrize("text", ["null", "[]", '{"application": null}', "7"])
def test_validate_a_json_that_is_not_an_application_gets_its_finding(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text, "utf-8")
    res = invoke("validate", path)
    clean(res)
    assert res.exit_code == 1 and "需补正（错误 1 条）" in res.output, res.output
    assert "无问题" not in res.output


def test_validate_one_file_yields_a_bounded_number_of_findings_the_rest_counted(tmp_path):
    data = json.loads((EXAMPLES / "national_2023.json").read_text("utf-8"))
    data["application"]["items"].update({f"unknown_{k:05d}": 1 for k in range(10_001)})
    path = tmp_path / "flood.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    res = invoke("validate", path, "--format", "json")
    clean(res)
    [row] = json.loads(res.output)["files"]
    assert len(row["findings"]) == MAX_PER_FILE + 1
    last = row["findings"][-1]
    assert (
        last["code"] == "more_findings" and f"另有 {10_001 + 0 - MAX_PER_FILE}" in last["message"]
    )


def test_a_named_file_over_its_limit_is_refused_before_a_byte_is_read(tmp_path, monkeypatch):
    """A 300 MB manifest costs nothing: its size alone refuses it (no 64 MB read first)."""
    from iipeval.core import errors

    path = tmp_path / "huge.manifest.json"
    with open(path, "wb") as fh:
        fh.truncate(300 * 2**20)

    def read(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(errors.os, "fdopen", read)
    with pytest.raises(ValueError, match="超过 64 MB 上限"):
        errors.read_capped(path, 64 * 2**20)
