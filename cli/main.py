"""The ``iipeval`` command: a thin adapter over :class:`iipeval.core.api.Evaluator`.

Exit codes: 0 all inputs fine, 1 at least one input rejected (unreadable, or with errors
that need 补正), 2 usage error (bad option, unknown criteria set, bad parameters file, an
output that exists, is locked by another run, lies in an input or cannot be written), 3
an unexpected internal error (the traceback goes to a log file whose path is printed), 4
the outputs could not be written after the work (disk full, permissions); the previous
outputs are left as they were.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iipeval.cli import click_zh

if TYPE_CHECKING:
    from iipeval.core.api import Evaluator
    from iipeval.present import atomic

click_zh.install()  # click's own words (用法, 选项, 错误) in Chinese, whatever the locale

# The core (pydantic models, plugins), openpyxl and the command modules are imported when a
# command runs, not before: ``iipeval --help`` and a mistyped option answer at once, and the
# one command that runs pays only for what it uses.

#: commands defined in their own modules → (module, the one-line help ``iipeval --help``
#: lists); ``tests/test_cli.py`` checks the line against the command's own help.
LAZY_COMMANDS = {
    "items": (
        "plugin",
        "列出共享数据项（id、名称、类型、单位、填报口径），供编写评价体系时直接引用。",
    ),
    "panel": (
        "review",
        "为评审组每位专家生成专家评分表（.xlsx；加 --xlsm 为 .xlsm），申报可为文件、文件夹或通配符。",
    ),
    "plugin": ("plugin", "编写评价体系插件：生成插件骨架（new）、检查已安装的插件（check）。"),
    "score": (
        "score",
        "对申报（.json / .xlsx，可为文件、文件夹或通配符）评分、汇总专家评分并排名。",
    ),
    "template": ("workbook", "生成评价体系的申报表模板（.xlsx；加 --xlsm 为启用宏的 .xlsm）。"),
    "robustness": (
        "robustness",
        "分析排名的稳健性：权重扰动、单项权重区间、专家组影响与专家评分校准。",
    ),
    "weights": (
        "weights",
        "权重的来源：层次分析法调查表、单个判断矩阵、客观赋权（熵权法、CRITIC）。",
    ),
    "verification": (
        "round",
        "调研核查：为每个申报生成一份核查表（申报值，及核查值、依据、备注、核查人、日期栏）。",
    ),
    "compare": (
        "round",
        "补正比对：新旧两批申报中已改正、仍未改正和新出现的问题，以及全部数值变化。",
    ),
    "reproduce": (
        "reproduce",
        "按运行记录（*.manifest.json）重新评分，逐字节核对每个输出，并指出第一处不同。",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands in :data:`LAZY_COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"{__package__}.{LAZY_COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            cmd = self.commands.get(name)
            if cmd is not None:
                rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append(
                    (name, click.utils.make_default_short_help(LAZY_COMMANDS[name][1], limit))
                )
        with formatter.section("命令"):
            formatter.write_dl(rows)


#: Exit status of an unexpected error (a bug), and of outputs that could not be written.
EXIT_INTERNAL = 3
EXIT_OUTPUT = 4

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式",
)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="iipeval", prog_name="iipeval")
def cli() -> None:
    """iipeval：工业互联网平台申报评价工具；评价体系以插件形式加载。"""


def evaluator(params: str | None = None) -> Evaluator:
    from iipeval.cli import render
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.params import ParamsError, load_parameters

    try:
        ev = Evaluator(params=load_parameters(params))
        ev.check_parameters()
    except ParamsError as exc:
        raise click.BadParameter(str(exc), param_hint="--params") from None
    for problem in ev.host.problems:
        render.echo(f"警告：{problem}", err=True)
    return ev


def registered(ev: Evaluator, framework_id: str):
    from iipeval.core.host import UnknownFramework

    try:
        return ev.framework(framework_id)
    except UnknownFramework as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None


@cli.command()
@FORMAT
def frameworks(fmt: str) -> None:
    """列出已加载的评价体系。"""
    from iipeval.cli import render

    ev = evaluator()
    rows = [
        {
            "id": rf.framework.id,
            "name": rf.framework.name,
            "plugin": rf.plugin,
            "version": rf.framework.version,
        }
        for rf in ev.frameworks()
    ]
    if fmt == "json":
        click.echo(render.dumps(rows))
        return
    for r in rows:
        click.echo(f"{r['id']:<24} {r['name']}（插件 {r['plugin']}，版本 {r['version']}）")


@cli.command()
@click.argument("framework_id", metavar="ID")
@FORMAT
def show(framework_id: str, fmt: str) -> None:
    """显示评价体系的维度、指标（原文）与数据项。"""
    from iipeval.cli import render

    rf = registered(evaluator(), framework_id)
    if fmt == "json":
        click.echo(render.dumps(render.framework_json(rf.framework, rf.plugin)))
    else:
        click.echo(render.framework_text(rf.framework, rf.plugin))


@cli.command()
@click.argument("framework_id", metavar="ID")
def schema(framework_id: str) -> None:
    """输出该评价体系申报数据的 JSON Schema。"""
    from iipeval.cli import render
    from iipeval.core.model.application import application_schema

    rf = registered(evaluator(), framework_id)
    click.echo(render.dumps(application_schema(rf.framework)))


@cli.command()
@FORMAT
def plugins(fmt: str) -> None:
    """列出已加载的插件、版本及其实现的钩子。"""
    from iipeval.cli import render
    from iipeval.core.host import ENV_VAR

    ev = evaluator()
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "origin": p.origin,
            "hooks": p.hooks,
            "frameworks": p.frameworks,
        }
        for p in ev.host.plugins()
    ]
    problems = [{"plugin": p.plugin, "message": p.message} for p in ev.host.problems]
    if fmt == "json":
        click.echo(render.dumps({"plugins": rows, "problems": problems}))
        return
    for r in rows:
        sets = f"；评价体系：{', '.join(r['frameworks'])}" if r["frameworks"] else ""
        click.echo(f"{r['name']} {r['version']}（{r['origin']}）")
        click.echo(f"    钩子：{'、'.join(r['hooks']) or '无'}{sets}")
    click.echo(f"（可用环境变量 {ENV_VAR} 限定加载的插件，多个以逗号分隔）")


class OutputFailed(click.ClickException):
    """The work is done but its outputs could not be put in place."""

    exit_code = EXIT_OUTPUT


@contextlib.contextmanager
def output_set(
    targets: Sequence[Path],
    input_args: Sequence[str],
    input_paths: Sequence[Path],
    force: bool,
    directory: Path | None = None,
) -> Iterator[atomic.OutputSet | None]:
    """The locked output set of a command, checked before any work (``None`` if no output).

    Problems found before the work (an output on or in an input, one that exists, a folder
    another run is writing, one that cannot be written) are usage errors, exit 2; a write
    that fails afterwards (disk full) exits 4. The previous outputs stay as they were.
    ``directory`` is the output folder when the targets' names are known only later.
    """
    from iipeval.cli import inputs
    from iipeval.present import atomic

    if directory is None and not targets:
        yield None
        return
    directory = directory or targets[0].parent
    problem = inputs.overlap([*targets, directory], input_args, input_paths)
    if problem:
        raise click.UsageError(problem)
    try:
        out = atomic.OutputSet(directory, targets, force=force).__enter__()
    except atomic.OutputError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        with atomic.sigterm_raises():  # SIGTERM unwinds: temporary files and lock removed
            yield out
    except atomic.OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    except atomic.OutputError as exc:
        raise OutputFailed(str(exc)) from None
    finally:
        out.__exit__(None, None, None)


def _score_all(ev: Evaluator, files: tuple[str, ...], framework: str | None):
    from iipeval.cli import inputs
    from iipeval.excel import intake

    if framework:
        registered(ev, framework)
    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    return intake.validate(paths, params=ev.params, framework=framework, loaded=ev)


def _failed(results) -> bool:
    from iipeval.core.model.results import Rejected

    return any(isinstance(r, Rejected) or not r.accepted for r in results)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@FORMAT
@click.option(
    "--return-to",
    type=click.Path(file_okay=False),
    help="补正：把有错误的申报表逐一标注后写入该文件夹，并写出补正清单",
)
@click.option(
    "--deadline",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="补正截止日期（YYYY-MM-DD），写入补正通知与补正清单",
)
def validate(files, framework, fmt, return_to, deadline) -> None:
    """符合性审查：检查申报数据的完整性与一致性，列出全部问题及其位置。"""
    from iipeval.cli import render
    from iipeval.core.model.results import Rejected
    from iipeval.core.voice import item_labels

    ev = evaluator()
    results = _score_all(ev, files, framework)
    sets = {r.framework for r in results if not isinstance(r, Rejected)}
    labels = {fw: item_labels(ev.effective(fw).framework) for fw in sorted(sets)}
    rows = []
    for r in results:
        ok = not isinstance(r, Rejected) and r.accepted
        hits = [] if isinstance(r, Rejected) else r.exclusions
        rows.append(
            {
                "file": r.source,
                "framework": None if isinstance(r, Rejected) else r.framework,
                "valid": ok,
                "exclusions": [h.model_dump(mode="json") for h in hits],
                "findings": [
                    f.model_dump(
                        mode="json",
                        include={"file", "sheet", "cell", "item", "severity", "code", "message"},
                    )
                    for f in r.findings
                ],
            }
        )
    if fmt == "json":
        click.echo(render.dumps({"files": rows}))
    else:
        for r in results:
            fw = None if isinstance(r, Rejected) else r.framework
            render.echo(render.validation_text(r, labels.get(fw, {}).get))
    if return_to:  # 补正 returns: cli/round.py
        from iipeval.cli.round import write_returns

        day = deadline.date() if deadline else None
        written = write_returns(results, Path(return_to), day, ev.params.input, labels)
        click.echo(f"补正材料已写入 {return_to}：{len(written) - 1}份退回文件及补正清单", err=True)
    sys.exit(1 if _failed(results) else 0)


def _crash_log(text: str) -> Path | None:
    """Write the traceback of an unexpected error where a user can find and send it."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"iipeval-error-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError:
        return None
    return Path(name)


def main() -> None:
    """Run the command; an unexpected error ends with a short message and exit 3, never a
    traceback on the terminal (the traceback goes to a log file)."""
    try:
        cli(prog_name="iipeval")
    except BrokenPipeError:  # the reader of our output went away (``| head``)
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter exit quiet
        sys.exit(1)
    except Exception:
        log = _crash_log(traceback.format_exc())
        where = f"详细信息已写入 {log}，请将该文件发给技术支持" if log else "且无法写入错误日志"
        click.echo(f"错误：iipeval 内部出错，已停止（{where}）。此前的输出文件未被改动。", err=True)
        sys.exit(EXIT_INTERNAL)
