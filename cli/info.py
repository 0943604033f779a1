"""``iipeval frameworks``, ``show``, ``schema`` and ``plugins``: what is loaded, read aloud."""

from __future__ import annotations

import click

from iipeval.cli.app import FORMAT, cli, evaluator, registered


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
    from iipeval.cli.criteria_text import framework_text

    rf = registered(evaluator(), framework_id)
    if fmt == "json":
        click.echo(render.dumps(render.framework_json(rf.framework, rf.plugin)))
    else:
        click.echo(framework_text(rf.framework, rf.plugin, rf.exclusions))


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
