"""Every Chinese text a user reads, checked for what a machine can tell reads wrong.

``scripts/messages.py`` lists every message in the code (with file:line) and knows the
rules: full-width punctuation inside Chinese sentences, no "X（X…" echo, no word written
twice in a row, one term per concept. The rules run over that inventory and over what the
commands actually print, since a message composed of parts can repeat what each part says.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iipeval.cli.app import LAZY_COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
_spec = importlib.util.spec_from_file_location("messages", ROOT / "scripts" / "messages.py")
messages = importlib.util.module_from_spec(_spec)
sys.modules["messages"] = messages  # dataclasses look their module up
_spec.loader.exec_module(messages)


@pytest.fixture(scope="module")
def found():
    return messages.inventory()


def test_the_inventory_lists_messages_with_their_place_and_leaves_out_verbatim_criteria(found):
    assert len(found) > 2500
    where = {(m.file, m.text) for m in found}
    assert ("core/voice.py", "需补正") in where
    assert any(m.file == "cli/score.py" and m.kind == "help" for m in found)
    assert any(m.kind == "toml:rationale" for m in found)
    # names, 能力要求 and 评价内容 are the documents' words: never listed for rewording
    verbatim = "评价工业设备的连接数量和类型、工业协议兼容适配能力等"
    assert not any(verbatim in m.text for m in found)
    line = next(m for m in found if m.text == "需补正")
    source = (ROOT / line.file).read_text(encoding="utf-8").splitlines()
    assert "需补正" in source[line.line - 1]


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        ("分档（门槛, 得分）", "ascii"),
        ("每个权重乘以(1+U)", "ascii"),
        ("请核对后重新提交!", "ascii"),
        ("不予推荐（否决项：近三年发生重大安全事故（近三年发生重大安全事故：是））", "echo"),
        ("待专家评分（已确定35分，另有58分待专家评分）", "echo"),
        ("2023年跨行业跨领域工业互联网平台（跨行业跨领域工业互联网平台（双跨平台））", "echo"),
        ("请填写填写该项", "doubled"),
        ("请按申报书填写", "variant"),
        ("由评审专家按评分细则打分", "variant"),
        ("不认识的参数名", "variant"),
        ("「需补正」", "variant"),
    ],
)
def test_each_rule_catches_the_message_it_is_for(bad, rule):
    assert any(p.startswith(rule) for p in messages.problems(bad))


@pytest.mark.parametrize(
    "good",
    [
        "指标数据!E7 运行设备连接数量“约1000”不是确切数值",
        '不适用须写明原因：{"na": true, "reason": "不适用的原因"}',
        "=IIPEVAL_SCORE(基本信息!A1:C20,指标数据!A1:G120)",
        "每个权重乘以 (1+U(−S,S)) 后归一",
    ],
)
def test_cell_references_formulas_and_json_are_not_taken_for_sentences(good):
    assert messages.problems(good) == []


def test_no_message_in_the_code_reads_wrong(found):
    assert messages.inventory_problems(found) == []


def test_a_bad_message_put_back_into_the_code_is_caught(found):
    planted = messages.Message("excel/application/returns.py", 41, "str", "修改要求")
    assert messages.inventory_problems([*found, planted]) == [
        "excel/application/returns.py:41: variant '修改要求' (use 补正要求): 修改要求"
    ]


def _run(*args) -> str:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False).output


def _broken_json(tmp_path: Path) -> list[Path]:
    """Applications a careless clerk or a keen applicant might send."""
    app = json.loads((EXAMPLES / "applications" / "national_2023.json").read_text("utf-8"))
    text = json.dumps(app, ensure_ascii=False)
    bad = {
        "nan.json": text.replace('"protocols_supported": 420', '"protocols_supported": NaN'),
        "dup.json": text.replace(
            '"protocols_supported": 420', '"protocols_supported": 1, "protocols_supported": 2'
        ),
        "syntax.json": "{not json",
    }
    items = app["application"]["items"]
    items |= {"financing": {"na": True}, "developers_active": 500000, "staff_rd": 9000}
    items |= {"overseas_enterprises": 0, "serious_dishonesty": True}
    app["application"]["applicant"]["credit_code"] = "91430100MA4L7X2K5X"
    bad["typed.json"] = json.dumps(app, ensure_ascii=False)
    items.pop("financing")
    bad["checks.json"] = json.dumps(app, ensure_ascii=False)
    for name, body in bad.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    return sorted(tmp_path.glob("*.json"))


def _composed_problems(output: str) -> list[str]:
    out = []
    for line in output.splitlines():
        if re.search(r"[\u4e00-\u9fff]", line):
            out += [f"{p}: {line.strip()[:120]}" for p in messages.problems(line)]
    return out


def test_what_the_commands_print_reads_right(tmp_path):
    """The messages as they appear: findings with their location, rankings, summaries, help."""
    apps, reviews = EXAMPLES / "applications", EXAMPLES / "reviews"
    broken = _broken_json(tmp_path)
    outputs = [
        _run("--help"),
        *(_run(*name.split(), "--help") for name in [*LAZY_COMMANDS, "validate", "show"]),
        *(
            _run("weights", sub, "--help")
            for sub in ("questionnaire", "derive", "ahp", "objective")
        ),
        _run("validate", *map(str, broken)),
        _run("score", str(apps)),
        _run("score", str(apps / "hunan_professional.json")),
        _run(
            "score",
            str(apps),
            *map(str, broken),
            "--reviews",
            str(reviews),
            "--panel-record",
            str(EXAMPLES / "panel-record.json"),
        ),
        _run("show", "hunan_characteristic"),
        _run("frameworks"),
        _run("plugins"),
    ]
    text = "\n".join(outputs)
    assert "[错误]" in text and "待专家评分" in text  # the runs did reach the findings
    assert _composed_problems(text) == []


def test_a_location_is_not_repeated_inside_its_message(tmp_path):
    out = _run("validate", *map(str, _broken_json(tmp_path)))
    for line in out.splitlines():
        m = re.match(r"\s*\[[^\]]+\] \[([^\]]+)\] (.*)", line)
        if m:
            assert m.group(1) not in m.group(2), line


def test_the_committed_application_workbooks_read_right():
    """What an applicant reads in the 申报表: guide, labels, notes and input prompts."""
    import openpyxl

    bad = []
    for path in sorted((ROOT / "workbooks").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
            for dv in ws.data_validations.dataValidation:
                texts += [t for t in (dv.prompt, dv.error) if t]
            for text in texts:
                if not text.startswith("="):
                    bad += [f"{path.name} {ws.title}: {p}" for p in messages.problems(text)]
    assert bad == []
