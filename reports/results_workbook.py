"""The results workbook (评分结果.xlsx): rankings, score cards, disagreements, findings,
parameters. Rendered from a :class:`~iipeval.core.batch.Batch`; no scoring happens here.

Sheets, in order:

* ``排名`` (one ``排名-<体系>`` sheet per criteria set and sub-type when the batch holds
  several): rank, applicant, key, total, each dimension's score, grade, 待专家评分,
  recommendation and reason, with a bar chart of the totals beside the table;
* ``专家分歧``: every expert part whose spread exceeds the set's threshold (需复议);
* ``问题清单``: every finding of the batch, its results and its unreadable inputs;
* ``参数``: the parameters in force per criteria set with their hash, the parameters
  file and its SHA-256, the tool version and the time;
* one score card per application (``01-简称``…): header, dimension scores with a radar
  chart, every indicator with its explanation, every expert's score per part, findings.
  Written by default for a batch of at most :data:`CARDS_AUTO_MAX` applications and on
  request (``cards=True``, ``score --cards``) for a larger one: a card is a sheet and a
  chart, which for a national round of thousands would cost more than the rest of the
  outputs together, and every card's content is in the JSON and the text card as well.

The summary sheets read each full result from the spool once per sheet that needs it
(never once per row), so the build stays linear in the batch; ``tests`` count the reads.

Every string is written through :func:`iipeval.reports.safe_text.put`, which stores it as
text and never as a formula: applicants choose their names. The same batch and
``generated_at`` give the same bytes (document properties and zip entry times are set
to ``generated_at``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from iipeval.core import voice
from iipeval.core.batch import Batch
from iipeval.core.explain import STATUS_LABELS
from iipeval.core.findings import SEVERITY_LABELS, Finding, Severity
from iipeval.core.outcomes import TIE_LABELS
from iipeval.core.ranking import RankEntry, Ranking
from iipeval.core.results import PanelDetail, Result
from iipeval.present.xlsx import pin_zip, print_a4

from .labels import (
    PARAM_LABELS,
    RULE_LABELS,
    set_label,
)
from .recommendation_sheet import SUMMARY, add_summary_sheet
from .safe_text import display_width, number, put, sheet_title, wrapped_lines
from .verification_sheet import VERIFICATION, add_verification_sheet
from .view import (
    Row,
    disagreement_threshold,
    experts_text,
    panel_check_text,
    params_key,
    place,
    rows,
)

FONT_NAME = "微软雅黑"
FONT_SIZE = 10
LINE_PT = 14.5  # one line of 10pt CJK text, with leading
ROW_PAD_PT = 4.0
NUM_FORMAT = "0.00"

THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
SEVERITY_FILLS = {
    Severity.error: PatternFill("solid", fgColor="FFC7CE"),
    Severity.warning: PatternFill("solid", fgColor="FFEB9C"),
}
FLAG_FILL = PatternFill("solid", fgColor="FFEB9C")
EXCLUDED_FILL = PatternFill("solid", fgColor="F2F2F2")

CHART_MAX_BARS = 30

RANKING, DISAGREEMENT, FINDINGS, PARAMETERS = "排名", "专家分歧", "问题清单", "参数"
NO_CARDS_NOTE = (
    "本批申报较多，本工作簿未附逐份评分卡；各申报的指标得分与计分说明见同名 .json 文件，"
    "需要评分卡时请加 --cards 重新生成。"
)


# -- cell writing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    bold: bool = False
    size: float = FONT_SIZE
    fill: PatternFill | None = None
    border: bool = True
    wrap: bool = True
    horizontal: str | None = None
    number_format: str | None = None
    color: str | None = None
    strike: bool = False
    underline: str | None = None


TEXT = Style()
HEAD = Style(bold=True, fill=HEAD_FILL, horizontal="center")
LABEL = Style(bold=True, fill=LABEL_FILL)
NUM = Style(number_format=NUM_FORMAT, horizontal="right")
CENTER = Style(horizontal="center")
TITLE = Style(bold=True, size=14, border=False, wrap=False)
SECTION = Style(bold=True, size=11, border=False, wrap=False)
NOTE = Style(border=False, color="595959")
LINK = Style(color="0563C1", underline="single")


@dataclass
class Grid:
    """A worksheet being filled: remembers what went where to size columns and rows.

    Columns in ``fixed`` keep their width; the others are sized to their content
    (CJK characters count double) between ``min_width`` and ``max_width``. Row heights
    are computed from the wrapped text they hold, so nothing is clipped in Excel, WPS or
    LibreOffice, none of which fit row heights to merged cells by themselves.
    """

    ws: Worksheet
    fixed: dict[int, float] = field(default_factory=dict)
    min_width: float = 6
    max_width: float = 40
    cells: list[tuple[int, int, int, str, bool]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)

    def put(self, row: int, col: int, value: Any, style: Style = TEXT, span: int = 1):
        cell = self.ws.cell(row=row, column=col)
        put(cell, value)
        for c in range(col, col + span):
            _style(self.ws.cell(row=row, column=c), style)
        if span > 1:
            # Registered as a plain range: Worksheet.merge_cells (and MergedCellRange)
            # would re-create and re-border every covered cell, which dominates the time
            # of a large workbook; the writer only needs the reference. The covered cells
            # stay empty and keep the borders given above, as Excel does.
            last = get_column_letter(col + span - 1)
            ref = f"{get_column_letter(col)}{row}:{last}{row}"
            self.ws.merged_cells.ranges.add(CellRange(ref))
        self.cells.append((row, col, span, _shown(value, style), style.wrap))
        if style.size > FONT_SIZE:
            self.heights[row] = max(self.heights.get(row, 0), style.size * 1.6)
        return cell

    def line(self, row: int, col: int, values: Sequence[Any], style: Style = TEXT) -> None:
        for k, v in enumerate(values):
            self.put(row, col + k, v, style)

    def width(self, col: int) -> float:
        return self.ws.column_dimensions[get_column_letter(col)].width or 8.43

    def finish(self) -> None:
        auto: dict[int, float] = {}
        for _, col, span, text, _ in self.cells:
            if span == 1 and col not in self.fixed:
                widest = max((display_width(p) for p in text.split("\n")), default=0)
                auto[col] = max(auto.get(col, self.min_width), widest + 2)
        for col, w in {**auto, **self.fixed}.items():
            w = w if col in self.fixed else min(w, self.max_width)
            self.ws.column_dimensions[get_column_letter(col)].width = round(w, 2)
        lines: dict[int, int] = {}
        for row, col, span, text, wrap in self.cells:
            if not wrap:
                continue
            width = sum(self.width(c) for c in range(col, col + span))
            lines[row] = max(lines.get(row, 1), wrapped_lines(text, width))
        for row, n in lines.items():
            self.heights[row] = max(self.heights.get(row, 0), n * LINE_PT + ROW_PAD_PT)
        for row, h in self.heights.items():
            self.ws.row_dimensions[row].height = round(h, 1)

    def row_height(self, row: int) -> float:
        return self.heights.get(row, LINE_PT + ROW_PAD_PT)


_STYLE_CACHE: WeakKeyDictionary[Workbook, dict[tuple, tuple[StyleArray, Any]]] = WeakKeyDictionary()
_PLAIN = tuple(f.name for f in fields(Style) if f.name != "fill")


def _style(cell, s: Style) -> None:
    """Apply ``s``; each distinct style is built once per workbook and then copied, since
    openpyxl's per-attribute style assignment is slow for tens of thousands of cells."""
    cache = _STYLE_CACHE.setdefault(cell.parent.parent, {})
    # keyed with the fill's identity: hashing an openpyxl fill is most of the lookup's cost
    # (the fills are module constants, and the cached entry keeps its fill alive anyway)
    key = (*(getattr(s, f) for f in _PLAIN), id(s.fill))
    hit = cache.get(key)
    if hit is None:
        _build_style(cell, s)
        hit = cache[key] = (copy(cell._style), s.fill)
    cell._style = copy(hit[0])


def _build_style(cell, s: Style) -> None:
    cell.font = Font(
        name=FONT_NAME,
        size=s.size,
        bold=s.bold,
        color=s.color,
        strike=s.strike or None,
        underline=s.underline,
    )
    if s.fill is not None:
        cell.fill = s.fill
    if s.border:
        cell.border = BORDER
    cell.alignment = Alignment(wrap_text=s.wrap, vertical="top", horizontal=s.horizontal)
    if s.number_format:
        cell.number_format = s.number_format


def _shown(value: Any, style: Style) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是"
    if isinstance(value, int | float):
        return f"{value:,.2f}" if style.number_format else str(value)
    return str(value)


def _link(cell, sheet: str) -> None:
    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1", display=None)


def _applicant(g: Grid, row: int, name: str, card: str | None) -> None:
    """The applicant's name, linked to its score card when the workbook holds one."""
    if card:
        _link(g.put(row, 1, name, LINK), card)
    else:
        g.put(row, 1, name)


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
    print_a4(ws, title_rows=title_rows, margins=(0.4, 0.4, 0.5, 0.5), footer_size=None)


def _fmt(x: float | None) -> str:
    return "—" if x is None else number(x, 2)


# -- the workbook ---------------------------------------------------------------------------


#: the largest batch whose results workbook holds a score card per application by default
CARDS_AUTO_MAX = 100
#: Which copy of the results workbook: the organiser's whole record, the committee's copy
#: (no parameter pages: they are the organiser's, and sixteen pages of them would print
#: with the ranking), or the parameters alone, the file that goes with the committee copy.
COPIES = ("full", "committee", "parameters")


def write_results_workbook(
    batch: Batch,
    path: Path,
    *,
    generated_at: datetime,
    robustness: Any = None,
    cards: bool | None = None,
    copy: str = "full",
) -> None:
    """Write the results workbook for ``batch`` to ``path`` (callers wrap this in
    :func:`iipeval.reports.atomic.write_atomic`). ``cards``: a score card per application;
    ``None`` means so when the batch holds at most :data:`CARDS_AUTO_MAX` applications."""
    wb = build_workbook(
        batch, generated_at=generated_at, robustness=robustness, cards=cards, copy=copy
    )
    save_deterministic(wb, Path(path), generated_at)


def _ranks_anyone(rk: Ranking) -> bool:
    """Someone in the set is ranked, or will be once the experts have scored."""
    return any(
        e.rank is not None or (e.provisional and e.accepted and not e.excluded) for e in rk.entries
    )


def build_workbook(
    batch: Batch,
    *,
    generated_at: datetime,
    robustness: Any = None,
    cards: bool | None = None,
    copy: str = "full",
) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    stamp = _naive_utc(generated_at)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "iipeval"
    wb.properties.title = "工业互联网平台申报评分结果"

    if copy == "parameters":
        _parameters_sheet(wb.create_sheet(PARAMETERS), batch, generated_at)
        return wb
    # Full results are read from the spool one at a time, once per sheet that needs
    # them; names and links come from the ranking entries, which are in memory.
    entries = [e for rk in batch.rankings for e in rk.entries]
    if cards is None:
        cards = len(entries) <= CARDS_AUTO_MAX
    taken = {
        n.lower() for n in (RANKING, DISAGREEMENT, FINDINGS, PARAMETERS, SUMMARY, VERIFICATION)
    }
    card_names = _card_names(entries, taken) if cards else {}

    # Page 1 is a ranking that ranks someone: a set whose only applications need 补正 or are
    # 不予推荐 comes after the others (sorted() is stable: the sets keep their order).
    rankings = sorted(batch.rankings, key=lambda rk: not _ranks_anyone(rk))
    if len(rankings) <= 1:
        names = [RANKING]
    else:
        names = [sheet_title(f"{RANKING}-{_ranking_short(rk)}", taken) for rk in rankings]
    params_ref = "见“参数”表" if copy == "full" else "见随附的参数文件"
    for k, rk in enumerate(rankings):
        ws = wb.create_sheet(names[k])
        _ranking_sheet(ws, batch, rk, card_names, first=k == 0, params_ref=params_ref)
    if not rankings:
        _empty_ranking_sheet(wb.create_sheet(RANKING), batch)
    split, listed, light, verified = _scan(batch, card_names)
    add_summary_sheet(wb, batch, light)  # 推荐信息汇总表: reports/recommendation_sheet.py
    add_verification_sheet(wb, batch, verified)  # 调研核查, if used: reports/verification_sheet.py
    _disagreement_sheet(wb.create_sheet(DISAGREEMENT), batch, split)
    findings = wb.create_sheet(FINDINGS)
    _findings_sheet(findings, batch, listed)
    if copy == "full":
        _parameters_sheet(wb.create_sheet(PARAMETERS), batch, generated_at)
    if robustness is not None:  # a core.robustness.Robustness, when asked for
        from .robustness_sheet import add_sheets

        add_sheets(wb, robustness, taken)
    if cards:
        for row in rows(batch):
            _card_sheet(wb.create_sheet(card_names[row.entry.source]), batch, row)
    if rankings and not any(_ranks_anyone(rk) for rk in rankings):
        # Nobody is ranked: page 1 says why (one application's score card, or the problem
        # list), not a ranking whose one row is a rejection.
        one = card_names.get(entries[0].source) if len(entries) == 1 else None
        why = wb[one] if one else findings
        wb.move_sheet(why, offset=-wb.index(why))
    wb.active = 0
    return wb


def _naive_utc(t: datetime) -> datetime:
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return t.replace(microsecond=0)


def save_deterministic(wb: Workbook, path: Path, generated_at: datetime) -> None:
    """Save like ``Workbook.save`` but without the clock: the document properties keep the
    times set on them and every zip entry is dated ``generated_at``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    pin_zip(buf.getvalue(), generated_at, target=str(path))


# -- names ----------------------------------------------------------------------------------

_SUFFIXES = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司)$")


def abbreviate(name: str) -> str:
    """The short form used in sheet names: the legal-form suffix dropped."""
    short = _SUFFIXES.sub("", name.strip())
    return short or name.strip()


def _card_names(entries: list[RankEntry], taken: set[str]) -> dict[str, str]:
    """Source → score card sheet name, numbered in ranking order."""
    digits = max(2, len(str(len(entries))))
    out = {}
    for n, e in enumerate(entries, start=1):
        prefix = f"{n:0{digits}d}-"
        out[e.source] = sheet_title(prefix + abbreviate(e.applicant), taken)
    return out


def _weights_note(batch: Batch) -> str:
    """The criteria sets' own notes that weights are proposals, plus where they are recorded."""
    notes = dict.fromkeys(p.get("weights_note") for p in batch.parameters.values())
    return "".join(n for n in notes if n) + "所用参数及其哈希记录于本表和每份结果。"


def _ranking_short(rk: Ranking) -> str:
    base = rk.framework_short_name or rk.framework_name
    return f"{base}（{rk.subtype_name}）" if rk.subtype_name else base


def _names(result: Result | None) -> dict[str, str]:
    """Dimension and indicator ids → names; every result of a criteria set names the same
    ids, so any one of them (the row's own, or a ranking's first) serves the whole set."""
    if result is None:
        return {}
    return {d.id: d.name for d in result.dimensions} | {i.id: i.name for i in result.indicators}


# -- 排名 -------------------------------------------------------------------------------------


def _ranking_sheet(
    ws, batch: Batch, rk: Ranking, cards, *, first: bool, params_ref: str = "见“参数”表"
) -> None:
    mine = rk.entries
    sample = batch.result(mine[0].source) if mine else None
    dims = [(d.id, d.name) for d in sample.dimensions] if sample else []
    names = {**TIE_LABELS, **_names(sample)}
    headers = ["排名", "申报单位", "标识", "总分", *(n for _, n in dims)]
    headers += ["等级", "待专家评分", "推荐意见", "说明"]
    ncol = len(headers)
    widest = max((display_width(e.applicant) for e in mine), default=16)
    name_width = min(44.0, max(16.0, widest + 3))
    g = Grid(ws, fixed={1: 6, 2: name_width, 3: 21, 4: 9, ncol - 1: 12, ncol: 36}, max_width=14)
    for k in range(len(dims)):
        g.fixed[5 + k] = max(10.0, min(14.0, display_width(dims[k][1]) / 2 + 2))
    g.fixed[5 + len(dims)] = 7
    g.fixed[6 + len(dims)] = 8

    g.put(1, 1, f"{set_label(rk.framework_name, rk.subtype_name)}　排名", TITLE)
    policy = rk.policy
    tie = "、".join(names.get(t, t) for t in rk.tie_break) or "（未规定）"
    note = (
        f"推荐名额：{f'{policy.quota}个' if policy.quota else '不限'}；"
        f"推荐最低总分：{_fmt(policy.min_total) + '分' if policy.min_total is not None else '不设'}；"
        f"同分时依次比较：{tie}。总分为百分制；维度得分为该维度的0-100分。"
        f"权重与计分规则为建议值，{params_ref}。"
    )
    g.put(2, 1, note, NOTE, span=ncol)
    g.line(3, 1, headers, HEAD)
    r = 4
    for e in mine:
        fill = EXCLUDED_FILL if e.rank is None else None
        g.put(r, 1, e.rank, Style(horizontal="center", fill=fill))
        card = cards.get(e.source)
        if card:
            _link(
                g.put(r, 2, e.applicant, Style(color=LINK.color, underline="single", fill=fill)),
                card,
            )
        else:
            g.put(r, 2, e.applicant, Style(fill=fill))
        g.put(r, 3, e.key, Style(fill=fill))
        g.put(r, 4, e.total, Style(number_format=NUM_FORMAT, bold=True, fill=fill))
        for k, (dim_id, _) in enumerate(dims):
            g.put(r, 5 + k, e.dimensions.get(dim_id), Style(number_format=NUM_FORMAT, fill=fill))
        c = 5 + len(dims)
        g.put(r, c, e.grade, Style(horizontal="center", fill=fill))
        g.put(r, c + 1, "是" if e.provisional else "", Style(horizontal="center", fill=fill))
        g.put(r, c + 2, e.recommendation, Style(bold=e.recommendation == "推荐", fill=fill))
        g.put(r, c + 3, e.reason, Style(fill=fill))
        r += 1
    if not mine:
        g.put(r, 1, "本评价体系没有可评分的申报", NOTE, span=ncol)
        r += 1
    if rk.findings:
        r += 1
        for f in rk.findings:
            g.put(r, 1, f"［{SEVERITY_LABELS[f.severity]}］{f.message}", NOTE, span=ncol)
            r += 1
    if first and batch.rejected:
        r += 1
        g.put(
            r,
            1,
            f"另有{len(batch.rejected)}个文件无法评分，原因见“{FINDINGS}”表。",
            NOTE,
            span=ncol,
        )
    if first and mine and not cards:
        r += 1
        g.put(r, 1, NO_CARDS_NOTE, NOTE, span=ncol)
    ws.freeze_panes = "C4"
    _print_setup(ws, "1:3")
    g.finish()

    # The chart sits beside the table for the screen; the printed page is the table alone,
    # which a chart beside it would shrink to an unreadable scale.
    ws.print_area = f"A1:{get_column_letter(ncol)}{max(r, 3)}"
    ranked = [e for e in mine if e.rank is not None and e.total is not None]
    if ranked:
        n = min(len(ranked), CHART_MAX_BARS)
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = f"总分（前{n}名）" if n < len(ranked) else "总分（已排名的申报）"
        chart.add_data(Reference(ws, min_col=4, min_row=3, max_row=3 + n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=4, max_row=3 + n))
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 at the top
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        chart.y_axis.majorUnit = 20
        chart.y_axis.numFmt = "0"
        chart.y_axis.crosses = "max"  # keep the value axis below the reversed categories
        chart.legend = None
        chart.dataLabels = _value_labels()
        chart.gapWidth = 60
        chart.width = 16
        chart.height = max(6.0, 1.0 * n + 3)
        ws.add_chart(chart, f"{get_column_letter(ncol + 2)}3")


def _value_labels() -> DataLabelList:
    """Data labels showing the value only: every flag spelled out, since LibreOffice
    reads an absent one as "show"."""
    return DataLabelList(
        numFmt=NUM_FORMAT,
        showVal=True,
        showLegendKey=False,
        showCatName=False,
        showSerName=False,
        showPercent=False,
        showBubbleSize=False,
        showLeaderLines=False,
    )


def _empty_ranking_sheet(ws, batch: Batch) -> None:
    g = Grid(ws, fixed={1: 80})
    g.put(1, 1, "排名", TITLE)
    g.put(2, 1, "本批没有可评分的申报。", NOTE)
    if batch.rejected:
        g.put(3, 1, f"{len(batch.rejected)}个文件无法评分，原因见“{FINDINGS}”表。", NOTE)
    _print_setup(ws, None)
    g.finish()


# -- 专家分歧 -----------------------------------------------------------------------------------


def _scan(batch: Batch, cards: dict[str, str]) -> tuple[list, list, list, list]:
    """One pass over the full results for the sheets that list across the batch: the split
    panels (``(who, set, threshold, card, panel)``), every finding (``(who, card, names,
    f)``), the few fields the 推荐信息汇总表 shows per application, and the verified results
    (调研核查, usually few); only those keep a full result."""
    split: list[tuple[str, str, float | None, str | None, PanelDetail]] = []
    listed: list[tuple[str | None, str | None, dict[str, str], str | None, Finding]] = []
    light, verified = [], []
    for row in rows(batch):
        res, card = row.result, cards.get(row.entry.source)
        summary = SimpleNamespace(platform_name=res.platform_name, region=res.region)
        light.append(replace(row, result=summary))
        if res.verification is not None:
            verified.append(row)
        if any(p.disagreement for p in res.panels):
            threshold = disagreement_threshold(batch, res.framework, res.subtype)
            split += [
                (res.applicant, row.set_label, threshold, card, p)
                for p in res.panels
                if p.disagreement
            ]
        if res.findings:
            names = _names(res)
            listed += [(res.applicant, card, names, res.framework, f) for f in res.findings]
    return split, listed, light, verified


def _disagreement_sheet(ws, batch: Batch, split: list) -> None:
    headers = [
        "申报单位",
        "评价体系",
        "指标·评分项",
        "各专家评分",
        "最高分",
        "最低分",
        "极差",
        "阈值",
        "采用分",
        "处理",
    ]
    g = Grid(ws, fixed={1: 28, 2: 24, 3: 26, 4: 44, 5: 8, 6: 8, 7: 8, 8: 8, 9: 8, 10: 8})
    g.put(1, 1, "专家分歧（极差超过阈值，需复议）", TITLE)
    g.put(
        2,
        1,
        "极差为同一评分项最高分与最低分之差（0-100分制）；超过该评价体系的阈值即需复议。"
        "“（去掉）”为按汇总方式去掉的最高/最低分。",
        NOTE,
        span=len(headers),
    )
    g.line(3, 1, headers, HEAD)
    r = 4
    for who, label, threshold, card, p in split:
        scores = list(p.experts.values())
        _applicant(g, r, who, card)
        g.put(r, 2, label)
        g.put(r, 3, p.label)
        g.put(r, 4, experts_text(p))
        g.line(r, 5, [max(scores), min(scores), p.spread, threshold, p.score], NUM)
        g.put(r, 10, "需复议", Style(bold=True, fill=FLAG_FILL, horizontal="center"))
        r += 1
    if r == 4:
        g.put(r, 1, "本批没有超过阈值的专家分歧。", NOTE, span=len(headers))
    else:
        ws.auto_filter.ref = f"A3:{get_column_letter(len(headers))}{r - 1}"
    ws.freeze_panes = "B4"
    _print_setup(ws, "1:3")
    g.finish()


# -- 问题清单 -----------------------------------------------------------------------------------


def _findings_sheet(ws, batch: Batch, listed: list) -> None:
    headers = [
        "序号",
        "申报单位",
        "文件",
        "工作表",
        "单元格",
        "数据项",
        "指标",
        "级别",
        "代码",
        "说明",
    ]
    g = Grid(ws, fixed={1: 6, 2: 26, 3: 24, 7: 16, 8: 7, 10: 60}, max_width=22)
    g.put(1, 1, "问题清单", TITLE)
    g.put(
        2,
        1,
        "级别：错误＝须退回补正后才能排名；警告＝需核实；提示＝供参考。"
        "“批次”指不属于某一份申报的问题（专家评分表、排名等）。",
        NOTE,
        span=len(headers),
    )
    g.line(3, 1, headers, HEAD)
    listed = list(listed)
    for rej in batch.rejected:
        listed += [("（无法评分）", None, {}, None, f) for f in rej.findings]
    listed += [("批次", None, {}, None, f) for f in batch.findings]
    r = 4
    for n, (who, card, names, fw, f) in enumerate(listed, start=1):
        g.put(r, 1, n, CENTER)
        cell = g.put(r, 2, who, LINK if card else TEXT)
        if card:
            _link(cell, card)
        indicator = names.get(f.indicator, f.indicator) if f.indicator else None
        g.line(r, 3, [f.file, f.sheet, f.cell, batch.item_label(fw, f.item), indicator])
        g.put(
            r,
            8,
            SEVERITY_LABELS[f.severity],
            Style(horizontal="center", fill=SEVERITY_FILLS.get(f.severity)),
        )
        g.put(r, 9, f.code)
        g.put(r, 10, f.message)
        r += 1
    if not listed:
        g.put(r, 1, "本批没有发现问题。", NOTE, span=len(headers))
    else:
        ws.auto_filter.ref = f"A3:{get_column_letter(len(headers))}{r - 1}"
    ws.freeze_panes = "C4"
    _print_setup(ws, "1:3")
    g.finish()


# -- 参数 -------------------------------------------------------------------------------------


def _review_panel_text(batch: Batch) -> str:
    p = batch.review_panel
    if p is None:
        return "未提供专家评分表"
    if not p["verified"]:
        return "未提供评审组登记，专家评分表未核验"
    return (
        f"已按评审组登记 {p['record']} 核验（评审轮次 {p['round']}，评审组 {p['panel']}，"
        f"名单：{'、'.join(p['roster'])}）"
    )


def _parameters_sheet(ws, batch: Batch, generated_at: datetime) -> None:
    """Per criteria set: version and hash, then three compact tables (weights, scoring
    rules with one row per rule or component, panel/ranking/grade policy)."""
    widths = {1: 40, 2: 26, 3: 11, 4: 10, 5: 11, 6: 11, 7: 11, 8: 44}
    g = Grid(ws, fixed=widths)
    g.put(1, 1, "参数与版本", TITLE)
    head = [
        ("工具版本", f"iipeval {batch.tool_version}"),
        ("生成时间", generated_at.isoformat(timespec="seconds")),
        ("运行编号", batch.run_id or "—"),  # the same in results.json and results.csv
        ("参数文件", batch.parameters_file or "未使用参数文件（全部采用默认建议值）"),
        ("参数文件 SHA-256", batch.parameters_file_sha256 or "—"),
        ("专家评分表核验", _review_panel_text(batch)),
        ("说明", _weights_note(batch)),
        *_origin_rows(batch.parameters_origin),
    ]
    r = 3
    for label, value in head:
        g.put(r, 1, label, LABEL)
        g.put(r, 2, value, TEXT, span=7)
        r += 1
    sets: dict[str, Row] = {}  # one result per criteria set, read once
    for rk in batch.rankings:
        for e in rk.entries[:1]:
            sets.setdefault(params_key(e.framework, e.subtype), Row(rk, e, batch.result(e.source)))
    for key, snap in batch.parameters.items():
        sample = sets.get(key)
        values = snap.get("values", {})
        names = _parameter_names(sample.result if sample else None)
        r += 1
        g.put(r, 1, sample.set_label if sample else key, SECTION)
        r += 1
        info = [
            ("评价体系编号与版本", f"{key}　版本 {snap.get('framework_version', '')}"),
            ("参数哈希", snap.get("hash", "")),
        ]
        info += [("折算说明", n) for n in (sample.result.provenance.notices if sample else [])]
        for label, value in info:
            g.put(r, 1, label, LABEL)
            g.put(r, 2, value, TEXT, span=7)
            r += 1

        r += 1
        g.put(r, 1, "权重（满分）", SECTION)
        r += 1
        g.line(r, 1, ["维度 / 指标", "编号", "层级", "满分"], HEAD)
        r += 1
        weights = values.get("weights", {})
        indicators = weights.get("indicators", {})
        for dim_id, w in weights.get("dimensions", {}).items():
            g.line(r, 1, [names.get(dim_id, dim_id), dim_id, "维度"], Style(bold=True))
            g.put(r, 4, float(w), Style(number_format=NUM_FORMAT, bold=True))
            r += 1
            for ind_id, iw in indicators.items():
                if names.get(f"dim:{ind_id}") == dim_id:
                    g.line(r, 1, ["　" + names.get(ind_id, ind_id), ind_id, "指标"])
                    g.put(r, 4, float(iw), NUM)
                    r += 1
        orphans = [k for k in indicators if f"dim:{k}" not in names]
        for ind_id in orphans:
            g.line(r, 1, [ind_id, ind_id, "指标"])
            g.put(r, 4, float(indicators[ind_id]), NUM)
            r += 1

        r += 1
        g.put(r, 1, "计分规则", SECTION)
        r += 1
        g.line(
            r,
            1,
            [
                "指标·组成部分",
                "编号",
                "规则类型",
                "组成权重（%）",
                "起评线",
                "标杆值",
                "目标比例（%）",
                "其他参数",
            ],
            HEAD,
        )
        r += 1
        for path, rule in values.get("rules", {}).items():
            top = "." not in path
            bold = Style(bold=top)
            label = names.get(path, path) if top else "　" + names.get(f"part:{path}", path)
            g.put(r, 1, label, bold)
            g.put(r, 2, path, bold)
            g.put(r, 3, RULE_LABELS.get(rule.get("type"), rule.get("type")), bold)
            numbers = [None if top else rule.get("weight")]
            numbers += [rule.get(k) for k in ("floor", "benchmark", "target")]
            for k, v in enumerate(numbers):
                v = _num(v)
                fmt = "#,##0" if v is not None and v.is_integer() else "#,##0.####"
                g.put(r, 4 + k, v, Style(number_format=fmt, horizontal="right"))
            other = [
                f"{PARAM_LABELS.get(k, k)}：{_param_text(v)}"
                for k, v in rule.items()
                if k not in ("type", "weight", "floor", "benchmark", "target") and v is not None
            ]
            g.put(r, 8, "；".join(other))
            r += 1

        r += 1
        g.put(r, 1, "专家分汇总、排名与等级", SECTION)
        r += 1
        g.line(r, 1, ["参数", "编号"], HEAD)
        g.put(r, 3, "值", HEAD, span=6)
        r += 1
        for label, ident, value in _policy_rows(values, names):
            g.line(r, 1, [label, ident])
            g.put(r, 3, value, TEXT, span=6)
            r += 1
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    g.finish()


def _origin_rows(origin: dict | None) -> list[tuple[str, str]]:
    """Where the weights came from (``[origin]`` of the parameters file, written by
    ``iipeval weights``), as label/value lines; unknown keys are shown as they are."""
    if not origin:
        return []
    o = dict(origin)
    rows = [("权重来源", str(o.pop("summary", "") or o.get("method", "")))]

    def only_dicts(value) -> list[dict]:  # a hand-written [origin] may hold anything
        return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []

    def dicts(key: str) -> list[dict]:
        return only_dicts(o.pop(key, None))

    def who(entries, with_repair: bool = False) -> str:
        return "、".join(
            f"{e.get('expert')}（CR {_param_text(e.get('cr'))}"
            + (f"；{e['repair']}" if with_repair and e.get("repair") else "")
            + "）"
            for e in only_dicts(entries)
        )

    for g in dicts("groups"):
        text = f"计入：{who(g.get('included')) or '无'}"
        if g.get("excluded"):
            text += f"；未计入：{who(g.get('excluded'), True)}"
        if g.get("group_cr") is not None:
            text += f"；群组 CR {_param_text(g.get('group_cr'))}"
        rows.append((f"一致性检验·{g.get('title', g.get('level', ''))}", text))
    for e in dicts("experts"):
        rows.append(
            (
                f"调查表·{e.get('expert')} {e.get('name', '')}".strip(),
                f"{e.get('file', '')}　SHA-256 {e.get('sha256', '')}",
            )
        )
    for e in dicts("rejected_files"):
        rows.append(("未采用的调查表", f"{e.get('file', '')}：{e.get('reason', '')}"))
    labels = {
        "rows": "计算所用申报数",
        "constant": "数值无差异的指标",
        "skipped": "未计入的申报",
        "combined_with": "组合的主观权重",
        "ri_source": "随机一致性指标表出处",
    }
    for key in ("rows", "constant", "skipped", "combined_with", "ri_source"):
        if o.get(key) not in (None, [], {}):
            rows.append((labels[key], _param_text(o.pop(key))))
    shown = (
        "method",
        "framework",
        "framework_version",
        "subtype",
        "tool_version",
        "applications",
        "objective_weights",
        "matrix",
        "weighting",
        "aggregation",
        "ri_table",
        "cr_threshold",
    )  # already in the summary, or too long for a cell
    for key in shown:
        o.pop(key, None)
    rows += [(f"权重来源·{k}", _param_text(v)) for k, v in o.items() if v not in (None, "", [])]
    return rows


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _parameter_names(sample: Result | None) -> dict[str, str]:
    """Ids and rule paths → Chinese names; ``dim:<indicator>`` → its dimension id."""
    names: dict[str, str] = {}
    if sample is None:
        return names
    names |= {d.id: d.name for d in sample.dimensions}
    for i in sample.indicators:
        names[f"dim:{i.id}"] = i.dimension
        names |= _component_labels(i.id, i.name, i.trace)
    return names


def _policy_rows(values: dict[str, Any], names: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    agg = values.get("aggregation", {})
    methods = {"mean": "平均", "trimmed_mean": "去掉一个最高分和一个最低分后取平均"}
    for k, v in agg.items():
        text = methods.get(v, v) if k == "method" else _param_text(v)
        if k == "method" and v == "trimmed_mean":
            text += f"（专家不少于{_param_text(agg.get('trim_min_experts'))}人时；人数更少时平均）"
        yield f"专家分汇总：{PARAM_LABELS.get(k, k)}", f"aggregation.{k}", text
    ranking = values.get("ranking", {})
    quota, min_total = ranking.get("quota"), ranking.get("min_total")
    yield "推荐名额", "ranking.quota", f"{quota}个" if quota else "不限"
    yield (
        "推荐最低总分",
        "ranking.min_total",
        f"{_param_text(min_total)}分" if min_total is not None else "不设",
    )
    tie = "、".join(names.get(t, t) for t in values.get("tie_break", [])) or "（未规定）"
    yield "同分时依次比较", "tie_break", tie
    grades = values.get("grades", [])
    text = "；".join(f"{g.get('name')}：总分≥{_param_text(g.get('min'))}" for g in grades)
    yield "等级", "grades", text


def _component_labels(path: str, name: str, trace) -> dict[str, str]:
    """Rule path → ``指标·组成部分`` name, and ``part:<path>`` → the part's own label."""
    out = {path: name, f"part:{path}": name}
    for c in trace.components:
        sub = f"{path}.{c.id}"
        out |= _component_labels(sub, f"{name}·{c.label or c.id}", c)
        out[f"part:{sub}"] = c.label or c.id
    return out


def _param_text(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, int | float):
        return number(float(v), 4)
    if isinstance(v, dict):
        return "、".join(f"{k} {_param_text(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        if v and all(isinstance(x, list | tuple) for x in v):
            return "；".join("(" + ", ".join(_param_text(y) for y in x) + ")" for x in v)
        return ", ".join(_param_text(x) for x in v)
    return str(v)


# -- score cards ----------------------------------------------------------------------------

CARD_WIDTHS = {1: 14, 2: 26, 3: 13, 4: 9, 5: 9, 6: 9, 7: 11}
EXPERT_COL = 8
EXPLAIN_SPAN = 10  # H:Q
EXPERT_WIDTH = 8.5
CHART_MIN_CM = 7.5
PT_TO_CM = 2.54 / 72


def _card_sheet(ws, batch: Batch, row: Row) -> None:
    r_, e = row.result, row.entry
    experts = sorted({x for p in r_.panels for x in p.experts})
    span = max(EXPLAIN_SPAN, len(experts))
    fixed = dict(CARD_WIDTHS)
    for k in range(span):
        fixed[EXPERT_COL + k] = EXPERT_WIDTH
    last_col = EXPERT_COL + span - 1
    g = Grid(ws, fixed=fixed)

    title = f"评分卡　{r_.applicant}"
    g.put(1, 1, title, TITLE)
    if r_.fictional:
        g.put(2, 1, "（示例数据，非真实申报）", NOTE, span=7)
    status = "无错误" if r_.accepted else f"{voice.NEEDS_FIX_STATUS}（见本表末尾及“问题清单”）"
    if r_.total is not None:
        total = f"{_fmt(r_.total)}分"
    else:
        total = voice.pending_total(r_.secured, r_.pending_points)
    rank = f"第{e.rank}名" if e.rank is not None else "未排名"
    rec = e.recommendation + (f"（{e.reason}）" if e.reason else "")
    exclusions = voice.exclusion_text(r_.exclusions) or "无"
    head = [
        ("申报单位", r_.applicant),
        ("标识", e.key),
        ("来源文件", r_.source),
        ("评价体系", row.set_label),
        ("总分", total),
        ("等级", r_.grade or "—"),
        ("排名", rank),
        ("推荐意见", rec),
        ("否决项", exclusions),
        ("数据校验", status),
        ("专家评分", panel_check_text(r_) or "未提供专家评分表"),
        ("参数哈希", r_.provenance.parameters_hash),
    ]
    r = 3
    for label, value in head:
        g.put(r, 1, label, LABEL)
        style = Style(bold=True) if label in ("总分", "推荐意见") else TEXT
        g.put(r, 2, value, style, span=6)
        r += 1

    r += 1
    g.put(r, 1, "维度得分", SECTION)
    r += 1
    g.put(r, 1, "维度", HEAD, span=3)
    g.line(r, 4, ["得分", "计分", "满分", "状态"], HEAD)
    dim_head = r
    r += 1
    for d in r_.dimensions:
        g.put(r, 1, d.name, TEXT, span=3)
        g.line(r, 4, [d.score, d.points, d.weight], NUM)
        g.put(r, 7, STATUS_LABELS.get(d.status, d.status), CENTER)
        r += 1
    dim_last = r - 1
    if r_.bonus is not None or r_.deduction is not None:  # total = base + bonus − deduction
        for label, value in (("基础分", r_.base), ("加分项", r_.bonus), ("扣分项", r_.deduction)):
            if label != "基础分" and value is None:
                continue
            g.put(r, 1, label, TEXT, span=3)
            g.line(r, 4, [None, -value if label == "扣分项" else value], NUM)
            r += 1
    g.put(r, 1, "合计（总分）", LABEL, span=3)
    g.line(
        r,
        4,
        [r_.total, r_.secured, sum(d.weight for d in r_.dimensions)],
        Style(number_format=NUM_FORMAT, bold=True),
    )
    g.put(r, 7, "待专家评分" if r_.provisional else "已评分", CENTER)
    r += 1
    note = "得分为0-100分；计分＝得分×满分÷100；合计为百分制总分。"
    if any(d.score is None and d.status == "pending" for d in r_.dimensions):
        note += "待专家评分的维度暂无得分，雷达图中空缺。"
    g.put(r, 1, note, NOTE, span=7)
    top_end = r

    r += 2
    g.put(r, 1, "指标得分与计分说明", SECTION)
    r += 1
    g.line(r, 1, ["维度", "指标", "类型", "得分", "计分", "满分", "状态"], HEAD)
    g.put(r, EXPERT_COL, "计分说明", HEAD, span=span)
    r += 1
    dims = {d.id: d.name for d in r_.dimensions}
    for i in r_.indicators:
        fill = FLAG_FILL if i.status == "pending" else None
        g.put(r, 1, place(r_, i) if i.group else dims.get(i.dimension, i.dimension))
        g.put(r, 2, i.name)
        g.put(r, 3, i.kind, CENTER)
        g.line(r, 4, [i.score, i.points, i.weight], NUM)
        g.put(r, 7, STATUS_LABELS.get(i.status, i.status), Style(horizontal="center", fill=fill))
        g.put(r, EXPERT_COL, i.explanation, TEXT, span=span)
        r += 1

    if r_.adjustments:
        r += 1
        g.put(r, 1, "加分项与扣分项", SECTION)
        r += 1
        g.line(r, 1, ["部分", "项目", "类型", "得分", "计分", "最高", "状态"], HEAD)
        g.put(r, EXPERT_COL, "计分说明", HEAD, span=span)
        r += 1
        for a in r_.adjustments:
            g.put(r, 1, "加分项" if a.kind == "bonus" else "扣分项")
            g.put(r, 2, a.name)
            g.put(r, 3, "加分" if a.kind == "bonus" else "扣分", CENTER)
            g.line(r, 4, [a.trace.score, a.points, a.cap], NUM)
            g.put(r, 7, STATUS_LABELS.get(a.status, a.status), CENTER)
            g.put(r, EXPERT_COL, a.explanation, TEXT, span=span)
            r += 1

    r += 1
    g.put(r, 1, "专家评分", SECTION)
    r += 1
    if r_.panels:
        threshold = disagreement_threshold(batch, r_.framework, r_.subtype)
        note = "各专家分为0-100分（等级已按参数折算）；删除线为按汇总方式去掉的最高/最低分"
        if any(p.out_of is not None for p in r_.panels):
            note = note.replace("为0-100分", "为0-100分或该项原文分值（等级已按等级表折算）", 1)
        if threshold is not None:
            note += f"；极差超过{number(threshold, 2)}分需复议"
        g.put(r, 1, note + "。", NOTE, span=last_col)
        r += 1
        g.put(r, 1, "指标·评分项", HEAD, span=2)
        g.line(r, 3, ["汇总方式", "采用分", "极差", "阈值", "需复议"], HEAD)
        for k, name in enumerate(experts):
            g.put(r, EXPERT_COL + k, name, HEAD)
        r += 1
        for p in r_.panels:
            flag = FLAG_FILL if p.disagreement else None
            g.put(r, 1, p.label, TEXT, span=2)
            g.put(
                r,
                3,
                {"mean": "平均", "trimmed_mean": "去掉最高最低后平均"}.get(p.method, p.method),
                CENTER,
            )
            g.line(r, 4, [p.score, p.spread, threshold], NUM)
            g.put(
                r,
                7,
                "需复议" if p.disagreement else "",
                Style(horizontal="center", fill=flag, bold=p.disagreement),
            )
            for k, name in enumerate(experts):
                score = p.experts.get(name)
                dropped = score is not None and name not in p.kept
                g.put(
                    r,
                    EXPERT_COL + k,
                    score,
                    Style(
                        number_format=NUM_FORMAT,
                        strike=dropped,
                        color="808080" if dropped else None,
                    ),
                )
            r += 1
    else:
        g.put(
            r,
            1,
            "尚无专家评分。"
            if any(i.status == "pending" for i in r_.indicators)
            else "本申报无需专家评分的指标。",
            NOTE,
            span=last_col,
        )
        r += 1

    if r_.findings:
        r += 1
        g.put(r, 1, "本申报的问题", SECTION)
        r += 1
        g.put(r, 1, "级别", HEAD)
        g.put(r, 2, "位置", HEAD)
        g.put(r, 3, "说明", HEAD, span=last_col - 2)
        r += 1
        for f in r_.findings:
            g.put(
                r,
                1,
                SEVERITY_LABELS[f.severity],
                Style(horizontal="center", fill=SEVERITY_FILLS.get(f.severity)),
            )
            g.put(r, 2, f.where(batch.item_label(r_.framework, f.item)) or "—")
            g.put(r, 3, f.message, TEXT, span=last_col - 2)
            r += 1

    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    g.finish()

    # Radar chart of the dimension scores, to the right of the header and dimension table.
    top_pt = sum(g.row_height(x) for x in range(3, top_end + 1))
    chart = RadarChart()
    chart.type = "marker"
    chart.style = 26
    chart.title = "维度得分（0-100）"
    chart.add_data(
        Reference(ws, min_col=4, min_row=dim_head, max_row=dim_last), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=dim_head + 1, max_row=dim_last))
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.numFmt = "0"
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend = None
    chart.width = EXPERT_WIDTH * EXPLAIN_SPAN * 0.19
    chart.height = max(CHART_MIN_CM, top_pt * PT_TO_CM)
    ws.add_chart(chart, f"{get_column_letter(EXPERT_COL)}3")
