"""0.35 typed for 35% is questioned once, whichever file it came in (workbook or JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iipeval.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "applications" / "national_2023.json"


@pytest.mark.parametrize("typed", [0.35, "0.35"])
def test_a_share_written_as_a_fraction_in_json_is_questioned_once(tmp_path, typed):
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    items = data["application"]["items"] if "application" in data else data["items"]
    items["paying_user_share"] = typed
    path = tmp_path / "a.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli, ["validate", str(path), "--format", "json"]).output
    findings = json.loads(out)["files"][0]["findings"]
    said = [f for f in findings if f["code"] == "percent_fraction"]
    assert len(said) == 1 and "如实际为35%，请填35" in said[0]["message"]
    assert said[0]["severity"] == "warning"
