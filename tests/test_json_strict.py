"""JSON applications are read strictly: what JSON allows but a reviewer would not see is an error.

Every case starts from the bundled national example, changes one thing, and expects an
error finding with its key path, no traceback, and exit code 1 from the CLI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.core.api import Evaluator, load_json
from iipeval.core.model.application import NotApplicable
from iipeval.core.scoring.params import InputLimits

EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"


def example() -> dict:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.pop("reviews", None)  # an application's own file carries no scores
    return data


def write(tmp_path: Path, data: dict | str, name: str = "app.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, code: str, item: str | None, limits: InputLimits | None = None):
    """The file is refused with ``code`` at key path ``item``; the CLI says exit 1."""
    loaded = load_json(path, limits)
    assert loaded.submission is None
    found = [f for f in loaded.findings if f.code == code and f.item == item]
    assert found, [(f.code, f.item, f.message) for f in loaded.findings]
    assert all(f.severity == "error" and f.file == str(path) for f in found)
    if limits is None:
        out = CliRunner().invoke(cli, ["validate", str(path)])
        assert out.exit_code == 1, out.output
        assert "Traceback" not in out.output
    return found[0]


def test_the_example_reads_clean(tmp_path):
    loaded = load_json(write(tmp_path, example()))
    assert loaded.submission is not None and loaded.findings == []


def test_duplicate_keys_anywhere(tmp_path):
    data = example()
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace(
        '"framework": "national_2023"', '"framework": "national_2023", "framework": "x"'
    )
    fw_dup = refused(write(tmp_path, text), "duplicate_key", "application.framework")
    assert "键重复" in fw_dup.message
    item = next(iter(data["application"]["items"]))
    text = json.dumps(data, ensure_ascii=False).replace(f'"{item}":', f'"{item}": 1, "{item}":', 1)
    refused(write(tmp_path, text, "b.json"), "duplicate_key", f"application.items.{item}")


def test_unknown_keys(tmp_path):
    data = example()
    data["application"]["bonus"] = 100
    f = refused(write(tmp_path, data), "unknown_key", "application.bonus")
    assert "不允许的键" in f.message
    data = example()
    data["application"]["applicant"]["rank"] = 1
    refused(write(tmp_path, data, "b.json"), "unknown_key", "application.applicant.rank")


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"na": 1},
        {"na": True},
        {"na": True, "reason": " \u200b"},
        {"na": True, "reason": "x", "n": 1},
    ],
    ids=["empty", "na_1", "no_reason", "blank_reason", "extra_key"],
)
def test_a_malformed_not_applicable(tmp_path, value):
    data = example()
    data["application"]["items"]["financing"] = value
    f = refused(write(tmp_path, data), "bad_na", "application.items.financing")
    assert '{"na": true, "reason": "不适用的原因"}' in f.message


def test_a_well_formed_not_applicable_is_read(tmp_path):
    data = example()
    data["application"]["items"]["financing"] = {"na": True, "reason": "国有企业"}
    loaded = load_json(write(tmp_path, data))
    assert loaded.submission.application.items["financing"] == NotApplicable(reason="国有企业")


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b", "\x01\x02", "\u3000", "\u202e\u2060"])
def test_a_blank_or_invisible_applicant_name(tmp_path, name):
    data = example()
    data["application"]["applicant"]["name"] = name
    f = refused(write(tmp_path, data), "bad_field", "application.applicant.name")
    assert "只含空格或不可见字符" in f.message


@pytest.mark.parametrize(
    ("literal", "code"),
    [
        ("NaN", "bad_number"),
        ("Infinity", "bad_number"),
        ("-Infinity", "bad_number"),
        ("1e400", "bad_number"),
        ("1" + "0" * 400, "number_too_large"),
        ("1" + "0" * 5000, "number_too_large"),
        ("1e16", "number_too_large"),
        ("-20000000000000000", "number_too_large"),
    ],
)
def test_numbers_that_are_not_finite_or_too_large(tmp_path, literal, code):
    text = re.sub(
        r'"devices_operating": [0-9.]+',
        f'"devices_operating": {literal}',
        json.dumps(example(), ensure_ascii=False),
        count=1,
    )
    assert literal in text
    f = refused(write(tmp_path, text), code, "application.items.devices_operating")
    assert len(f.message) < 200


def test_deep_nesting_is_refused_before_parsing(tmp_path):
    data = example()
    text = json.dumps(data, ensure_ascii=False)
    deep = "[" * 100_000 + "]" * 100_000
    text = text.replace('"fictional": true', f'"fictional": true, "note": {deep}', 1)
    if '"note"' not in text:
        text = text[:-2] + f', "note": {deep}' + text[-2:]
    f = refused(write(tmp_path, text), "too_deep", None)
    assert "32层" in f.message


def test_brackets_inside_strings_are_not_nesting(tmp_path):
    data = example()
    data["application"]["note"] = "[" * 100
    assert load_json(write(tmp_path, data)).submission is not None


def test_a_file_over_the_size_limit(tmp_path):
    path = write(tmp_path, example())
    limits = InputLimits(max_json_bytes=100)
    f = refused(path, "file_too_large", None, limits)
    assert "上限100字节" in f.message


def test_a_text_over_the_length_limit(tmp_path):
    data = example()
    data["application"]["applicant"]["name"] = "某" * 6000
    f = refused(write(tmp_path, data), "text_too_long", "application.applicant.name")
    assert "共6000字，上限5000字" in f.message


def test_a_key_over_the_length_limit(tmp_path):
    data = example()
    data["application"]["items"]["k" * 6000] = 1
    f = refused(
        write(tmp_path, data), "text_too_long", "application.items." + "k" * 60 + "…（共6000字）"
    )
    assert len(f.message) < 300


def test_limits_come_from_the_parameters_file(tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("[input]\nmax_text_chars = 5\n", encoding="utf-8")
    data = example()
    data["application"]["applicant"]["platform_name"] = "六个字的名字"
    path = write(tmp_path, data)
    out = CliRunner().invoke(cli, ["score", str(path), "--params", str(params), "--format", "json"])
    assert out.exit_code == 1 and "text_too_long" in out.output
    out = CliRunner().invoke(cli, ["score", str(path), "--format", "json"])
    assert "text_too_long" not in out.output


def test_input_limits_do_not_change_the_parameters_hash():
    from iipeval.core.scoring.params import Parameters

    tight = Evaluator(params=Parameters(input=InputLimits(max_text_chars=5, max_json_depth=8)))
    assert tight.effective("national_2023").hash() == Evaluator().effective("national_2023").hash()
