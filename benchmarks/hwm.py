"""``iipeval ARGS`` in this process, which says its own peak resident memory as it exits.

The benchmark reads the line it writes to standard error (``measure.HWM_TAG``): the peak of
the command's own process alone, its workers not included, the writing at the end
included. Nothing else differs from ``python -m iipeval.cli ARGS``.
"""

import atexit
import os
import runpy
import sys


def _peak() -> None:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                sys.stderr.write(f"IIPEVAL_BENCH_HWM_KB {line.split()[1]} {os.getpid()}\n")


if __name__ == "__main__":
    atexit.register(_peak)
    sys.argv = ["iipeval", *sys.argv[1:]]
    runpy.run_module("iipeval.cli", run_name="__main__", alter_sys=True)
