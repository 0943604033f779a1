"""The results workbook's own cost: ``benchmarks/batch.py``'s ``outputs`` and ``memory``
sections alone, at sizes of your choosing.

* ``score DIR -o results.xlsx`` (which also writes .json and .csv) against ``-o
  results.json``, a national round of N workbooks on all cores, in turn for ``--rounds``
  rounds: CPU time of each, their ratio per round (min and median), results.json's size;
* the parent's own peak memory and the largest worker's, for both outputs, at a small
  and a large N of JSON applications.

Run from the repository root:

    python benchmarks/results_workbook.py                       # N = 5000; 1000 vs 20000
    python benchmarks/results_workbook.py --time-n 300 --memory-n 100 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import sections


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--time-n", type=int, default=5000, help="workbooks for the CPU ratio")
    ap.add_argument(
        "--memory-n", type=int, nargs=2, default=(1000, 20000), metavar=("SMALL", "LARGE")
    )
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the two commands, in turn")
    ap.add_argument("--skip-time", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    sizes = {"outputs": args.time_n, "small": args.memory_n[0], "large": args.memory_n[1]}
    tmp = Path(tempfile.mkdtemp(prefix="iipeval-bench-xlsx-"))
    try:
        seeded = corpus.seeds(tmp)
        goals = []
        if not args.skip_time:
            goals += sections.outputs(tmp, seeded, sizes, args)
        if not args.skip_memory:
            goals += sections.memory(tmp, seeded, sizes, args)
        print("\ngoals, ratios within a round (min, median over the rounds):")
        for g in goals:
            print(g.row())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
