"""``score -o results.xlsx`` loads no numpy: openpyxl would load it only to take numpy
numbers as cell values, which the results workbook never writes (cli/score.py)."""

from __future__ import annotations

import subprocess
import sys

from support import REPO

EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"


def test_writing_the_results_workbook_loads_no_numpy(tmp_path):
    code = (
        "import sys; from click.testing import CliRunner; from iipeval.cli.main import cli;"
        f"r = CliRunner().invoke(cli, ['score', {str(EXAMPLE)!r}, '-o', {str(tmp_path / 'r.xlsx')!r}]);"
        "print(r.exit_code, 'numpy' in sys.modules, 'openpyxl' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["0", "False", "True"], proc.stdout + proc.stderr
    assert (tmp_path / "r.csv").stat().st_size > 0
