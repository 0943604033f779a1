"""The round's key stays secret, and no record is trusted for being there (issue 22, §1).

Each test is an attack on the panel's record (which holds the round's key) by another
user of the machine or by whoever hands forms in, and ends as ssh ends a loose key: the
record is refused with the reason (exit 2), never read from among the forms, and never
readable by anyone but its owner, not even while it is being written.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_panel_integrity import (
    RECORDS,
    STRONG,
    WEAK,
    applications,
    by_key,
    fill_json,
    issue,
    panel_file,
    run,
    score,
)

from iipeval.cli.main import cli
from iipeval.core.intake.private import TEMP_PREFIX
from iipeval.core.panel.record import RECORD_NAME
from iipeval.present import atomic

POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="owners and modes are POSIX")


@pytest.fixture
def round_(tmp_path):
    """A clean round issued as signed JSON forms, filled; its record kept apart."""
    apps = applications(tmp_path)
    reviews = tmp_path / "reviews"
    record = issue(apps, panel_file(tmp_path), reviews, "--forms", "json")
    for p in reviews.glob("review_*.json"):
        fill_json(p)
    return apps, reviews, record


def findings(data, code):
    return [f for f in data["findings"] if f["code"] == code]


# -- written private from the first byte ------------------------------------------------


@posix_only
def test_panel_writes_the_record_private_from_the_moment_it_is_created(tmp_path, monkeypatch):
    """Another user who opens the record (or its temporary file) while ``panel`` writes it
    must find it closed: every file created during the run is watched at its creation,
    and the record's inode must have been 0600 from then on, never narrowed afterwards."""
    created: dict[int, int] = {}  # inode → mode at creation
    real_os_open, real_io_open = os.open, io.open

    def os_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_os_open(path, flags, mode, *args, **kwargs)
        if flags & os.O_CREAT:
            st = os.fstat(fd)
            created.setdefault(st.st_ino, stat.S_IMODE(st.st_mode))
        return fd

    def io_open(file, mode="r", *args, **kwargs):
        fh = real_io_open(file, mode, *args, **kwargs)
        if any(m in mode for m in "wxa") and hasattr(fh, "fileno"):
            st = os.fstat(fh.fileno())
            created.setdefault(st.st_ino, stat.S_IMODE(st.st_mode))
        return fh

    apps = applications(tmp_path)
    record = tmp_path / "private" / "record.json"
    old = os.umask(0o022)  # the usual umask: what is not made private is readable by all
    try:
        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(io, "open", io_open)
        run("panel", apps, "--panel", panel_file(tmp_path), "-o", tmp_path / "forms",
            "--record", record, "--forms", "json", code=0)  # fmt: skip
    finally:
        os.umask(old)
        monkeypatch.undo()
    ino = record.stat().st_ino
    assert created.get(ino) == 0o600, f"created {oct(created.get(ino, 0))}, not 0600"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700
    assert not list(record.parent.glob(TEMP_PREFIX + "*"))  # no temporary file left
    assert TEMP_PREFIX == atomic.TEMP_PREFIX  # a killed run's leftover is recognised


def test_panel_never_writes_the_record_into_the_folder_of_forms(tmp_path):
    apps = applications(tmp_path)
    forms = tmp_path / "forms"
    res = run("panel", apps, "--panel", panel_file(tmp_path), "-o", forms,
              "--record", forms / "panel-record.json", code=2)  # fmt: skip
    assert "评分表输出文件夹" in res.output and not forms.exists()


def test_panel_refuses_a_record_inside_an_input_folder(tmp_path):
    apps = applications(tmp_path)
    res = run("panel", apps, "--panel", panel_file(tmp_path), "-o", tmp_path / "forms",
              "--record", apps / "panel-record.json", code=2)  # fmt: skip
    assert "输入" in res.output and not (apps / "panel-record.json").exists()


def test_panel_requires_a_place_for_the_record(tmp_path):
    apps = applications(tmp_path)
    res = run("panel", apps, "--panel", panel_file(tmp_path), "-o", tmp_path / "f", code=2)
    assert "--record" in res.output and not (tmp_path / "f").exists()


# -- read only from where the organiser keeps it ----------------------------------------


def test_a_record_planted_beside_the_forms_is_never_read_and_is_named_as_ignored(round_, tmp_path):
    """Today's attack: issue a round of one's own (same ids, a key one knows), fill its
    forms, and put them with their record in the folder of returned forms."""
    apps, reviews, _ = round_
    planted = tmp_path / "planted"
    rogue = issue(apps, panel_file(tmp_path), planted, "--forms", "json")
    for p in planted.glob("review_*.json"):
        form = json.loads(p.read_text("utf-8"))
        for r in form["reviews"]:
            r["scores"] = dict.fromkeys(r["scores"], 100 if r["application"] == WEAK else 0)
        (reviews / p.name).write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    shutil.copy(rogue, reviews / RECORD_NAME)
    data = score(apps, reviews, code=0, record=None)  # no --panel-record: nothing verified
    [ignored] = findings(data, "panel_record_ignored")
    assert ignored["file"] == str(reviews / RECORD_NAME) and ignored["severity"] == "warning"
    assert data["review_panel"]["verified"] is False
    assert all(r["panel_check"]["verified"] is False for r in data["results"])
    # with the organiser's record the planted forms are what they are: forgeries
    data = score(apps, reviews, code=1)
    assert len(findings(data, "review_signature")) == 3
    assert by_key(data)[STRONG]["panel_check"]["counted"] == []


def test_a_record_named_from_among_the_forms_is_refused(round_):
    apps, reviews, record = round_
    inside = reviews / "key.json"
    shutil.copy(record, inside)
    inside.chmod(0o600)
    res = run("score", apps, "--reviews", reviews, "--panel-record", inside, code=2)
    assert "评分表文件夹" in res.output and str(inside) in res.output


@posix_only
def test_a_record_others_can_read_is_refused_with_the_reason(round_):
    apps, reviews, record = round_
    record.chmod(0o644)
    res = run("score", apps, "--reviews", reviews, "--panel-record", record, code=2)
    assert "0644" in res.output and f"chmod 600 {record}" in res.output
    record.chmod(0o640)  # the group is others too
    res = run("score", apps, "--reviews", reviews, "--panel-record", record, code=2)
    assert "0640" in res.output


@posix_only
def test_a_record_owned_by_another_user_is_refused(round_, monkeypatch):
    apps, reviews, record = round_
    owner = record.stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)  # we are someone else
    res = run("score", apps, "--reviews", reviews, "--panel-record", record, code=2)
    assert "属于另一用户" in res.output and f"uid {owner}" in res.output


@posix_only
def test_a_symbolic_link_in_place_of_the_record_is_refused(round_, tmp_path):
    apps, reviews, record = round_
    link = tmp_path / "link.json"
    link.symlink_to(record)
    res = run("score", apps, "--reviews", reviews, "--panel-record", link, code=2)
    assert "符号链接" in res.output


@posix_only
def test_a_pipe_in_place_of_the_record_is_refused_without_waiting(round_, tmp_path):
    apps, reviews, _ = round_
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo, 0o600)
    res = run("score", apps, "--reviews", reviews, "--panel-record", fifo, code=2)
    assert "不是普通文件" in res.output


@posix_only
@pytest.mark.parametrize("command", ["score", "robustness", "weights objective"])
def test_every_command_that_reads_a_record_refuses_a_loose_one_the_same_way(
    round_, tmp_path, command
):
    apps, reviews, record = round_
    record.chmod(0o604)
    extra = {
        "score": [],
        "robustness": ["--draws", "10", "-o", tmp_path / "r.json"],
        "weights objective": [
            "--framework",
            "national_2023",
            "--method",
            "critic",
            "-o",
            tmp_path / "w.toml",
        ],
    }[command]
    args = [*command.split(), apps, "--reviews", reviews, "--panel-record", record, *extra]
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 2, res.output
    assert "0604" in res.output and "chmod 600" in res.output


@posix_only
def test_reproduce_reads_the_record_through_the_same_door(round_, tmp_path, monkeypatch):
    apps, reviews, record = round_
    monkeypatch.chdir(tmp_path)
    run("score", apps, "--reviews", reviews, "--panel-record", record, "-o", "out/r.json",
        code=0)  # fmt: skip
    record.chmod(0o644)  # the same bytes, now readable by everyone
    res = run("reproduce", "out/r.manifest.json")
    assert res.exit_code != 0 and "0644" in res.output and "一致：" not in res.output


def test_the_example_round_keeps_its_record_apart_from_its_forms():
    examples = Path(__file__).resolve().parents[1] / "examples"
    assert (examples / RECORD_NAME).is_file()
    assert not list((examples / "reviews").glob("*record*"))
    readme = (examples.parent / "README.md").read_text("utf-8")
    assert "chmod 600 examples/panel-record.json" in readme
    assert "--panel-record examples/panel-record.json" in readme


def test_only_the_named_record_is_read_even_when_one_lies_among_the_forms(round_):
    """The organiser's record and a copy of it among the forms: the copy is named as
    ignored, the forms verify against the record named."""
    apps, reviews, record = round_
    shutil.copy(record, reviews / RECORD_NAME)
    (reviews / RECORD_NAME).chmod(0o600)
    data = score(apps, reviews, code=0)
    assert [f["file"] for f in findings(data, "panel_record_ignored")] == [
        str(reviews / RECORD_NAME)
    ]
    assert data["review_panel"]["verified"] is True
    assert data["review_panel"]["record"] == str(RECORDS[apps])


def test_a_record_renamed_and_slipped_among_the_forms_is_named_as_ignored(round_):
    apps, reviews, record = round_
    shutil.copy(record, reviews / "review_key.json")
    data = score(apps, reviews, code=0)
    [f] = findings(data, "panel_record_ignored")
    assert f["file"] == str(reviews / "review_key.json")
    assert data["review_panel"]["verified"] is True
    assert json.loads(record.read_text("utf-8"))["key"] not in json.dumps(data)  # never echoed
