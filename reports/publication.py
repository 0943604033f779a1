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
from iipeval.core.text import fmt
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


def build(batch: Batch, pub: Publication) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Pt(842), Pt(595)  # A4
    names = "、".join(
        dict.fromkeys(rk.framework_short_name or rk.framework_name for rk in batch.rankings)
    )
    title = pub.title or f"{names or '工业互联网平台'}拟推荐名单公示"
    _para(
        doc, title, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=22, bold=True, font="宋体"
    )
    basis = f"根据{pub.basis}要求，" if pub.basis else f"根据{blank('通知文件名称')}要求，"
    _para(
        doc,
        f"{basis}经申报、符合性审查、专家评审和调研核查，{pub.issuer or blank('发布单位')}"
        "确定了拟推荐名单，现予以公示（排名不分先后，按申报类型列出）。",
    )
    groups = [rk for rk in batch.rankings if any(e.outcome == RECOMMEND for e in rk.entries)]
    for k, rk in enumerate(groups):
        numeral = CN_NUMERALS[k] if k < len(CN_NUMERALS) else str(k + 1)
        heading = f"{numeral}、{set_label(rk.framework_name, rk.subtype_name)}"
        _para(doc, heading, indent=False, size=16, bold=True, font="黑体")
        listed = [e for e in rk.entries if e.outcome == RECOMMEND]
        headers = ["序号", "申报单位", "平台名称"] + (["总分"] if pub.show_scores else [])
        widths = [Cm(1.6), Cm(7.4), Cm(6.6), Cm(2.0)][: len(headers)]
        table = doc.add_table(rows=1, cols=len(headers))
        table.autofit = False
        for col, width in zip(table.columns, widths, strict=True):
            col.width = width  # the grid LibreOffice and WPS lay out by
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
            cell.width = width
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(cell.paragraphs[0], text, size=12, bold=True, font="黑体")
        platforms = _platform_names(batch, listed)
        for n, e in enumerate(listed, 1):
            values = [str(n), e.applicant, platforms.get(e.source) or "—"]
            if pub.show_scores:
                values.append(fmt(e.total))
            row = table.add_row().cells
            for c, (cell, text) in enumerate(zip(row, values, strict=True)):
                cell.width = widths[c]
                if c in (0, 3):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(cell.paragraphs[0], text, size=12)
    if not groups:
        _para(doc, "（本批没有拟推荐的申报。）", size=16)
    days = (pub.end - pub.start).days + 1 if pub.start and pub.end else None
    period = f"（共{days}天）" if days else ""
    _para(
        doc,
        f"公示期为{_day(pub.start, '开始日期')}至{_day(pub.end, '结束日期')}{period}。"
        "公示期内，任何单位和个人对公示名单有异议的，可以书面形式向"
        f"{pub.objections_to or blank('异议受理单位')}提出，并提供必要的证明材料。"
        "单位提出异议的须加盖公章，个人提出异议的须签署真实姓名并注明联系方式；"
        "匿名或逾期提出的异议不予受理。",
    )
    _para(doc, f"联系电话：{pub.phone or blank('联系电话')}")
    _para(doc, f"电子邮箱：{pub.email or blank('电子邮箱')}")
    _para(doc, f"通讯地址：{pub.address or blank('通讯地址')}")
    _para(doc)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, pub.issuer or blank("发布单位"), indent=False, align=right)
    _para(doc, _day(pub.start, "发布日期"), indent=False, align=right)
    return doc


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
