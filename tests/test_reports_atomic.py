"""Outputs are written whole or not at all: no overwrite without --force, no truncated file
after an error, Ctrl-C or SIGTERM, no temporary file left behind."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from iipeval.present.atomic import OutputError, OutputExists, sigterm_raises, write_atomic

REPO = Path(__file__).resolve().parents[1]


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "评分结果.xlsx"
    out.write_bytes(b"old")
    called = []
    with pytest.raises(OutputExists) as exc:
        write_atomic(out, called.append, force=False)
    assert "评分结果.xlsx" in str(exc.value) and "--force" in str(exc.value)
    assert called == []  # nothing was even started
    assert out.read_bytes() == b"old"
    assert files(tmp_path) == ["评分结果.xlsx"]


def test_force_replaces_and_new_files_need_no_force(tmp_path):
    out = tmp_path / "out.csv"
    write_atomic(out, lambda p: p.write_bytes(b"first"), force=False)
    write_atomic(out, lambda p: p.write_bytes(b"second"), force=True)
    assert out.read_bytes() == b"second"
    assert files(tmp_path) == ["out.csv"]


def test_writer_gets_a_hidden_temp_file_with_the_same_suffix_in_the_same_directory(tmp_path):
    seen = []

    def write(p: Path) -> None:
        seen.append(p)
        p.write_bytes(b"x")

    write_atomic(tmp_path / "结果.xlsx", write, force=False)
    [tmp] = seen
    assert tmp.parent == tmp_path
    assert tmp.name.startswith(".") and tmp.suffix == ".xlsx"
    assert not tmp.exists()


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_midway_keeps_previous_output_and_removes_temp(tmp_path, error):
    out = tmp_path / "out.json"
    out.write_bytes(b'{"complete": true}')

    def write(p: Path) -> None:
        p.write_bytes(b'{"compl')  # half a file...
        raise error

    with pytest.raises(type(error)):
        write_atomic(out, write, force=True)
    assert out.read_bytes() == b'{"complete": true}'
    assert files(tmp_path) == ["out.json"]


def test_failure_on_first_write_leaves_nothing(tmp_path):
    def write(p: Path) -> None:
        p.write_bytes(b"partial")
        raise ValueError("bad")

    with pytest.raises(ValueError):
        write_atomic(tmp_path / "new.xlsx", write, force=False)
    assert files(tmp_path) == []


def test_output_gets_ordinary_permissions_not_the_temp_files(tmp_path):
    out = tmp_path / "out.csv"
    old = os.umask(0o022)
    try:
        write_atomic(out, lambda p: p.write_bytes(b"a"), force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # mkstemp alone would give 0o600


def test_missing_directory_and_directory_target_are_explained(tmp_path):
    with pytest.raises(OutputError, match="不存在"):
        write_atomic(tmp_path / "nope" / "a.csv", lambda p: None, force=True)
    with pytest.raises(OutputError, match="目录"):
        write_atomic(tmp_path, lambda p: None, force=True)


def test_sigterm_handler_is_restored_after_the_block():
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_raises():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


# -- interrupted processes ---------------------------------------------------------------

# The child writes a real results workbook; a test hook makes the zip writer stop after a
# few entries of the target file, announce it and wait to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time, zipfile
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from reports_batch import GENERATED_AT, demo_batch
    from iipeval.present.atomic import sigterm_raises, write_atomic
    from iipeval.reports.results_workbook import write_results_workbook

    batch = demo_batch()
    original = zipfile.ZipFile.writestr
    count = 0

    def slow_writestr(self, *args, **kwargs):
        global count
        original(self, *args, **kwargs)
        if isinstance(self.filename, str):  # the file on disk, not the in-memory build
            count += 1
            if count == 5:
                self.fp.flush()
                print("WRITING", self.filename, flush=True)
                time.sleep(60)

    zipfile.ZipFile.writestr = slow_writestr
    target = Path(sys.argv[1])
    write = lambda tmp: write_results_workbook(batch, tmp, generated_at=GENERATED_AT)
    if sys.argv[2] == "handled":
        with sigterm_raises():
            write_atomic(target, write, force=True)
    else:
        write_atomic(target, write, force=True)
    print("DONE", flush=True)
    """
)


def interrupt(tmp_path: Path, mode: str, sig: int) -> tuple[int, str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(tests=str(REPO / "tests")), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "评分结果.xlsx"
    target.write_bytes(b"PREVIOUS COMPLETE FILE")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(target), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("WRITING"), line + proc.stderr.read()
        tmp = Path(line.split(" ", 1)[1].strip())
        assert tmp.parent == out_dir and tmp.stat().st_size > 0  # mid-way through the file
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert target.read_bytes() == b"PREVIOUS COMPLETE FILE"
    return proc.returncode, " ".join(files(out_dir))


def test_sigterm_mid_write_leaves_the_previous_file_and_no_temp(tmp_path):
    code, left = interrupt(tmp_path, "handled", signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert left == "评分结果.xlsx"


def test_ctrl_c_mid_write_leaves_the_previous_file_and_no_temp(tmp_path):
    code, left = interrupt(tmp_path, "unhandled", signal.SIGINT)
    assert code != 0
    assert left == "评分结果.xlsx"


def test_without_the_handler_sigterm_would_leave_a_truncated_temp_file(tmp_path):
    # Why sigterm_raises exists: Python's default SIGTERM kills without cleanup. The
    # target is still safe (rename never happened) but the partial file stays behind.
    code, left = interrupt(tmp_path, "unhandled", signal.SIGTERM)
    assert code == -signal.SIGTERM
    assert left.startswith(".~iipeval-") and left.endswith(".xlsx 评分结果.xlsx")
