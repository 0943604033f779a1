"""results.xlsx, .json and .csv are written as one set: all or none, one run at a time.

A run killed at any point leaves the previous set whole and consistent (the same run id
in all three); the next run removes what the killed one left; two runs never interleave;
an output on or inside an input is refused before any work; a disk that fills up or a
folder that cannot be written ends with a Chinese message and the previous set intact.
"""

import csv
import errno
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.present import atomic
from iipeval.reports import tabular

EXAMPLES = REPO / "examples" / "applications"
SET = (
    "results.xlsx",
    "results.json",
    "results.csv",
    "results.manifest.json",
)  # the manifest: issue 18

#: Runs the command with a profiler that SIGKILLs the process at the KILL_AT-th function
#: call after the output set starts writing (0: just before). Unless killed, it reports
#: the call number at which each step of writing began (a writer, a flush, a rename).
KILLER = r"""
import os, signal, sys
from iipeval.present import atomic

kill_at = int(os.environ.get("KILL_AT", "-1"))
real_commit = atomic.OutputSet.commit

STEPS = {"_write_xlsx", "_write_json", "_write_csv", "recover"}

def commit(self, writers, modes=None):
    n = 0
    marks = []
    def profile(frame, event, arg):
        nonlocal n
        if event in ("call", "c_call"):
            n += 1
            if n == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            if event == "c_call" and (arg is os.replace or arg is os.fsync):
                marks.append(n)
            elif event == "call" and frame.f_code.co_name in STEPS:
                marks.append(n)
    if kill_at == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    sys.setprofile(profile)
    try:
        real_commit(self, writers, modes)
    finally:
        sys.setprofile(None)
        sys.stderr.write(f"\nMARKS {' '.join(map(str, [*marks, n]))}\n")

atomic.OutputSet.commit = commit
from iipeval.cli.main import main
sys.argv[0] = "iipeval"
main()
"""


def run_ids(folder: Path) -> set[str]:
    """The run id inside each member of the set (all three must exist)."""
    ids = {json.loads((folder / "results.json").read_text("utf-8"))["run_id"]}
    with open(folder / "results.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == tabular.RUN_COLUMN
    ids |= {r[-1] for r in rows[1:]}
    wb = openpyxl.load_workbook(folder / "results.xlsx", read_only=True)
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            if row and row[0] == "运行编号":
                ids.add(row[1])
    wb.close()
    return ids


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in SET)


def score(out: Path, *inputs: Path, kill_at: int | None = None, script: Path | None = None):
    args = ["score", *map(str, inputs), "-o", str(out / "results.xlsx"), "--force"]
    env = {**os.environ, "CI": "1"}
    if kill_at is not None:
        env["KILL_AT"] = str(kill_at)
    cmd = (
        [sys.executable, str(script), *args]
        if script
        else [sys.executable, "-m", "iipeval.cli", *args]
    )
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_kill_9_at_random_points_never_leaves_a_mixed_or_partial_set(tmp_path):
    script = tmp_path / "killer.py"
    script.write_text(KILLER, "utf-8")
    sources = [EXAMPLES / "national_2023.json", EXAMPLES / "hunan_professional.json"]
    out = tmp_path / "out"
    # Per input: where each step of writing begins, and the set's run id. Measured on the
    # second pass, over an existing set, as every trial runs: writing into an empty folder
    # takes a few more calls, and a kill point picked from those would never be reached.
    for _ in range(2):
        steps, ids = [], []
        for src in sources[::-1]:
            done = score(out, src, script=script)
            assert done.returncode == 0, done.stderr
            marks = [int(x) for x in done.stderr.split("MARKS ")[-1].splitlines()[0].split()]
            steps.insert(0, list(zip([1, *marks], marks, strict=False)))
            ids.insert(0, run_ids(out))
    assert ids[0] != ids[1]
    assert min(len(s) for s in steps) >= 10  # 3 writers, 4 flushes, renames: all seen
    current = run_ids(out)
    assert len(current) == 1

    rng = random.Random(12)
    trials, mid_rename, left_before = 24, 0, set()
    for trial in range(trials):
        src = (trial + 1) % 2
        low, high = steps[src][trial % len(steps[src])]  # every step in turn, a random call
        kill_at = 0 if trial == 0 else rng.randint(low, max(low, high - 1))
        proc = score(out, sources[src], kill_at=kill_at, script=script)
        assert proc.returncode == -9, (trial, kill_at, low, high, proc.stderr[-300:])
        left = set(leftovers(out)) - {atomic.LOCK_NAME}
        assert not (left & left_before), (trial, "a killed run's files outlived the next run")
        left_before = left - {atomic.JOURNAL}
        if atomic.JOURNAL in left:
            mid_rename += 1  # killed after the commit point: the next run finishes it
        else:  # the previous set untouched, or (killed after it was done) the new one
            assert run_ids(out) in (current, ids[src]), (trial, kill_at)
        # what the next run finds once it holds the lock (checked on a copy, so that the
        # next run itself must clean up)
        look = tmp_path / f"look{trial}"
        shutil.copytree(out, look)
        atomic.recover(look)
        now = run_ids(look)
        assert len(now) == 1, (trial, kill_at, now)
        current = now
    # the next complete run leaves exactly the set: no temporary file, no lock, no record
    last = score(out, sources[0])
    assert last.returncode == 0, last.stderr
    assert leftovers(out) == []
    assert len(run_ids(out)) == 1
    assert mid_rename >= 2  # the window between the commit record and the last rename
    print(f"{trials} kill -9 trials, {mid_rename} during the renames, all consistent")


def test_a_second_run_on_the_same_output_refuses_while_the_first_writes(tmp_path):
    out = tmp_path / "out"
    with atomic.OutputSet(out, [out / "results.xlsx"], force=True):  # a run in progress
        res = CliRunner().invoke(
            cli, ["score", str(EXAMPLES / "national_2023.json"), "-o", str(out / "results.xlsx")]
        )
        assert res.exit_code == 2
        assert "另一个 iipeval 正在" in res.output
    assert not out.exists()  # made for the run that wrote nothing, and removed again


@pytest.mark.parametrize("where", ["input_file", "inside_input_folder", "input_folder"])
def test_an_output_on_or_inside_an_input_is_refused_before_scoring(tmp_path, where):
    inputs = tmp_path / "submitted"
    inputs.mkdir()
    app = inputs / "a.json"
    shutil.copy(EXAMPLES / "national_2023.json", app)
    before = app.read_bytes()
    target = {
        "input_file": app,
        "inside_input_folder": inputs / "out" / "results.json",
        "input_folder": inputs / "results.csv",
    }[where]
    res = CliRunner().invoke(cli, ["score", str(inputs), "-o", str(target), "--force"])
    assert res.exit_code == 2, res.output
    assert "输入" in res.output and "Traceback" not in res.output
    assert app.read_bytes() == before
    assert sorted(p.name for p in inputs.iterdir()) == ["a.json"]


def test_a_full_disk_keeps_the_previous_set_and_says_why(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert score(out, EXAMPLES / "national_2023.json").returncode == 0
    before = {n: (out / n).read_bytes() for n in SET}

    def full(batch, path, ahead=None):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tabular, "write_csv", full)
    res = CliRunner().invoke(
        cli,
        ["score", str(EXAMPLES / "national_2023.json"), "-o", str(out / "results.xlsx"), "--force"],
    )
    assert res.exit_code == 4, res.output
    assert "磁盘空间不足" in res.output and "Traceback" not in res.output
    assert {n: (out / n).read_bytes() for n in SET} == before
    assert leftovers(out) == []


def test_a_folder_that_cannot_be_written_is_refused_before_scoring(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(atomic.os, "access", lambda *a, **k: False)  # root ignores chmod
    res = CliRunner().invoke(
        cli, ["score", str(EXAMPLES / "national_2023.json"), "-o", str(out / "results.xlsx")]
    )
    assert res.exit_code == 2 and "没有写入权限" in res.output
    assert leftovers(out) == []


def test_long_output_names_are_written_or_refused_cleanly(tmp_path):
    app = EXAMPLES / "national_2023.json"
    # 241 bytes: the temporary names fit too, and so does results' manifest (+14 bytes)
    near = tmp_path / ("长" * 80 + "x" + ".xlsx")
    res = CliRunner().invoke(cli, ["score", str(app), "-o", str(near)])
    assert res.exit_code == 0, res.output
    assert near.exists() and near.with_suffix(".csv").exists()
    over = tmp_path / ("x" * 300 + ".json")
    res = CliRunner().invoke(cli, ["score", str(app), "-o", str(over)])
    assert res.exit_code == 2 and "过长" in res.output


def test_an_undecodable_input_name_is_a_finding_not_a_crash(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(EXAMPLES / "national_2023.json", folder / "good.json")
    bad = os.fsencode(folder) + b"/\xc9\xea\xb1\xa8.json"  # GBK bytes of 申报
    shutil.copy(EXAMPLES / "hunan_professional.json", bad)
    out = tmp_path / "out" / "results.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "iipeval.cli", "score", str(folder), "-o", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "1"},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    [rejected] = data["rejected"]
    assert rejected["findings"][0]["code"] == "bad_file_name"
    assert "\ufffd" in rejected["source"]
    assert len(run_ids(out.parent)) == 1
