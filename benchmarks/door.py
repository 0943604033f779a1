"""What the door costs and saves: the time (and peak memory) each command takes to answer
the cases the door decides, each command run as a user runs it, in a process of its own.

1. verification  N applications → one 核查表 each (read in the sandbox's worker pool);
2. FIFO 核查表   ``score --verified`` with a named pipe among the 核查表;
3. huge manifest ``reproduce`` of a 300 MB manifest (a sparse file: no disk used);
4. existing out  ``compare`` whose report exists already (refused: before or after the work?);
5. wide CSV      ``weights objective --matrix`` of 20,000 columns (0.77 MB).

    python benchmarks/door.py                       # N = 200
    python benchmarks/door.py --n 50
    python benchmarks/door.py --command "python /path/to/launcher.py"   # another build

Each line prints the seconds, the peak resident memory of the command and its workers
(``/usr/bin/time -v`` when present) and the exit status. Nothing here is asserted: the
figures are for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"


def applications(folder: Path, n: int) -> None:
    folder.mkdir()
    base = json.loads(EXAMPLE.read_text("utf-8"))
    for k in range(n):
        base["application"]["applicant"]["name"] = f"示例单位{k:04d}"
        base["application"]["applicant"].pop("credit_code", None)
        (folder / f"a{k:04d}.json").write_text(json.dumps(base, ensure_ascii=False), "utf-8")


def run(command: list[str], args: list, timeout: float = 600) -> tuple[float, str, int | str]:
    """Seconds, peak memory (MB, command and workers) and exit status of one run."""
    timer = ["/usr/bin/time", "-v"] if shutil.which("/usr/bin/time") else []
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [*timer, *command, *map(str, args)],
            capture_output=True,
            text=True,
            env={**os.environ, "CI": "1"},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, "—", f"still running after {timeout:g} s"
    elapsed = time.perf_counter() - started
    peak = "—"
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            peak = f"{int(line.split()[-1]) / 1024:.0f} MB"
    return elapsed, peak, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="applications for verification")
    parser.add_argument("--command", default=f"{sys.executable} -m iipeval.cli")
    opts = parser.parse_args()
    command = shlex.split(opts.command)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        apps = root / "apps"
        applications(apps, opts.n)
        few = root / "few"
        applications(few, 3)
        cases = {}
        cases[f"verification of {opts.n} applications"] = ["verification", apps, "-o", root / "v"]
        sheets = root / "sheets"
        run(command, ["verification", few, "-o", sheets])
        os.mkfifo(sheets / "管道_核查表.xlsx")
        cases["score --verified, a FIFO among the 核查表"] = [
            "score",
            few,
            "--verified",
            sheets,
            "-o",
            root / "s" / "r.json",
        ]
        huge = root / "huge.manifest.json"
        with open(huge, "wb") as fh:
            fh.truncate(300 * 2**20)
        cases["reproduce, a 300 MB manifest"] = ["reproduce", huge]
        report = root / "c.xlsx"
        run(command, ["compare", apps, apps, "-o", report])
        cases[f"compare of {opts.n}, its report existing"] = ["compare", apps, apps, "-o", report]
        wide = root / "wide.csv"
        cols = 20_000
        rows = [[f"c{j}" for j in range(cols)], ["benefit"] * cols]
        rows += [[str(k + j % 7) for j in range(cols)] for k in range(3)]
        wide.write_text("\n".join(",".join(r) for r in rows), "utf-8")
        cases["weights objective, 20,000 columns"] = [
            "weights",
            "objective",
            "--matrix",
            wide,
            "--method",
            "critic",
        ]
        print(f"{'case':44} {'seconds':>8} {'peak':>9}  exit")
        for label, args in cases.items():
            seconds, peak, code = run(command, args)
            print(f"{label:44} {seconds:8.2f} {peak:>9}  {code}")


if __name__ == "__main__":
    main()
