"""Nothing from an application or panel.toml reaches a terminal or a cell raw, and an
unexpected error never shows a traceback.

Control characters are shown as escapes on the terminal; every string written into an
expert workbook is text (never a formula); characters XML cannot hold are replaced
visibly instead of crashing the writer; a bug ends with exit 3 and a log file.
"""

import json
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli import main as cli_main
from iipeval.cli.main import cli
from iipeval.cli.render import terminal
from iipeval.excel import intake

APP = REPO / "examples" / "applications" / "national_2023.json"
HOSTILE_NAME = "恶意\x1b[2J\x1b]0;pwned\x07公司\r假冒\x00\x01"


@pytest.fixture
def hostile_app(tmp_path):
    data = json.loads(APP.read_text("utf-8"))
    data["application"]["applicant"]["name"] = HOSTILE_NAME
    path = tmp_path / "in" / "hostile.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def test_terminal_escapes_every_control_character():
    shown = terminal("a\x1b[31mb\rc\x00d\x7f\x9be\n\tf")
    assert shown == "a\\x1b[31mb\\x0dc\\x00d\\x7f\\x9be\n\tf"


def test_score_text_output_carries_no_control_characters(hostile_app):
    res = CliRunner().invoke(cli, ["score", str(hostile_app)])
    assert res.exit_code in (0, 1), res.output
    assert "\\x1b[2J" in res.output
    assert not any(ch in res.output for ch in "\x1b\r\x00\x01\x07")


def test_panel_with_hostile_ids_and_names_writes_text_never_formulas(hostile_app, tmp_path):
    panel = tmp_path / "panel.toml"
    panel.write_text(
        'id = "P1"\n[[experts]]\nid = "E01"\n'
        'name = "=HYPERLINK(\\"http://x\\",\\"y\\")李\\u001b[31m四\\u0001"\n',
        "utf-8",
    )
    out = tmp_path / "reviews"
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(hostile_app),
            "--panel",
            str(panel),
            "-o",
            str(out),
            "--record",
            str(tmp_path / "private" / "r.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output
    [book] = out.glob("*.xlsx")
    wb = openpyxl.load_workbook(book)
    seen = []
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and ("HYPERLINK" in c.value or "恶意" in c.value):
                    seen.append(c)
    assert seen
    assert all(c.data_type == "s" for c in seen)  # text, not a formula
    assert any("\ufffd" in c.value for c in seen)  # the XML-illegal characters, visibly


@pytest.mark.parametrize("bad", ["=HYPERLINK(1)", "+E01", "E\\u0001", "E\\u200b01"])
def test_formula_like_or_invisible_panel_ids_are_refused_at_the_source(hostile_app, tmp_path, bad):
    panel = tmp_path / "panel.toml"
    panel.write_text(f'id = "P1"\n[[experts]]\nid = "{bad}"\n', "utf-8")
    res = CliRunner().invoke(
        cli,
        [
            "panel",
            str(hostile_app),
            "--panel",
            str(panel),
            "-o",
            str(tmp_path / "o"),
            "--record",
            str(tmp_path / "r.json"),
        ],
    )
    assert res.exit_code == 2 and str(panel) in res.output and "编号" in res.output, res.output
    assert not (tmp_path / "o").exists()


def test_an_unexpected_error_is_a_short_message_exit_3_and_a_log(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(intake, "validate", broken)  # validate imports it when it runs
    monkeypatch.setattr(sys, "argv", ["iipeval", "validate", str(APP)])
    with pytest.raises(SystemExit) as exit_:
        cli_main.main()
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "内部出错" in err
    log = err.split("详细信息已写入 ")[1].split("，")[0]
    text = Path(log).read_text("utf-8")
    assert "Traceback" in text and "RuntimeError: a bug" in text
