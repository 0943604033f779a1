"""The results workbook's own cost, measured the way ``benchmarks/batch.py`` measures it.

Two figures of issue 15, without the rest of the batch benchmark:

* ``score DIR -o results.xlsx`` (which also writes .json and .csv) against
  ``-o results.json`` alone, N filled workbooks on all cores, the two run in turn
  ``--repeat`` times (the shortest of each counts): the ratio of wall times;
* peak RSS of the process tree for both outputs at a small and a large N (JSON
  applications, which score cheaply): the large ÷ the small.

The corpus comes from ``benchmarks/batch.py`` (unique applicants, scaled figures, 1% broken
workbooks). Run from the repository root:

    python benchmarks/results_workbook.py                # N = 1000 time, 100 vs 5000 memory
    python benchmarks/results_workbook.py --time-n 200 --memory-n 50 500   # a quick check
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import batch as bench  # the benchmark next door: corpus and measuring


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--time-n", type=int, default=1000, help="workbooks for the time ratio")
    ap.add_argument(
        "--memory-n", type=int, nargs=2, default=(100, 5000), metavar=("SMALL", "LARGE")
    )
    ap.add_argument("--repeat", type=int, default=2, help="runs of each timed command, in turn")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--skip-time", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="iipeval-bench-xlsx-"))
    jobs = str(args.jobs)
    goals = []
    try:
        seed_files = bench.seeds(tmp)
        out = tmp / "out"
        if not args.skip_time:
            folder = bench.corpus(tmp, args.time_n, seed_files)
            w_json, r_json, w_xlsx, r_xlsx = bench.interleaved(
                ["score", str(folder), "-o", str(out / "r.json"), "--force", "--jobs", jobs],
                ["score", str(folder), "-o", str(out / "r.xlsx"), "--force", "--jobs", jobs],
                args.repeat,
            )
            print(f"score, N = {args.time_n} workbooks, --jobs {jobs} (shortest of {args.repeat}):")
            print(
                f"  -o results.json               {w_json:7.1f} s  peak RSS {r_json / 2**20:5.0f} MB"
            )
            print(
                f"  -o results.xlsx (+.json .csv) {w_xlsx:7.1f} s  peak RSS {r_xlsx / 2**20:5.0f} MB"
            )
            goals.append((f"-o results.xlsx ÷ -o results.json, N = {args.time_n}", w_xlsx / w_json))
            shutil.rmtree(folder)
        if not args.skip_memory:
            small, large = args.memory_n
            rss = {}
            for n in (small, large):
                src = bench.json_corpus(tmp, n, seed_files)
                for suffix in ("json", "xlsx"):
                    w, r = bench.iipeval(
                        "score",
                        str(src),
                        "-o",
                        str(out / f"m{n}.{suffix}"),
                        "--force",
                        "--jobs",
                        jobs,
                    )
                    rss[n, suffix] = r
                    print(
                        f"  N = {n:>5} -o results.{suffix:<5} {w:7.1f} s  peak RSS {r / 2**20:5.0f} MB"
                    )
                shutil.rmtree(src)
            for suffix in ("json", "xlsx"):
                goals.append(
                    (
                        f"peak RSS -o results.{suffix}: N = {large} ÷ N = {small}",
                        rss[large, suffix] / rss[small, suffix],
                    )
                )
        print("\ngoals (issue 15), ratios measured in this run:")
        for label, ratio in goals:
            print(f"  {label:<52} {ratio:6.2f}  {'met' if ratio <= 1.5 else 'NOT met'} (≤ 1.5)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
