"""results.json says each thing once: the parameters once per batch (each result names
them by hash), and an indicator's explanation once (in its trace, word for word)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.core.model.results import Result

EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"
#: a number only the national set's parameters hold (the devices benchmark)
SNAPSHOT_MARK = re.compile(r'"benchmark":\s*5000000\.0')


def batch_of(folder, n: int):
    """``n`` national applications, each its own applicant."""
    folder.mkdir()
    data = json.loads(EXAMPLE.read_text("utf-8"))
    for k in range(n):
        data["application"]["applicant"]["name"] = f"（示例）第{k}号工业互联网有限公司"
        data["application"]["applicant"].pop("credit_code", None)
        (folder / f"{k}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return folder


def scored(tmp_path, n: int) -> str:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli, ["score", str(batch_of(tmp_path / "apps", n)), "-o", str(out), "--jobs", "1"]
    )
    assert result.exit_code in (0, 1), result.output
    return out.read_text("utf-8")


def test_the_parameters_are_written_once_per_batch_not_once_per_result(tmp_path):
    text = scored(tmp_path, 3)
    data = json.loads(text)
    [(key, snapshot)] = data["parameters"].items()
    assert key == "national_2023" and len(data["results"]) == 3
    for r in data["results"]:
        assert r["provenance"]["parameters_hash"] == snapshot["hash"]
        assert "parameters" not in r["provenance"]
    assert len(SNAPSHOT_MARK.findall(text)) == 1  # not in a result, not in a trace


def test_each_result_holds_its_explanations_once_and_reads_back_whole(tmp_path):
    text = scored(tmp_path, 2)
    lines = [line for line in text.splitlines() if line.startswith('    {"source"')]
    assert len(lines) == 2  # one result per line, as the writer streams them
    for line in lines:
        assert len(line.rstrip(",").encode("utf-8")) <= 40 * 1024
        raw = json.loads(line.rstrip(","))
        result = Result.model_validate(raw)
        for got, i in zip(raw["indicators"], result.indicators, strict=True):
            assert "explanation" not in got
            assert i.explanation == i.trace.flat_text() and i.trace.text in i.explanation
