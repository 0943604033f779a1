"""A batch of hostile and broken files mixed with 50 good workbooks, run as a user would.

Every bad file gets exactly one finding and the batch goes on; every good one is scored;
inputs stay byte-identical; the run stays under a memory ceiling and a time bound.
"""

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workbook_helpers import figures, fill

from iipeval.core.api import Evaluator
from iipeval.core.scoring.validation import credit_code_check_char
from iipeval.excel.application import template

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from measure_cli import parse

from tests.corpus.make_corpus import EXPECTED, NOTICES, make, review_bomb

MEASURE = Path(__file__).with_name("measure_cli.py")
#: Peak RSS of any one process of the run (parent or worker), and the wall-clock bound.
MEMORY_CEILING_MB = 300
#: Peak RSS of the command's main process, which never parses a file from outside.
MAIN_CEILING_MB = 200
TIME_BOUND_S = 120
GOOD = 50


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    ev = Evaluator()
    fw = ev.framework("hunan_comprehensive").framework
    blank = root / "blank.xlsx"
    template.write(fw, blank)
    values = figures(fw)
    for n in range(GOOD):
        first17 = f"914301{n:02d}MA4L00000"
        applicant = {
            "name": f"湖南测试{n:02d}号工业互联网有限公司",
            "credit_code": first17 + credit_code_check_char(first17),
        }
        scaled = {
            k: (v + n if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in values.items()
        }
        fill(blank, scaled, applicant=applicant, out=root / f"good_{n:02d}.xlsx")
    make(root, root / "good_00.xlsx")
    blank.unlink()
    return root


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def run_cli(*args):
    """Run the command in a fresh process that reports its own and its workers' peak RSS
    (earlier children of the test runner do not count)."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(MEASURE), *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "1"},
        timeout=TIME_BOUND_S * 2,
    )
    elapsed = time.monotonic() - started
    main_mb, workers_mb = parse(proc.stderr)
    proc.main_mb = main_mb
    return proc, elapsed, max(main_mb, workers_mb)


def test_score_reports_each_bad_file_once_and_scores_every_good_one(batch_dir, tmp_path):
    before = hashes(batch_dir)
    out = tmp_path / "results.json"
    proc, elapsed, peak_mb = run_cli("score", batch_dir, "-o", out)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text("utf-8"))
    rejected = {Path(r["source"]).name: r["findings"] for r in data["rejected"]}
    assert {name: [f["code"] for f in fs] for name, fs in rejected.items()} == {
        name: [code] for name, code in EXPECTED.items()
    }
    scored = {Path(r["source"]).name for r in data["results"]}
    assert scored == {f"good_{n:02d}.xlsx" for n in range(GOOD)} | set(NOTICES)
    macro = next(r for r in data["results"] if r["source"].endswith("macro.xlsm"))
    assert "macros_present" in [f["code"] for f in macro["findings"]]
    assert all(r["accepted"] for r in data["results"])
    assert hashes(batch_dir) == before
    assert elapsed < TIME_BOUND_S
    assert peak_mb < MEMORY_CEILING_MB, f"peak RSS {peak_mb:.0f} MB"


def test_validate_says_what_to_do_for_each_bad_file(batch_dir):
    proc, _, _ = run_cli("validate", batch_dir, "--format", "json")
    assert proc.returncode == 1
    rows = {Path(r["file"]).name: r for r in json.loads(proc.stdout)["files"]}
    for name, code in EXPECTED.items():
        assert not rows[name]["valid"]
        [finding] = rows[name]["findings"]
        assert finding["code"] == code and finding["message"]
    assert rows["encrypted.xlsx"]["findings"][0]["message"].endswith(
        "在 Excel 中取消密码后重新提交"
    )
    assert all(rows[f"good_{n:02d}.xlsx"]["valid"] for n in range(GOOD))


def test_panel_names_each_bad_application_once_and_writes_nothing(batch_dir, tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "P1"\n[[experts]]\nid = "E01"\n', "utf-8")
    out = tmp_path / "reviews"
    proc, _, peak_mb = run_cli(
        "panel",
        batch_dir,
        "--panel",
        panel,
        "-o",
        out,
        "--record",
        tmp_path / "private" / "r1.json",
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for name in EXPECTED:
        assert proc.stderr.count(f"{name}:") == 1, name
    assert not out.exists()
    assert peak_mb < MEMORY_CEILING_MB


def test_hostile_review_files_each_get_one_finding_and_stay_out_of_the_main_process(
    batch_dir, tmp_path
):
    """The hostile corpus given as expert workbooks, plus a review ZIP bomb built from a
    real expert workbook: each is refused by the guard in a worker, the score goes on."""
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "P1"\n[[experts]]\nid = "E01"\n', "utf-8")
    proc, _, _ = run_cli(
        "panel",
        batch_dir / "good_00.xlsx",
        "--panel",
        panel,
        "-o",
        tmp_path / "r",
        "--record",
        tmp_path / "private" / "r2.json",
    )
    assert proc.returncode == 0, proc.stderr
    [expert_workbook] = (tmp_path / "r").glob("*.xlsx")
    bomb = tmp_path / "review_bomb.xlsx"
    review_bomb(bomb, expert_workbook)
    before = hashes(batch_dir)
    reviews = [batch_dir / name for name in EXPECTED]
    args = [x for r in [*reviews, bomb] for x in ("--reviews", r)]
    proc, _, peak_mb = run_cli("score", batch_dir / "good_00.xlsx", *args, "--format", "json")
    assert proc.returncode == 1, proc.stderr  # refused review files fail the run
    data = json.loads(proc.stdout)
    by_file = {}
    for f in data["findings"]:
        if f["code"] != "awaiting_reviews":
            by_file.setdefault(Path(f["file"]).name, []).append(f["code"])
    assert by_file == {**{n: [c] for n, c in EXPECTED.items()}, bomb.name: ["zip_bomb"]}
    assert hashes(batch_dir) == before  # review files are never modified
    assert proc.main_mb < MAIN_CEILING_MB, f"main process peak RSS {proc.main_mb:.0f} MB"
    assert peak_mb < MEMORY_CEILING_MB
