"""The round's memory on its own: its private folder, its register, its log, its status."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from iipeval.core.intake.private import PrivateFileError as PrivateError
from iipeval.core.round import logbook
from iipeval.core.round.folder import RoundError, find_round, init_round, open_round
from iipeval.core.round.private import exclusive
from iipeval.core.round.receive import Identity, receive, stage
from iipeval.core.round.register import Return, Summary
from iipeval.core.round.state import State
from iipeval.core.round.status import status
from iipeval.core.text import normal_key

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
def state(tmp_path):
    rnd = init_round(tmp_path / "轮次", "2026年省级平台认定", ["national_2023"], T0)
    s = State(rnd)
    s.create_key()
    return s


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_round_keeps_its_secrets_in_a_folder_only_its_owner_can_enter(state):
    assert _mode(state.round.state) == 0o700
    assert _mode(state.round.private("key")) == 0o600
    assert len(state.key()) == 32
    assert sorted(p.name for p in state.round.root.iterdir())[1:4] == [
        "1-申报",
        "2-补正",
        "3-评分表",
    ]


def test_a_round_is_found_from_any_folder_inside_it_and_not_outside(state, tmp_path):
    inside = state.round.stage("forms")
    assert find_round(inside).root == state.round.root
    assert find_round(tmp_path) is None


def test_a_private_folder_opened_to_others_is_refused_with_the_fix(state):
    os.chmod(state.round.state, 0o755)
    with pytest.raises(RoundError, match=r"0755.*chmod 700"):
        open_round(state.round.root)


def test_a_key_readable_by_others_or_owned_by_someone_else_is_refused(state):
    key = state.round.private("key")
    os.chmod(key, 0o644)
    with pytest.raises(RoundError, match=r"0644.*chmod 600"):
        state.key()
    os.chmod(key, 0o600)
    if os.getuid() == 0:  # only root can give a file away
        os.chown(key, 12345, -1)
        with pytest.raises(RoundError, match="属于另一用户"):
            state.key()


def test_a_key_replaced_by_a_symlink_is_not_followed(state, tmp_path):
    elsewhere = tmp_path / "planted"
    elsewhere.write_text("00" * 32)
    os.chmod(elsewhere, 0o600)
    key = state.round.private("key")
    key.unlink()
    key.symlink_to(elsewhere)
    with pytest.raises(RoundError, match="符号链接，不予读取"):
        state.key()


def test_two_commands_cannot_write_the_round_at_once(state):
    with (
        exclusive(state.round.state, "受理"),
        pytest.raises(PrivateError, match="另一个"),
        exclusive(state.round.state, "评分"),
    ):
        pass


def test_the_same_name_written_differently_is_one_name():
    plain = "长沙某某科技有限公司(湖南)"
    for spelling in [
        "长沙某某科技有限公司（湖南）",  # full-width brackets
        "长沙某某科技\u200b有限公司(湖南)",  # zero-width space
        "长沙某某科技\u00a0有限公司(湖南) ",  # no-break space, trailing space
    ]:
        assert normal_key(spelling) == normal_key(plain)
    assert normal_key("91430100ma4l7x2k5m") == normal_key("91430100MA4L7X2K5M")


# -- the log --------------------------------------------------------------------------------


def _three_entries(state):
    out = state.round.stage("results") / "results.json"
    with state.writing("写入"):
        state.log(["iipeval", "round", "init"], [], [], 0, T0)
        out.write_text("{}")
        state.log(["iipeval", "score"], [], [out], 0, T0 + timedelta(hours=1))
        state.log(["iipeval", "status"], [], [], 0, T0 + timedelta(hours=2))
    return out


def _rewrite(state, lines):
    path = state.round.private(logbook.LOG_NAME)
    path.write_bytes(b"".join(lines))


def test_an_untouched_log_verifies(state):
    _three_entries(state)
    assert state.verify() == []


def test_an_edited_log_entry_is_named(state):
    _three_entries(state)
    lines = state.round.private(logbook.LOG_NAME).read_bytes().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry["command"] = ["iipeval", "score", "--params", "别的参数.toml"]
    lines[1] = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
    _rewrite(state, lines)
    assert "第2条日志" in state.verify()[0] and "被改动" in state.verify()[0]


def test_a_deleted_or_reordered_log_entry_is_named(state):
    _three_entries(state)
    lines = state.round.private(logbook.LOG_NAME).read_bytes().splitlines(keepends=True)
    _rewrite(state, [lines[0], lines[2]])
    assert "第2条日志的序号为3" in state.verify()[0]
    _rewrite(state, [lines[0], lines[2], lines[1]])
    assert "第2条日志的序号为3" in state.verify()[0]


def test_a_log_rewritten_without_the_key_is_named(state):
    _three_entries(state)
    lines = state.round.private(logbook.LOG_NAME).read_bytes().splitlines(keepends=True)
    entries = [logbook.Entry.model_validate_json(x) for x in lines]
    forged = [logbook.sealed(e, b"not the round key" * 2) for e in entries]
    _rewrite(state, [logbook.line(e) for e in forged])
    assert "签名不符" in state.verify()[0]


def test_an_output_replaced_after_the_run_is_named(state):
    out = _three_entries(state)
    out.write_text('{"total": 99}')
    assert state.verify() == [f"{state.relative(out)}：第2条日志记录后已被改动或替换"]


# -- 受理 ------------------------------------------------------------------------------------


def _application(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _receive(state, path, ident, **kw):
    reg = state.register()
    out = receive(state.round, reg, stage(state.round, path, 2**20), ident, T0, "clerk", **kw)
    state.save_register(reg)
    return out


APP = Identity("application", "91430100MA4L7X2K5M", "长沙某某科技有限公司", "national_2023")


def test_a_received_file_is_copied_numbered_and_kept_read_only(state, tmp_path):
    out = _receive(state, _application(tmp_path, "甲.json", "{}"), APP)
    assert out.receipt.number == "S0001" and "受理编号 S0001" in out.message
    stored = state.round.root / out.receipt.stored
    assert stored.read_text() == "{}" and _mode(stored) == 0o444


def test_the_same_file_twice_is_received_once(state, tmp_path):
    _receive(state, _application(tmp_path, "甲.json", "{}"), APP)
    again = _receive(state, _application(tmp_path, "甲-副本.json", "{}"), APP)
    assert "完全相同" in again.message and len(state.register().receipts) == 1


def test_a_new_version_without_a_correction_request_is_refused(state, tmp_path):
    _receive(state, _application(tmp_path, "甲.json", "{}"), APP)
    later = _receive(state, _application(tmp_path, "甲2.json", '{"x": 1}'), APP)
    assert (
        later.refused and "没有待答复的补正要求" in later.message and "--replace" in later.message
    )
    assert [r.number for r in state.register().receipts] == ["S0001"]


def test_a_resubmission_answers_the_open_correction_request_and_becomes_current(state, tmp_path):
    first = _receive(state, _application(tmp_path, "甲.json", "{}"), APP).receipt
    reg = state.register()
    reg.returns.append(
        Return(
            id="B1-0001",
            key=normal_key(APP.key),
            applicant=APP.applicant,
            receipt=first.number,
            issued_at=T0,
        )
    )
    state.save_register(reg)
    spelled = Identity("application", "91430100ma4l7x2k5m ", APP.applicant, "national_2023")
    second = _receive(state, _application(tmp_path, "甲-补正.json", '{"x": 1}'), spelled).receipt
    reg = state.register()
    assert second.answers == "B1-0001" and second.supersedes == "S0001"
    assert reg.current("application")[normal_key(APP.key)].number == "S0002"
    assert reg.returns[0].answered_by == "S0002"


def test_a_second_form_from_one_expert_does_not_replace_the_first_unless_said_so(state, tmp_path):
    form = Identity("review", "E01", framework="national_2023", expert="E01")
    _receive(state, _application(tmp_path, "E01.json", "{}"), form)
    second = _receive(state, _application(tmp_path, "E01-改.json", "{ }"), form)
    assert second.refused and "先受理的有效" in second.message
    third = _receive(
        state, _application(tmp_path, "E01-改.json", "{ }"), form, replace="专家更正笔误"
    )
    assert third.receipt.supersedes == "P0001" and third.receipt.reason == "专家更正笔误"
    assert state.register().current("review")["E01|national_2023"].number == "P0002"


def test_a_received_file_changed_afterwards_is_named(state, tmp_path):
    stored = (
        state.round.root
        / _receive(state, _application(tmp_path, "甲.json", "{}"), APP).receipt.stored
    )
    os.chmod(stored, 0o644)
    stored.write_text('{"devices": 1e9}')
    assert any("受理编号 S0001" in p and "被改动" in p for p in state.verify())


# -- status ----------------------------------------------------------------------------------


def test_status_says_who_waits_for_correction_and_what_comes_next(state, tmp_path):
    bad = Identity(
        "application", "91430100MA4L7X2K5M", "甲公司", "national_2023", summary=Summary(errors=2)
    )
    good = Identity("application", "914301007777777777", "乙公司", "national_2023")
    _receive(state, _application(tmp_path, "甲.json", "{}"), bad)
    _receive(state, _application(tmp_path, "乙.json", "{ }"), good)
    s = status("轮次", state.register(), None)
    assert s.stage == "符合性审查与补正"
    assert s.blockers == ["1份申报有错误尚未退回补正：甲公司"]
    assert [a.correction for a in s.applicants] == ["需补正（尚未退回）", "无需补正"]


def test_status_knows_the_round_was_scored_and_when_a_later_receipt_makes_it_stale(state):
    from iipeval.core.round.status import last_run

    manifest = state.round.stage("results") / "第1次" / "results.manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    with state.writing("写入"):
        state.log(["iipeval", "score", "--format", "json"], [], [], 0, T0)
        assert last_run(state.entries()[0]) is None  # to the terminal: no results, no record
        state.log(["iipeval", "score", "--publish", "公示名单.docx"], [], [manifest], 0, T0)
        state.log(["iipeval", "status"], [], [], 0, T0)
        run = last_run(state.entries()[0])
        assert (run.seq, run.published, run.current) == (2, True, True)
        assert run.manifest == "9-结果/第1次/results.manifest.json"
        state.log(["iipeval", "receive", "E01-改.json", "--replace", "笔误"], [], [], 0, T0)
    assert not last_run(state.entries()[0]).current


def test_a_file_of_another_criteria_set_is_not_received(state, tmp_path):
    other = Identity("application", "914301001111111111", "丙公司", "hunan_professional")
    out = _receive(state, _application(tmp_path, "丙.json", "{}"), other)
    assert out.refused and "本轮的评价体系为 national_2023" in out.message
    assert state.register().receipts == []
