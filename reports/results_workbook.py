"""The results workbook (评分结果.xlsx): rankings, score cards, disagreements, findings,
parameters. Rendered from a :class:`~iipeval.core.round.batch.Batch`; no scoring happens here.

Sheets, in order:

* ``排名`` (one ``排名-<体系>`` sheet per criteria set and sub-type when the batch holds
  several): rank, applicant, key, total, each dimension's score, grade, 待专家评分,
  推荐结果 (拟推荐 / 候补 / 不予推荐 / 待定) and reason, with a bar chart of the totals beside the table;
* ``推荐信息汇总表`` and, when the run used 核查表, ``调研核查``;
* ``专家分歧``: every expert part whose spread exceeds the set's threshold (需复议);
* ``问题清单``: every finding of the batch, its results and its unreadable inputs;
* ``参数``: the parameters in force per criteria set with their hash, the parameters
  file and its SHA-256, the tool version and the time;
* one score card per application (``01-简称``…, :mod:`.score_card`). Written by default
  for a batch of at most :data:`CARDS_AUTO_MAX` applications and on request
  (``cards=True``, ``score --cards``) for a larger one: a card is a sheet and a chart,
  which for a national round of thousands would cost more than the rest of the outputs
  together, and every card's content is in the JSON and the text card as well.

Memory stays flat however large the batch: the sheets are write-only and stream their
rows (:mod:`.grid`), and the sheets that list across the batch (推荐信息汇总表, 调研核查,
专家分歧, 问题清单) share one pass over the spool that builds only the fields they show
(:class:`Listed`), one result at a time; ``tests`` count the reads and the results alive.

Every string is written through :func:`iipeval.present.cell_text.put`, which stores it as
text and never as a formula: applicants choose their names. The same batch and
``generated_at`` give the same bytes (document properties and zip entry times are set
to ``generated_at``).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from iipeval.core.findings import SEVERITY_LABELS
from iipeval.core.model.results import DimensionResult, IndicatorResult, Result
from iipeval.core.round.batch import Batch
from iipeval.core.round.outcomes import RECOMMEND, TIE_LABELS
from iipeval.core.round.ranking import RankEntry, Ranking
from iipeval.core.round.spool import view
from iipeval.core.scoring.aggregation import rule_text
from iipeval.core.scoring.params import AggregationPolicy
from iipeval.core.text import break_lines, display_width, fmt, when
from iipeval.present.cell_text import sheet_title
from iipeval.present.labels import (
    PARAM_LABELS,
    RULE_LABELS,
    set_label,
)
from iipeval.present.view import (
    Row,
    disagreement_threshold,
    experts_text,
    params_key,
)
from iipeval.present.xlsx import zip_time
from iipeval.reports.grid import (
    CENTER,
    EXCLUDED_FILL,
    FLAG_FILL,
    HEAD,
    LABEL,
    LINK,
    NOTE,
    NUM,
    NUM_FORMAT,
    SECTION,
    SEVERITY_FILLS,
    TEXT,
    TITLE,
    Grid,
    Style,
    add_sheet,
    new_workbook,
    print_setup,
)
from iipeval.reports.recommendation_sheet import SUMMARY, SummarySheet
from iipeval.reports.verification_sheet import VERIFICATION, VerificationSheet

CHART_MAX_BARS = 30

RANKING, DISAGREEMENT, FINDINGS, PARAMETERS = "排名", "专家分歧", "问题清单", "参数"
NO_CARDS_NOTE = (
    "本批申报较多，本工作簿未附逐份评分卡；各申报的指标得分与计分说明见同名 .json 文件，"
    "需要评分卡时请加 --cards 重新生成。"
)


def _print_setup(ws, title_rows: str | None) -> None:
    print_setup(ws, title_rows)


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
    also: Any = None,
) -> None:
    """Write the results workbook for ``batch`` to ``path`` (callers wrap this in
    :func:`iipeval.present.atomic.write_atomic`). ``cards``: a score card per application;
    ``None`` means so when the batch holds at most :data:`CARDS_AUTO_MAX` applications.
    ``also``: another writer fed by the listing pass (see :func:`_listing_sheets`)."""
    wb = build_workbook(
        batch, generated_at=generated_at, robustness=robustness, cards=cards, copy=copy, also=also
    )
    save_deterministic(wb, Path(path), generated_at)


def _ranks_anyone(rk: Ranking) -> bool:
    """Someone in the set is ranked, or will be once the experts have scored."""
    return any(
        e.rank is not None or (e.provisional and e.accepted and not e.excluded) for e in rk.entries
    )


def new_results_workbook(generated_at: datetime, title: str) -> Workbook:
    """An empty write-only workbook with iipeval's document properties, dated
    ``generated_at`` (the results workbook's, and the 稳健性 workbook's)."""
    wb = new_workbook()
    stamp = _naive_utc(generated_at)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "iipeval"
    wb.properties.title = title
    return wb


def build_workbook(
    batch: Batch,
    *,
    generated_at: datetime,
    robustness: Any = None,
    cards: bool | None = None,
    copy: str = "full",
    also: Any = None,
) -> Workbook:
    """The results workbook, every sheet written (write-only: save it, do not read it)."""
    wb = new_results_workbook(generated_at, "工业互联网平台申报评分结果")
    if copy == "parameters":
        _close(_parameters_sheet(add_sheet(wb, PARAMETERS), batch, generated_at))
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
    rankings = _ranking_sheets(wb, batch, card_names, taken, copy)
    findings = _listing_sheets(wb, batch, card_names, also)
    if copy == "full":
        _close(_parameters_sheet(add_sheet(wb, PARAMETERS), batch, generated_at))
    if robustness is not None:  # a core.robustness.Robustness, when asked for
        from iipeval.reports.robustness_sheet import add_sheets

        add_sheets(wb, robustness, taken)
    if cards:
        from iipeval.reports.score_card import card_sheet

        for row in _rows(batch):
            _close(card_sheet(add_sheet(wb, card_names[row.entry.source]), batch, row))
    if rankings and not any(_ranks_anyone(rk) for rk in rankings):
        # Nobody is ranked: page 1 says why (one application's score card, or the problem
        # list), not a ranking whose one row is a rejection.
        one = card_names.get(entries[0].source) if len(entries) == 1 else None
        why = one or findings
        wb.move_sheet(why, offset=-wb.sheetnames.index(why))
    wb.active = 0
    return wb


def _rows(batch: Batch):
    """Every scored application with its full result, in ranking order (the score cards)."""
    for ranking in batch.rankings:
        for entry in ranking.entries:
            yield Row(ranking, entry, batch.result(entry.source))


def _close(ws):
    """A finished sheet is closed at once: its rows go to disk and its file is shut, so a
    workbook of thousands of score cards holds no open file per sheet."""
    ws.close()
    return ws


def _ranking_sheets(wb, batch: Batch, card_names, taken: set[str], copy: str) -> list[Ranking]:
    """One 排名 sheet per criteria set; returns the rankings in the order shown."""
    # Page 1 is a ranking that ranks someone: a set whose only applications need 补正 or are
    # 不予推荐 comes after the others (sorted() is stable: the sets keep their order).
    rankings = sorted(batch.rankings, key=lambda rk: not _ranks_anyone(rk))
    if len(rankings) <= 1:
        names = [RANKING]
    else:
        names = [sheet_title(f"{RANKING}-{_ranking_short(rk)}", taken) for rk in rankings]
    params_ref = "见“参数”表" if copy == "full" else "见随附的参数文件"
    for k, rk in enumerate(rankings):
        ws = add_sheet(wb, names[k])
        _ranking_sheet(ws, batch, rk, card_names, first=k == 0, params_ref=params_ref)
        _close(ws)
    if not rankings:
        _close(_empty_ranking_sheet(add_sheet(wb, RANKING), batch))
    return rankings


def _naive_utc(t: datetime) -> datetime:
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return t.replace(microsecond=0)


class _PinnedZip(zipfile.ZipFile):
    """A ZIP archive without the clock, written as openpyxl hands it the parts: every
    entry dated ``when`` (mode 0644), and the save time openpyxl puts into
    ``docProps/core.xml`` replaced by ``when``. The same bytes as
    :func:`iipeval.present.xlsx.pin_zip` gives, but streamed: a sheet's XML is copied
    from its temporary file, never held in memory."""

    def __init__(self, path: Path, when: datetime) -> None:
        super().__init__(path, "w", zipfile.ZIP_DEFLATED)
        self._stamp = zip_time(when)
        self._text = _naive_utc(when).strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def _entry(self, name: str, size: int) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=self._stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        entry.file_size = size
        return entry

    def writestr(self, name, data, compress_type=None, compresslevel=None) -> None:
        name = name.filename if isinstance(name, zipfile.ZipInfo) else name
        data = data.encode("utf-8") if isinstance(data, str) else data
        if name == "docProps/core.xml":
            data = re.sub(
                rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                rb"\g<1>" + self._text + rb"\g<2>",
                data,
            )
        super().writestr(self._entry(name, len(data)), data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        with open(filename, "rb") as src:
            size = src.seek(0, 2)
            src.seek(0)
            with self.open(self._entry(arcname or str(filename), size), "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def save_deterministic(wb: Workbook, path: Path, generated_at: datetime) -> None:
    """Save like ``Workbook.save`` but without the clock: the document properties keep the
    times set on them and every zip entry is dated ``generated_at``."""
    with _PinnedZip(path, generated_at) as archive:
        ExcelWriter(wb, archive).write_data()


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
    sample = batch.result(mine[0].source, Listed) if mine else None
    dims = [(d.id, d.name) for d in sample.dimensions] if sample else []
    headers = ["排名", "申报单位", "标识", "总分", *(n for _, n in dims)]
    headers += ["等级", "待专家评分", "推荐结果", "说明"]
    ncol = len(headers)
    g = _ranking_grid(rk, dims, ncol)
    g.put(1, 1, f"{set_label(rk.framework_name, rk.subtype_name)}　排名", TITLE)
    note = _ranking_note(rk, {**TIE_LABELS, **_names(sample)}, params_ref)
    if batch.in_points(rk.framework):  # a points table: its total and points are the document's
        note = note.replace("总分为百分制", "总分按原文分值计（含加分、扣分）").replace(
            "权重与计分规则为建议值", "分值与计分规则照录原文件"
        )
    g.put(2, 1, note, NOTE, span=ncol)
    g.line(3, 1, headers, HEAD)
    r = 4
    for e in mine:
        _ranking_row(g, r, e, dims, cards.get(e.source))
        r += 1
    r = _ranking_notes(g, r, batch, rk, ncol, first=first, cards=bool(cards))
    ws.freeze_panes = "C4"
    _print_setup(ws, "1:3")
    g.finish(ws)
    # The chart sits beside the table for the screen; the printed page is the table alone,
    # which a chart beside it would shrink to an unreadable scale.
    ws.print_area = f"A1:{get_column_letter(ncol)}{max(r, 3)}"
    ranked = [e for e in mine if e.rank is not None and e.total is not None]
    if ranked:
        ws.add_chart(_totals_chart(ws, len(ranked)), f"{get_column_letter(ncol + 2)}3")


#: the 排名 sheet's 说明 column (a longer reason is broken by the rules of Chinese typesetting)
RANKING_REASON_WIDTH = 36


def _ranking_grid(rk: Ranking, dims: list[tuple[str, str]], ncol: int) -> Grid:
    """The 排名 sheet's columns: the name column as wide as the longest applicant (within
    bounds), each dimension as wide as its name needs."""
    widest = max((display_width(e.applicant) for e in rk.entries), default=16)
    name_width = min(44.0, max(16.0, widest + 3))
    g = Grid(
        fixed={1: 6, 2: name_width, 3: 21, 4: 9, ncol - 1: 12, ncol: RANKING_REASON_WIDTH},
        max_width=14,
    )
    for k in range(len(dims)):
        g.fixed[5 + k] = max(10.0, min(14.0, display_width(dims[k][1]) / 2 + 2))
    g.fixed[5 + len(dims)] = 7
    g.fixed[6 + len(dims)] = 8
    return g


def _ranking_note(rk: Ranking, names: dict[str, str], params_ref: str) -> str:
    policy = rk.policy
    tie = "、".join(names.get(t, t) for t in rk.tie_break) or "（未规定）"
    return (
        f"推荐名额：{f'{policy.quota}个' if policy.quota else '不限'}；"
        f"推荐最低总分：{fmt(policy.min_total) + '分' if policy.min_total is not None else '不设'}；"
        f"同分时依次比较：{tie}。总分为百分制；维度得分为该维度的0-100分。"
        f"权重与计分规则为建议值，{params_ref}。"
    )


def _ranking_row(g: Grid, r: int, e: RankEntry, dims, card: str | None) -> None:
    """One application's line; one not ranked is shaded."""
    fill = EXCLUDED_FILL if e.rank is None else None
    g.put(r, 1, e.rank, Style(horizontal="center", fill=fill))
    if card:
        style = Style(color=LINK.color, underline="single", fill=fill)
        g.put(r, 2, e.applicant, style, link=card)
    else:
        g.put(r, 2, e.applicant, Style(fill=fill))
    g.put(r, 3, e.key, Style(fill=fill))
    g.put(r, 4, e.total, Style(number_format=NUM_FORMAT, bold=True, fill=fill))
    for k, (dim_id, _) in enumerate(dims):
        g.put(r, 5 + k, e.dimensions.get(dim_id), Style(number_format=NUM_FORMAT, fill=fill))
    c = 5 + len(dims)
    g.put(r, c, e.grade, Style(horizontal="center", fill=fill))
    g.put(r, c + 1, "是" if e.provisional else "", Style(horizontal="center", fill=fill))
    g.put(r, c + 2, e.outcome, Style(bold=e.outcome == RECOMMEND, fill=fill))
    g.put(r, c + 3, break_lines(e.outcome_reason, RANKING_REASON_WIDTH - 1), Style(fill=fill))


def _ranking_notes(
    g: Grid, r: int, batch: Batch, rk: Ranking, ncol: int, *, first: bool, cards: bool
) -> int:
    """What follows the table: the set's own findings and, on page 1, the files that could
    not be scored and where the score cards are; returns the last row used."""
    if not rk.entries:
        g.put(r, 1, "本评价体系没有可评分的申报", NOTE, span=ncol)
        r += 1
    if rk.findings:
        r += 1
        for f in rk.findings:
            g.put(r, 1, f"［{SEVERITY_LABELS[f.severity]}］{f.message}", NOTE, span=ncol)
            r += 1
    if first and batch.rejected:
        r += 1
        rejected = f"另有{len(batch.rejected)}个文件无法评分，原因见“{FINDINGS}”表。"
        g.put(r, 1, rejected, NOTE, span=ncol)
    if first and rk.entries and not cards:
        r += 1
        g.put(r, 1, NO_CARDS_NOTE, NOTE, span=ncol)
    return r


def _totals_chart(ws, ranked: int) -> BarChart:
    """Bars of the totals of the first (at most :data:`CHART_MAX_BARS`) ranked applications."""
    n = min(ranked, CHART_MAX_BARS)
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = f"总分（前{n}名）" if n < ranked else "总分（已排名的申报）"
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
    return chart


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
    return ws


# -- 专家分歧, 问题清单 and the other sheets that list across the batch ----------------------


#: What the sheets that list across the batch read of a result: built from the spool
#: without the indicators' explanation traces and the parameter snapshot, which are most
#: of a result's weight (an in-memory result serves as it is).
Listed = view(
    Result,
    (
        "source",
        "framework",
        "subtype",
        "applicant",
        "platform_name",
        "region",
        "panels",
        "findings",
        "verification",
    ),
    dimensions=(list[view(DimensionResult, ("id", "name"))], ...),
    indicators=(list[view(IndicatorResult, ("id", "name"))], ...),
)


def _listing_sheets(wb, batch: Batch, cards: dict[str, str], also: Any = None) -> str:
    """推荐信息汇总表, 调研核查 (if used), 专家分歧 and 问题清单, filled in one pass over the
    results that keeps none of them; returns the name of the 问题清单 sheet. ``also`` (a
    :class:`~iipeval.reports.tabular.RowsAhead`) is fed each result of the same pass, read
    as its ``view`` (which holds :data:`Listed`'s fields), then told it is ``done``."""
    summary = SummarySheet(batch)
    verified = VerificationSheet()
    split = _DisagreementSheet()
    listed = _FindingsSheet(batch)
    view = also.view if also is not None else Listed
    for ranking in batch.rankings:
        for entry in ranking.entries:
            row = Row(ranking, entry, batch.result(entry.source, view))
            card = cards.get(entry.source)
            summary.add(row)
            verified.add(row)
            split.add(batch, row, card)
            listed.add(batch, row.result, card)
            if also is not None:
                also.add(batch, entry, row.result)
    if also is not None:
        also.done(batch)
    _close(summary.write(add_sheet(wb, SUMMARY)))
    if verified:
        _close(verified.write(add_sheet(wb, VERIFICATION)))
    _close(split.write(add_sheet(wb, DISAGREEMENT)))
    _close(listed.write(add_sheet(wb, FINDINGS), batch))
    return FINDINGS


DISAGREEMENT_HEADERS = (
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
)


class _DisagreementSheet:
    """专家分歧: every expert part whose spread exceeds its set's threshold, as found."""

    def __init__(self) -> None:
        n = len(DISAGREEMENT_HEADERS)
        g = Grid(fixed={1: 28, 2: 24, 3: 26, 4: 44, 5: 8, 6: 8, 7: 8, 8: 8, 9: 8, 10: 8})
        g.put(1, 1, "专家分歧（极差超过阈值，需复议）", TITLE)
        g.put(
            2,
            1,
            "极差为同一评分项最高分与最低分之差（0-100分制）；超过该评价体系的阈值即需复议。"
            "“（去掉）”为按汇总方式去掉的最高/最低分。",
            NOTE,
            span=n,
        )
        g.line(3, 1, DISAGREEMENT_HEADERS, HEAD)
        self.grid, self.r = g, 4

    def add(self, batch: Batch, row: Row, card: str | None) -> None:
        res, g = row.result, self.grid
        if not any(p.disagreement for p in res.panels):
            return
        threshold = disagreement_threshold(batch, res.framework, res.subtype)
        for p in res.panels:
            if not p.disagreement:
                continue
            scores = list(p.experts.values())
            r = self.r
            g.put(r, 1, res.applicant, LINK if card else TEXT, link=card)
            g.put(r, 2, row.set_label)
            g.put(r, 3, p.label)
            g.put(r, 4, experts_text(p))
            g.line(r, 5, [max(scores), min(scores), p.spread, threshold, p.score], NUM)
            g.put(r, 10, "需复议", Style(bold=True, fill=FLAG_FILL, horizontal="center"))
            self.r += 1

    def write(self, ws):
        n = len(DISAGREEMENT_HEADERS)
        empty = "本批没有超过阈值的专家分歧。"
        return _finish_listing(ws, self.grid, self.r - 4, n, empty, freeze="B4")


def _finish_listing(ws, g: Grid, rows: int, ncol: int, empty: str, *, freeze: str):
    """A list under a three-row head: a note where it is empty, else a filter over it."""
    if not rows:
        g.put(4, 1, empty, NOTE, span=ncol)
    else:
        ws.auto_filter.ref = f"A3:{get_column_letter(ncol)}{3 + rows}"
    ws.freeze_panes = freeze
    _print_setup(ws, "1:3")
    g.finish(ws)
    return ws


FINDINGS_HEADERS = (
    "序号",
    "申报单位",
    "文件",
    "工作表",
    "单元格",
    "数据项",
    "指标",
    "级别",
    "说明",
)
#: places listed in one row of a group of identical findings before the rest are counted
GROUP_PLACES = 10


class _FindingsSheet:
    """问题清单: every finding of every result as found, then the unreadable inputs' and
    the batch's own."""

    def __init__(self, batch: Batch) -> None:
        g = Grid(fixed={1: 6, 2: 26, 3: 30, 7: 16, 8: 7, 9: 60}, max_width=22)
        g.put(1, 1, "问题清单", TITLE)
        g.put(
            2,
            1,
            "级别：错误＝须退回补正后才能排名；警告＝需核实；提示＝供参考。"
            "“批次”指不属于某一份申报的问题（专家评分表、排名等）；"
            "同一问题出现在多处时合为一行，列出各处。",
            NOTE,
            span=len(FINDINGS_HEADERS),
        )
        g.line(3, 1, FINDINGS_HEADERS, HEAD)
        self.grid, self.n = g, 0

    def add(self, batch: Batch, res, card: str | None) -> None:
        if res.findings:
            names = _names(res)
            for group in _same_findings(res.findings):
                self._line(batch, res.applicant, card, names, res.framework, group)

    def _line(self, batch: Batch, who, card, names, fw, group: list) -> None:
        g, f = self.grid, group[0]
        self.n += 1
        r = 3 + self.n
        g.put(r, 1, self.n, CENTER)
        g.put(r, 2, who, LINK if card else TEXT, link=card)
        indicator = names.get(f.indicator, f.indicator) if f.indicator else None
        files = _places([x.file for x in group])
        cells = _places([x.cell for x in group]) if "\n" not in (files or "") else None
        sheet = f.sheet if len({x.sheet for x in group}) == 1 else None
        g.line(r, 3, [files, sheet, cells, batch.item_label(fw, f.item), indicator])
        g.put(
            r,
            8,
            SEVERITY_LABELS[f.severity],
            Style(horizontal="center", fill=SEVERITY_FILLS.get(f.severity)),
        )
        g.put(r, 9, f.message + (f"（共{len(group)}处）" if len(group) > 1 else ""))

    def write(self, ws, batch: Batch):
        for rej in batch.rejected:
            for group in _same_findings(rej.findings):
                self._line(batch, "（无法评分）", None, {}, None, group)
        for group in _same_findings(batch.findings):
            self._line(batch, "批次", None, {}, None, group)
        n = len(FINDINGS_HEADERS)
        return _finish_listing(ws, self.grid, self.n, n, "本批没有发现问题。", freeze="C4")


def _same_findings(findings) -> list[list]:
    """Findings that say the same thing (severity, code, message, item, indicator) in
    several places, grouped in the order they first appear: one row each in 问题清单,
    not ten identical rows."""
    groups: dict[tuple, list] = {}
    for f in findings:
        key = (f.severity, f.code, f.message, f.item, f.indicator)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def _places(values: list[str | None]) -> str | None:
    """Distinct places of a group, one per line; past :data:`GROUP_PLACES`, counted."""
    seen = [v for v in dict.fromkeys(values) if v]
    if len(seen) <= GROUP_PLACES:
        return "\n".join(seen) or None
    return "\n".join([*seen[:GROUP_PLACES], f"……共{len(seen)}处"])


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


def _parameters_sheet(ws, batch: Batch, generated_at: datetime):
    """Per criteria set: version and hash, then three compact tables (weights, scoring
    rules with one row per rule or component, panel/ranking/grade policy)."""
    widths = {1: 40, 2: 26, 3: 11, 4: 10, 5: 11, 6: 11, 7: 11, 8: 44}
    g = Grid(fixed=widths)
    g.put(1, 1, "参数与版本", TITLE)
    head = [
        ("工具版本", f"iipeval {batch.tool_version}"),
        ("生成时间", when(generated_at)),
        ("运行编号", batch.run_id or "—"),  # the same in results.json and results.csv
        ("参数文件", batch.parameters_file or "未使用参数文件（全部采用默认建议值）"),
        ("参数文件 SHA-256", batch.parameters_file_sha256 or "—"),
        ("专家评分表核验", _review_panel_text(batch)),
        ("说明", _weights_note(batch)),
    ]
    r = _label_rows(g, 3, head)
    shown = _set_names(batch)
    for key, snap in batch.parameters.items():
        label, names, notices = shown.get(key, (key, {}, []))
        values = snap.get("values", {})
        g.put(r + 1, 1, label, SECTION)
        info = [
            ("评价体系编号与版本", f"{key}　版本 {snap.get('framework_version', '')}"),
            ("参数哈希", snap.get("hash", "")),
        ]
        origin = (batch.parameters_origin or {}).get(key.split("/")[0])
        notes = [*(("折算说明", n) for n in notices), *_origin_rows(origin)]
        r = _label_rows(g, r + 2, [*info, *notes])
        r = _weights_table(g, r + 1, values.get("weights", {}), names)
        r = _rules_table(g, r + 1, values.get("rules", {}), names)
        r = _policy_table(g, r + 1, values, names)
    ws.freeze_panes = "A2"
    _print_setup(ws, "1:1")
    g.finish(ws)
    return ws


def _set_names(batch: Batch) -> dict[str, tuple[str, dict[str, str], list[str]]]:
    """Per criteria set, from one of its results (read once, not kept): its label, the
    names of its ids and rule paths, and its conversion notes."""
    out = {}
    for rk in batch.rankings:
        for e in rk.entries[:1]:
            key = params_key(e.framework, e.subtype)
            if key not in out:
                row = Row(rk, e, batch.result(e.source))
                out[key] = (
                    row.set_label,
                    _parameter_names(row.result),
                    row.result.provenance.notices,
                )
    return out


def _label_rows(g: Grid, r: int, rows: list[tuple[str, str]]) -> int:
    for label, value in rows:
        g.put(r, 1, label, LABEL)
        g.put(r, 2, value, TEXT, span=7)
        r += 1
    return r


def _weights_table(g: Grid, r: int, weights: dict, names: dict[str, str]) -> int:
    """Each dimension's full mark, its indicators' below it."""
    g.put(r, 1, "权重（满分）", SECTION)
    g.line(r + 1, 1, ["维度 / 指标", "编号", "层级", "满分"], HEAD)
    r += 2
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
    return r


RULE_HEADERS = (
    "指标·组成部分",
    "编号",
    "规则类型",
    "组成权重（%）",
    "起评线",
    "标杆值",
    "目标比例（%）",
    "其他参数",
)
RULE_NUMBERS = ("type", "weight", "floor", "benchmark", "target")


def _rules_table(g: Grid, r: int, rules: dict, names: dict[str, str]) -> int:
    """One row per indicator's rule and per component of it."""
    g.put(r, 1, "计分规则", SECTION)
    g.line(r + 1, 1, RULE_HEADERS, HEAD)
    r += 2
    for path, rule in rules.items():
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
            if k not in RULE_NUMBERS and v is not None
        ]
        g.put(r, 8, "；".join(other))
        r += 1
    return r


def _policy_table(g: Grid, r: int, values: dict, names: dict[str, str]) -> int:
    g.put(r, 1, "专家分汇总、排名与等级", SECTION)
    g.line(r + 1, 1, ["参数", "编号"], HEAD)
    g.put(r + 1, 3, "值", HEAD, span=6)
    r += 2
    for label, ident, value in _policy_rows(values, names):
        g.line(r, 1, [label, ident])
        g.put(r, 3, value, TEXT, span=6)
        r += 1
    return r


#: ``[origin]`` keys shown on a line of their own, by their Chinese label
ORIGIN_LABELS = {
    "rows": "计算所用申报数",
    "constant": "数值无差异的指标",
    "skipped": "未计入的申报",
    "combined_with": "组合的主观权重",
    "ri_source": "随机一致性指标表出处",
}
#: ``[origin]`` keys already in its summary, or too long for a cell
ORIGIN_SKIPPED = (
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
)


def _origin_rows(origin: dict | None) -> list[tuple[str, str]]:
    """Where the weights came from (``[origin]`` of the parameters file, written by
    ``iipeval weights``), as label/value lines; unknown keys are shown as they are."""
    if not origin:
        return []
    o = dict(origin)
    rows = [("权重来源", str(o.pop("summary", "") or o.get("method", "")))]
    rows += _consistency_rows(o)
    for key, label in ORIGIN_LABELS.items():
        if o.get(key) not in (None, [], {}):
            rows.append((label, _param_text(o.pop(key))))
    for key in ORIGIN_SKIPPED:
        o.pop(key, None)
    rows += [(f"权重来源·{k}", _param_text(v)) for k, v in o.items() if v not in (None, "", [])]
    return rows


def _dicts(value: Any) -> list[dict]:
    """The dicts of a list (a hand-written ``[origin]`` may hold anything)."""
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _who(entries: Any, with_repair: bool = False) -> str:
    return "、".join(
        f"{e.get('expert')}（CR {_param_text(e.get('cr'))}"
        + (f"；{e['repair']}" if with_repair and e.get("repair") else "")
        + "）"
        for e in _dicts(entries)
    )


def _consistency_rows(o: dict) -> list[tuple[str, str]]:
    """An AHP round's lines (taken out of ``o``): who counted per level, the
    questionnaires and their hashes, the files not used."""
    rows = []
    for g in _dicts(o.pop("groups", None)):
        text = f"计入：{_who(g.get('included')) or '无'}"
        if g.get("excluded"):
            text += f"；未计入：{_who(g.get('excluded'), True)}"
        if g.get("group_cr") is not None:
            text += f"；群组 CR {_param_text(g.get('group_cr'))}"
        rows.append((f"一致性检验·{g.get('title', g.get('level', ''))}", text))
    for e in _dicts(o.pop("experts", None)):
        rows.append(
            (
                f"调查表·{e.get('expert')} {e.get('name', '')}".strip(),
                f"{e.get('file', '')}　SHA-256 {e.get('sha256', '')}",
            )
        )
    for e in _dicts(o.pop("rejected_files", None)):
        rows.append(("未采用的调查表", f"{e.get('file', '')}：{e.get('reason', '')}"))
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


def _rule_text(agg: dict[str, Any]) -> str | None:
    """The round's panel rule in a sentence, from the recorded parameters."""
    if agg.get("trim_min_experts") is not None:  # the old rule: ``trim`` plays no part
        agg = {k: v for k, v in agg.items() if k != "trim"}
    try:
        return rule_text(AggregationPolicy.model_validate(agg))
    except ValueError:
        return None


def _policy_rows(values: dict[str, Any], names: dict[str, str]) -> Iterable[tuple[str, str, str]]:
    agg = values.get("aggregation", {})
    rule = _rule_text(agg)
    for k, v in agg.items():
        if k in ("trim", "trim_min_experts") and rule is not None:
            continue  # said in words with the method, one sentence for the rule
        text = (rule or str(v)) if k == "method" else _param_text(v)
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
    if v is None or isinstance(v, bool | int | float):
        return fmt(v, 4)
    if isinstance(v, dict):
        return "、".join(f"{k} {_param_text(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        if v and all(isinstance(x, list | tuple) for x in v):
            return "；".join("(" + ", ".join(_param_text(y) for y in x) + ")" for x in v)
        return ", ".join(_param_text(x) for x in v)
    return str(v)
