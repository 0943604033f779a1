"""An untrusted workbook read once: one open, each part inflated at most once, checked first.

A workbook is a ZIP of XML parts. The guard, the visibility check and the reader of an
application all need some of them; reading the file and inflating a sheet once for each
of them was most of the time a file took. A :class:`Package` opens the file once, reads
it whole (its size is capped first), parses the ZIP directory once and inflates each part
the first time anyone asks for it, keeping the bytes.

Nothing is parsed before it is checked. When the package opens: the file's size and
kind (an old ``.xls``, an encrypted file, not a ZIP), the number of parts, and each
part's declared size (the compression ratio of a ZIP bomb, the per-part and total caps,
the encryption flags). When a part is inflated: its real size against the declared one,
its checksum, a DTD before its root element (entity bombs, XXE) and, for a sheet, the
cells it really names (one cell at XFD1048576 makes a parser allocate a grid of 17
billion cells). A part no one asks for is never inflated, so it costs nothing.

Parsers are handed bytes, never the file: calamine reads an uncompressed copy of the
parts it needs (:meth:`Package.stored`), so it inflates nothing again.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from iipeval.core.scoring.params import InputLimits

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
PROLOG_LIMIT = 64 * 1024
#: How far a part is searched for its root element before its prolog is judged.
PROLOG_WINDOW = 256 * 1024
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
ROOT_START = re.compile(rb"<[A-Za-z_]")
#: A cell's or a row's own reference: what a parser will actually allocate for. One
#: pattern for both, so the sheet's bytes are scanned once. XML quotes an attribute with
#: either quotation mark, and so does a parser.
REF = re.compile(
    rb'<(?:\w+:)?(?:c\b[^>]{0,200}?\sr=["\']([A-Z]{1,3})(\d{1,9})["\']'
    rb'|row\b[^>]{0,200}?\sr=["\'](\d{1,9})["\'])'
)
#: A reference that may lie beyond column ZZ or row 999; a sheet without one cannot reach
#: :data:`SMALL_EXTENT` cells, so its references need not be counted one by one.
FAR = re.compile(rb'r=["\'](?:[A-Z]{3}|[A-Z]{0,2}\d{4})')
SMALL_EXTENT = 702 * 999
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # a ZIP local file header
_CORRUPT = "文件已损坏或不完整，无法作为 .xlsx 读取；请在 Excel 中重新保存后提交"


class Refused(Exception):
    """The file must not be parsed: ``code`` names why, ``message`` tells the applicant."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Package:
    """The parts of one workbook file, read once (see the module's docstring).

    Open it with :func:`open_package`; :meth:`part` inflates a part (checked) the first
    time and keeps it. ``notices`` are facts worth telling (macros present), not refusals.
    """

    def __init__(self, path: Path, data: bytes, limits: InputLimits) -> None:
        self.path = path
        self.limits = limits
        self.notices: list[tuple[str, str]] = []
        self._data = data
        try:
            self._infos = {i.filename: i for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}
        except RuntimeError:  # zipfile: "File ... is encrypted, password required"
            raise Refused("encrypted", _ENCRYPTED) from None
        except (zipfile.BadZipFile, EOFError, zlib.error, ValueError, NotImplementedError):
            raise Refused("corrupt_zip", _CORRUPT) from None
        self._parts: dict[str, bytes] = {}
        self._check_directory()

    # the whole file, from its directory ---------------------------------------------------

    def _check_directory(self) -> None:
        limits, names = self.limits, self._infos
        if len(names) > limits.max_members:
            raise Refused(
                "too_many_parts", f"工作簿含 {len(names)} 个部件，超过上限 {limits.max_members}"
            )
        if "[Content_Types].xml" not in names:
            raise Refused(
                "not_xlsx", "文件是 ZIP 压缩包但不是 Excel 工作簿（缺少 [Content_Types].xml）"
            )
        if "EncryptionInfo" in names:
            raise Refused("encrypted", "文件已加密，无法读取：请在 Excel 中取消密码后重新提交")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            self.notices.append(
                ("macros_present", "工作簿含宏（VBA），已仅作为数据读取，宏不会被执行")
            )
        total = 0
        for info in names.values():
            _check_declared(info, limits)
            total += info.file_size
            if total > limits.max_total_bytes:
                raise Refused(
                    "too_large_unpacked", "工作簿解压后总大小超过上限（疑似压缩炸弹），已拒绝读取"
                )

    # parts ---------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every part's name, in the order of the ZIP directory."""
        return list(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def size(self, name: str) -> int:
        """The part's declared (and, once inflated, checked) size."""
        return self._infos[name].file_size

    def part(self, name: str) -> bytes:
        """The part's bytes, inflated and checked the first time (:class:`Refused` if they
        must not be parsed; ``KeyError`` if there is no such part)."""
        found = self._parts.get(name)
        if found is None:
            info = self._infos[name]
            found = self._parts[name] = _checked(info, self._inflate(info), self.limits)
        return found

    #: what a reader of a ``zipfile.ZipFile`` calls, so the same code reads either
    read = part

    def namelist(self) -> list[str]:
        return self.names()

    def key(self, name: str) -> bytes:
        """The part's stored bytes with its method, size and checksum: equal keys mean equal
        contents (inflating is deterministic), known without inflating anything."""
        info = self._infos[name]
        head = struct.pack("<HII", info.compress_type, info.file_size, info.CRC)
        return head + self._stored_bytes(info)

    def stored(self, names: Iterable[str]) -> bytes:
        """An uncompressed ZIP of ``names`` (each inflated and checked here if it was not
        already): what a parser reads instead of the file, with nothing to inflate."""
        return _stored_zip([(n, self.part(n), self._infos[n].CRC) for n in names])

    def _stored_bytes(self, info: zipfile.ZipInfo) -> memoryview:
        """The part's bytes as stored in the file (compressed), after its local header."""
        view = memoryview(self._data)
        at = info.header_offset
        if at < 0 or at + _LOCAL.size > len(view):
            raise Refused("corrupt_zip", _CORRUPT)
        sig, _, flags, *_rest, name_len, extra_len = _LOCAL.unpack_from(view, at)
        start = at + _LOCAL.size + name_len + extra_len
        local_name = bytes(view[at + _LOCAL.size : at + _LOCAL.size + name_len])
        if sig != b"PK\x03\x04" or start + info.compress_size > len(view):
            raise Refused("corrupt_zip", _CORRUPT)
        if (
            local_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            != info.orig_filename
        ):
            raise Refused("corrupt_zip", _CORRUPT)  # zipfile refuses this too
        if flags & 0x1:  # the encryption flag only in the part's local header
            raise Refused(
                "encrypted", f"部件 {info.filename} 已加密：请在 Excel 中取消密码后重新提交"
            )
        return view[start : start + info.compress_size]

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        """The part's bytes, never more than its declared size plus one: a part whose
        stream runs on past what its header says is cut there and refused."""
        raw = self._stored_bytes(info)
        cap = min(self.limits.max_member_bytes, max(info.file_size, 0)) + 1
        if info.compress_type == zipfile.ZIP_STORED:
            return bytes(raw[:cap])
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise Refused("corrupt_zip", _CORRUPT)  # Excel writes nothing else
        inflater = zlib.decompressobj(-15)
        try:
            out = inflater.decompress(raw, cap)
        except zlib.error:
            raise Refused("corrupt_zip", _CORRUPT) from None
        if not inflater.eof and len(out) <= info.file_size:
            raise Refused("corrupt_zip", _CORRUPT)  # the stream ends early: truncated
        return out


_ENCRYPTED = "文件含加密部件，无法读取：请在 Excel 中取消密码后重新提交"


_DOS_DATE = 0x21  # 1980-01-01, the earliest a ZIP can say


def _stored_zip(parts: list[tuple[str, bytes, int]]) -> bytes:
    """A ZIP of (name, bytes, CRC-32) stored as they are: the checksums were verified
    when the parts were inflated, so they are not computed again."""
    chunks, central, offset = [], [], 0
    for name, data, crc in parts:
        raw = name.encode("utf-8")
        sizes = (crc, len(data), len(data), len(raw))
        local = struct.pack("<4s5H3IHH", b"PK\x03\x04", 20, 0x800, 0, 0, _DOS_DATE, *sizes, 0)
        central.append(
            struct.pack(
                "<4s6H3I5HII",
                b"PK\x01\x02",
                20,
                20,
                0x800,
                0,
                0,
                _DOS_DATE,
                *sizes,
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + raw
        )
        chunks += (local, raw, data)
        offset += len(local) + len(raw) + len(data)
    directory = b"".join(central)
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), offset, 0
    )
    return b"".join([*chunks, directory, end])


def open_package(path: str | Path, limits: InputLimits | None = None) -> Package:
    """Open ``path`` once and check it as a whole (:class:`Refused` if it must not be read)."""
    limits = limits or InputLimits()
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise Refused("empty_file", "文件为空（0 字节），请重新导出申报表后提交")
            if size > limits.max_file_bytes:
                raise Refused(
                    "file_too_large",
                    f"文件大小 {size / 2**20:.1f} MB 超过上限 {limits.max_file_bytes / 2**20:.0f} MB，"
                    "申报表通常不会这么大，请检查是否嵌入了图片或附件（佐证材料请另行提交）",
                )
            data = _read_capped(fh, size, limits.max_file_bytes)
    except OSError as exc:
        raise Refused("unreadable", f"无法读取文件：{exc.strerror}") from None
    if len(data) > limits.max_file_bytes:  # it grew while being read
        raise Refused("file_too_large", f"文件大小超过上限 {limits.max_file_bytes / 2**20:.0f} MB")
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in data[: 8 * 2**20]:
            raise Refused(
                "encrypted", "文件已加密（设有打开密码），无法读取：请在 Excel 中取消密码后重新提交"
            )
        raise Refused(
            "legacy_xls",
            "这是旧版 Excel 文件（.xls），请在 Excel 中“另存为” Excel 工作簿（.xlsx）后重新提交",
        )
    if not data.startswith(ZIP_MAGIC):
        raise Refused(
            "not_xlsx",
            "文件不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件，请用 Excel 另存为 .xlsx 后提交",
        )
    return Package(path, data, limits)


def _read_capped(fh, size: int, cap: int) -> bytes:
    """Up to ``cap + 1`` bytes of ``fh``, as one ``read(cap + 1)`` gives them, asked for in
    the size the file has: a read of the cap (20 MB) has Python allocate the cap, fresh
    pages from the system for every file, before it shrinks to the 30 kB a 申报表 has."""
    data = fh.read(size + 1)
    if len(data) > size:  # it grew since it was measured: read on, up to the cap
        data += fh.read(cap + 1 - len(data))
    return data


# checks on one part -----------------------------------------------------------------------


def _check_declared(info: zipfile.ZipInfo, limits: InputLimits) -> None:
    """What the ZIP directory says of a part, before anything is inflated."""
    if info.flag_bits & 0x1:
        raise Refused("encrypted", f"部件 {info.filename} 已加密：请在 Excel 中取消密码后重新提交")
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise Refused(
            "zip_bomb",
            f"部件 {info.filename} 压缩比 {info.file_size / max(info.compress_size, 1):.0f}:1 异常（疑似压缩炸弹），已拒绝读取",
        )
    if info.file_size > limits.max_member_bytes:
        raise Refused(
            "part_too_large", f"部件 {info.filename} 解压后 {info.file_size} 字节，超过上限"
        )


def _checked(info: zipfile.ZipInfo, data: bytes, limits: InputLimits) -> bytes:
    """``data`` if the part may be parsed: its real size and checksum are the declared
    ones, it declares no DTD and, for a sheet, the cells it names fit the limit."""
    name = info.filename
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise Refused(
            "size_mismatch",
            f"部件 {name} 的内容与 ZIP 头部声明的大小或校验值不符，文件被篡改或损坏，已拒绝读取",
        )
    if name.endswith((".xml", ".rels", ".vml")):
        _check_prolog(data, name)
        if name.startswith("xl/worksheets/"):
            _check_extent(data, name, limits)
    return data


def _check_prolog(data: bytes, name: str) -> None:
    """A DTD (and so any ENTITY) can only stand before the root element, so only the
    prolog is examined; "<?xml" and "<!--" do not match ROOT_START."""
    root = ROOT_START.search(data, 0, PROLOG_WINDOW)
    before = data[: root.start()] if root else data[:PROLOG_WINDOW]
    upper = before.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise Refused(
            "xml_dtd",
            f"部件 {name} 含 DOCTYPE/ENTITY 声明（Excel 不会生成），疑似恶意文件，已拒绝读取",
        )
    if root is None and len(data) > PROLOG_LIMIT:
        raise Refused("xml_prolog", f"部件 {name} 的 XML 前导异常冗长，已拒绝读取")


def _check_extent(data: bytes, name: str, limits: InputLimits) -> None:
    """The sheet's declared range, then the largest row and column any cell really names.

    ``<dimension>`` is optional and may lie; a parser sizes its grid from the cells, so
    the references are counted: one regular-expression pass over the sheet's bytes.
    """
    m = DIMENSION.search(data, 0, 4096)
    if m and m.group(3):
        cols = _col(m.group(3)) - _col(m.group(1) or b"A") + 1
        rows = int(m.group(4)) - int(m.group(2) or 1) + 1
        if rows * cols > limits.max_cells:
            raise Refused(
                "sheet_extent",
                f"工作表 {name} 声明的范围为 {rows} 行 × {cols} 列，超过上限 {limits.max_cells} 个单元格，已拒绝读取",
            )
    if limits.max_cells >= SMALL_EXTENT and not FAR.search(data):
        return
    found = REF.findall(data)  # (column, row) of a cell, or ("", "", row) of a row
    if not found:
        return
    cols_seen, cell_rows, row_rows = zip(*found, strict=True)
    # the maxima over each distinct spelling: a few hundred, not one per cell
    n_cols = max(map(_col, set(cols_seen)))
    n_rows = max(map(int, (set(cell_rows) | set(row_rows)) - {b""}), default=0)
    if n_rows * max(n_cols, 1) > limits.max_cells:
        raise Refused(
            "sheet_extent",
            f"工作表 {name} 的单元格实际延伸到第 {n_rows} 行、第 {n_cols} 列，超过上限 {limits.max_cells} 个单元格，已拒绝读取",
        )


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
