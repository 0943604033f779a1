"""The ``iipeval`` command group and what every command shares: the options and the
evaluator. Each command lives in a module of its own, imported when it runs
(:data:`LAZY_COMMANDS`), and runs through the one door (:mod:`.door`: inputs, outputs,
signals, exit codes); the entry point is :mod:`.main`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from iipeval.cli import click_zh

if TYPE_CHECKING:
    from iipeval.core.api import Evaluator

click_zh.install()  # click's own words (用法, 选项, 错误) in Chinese, whatever the locale

# The core (pydantic models, plugins), openpyxl and the command modules are imported when a
# command runs, not before: ``iipeval --help`` and a mistyped option answer at once, and the
# one command that runs pays only for what it uses.

#: commands defined in their own modules → (module, the one-line help ``iipeval --help``
#: lists); ``tests/test_cli.py`` checks the line against the command's own help.
LAZY_COMMANDS = {
    "round": (
        "round",
        "评审轮次：把一轮评审放进一个文件夹（受理、补正、专家评审、核查、结果及其日志）。",
    ),
    "receive": (
        "receive",
        "受理：把申报、补正后的申报、交回的专家评分表或核查表登记进本轮，逐一给出受理编号。",
    ),
    "status": (
        "status",
        "评审进度：每份申报的版本、补正、问题与否决项，每位专家的评分表，以及下一步的阻碍。",
    ),
    "log": (
        "log",
        "本轮日志：每条命令的时间、用户、输入与输出的哈希；--verify 核验日志是否被改动。",
    ),
    "waive": ("waive", "专家评分表确实无法交回时，记录理由后不再等待；结果按其余专家汇总。"),
    "frameworks": ("info", "列出已加载的评价体系。"),
    "show": ("info", "显示评价体系的维度、指标（原文）与数据项。"),
    "schema": ("info", "输出该评价体系申报数据的 JSON Schema。"),
    "plugins": ("info", "列出已加载的插件、版本及其实现的钩子。"),
    "validate": (
        "validate",
        "符合性审查：检查申报数据的完整性与一致性，列出全部问题及其位置。",
    ),
    "items": (
        "plugin",
        "列出共享数据项（id、名称、类型、单位、填报口径），供编写评价体系时直接引用。",
    ),
    "panel": (
        "review",
        "为评审组每位专家生成专家评分表（.xlsx；加 --xlsm 为 .xlsm），申报可为文件、文件夹或通配符。",
    ),
    "plugin": (
        "plugin",
        "编写评价体系插件：生成插件骨架（new）、复制完整示例（example）、检查已安装的插件（check）。",
    ),
    "score": (
        "score",
        "对申报（.json / .xlsx，可为文件、文件夹或通配符）评分、汇总专家评分并排名。",
    ),
    "template": ("workbook", "生成评价体系的申报表模板（.xlsx；加 --xlsm 为启用宏的 .xlsm）。"),
    "robustness": (
        "robustness",
        "分析排名的稳健性：权重扰动、单项权重区间、名额边界、专家组影响、专家重抽样与评分一致性。",
    ),
    "weights": (
        "weights.group",
        "权重的来源：层次分析法调查表、单个判断矩阵、客观赋权（熵权法、CRITIC）。",
    ),
    "verification": (
        "verification",
        "调研核查：为每个申报生成一份签名的核查表（申报值，及核查值、依据、备注、核查人、日期栏）。",
    ),
    "compare": (
        "compare",
        "补正比对：新旧两批申报中已改正、仍未改正和新出现的问题，以及全部数值变化。",
    ),
    "reproduce": (
        "reproduce",
        "按运行记录（*.manifest.json）重新评分，逐字节核对每个输出，并指出第一处不同。",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands, each in a module of ``package``, are imported on first use;
    ``lazy`` maps a command's name to (its module, the one-line help listed for it)."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]], package: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy, self.package = lazy, package

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(f"{self.package}.{self.lazy[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:  # a command not yet imported is listed by its line, shortened alike
            cmd = self.commands.get(name) or click.Command(name, help=self.lazy[name][1])
            rows.append((name, cmd.get_short_help_str(limit)))
        with formatter.section("命令"):
            formatter.write_dl(rows)


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式",
)


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    package=__package__,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="iipeval", prog_name="iipeval")
def cli() -> None:
    """iipeval：工业互联网平台申报评价工具；评价体系以插件形式加载。"""


def evaluator(params: str | Sequence[str] | None = None) -> Evaluator:
    """The evaluator every command uses, with the parameters file (or files, read together:
    a key set in two is an error naming both) applied and checked."""
    from iipeval.cli import render
    from iipeval.core.api import Evaluator
    from iipeval.core.scoring.params import ParamsError, load_parameter_parts

    files = [params] if isinstance(params, str) else list(params or [])
    try:
        ev = Evaluator(params=load_parameter_parts(files))
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
