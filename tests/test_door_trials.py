"""Ctrl-C, kill -9 and two runs racing, over every command of ``tests/door_commands.py``.

Each run is held at a known point by a handshake, never by a sleep: ``HOLD=commit`` stops
it inside its output set's commit, after the first member is written to its temporary
file; ``HOLD=worker`` stops every sandboxed worker in its first read. The test then sends
the signal (to the whole process group, as a terminal's Ctrl-C does) or starts a second
run, and checks what a user would find: the exit status and words, no partial set, no
temporary file, no lock, no worker left running, and a rerun that completes the set.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from door_commands import COMMANDS, WRITERS, args_of, build, residue, written

#: Runs ``iipeval`` with a hold point; SIGINT is reset first, since a test runner started as
#: a background job (SIGINT ignored) would otherwise pass the ignore on and Ctrl-C would
#: never arrive.
HOLD = r"""
import dataclasses, os, signal, sys, threading
signal.signal(signal.SIGINT, signal.default_int_handler)
hold = os.environ.get("HOLD", "")

def say(text):
    os.write(1, (text + "\n").encode())

if hold == "commit":
    from iipeval.present import atomic
    real_commit, real_fsync, state = atomic.OutputSet.commit, atomic._fsync, {"on": False}

    def commit(self, writers, modes=None):
        state["on"] = True
        return real_commit(self, writers, modes)

    def fsync(path):
        real_fsync(path)
        if state["on"]:  # the first member is complete in its temporary file
            state["on"] = False
            say("READY")
            sys.stdin.readline()  # held until the test says so, or the run is ended

    atomic.OutputSet.commit, atomic._fsync = commit, fsync
elif hold == "worker":
    from iipeval.core.intake import sandbox
    real_run = sandbox.run_in_workers

    def held(state, item):  # a worker's stdin is /dev/null: it waits on an event instead
        say(f"WORKER {os.getpid()}")
        threading.Event().wait()

    def run_in_workers(items, job, **kwargs):
        return real_run(items, dataclasses.replace(job, task=held), **kwargs)

    sandbox.run_in_workers = run_in_workers
from iipeval.cli.main import main
sys.argv[0] = "iipeval"
main()
"""

WORKERS = [n for n, s in COMMANDS.items() if s.workers]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return build(tmp_path_factory.mktemp("round"))


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    path = tmp_path_factory.mktemp("hold") / "hold.py"
    path.write_text(HOLD, "utf-8")
    return path


class Run:
    """One command started in a session of its own (a terminal's process group)."""

    def __init__(self, script: Path, args: list, hold: str, scratch: Path) -> None:
        env = {**os.environ, "CI": "1", "HOLD": hold, "TMPDIR": str(scratch)}
        self.proc = subprocess.Popen(
            [sys.executable, str(script), *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )

    def until(self, word: str) -> str:
        """The first stdout line starting with ``word`` (the run reached its hold)."""
        for line in self.proc.stdout:
            if line.startswith(word):
                return line.strip()
        raise AssertionError(f"never reached {word}: {self.proc.stderr.read()[-2000:]}")

    def signal(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)

    def end(self) -> tuple[int, str]:
        try:
            _, err = self.proc.communicate(timeout=120)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode, err


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (its sandboxed workers)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                out.append(int(entry.name))
    return out


def gone(pids: list[int], timeout: float = 60) -> list[int]:
    """Which of ``pids`` still run once each has had ``timeout`` to exit (waited on with
    a pidfd: no polling, no sleep)."""
    left = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                left.append(pid)
                os.kill(pid, signal.SIGKILL)
        finally:
            os.close(fd)
    return left


def scratch_left(scratch: Path) -> list[str]:
    return sorted(p.name for p in scratch.iterdir() if p.name.startswith(".~iipeval-"))


@pytest.fixture
def places(tmp_path):
    out, scratch = tmp_path / "out", tmp_path / "tmp"
    out.mkdir()
    scratch.mkdir()
    return out, scratch


# -- while writing: Ctrl-C, another run, kill -9 ------------------------------------------


@pytest.mark.parametrize("name", WRITERS)
def test_while_writing_a_second_run_refuses_and_ctrl_c_leaves_no_partial_set(
    env, script, places, name
):
    out, scratch = places
    first = Run(script, args_of(name, env, out), "commit", scratch)
    try:
        first.until("READY")  # holds the folder's lock, one member in a temporary file
        second = Run(script, args_of(name, env, out), "", scratch)
        code, err = second.end()
        assert code == 2 and "另一个 iipeval 正在" in err, err
        first.signal(signal.SIGINT)
    finally:
        code, err = first.end()
    assert code == 130 and "已中断" in err and "Traceback" not in err, err
    assert "未写出任何输出" in err
    assert written(out) in ([], [w for w in COMMANDS[name].writes if w.endswith("/")]), err
    assert residue(out) == [] and scratch_left(scratch) == []


@pytest.mark.parametrize("name", WRITERS)
def test_kill_9_while_writing_leaves_no_partial_set_and_the_rerun_completes_it(
    env, script, places, name
):
    out, scratch = places
    run = Run(script, args_of(name, env, out), "commit", scratch)
    try:
        run.until("READY")
        run.proc.kill()
    finally:
        code, _ = run.end()
    assert code == -9
    done = [w for w in written(out) if not w.startswith(".")]
    assert all(w.endswith("/") for w in done), done  # temporary files only, no member
    again = Run(script, args_of(name, env, out), "", scratch)
    code, err = again.end()
    assert code in (0, 1), err
    assert written(out) == sorted(COMMANDS[name].writes), err
    assert residue(out) == [] and scratch_left(scratch) == []


# -- while reading: Ctrl-C and kill -9 leave no worker behind -------------------------------


def held_in_workers(script: Path, args: list, scratch: Path, end: int):
    """Run until every worker holds its first read, then end the run with ``end`` (SIGINT
    to the whole group, as a terminal does; SIGKILL to the command alone): its status and
    words, and the workers still running once each has had time to exit."""
    run = Run(script, args, "worker", scratch)
    try:
        run.until("WORKER")
        workers = children(run.proc.pid)
        assert workers
        if end == signal.SIGINT:
            run.signal(signal.SIGINT)
        else:
            run.proc.kill()
    finally:
        code, err = run.end()
    return code, err, gone(workers)


@pytest.mark.parametrize("name", WORKERS)
def test_ctrl_c_while_reading_stops_every_worker_with_no_traceback(env, script, places, name):
    out, scratch = places
    code, err, left = held_in_workers(script, args_of(name, env, out), scratch, signal.SIGINT)
    assert code == 130 and "已中断" in err and "Traceback" not in err, err
    assert left == []
    assert written(out) in ([], [w for w in COMMANDS[name].writes if w.endswith("/")])
    assert residue(out) == [] and scratch_left(scratch) == []


@pytest.mark.parametrize("name", WORKERS)
def test_kill_9_while_reading_leaves_no_orphaned_worker(env, script, places, name):
    out, scratch = places
    code, _, left = held_in_workers(script, args_of(name, env, out), scratch, signal.SIGKILL)
    assert code == -9 and left == []
