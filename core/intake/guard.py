"""Check an untrusted workbook with the standard library before any parser touches it.

Applicants' files come from outside. A parser handed a ZIP bomb, an XML entity bomb or a
sheet that claims a million rows can exhaust the machine; so every limit here is checked
on the raw bytes first, and every refusal says in Chinese what is wrong and what to do.
The defaults sit far above any real 申报表 (a few hundred KB, one sheet of a few hundred
rows) and are parameters (:class:`GuardLimits`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from iipeval.core.scoring.params import InputLimits

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
PROLOG_LIMIT = 64 * 1024
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')
ROOT_START = re.compile(rb"<[A-Za-z_]")
#: A cell's or a row's own reference: what a parser will actually allocate for. One
#: pattern for both, so the sheet's bytes are scanned once.
REF = re.compile(
    rb'<(?:\w+:)?(?:c\b[^>]{0,200}?\sr="([A-Z]{1,3})(\d{1,9})"|row\b[^>]{0,200}?\sr="(\d{1,9})")'
)
OVERLAP = 512  # bytes kept between chunks so that no reference is cut in two


#: The limits live with the other parameters (``[input]`` in a parameters file).
GuardLimits = InputLimits


@dataclass
class GuardReport:
    """``problem`` is a refusal (the file must not be parsed); notices are informational."""

    problem: str | None = None
    code: str | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)


def _refuse(code: str, message: str) -> GuardReport:
    return GuardReport(problem=message, code=code)


def guard(path: str | Path, limits: GuardLimits | None = None) -> GuardReport:
    limits = limits or GuardLimits()
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        return _refuse("unreadable", f"无法读取文件：{exc.strerror}")
    if size == 0:
        return _refuse("empty_file", "文件为空（0 字节），请重新导出申报表后提交")
    if size > limits.max_file_bytes:
        return _refuse(
            "file_too_large",
            f"文件大小 {size / 2**20:.1f} MB 超过上限 {limits.max_file_bytes / 2**20:.0f} MB，"
            "申报表通常不会这么大，请检查是否嵌入了图片或附件（佐证材料请另行提交）",
        )
    if head.startswith(OLE2_MAGIC):
        return _ole2(path)
    if not head.startswith(ZIP_MAGIC):
        return _refuse(
            "not_xlsx",
            "文件不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件，请用 Excel 另存为 .xlsx 后提交",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            return _zip(zf, limits)
    except RuntimeError:  # zipfile: "File ... is encrypted, password required"
        return _refuse("encrypted", "文件含加密部件，无法读取：请在 Excel 中取消密码后重新提交")
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError, NotImplementedError):
        return _refuse(
            "corrupt_zip", "文件已损坏或不完整，无法作为 .xlsx 读取；请在 Excel 中重新保存后提交"
        )


def _ole2(path: Path) -> GuardReport:
    data = path.read_bytes()[: 8 * 2**20]
    if ENCRYPTED_STREAM in data:
        return _refuse(
            "encrypted", "文件已加密（设有打开密码），无法读取：请在 Excel 中取消密码后重新提交"
        )
    return _refuse(
        "legacy_xls",
        "这是旧版 Excel 文件（.xls），请在 Excel 中“另存为” Excel 工作簿（.xlsx）后重新提交",
    )


def _zip(zf: zipfile.ZipFile, limits: GuardLimits) -> GuardReport:
    infos = zf.infolist()
    report = GuardReport()
    if len(infos) > limits.max_members:
        return _refuse(
            "too_many_parts", f"工作簿含 {len(infos)} 个部件，超过上限 {limits.max_members}"
        )
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        return _refuse(
            "not_xlsx", "文件是 ZIP 压缩包但不是 Excel 工作簿（缺少 [Content_Types].xml）"
        )
    if "EncryptionInfo" in names:
        return _refuse("encrypted", "文件已加密，无法读取：请在 Excel 中取消密码后重新提交")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        report.notices.append(
            ("macros_present", "工作簿含宏（VBA），已仅作为数据读取，宏不会被执行")
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            return _refuse(
                "encrypted", f"部件 {info.filename} 已加密：请在 Excel 中取消密码后重新提交"
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            return _refuse(
                "zip_bomb",
                f"部件 {info.filename} 压缩比 {info.file_size / max(info.compress_size, 1):.0f}:1 异常（疑似压缩炸弹），已拒绝读取",
            )
        if info.file_size > limits.max_member_bytes:
            return _refuse(
                "part_too_large", f"部件 {info.filename} 解压后 {info.file_size} 字节，超过上限"
            )
        actual = _check_member(zf, info, limits)
        if isinstance(actual, GuardReport):
            return actual
        total += actual
        if total > limits.max_total_bytes:
            return _refuse(
                "too_large_unpacked", "工作簿解压后总大小超过上限（疑似压缩炸弹），已拒绝读取"
            )
    return report


def _check_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: GuardLimits):
    """Stream one member: count its real size, and inspect XML prologs and sheet extents."""
    is_xml = info.filename.endswith((".xml", ".rels", ".vml"))
    is_sheet = info.filename.startswith("xl/worksheets/") and is_xml
    cap = min(limits.max_member_bytes, max(info.file_size, 0)) + 1
    try:
        return _stream_member(zf, info, limits, cap, is_xml, is_sheet)
    except RuntimeError:  # the encryption flag only in the member's local header
        return _refuse("encrypted", f"部件 {info.filename} 已加密：请在 Excel 中取消密码后重新提交")
    except zipfile.BadZipFile as exc:
        if "CRC" not in str(exc):
            raise
        return _refuse(
            "size_mismatch",
            f"部件 {info.filename} 的内容与 ZIP 头部声明的大小或校验值不符，文件被篡改或损坏，已拒绝读取",
        )


def _stream_member(zf, info, limits, cap, is_xml, is_sheet):
    seen, prolog, prolog_done, head = 0, b"", not is_xml, b""
    extent, tail = _Extent(), b""
    with zf.open(info) as fh:
        while chunk := fh.read(256 * 1024):
            seen += len(chunk)
            if seen > cap:
                return _refuse(
                    "size_mismatch",
                    f"部件 {info.filename} 的实际大小超过 ZIP 头部声明（{info.file_size} 字节），文件被篡改或损坏",
                )
            if not prolog_done:
                prolog += chunk
                found = _prolog_problem(prolog, info.filename)
                if found is not None:
                    if found:
                        return found
                    prolog_done = True
                elif len(prolog) > PROLOG_LIMIT:
                    return _refuse(
                        "xml_prolog", f"部件 {info.filename} 的 XML 前导异常冗长，已拒绝读取"
                    )
            if is_sheet:
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                window = tail + chunk
                extent.scan(window)
                tail = window[-OVERLAP:]
    if is_sheet:
        problem = _extent_problem(head, info.filename, limits) or extent.problem(
            info.filename, limits
        )
        if problem:
            return problem
    return seen


class _Extent:
    """The largest row and column any cell of a sheet really names.

    ``<dimension>`` is optional and may lie; a parser sizes its grid from the cells, so a
    single cell at XFD1048576 makes it allocate a million rows × 16384 columns. Counting the
    references costs one regular-expression pass over bytes the guard reads anyway.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.cols = 0

    def scan(self, data: bytes) -> None:
        found = REF.findall(data)  # (column, row) of a cell, or ("", "", row) of a row
        if not found:
            return
        cols, cell_rows, row_rows = zip(*found, strict=True)
        # the maxima over each distinct spelling: a few hundred, not one per cell
        self.cols = max(self.cols, *map(_col, set(cols)))
        self.rows = max([self.rows, *map(int, (set(cell_rows) | set(row_rows)) - {b""})])

    def problem(self, name: str, limits: GuardLimits) -> GuardReport | None:
        if self.rows * max(self.cols, 1) <= limits.max_cells:
            return None
        return _refuse(
            "sheet_extent",
            f"工作表 {name} 的单元格实际延伸到第 {self.rows} 行、第 {self.cols} 列，超过上限 {limits.max_cells} 个单元格，已拒绝读取",
        )


def _prolog_problem(prolog: bytes, name: str):
    """``None`` while undecided, a refusal for a DTD, ``False`` once the root element starts.

    A DTD (and so any ENTITY) can only stand before the root element, so only the prolog
    is examined; "<?xml" and "<!--" do not match ROOT_START.
    """
    root = ROOT_START.search(prolog)
    before = prolog[: root.start()] if root else prolog
    if b"<!DOCTYPE" in before.upper() or b"<!ENTITY" in before.upper():
        return _refuse(
            "xml_dtd",
            f"部件 {name} 含 DOCTYPE/ENTITY 声明（Excel 不会生成），疑似恶意文件，已拒绝读取",
        )
    return False if root else None


def _extent_problem(head: bytes, name: str, limits: GuardLimits):
    m = DIMENSION.search(head)
    if not m or not m.group(3):
        return None
    cols = _col(m.group(3)) - _col(m.group(1) or b"A") + 1
    rows = int(m.group(4)) - int(m.group(2) or 1) + 1
    if rows * cols > limits.max_cells:
        return _refuse(
            "sheet_extent",
            f"工作表 {name} 声明的范围为 {rows} 行 × {cols} 列，超过上限 {limits.max_cells} 个单元格，已拒绝读取",
        )
    return None


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
