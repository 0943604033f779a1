"""The ``iipeval`` entry point: run the command group; an error outside any command's door
(:mod:`.door`, which handles everything inside a command) still ends as a short Chinese
message with exit 3, the traceback in a log file.

Exit codes: 0 all inputs fine, 1 at least one input rejected (unreadable, or with errors
that need 补正), 2 usage error (bad option, unknown criteria set, bad parameters file, an
output that exists, is locked by another run, lies in an input or cannot be written), 3
an unexpected internal error (the traceback goes to a log file whose path is printed), 4
the outputs could not be written after the work (disk full, permissions); the previous
outputs are left as they were. 130 and 143: interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import sys

from iipeval.cli.app import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Run the command; an unexpected error ends with a short message and exit 3, never a
    traceback on the terminal (the traceback goes to a log file)."""
    try:
        cli(prog_name="iipeval")
    except BrokenPipeError:  # the reader of our output went away (``| head``)
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter exit quiet
        sys.exit(1)
    except KeyboardInterrupt:  # before a command's door was open: nothing was written
        from iipeval.cli import render

        render.echo("已中断。", err=True)
        sys.exit(130)
    except Exception:
        from iipeval.cli.door import EXIT_INTERNAL, crash

        crash()
        sys.exit(EXIT_INTERNAL)
