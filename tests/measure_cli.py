"""Run the iipeval command in this fresh process; report its peak memory on exit.

``python tests/measure_cli.py score ...`` behaves exactly as ``iipeval score ...`` and
writes one last stderr line ``PEAK_RSS_KB main=<kB> workers=<kB>``: the peak resident set
of this process (the command's main process) and of the largest worker it waited for.
Measuring in a fresh process keeps earlier children of the test runner out of the figure.
The main process's figure is ``VmHWM`` (Linux), the high-water mark of this program's own
memory: ``ru_maxrss`` of a process started by ``fork`` + ``exec`` also counts what its
parent (the test runner, hundreds of MB late in a suite) had resident at the fork.
"""

import atexit
import resource
import sys


def _own_peak_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report() -> None:
    me = _own_peak_kb()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\nPEAK_RSS_KB main={me} workers={kids}\n")


def parse(stderr: str) -> tuple[float, float]:
    """``(main, workers)`` peak RSS in MB from the last line this script wrote."""
    line = [x for x in stderr.splitlines() if x.startswith("PEAK_RSS_KB ")][-1]
    main, workers = (int(part.split("=")[1]) for part in line.split()[1:])
    return main / 1024, workers / 1024


if __name__ == "__main__":
    atexit.register(_report)
    from iipeval.cli.main import main

    sys.argv[0] = "iipeval"
    main()
