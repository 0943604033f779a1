"""Worker isolation: a file that crashes, hangs or balloons its reader costs only itself.

Every command reads outside files through :mod:`iipeval.excel.intake`, which runs the
readers in :mod:`iipeval.core.intake.sandbox` workers; special files are refused unopened.
"""

import json
import os
import pickle
import time
from pathlib import Path

import pytest
from support import REPO

from iipeval.core.intake import sandbox
from iipeval.core.model.results import Rejected, Result
from iipeval.core.round.batch import ReviewIndex
from iipeval.core.scoring.params import InputLimits, Parameters
from iipeval.excel import intake

GOOD = [
    REPO / "examples" / "applications" / f"{n}.json"
    for n in ("national_2023", "hunan_professional")
]
TIGHT = Parameters(input=InputLimits(worker_memory_mb=1024, worker_seconds=3))


@pytest.fixture
def hostile_reader(monkeypatch):
    """Workers are forked, so they inherit this patched reader."""
    real = intake.read_application

    def read(path: Path, ev=None):
        name = path.name
        if name == "abort.json":
            os.abort()  # what python-calamine does on some hostile files
        if name == "hang.json":
            time.sleep(60)
        if name == "balloon.json":
            bytearray(3 * 2**30)
        return real(path, ev)

    monkeypatch.setattr(intake, "read_application", read)


def run(paths, params=None, **kw):
    return list(intake.score(paths, params=params or Parameters(), index=ReviewIndex(), **kw))


def test_good_files_score_in_workers():
    outs = run(GOOD, jobs=2)
    assert sorted(o.source for o in outs) == sorted(str(p) for p in GOOD)
    assert all(isinstance(o, Result) and o.secured > 0 for o in outs)


def test_crash_hang_and_memory_each_cost_only_their_file(hostile_reader):
    bad = [Path("abort.json"), Path("hang.json"), Path("balloon.json")]
    started = time.monotonic()
    outs = run([*bad, *GOOD], params=TIGHT, jobs=2)
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


def test_panel_and_validate_read_in_workers_too(hostile_reader):
    paths = [Path("abort.json"), *GOOD]
    loaded = list(intake.applications(paths, params=TIGHT, jobs=2))
    assert [x.source for x in loaded] == [str(p) for p in paths]  # in the order given
    assert loaded[0].findings[0].code == "worker_crashed"
    assert all(x.submission is not None for x in loaded[1:])
    checked = intake.validate(paths, params=TIGHT, jobs=2)
    assert [type(x) for x in checked] == [Rejected, Result, Result]


def test_progress_is_reported_per_file():
    seen = []
    run(GOOD, jobs=1, progress=seen.append)
    assert seen == [1, 1]


def test_special_files_are_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "stuck.json"
    os.mkfifo(fifo)  # a reader that opened it would block forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # a reader would read forever
    bad_name = Path(os.fsdecode(bytes(tmp_path) + b"/\xff\xfe.json"))
    bad_name.write_text("{}", "utf-8")
    started = time.monotonic()
    outs = intake.validate([fifo, zero, tmp_path, bad_name, *GOOD], params=TIGHT)
    assert time.monotonic() - started < 3  # nobody waited for the deadline
    codes = [o.findings[0].code if isinstance(o, Rejected) else None for o in outs]
    assert codes == ["special_file", "special_file", "not_a_file", "bad_file_name", None, None]
    assert "\ufffd" in outs[3].source  # shown, not crashing whoever prints it


def test_sandbox_runs_any_reader_and_keeps_order():
    job = sandbox.Job(task=lambda state, x: state + x, fail=lambda x, c, m: c, setup=lambda: 10)
    got = list(sandbox.in_order(sandbox.run_in_workers([1, 2, 3], job, jobs=2)))
    assert got == [11, 12, 13]


def test_validate_on_the_command_line_still_reads_in_a_worker(hostile_reader):
    """The CLI hands its loaded evaluator to forked workers; the file is still read there,
    under the limits: a reader that aborts costs its file, not the command."""
    from click.testing import CliRunner

    from iipeval.cli.main import cli

    result = CliRunner().invoke(cli, ["validate", "abort.json", str(GOOD[0]), "--format", "json"])
    assert result.exit_code == 1, result.output
    files = json.loads(result.output)["files"]
    assert [f["findings"][0]["code"] if f["findings"] else None for f in files][:1] == [
        "worker_crashed"
    ]
    assert files[1]["valid"] is True


def test_a_worker_starts_from_the_callers_evaluator_only_when_forked():
    from iipeval.core.api import Evaluator

    ev = Evaluator(params=TIGHT)
    assert intake._Setup(TIGHT, ev)() is ev  # forked: inherited, plugins not loaded again
    other = intake._Setup(Parameters(), ev)()  # other parameters: its own evaluator
    assert other is not ev and other.params == Parameters()
    spawned = pickle.loads(pickle.dumps(intake._Setup(TIGHT, ev)))
    assert spawned.loaded is None and spawned() is not ev  # plugin code is not pickled
