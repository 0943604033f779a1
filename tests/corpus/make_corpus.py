"""Generate the hostile and broken workbook corpus used by the input-safety tests.

Run ``python -m tests.corpus.make_corpus OUT_DIR [GOOD.xlsx]`` (or call :func:`make`). Every
file is built from scratch or from a good workbook, so nothing opaque is committed. Each
entry maps a file name to the guard/reader code it must produce.
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from pathlib import Path

MINIMAL_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="指标数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
    "xl/sharedStrings.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>x</t></si></sst>"
    ),
}
SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def _workbook(path: Path, overrides: dict[str, str | bytes], level: int = 6) -> None:
    parts = {**MINIMAL_PARTS, **overrides}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _sheet(body: str, prolog: str = "", dimension: str | None = "A1") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}{SHEET_HEAD}'
        f"{dim}<sheetData>{body}</sheetData></worksheet>"
    )


def _encryption_flag(path: Path) -> None:
    """A workbook whose parts carry the ZIP "encrypted" flag (no EncryptionInfo part)."""
    _workbook(path, {"xl/worksheets/sheet1.xml": _sheet('<row r="1"><c r="A1"><v>1</v></c></row>')})
    data = bytearray(path.read_bytes())
    for header, flag_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        i = data.find(header)
        while i != -1:
            data[i + flag_at] |= 1
            i = data.find(header, i + 4)
    path.write_bytes(bytes(data))


def _stream_member(path: Path, name: str, head: str, chunk: str, repeats: int, tail: str) -> None:
    """A workbook whose ``name`` part is huge but compresses to almost nothing."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for part, data in MINIMAL_PARTS.items():
            zf.writestr(part, data)
        with zf.open(name, "w", force_zip64=True) as fh:
            fh.write(head.encode())
            block = (chunk * 1000).encode()
            for _ in range(repeats // 1000):
                fh.write(block)
            fh.write(tail.encode())


def _lying_sizes(path: Path) -> None:
    """A valid ZIP whose headers understate the sheet's unpacked size."""
    _workbook(
        path,
        {"xl/worksheets/sheet1.xml": _sheet("<row r='1'>" + "<c><v>1</v></c>" * 50_000 + "</row>")},
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    # local header (offset + 22) and central directory entry both carry the size
    local = info.header_offset
    assert data[local + 22 : local + 26] == real
    data[local + 22 : local + 26] = fake
    eocd = data.rfind(b"PK\x05\x06")
    pos = int.from_bytes(data[eocd + 16 : eocd + 20], "little")  # start of central directory
    while data[pos : pos + 4] == b"PK\x01\x02":
        n, m, k = (int.from_bytes(data[pos + o : pos + o + 2], "little") for o in (28, 30, 32))
        if data[pos + 46 : pos + 46 + n] == info.filename.encode():
            data[pos + 24 : pos + 28] = fake
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))


def _encrypted(path: Path, good: Path) -> None:
    import msoffcrypto.format.ooxml as ooxml

    with good.open("rb") as src, path.open("wb") as out:
        ooxml.OOXMLFile(src).encrypt("secret", out)


def _legacy_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("指标数据").write(0, 0, "旧版文件")
    book.save(str(path))


def _with_macro(path: Path, good: Path) -> None:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            dst.writestr(item, data)
        dst.writestr(
            "xl/vbaProject.bin",
            b"\xd0\xcf\x11\xe0"
            + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub\n',
        )


#: file name → the finding code a user must get for it
EXPECTED = {
    "billion_laughs_sheet.xlsx": "xml_dtd",
    "billion_laughs_sst.xlsx": "xml_dtd",
    "xxe.xlsx": "xml_dtd",
    "zip_bomb_rows.xlsx": "zip_bomb",
    "zip_bomb_whitespace.xlsx": "zip_bomb",
    "sparse_extent.xlsx": "sheet_extent",
    "sparse_no_dimension.xlsx": "sheet_extent",  # one cell at XFD1048576, no <dimension>
    "sparse_lying_dimension.xlsx": "sheet_extent",  # <dimension ref="A1"> but a far cell
    "sparse_far_row.xlsx": "sheet_extent",  # an empty <row r="1048576"/> below a Z1 cell
    "sparse_single_quotes.xlsx": "sheet_extent",  # r='XFD1048576': XML allows either quote
    "encryption_flag.xlsx": "encrypted",
    "lying_sizes.xlsx": "size_mismatch",
    "truncated.xlsx": "corrupt_zip",
    "not_a_zip.xlsx": "not_xlsx",
    "encrypted.xlsx": "encrypted",
    "legacy.xls": "legacy_xls",
    "empty.xlsx": "empty_file",
}
#: readable but must carry a notice
NOTICES = {"macro.xlsm": "macros_present"}


def review_bomb(path: Path, expert_workbook: Path, rows: int = 60_000) -> None:
    """An expert workbook (专家评分表) whose every sheet is a stream of wide rows: about
    1.5 MB on disk, gigabytes once a parser holds it."""
    row = "<row>" + "<c><v>1</v></c>" * 100 + "</row>"  # positions implied, no references
    with (
        zipfile.ZipFile(expert_workbook) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            if not info.filename.startswith("xl/worksheets/sheet"):
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(info.filename, "w", force_zip64=True) as fh:
                fh.write(f'<?xml version="1.0"?>{SHEET_HEAD}<sheetData>'.encode())
                block = (row * 1_000).encode()
                for _ in range(rows // 1_000):
                    fh.write(block)
                fh.write(b"</sheetData></worksheet>")


def make(out: Path, good: Path) -> dict[str, str]:
    """Write the corpus into ``out``; ``good`` is a filled, valid application workbook."""
    out.mkdir(parents=True, exist_ok=True)
    _workbook(
        out / "billion_laughs_sheet.xlsx",
        {
            "xl/worksheets/sheet1.xml": _sheet(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', LAUGHS
            )
        },
    )
    _workbook(
        out / "billion_laughs_sst.xlsx",
        {
            "xl/worksheets/sheet1.xml": _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
            "xl/sharedStrings.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?>{LAUGHS}'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
            ),
        },
    )
    _workbook(
        out / "xxe.xlsx",
        {
            "xl/worksheets/sheet1.xml": _sheet(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>',
                '<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            )
        },
    )
    row = '<row r="1"><c r="A1"><v>1</v></c></row>'
    _stream_member(
        out / "zip_bomb_rows.xlsx",
        "xl/worksheets/sheet1.xml",
        f'<?xml version="1.0"?>{SHEET_HEAD}<sheetData>',
        row,
        3_000_000,
        "</sheetData></worksheet>",
    )
    _stream_member(
        out / "zip_bomb_whitespace.xlsx",
        "xl/worksheets/sheet1.xml",
        f'<?xml version="1.0"?>{SHEET_HEAD}<sheetData>',
        " " * 100,
        1_000_000,
        "</sheetData></worksheet>",
    )
    _workbook(
        out / "sparse_extent.xlsx",
        {
            "xl/worksheets/sheet1.xml": _sheet(
                '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                dimension="A1:XFD1048576",
            )
        },
    )
    far = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    _workbook(
        out / "sparse_no_dimension.xlsx", {"xl/worksheets/sheet1.xml": _sheet(far, dimension=None)}
    )
    _workbook(out / "sparse_lying_dimension.xlsx", {"xl/worksheets/sheet1.xml": _sheet(far)})
    far_row = '<row r="1"><c r="Z1"><v>1</v></c></row><row r="1048576"/>'
    quoted = "<row r='1'><c r='A1'><v>1</v></c></row><row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"
    _workbook(
        out / "sparse_single_quotes.xlsx",
        {"xl/worksheets/sheet1.xml": _sheet(quoted, dimension=None)},
    )
    _workbook(out / "sparse_far_row.xlsx", {"xl/worksheets/sheet1.xml": _sheet(far_row)})
    _encryption_flag(out / "encryption_flag.xlsx")
    _lying_sizes(out / "lying_sizes.xlsx")
    data = good.read_bytes()
    (out / "truncated.xlsx").write_bytes(data[: len(data) // 2])
    (out / "not_a_zip.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 512)
    _encrypted(out / "encrypted.xlsx", good)
    _legacy_xls(out / "legacy.xls")
    (out / "empty.xlsx").write_bytes(b"")
    _with_macro(out / "macro.xlsm", good)
    return {**EXPECTED, **NOTICES}


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tests.corpus.make_corpus OUT_DIR GOOD.xlsx")
    made = make(Path(sys.argv[1]), Path(sys.argv[2]))
    for name, code in made.items():
        print(f"{name:<28} → {code}")
    shutil.disk_usage(sys.argv[1])
