"""What an organiser feels at the scale of a round, measured like for like.

Every figure is CPU time (user + system, a command's workers included) or memory per
process; commands compared are run in turn, A B A B, for ``--rounds`` rounds (at least
five for a goal run), and each ratio is taken within a round, then reported as the min
and the median over rounds with the load average before and after. The machine may be
shared: CPU time is what other users disturb least, and how much the rounds disagree is
printed as each ratio's confidence. ``--instructions`` adds instruction counts
(valgrind's callgrind) for start-up, which no load changes at all.

Sections (``--only`` picks; each is described where it is defined):

* ``startup``: ``python -c "import click"``, ``iipeval --help``, ``iipeval validate one.xlsx``;
* ``perfile``: one application, iipeval's whole path against a reference that shares no
  code with it (:mod:`reference`: calamine or ``pandas.read_excel``, numpy scoring), its
  points checked against iipeval's file by file; national and Hunan reported apart;
* ``outputs``: ``score -o results.json`` against ``-o results.xlsx`` (which also writes
  .json and .csv) on a national round, and the bytes of results.json per application;
* ``memory``: the parent's own peak memory and the largest worker's, at N = 1,000 and
  N = 20,000 JSON applications, for both outputs;
* ``robustness``: 10,000 weight draws on 1,000 applications against scoring them;
* ``panel``: ``iipeval panel`` for 100 applications and 7 experts against ``score``.

Then a table of the goals (issue 29, and issue 15's panel goal) with every ratio.

    python benchmarks/batch.py --quick              # a check, a few minutes on 2 cores
    python benchmarks/batch.py                      # the goals, about 15 minutes on 2 cores
    python benchmarks/batch.py --only perfile --only startup --instructions

It needs the ``bench`` extra for the pandas reference (``pip install -e '.[bench]'``) and,
for ``--instructions``, valgrind. Run it from the repository root.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import measure  # noqa: E402
from measure import Series  # noqa: E402

SECTIONS = ("startup", "perfile", "outputs", "memory", "robustness", "panel")
TOLERANCE = 1e-9  # points that agree up to floating-point noise agree


@dataclass
class Goal:
    label: str
    ratio: Series
    target: float
    unit: str = "×"

    def row(self) -> str:
        r = self.ratio
        status = "met" if r.median <= self.target else "NOT met"
        return (
            f"  {self.label:<62} {r.min:>7.2f} {r.median:>7.2f} {'≤ ' + format(self.target, 'g') + self.unit:>9}"
            f"  {status:<8} {measure.confidence(r)}"
        )


def main() -> None:
    args = _arguments()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="iipeval-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    seeded = corpus.seeds(tmp)
    only = set(args.only or SECTIONS)
    sizes = _sizes(args)
    print(f"iipeval benchmark: {measure.load()}; {args.rounds} rounds; corpus in {tmp}", flush=True)
    goals: list[Goal] = []
    import sections

    for name in SECTIONS:
        if name in only:
            goals += getattr(sections, name)(tmp, seeded, sizes, args)
    print("\ngoals (issues 29 and 15): ratios within a round, min and median over the rounds")
    print(f"  {'goal':<62} {'min':>7} {'median':>7} {'target':>9}  {'status':<8} confidence")
    for g in goals:
        print(g.row())
    print(f"({measure.load()} at the end; confidence from how much the rounds agree)")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


def _sizes(args) -> dict:
    if args.quick:
        return dict(national=40, hunan=30, outputs=600, small=300, large=3000, apps=300, draws=3000)
    return dict(
        national=100, hunan=90, outputs=5000, small=1000, large=20000, apps=1000, draws=10000
    )


def _arguments():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and 3 rounds: a check")
    ap.add_argument("--rounds", type=int, help="rounds of each comparison (default 5, 3 quick)")
    ap.add_argument("--keep", type=Path, help="make the corpus here and keep it (reused)")
    ap.add_argument("--only", action="append", choices=SECTIONS, help="only this section")
    ap.add_argument("--instructions", action="store_true", help="also count instructions")
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = 3 if args.quick else 5
    return args


def agree(a: dict, b: dict) -> list[str]:
    """Files whose points differ between two sides (``None``: not scored)."""
    differ = []
    for name, x in a.items():
        y = b.get(name)
        same = (x is None and y is None) or (
            x is not None
            and y is not None
            and len(x) == len(y)
            and all(
                (p is None and q is None)
                or (p is not None and q is not None and abs(p - q) <= TOLERANCE)
                for p, q in zip(x, y, strict=True)
            )
        )
        if not same:
            differ.append(name)
    return differ


if __name__ == "__main__":
    main()
