"""Work shared out to forked processes by index: nothing is pickled on the way in."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

#: the work shared out by :func:`_in_processes`; forked workers inherit it
_SHARED: tuple = ()


def _in_processes(task, shared: tuple, jobs: int) -> list:
    """``[task(k) for k in range(len(shared[1]))]``, the k-th item of ``shared[1]`` each.
    With ``jobs`` > 1 forked processes take their share (nothing is pickled on the way in
    but an index); a failure in one is raised here as it would be in-process."""
    global _SHARED
    _SHARED = shared
    n = len(shared[1])
    try:
        if jobs <= 1 or n <= 1 or "fork" not in mp.get_all_start_methods():
            return [task(k) for k in range(n)]
        with ProcessPoolExecutor(min(jobs, n), mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(task, range(n), chunksize=max(1, n // (4 * jobs))))
    finally:
        _SHARED = ()


def shared() -> tuple:
    """What :func:`_in_processes` shares with the task running now (in this process or a
    forked worker)."""
    return _SHARED
