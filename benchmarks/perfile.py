"""Per file, per core: iipeval's whole path for one application against the references.

Each side does the same work end to end, serially in one process, and is timed in CPU
seconds per file:

* iipeval: what a worker of ``iipeval score`` does (:class:`iipeval.excel.intake._Score`:
  the guard, the reader with located findings, validation, scoring with explanations,
  the result serialised) and what the parent then does with it (the pickle that crosses
  the pipe, read back, and the result appended to the spool);
* ``calamine``: :mod:`reference` reading the two data sheets with python-calamine and
  scoring with numpy, its result serialised, pickled across and appended to a file;
* ``pandas``: the same with ``pandas.read_excel`` (engine ``calamine``, its fastest).

Run as ``python benchmarks/perfile.py SIDE SEEDS_DIR LISTING [--count]``; prints JSON:
each file's CPU seconds and points (secured, then each indicator's), which the driver
compares file by file between the sides. ``--count`` leaves the points out: the process is
then counted whole (instructions), and reading the points back is neither side's work.
"""

from __future__ import annotations

import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _iipeval(files: list[Path], seeds: Path) -> dict:
    from iipeval.core.api import Evaluator
    from iipeval.core.quiet import steady_heap
    from iipeval.core.round.batch import ReviewIndex
    from iipeval.core.round.spool import ResultSpool
    from iipeval.excel import intake

    ev = Evaluator()
    ev.frameworks()
    task = intake._Score(ReviewIndex(), None, spooled=True)
    steady_heap()  # a worker's heap from its second file on (iipeval.core.intake.sandbox)
    spool = ResultSpool()

    def one(path: Path):
        sent = pickle.dumps(task(ev, str(path)), pickle.HIGHEST_PROTOCOL)  # the worker's side
        got = pickle.loads(sent)  # the parent's side
        if isinstance(got, tuple):
            data, standing = got
            spool.add(standing.source, data)
            return data
        return None

    return _timed(files, one, _iipeval_points)


def _iipeval_points(data: bytes | None) -> list | None:
    if data is None:
        return None
    r = json.loads(data)
    return [r["secured"], *(i["points"] for i in r["indicators"])]


def _reference(files: list[Path], seeds: Path, kind: str) -> dict:
    import reference

    ref = reference.Reference({p.stem.removeprefix("seed_"): p for p in seeds.glob("seed_*.xlsx")})
    read = ref.calamine if kind == "calamine" else ref.pandas
    spool = tempfile.TemporaryFile()  # noqa: SIM115

    def one(path: Path):
        data = read(path)
        got = pickle.loads(pickle.dumps((data, str(path)), pickle.HIGHEST_PROTOCOL))
        if got[0] is not None:
            spool.write(got[0])
        return got[0]

    def points(data: bytes | None) -> list | None:
        return None if data is None else reference.points(json.loads(data))

    return _timed(files, one, points)


COUNT = "--count" in sys.argv


def _timed(files: list[Path], one, points) -> dict:
    """CPU seconds of ``one(path)`` per file (after two untimed files that warm caches)."""
    for path in files[:2]:
        one(path)
    cpu, got = [], {}
    for path in files:
        start = time.process_time()
        out = one(path)
        cpu.append(time.process_time() - start)
        got[path.name] = None if COUNT else points(out)
    return {"cpu": cpu, "points": got}


def main() -> None:
    side, seeds, listing = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    files = [Path(p) for p in listing.read_text("utf-8").splitlines()]
    out = _iipeval(files, seeds) if side == "iipeval" else _reference(files, seeds, side)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
