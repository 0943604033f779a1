"""One voice: what the terminal, the Excel functions and the results workbook say about the
same state is worded the same, and a newcomer reads each thing once."""

import json
from datetime import UTC

import openpyxl
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.core import voice
from iipeval.core.findings import Finding, Severity
from iipeval.core.scoring.validation import credit_code_check_char

EXAMPLES = REPO / "examples" / "applications"
REVIEWS = REPO / "examples" / "reviews"
RECORD = REPO / "examples" / "panel-record.json"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _hunan(tmp_path, name="app.json", **changes):
    data = json.loads((EXAMPLES / "hunan_comprehensive.json").read_text(encoding="utf-8"))
    app = data["application"]
    for key, value in changes.items():
        if key == "credit_code":
            app["applicant"]["credit_code"] = value
        else:
            app["items"][key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_validate_reports_a_yes_to_an_exclusion_it_can_already_see(tmp_path):
    path = _hunan(tmp_path, major_safety_incident=True)
    res = invoke("validate", path)
    assert "[不予推荐] 否决项：近三年发生重大及以上安全生产事故（填报为“是”）" in res.output
    assert "：不予推荐（触及否决项）" in res.output  # complete data, and still out
    assert "通过" not in res.output
    rows = json.loads(invoke("validate", path, "--format", "json").output)["files"]
    assert [h["id"] for h in rows[0]["exclusions"]] == ["safety"]


def test_validate_reports_a_credit_code_from_another_province(tmp_path):
    first17 = "91110108MA01K7Q36"  # registered in Beijing
    path = _hunan(tmp_path, credit_code=first17 + credit_code_check_char(first17))
    res = invoke("validate", path)
    assert "[不予推荐] 否决项：申报单位未在湖南省依法设立（" in res.output
    assert "110108" in res.output


def test_an_exclusion_hit_does_not_repeat_its_name(tmp_path):
    path = _hunan(tmp_path, major_safety_incident=True)
    out = invoke("score", path).output
    assert "否决：近三年发生重大及以上安全生产事故（填报为“是”）" in out
    assert out.count("近三年发生重大及以上安全生产事故") == 1


def test_an_unanswered_exclusion_is_one_finding_not_two(tmp_path):
    path = _hunan(tmp_path, major_safety_incident=None)
    res = invoke("validate", path, "--format", "json")
    found = [f for f in json.loads(res.output)["files"][0]["findings"]]
    about = [f for f in found if f["item"] == "major_safety_incident"]
    assert [f["code"] for f in about] == ["missing"]


def test_validate_and_score_print_the_same_chinese_severity_labels(tmp_path):
    path = _hunan(tmp_path, major_safety_incident=None)
    checked = invoke("validate", path).output
    scored = invoke("score", path).output
    tail = " 近三年发生重大及以上安全生产事故为必填项，尚未填写"
    for text in (checked, scored):
        line = next(x for x in text.splitlines() if x.endswith(tail))
        assert line.lstrip().startswith("[错误] ")
    assert "[error]" not in checked


def test_the_terminal_names_data_items_in_chinese_never_by_their_json_key(tmp_path):
    """A finding about a data item names it as the workbook does (行走设备连接数量), not
    by its JSON key (``devices_mobile``), and only once: in brackets only when the message
    does not say it already."""
    import re

    bad = _hunan(tmp_path, "bad.json", major_safety_incident=None, devices_mobile="约1000")
    other = _hunan(tmp_path, "other.json", devices_mobile=-5)
    key = re.compile(r"\[[a-z][a-z0-9_]*\]")  # ``[devices_mobile]``
    outputs = {
        "validate": invoke("validate", bad, other).output,
        "score": invoke("score", bad).output,  # one application: its card
        "score batch": invoke("score", bad, other).output,
        "score -o": invoke("score", bad, other, "-o", tmp_path / "o" / "r.xlsx").output,
    }
    for what, text in outputs.items():
        assert not key.search(text), (what, key.findall(text))
        found = [x.strip() for x in text.splitlines() if x.strip().startswith("[")]
        lines = [x for x in found if "行走设备连接数量" in x]
        assert lines or what.startswith("score "), what  # a batch lists no one's items
        assert all(x.count("行走设备连接数量") == 1 for x in lines), (what, lines)
        assert "devices_mobile" not in text and "major_safety_incident" not in text, what


def test_compare_names_data_items_in_chinese(tmp_path):
    """``compare`` (text and workbook) places a problem with no cell by the item's name."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    _hunan(old, "a.json", devices_mobile=None, devices_other=None)
    _hunan(new, "a.json", devices_mobile=None)
    text = invoke("compare", old, new).output
    out = tmp_path / "比对.xlsx"
    invoke("compare", old, new, "-o", out)
    wb = openpyxl.load_workbook(out, read_only=True)
    cells = " ".join(
        str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r
    )
    for shown in (text, cells):
        assert "devices_mobile" not in shown and "devices_other" not in shown
        assert "行走设备连接数量" in shown and "其他设备连接数量" in shown
    line = next(x for x in text.splitlines() if "[仍未改正]" in x)
    assert line.count("行走设备连接数量") == 1, line


def test_a_finding_names_its_item_once():
    said = Finding(
        severity="error", code="missing", item="devices_mobile", message="行走设备连接数量为必填项"
    )
    unsaid = Finding(severity="warning", code="odd", item="devices_mobile", message="数值异常")
    label = {"devices_mobile": "行走设备连接数量"}.get
    assert voice.finding_line(said, label=label) == "[错误] 行走设备连接数量为必填项"
    assert voice.finding_line(unsaid, label=label) == "[警告] [行走设备连接数量] 数值异常"
    assert voice.finding_line(unsaid) == "[警告] [devices_mobile] 数值异常"  # no labels known


def test_score_with_output_shows_the_ranking_and_counts_by_severity(tmp_path):
    out = tmp_path / "out" / "results.xlsx"
    bad = _hunan(tmp_path, "bad.json", major_safety_incident=None)
    res = invoke("score", EXAMPLES, bad, "--reviews", REVIEWS, "--panel-record", RECORD, "-o", out)
    text = res.output
    assert "━━ 湖南省省级综合型工业互联网平台 排名 ━━" in text
    header = next(line for line in text.splitlines() if line.startswith("名次"))
    assert header.split() == ["名次", "申报单位", "总分", "等级", "推荐结果"]
    assert "（示例）湖南湘智工业互联网科技有限公司" in text
    assert "问题：错误 1 条" in text
    assert "（逐条见输出文件的“问题清单”）" in text


def test_a_clean_batch_says_no_problems_without_pointing_to_an_empty_list(tmp_path):
    res = invoke(
        "score",
        EXAMPLES,
        "--reviews",
        REVIEWS,
        "--panel-record",
        RECORD,
        "-o",
        tmp_path / "out" / "r.xlsx",
    )
    assert res.exit_code == 0, res.output
    last = [x for x in res.output.splitlines() if x.startswith("已评分")]
    assert last == ["已评分 4 份，无法评分 0 份；问题：无"]


def test_repeated_warnings_are_grouped_errors_never():
    warn = [
        Finding(severity=Severity.warning, code="disagreement", message=f"第{i}项需复议")
        for i in range(40)
    ]
    err = [Finding(severity=Severity.error, code="missing", message=f"缺{i}") for i in range(5)]
    lines = voice.finding_lines([*warn, *err])
    assert sum("需复议" in x for x in lines) == voice.GROUP_AFTER
    assert "[警告] ……同类问题另有37条（共40条）" in lines
    assert sum(x.startswith("[错误]") for x in lines) == 5
    assert len(voice.finding_lines(warn, group=False)) == 40
    assert voice.counts_text([*warn, *err]) == "错误 5 条，警告 40 条"


def test_the_provisional_total_is_worded_alike_in_every_front_end(tmp_path):
    """The terminal, the Excel function ``iipeval_score`` and the results workbook print
    a provisional total in the same words (they all take them from :mod:`voice`)."""
    from iipeval.addin.udfs import total_row
    from iipeval.core.api import Evaluator

    path = EXAMPLES / "national_2023.json"  # no reviews: the qualitative parts are pending
    from iipeval.excel.intake import read_application

    ev = Evaluator()
    result = ev.score_loaded(read_application(path, ev))
    assert result.provisional
    words = voice.pending_total(result.secured, result.pending_points)
    assert words.startswith("待专家评分（已确定")

    assert f"总分：{words}" in invoke("score", path).output
    assert total_row(result)[2] == words

    out = tmp_path / "r.xlsx"
    assert invoke("score", path, "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    cells = {
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    }
    assert any(words in c for c in cells)


#: Weights under which the example 专业型 application is secured 32.0032 points with
#: 63.3333 still with the experts: numbers the old renderers wrote as 32.00 (the button's
#: ``:.2f``) and 63.3333 (the Excel function's ``:g``), where the terminal wrote 32 and 63.33.
AWKWARD_WEIGHTS = (
    "[frameworks.hunan_professional.weights]\ndevices = 19\napps = 2\ninnovation = 7\n"
)


def _texts(rows):
    """The text cells of a table (numbers in cells are Excel's to format)."""
    return " ".join(c for row in rows for c in row if isinstance(c, str))


def test_the_same_number_reads_the_same_in_every_front_end(tmp_path):
    """The points secured and the points still with the experts, as the terminal card, the
    results workbook, the Excel function ``iipeval_score`` and the 计算得分 button write
    them: one rule (:func:`iipeval.core.text.fmt`), so one text for one number."""
    import re

    from fake_excel import FakeBook, FakeCaller
    from workbook_helpers import fill

    from iipeval.addin import macros, udfs
    from iipeval.addin.session import use_evaluator
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.params import load_parameters
    from iipeval.core.text import fmt
    from iipeval.excel.intake import read_application
    from iipeval.excel.xlsm import write_application_xlsm

    params = tmp_path / "weights.toml"
    params.write_text(AWKWARD_WEIGHTS, encoding="utf-8")
    app = EXAMPLES / "hunan_professional.json"
    ev = Evaluator(params=load_parameters(params))
    result = ev.score_loaded(read_application(app, ev))
    secured, pending = result.secured, result.pending_points
    # the example still gives numbers the old renderers wrote differently
    assert f"{secured:.2f}" != fmt(secured) and f"{pending:g}" != fmt(pending)

    said = {"terminal": invoke("score", app, "--params", params).output}
    out = tmp_path / "r.xlsx"
    assert invoke("score", app, "--params", params, "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out, read_only=True)
    said["results workbook"] = " ".join(
        _texts(ws.iter_rows(values_only=True)) for ws in wb.worksheets
    )
    # the same figures in the application workbook, open in (stand-in) Excel
    xlsm = tmp_path / "申报表.xlsm"
    write_application_xlsm(ev.framework("hunan_professional").framework, xlsm)
    items = json.loads(app.read_text(encoding="utf-8"))["application"]["items"]
    book = FakeBook.from_file(fill(xlsm, items, out=tmp_path / "filled.xlsx"))
    info = book.sheets["基本信息"].range("A1:C20").options(ndim=2).value
    data = book.sheets["指标数据"].range("A1:G200").options(ndim=2).value
    use_evaluator(ev)
    try:
        said["Excel function"] = _texts(udfs.iipeval_score(info, data, None, FakeCaller(book)))
        said["button"] = macros.score_book(book, ev).message
    finally:
        use_evaluator(None)

    alone = r"(?<![\d.,]){}(?![\d.,])"
    for where, text in said.items():
        assert re.search(alone.format(re.escape(fmt(secured))), text), (where, text)
        assert f"{fmt(pending)}分" in text, (where, text)
        assert f"{secured:.2f}" not in text and f"{pending:g}" not in text, (where, text)


def test_front_ends_write_numbers_only_through_the_one_rule():
    """No ``{x:.2f}`` or ``{x:g}`` of their own in the CLI, the Excel front end, the
    reports or present: each would be a fifth way to write a number."""
    import re

    spec = re.compile(r"\{[^{}]+:,?\.?\d*[fg%]\}")
    allowed = {
        # the width of a cell that Excel shows with the number format 0.00
        'return f"{value:,.2f}" if style.number_format else str(value)',
    }
    offenders = [
        f"{p.relative_to(REPO)}: {line.strip()}"
        for folder in ("cli", "excel", "reports", "present")
        for p in sorted((REPO / folder).rglob("*.py"))
        if p.name != "guard.py"  # byte sizes in refusals; its messages are reworded apart
        for line in p.read_text(encoding="utf-8").splitlines()
        if spec.search(line) and line.strip() not in allowed
    ]
    assert offenders == []


def test_the_panel_file_examples_in_readme_and_help_load(tmp_path):
    """A newcomer copies the panel.toml example from the README or from ``panel --help``:
    both must be a panel file ``panel`` accepts, with a round and a 回避."""
    import re
    import textwrap

    from iipeval.core.panel.roster import load_panel

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"`panel.toml` names the panel.*?```toml\n(.*?)```", readme, re.S)
    help_text = invoke("panel", "--help").output
    shown = help_text.split("示例：", 1)[1].split("iipeval panel submitted/", 1)[0]
    for text in (block.group(1), textwrap.dedent(shown.strip("\n"))):
        path = tmp_path / "panel.toml"
        path.write_text(text, encoding="utf-8")
        panel = load_panel(path)
        assert panel.round and len(panel.experts) == 2
        assert panel.experts[0].conflicts


def test_readme_never_calls_iipeval_before_saying_how():
    """The set-up block installs into .venv: a bare ``iipeval`` only after activating it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up (fresh machine)", 1)[1].split("## ", 1)[0]
    first_bare = setup.find("\niipeval ")
    assert first_bare == -1 or "source .venv/bin/activate" in setup[:first_bare]
    assert "template --all -o workbooks/ " not in readme.split("## Architecture", 1)[0]


def test_the_same_text_reads_the_same_in_json_and_in_a_workbook(tmp_path):
    """ "1,200", "1.2万", "约1000": accepted or refused alike, with one message, whichever
    file the applicant typed it in."""
    from workbook_helpers import application_json, figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel.application.template import write
    from iipeval.excel.intake import read_application

    ev = Evaluator()
    fw = ev.framework("national_2023").framework
    count, money = "devices_operating", "killer_app_revenue"
    template = tmp_path / "t.xlsx"
    write(fw, template)
    for text in ("1,200", "1.2万", "约1000", "12 00", "1200台"):
        values = figures(fw) | {count: text, money: text}
        book = fill(template, values, out=tmp_path / "filled.xlsx")
        js = tmp_path / "app.json"
        js.write_text(
            json.dumps({"application": application_json(fw, values)}, ensure_ascii=False),
            encoding="utf-8",
        )
        said = {}
        for path in (book, js):
            result = ev.score_loaded(read_application(path, ev))
            said[path.suffix] = sorted(
                (f.item, f.severity.value, f.code, f.message)
                for f in result.findings
                if f.item in (count, money)
            )
        assert said[".xlsx"] == said[".json"], text
        assert said[".json"], text  # each text is either refused or noted, never silent
        assert len({x[0] for x in said[".json"]}) == len(said[".json"])  # one per mistake


def _sheets(path):
    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_committee_copy_leaves_the_parameters_to_their_own_file(tmp_path):
    out = tmp_path / "委员会" / "results.xlsx"
    res = invoke(
        "score",
        EXAMPLES,
        "--reviews",
        REVIEWS,
        "--panel-record",
        RECORD,
        "-o",
        out,
        "--for",
        "committee",
    )
    assert res.exit_code == 0, res.output
    committee, params = _sheets(out), _sheets(out.with_name("results-参数.xlsx"))
    assert "参数" not in committee and committee[0].startswith("排名")
    assert params == ["参数"]
    organiser = tmp_path / "组织方" / "results.xlsx"
    assert (
        invoke(
            "score", EXAMPLES, "--reviews", REVIEWS, "--panel-record", RECORD, "-o", organiser
        ).exit_code
        == 0
    )
    assert "参数" in _sheets(organiser) and not organiser.with_name("results-参数.xlsx").exists()


def test_page_one_is_never_a_ranking_of_one_rejection(tmp_path):
    alone = _hunan(tmp_path, "alone.json", major_safety_incident=True)
    out = tmp_path / "one.xlsx"
    assert (
        invoke("score", alone, "--reviews", REVIEWS, "--panel-record", RECORD, "-o", out).exit_code
        == 0
    )
    first = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    assert not first.title.startswith("排名")
    text = " ".join(str(c) for row in first.iter_rows(values_only=True) for c in row if c)
    assert "近三年发生重大及以上安全生产事故（填报为“是”）" in text
    # a batch where another set ranks someone: that set's ranking is page 1
    mixed = tmp_path / "mixed.xlsx"
    national = EXAMPLES / "national_2023.json"
    assert (
        invoke(
            "score", alone, national, "--reviews", REVIEWS, "--panel-record", RECORD, "-o", mixed
        ).exit_code
        == 0
    )
    assert _sheets(mixed)[0] == "排名-双跨平台（2023）"


def test_problem_list_names_items_in_chinese(tmp_path):
    bad = _hunan(tmp_path, "bad.json", major_safety_incident=None)
    out = tmp_path / "r.xlsx"
    invoke("score", bad, "-o", out)
    ws = openpyxl.load_workbook(out, read_only=True)["问题清单"]
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] and str(r[0]).isdigit()]
    items = {r[5] for r in rows if r[5]}
    assert "近三年发生重大及以上安全生产事故" in items
    assert not any(str(i).isascii() for i in items), items


def test_expert_workbook_says_an_application_is_already_not_recommended(tmp_path):
    """An expert should not spend an hour on an application a 否决项 already rules out
    without being told; and the 定量部分得分 / 已确定 difference is explained."""
    hit = _hunan(tmp_path, "hit.json", major_safety_incident=True)
    panel = tmp_path / "panel.toml"
    panel.write_text('id = "组"\n[[experts]]\nid = "E01"\nname = "张三"\n', "utf-8")
    out = tmp_path / "forms"
    res = invoke("panel", hit, "--panel", panel, "-o", out, "--record", tmp_path / "r.json")
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(next(out.glob("review_*.xlsx")))
    cells = [str(c.value) for ws in wb.worksheets[:3] for row in ws.iter_rows() for c in row]
    text = " ".join(cells)
    assert "不予推荐" in text and "近三年发生重大及以上安全生产事故（填报为“是”）" in text
    assert "“已确定”分" in text  # why 定量部分得分 is higher than the organiser's 已确定


def _top_level_imports(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:  # module level only: a call-time import is no cycle
        if isinstance(node, ast.ImportFrom):
            names |= {f"{node.module or ''}.{a.name}".lstrip(".") for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names


def test_excel_functions_and_macros_do_not_import_each_other():
    udfs = _top_level_imports(REPO / "addin" / "udfs.py")
    macros = _top_level_imports(REPO / "addin" / "macros.py")
    assert not any("macros" in n for n in udfs), udfs
    assert not any("udfs" in n for n in macros), macros


def test_a_location_is_written_in_one_place():
    """``sheet!cell`` for a finding is Finding.where(); no front end writes it by hand."""
    import re

    hand = re.compile(r"\{f\.sheet\}!\{f\.cell\}")
    offenders = [
        str(p.relative_to(REPO))
        for folder in ("cli", "excel", "reports")
        for p in (REPO / folder).rglob("*.py")
        if hand.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    cli_main = (REPO / "cli" / "main.py").read_text(encoding="utf-8")
    assert "f['sheet']" not in cli_main and "f['severity']" not in cli_main


def test_an_application_with_errors_is_worded_alike_on_screen_and_in_the_workbook(tmp_path):
    bad = _hunan(tmp_path, "bad.json", major_safety_incident=None)
    assert f"状态：{voice.NEEDS_FIX_STATUS}" in invoke("score", bad).output
    out = tmp_path / "r.xlsx"
    invoke("score", bad, "-o", out)
    wb = openpyxl.load_workbook(out, read_only=True)
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert any(c.startswith(voice.NEEDS_FIX_STATUS) for c in cells)


def test_a_number_is_rounded_once_as_the_cell_beside_it_shows_it():
    """82.425 is stored as 82.42499…: Python's own rounding wrote 得82.42分 beside a 得分
    cell that Excel, WPS and LibreOffice show as 82.43. Text now rounds as they do."""
    from iipeval.core.text import fmt

    for x, shown in [(82.425, "82.43"), (2.675, "2.68"), (1.005, "1.01"), (0.125, "0.13")]:
        assert fmt(x) == shown and fmt(-x) == "-" + shown
    assert fmt(82.42499) == "82.42" and fmt(-0.001) == "0" and fmt(-0.001, fixed=True) == "0.00"
    assert fmt(88.5, fixed=True) == "88.50" and fmt(1234.5, fixed=True) == "1,234.50"


def test_the_terminal_writes_every_total_of_a_ranking_with_two_decimals():
    from iipeval.cli.render import ranking_text
    from iipeval.core.round.ranking import RankEntry, Ranking
    from iipeval.core.scoring.params import RankingPolicy

    def entry(rank, name, total):
        return RankEntry(
            rank=rank,
            applicant=name,
            key=name,
            source=f"{name}.json",
            framework="x",
            subtype=None,
            total=total,
            secured=total,
            provisional=False,
            grade="良好",
            accepted=True,
            excluded=False,
            dimensions={},
            outcome="拟推荐",
        )

    ranking = Ranking(
        framework="x",
        framework_name="某体系",
        subtype=None,
        tie_break=[],
        policy=RankingPolicy(),
        entries=[entry(1, "甲", 88.5), entry(2, "乙", 82.64)],
    )
    lines = ranking_text(ranking).splitlines()
    assert "88.50" in lines[2] and "82.64" in lines[3]
    assert lines[2].index("88.50") == lines[3].index("82.64")  # one column, read down


def test_a_time_is_written_the_chinese_way_in_the_zone_it_was_taken():
    from datetime import datetime, timedelta, timezone

    from iipeval.core.text import when

    beijing = timezone(timedelta(hours=8))
    assert when(datetime(2026, 12, 8, 3, 54, 25, tzinfo=beijing)) == "2026年12月8日 03:54:25"
    utc = datetime(2026, 12, 7, 19, 54, 25, tzinfo=UTC)
    assert when(utc) == "2026年12月7日 19:54:25（UTC+0）"  # not passed off as local time


def test_validate_json_says_the_verdict_in_the_same_word(tmp_path):
    path = _hunan(tmp_path, major_safety_incident=True)
    rows = json.loads(invoke("validate", path, "--format", "json").output)["files"]
    assert rows[0]["valid"] and rows[0]["verdict"] == "不予推荐"


def test_the_grade_goes_with_the_total_as_it_is_read():
    """84.996 reads 85.00 on every page: its grade is the one 85.00 earns."""
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.engine import _grade

    eff = Evaluator().effective("national_2023")
    line = min(g.min for g in eff.grades if g.min > 0)
    above = next(g.name for g in eff.grades if line >= g.min - 1e-9)
    assert _grade(eff, line - 0.004) == above  # reads as the line itself
    assert _grade(eff, line - 0.006) != above  # reads one hundredth below it


def test_a_number_too_large_for_decimals_is_still_written():
    from iipeval.core.text import fmt

    huge = -1.797693134862316e306  # an applicant may type anything finite
    assert fmt(huge).startswith("-1,797,693,134,862,31") and fmt(1e300, fixed=True).endswith(".00")
