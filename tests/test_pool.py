"""Worker isolation: a file that crashes, hangs or balloons its reader costs only itself."""

import os
import time
from pathlib import Path

import pytest
from support import REPO

from iipeval.cli import inputs, pool
from iipeval.core.batch import ReviewIndex
from iipeval.core.params import Parameters
from iipeval.core.results import Rejected, Result

GOOD = [
    REPO / "examples" / "applications" / f"{n}.json"
    for n in ("national_2023", "hunan_professional")
]


@pytest.fixture
def hostile_reader(monkeypatch):
    """Workers are forked, so they inherit this patched reader."""
    real = inputs.read

    def read(path: Path, ev=None):
        name = path.name
        if name == "abort.json":
            os.abort()  # what python-calamine does on some hostile files
        if name == "hang.json":
            time.sleep(60)
        if name == "balloon.json":
            bytearray(3 * 2**30)
        return real(path, ev)

    monkeypatch.setattr(inputs, "read", read)


def run(paths, **kw):
    return list(pool.run(paths, params=Parameters(), index=ReviewIndex(), **kw))


def test_good_files_score_in_workers():
    outs = run(GOOD, jobs=2)
    assert sorted(o.source for o in outs) == sorted(str(p) for p in GOOD)
    assert all(isinstance(o, Result) and o.secured > 0 for o in outs)


def test_crash_hang_and_memory_each_cost_only_their_file(hostile_reader):
    bad = [Path("abort.json"), Path("hang.json"), Path("balloon.json")]
    started = time.monotonic()
    limits = pool.Limits(memory_bytes=1024 * 2**20, seconds=3)
    outs = run([*bad, *GOOD], jobs=2, limits=limits)
    elapsed = time.monotonic() - started
    by_source = {o.source: o for o in outs}
    assert len(outs) == 5
    codes = {
        Path(s).name: o.findings[0].code for s, o in by_source.items() if isinstance(o, Rejected)
    }
    assert codes == {
        "abort.json": "worker_crashed",
        "hang.json": "timeout",
        "balloon.json": "memory",
    }
    assert all(isinstance(by_source[str(p)], Result) for p in GOOD)
    assert elapsed < 20
    assert "已跳过" in by_source["hang.json"].findings[0].message


def test_progress_is_reported_per_file():
    seen = []
    run(GOOD, jobs=1, progress=seen.append)
    assert seen == [1, 1]
