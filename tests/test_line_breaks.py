"""Long Chinese text in a cell is broken into lines by the rules of Chinese typesetting.

LibreOffice wraps a cell wherever the next character does not fit, so the 评分细则 of the
expert form printed lines starting with “，” and “、”. The lines are now broken before the
text is written: no line starts with closing punctuation, none ends with an opening
bracket, every line fits its column, numbers and Latin words stay whole, nothing is lost.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from iipeval.cli.main import cli
from iipeval.core.text import NO_END, NO_START
from iipeval.excel.cells.measure import broken, line_count, text_width

REPO = Path(__file__).resolve().parents[1]
RUBRIC = (
    "平台对海外企业提供赋能解决方案的能力和国际竞争力，中国技术、中国方案“走出去”的成效，"
    "能够对海外企业提供平台赋能解决方案（SaaS产品5,000套），将中国技术、中国方案带向国际。"
)

WORD = st.text(alphabet=st.sampled_from(list("平台技术赋能方案企业国际")), min_size=1, max_size=6)
#: Chinese prose: words, each followed by at most one mark, brackets and quotes around some
PROSE = st.lists(
    st.tuples(
        st.sampled_from(["", "（", "“"]),
        WORD,
        st.sampled_from(["", "）", "”"]),
        st.sampled_from(["", "，", "。", "、", "；", "："]),
    ),
    min_size=1,
    max_size=40,
).map(lambda parts: "".join("".join(p) for p in parts))


@given(PROSE, st.sampled_from([14.0, 24.0, 26.0, 60.0]))  # 7 characters a line or more
def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(text, width):
    out = broken(text, width)
    assert out.replace("\n", "") == text  # nothing lost, nothing added
    lines = out.split("\n")
    assert not any(line[0] in NO_START for line in lines[1:]), out
    assert not any(line[-1] in NO_END for line in lines[:-1]), out


@given(PROSE)
def test_every_line_fits_its_column_so_no_program_wraps_it_again(text):
    for line in broken(text, 26).split("\n"):
        assert text_width(line) <= 25


def test_a_rubric_text_keeps_its_numbers_and_words_whole_and_its_height():
    out = broken(RUBRIC, 26)
    lines = out.split("\n")
    assert not any(line[0] in "，、。）”" for line in lines)
    assert any("SaaS" in line for line in lines) and any("5,000" in line for line in lines)
    assert line_count(out, 26) == len(lines)  # the row is as high as the lines it holds


def test_the_expert_forms_rubric_has_no_line_that_starts_with_a_comma(tmp_path):
    out = tmp_path / "forms"
    apps, panel = REPO / "examples" / "applications", REPO / "examples" / "panel.toml"
    record = str(out.parent / "私密" / "record.json")  # the organiser's, apart from the forms
    args = ["panel", str(apps), "--panel", str(panel), "-o", str(out), "--record", record]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    forms = sorted(out.glob("*.xlsx"))
    assert forms
    for form in forms:
        ws = openpyxl.load_workbook(form)["评分细则"]
        texts = [
            c.value for row in ws.iter_rows(min_row=4) for c in row if isinstance(c.value, str)
        ]
        assert any("\n" in t for t in texts)  # broken here, not left to the spreadsheet
        for text in texts:
            assert not any(line[:1] in "，、。；：）”" for line in text.split("\n")), text
