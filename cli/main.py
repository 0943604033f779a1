"""The ``iipeval`` entry point: run the command group, and turn an unexpected error into a
short Chinese message with exit 3 (the traceback goes to a log file).

Exit codes: 0 all inputs fine, 1 at least one input rejected (unreadable, or with errors
that need 补正), 2 usage error (bad option, unknown criteria set, bad parameters file, an
output that exists, is locked by another run, lies in an input or cannot be written), 3
an unexpected internal error (the traceback goes to a log file whose path is printed), 4
the outputs could not be written after the work (disk full, permissions); the previous
outputs are left as they were.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

import click

from iipeval.cli.app import EXIT_INTERNAL, cli

__all__ = ["cli", "main"]


def _crash_log(text: str) -> Path | None:
    """Write the traceback of an unexpected error where a user can find and send it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"iipeval-error-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError:
        return None
    return Path(name)


def main() -> None:
    """Run the command; an unexpected error ends with a short message and exit 3, never a
    traceback on the terminal (the traceback goes to a log file)."""
    try:
        cli(prog_name="iipeval")
    except BrokenPipeError:  # the reader of our output went away (``| head``)
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter exit quiet
        sys.exit(1)
    except Exception:
        log = _crash_log(traceback.format_exc())
        where = f"详细信息已写入 {log}，请将该文件发给技术支持" if log else "且无法写入错误日志"
        click.echo(f"错误：iipeval 内部出错，已停止（{where}）。此前的输出文件未被改动。", err=True)
        sys.exit(EXIT_INTERNAL)
