"""Workbook files as every front end writes them: printed on A4, saved without the clock.

The application template, the expert and AHP forms, the macro-enabled workbooks and the
results workbook each had their own copy of both; the same inputs must give the same bytes
(committed templates are compared byte for byte) and the same page on paper.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

#: the footer of every printed page: sheet name, page n of N
FOOTER = "&A　第 &P 页，共 &N 页"


def print_a4(
    ws: Worksheet,
    *,
    landscape: bool = True,
    wide: int = 1,
    title_rows: str | None = None,
    title_cols: str | None = None,
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.7, 0.7),
    header_footer: float | None = None,
    footer: str = FOOTER,
    footer_size: int | None = 9,
) -> None:
    """A4, ``wide`` pages across and as many down as needed, centred, header rows repeated.

    ``margins`` are left, right, top, bottom in inches."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    m = ws.page_margins
    m.left, m.right, m.top, m.bottom = margins
    if header_footer is not None:
        m.header = m.footer = header_footer
    ws.oddFooter.center.text = footer
    if footer_size is not None:
        ws.oddFooter.center.size = footer_size
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


def zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP entry's date for ``when`` (UTC, whole seconds; ZIP cannot go before 1980)."""
    t = _utc(when)
    return (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)


def pin_zip(data: bytes, when: datetime, target: str | Path | None = None) -> bytes | None:
    """The same workbook with no clock in it: every entry dated ``when`` (mode 0644) and the
    save time openpyxl writes into ``docProps/core.xml`` set to ``when``.

    Returns the bytes, or, with ``target``, streams them into that file (a large results
    workbook is not held twice in memory) and returns ``None``."""
    stamp = zip_time(when)
    text = _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO() if target is None else target
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + text.encode() + rb"\g<2>",
                    body,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue() if target is None else None
