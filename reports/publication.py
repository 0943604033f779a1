"""The 公示名单 (.docx): the applications proposed for recommendation, as published.

The usual form of a Chinese 公示: a title, one sentence on what was done and on what
basis, the list by type (序号, 申报单位, 平台名称), the 公示期, where objections go and how,
and the issuer with the date. Everything the organiser did not give in ``[publication]``
of the parameters is a bracketed placeholder (【请填写…】) in the document, to fill before
it is published; nothing is invented. Only 拟推荐 applications are listed; a 待定 tie is
reported as a note to the organiser, never listed.

Same batch, parameters and ``generated_at``: same bytes (core properties and zip entry
times are pinned).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from iipeval.core.round.batch import Batch
from iipeval.core.round.outcomes import PENDING, RECOMMEND
from iipeval.core.scoring.params import Publication
from iipeval.core.text import display_width, fmt
from iipeval.present.labels import set_label

FONT = "仿宋"  # the usual body face of official documents; 黑体/宋体 for headings
CN_NUMERALS = "一二三四五六七八九十"


def blank(what: str) -> str:
    return f"【请填写：{what}】"


def _day(d: date | None, what: str) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else blank(what)


def _run(paragraph, text: str, *, size: float = 16, bold: bool = False, font: str = FONT):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _para(doc, text: str = "", *, indent: bool = True, align=None, **run):
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(32) if indent else None
    p.paragraph_format.line_spacing = Pt(28)
    if align is not None:
        p.alignment = align
    if text:
        _run(p, text, **run)
    return p


#: A4 with the margins of an official document (GB/T 9704: 3.7 top, 3.5 bottom, 2.8
#: left, 2.6 right): 15.6cm of text, 28 characters of 三号 a line
MARGINS = (Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6))
TITLE_PT = 22  # 二号
TABLE_PT = 10.5  # 五号: a 20-character company name on one line of its column
#: characters of the title put on a line: 15.6cm holds 20 at 22pt, one is kept spare for
#: fonts whose digits are wider than half a character
TITLE_CHARS = 19
#: where a title may break: after a list's 、 or a closing bracket or a 平台, and before
#: the list's name (“拟推荐名单公示” never splits as “拟推 / 荐名单公示”)
_TITLE_BREAKS = re.compile(r"(?<=[、，）])|(?<=平台)|(?=拟)|(?=关于)")


def title_lines(title: str, per_line: int = TITLE_CHARS) -> list[str]:
    """The title in lines of at most ``per_line`` characters (two half-width ones count as
    one), broken only between words; a piece longer than a line is the one thing cut
    where it must be."""
    cells = 2 * per_line
    lines = [""]
    for piece in (p for p in _TITLE_BREAKS.split(title) if p):
        if lines[-1] and display_width(lines[-1] + piece) > cells:
            lines.append("")
        for ch in piece:
            if display_width(lines[-1] + ch) > cells:
                lines.append("")
            lines[-1] += ch
    return [line for line in lines if line]


def build(batch: Batch, pub: Publication) -> Document:
    """The 公示 as a document: title, what was done, the list by type, the 公示期 and how
    to object, the issuer and the date kept together with the text above them."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Pt(842), Pt(595)  # A4
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = MARGINS
    names = "、".join(
        dict.fromkeys(rk.framework_short_name or rk.framework_name for rk in batch.rankings)
    )
    named = pub.named()
    title = pub.title or f"{names or '工业互联网平台'}{named}公示"
    heading = _para(doc, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    heading.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
    for k, line in enumerate(title_lines(title)):
        run = _run(heading, line, size=TITLE_PT, bold=True, font="宋体")
        if k:
            run._r.addprevious(_line_break())
    basis = f"根据{pub.basis}要求，" if pub.basis else f"根据{blank('通知文件名称')}要求，"
    _para(
        doc,
        f"{basis}经申报、符合性审查、专家评审和调研核查，{pub.issuer or blank('发布单位')}"
        f"确定了{named}，现予以公示（排名不分先后，按申报类型列出）。",
    )
    groups = [rk for rk in batch.rankings if any(e.outcome == RECOMMEND for e in rk.entries)]
    if groups:
        _table(doc, batch, groups, pub.show_scores)
    else:
        _para(doc, f"（本批没有列入{named}的申报。）", size=16)
    _closing(doc, pub)
    return doc


def _line_break():
    from docx.oxml import OxmlElement

    return OxmlElement("w:br")


def _table(doc, batch: Batch, groups: list, show_scores: bool) -> None:
    """One table: 序号, 申报单位, 平台名称 (and 总分), each type under its own row
    (一、…) spanning the table; one header for all keeps a round of several types on
    one page."""
    headers = ["序号", "申报单位", "平台名称"] + (["总分"] if show_scores else [])
    widths = [Cm(1.2), Cm(7.6), Cm(6.8)]
    if show_scores:
        widths = [Cm(1.2), Cm(6.6), Cm(5.8), Cm(2.0)]
    table = doc.add_table(rows=1, cols=len(headers))
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width  # the grid LibreOffice and WPS lay out by
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _row(table.rows[0].cells, headers, widths, bold=True)
    for k, rk in enumerate(groups):
        numeral = CN_NUMERALS[k] if k < len(CN_NUMERALS) else str(k + 1)
        cells = table.add_row().cells
        merged = cells[0].merge(cells[-1])
        merged.width = sum(widths, Cm(0))
        _airy(merged.paragraphs[0])
        _run(
            merged.paragraphs[0],
            f"{numeral}、{set_label(rk.framework_name, rk.subtype_name)}",
            size=TABLE_PT,
            bold=True,
            font="黑体",
        )
        listed = [e for e in rk.entries if e.outcome == RECOMMEND]
        platforms = _platform_names(batch, listed)
        for n, e in enumerate(listed, 1):
            values = [str(n), e.applicant, platforms.get(e.source) or "—"]
            if show_scores:
                values.append(fmt(e.total))
            _row(table.add_row().cells, values, widths)


def _airy(paragraph) -> None:
    """A table line with room above and below its text (a row of 五号 reads cramped)."""
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(1.5)


def _row(cells, values: list[str], widths, *, bold: bool = False) -> None:
    for c, (cell, text) in enumerate(zip(cells, values, strict=True)):
        cell.width = widths[c]
        _airy(cell.paragraphs[0])
        if bold or c in (0, 3):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        font = "黑体" if bold else FONT
        _run(cell.paragraphs[0], text, size=TABLE_PT, bold=bold, font=font)


def _closing(doc, pub: Publication) -> None:
    """The 公示期, how to object, the contacts, then the issuer and the date: each kept
    with the next, so a page break never leaves the signature alone on the last page."""
    days = (pub.end - pub.start).days + 1 if pub.start and pub.end else None
    period = f"（共{days}天）" if days else ""
    right = WD_ALIGN_PARAGRAPH.RIGHT
    paragraphs = [
        _para(
            doc,
            f"公示期为{_day(pub.start, '开始日期')}至{_day(pub.end, '结束日期')}{period}。"
            "公示期内，任何单位和个人对公示名单有异议的，可以书面形式向"
            f"{pub.objections_to or blank('异议受理单位')}提出，并提供必要的证明材料。"
            "单位提出异议的须加盖公章，个人提出异议的须签署真实姓名并注明联系方式；"
            "匿名或逾期提出的异议不予受理。",
        ),
        _para(
            doc,
            f"联系电话：{pub.phone or blank('联系电话')}；"
            f"电子邮箱：{pub.email or blank('电子邮箱')}；"
            f"通讯地址：{pub.address or blank('通讯地址')}。",
        ),
        _para(doc, pub.issuer or blank("发布单位"), indent=False, align=right),
        _para(doc, _day(pub.start, "发布日期"), indent=False, align=right),
    ]
    paragraphs[0].paragraph_format.space_before = Pt(8)  # apart from the table above
    paragraphs[-2].paragraph_format.space_before = Pt(20)  # set apart, as by a blank line
    for p in paragraphs[1:-1]:  # the contacts travel with the signature
        p.paragraph_format.keep_with_next = True


def undecided(batch: Batch) -> list[str]:
    """Applicants tied on the quota line (待定): the list cannot be published until settled."""
    return [
        e.applicant
        for rk in batch.rankings
        for e in rk.entries
        if e.outcome == PENDING and e.rank is not None
    ]


def _platform_names(batch: Batch, entries) -> dict[str, str | None]:
    return {e.source: batch.result(e.source).platform_name for e in entries}


def write_publication(
    batch: Batch, pub: Publication, path: Path, *, generated_at: datetime
) -> None:
    """Write the 公示名单 to ``path`` (callers wrap this in ``present.atomic.write_atomic``)."""
    doc = build(batch, pub)
    stamp = generated_at.replace(tzinfo=None, microsecond=0)
    props = doc.core_properties
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.author = props.last_modified_by = "iipeval"
    props.title = pub.title or "公示名单"
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
