"""The run's record (``*.manifest.json``, written by ``score -o`` and ``robustness -o``) and
``iipeval reproduce``.

``reproduce`` checks every recorded input against its SHA-256, runs ``score`` again with
the recorded arguments, in the recorded working directory, with the recorded time (the
results workbook and the 公示名单 carry it), and compares every output byte for byte
with the record, naming the first difference. It also says when an output on disk no
longer matches the record (edited after the run).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import cli, evaluator
from iipeval.present import atomic


def first_difference(expected: Path, actual: Path) -> str:
    """Where two outputs first differ, in words: the zip member, then the line and column."""
    if not actual.exists():
        return "重新运行未生成该文件"
    if zipfile.is_zipfile(actual) and zipfile.is_zipfile(expected):
        with zipfile.ZipFile(expected) as za, zipfile.ZipFile(actual) as zb:
            names_a, names_b = za.namelist(), zb.namelist()
            if names_a != names_b:
                return f"包内部件不同：原有 {len(names_a)} 个，重新生成 {len(names_b)} 个"
            for name in names_a:
                x, y = za.read(name), zb.read(name)
                if x != y:
                    return f"包内部件 {name}：{_first_line(x, y)}"
                if za.getinfo(name).date_time != zb.getinfo(name).date_time:
                    return f"包内部件 {name} 的时间不同"
        return "压缩方式或包结构不同（内容相同）"
    return _first_line(expected.read_bytes(), actual.read_bytes())


def _first_line(a: bytes, b: bytes) -> str:
    la, lb = a.split(b"\n"), b.split(b"\n")
    for n, (x, y) in enumerate(zip(la, lb, strict=False), 1):
        if x != y:
            tx, ty = x.decode("utf-8", "replace"), y.decode("utf-8", "replace")
            short = min(len(tx), len(ty))
            at = next((k for k in range(short) if tx[k] != ty[k]), short)
            start = max(0, at - 30)
            return (
                f"第{n}行第{at + 1}个字符起不同：原为“{tx[start : at + 40]}”，"
                f"现为“{ty[start : at + 40]}”"
            )
    return f"行数不同：原有{len(la)}行，现有{len(lb)}行"


def _analysis_args(c) -> list[str]:
    """The robustness analysis's options as recorded (``score --robustness``, ``robustness``)."""
    args = []
    for key, value in (c.analysis or {}).items():
        if value is not None:
            args += [f"--{key.replace('_', '-')}", str(value)]
    for q in c.ahp:
        args += ["--ahp", q]
    return args


def _params_args(params: list[str] | str | None) -> list[str]:
    files = [params] if isinstance(params, str) else params or []
    return [a for f in files for a in ("--params", f)]


def _robustness_args(m, work: Path) -> list[str]:
    c = m.command
    args = [*c.files]
    for flag, values in (("--reviews", c.reviews), ("--verified", c.verified)):
        for v in values:
            args += [flag, v]
    for flag, value in (("--panel-record", c.panel_record), ("--framework", c.framework)):
        if value:
            args += [flag, value]
    args += _params_args(c.params)
    args += ["-o", str(work / Path(c.output).name), "--generated-at", m.generated_at.isoformat()]
    return args + _analysis_args(c) + _awaiting_args(c)


def _score_args(m, work: Path) -> list[str]:
    c = m.command
    args = [*c.files]
    for r in c.reviews:
        args += ["--reviews", r]
    if c.panel_record:
        args += ["--panel-record", c.panel_record]
    for v in c.verified:
        args += ["--verified", v]
    if c.framework:
        args += ["--framework", c.framework]
    args += _params_args(c.params)
    args += ["-o", str(work / Path(c.output).name), "--generated-at", m.generated_at.isoformat()]
    if c.publish:
        args += ["--publish", str(work / Path(c.publish).name)]
    if c.robustness:
        args += ["--robustness", *_analysis_args(c)]
    if c.cards is not None:
        args += ["--cards" if c.cards else "--no-cards"]
    if c.reader != "organiser":
        args += ["--for", c.reader]
    return args + _awaiting_args(c)


def _awaiting_args(c) -> list[str]:
    """A round's run waited for the forms it issued but those waived: so does its re-run."""
    return [] if c.waived is None else ["--awaiting", json.dumps(c.waived, ensure_ascii=False)]


#: The largest manifest read: a record of 100,000 inputs stays under 40 MB.
MAX_MANIFEST_BYTES = 64 * 2**20


@door.command(cli)
@click.argument("manifest_file", metavar="MANIFEST", type=door.InputFile())
@click.option("--keep", type=door.OutputPath(folder=True), help="把重新生成的输出保存到该文件夹")
def reproduce(run: door.Door, manifest_file, keep) -> None:
    """按运行记录（*.manifest.json）重新评分，逐字节核对每个输出，并指出第一处不同。"""
    from iipeval.core.round.manifest import manifest_path

    m = _load(run, Path(manifest_file))
    cwd = Path(m.cwd)
    _check_inputs(m, cwd)
    names = [Path(rec.path).name for rec in m.outputs]
    names.append(manifest_path(Path(m.command.output)).name)
    keep_dir = Path(keep).resolve() if keep else None  # the run below works in the record's cwd
    if keep_dir is not None:
        run.outputs([keep_dir / n for n in names], keep_dir)  # before any work
    with atomic.scratch() as work:
        _rerun(m, cwd, work)
        differences, altered = _compare(m, cwd, work)
        if keep_dir is not None:
            run.commit(
                {keep_dir / n: door.copy_writer(work / n) for n in names if (work / n).exists()}
            )
    sys.exit(1 if differences or altered else 0)


def _load(run: door.Door, path: Path):
    """The manifest, read through the door (a FIFO or ``/dev/zero`` refused unopened, a
    huge file refused by size), checked for its format field, the versions compared."""
    from pydantic import ValidationError

    from iipeval.core import __version__
    from iipeval.core.round.manifest import FORMAT, Manifest

    raw = run.read(path, "MANIFEST", MAX_MANIFEST_BYTES, "运行记录")
    try:
        m = Manifest.model_validate_json(raw)
    except ValidationError:
        raise click.UsageError(
            f"{door.shown(path)} 不是 iipeval 的运行记录（{FORMAT}）或已损坏"
        ) from None
    if m.tool_version != __version__:
        render.echo(f"注意：记录的 iipeval 版本为 {m.tool_version}，当前为 {__version__}", err=True)
    plugins = {p.name: p.version for p in evaluator().host.plugins()}
    if plugins != m.plugins:
        render.echo(f"注意：插件版本与记录不同（记录 {m.plugins}，当前 {plugins}）", err=True)
    return m


def _check_inputs(m, cwd: Path) -> None:
    """Every recorded input still there, a regular file (never opened otherwise), and
    with the recorded SHA-256; else exit 1 naming the first that is not."""
    from iipeval.core.intake.sandbox import refusal
    from iipeval.core.round.manifest import ROLES, file_sha256

    if not cwd.is_dir():
        raise click.UsageError(f"运行记录的工作目录 {door.shown(cwd)} 不存在，无法按原路径重新运行")
    for rec in m.inputs:
        source, what = cwd / rec.path, ROLES.get(rec.role, "输入")
        problem = refusal(source)
        if problem and problem[0] == "not_found":
            render.echo(f"无法复现：{what} {rec.path} 已不存在")
            sys.exit(1)
        if problem:
            render.echo(f"无法复现：{what} {rec.path}：{problem[1]}")
            sys.exit(1)
        if file_sha256(source) != rec.sha256:
            render.echo(f"无法复现：{what} {rec.path} 已被修改（SHA-256 与记录不同）")
            sys.exit(1)


def _rerun(m, cwd: Path, work: Path) -> None:
    """The recorded command (``score`` or ``robustness``) again with the recorded arguments,
    in the recorded folder, into ``work``."""
    from iipeval.cli.robustness import robustness as robustness_command
    from iipeval.cli.score import score as score_command

    previous = Path.cwd()
    quiet = io.StringIO()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stderr(quiet), contextlib.redirect_stdout(quiet):
            if m.command.kind == "robustness":
                args = _robustness_args(m, work)
                robustness_command.main(args, "iipeval robustness", standalone_mode=False)
            else:
                score_command.main(_score_args(m, work), "iipeval score", standalone_mode=False)
    except SystemExit as exc:  # 1 only says some input needs 补正; the outputs are what counts
        if exc.code == door.EXIT_INTERRUPTED:
            raise KeyboardInterrupt from None
        if exc.code not in (0, 1, None):
            said = quiet.getvalue().strip().splitlines()
            raise click.ClickException(
                f"重新运行失败：{said[-1] if said else f'退出码 {exc.code}'}"
            ) from None
    except click.ClickException as exc:
        raise click.ClickException(f"重新运行失败：{exc.format_message()}") from None
    finally:
        os.chdir(previous)


def _compare(m, cwd: Path, work: Path) -> tuple[list, list]:
    """Each output against the record, byte for byte; the first difference named."""
    from iipeval.core.round.manifest import file_sha256

    differences, altered = [], []
    for rec in m.outputs:
        again, original = work / Path(rec.path).name, cwd / rec.path
        if not again.exists() or file_sha256(again) != rec.sha256:
            differences.append((rec, again, original))
        if not original.is_file():  # nothing on disk vouches for the record any more
            altered.append(f"{rec.path}（该输出文件已不存在）")
        elif file_sha256(original) != rec.sha256 and again.exists():
            altered.append(f"{rec.path}（{first_difference(again, original)}）")
    if differences:
        rec, again, original = differences[0]
        where = (
            first_difference(original, again)
            if original.is_file() and file_sha256(original) == rec.sha256
            else "原输出文件已不在或已改动，只能比对哈希"
        )
        render.echo(f"不一致：{len(differences)}个输出与记录不同；第一处：{rec.path}：{where}")
    elif not altered:
        render.echo(f"一致：按记录重新运行 {m.run_id}，{len(m.outputs)} 个输出与记录逐字节相同")
    else:
        render.echo(f"按记录重新运行 {m.run_id} 的结果与记录相同，但磁盘上的输出与记录不符：")
    for text in altered:  # the record holds; the file on disk no longer matches it
        render.echo(f"但输出文件在运行后被修改或删除，与记录不符：{text}")
    return differences, altered
