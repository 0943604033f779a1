"""An interrupted batch (SIGTERM or Ctrl-C) leaves the previous complete output, untouched.

The batch is held mid-run by an input that never finishes reading (a named pipe nobody
writes to), so the signal always arrives while scoring is under way.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from support import REPO


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_keeps_previous_output(tmp_path, sig):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(5):
        shutil.copy(
            REPO / "examples" / "applications" / "national_2023.json", inputs / f"a{n}.json"
        )
    os.mkfifo(inputs / "stuck.json")
    out = tmp_path / "results.json"
    out.write_text('{"previous": "complete"}', "utf-8")
    before = hashlib.sha256(out.read_bytes()).hexdigest()

    proc = subprocess.Popen(
        [sys.executable, "-m", "iipeval.cli", "score", str(inputs), "-o", str(out), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CI": "1"},
    )
    time.sleep(2.0)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    proc.wait(timeout=20)

    assert proc.returncode != 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "results.json"]  # no temp files
