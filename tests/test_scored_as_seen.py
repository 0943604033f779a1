"""What is scored is what a person sees: every way to hide a figure in a 申报表 is refused.

Each attack starts from a good, filled national_2023 workbook and forges 运行设备连接数量
(指标数据 E7) to 99999999 in a way a reviewer looking at the workbook would not see. The
reader must report an error at the sheet and cell, must not hand the forged figure to the
scorer, and the CLI must end with exit code 1.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fake_excel import FakeBook
from workbook_helpers import figures, fill, slot_cells, soffice, soffice_convert

from iipeval.addin import macros
from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.excel.application.layout import fingerprint
from iipeval.excel.application.meta import parse as parse_meta
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write
from iipeval.excel.cells import cellxml
from iipeval.excel.cells.cellxml import look_sheet

FORGED = 99999999
ITEM, SHEET, CELL = "devices_operating", "指标数据", "E7"
SEEN_CODES = {
    "formula",
    "merged_input",
    "hidden_row",
    "hidden_column",
    "sheet_hidden",
    "sheet_extra",
    "sheet_renamed",
    "external_link",
    "meta_mismatch",
    "hidden_unplaced",
    "unverifiable",
}


@pytest.fixture(scope="module")
def ev():
    return Evaluator()


@pytest.fixture(scope="module")
def fw(ev):
    return ev.framework("national_2023").framework


@pytest.fixture(scope="module")
def good(fw, tmp_path_factory):
    folder = tmp_path_factory.mktemp("seen")
    template = folder / "template.xlsx"
    write(fw, template)
    return fill(template, figures(fw), out=folder / "good.xlsx")


@pytest.fixture
def copy(good, tmp_path):
    def make(name="forged.xlsx") -> Path:
        return Path(shutil.copy(good, tmp_path / name))

    return make


def unprotected(path: Path) -> openpyxl.Workbook:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        ws.protection.sheet = False
    wb.security.lockStructure = False
    return wb


def edit_part(path: Path, member: str, change, extra: dict[str, bytes] | None = None) -> None:
    """Rewrite one part of the xlsx (as a hand-edited ZIP would be), adding ``extra``."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[member] = change(parts[member])
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        return cellxml._sheet_paths(z)[sheet]


def set_cell_xml(path: Path, cell: str, body: bytes, sheet: str = SHEET, text=False) -> None:
    """Replace one cell's content (``<f>``/``<v>``) in the sheet XML."""
    pattern = re.compile(rb'<c r="' + cell.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)

    def change(data: bytes) -> bytes:
        attrs = pattern.search(data).group(1).replace(b' t="inlineStr"', b"")
        attrs += b' t="str"' if text else b""
        new = b'<c r="' + cell.encode() + b'"' + attrs + b">" + body + b"</c>"
        data, n = pattern.subn(lambda _: new, data, count=1)
        assert n == 1
        return data

    edit_part(path, sheet_part(path, sheet), change)


def read(ev, path):
    loaded = read_workbook(path, ev)
    return loaded, ev.score_loaded(loaded)


def finding(result, code, sheet=SHEET, cell=CELL):
    found = [f for f in result.findings if f.code == code and f.sheet == sheet and f.cell == cell]
    assert found, f"no {code} at {sheet}!{cell}: " + "; ".join(
        f"{f.code}@{f.sheet}!{f.cell}" for f in result.findings
    )
    assert found[0].severity == "error"
    return found[0]


def not_scored(loaded, result, item=ITEM):
    """The forged figure reaches neither the application nor the result."""
    assert not result.accepted
    if loaded.submission is not None:
        assert loaded.submission.application.items.get(item) != FORGED
    assert str(FORGED) not in result.model_dump_json()


def cli_exit(*args) -> tuple[int, str]:
    out = CliRunner().invoke(cli, [str(a) for a in args])
    return out.exit_code, out.output


def assert_cli_refuses(path: Path) -> None:
    code, out = cli_exit("validate", path)
    assert code == 1, out
    code, out = cli_exit("score", path, "--format", "json", "--jobs", "1")
    assert code == 1, out
    assert str(FORGED) not in out


# the clean cases -----------------------------------------------------------------------------


def test_a_clean_workbook_has_no_finding_of_these_kinds(ev, good):
    loaded, result = read(ev, good)
    assert not [f for f in result.findings if f.code in SEEN_CODES]
    assert (
        result.accepted
        and loaded.submission.application.items[ITEM]
        == figures(ev.framework("national_2023").framework)[ITEM]
    )
    code, out = cli_exit("validate", good)
    assert code == 0, out


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_clean_workbook_resaved_by_libreoffice_stays_clean(ev, good, tmp_path):
    resaved = soffice_convert(good, tmp_path / "lo")
    with zipfile.ZipFile(resaved) as z:  # LibreOffice writes its own row and column flags
        assert b'hidden="false"' in z.read(sheet_part(resaved, SHEET))
    _, result = read(ev, resaved)
    assert not [f for f in result.findings if f.code in SEEN_CODES]
    assert result.accepted


# formulas and links --------------------------------------------------------------------------


def test_a_formula_with_a_forged_cached_value(ev, copy):
    path = copy()
    set_cell_xml(path, CELL, b"<f>1</f><v>99999999</v>")
    loaded, result = read(ev, path)
    f = finding(result, "formula")
    assert "请直接填写数值，不要使用公式" in f.message
    assert CELL not in f.message and f.message.startswith("“")  # where() says the cell once
    assert ITEM in loaded.rejected
    not_scored(loaded, result)
    assert_cli_refuses(path)


def test_a_formula_in_a_text_cell_of_the_information_sheet(ev, copy):
    path = copy()
    cell = slot_cells(path)["applicant.name"][1]
    set_cell_xml(path, cell, "<f>X1</f><v>某公司</v>".encode(), sheet="基本信息", text=True)
    loaded, result = read(ev, path)
    finding(result, "formula", "基本信息", cell)
    assert loaded.submission.application.applicant.name != "某公司"


def test_an_external_link_and_its_cached_value(ev, copy):
    path = copy()
    set_cell_xml(path, CELL, b"<f>[1]Sheet1!$A$1</f><v>99999999</v>")
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<externalBook><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet>'
        b'<sheetData sheetId="0"><row r="1"><cell r="A1"><v>99999999</v></cell></row>'
        b"</sheetData></sheetDataSet></externalBook></externalLink>"
    )
    edit_part(
        path, "[Content_Types].xml", lambda b: b, {"xl/externalLinks/externalLink1.xml": link}
    )
    loaded, result = read(ev, path)
    (link_finding,) = [f for f in result.findings if f.code == "external_link"]
    assert link_finding.severity == "error" and "外部链接" in link_finding.message
    assert link_finding.file == str(path)
    finding(result, "formula")
    not_scored(loaded, result)
    assert_cli_refuses(path)


# hidden places -------------------------------------------------------------------------------


def test_a_value_under_a_merged_range(ev, copy):
    path = copy()
    set_cell_xml(path, CELL, b"<v>99999999</v>")
    edit_part(
        path,
        sheet_part(path, SHEET),
        lambda b: b.replace(b'<mergeCell ref="', b'<mergeCell ref="D7:E7" /><mergeCell ref="', 1),
    )
    with zipfile.ZipFile(path) as z:
        assert b'ref="D7:E7"' in z.read(sheet_part(path, SHEET))
    loaded, result = read(ev, path)
    f = finding(result, "merged_input")
    assert "D7:E7" in f.message and "取消合并" in f.message
    not_scored(loaded, result)
    assert_cli_refuses(path)


@pytest.mark.parametrize("how", ["hidden", "zero_height"])
def test_a_value_in_a_hidden_row(ev, copy, how):
    path = copy()
    wb = unprotected(path)
    ws = wb[SHEET]
    ws[CELL] = FORGED
    ws.row_dimensions[7].hidden = how == "hidden"
    wb.save(path)
    if how == "zero_height":  # as a hand-edited file would say it
        edit_part(
            path,
            sheet_part(path, SHEET),
            lambda b: re.sub(rb'(<row r="7") ht="[^"]*"', rb'\1 ht="0"', b),
        )
    loaded, result = read(ev, path)
    f = finding(result, "hidden_row")
    assert "第7行被隐藏" in f.message
    not_scored(loaded, result)
    assert_cli_refuses(path)


@pytest.mark.parametrize("how", ["hidden", "zero_width"])
def test_a_value_in_a_hidden_column(ev, copy, how):
    path = copy()
    wb = unprotected(path)
    ws = wb[SHEET]
    ws[CELL] = FORGED
    ws.column_dimensions["E"].hidden = how == "hidden"
    wb.save(path)
    if how == "zero_width":
        edit_part(
            path,
            sheet_part(path, SHEET),
            lambda b: re.sub(rb'width="15"( customWidth="1" min="5")', rb'width="0"\1', b),
        )
    loaded, result = read(ev, path)
    f = finding(result, "hidden_column")
    assert "E列被隐藏" in f.message
    not_scored(loaded, result)
    assert_cli_refuses(path)


# sheets --------------------------------------------------------------------------------------


def test_a_very_hidden_sheet_takes_the_name_of_the_visible_one(ev, copy):
    path = copy()
    wb = unprotected(path)
    original = wb[SHEET]
    forged = wb.copy_worksheet(original)
    forged[CELL] = FORGED
    original.title = "指标数据（正本）"
    forged.title = SHEET
    forged.sheet_state = "veryHidden"
    wb.save(path)
    loaded, result = read(ev, path)
    (hidden,) = [f for f in result.findings if f.code == "sheet_hidden"]
    assert hidden.sheet == SHEET and hidden.severity == "error" and "深度隐藏" in hidden.message
    (extra,) = [f for f in result.findings if f.code == "sheet_extra"]
    assert extra.sheet == "指标数据（正本）" and extra.severity == "error"
    not_scored(loaded, result)
    assert_cli_refuses(path)


def test_a_sheet_the_generator_did_not_make(ev, copy):
    path = copy()
    wb = unprotected(path)
    extra = wb.create_sheet("附表")
    extra["A1"] = FORGED
    extra.sheet_state = "hidden"
    wb.save(path)
    _, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "sheet_extra"]
    assert f.sheet == "附表" and "模板以外的工作表（隐藏）" in f.message
    assert not result.accepted
    code, _ = cli_exit("validate", path)
    assert code == 1


def test_a_generator_sheet_hidden(ev, copy):
    path = copy()
    wb = unprotected(path)
    wb["基本信息"].sheet_state = "hidden"
    wb.save(path)
    loaded, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "sheet_hidden"]
    assert f.sheet == "基本信息" and "请取消隐藏" in f.message
    assert loaded.submission.application.applicant.name != figures_name()
    assert not result.accepted
    code, _ = cli_exit("validate", path)
    assert code == 1


def figures_name() -> str:
    from workbook_helpers import APPLICANT

    return APPLICANT["name"]


def test_a_renamed_sheet_is_read_for_the_report_but_not_accepted(ev, copy):
    path = copy()
    wb = unprotected(path)
    wb[SHEET].title = "数据"
    wb.save(path)
    loaded, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "sheet_renamed"]
    assert f.severity == "error" and f.sheet == "数据"
    assert loaded.submission.application.items[ITEM]  # still located by label
    assert not result.accepted
    code, _ = cli_exit("validate", path)
    assert code == 1


# the slot map ----------------------------------------------------------------------------------


def rewrite_meta(path: Path, change, *, refingerprint: bool = True, **values: str) -> None:
    """Edit the _meta slot rows with ``change(row)`` and recompute the fingerprint, as an
    adversary who read the source would."""
    wb = unprotected(path)
    ws = wb["_meta"]
    for row in ws.iter_rows():
        if row[0].value in values:
            row[1].value = values[row[0].value]
        change(row)
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    m = parse_meta(grid)
    if refingerprint:
        digest = fingerprint(m.get("framework_id"), m.get("framework_version"), m.slots)
        for row in ws.iter_rows():
            if row[0].value == "fingerprint":
                row[1].value = digest
    wb.save(path)


def point(key: str, cell: str, label: str | None = None):
    def change(row):
        if row[0].value == key:
            row[2].value = cell
            row[4].value = f"B{cell[1:]}"
            if label is not None:
                row[3].value = label

    return change


def test_meta_repointed_at_a_visible_cell_with_a_recomputed_fingerprint(ev, copy, fw):
    path = copy()
    wb = unprotected(path)
    wb[SHEET]["H7"] = FORGED
    wb.save(path)
    rewrite_meta(path, point(ITEM, "H7"))
    loaded, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "meta_mismatch"]
    assert f.severity == "error" and "指向 指标数据!H7" in f.message and "E7" in f.message
    # the generator's own cell is what is read
    assert loaded.submission.application.items[ITEM] == figures(fw)[ITEM]
    not_scored(loaded, result)
    assert_cli_refuses(path)


def test_meta_repointed_at_a_hidden_column(ev, copy, fw):
    path = copy()
    wb = unprotected(path)
    wb[SHEET]["H7"] = FORGED
    wb[SHEET].column_dimensions["H"].hidden = True
    wb.save(path)
    rewrite_meta(path, point(ITEM, "H7"))
    loaded, result = read(ev, path)
    assert [f.severity for f in result.findings if f.code == "meta_mismatch"] == ["error"]
    assert loaded.submission.application.items[ITEM] == figures(fw)[ITEM]
    not_scored(loaded, result)


def test_two_items_at_one_cell(ev, copy, fw):
    path = copy()
    label = fw.item("devices_processing").label
    rewrite_meta(path, point(ITEM, "E8", label))
    loaded, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "meta_mismatch"]
    assert f.severity == "error"
    assert loaded.submission.application.items[ITEM] == figures(fw)[ITEM]
    assert not result.accepted


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (point(ITEM, "H7"), "不是模板的填写单元格"),
        (point(ITEM, "E8", "加工设备连接数量"), "指向同一个单元格 指标数据!E8"),
    ],
    ids=["other_column", "same_cell"],
)
def test_an_older_template_map_must_point_at_input_cells(ev, copy, change, words):
    path = copy()
    wb = unprotected(path)
    wb[SHEET]["H7"] = FORGED
    wb.save(path)
    rewrite_meta(path, change, template_version="0")
    loaded, result = read(ev, path)
    assert loaded.submission is None
    (f,) = [f for f in result.findings if f.severity == "error"]
    assert f.code == "meta_mismatch" and words in f.message
    assert_cli_refuses(path)


def test_meta_edited_without_recomputing_the_fingerprint_is_damaged(ev, copy):
    path = copy()
    rewrite_meta(path, point(ITEM, "E8"), refingerprint=False)
    loaded, result = read(ev, path)
    assert loaded.submission is None
    assert [f.code for f in result.findings] == ["meta_damaged"]


# the same checks on a live Excel book ----------------------------------------------------------


def test_live_book_formula_and_hidden_sheet(ev, copy):
    path = copy()
    wb = unprotected(path)
    wb[SHEET][CELL] = "=1"
    wb.save(path)
    book = FakeBook.from_file(path)
    book.sheets[SHEET].values[(7, 5)] = float(FORGED)  # what Excel would hold for it
    book.sheets["基本信息"].visible = 0
    loaded = macros.load_book(book, ev)
    result = ev.score_loaded(loaded)
    finding(result, "formula")
    assert [f.sheet for f in result.findings if f.code == "sheet_hidden"] == ["基本信息"]
    not_scored(loaded, result)


def test_text_that_starts_with_equals_is_not_a_formula_in_a_live_book(ev, good):
    book = FakeBook.from_file(good)
    sheet, cell = slot_cells(good)["applicant.contact"]
    book.sheets[sheet].range(cell).value = "'=张三"  # typed as text
    loaded = macros.load_book(book, ev)
    assert not [f for f in loaded.findings if f.code == "formula"]
    assert loaded.submission.application.applicant.contact == "=张三"


# the XML pass itself -------------------------------------------------------------------------


def test_look_sheet_reads_prefixed_xml_and_libreoffice_flags():
    xml = (
        b'<x:worksheet xmlns:x="s"><x:sheetFormatPr zeroHeight="false"/><x:cols>'
        b'<x:col min="1" max="4" width="9" hidden="false"/><x:col min="8" max="9" hidden="1"/>'
        b'</x:cols><x:sheetData><x:row r="7" hidden="false" ht="12.8">'
        b'<x:c r="E7" s="1"><x:f>1</x:f><x:v>99</x:v></x:c></x:row>'
        b'<x:row r="8" hidden="true"><x:c r="E8"><x:v>1</x:v></x:c></x:row></x:sheetData>'
        b'<x:mergeCells><x:mergeCell ref="D9:E10"/></x:mergeCells></x:worksheet>'
    )
    got = look_sheet(xml)
    assert got.formulas == {"E7"} and got.hidden_rows == {8}
    assert got.hidden_columns == [(8, 9)] and not got.column_hidden(5)
    assert got.merge_at(10, 5) == (9, 4, 10, 5) and got.merge_at(7, 5) is None
    assert not got.unplaced


def test_look_sheet_a_formula_without_a_place_makes_the_sheet_untrusted():
    got = look_sheet(b"<worksheet><sheetData><row><c><f>1</f><v>9</v></c></row></sheetData>")
    assert got.unplaced


def test_look_sheet_gives_the_same_merges_again_from_its_cache():
    xml = (
        b'<worksheet><sheetData></sheetData><mergeCells><mergeCell ref="B2:A1"/>'
        b'<mergeCell ref="C3"/></mergeCells></worksheet>'
    )
    first, again = look_sheet(xml), look_sheet(xml)
    assert first.merges == again.merges == [(1, 1, 2, 2), (3, 3, 3, 3)]
    first.merges.clear()  # one sheet's list is its own
    assert look_sheet(xml).merges == again.merges


def test_score_json_output_of_a_forged_workbook(copy):
    path = copy()
    set_cell_xml(path, CELL, b"<f>1</f><v>99999999</v>")
    code, out = cli_exit("score", path, "--format", "json", "--jobs", "1")
    assert code == 1
    data = json.loads(out)
    result = data["results"][0]
    assert any(f["code"] == "formula" and f["cell"] == CELL for f in result["findings"])


def test_the_sheets_a_macro_workbook_adds_are_the_generators_own():
    from iipeval.excel import xlsm
    from iipeval.excel.application import visible

    made = {xlsm.OPS_SHEET, xlsm.CONF_SHEET, macros.CHECK_SHEET, macros.SCORE_SHEET}
    assert made == visible.XLSM_SHEETS


def plan_slots(ev):
    from iipeval.excel.application.layout import plan

    return plan(ev.framework("national_2023").framework, None).slots


def test_a_formula_whose_cell_does_not_say_where_it_is(ev, copy):
    """A cell without an ``r`` attribute is placed by position: a formula there cannot be
    tied to an input cell, so nothing on that sheet is read."""
    path = copy()

    def change(data: bytes) -> bytes:
        data, n = re.subn(
            rb'<c r="E7"([^>]*)>.*?</c>', rb"<c\1><f>1</f><v>99999999</v></c>", data, count=1
        )
        assert n == 1
        return data

    edit_part(path, sheet_part(path, SHEET), change)
    loaded, result = read(ev, path)
    (f,) = [f for f in result.findings if f.code == "hidden_unplaced"]
    assert f.sheet == SHEET and f.severity == "error"
    items = loaded.submission.application.items  # nothing on 指标数据 was read
    assert set(items) <= {s.key for s in plan_slots(ev) if s.sheet != SHEET}
    not_scored(loaded, result)
    assert_cli_refuses(path)
