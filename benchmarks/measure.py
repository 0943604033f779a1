"""How ``benchmarks/batch.py`` measures a command: CPU time and memory per process.

* CPU: user + system time of a command and every process it waited for (its workers),
  from ``wait4``: what the machine spent, whatever else ran beside it. Wall time is
  printed but never compared.
* Memory, per process, never summed: the command's own peak (``VmHWM`` read by the
  command itself as it exits, through :data:`HWM_WRAPPER`, so the writing at the end is
  seen), and the largest peak of any process under it (each worker's ``VmHWM``, sampled
  every 20 ms while it lives; the high-water mark only grows, so a sample misses at most
  what a worker added in its last 20 ms).
* Rounds: two or more commands run in turn (A B A B …), each round gives each command's
  figure and their ratio; min and median over rounds are reported, with the load average
  before and after, so a reader sees how quiet the machine was.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: runs ``iipeval`` in its own process and reports that process's peak resident memory
HWM_WRAPPER = HERE / "hwm.py"
HWM_TAG = "IIPEVAL_BENCH_HWM_KB"


@dataclass
class Run:
    cpu: float  # seconds, user + system, the command and its workers
    wall: float
    returncode: int
    own_peak: int | None = None  # bytes: the command's own process
    worker_peak: int = 0  # bytes: the largest process under it
    stdout: str = ""
    stderr: str = ""


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def run(cmd: list[str], env: dict[str, str] | None = None, sample: bool = False) -> Run:
    """Run ``cmd`` to the end; its CPU time from ``wait4`` (itself and what it waited for)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        peaks: dict[int, int] = {}
        done = threading.Event()

        def sampler() -> None:
            while not done.wait(0.02):
                for pid in _descendants(proc.pid):
                    peaks[pid] = max(peaks.get(pid, 0), _hwm(pid))

        thread = threading.Thread(target=sampler, daemon=True)
        if sample:
            thread.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        if sample:
            thread.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = (
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )
    own = next(
        (
            int(line.split()[1]) * 1024
            for line in stderr.splitlines()
            if line.startswith(HWM_TAG) and line.split()[2:] == [str(proc.pid)]
        ),
        None,
    )
    return Run(
        cpu=usage.ru_utime + usage.ru_stime,
        wall=wall,
        returncode=proc.returncode,
        own_peak=own,
        worker_peak=max(peaks.values(), default=0),
        stdout=stdout,
        stderr=stderr,
    )


def iipeval_cmd(*args: str, wrapped: bool = False) -> list[str]:
    """``iipeval ARGS`` as the benchmark runs it; ``wrapped`` reports its own peak memory."""
    if wrapped:
        return [sys.executable, str(HWM_WRAPPER), *args]
    return [sys.executable, "-m", "iipeval.cli", *args]


def bench_env(tmp: Path, bytecode: bool = True) -> dict[str, str]:
    """The environment every measured command gets: no progress bar, and bytecode cached
    the same way for both sides of a comparison (as an installed package has it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["CI"] = "1"
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


@dataclass
class Series:
    """One figure of one command over the rounds."""

    values: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        """(max − min) / median: how much the rounds disagree, a measure of confidence."""
        return (max(self.values) - min(self.values)) / self.median if self.median else 0.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def confidence(ratio: Series) -> str:
    """How far a ratio can be trusted, from how much the rounds agree."""
    s = ratio.spread
    return "high" if s < 0.05 else "fair" if s < 0.15 else "low"
