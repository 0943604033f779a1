"""Macro-enabled workbooks: checked by unzipping them, not by trusting openpyxl.

Excel is not available here. What is checked: the VBA project is xlwings' own quickstart
project byte for byte, the ``xlwings.conf`` sheet holds exactly the one setting, every
button is wired through the parts Excel uses for a form button (VML shape with
``FmlaMacro``, ``ctrlProps`` part, the sheet's ``legacyDrawing``/``controls``, their
relationships and content types), every XML part parses, and the workbook still reads as
a 申报表. LibreOffice, when installed, opens the file and finds the three buttons.
"""

from __future__ import annotations

import posixpath
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from defusedxml import ElementTree
from workbook_helpers import soffice, soffice_convert

from iipeval.addin import macros
from iipeval.cli.main import cli
from iipeval.core.api import Evaluator
from iipeval.excel import xlsm
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.review.reader import read_review_workbook

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
X = "{urn:schemas-microsoft-com:office:excel}"
V = "{urn:schemas-microsoft-com:vml}"
X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"

BUILTIN = sorted(rf.framework.id for rf in Evaluator().frameworks())


@pytest.fixture(scope="module")
def quickstart_vba(tmp_path_factory) -> bytes:
    """The VBA project of a workbook made by ``xlwings quickstart`` itself."""
    here = tmp_path_factory.mktemp("qs")
    subprocess.run(
        [sys.executable, "-m", "xlwings.cli", "quickstart", "reference"],
        cwd=here,
        check=True,
        capture_output=True,
    )
    with zipfile.ZipFile(here / "reference" / "reference.xlsm") as z:
        return z.read("xl/vbaProject.bin")


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("xlsm")
    result = CliRunner().invoke(cli, ["template", "--all", "--xlsm", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return {fw_id: out / f"{fw_id}.xlsm" for fw_id in BUILTIN}


class Package:
    """An unzipped workbook: parts, relationships and content types."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as z:
            self.parts = {n: z.read(n) for n in z.namelist()}

    def xml(self, name: str):
        return ElementTree.fromstring(self.parts[name])

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId → (type, resolved part name) for ``part``."""
        name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if name not in self.parts:
            return {}
        out = {}
        for r in self.xml(name).iter(f"{PKG}Relationship"):
            target = r.get("Target")
            resolved = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
            )
            out[r.get("Id")] = (r.get("Type"), resolved)
        return out

    def sheets(self) -> dict[str, str]:
        """Sheet name → part name, through the workbook's relationships."""
        rels = self.rels("xl/workbook.xml")
        return {
            s.get("name"): rels[s.get(f"{REL}id")][1]
            for s in self.xml("xl/workbook.xml").iter(f"{MAIN}sheet")
        }

    def content_type(self, part: str) -> str | None:
        types = self.xml("[Content_Types].xml")
        for o in types.iter(f"{CT}Override"):
            if o.get("PartName") == "/" + part:
                return o.get("ContentType")
        ext = part.rsplit(".", 1)[-1]
        for d in types.iter(f"{CT}Default"):
            if d.get("Extension") == ext:
                return d.get("ContentType")
        return None

    def cells(self, part: str) -> dict[str, str]:
        out = {}
        for c in self.xml(part).iter(f"{MAIN}c"):
            text = "".join(t.text or "" for t in c.iter(f"{MAIN}t"))
            out[c.get("r")] = text
        return out


@pytest.mark.parametrize("fw_id", BUILTIN)
def test_vba_project_survives_byte_for_byte(made, quickstart_vba, fw_id):
    pkg = Package(made[fw_id])
    assert pkg.parts["xl/vbaProject.bin"] == quickstart_vba
    assert pkg.content_type("xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject"
    assert (
        pkg.content_type("xl/workbook.xml")
        == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    )
    types = {t for t, _ in pkg.rels("xl/workbook.xml").values()}
    assert "http://schemas.microsoft.com/office/2006/relationships/vbaProject" in types
    workbook_pr = pkg.xml("xl/workbook.xml").find(f"{MAIN}workbookPr")
    assert workbook_pr.get("codeName") == "ThisWorkbook"


def test_quickstart_is_the_plain_one_that_references_the_add_in(quickstart_vba):
    olefile = pytest.importorskip("olefile")
    import io

    project = olefile.OleFileIO(io.BytesIO(quickstart_vba)).openstream("PROJECT").read()
    modules = re.findall(rb"^(?:Module|Document)=([^\r\n/]+)", project, re.M)
    assert b"Module1" in modules and b"xlwings" not in modules  # not --standalone
    assert b"ThisWorkbook" in modules and {b"Sheet1", b"Sheet2"} <= set(modules)


@pytest.mark.parametrize("fw_id", BUILTIN)
def test_config_sheet_points_udf_modules_at_the_functions(made, fw_id):
    pkg = Package(made[fw_id])
    part = pkg.sheets()[xlsm.CONF_SHEET]
    cells = pkg.cells(part)
    assert cells["A1"] == "UDF Modules" and cells["B1"] == "iipeval.addin.udfs"
    # xlwings reads A1 downwards to the first empty cell: nothing else is a setting
    assert not cells.get("A2") and not cells.get("A3")
    assert pkg.xml(part).find(f"{MAIN}sheetPr").get("codeName") == "Sheet2"


@pytest.mark.parametrize("fw_id", BUILTIN)
def test_buttons_are_wired_as_excel_stores_form_buttons(made, fw_id):
    pkg = Package(made[fw_id])
    part = pkg.sheets()[xlsm.OPS_SHEET]
    sheet = pkg.xml(part)
    assert sheet.find(f"{MAIN}sheetPr").get("codeName") == "Sheet1"
    rels = pkg.rels(part)
    [legacy] = sheet.iter(f"{MAIN}legacyDrawing")
    rel_type, vml_part = rels[legacy.get(f"{REL}id")]
    assert rel_type.endswith("/vmlDrawing") and vml_part.endswith(".vml")
    assert pkg.content_type(vml_part) == "application/vnd.openxmlformats-officedocument.vmlDrawing"

    vml = pkg.xml(vml_part)
    shapes = {}
    for shape in vml.iter(f"{V}shape"):
        data = shape.find(f"{X}ClientData")
        assert data.get("ObjectType") == "Button"
        caption = "".join(shape.find(f"{V}textbox").itertext()).strip()
        shapes[int(shape.get("id").removeprefix("_x0000_s"))] = (
            caption,
            data.findtext(f"{X}FmlaMacro"),
            data.findtext(f"{X}Anchor"),
        )
    expected = {caption: xlsm.runpython_macro(fn) for caption, fn in macros.BUTTONS}
    assert {c: m for c, m, _ in shapes.values()} == expected
    assert expected["校验本表"] == (
        "'RunPython \"import iipeval.addin.macros as m; m.check_caller()\"'"
    )

    controls = list(sheet.iter(f"{MAIN}control"))
    assert len(controls) == 3
    for control in controls:
        caption, macro, _ = shapes[int(control.get("shapeId"))]
        assert control.find(f"{MAIN}controlPr").get("macro") == macro
        rel_type, ctrl_part = rels[control.get(f"{REL}id")]
        assert (
            rel_type
            == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/ctrlProp"
        )
        assert pkg.content_type(ctrl_part) == "application/vnd.ms-excel.controlproperties+xml"
        props = pkg.xml(ctrl_part)
        assert props.tag == f"{X14}formControlPr" and props.get("objectType") == "Button"
    # schema order: pageMargins … legacyDrawing, then controls, and nothing after them
    tags = [child.tag.split("}")[1] for child in sheet]
    assert tags.index("pageMargins") < tags.index("legacyDrawing") == len(tags) - 2


@pytest.mark.parametrize("fw_id", BUILTIN)
def test_every_part_parses_and_the_workbook_still_reads(made, fw_id):
    pkg = Package(made[fw_id])
    for name, body in pkg.parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            ElementTree.fromstring(body)
        assert name.isascii()
    names = list(pkg.sheets())
    assert names[:4] == ["填报说明", "基本信息", "指标数据", xlsm.OPS_SHEET]
    assert {macros.CHECK_SHEET, macros.SCORE_SHEET, xlsm.CONF_SHEET} <= set(names)
    loaded = read_workbook(made[fw_id])
    assert loaded.submission is not None and loaded.submission.application.framework == fw_id
    assert any(f.code == "macros_present" for f in loaded.findings)
    assert made[fw_id].name.isascii()


def test_same_generator_same_bytes(made, tmp_path):
    again = tmp_path / "again.xlsm"
    result = CliRunner().invoke(cli, ["template", "national_2023", "--xlsm", "-o", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == made["national_2023"].read_bytes()


def test_cli_wants_the_matching_suffix(tmp_path):
    runner = CliRunner()
    wrong = runner.invoke(
        cli, ["template", "national_2023", "--xlsm", "-o", str(tmp_path / "a.xlsx")]
    )
    assert wrong.exit_code == 2 and ".xlsm" in wrong.output
    folder = runner.invoke(
        cli,
        ["template", "hunan_characteristic", "--subtype", "行业级", "--xlsm", "-o", str(tmp_path)],
    )
    assert folder.exit_code == 0, folder.output
    assert (tmp_path / "hunan_characteristic_industry.xlsm").is_file()  # ASCII name


def test_expert_workbooks_as_xlsm_keep_their_formulas_and_read_back(tmp_path, quickstart_vba):
    examples = Path(__file__).parent.parent / "examples" / "applications"
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "G1"\n[[experts]]\nid = "E01"\nname = "张三"\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["panel", str(examples / "national_2023.json"), "--panel", str(panel), "-o", str(out)]
    first = CliRunner().invoke(cli, [*args, "--xlsm", "--record", str(tmp_path / "r1.json")])
    assert first.exit_code == 0, first.output
    [made] = list(out.glob("review_*"))
    assert made.suffix == ".xlsm" and made.name.isascii()
    pkg = Package(made)
    assert pkg.parts["xl/vbaProject.bin"] == quickstart_vba
    assert pkg.cells(pkg.sheets()[xlsm.CONF_SHEET])["B1"] == "iipeval.addin.udfs"
    assert not [n for n in pkg.parts if n.endswith(".vml")]  # no buttons on expert workbooks
    assert {"说明", "评分", xlsm.OPS_SHEET} <= set(pkg.sheets())
    assert macros.CHECK_SHEET not in pkg.sheets()
    scores = pkg.parts[pkg.sheets()["评分"]]
    assert b"SUMPRODUCT" in scores  # the live native total is still a formula
    bundle = read_review_workbook(made)
    assert bundle.expert == "E01" and len(bundle.reviews) == 1
    assert not [f for f in bundle.findings if f.severity == "error"]
    again = CliRunner().invoke(cli, [*args, "--xlsm", "--record", str(tmp_path / "r2.json")])
    assert again.exit_code == 2 and "已存在" in again.output
    forced = [*args, "--xlsm", "--force", "--record", str(tmp_path / "r3.json")]
    assert CliRunner().invoke(cli, forced).exit_code == 0


@pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")
def test_libreoffice_opens_it_and_finds_the_three_buttons(made, tmp_path):
    ods = soffice_convert(made["hunan_comprehensive"], tmp_path, "ods")
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    labels = re.findall(r'<form:button [^>]*form:label="([^"]+)"', content)
    assert labels == [caption for caption, _ in macros.BUTTONS]
