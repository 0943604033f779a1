"""The run's record: ``score -o`` writes a manifest; ``iipeval reproduce`` re-runs it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import private_record

from iipeval.cli.main import cli

REPO = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def run(tmp_path, monkeypatch):
    """A scored run in ``tmp_path`` with relative paths, as an organiser types them."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples" / "applications", tmp_path / "申报")
    shutil.copytree(REPO / "examples" / "reviews", tmp_path / "评分")
    private_record(tmp_path)
    Path("p.toml").write_text("[ranking]\nquota = 1\n", "utf-8")
    res = invoke(
        "score",
        "申报",
        "--reviews",
        "评分",
        "--panel-record",
        "私密/panel-record.json",
        "--params",
        "p.toml",
        "-o",
        "out/results.xlsx",
        "--publish",
        "out/公示.docx",
    )
    assert res.exit_code == 0, res.output
    return tmp_path / "out" / "results.manifest.json"


def test_the_manifest_records_every_input_and_output_with_its_hash(run):
    m = json.loads(run.read_text("utf-8"))
    results = json.loads(Path("out/results.json").read_text("utf-8"))
    assert m["format"] == "iipeval.manifest" and m["run_id"] == results["run_id"]  # one set
    roles = {Path(i["path"]).name: i["role"] for i in m["inputs"]}
    reviews = {n for n, r in roles.items() if r == "review"}
    assert len(reviews) == 20 and roles.pop("panel-record.json") == "panel_record"
    roles = {n: r for n, r in roles.items() if n not in reviews}
    assert roles == {
        "hunan_characteristic.json": "application",
        "hunan_comprehensive.json": "application",
        "hunan_professional.json": "application",
        "national_2023.json": "application",
        "p.toml": "parameters",
    }
    for rec in m["inputs"] + m["outputs"]:
        assert sha(Path(rec["path"])) == rec["sha256"]
    assert [Path(o["path"]).name for o in m["outputs"]] == [
        "results.xlsx",
        "results.json",
        "results.csv",
        "公示.docx",
    ]
    assert set(m["parameters_hashes"]) == {
        "hunan_characteristic/regional",
        "hunan_comprehensive",
        "hunan_professional",
        "national_2023",
    }
    assert m["plugins"]["national_2023"] and m["tool_version"]


def test_a_run_is_reproduced_byte_for_byte(run):
    res = invoke("reproduce", str(run))
    assert res.exit_code == 0, res.output
    assert "4 个输出与记录逐字节相同" in res.output


def test_the_same_time_gives_the_same_bytes(run, tmp_path):
    m = json.loads(run.read_text("utf-8"))
    again = invoke(
        "score", "申报", "--reviews", "评分", "--panel-record", "私密/panel-record.json",
        "--params", "p.toml", "-o", "again/results.xlsx",
        "--publish", "again/公示.docx", "--generated-at", m["generated_at"],
    )  # fmt: skip
    assert again.exit_code == 0
    for name in ("results.xlsx", "results.json", "results.csv", "公示.docx"):
        assert sha(tmp_path / "out" / name) == sha(tmp_path / "again" / name), name


def test_a_changed_input_cannot_be_reproduced_and_is_named(run):
    path = Path("申报/national_2023.json")
    path.write_text(path.read_text("utf-8").replace("1850000", "1850001"), "utf-8")
    res = invoke("reproduce", str(run))
    assert res.exit_code == 1 and "申报 申报/national_2023.json 已被修改" in res.output


def test_reproduce_of_a_run_whose_output_was_deleted_fails_naming_it(run):
    """A deleted output does not match its record: "一致" would vouch for a file no one
    can show any more."""
    Path("out/results.csv").unlink()
    res = invoke("reproduce", str(run))
    assert res.exit_code == 1, res.output
    assert "out/results.csv" in res.output and "已不存在" in res.output
    assert "一致：" not in res.output


def test_an_output_altered_after_the_run_is_named_with_its_first_difference(run):
    csv = Path("out/results.csv")
    data = csv.read_bytes()
    assert data.count(b"85.8761") > 1
    csv.write_bytes(data.replace(b"85.8761", b"95.8761", 1))  # one figure edited by hand
    res = invoke("reproduce", str(run))
    assert res.exit_code == 1
    assert "输出文件在运行后被修改" in res.output and "out/results.csv" in res.output
    assert re.search(r"第\d+行第\d+个字符起不同.*95\.8761", res.output)


def test_a_rerun_that_differs_names_the_first_difference(run):
    m = json.loads(run.read_text("utf-8"))
    m["generated_at"] = "2020-01-01T00:00:00+00:00"  # a record whose time is not the outputs'
    run.write_text(json.dumps(m, ensure_ascii=False), "utf-8")
    res = invoke("reproduce", str(run))
    assert res.exit_code == 1
    assert "不一致：2个输出与记录不同；第一处：out/results.xlsx：包内部件" in res.output


def test_a_broken_manifest_is_a_usage_error(tmp_path):
    bad = tmp_path / "x.manifest.json"
    bad.write_text("{}", "utf-8")
    res = invoke("reproduce", str(bad))
    assert res.exit_code == 2 and "不是 iipeval 的运行记录" in res.output
    assert os.path.exists(bad)


def test_an_input_changed_during_the_run_is_reported_and_the_record_keeps_what_was_read(
    tmp_path, monkeypatch
):
    import iipeval.cli.scoring as score_module

    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples" / "applications", tmp_path / "申报")
    target = Path("申报/national_2023.json")
    before = sha(target)
    real = score_module.assemble

    def assemble_while_someone_edits(*args, **kwargs):
        batch = real(*args, **kwargs)
        target.write_text(target.read_text("utf-8").replace("1850000", "1"), "utf-8")
        return batch

    monkeypatch.setattr(score_module, "assemble", assemble_while_someone_edits)
    res = invoke("score", "申报", "-o", "out/results.json")
    assert "输入文件在评分期间被修改或增减：申报/national_2023.json" in res.output
    m = json.loads(Path("out/results.manifest.json").read_text("utf-8"))
    recorded = next(i for i in m["inputs"] if i["path"] == "申报/national_2023.json")
    assert recorded["sha256"] == before


def test_a_run_with_the_robustness_sheet_is_reproduced_with_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples" / "applications", tmp_path / "申报")
    shutil.copytree(REPO / "examples" / "reviews", tmp_path / "评分")
    private_record(tmp_path)
    args = ["score", "申报", "--reviews", "评分", "--panel-record", "私密/panel-record.json"]
    args += ["-o", "out/results.xlsx", "--robustness"]
    assert invoke(*args).exit_code == 0
    m = json.loads(Path("out/results.manifest.json").read_text("utf-8"))
    assert m["command"]["robustness"] is True
    res = invoke("reproduce", "out/results.manifest.json")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("extra", [["--for", "committee"], ["--no-cards"]])
def test_a_committee_copy_or_a_run_without_cards_is_reproduced_as_written(
    tmp_path, monkeypatch, extra
):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "examples" / "applications", tmp_path / "申报")
    shutil.copytree(REPO / "examples" / "reviews", tmp_path / "评分")
    private_record(tmp_path)
    args = ["score", "申报", "--reviews", "评分", "--panel-record", "私密/panel-record.json"]
    args += ["-o", "out/results.xlsx", *extra]
    assert invoke(*args).exit_code == 0
    res = invoke("reproduce", "out/results.manifest.json")
    assert res.exit_code == 0, res.output
