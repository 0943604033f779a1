"""The round's memory under attack, each attack through the real ``iipeval`` command (issue 25).

Another user of the machine who finds the private folder open, a second organiser running a
command at the same moment, someone tidying the log afterwards, a clerk who "corrects" a
file already received, an expert who sends a second form: each is refused or named, with
the file and what to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import REPO

from iipeval.cli.main import cli
from iipeval.core.round.private import exclusive

EXAMPLE = REPO / "examples" / "applications" / "national_2023.json"
PANEL = 'id = "第一评审组"\nround = "2026年省级平台认定"\n' + "".join(
    f'[[experts]]\nid = "E0{k}"\nname = "专家{k}"\n' for k in (1, 2)
)


def iipeval(*args) -> tuple[int, str]:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in res.output
    return res.exit_code, res.output


def application(folder: Path, name: str, code: str) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    app = data.get("application", data)
    app["applicant"]["name"], app["applicant"]["credit_code"] = name, code
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def rnd(tmp_path, monkeypatch) -> Path:
    """A round with two applications received one at a time; the test runs inside it.
    The log: 1 round init, 2 receive 甲, 3 receive 乙, 4 validate."""
    monkeypatch.chdir(tmp_path)
    code, said = iipeval("round", "init", "轮次", "--name", "2026年省级平台认定",
                         "--framework", "national_2023")  # fmt: skip
    assert code == 0, said
    monkeypatch.chdir(tmp_path / "轮次")
    for name, code in (("甲公司", "91430100MA4L7X2K5M"), ("乙公司", "91430100777777777Q")):
        assert iipeval("receive", application(tmp_path, name, code))[0] == 0
    assert iipeval("validate")[0] == 0
    return tmp_path / "轮次"


def log_lines(rnd: Path) -> list[bytes]:
    return (rnd / ".iipeval" / "log.jsonl").read_bytes().splitlines(keepends=True)


def rewrite_log(rnd: Path, lines: list[bytes]) -> None:
    (rnd / ".iipeval" / "log.jsonl").write_bytes(b"".join(lines))


def verify(rnd: Path) -> tuple[int, list[str]]:
    code, said = iipeval("log", "--verify")
    return code, [x for x in said.splitlines() if x.startswith("[不一致]")]


# -- the private folder ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o750, 0o705, 0o777])
@pytest.mark.parametrize(
    "command", [["status"], ["receive", "../乙公司.json"], ["log", "--verify"]]
)
def test_a_private_folder_opened_to_others_is_refused_with_the_folder_and_the_fix(
    rnd, mode, command
):
    state = rnd / ".iipeval"
    os.chmod(state, mode)
    try:
        code, said = iipeval(*command)
    finally:
        os.chmod(state, 0o700)
    assert code == 2, said
    assert str(state) in said and f"{mode:04o}" in said and f"chmod 700 {state}" in said
    assert "受理编号" not in said  # nothing was read from it, nothing received


def test_a_private_file_others_can_read_is_refused_with_the_fix(rnd):
    key = rnd / ".iipeval" / "key"
    os.chmod(key, 0o644)
    code, said = iipeval("log", "--verify")
    assert code == 2 and str(key) in said and "chmod 600" in said, said
    os.chmod(key, 0o600)
    assert verify(rnd) == (0, [])


# -- two commands at once -------------------------------------------------------------------


def test_a_second_command_while_another_holds_the_round_is_refused_at_once(rnd, tmp_path):
    before = (log_lines(rnd), (rnd / ".iipeval" / "register.json").read_bytes())
    late = application(tmp_path, "丙公司", "91430100888888888P")
    with exclusive(rnd / ".iipeval", "受理"):  # another iipeval, mid-command
        for command in (["receive", late], ["validate"], ["waive", "E01", "--reason", "病假"]):
            code, said = iipeval(*command)
            assert code == 2, said
            assert f"另一个 iipeval 命令正在写入本轮评审（{rnd}）" in said
        code, said = iipeval("status")  # reading is not writing: it still answers
        assert code == 0 and "S0002 乙公司" in said
    assert (log_lines(rnd), (rnd / ".iipeval" / "register.json").read_bytes()) == before
    code, said = iipeval("receive", late)  # once the other command is done
    assert code == 0 and "受理编号 S0003" in said


# -- the log ----------------------------------------------------------------------------------


def test_an_untouched_round_verifies(rnd):
    assert verify(rnd) == (0, [])


def test_an_edited_log_entry_is_named(rnd):
    lines = log_lines(rnd)
    entry = json.loads(lines[1])
    entry["command"][-1] = entry["command"][-1].replace("甲公司", "丁公司")
    lines[1] = json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n"
    rewrite_log(rnd, lines)
    code, problems = verify(rnd)
    assert (
        code == 1 and problems[0].startswith("[不一致] 第2条日志（") and "内容被改动" in problems[0]
    )


def test_an_edited_entry_rehashed_without_the_round_key_is_named(rnd):
    from iipeval.core.round import logbook

    lines = log_lines(rnd)
    entry = logbook.Entry.model_validate_json(lines[2])
    entry = entry.model_copy(update={"user": "someone-else"})
    entry = entry.model_copy(update={"hash": entry.digest()})  # a consistent hash, no key
    lines[2] = logbook.line(entry)
    rewrite_log(rnd, lines)
    code, problems = verify(rnd)
    assert code == 1 and "第3条日志" in problems[0]  # its hash no longer chains, or signs


def test_a_deleted_log_entry_is_named(rnd):
    lines = log_lines(rnd)
    rewrite_log(rnd, [lines[0], *lines[2:]])
    code, problems = verify(rnd)
    assert code == 1 and problems[0] == "[不一致] 第2条日志的序号为3：有日志被删除或调换了顺序"


def test_reordered_log_entries_are_named(rnd):
    lines = log_lines(rnd)
    rewrite_log(rnd, [lines[0], lines[2], lines[1], lines[3]])
    code, problems = verify(rnd)
    assert code == 1 and problems[0] == "[不一致] 第2条日志的序号为3：有日志被删除或调换了顺序"


def test_the_last_entries_cut_off_are_named_by_what_they_wrote(rnd):
    rewrite_log(rnd, log_lines(rnd)[:2])  # the receipt of 乙 (and the validate) gone
    code, problems = verify(rnd)
    assert code == 1
    assert problems[0].startswith("[不一致] 1-申报/S0002_乙公司.json：日志中没有写入该文件的记录")


def test_a_scoring_run_cut_off_the_end_of_the_log_is_named_by_its_record(rnd):
    assert iipeval("score", "-o", "9-结果/终/results.xlsx")[0] == 0
    rewrite_log(rnd, log_lines(rnd)[:-1])
    code, problems = verify(rnd)
    assert (
        code == 1 and "9-结果/终/results.manifest.json：日志中没有写入该文件的记录" in problems[0]
    )


def test_a_log_rewritten_with_the_key_no_longer_matches_the_results_already_written(rnd):
    """Whoever holds the key can re-sign a whole log; the run's record keeps the head the
    log had when it ran, so a rewrite of anything before it is named there."""
    from iipeval.core.round import logbook

    assert iipeval("score", "-o", "9-结果/终/results.xlsx")[0] == 0
    key = bytes.fromhex((rnd / ".iipeval" / "key").read_text().strip())
    entries = [logbook.Entry.model_validate_json(x) for x in log_lines(rnd)]
    entries[3] = entries[3].model_copy(update={"user": "someone-else"})  # the validate
    prev, forged = logbook.GENESIS, []
    for e in entries:
        e = logbook.sealed(e.model_copy(update={"prev": prev}), key)
        forged.append(logbook.line(e))
        prev = e.hash
    rewrite_log(rnd, forged)
    code, problems = verify(rnd)
    assert code == 1
    assert problems == [
        "[不一致] 9-结果/终/results.manifest.json：这次评分时日志的最后一条已不在本轮日志中："
        "此前的日志被改写"
    ]


# -- a received file changed ------------------------------------------------------------------


def test_a_received_file_changed_after_receipt_is_named_by_log_verify_and_by_status(rnd):
    stored = rnd / "1-申报" / "S0001_甲公司.json"
    os.chmod(stored, 0o644)  # received files are kept read-only; a clerk makes it writable
    stored.write_text(stored.read_text("utf-8").replace("1850000", "9850000"), "utf-8")
    code, problems = verify(rnd)
    assert code == 1
    assert (
        "[不一致] 受理编号 S0001（甲公司.json）受理后被改动：1-申报/S0001_甲公司.json" in problems
    )
    code, said = iipeval("status")
    assert code == 0
    assert "待办：受理编号 S0001（甲公司.json）受理后被改动：1-申报/S0001_甲公司.json" in said
    assert "下一步：查明受理后被改动或删除的文件：iipeval log --verify" in said


def test_a_received_file_deleted_is_named_by_status(rnd):
    (rnd / "1-申报" / "S0002_乙公司.json").unlink()
    code, said = iipeval("status")
    assert code == 0
    assert "待办：受理编号 S0002（乙公司.json）的文件已被删除：1-申报/S0002_乙公司.json" in said


# -- a form received twice --------------------------------------------------------------------


@pytest.fixture
def issued(rnd, tmp_path) -> Path:
    """The round's JSON forms issued to two experts."""
    (tmp_path / "评审组.toml").write_text(PANEL, encoding="utf-8")
    code, said = iipeval("panel", "--panel", tmp_path / "评审组.toml", "--forms", "json")
    assert code == 0, said
    return rnd / "3-评分表"


def filled(issued: Path, expert: str, score: int, out: Path) -> Path:
    (path,) = issued.glob(f"*_{expert}.json")
    form = json.loads(path.read_text(encoding="utf-8"))
    for row in form["reviews"]:
        for part in row["scores"]:
            row["scores"][part] = score
    out.mkdir(exist_ok=True)
    target = out / path.name
    target.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    return target


def test_a_second_form_from_an_expert_is_refused_unless_replaced_with_a_reason(issued, tmp_path):
    first = filled(issued, "E01", 80, tmp_path / "交回")
    assert iipeval("receive", first)[0] == 0
    second = filled(issued, "E01", 95, tmp_path / "再次交回")
    code, said = iipeval("receive", second)
    assert code == 1
    assert "“E01”的专家评分表已受理（受理编号 P0001），先受理的有效" in said
    assert "--replace --reason" in said
    code, said = iipeval("receive", second, "--replace")
    assert code == 2 and "须说明理由" in said
    code, said = iipeval("receive", second, "--replace", "--reason", "专家来电更正笔误")
    assert code == 0, said
    assert "受理编号 P0002（替换受理编号 P0001，理由：专家来电更正笔误）" in said
    status = json.loads(iipeval("status", "--format", "json")[1])
    assert {x["expert"]: x["returned"] for x in status["experts"]}["E01"] == "P0002"
    code, log = iipeval("log", "--verify")
    assert code == 0
    assert "--replace --reason 专家来电更正笔误" in log
    assert "说明：P0002 替换 P0001（理由：专家来电更正笔误）" in log


@pytest.mark.parametrize("kind", ["fifo", "device", "oversized"])
def test_receive_refuses_a_pipe_a_device_or_an_oversized_file_before_keeping_a_byte(
    rnd, tmp_path, kind
):
    """A FIFO would block and /dev/zero never ends: both are refused unopened, and a file
    over the input limit is refused by its size, with nothing staged in the round."""
    if kind == "fifo":
        path = tmp_path / "管道.json"
        os.mkfifo(path)
    elif kind == "device":
        path = Path(os.devnull)
    else:
        path = tmp_path / "过大.json"
        with open(path, "wb") as fh:
            fh.truncate(21 * 2**20)  # past the 20 MB input limit, sparse: nothing written
    before = sorted(p.relative_to(rnd) for p in rnd.rglob("*") if ".iipeval" not in p.parts)
    code, said = iipeval("receive", path)
    assert code == 1, said
    assert "未受理" in said and ("不是普通文件" in said or "上限" in said), said
    after = sorted(p.relative_to(rnd) for p in rnd.rglob("*") if ".iipeval" not in p.parts)
    assert after == before
