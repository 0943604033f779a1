"""Every page a person reads, printed by LibreOffice and checked as far as a machine can.

One round as an organiser runs it (``tests/printed_round.py``) writes every kind of output
a person reads: the application templates, a 补正 copy and the 补正清单, the 比对 report,
an expert form, an AHP questionnaire, a 核查表, results.xlsx with every sheet (调研核查 and
稳健性 included), the 稳健性 workbook and the 公示名单. All of them go through one
LibreOffice run to PDF (each conversion costs seconds; one run converts them all), and:

* every used column of every visible sheet is inside its print area, and its text is on
  the paper (the 稳健性 sheet's print area once stopped before “去掉E05”);
* every sheet prints one page wide or repeats its title columns, and no printed page's
  text is shrunk below a readable size (the 补正清单 once printed at a tiny font);
* each output's page count is within a stated bound (a 公示 of four lines once spilled its
  issuer onto a page of its own);
* no cell a person reads shows an English identifier, a file hash or an ISO timestamp;
* the outcome has one vocabulary in the terminal, the JSON, the CSV, the workbook and the
  公示; no line of the rubric, the 推荐信息汇总表 or the 公示 starts with “，” or a lone “）”.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import statistics
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import docx
import openpyxl
import pytest
from openpyxl.utils import column_index_from_string
from printed_round import build

from iipeval.core.api import Evaluator
from iipeval.core.round.outcomes import OUTCOMES, RECOMMEND

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler are not installed; CI installs them (scripts/test)",
)

#: Pages each output may take in this round, and why that many.
BOUNDS = {
    "申报表 national_2023": 11,  # 填报说明 1, 基本信息 1, 指标数据 9 (74 items)
    "申报表 hunan_characteristic": 5,  # 1 + 1 + 3
    "申报表 hunan_comprehensive": 5,
    "申报表 hunan_professional": 5,
    "补正副本": 12,  # the 补正通知, then the applicant's own 11 pages
    "补正清单": 1,  # eight applicants on one landscape page
    "比对": 2,  # the summary and the detail, a page each
    "专家评分表": 28,  # cover, 评分, 定量得分 for five applicants, 评分细则
    "AHP调查表": 7,  # 说明 and one page per comparison
    "核查表": 4,  # 78 rows at a readable size, and the signatures
    "results": 55,  # four rankings, 汇总表, 调研核查, 分歧, 问题, 参数 (9), 稳健性 (10), 8 cards
    "稳健性": 10,  # four sets, two or four pages each
    "公示名单": 1,  # four types of one applicant each: title to date on one page
}
#: The smallest height of printed text (a word's box on the page, in points; about 1.3
#: times the font size) a page may show: 7pt is 5.4pt type. The forms used in the field
#: and the lists read at a desk hold to 9pt (about 7pt type).
MIN_TEXT = 7.0
MIN_TEXT_FIELD = {"补正清单": 9.0, "核查表": 9.0, "比对": 9.0, "公示名单": 9.0}
#: The 参数 sheet is the organiser's record of the parameters file: its keys are what a
#: parameters file says, in the file's own words, so it is the one sheet exempt.
ORGANISER_RECORD = {"参数"}
#: What a line may not start with (and what a lone “）” is).
CLOSING = "，、。；：）”"
WRONG_WORDS = ("未进入推荐名额", "未达推荐分数线", "推荐意见")


@dataclass
class Printed:
    files: dict[str, Path]
    pdfs: dict[str, Path]
    terminal: dict[str, str]

    def pages(self, kind: str) -> list[str]:
        text = subprocess.run(
            ["pdftotext", "-layout", str(self.pdfs[kind]), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Printed:
    root = tmp_path_factory.mktemp("round")
    rnd = build(root / "round")
    shown = {k: p for k, p in rnd.files.items() if p.suffix in (".xlsx", ".docx")}
    src, out = root / "in", root / "pdf"
    src.mkdir()
    names = {}
    for n, (kind, path) in enumerate(shown.items()):
        names[kind] = f"f{n:02d}{path.suffix}"
        shutil.copy(path, src / names[kind])
    profile = root / f"lo-{uuid.uuid4().hex[:8]}"  # a profile of its own, as every run here
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *sorted(str(src / n) for n in names.values()),
        ],
        capture_output=True,
        timeout=900,
        check=False,
    )
    pdfs = {kind: out / f"{Path(name).stem}.pdf" for kind, name in names.items()}
    missing = [k for k, p in pdfs.items() if not p.exists()]
    assert not missing, f"LibreOffice printed none of {missing} (is Writer installed for .docx?)"
    return Printed(rnd.files, pdfs, rnd.terminal)


def visible_sheets(path: Path):
    wb = openpyxl.load_workbook(path)
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible"]


def workbooks(printed: Printed) -> dict[str, Path]:
    return {k: p for k, p in printed.files.items() if p.suffix == ".xlsx" and k in printed.pdfs}


def used_columns(ws) -> tuple[int, int]:
    cols = [c.column for row in ws.iter_rows() for c in row if c.value not in (None, "")]
    return (min(cols), max(cols)) if cols else (1, 1)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- every column on the paper ---------------------------------------------------------------


def test_every_used_column_is_inside_the_print_area_and_on_the_paper(printed):
    for kind, path in workbooks(printed).items():
        paper = squeezed("".join(printed.pages(kind)))
        for ws in visible_sheets(path):
            first, last = used_columns(ws)
            if ws.print_area:
                ref = ws.print_area.split("!")[-1].replace("$", "")
                cols = re.findall(r"[A-Z]+", ref)
                assert column_index_from_string(cols[0]) <= first, (kind, ws.title)
                assert column_index_from_string(cols[-1]) >= last, (kind, ws.title, ref)
            texts = [
                squeezed(str(c.value))[:4]
                for column in ws.iter_cols(min_col=last, max_col=last)
                for c in column
                if isinstance(c.value, str) and len(squeezed(c.value)) >= 2
            ]
            if texts:  # the rightmost column's words are printed somewhere
                assert any(t in paper for t in texts), (kind, ws.title, texts[:3])


def test_the_leave_one_out_table_prints_every_expert(printed):
    for kind in ("稳健性", "results"):
        heads = [
            squeezed(line)
            for page in printed.pages(kind)
            for line in page.splitlines()
            if "基准排名" in line and "算术平均" in line  # the panel table's head
        ]
        assert len(heads) == 4, kind  # one table per set
        assert all(f"去掉E0{k}" in head for head in heads for k in range(1, 6)), (kind, heads)


def test_every_sheet_prints_one_page_wide_or_repeats_its_title_columns(printed):
    for kind, path in workbooks(printed).items():
        for ws in visible_sheets(path):
            ps, fit = ws.page_setup, ws.sheet_properties.pageSetUpPr
            one_wide = bool(fit and fit.fitToPage) and ps.fitToWidth == 1
            assert one_wide or ws.print_title_cols, (kind, ws.title)  # a split page says whose
            assert int(ps.paperSize) == int(ws.PAPERSIZE_A4), (kind, ws.title)


def test_no_printed_page_is_shrunk_below_a_readable_size(printed):
    for kind, pdf in printed.pdfs.items():
        html = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        floor = MIN_TEXT_FIELD.get(kind, MIN_TEXT)
        for n, page in enumerate(html.split("<page ")[1:], 1):
            boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)
            heights = [float(b) - float(a) for a, b in boxes]
            assert heights, (kind, n)
            assert statistics.median(heights) >= floor, (kind, n, statistics.median(heights))


def test_every_output_keeps_to_its_page_count(printed):
    assert set(BOUNDS) == set(printed.pdfs)  # every kind printed has a stated bound
    for kind, bound in BOUNDS.items():
        pages = len(printed.pages(kind))
        assert 1 <= pages <= bound, (kind, pages, bound)


def test_the_publication_keeps_its_signature_with_its_text(printed):
    [page] = printed.pages("公示名单")  # title to date on one page
    lines = [squeezed(line) for line in page.splitlines() if line.strip()]
    assert lines[0] == "2026年工业互联网平台拟认定名单公示"
    assert "确定了拟认定名单" in "".join(lines)  # the parameters' words, not 拟推荐
    assert lines[-2:] == ["某某省工业和信息化厅", "2026年12月10日"]
    assert "通讯地址" in "".join(lines[-4:-2])  # the text above goes with the signature


# -- words ----------------------------------------------------------------------------------


def identifiers() -> re.Pattern:
    """Every id of the built-in sets (set, subtype, dimension, group, indicator, expert
    part, data item), as a whole token, plus what a file hash and an ISO time look like."""
    ids = set()
    for rf in Evaluator().frameworks():
        fw = rf.framework
        ids |= {fw.id, *(s.id for s in fw.subtypes), *(i.id for i in fw.items)}
        for d in fw.dimensions:
            ids |= {d.id, *(g.id for g in d.groups), *(i.id for i in d.indicators)}
        ids |= {pid for pid, _, _ in fw.expert_parts()}
    words = "|".join(sorted((re.escape(i) for i in ids), key=len, reverse=True))
    return re.compile(
        rf"(?<![A-Za-z0-9_.])(?:{words})(?![A-Za-z0-9_])"
        r"|(?<![0-9A-Za-z])(?=[0-9]*[a-f])[0-9a-f]{16,}|sha256:|SHA-256|\d{4}-\d\d-\d\dT\d\d:"
        r"|(?<![A-Za-z])[a-z]+_[a-z0-9_]+(?![A-Za-z0-9])"  # any snake_case code
    )


#: a file name or a path: a person needs it as it is, ids and all
FILES = re.compile(r"\S*\.(?:json|xlsx|xlsm|csv|toml|docx)\b|/\S+")


def test_no_cell_a_person_reads_shows_an_english_identifier(printed):
    pattern = identifiers()
    found = []
    for kind, path in workbooks(printed).items():
        for ws in visible_sheets(path):
            if ws.title in ORGANISER_RECORD:
                continue
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and not c.value.startswith("="):
                        hit = pattern.search(FILES.sub("", c.value))
                        if hit:
                            found.append((kind, ws.title, c.coordinate, hit.group(), c.value[:60]))
    document = docx.Document(printed.files["公示名单"])
    text = "\n".join(p.text for p in document.paragraphs)
    text += "".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert not pattern.search(FILES.sub("", text))
    assert found == []


def test_the_outcome_has_one_vocabulary_in_every_output(printed):
    data = json.loads(printed.files["results.json"].read_text("utf-8"))
    said = {e["applicant"]: e["outcome"] for rk in data["rankings"] for e in rk["entries"]}
    assert len(said) == 8 and set(said.values()) <= set(OUTCOMES)
    assert set(said.values()) >= {"拟推荐", "候补", "不予推荐"}  # the round uses the words
    assert not any("recommendation" in e for rk in data["rankings"] for e in rk["entries"])

    # terminal: the ranking tables of score, to the screen and with -o
    for command in ("score", "score text"):
        rows = [
            re.split(r"\s{2,}", line)
            for line in printed.terminal[command].splitlines()
            if re.match(r"^(\d+|—)\s{2,}", line)
        ]
        assert {r[1]: re.match("|".join(OUTCOMES), r[4]).group() for r in rows} == said

    # CSV
    with open(printed.files["results.csv"], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["申报单位"]: r["推荐结果"] for r in rows if r["申报单位"]} == said

    # workbook: the 排名 sheets, the 汇总表 and the score cards
    wb = openpyxl.load_workbook(printed.files["results"])
    ranked, summary, cards = {}, {}, {}
    for ws in wb.worksheets:
        grid = [[c.value for c in row] for row in ws.iter_rows()]
        for k, row in enumerate(grid):
            if "推荐结果" in row and "申报单位" in row:
                at, name = row.index("推荐结果"), row.index("申报单位")
                into = ranked if ws.title.startswith("排名") else summary
                for below in grid[k + 1 :]:
                    if below[name] and below[at] in OUTCOMES:
                        into[below[name]] = below[at]
            if row[:1] == ["推荐结果"]:
                applicant = next(r[1] for r in grid if r[:1] == ["申报单位"])
                cards[applicant] = re.match("|".join(OUTCOMES), row[1]).group()
    assert ranked == summary == cards == said

    # the 公示 lists the 拟推荐 and no one else
    document = docx.Document(printed.files["公示名单"])
    listed = {r.cells[1].text for t in document.tables for r in t.rows[1:]}
    assert {a for a, o in said.items() if o == RECOMMEND} <= listed
    assert not {a for a, o in said.items() if o != RECOMMEND} & listed

    # and the other words are nowhere
    everywhere = [*printed.terminal.values(), printed.files["results.csv"].read_text("utf-8-sig")]
    everywhere += [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    everywhere += [p.text for p in document.paragraphs]
    assert not [w for w in WRONG_WORDS for text in everywhere if w in text]


def test_a_vetoed_application_is_never_said_to_pass(printed):
    validate = printed.terminal["validate"]
    assert re.search(r"丁\.xlsx：不予推荐（触及否决项）\n  \[不予推荐\] 否决项：", validate)
    sheet = openpyxl.load_workbook(printed.files["补正清单"]).active
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[2] == "丁.xlsx")
    assert row[3] == "不予推荐" and "安全生产事故" in row[4]


# -- typesetting ----------------------------------------------------------------------------


def sheet_pages(printed: Printed, kind: str, sheet: str) -> list[str]:
    """The printed pages of one sheet, found by the footer every page carries."""
    footer = re.compile(rf"^\s*{re.escape(sheet)}[ \u3000]+第 ?\d+ ?页", re.M)
    return [p for p in printed.pages(kind) if footer.search(p)]


def starts_with_closing(page: str) -> list[str]:
    """Pieces of printed lines (cells, separated by wide gaps) that begin with ，or ）."""
    return [
        piece
        for line in page.splitlines()
        for piece in re.split(r"\s{2,}", line.strip())
        if piece and piece[0] in CLOSING
    ]


def test_no_line_of_the_rubric_the_summary_or_the_publication_starts_with_a_comma(printed):
    pages = {
        "评分细则": sheet_pages(printed, "专家评分表", "评分细则"),
        "推荐信息汇总表": sheet_pages(printed, "results", "推荐信息汇总表"),
        "公示名单": printed.pages("公示名单"),
    }
    assert all(pages.values()), {k: len(v) for k, v in pages.items()}
    assert {k: [b for p in v for b in starts_with_closing(p)] for k, v in pages.items()} == {
        k: [] for k in pages
    }
