"""Every command, every case, through the one door (``cli/door.py``): hostile names among
the inputs, special files where one file is named, outputs onto or inside inputs, outputs
that exist, folders that cannot be written, over-long names, another run writing, a full
disk, and an internal error after the outputs are in place. Each test is named by its
case and runs over every command of ``tests/door_commands.py`` that the case applies to.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from door_commands import (
    COMMANDS,
    READERS,
    WRITERS,
    args_of,
    build,
    hostile_batch,
    invoke,
    named_args,
    residue,
    written,
)

from iipeval.core.text import printable
from iipeval.present import atomic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return build(tmp_path_factory.mktemp("round"))


def fresh(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def clean(res) -> None:
    """No traceback, no internal error, no raw control character reached the terminal."""
    assert "Traceback" not in res.output and "内部出错" not in res.output, res.output
    assert not any(ch in res.output for ch in "\x1b\x07\r"), res.output


def shown(raw: bytes) -> str:
    return printable(
        os.fsdecode(raw).encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
        one_line=True,
    )


# -- hostile names among the inputs ---------------------------------------------------------


def over_batch(env, tmp_path: Path, name: str, batch: Path):
    """The command over ``batch``: it ends cleanly, its outputs complete (or, for a command
    refused whole, none); what the user sees (terminal and text outputs) is returned."""
    spec = COMMANDS[name]
    out = fresh(tmp_path)
    res = invoke(*args_of(name, env, out, batch))
    clean(res)
    assert res.exit_code in (0, 1), res.output
    if spec.partial:
        assert written(out) == sorted(spec.writes), res.output
    else:  # refused whole, each bad file named
        assert res.exit_code == 1 and written(out) == [], res.output
    seen = res.output + "".join(
        f.read_text("utf-8") for f in out.rglob("*") if f.suffix in (".json", ".csv", ".toml")
    )
    return res, out, seen


@pytest.mark.parametrize("name", READERS)
def test_hostile_names_among_the_inputs_are_each_a_finding_never_a_crash(env, tmp_path, name):
    spec = COMMANDS[name]
    batch, hostile = hostile_batch(env, spec.reads, tmp_path / "in")
    res, out, seen = over_batch(env, tmp_path, name, batch)
    for raw in hostile[:3]:  # refused unopened: named (printable), with why
        assert shown(raw) in seen, (shown(raw), res.output)
    assert "文件名含" in seen
    assert residue(out) == []


# -- one named file that is not a file ----------------------------------------------------


def run_cli(*args, timeout: float = 120):
    """The command in a process of its own: a read that hangs fails the test, never the
    suite (the timeout is a bound, not a measurement)."""
    return subprocess.run(
        [sys.executable, "-m", "iipeval.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "1"},
        timeout=timeout,
    )


NAMED = [(name, option) for name, s in COMMANDS.items() for option in s.named]


@pytest.mark.parametrize("special", ["fifo", "dev_zero", "huge"])
@pytest.mark.parametrize(("name", "option"), NAMED)
def test_a_fifo_dev_zero_or_huge_file_where_one_file_is_named_is_refused_unopened(
    env, tmp_path, name, option, special
):
    if special == "fifo":
        path = tmp_path / "named.json"
        os.mkfifo(path)
    elif special == "dev_zero":
        path = Path("/dev/zero")
    else:  # 300 MB that take no room: a sparse file
        path = tmp_path / ("huge.csv" if name == "weights ahp" else "huge.json")
        with open(path, "wb") as fh:
            fh.truncate(300 * 2**20)
    out = fresh(tmp_path)
    proc = run_cli(*named_args(name, env, out, option, path))
    said = proc.stdout + proc.stderr
    assert "Traceback" not in said and "内部出错" not in said, said
    if special == "huge":  # a regular file: refused by size where it is read whole
        assert proc.returncode in (1, 2), said
        assert "超过" in said or "无法读取" in said or "不是" in said, said
    else:
        assert proc.returncode == 2, said
        assert "不是普通文件" in said and (option if option != "ARG" else "") in said, said
    assert written(out) == []


@pytest.mark.parametrize("name", [n for n in READERS])
def test_a_fifo_among_the_inputs_is_a_finding_and_never_hangs(env, tmp_path, name):
    spec = COMMANDS[name]
    batch = tmp_path / "in"
    import shutil

    shutil.copytree(env.folders[spec.reads], batch)
    suffix = next(p.suffix for p in batch.iterdir() if p.is_file())
    os.mkfifo(batch / f"管道{suffix}")
    out = fresh(tmp_path)
    proc = run_cli(*args_of(name, env, out, batch))
    said = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), said
    assert "Traceback" not in said and "内部出错" not in said
    assert residue(out) == []


# -- outputs checked against the inputs and the folder, before any work -------------------


@pytest.fixture
def no_work(monkeypatch):
    """Any read of an outside file is the work: a test using this fails (exit 3) if the
    command gets that far."""
    from iipeval.excel import intake

    def started(*args, **kwargs):
        raise AssertionError("the work started")

    for fn in ("applications", "applications_hashed", "validate", "score", "reviews", "files"):
        monkeypatch.setattr(intake, fn, started)


@pytest.mark.parametrize("name", [n for n in WRITERS if COMMANDS[n].reads])
def test_outputs_inside_the_input_folder_are_refused_before_any_work(env, tmp_path, name, no_work):
    import shutil

    batch = tmp_path / "in"
    shutil.copytree(env.folders[COMMANDS[name].reads], batch)
    before = {p.name: p.read_bytes() for p in batch.iterdir()}
    res = invoke(*args_of(name, env, batch, batch), "--force" if COMMANDS[name].force else "")
    clean(res)
    assert res.exit_code == 2, res.output
    assert "输入" in res.output and ("重合或位于其中" in res.output or "所在的文件夹" in res.output)
    assert {p.name: p.read_bytes() for p in batch.iterdir()} == before


ONTO = {  # an output onto an input file, with --force
    "score": lambda e, b: ["score", b, "-o", b / "a0.json", "--force"],
    "compare": lambda e, b: ["compare", b, e.apps2, "-o", b / "a1.json", "--force"],
    "robustness": lambda e, b: [
        "robustness",
        b,
        "--reviews",
        e.reviews,
        "-o",
        b / "a0.json",
        "--force",
    ],
    "weights derive": lambda e, b: [
        "weights",
        "derive",
        b,
        "-o",
        sorted(b.iterdir())[0],
        "--force",
    ],
    "weights derive --panel": lambda e, b: [
        "weights",
        "derive",
        b,
        "--panel",
        e.panel,
        "-o",
        e.panel,
        "--force",
    ],
    "weights objective": lambda e, b: [
        "weights",
        "objective",
        b,
        "--framework",
        "national_2023",
        "--method",
        "entropy",
        "-o",
        b / "a2.json",
        "--force",
    ],
}


@pytest.mark.parametrize("case", ONTO)
def test_an_output_onto_an_input_is_refused_even_with_force(env, tmp_path, case, no_work):
    import shutil

    spec = COMMANDS[case.removesuffix(" --panel")]
    batch = tmp_path / "in"
    shutil.copytree(env.folders[spec.reads], batch)
    inputs = [*batch.iterdir(), *env.apps2.iterdir(), env.panel, env.params]
    before = {p: p.read_bytes() for p in inputs}
    res = invoke(*ONTO[case](env, batch))
    clean(res)
    assert res.exit_code == 2 and "与输入" in res.output, res.output
    assert {p: p.read_bytes() for p in inputs} == before


@pytest.fixture(scope="module")
def done(env, tmp_path_factory):
    """Each writing command run once, complete: ``{name: (out folder, its files' bytes)}``."""
    runs = {}
    for name in WRITERS:
        out = tmp_path_factory.mktemp("done")
        res = invoke(*args_of(name, env, out))
        assert res.exit_code in (0, 1) and written(out) == sorted(COMMANDS[name].writes), (
            name,
            res.output,
        )
        runs[name] = out
    return runs


def snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", WRITERS)
def test_an_existing_output_is_refused_before_any_work_with_the_way_out(
    env, done, name, monkeypatch, no_work
):
    out = done[name]
    before = snapshot(out)
    res = invoke(*args_of(name, env, out))
    clean(res)
    assert res.exit_code == 2 and "已存在" in res.output, res.output
    if COMMANDS[name].force:
        assert "--force" in res.output
    else:  # never advice to use an option the command does not have
        assert "--force" not in res.output and "本命令不覆盖" in res.output, res.output
    assert snapshot(out) == before and residue(out) == []


@pytest.mark.parametrize("name", WRITERS)
def test_another_run_writing_into_the_folder_is_refused_before_any_work(
    env, tmp_path, name, no_work
):
    out = fresh(tmp_path)
    args = args_of(name, env, out)
    folders = {out} | {out / w.rstrip("/") for w in COMMANDS[name].writes if w.endswith("/")}
    for folder in folders:  # the folder where the set is written, locked by a run in progress
        folder.mkdir(exist_ok=True)
    target = max(folders, key=lambda f: len(f.parts))
    with atomic.OutputSet(target, [], force=True):
        res = invoke(*args)
    clean(res)
    assert res.exit_code == 2 and "另一个 iipeval 正在" in res.output, res.output


@pytest.mark.parametrize("name", WRITERS)
def test_a_folder_that_cannot_be_written_is_refused_before_any_work(
    env, tmp_path, name, monkeypatch, no_work
):
    out = fresh(tmp_path)
    real = os.access  # root ignores chmod: the folder says it cannot be written

    def access(path, mode, *args, **kwargs):
        return False if mode == os.W_OK else real(path, mode, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "access", access)
    res = invoke(*args_of(name, env, out))
    clean(res)
    assert res.exit_code == 2 and "没有写入权限" in res.output, res.output
    assert residue(out) == []


@pytest.mark.parametrize("name", WRITERS)
def test_an_over_long_output_name_is_refused_before_any_work(env, tmp_path, name, no_work):
    out = tmp_path / ("长" * 90)  # 270 bytes: no file system takes it
    res = invoke(*args_of(name, env, out))
    clean(res)
    assert res.exit_code == 2 and "过长" in res.output, res.output
    assert not os.path.exists(out)


@pytest.mark.parametrize("name", WRITERS)
def test_a_full_disk_keeps_the_previous_outputs_and_says_so_truly(env, done, name, monkeypatch):
    out = done[name]
    before = snapshot(out)
    real = atomic._fsync

    def full(path):
        real(path)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(atomic, "_fsync", full)
    args = args_of(name, env, out)
    res = invoke(*args, *(["--force"] if COMMANDS[name].force else []))
    clean(res)
    if COMMANDS[name].force:
        assert res.exit_code == 4 and "磁盘空间不足" in res.output, res.output
        assert "未写出任何输出，此前的输出文件未被改动" in res.output
    else:  # refused as existing, before the work
        assert res.exit_code == 2
    assert snapshot(out) == before and residue(out) == []


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("name", WRITERS)
def test_an_internal_error_says_truly_whether_the_outputs_were_written(
    env, tmp_path, name, when, monkeypatch
):
    from iipeval.cli import door

    real = door.Door.commit
    out = fresh(tmp_path)

    def commit(self, writers, modes=None):
        if not any(out in Path(t).parents for t in writers):  # reproduce's own run of score
            return real(self, writers, modes)
        if when == "after":
            real(self, writers, modes)
        raise RuntimeError("a bug")

    monkeypatch.setattr(door.Door, "commit", commit)
    res = invoke(*args_of(name, env, out))
    assert res.exit_code == 3 and "内部出错" in res.output and "Traceback" not in res.output
    log = Path(res.output.split("详细信息已写入 ")[1].split("，")[0])
    assert "RuntimeError: a bug" in log.read_text("utf-8")
    log.unlink()
    if when == "after":
        assert "输出文件已全部写出" in res.output and "未被改动" not in res.output
        assert written(out) == sorted(COMMANDS[name].writes)
    else:
        assert "未写出任何输出，此前的输出文件未被改动" in res.output
        assert written(out) in ([], [w for w in COMMANDS[name].writes if w.endswith("/")][:0])
    assert residue(out) == []


# -- the hostile corpus, over every command that reads outside files ------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """``tests/corpus``: bombs, entities, encrypted, truncated, legacy and empty workbooks."""
    from workbook_helpers import figures, fill

    from iipeval.core.api import Evaluator
    from iipeval.excel.application import template
    from tests.corpus.make_corpus import EXPECTED, make

    root = tmp_path_factory.mktemp("corpus")
    fw = Evaluator().framework("national_2023").framework
    blank = root / "blank.xlsx"
    template.write(fw, blank)
    good = fill(blank, figures(fw), applicant={"name": "语料单位"}, out=root / "good.xlsx")
    files = root / "files"
    make(files, good)
    return files, sorted(EXPECTED)


@pytest.mark.parametrize("name", READERS)
def test_the_hostile_corpus_among_the_inputs_is_named_file_by_file_never_a_crash(
    env, tmp_path, corpus, name
):
    import shutil

    files, bad = corpus
    spec = COMMANDS[name]
    batch = tmp_path / "in"
    shutil.copytree(env.folders[spec.reads], batch)
    for f in bad:
        shutil.copyfile(files / f, batch / f)
    res, out, seen = over_batch(env, tmp_path, name, batch)
    missing = [f for f in bad if f not in seen]
    assert missing == [], (missing, res.output[-2000:])
    assert residue(out) == []


def test_weights_ahp_every_file_of_the_hostile_corpus_is_refused_with_a_reason(corpus):
    files, bad = corpus
    for f in bad:
        if not f.endswith(".xlsx"):
            continue
        res = invoke("weights", "ahp", files / f)
        clean(res)
        assert res.exit_code == 1 and "错误：" in res.output, (f, res.output)


def test_validate_flags_exactly_the_names_that_return_to_and_verification_refuse(env, tmp_path):
    """What 符合性审查 passes, the later commands take; what it flags, they refuse too."""
    import json

    batch, _ = hostile_batch(env, "apps", tmp_path / "in")
    res = invoke("validate", batch, "--format", "json")
    rows = json.loads(res.stdout)["files"]
    flagged = [r for r in rows if not r["valid"]]
    assert {f["code"] for r in flagged for f in r["findings"]} == {"bad_file_name"}
    assert len(flagged) == 3 and len(rows) == 13
    res = invoke("verification", batch, "--panel-record", env.record, "-o", tmp_path / "v")
    assert res.exit_code == 1 and len(list((tmp_path / "v").iterdir())) == len(rows) - 3
    res = invoke("validate", batch, "--return-to", tmp_path / "r")
    returned = [p for p in (tmp_path / "r").iterdir() if p.name != "补正清单.xlsx"]
    assert res.exit_code == 1 and len(returned) == 3
