"""The ``iipeval`` command: a thin adapter over :class:`iipeval.core.api.Evaluator`.

Exit codes: 0 all inputs fine, 1 at least one input rejected (unreadable, or with errors
that need 补正), 2 usage error (bad option, unknown criteria set, bad parameters file).
"""

from __future__ import annotations

import sys

import click

from iipeval.core import __version__
from iipeval.core.api import Evaluator
from iipeval.core.application import application_schema
from iipeval.core.host import ENV_VAR, UnknownFramework
from iipeval.core.params import ParamsError, load_parameters
from iipeval.core.results import Rejected

from . import inputs, render

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iipeval")
def cli() -> None:
    """iipeval：工业互联网平台申报评价（评价体系以插件形式加载）。"""


def evaluator(params: str | None = None) -> Evaluator:
    try:
        ev = Evaluator(params=load_parameters(params))
        ev.check_parameters()
    except ParamsError as exc:
        raise click.BadParameter(str(exc), param_hint="--params") from None
    for problem in ev.host.problems:
        click.echo(f"警告：{problem}", err=True)
    return ev


def registered(ev: Evaluator, framework_id: str):
    try:
        return ev.framework(framework_id)
    except UnknownFramework as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None


@cli.command()
@FORMAT
def frameworks(fmt: str) -> None:
    """列出已加载的评价体系。"""
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
    rf = registered(evaluator(), framework_id)
    if fmt == "json":
        click.echo(render.dumps(render.framework_json(rf.framework, rf.plugin)))
    else:
        click.echo(render.framework_text(rf.framework, rf.plugin))


@cli.command()
@click.argument("framework_id", metavar="ID")
def schema(framework_id: str) -> None:
    """输出该评价体系申报数据的 JSON Schema。"""
    rf = registered(evaluator(), framework_id)
    click.echo(render.dumps(application_schema(rf.framework)))


@cli.command()
@FORMAT
def plugins(fmt: str) -> None:
    """列出已加载的插件、版本及其实现的钩子。"""
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
        click.echo(f"    钩子：{', '.join(r['hooks']) or '无'}{sets}")
    click.echo(f"（可用环境变量 {ENV_VAR} 限定加载的插件，多个以逗号分隔）")


def _score_all(ev: Evaluator, files: tuple[str, ...], framework: str | None):
    if framework:
        registered(ev, framework)
    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    return [ev.score_loaded(inputs.read(p, ev), framework) for p in paths]


def _failed(results) -> bool:
    return any(isinstance(r, Rejected) or not r.accepted for r in results)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@FORMAT
def validate(files, framework, fmt) -> None:
    """符合性审查：检查申报数据的完整性与一致性，列出全部问题及其位置。"""
    ev = evaluator()
    results = _score_all(ev, files, framework)
    rows = []
    for r in results:
        ok = not isinstance(r, Rejected) and r.accepted
        rows.append(
            {
                "file": r.source,
                "framework": None if isinstance(r, Rejected) else r.framework,
                "valid": ok,
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
        for row in rows:
            head = "通过" if row["valid"] else "未通过"
            click.echo(f"{row['file']}：{head}（{len(row['findings'])}条问题）")
            for f in row["findings"]:
                where = (f["cell"] and f"{f['sheet']}!{f['cell']}") or f["item"] or ""
                click.echo(f"  [{f['severity']}] {where} {f['message']}".rstrip())
    sys.exit(1 if _failed(results) else 0)


def main() -> None:
    cli(prog_name="iipeval")


# Commands defined in their own modules register themselves on ``cli`` when imported.
from . import plugin, review, robustness, score, weights, workbook  # noqa: E402, F401
