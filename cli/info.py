"""``iipeval frameworks``, ``show``, ``schema`` and ``plugins``: what is loaded, read aloud."""

from __future__ import annotations

import click

from iipeval.cli import door, render
from iipeval.cli.app import FORMAT, cli, evaluator, registered


@door.command(cli)
@FORMAT
def frameworks(run: door.Door, fmt: str) -> None:
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
        render.echo(render.dumps(rows))
        return
    for r in rows:
        render.echo(f"{r['id']:<24} {r['name']}（插件 {r['plugin']}，版本 {r['version']}）")


@door.command(cli)
@click.argument("framework_id", metavar="ID")
@FORMAT
def show(run: door.Door, framework_id: str, fmt: str) -> None:
    """显示评价体系的维度、指标（原文）与数据项。"""
    from iipeval.cli.criteria_text import framework_text

    rf = registered(evaluator(), framework_id)
    if fmt == "json":
        render.echo(render.dumps(render.framework_json(rf.framework, rf.plugin)))
    else:
        render.echo(framework_text(rf.framework, rf.plugin, rf.exclusions))


@door.command(cli)
@click.argument("framework_id", metavar="ID")
def schema(run: door.Door, framework_id: str) -> None:
    """输出该评价体系申报数据的 JSON Schema。"""
    from iipeval.core.model.application import application_schema

    rf = registered(evaluator(), framework_id)
    render.echo(render.dumps(application_schema(rf.framework)))


@door.command(cli)
@FORMAT
def plugins(run: door.Door, fmt: str) -> None:
    """列出已加载的插件、版本及其实现的钩子。"""
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
        render.echo(render.dumps({"plugins": rows, "problems": problems}))
        return
    for r in rows:
        sets = f"；评价体系：{', '.join(r['frameworks'])}" if r["frameworks"] else ""
        render.echo(f"{r['name']} {r['version']}（{r['origin']}）")
        render.echo(f"    钩子：{'、'.join(r['hooks']) or '无'}{sets}")
    render.echo(f"（可用环境变量 {ENV_VAR} 限定加载的插件，多个以逗号分隔）")
