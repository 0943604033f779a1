"""A parameters file is checked completely before any work: types, finiteness, ranges, size.

Every bad value ends the command with exit 2 and a message naming the file and the key;
none is accepted silently, and none surfaces later as a reader error or "nan%".
"""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli

APP = str(REPO / "examples" / "applications" / "national_2023.json")
RULES = "[frameworks.national_2023.rules]\n"
WEIGHTS = "[frameworks.national_2023.weights]\n"

BAD = [
    # (file content, the key the message must name)
    (RULES + '"devices.scale" = { benchmark = inf }', "benchmark"),
    (RULES + '"devices.scale" = { benchmark = "5000" }', "benchmark"),
    (RULES + '"devices.scale" = { floor = 6000000 }', "benchmark"),  # floor ≥ benchmark
    (RULES + '"innovation.ip" = { item_weights = { patents_invention = nan } }', "item_weights"),
    (RULES + '"innovation.ip" = { item_weights = { patents_invention = -3 } }', "item_weights"),
    (
        RULES
        + '"innovation.ip" = { item_weights = { patents_invention = 0, software_copyrights = 0 } }',
        "item_weights",
    ),
    (RULES + '"devices.scale" = { item_weights = { x = true } }', "item_weights"),
    (RULES + '"devices.scale" = { weight = inf }', "weight"),
    (RULES + '"devices.scale" = { weight = true }', "weight"),
    (RULES + '"security.certifications" = { bands = [[nan, 40], [2, 60]] }', "bands"),
    (RULES + '"enterprises.paying_share" = { target = inf }', "target"),
    (RULES + '"enterprises.paying_share" = { target = 0 }', "target"),
    (WEIGHTS + "devices = 1e308", "devices"),
    (WEIGHTS + "resource = 1e308\ntechnology = 1e308", "resource"),
    (WEIGHTS + 'devices = "8"', "devices"),
    (WEIGHTS + "devices = true", "devices"),
    (WEIGHTS + "devices = -1", "devices"),
    (WEIGHTS + "devices = nan", "devices"),
    ("[input]\nworker_memory_mb = 1e30", "worker_memory_mb"),
    ("[input]\nworker_memory_mb = 100000", "worker_memory_mb"),
    ("[input]\nworker_seconds = inf", "worker_seconds"),
    ("[input]\nworker_seconds = 0", "worker_seconds"),
    ("[input]\nmax_file_bytes = true", "max_file_bytes"),
    ("[aggregation]\ndisagreement_spread = nan", "disagreement_spread"),
    ('[aggregation]\ntrim_min_experts = "5"', "trim_min_experts"),
    ("[ranking]\nquota = 2.5", "quota"),
]


@pytest.mark.parametrize(("content", "key"), BAD)
def test_bad_parameter_is_refused_naming_file_and_key(tmp_path, content, key):
    params = tmp_path / "weights.toml"
    params.write_text(content + "\n", "utf-8")
    res = CliRunner().invoke(cli, ["score", APP, "--params", str(params)])
    assert res.exit_code == 2, res.output
    assert "weights.toml" in res.output and key in res.output, res.output
    assert "Traceback" not in res.output and "StopIteration" not in res.output


def test_large_but_finite_weights_still_score(tmp_path):
    params = tmp_path / "weights.toml"
    params.write_text(WEIGHTS + "resource = 1e6\ntechnology = 1e6\nmodels = 0.001\n", "utf-8")
    res = CliRunner().invoke(cli, ["score", APP, "--params", str(params), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.output and "nan%" not in res.output and "inf" not in res.output


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_special_file_as_parameters_is_refused_at_once(tmp_path, special):
    if special == "fifo":
        special = tmp_path / "params.toml"
        os.mkfifo(special)  # opening it would block forever
    proc = subprocess.run(
        [sys.executable, "-m", "iipeval.cli", "score", APP, "--params", str(special)],
        capture_output=True,
        text=True,
        timeout=60,  # a bound for a hang, not a speed assertion
    )
    assert proc.returncode == 2 and "不是普通文件" in proc.stderr, proc.stderr


def test_an_oversized_parameters_file_is_refused(tmp_path):
    params = tmp_path / "huge.toml"
    params.write_bytes(b"# " + b"x" * (5 * 2**20) + b"\n")
    res = CliRunner().invoke(cli, ["score", APP, "--params", str(params)])
    assert res.exit_code == 2 and "上限" in res.output and "huge.toml" in res.output
