"""An interrupted batch (SIGTERM or Ctrl-C) leaves the previous complete output, untouched.

The batch is held mid-run by an input whose reader announces that it has started and then
never finishes; the test waits for that announcement (no fixed sleeps), so the signal
always arrives while scoring is under way, however loaded the machine is.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys

import pytest
from support import REPO

#: Runs the command with a reader that, for ``hold.json``, says READY and then blocks.
#: SIGINT is reset first: a test runner started as a background job (SIGINT ignored) passes
#: the ignore on to its children, and the Ctrl-C below would never arrive.
HOLD = r"""
import signal, sys, threading
signal.signal(signal.SIGINT, signal.default_int_handler)
from iipeval.excel import intake

real = intake.read_application

def read_application(path, ev):
    if path.name == "hold.json":
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        threading.Event().wait()  # never set: held until the run is interrupted
    return real(path, ev)

intake.read_application = read_application
from iipeval.cli.main import main
sys.argv[0] = "iipeval"
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_keeps_previous_output(tmp_path, sig):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(5):
        shutil.copy(
            REPO / "examples" / "applications" / "national_2023.json", inputs / f"a{n}.json"
        )
    shutil.copy(REPO / "examples" / "applications" / "national_2023.json", inputs / "hold.json")
    out = tmp_path / "results.json"
    out.write_text('{"previous": "complete"}', "utf-8")
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    script = tmp_path / "hold.py"
    script.write_text(HOLD, "utf-8")

    proc = subprocess.Popen(
        [sys.executable, str(script), "score", str(inputs), "-o", str(out), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "1"},
    )
    try:
        assert proc.stdout.readline() == "READY\n", proc.stderr.read()  # the handshake
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    script.unlink()

    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr.read()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "results.json"]  # no temp files
