"""The two fast writers lean on openpyxl's internals; an openpyxl that changes them fails here.

``excel/cells/sheetwrite.py`` writes rows as XML into the parts openpyxl's
``WorksheetWriter`` makes (``tests/test_sheetwrite.py`` checks it against openpyxl writing
the same cells one by one). The results workbook is saved through ``ExcelWriter`` into a
ZIP that dates every entry and streams each sheet from the temporary file openpyxl
writes it to (``reports.results_workbook.save_deterministic``): it must give exactly the
parts openpyxl's own ``save`` gives. ``pyproject.toml`` pins the openpyxl versions these
were checked against.
"""

from __future__ import annotations

import io
import zipfile
from importlib.metadata import version

from reports_batch import GENERATED_AT, demo_batch

from iipeval.present.xlsx import pin_zip
from iipeval.reports.results_workbook import build_workbook, save_deterministic


def parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def test_the_streamed_save_writes_what_openpyxls_own_save_writes(tmp_path):
    batch = demo_batch()
    streamed = tmp_path / "streamed.xlsx"
    save_deterministic(build_workbook(batch, generated_at=GENERATED_AT), streamed, GENERATED_AT)
    buf = io.BytesIO()
    build_workbook(batch, generated_at=GENERATED_AT).save(buf)
    own = pin_zip(buf.getvalue(), GENERATED_AT)
    assert parts(streamed.read_bytes()) == parts(own)
    assert streamed.read_bytes() == own  # and the ZIP around them, byte for byte


def test_openpyxl_is_a_version_the_writers_were_checked_against():
    major, minor, patch = (int(x) for x in version("openpyxl").split(".")[:3])
    assert (major, minor) == (3, 1) and patch >= 5, (
        "the fast writers were checked against openpyxl 3.1.5+ below 3.2: run "
        "tests/test_sheetwrite.py and tests/test_openpyxl_internals.py, then widen the pin"
    )
