"""``iipeval plugin``: scaffold a criteria-set plugin, check an installed one.

Both commands are thin: :mod:`iipeval.testing.scaffold` writes the package and
:func:`iipeval.testing.check_plugin` runs the conformance kit.
"""

from __future__ import annotations

import sys

import click

from iipeval.cli import door, render
from iipeval.cli.app import FORMAT, cli


@cli.group()
def plugin() -> None:
    """编写评价体系插件：生成插件骨架（new）、复制完整示例（example）、检查已安装的插件（check）。"""


@door.command(plugin, "new")
@click.argument("name")
@click.option(
    "--from",
    "parent",
    metavar="ID",
    help="继承已有的评价体系（如 hunan_comprehensive），只写与它不同的地方",
)
@click.option(
    "--points",
    is_flag=True,
    help="从一张按分值写的评分表（评分细则）起步：三级、分档、加分项、扣分项、等级、一票否决",
)
@click.option(
    "-o",
    "--output",
    type=door.OutputPath(folder=True),
    help="新建的插件文件夹（默认 ./iipeval-NAME，不能已存在）",
)
def new(run: door.Door, name: str, parent: str | None, points: bool, output: str | None) -> None:
    """生成一个独立的评价体系插件包（NAME：小写英文字母、数字、下划线）。

    \b
    iipeval plugin new hunan_changsha                 按权重写（原文未公布分值）
    iipeval plugin new hunan_changsha --points        按原文分值写（评分细则）
    iipeval plugin new hunan_changsha --from hunan_comprehensive
    cd iipeval-hunan-changsha && python -m pip install -e .
    iipeval plugin check hunan_changsha
    """
    from iipeval.testing.scaffold import ScaffoldError, create

    try:
        folder = create(name, output, parent=parent, points=points)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"无法写入 {output or name}：{exc.strerror}") from None
    module = f"iipeval_{name}"
    how = f"继承 {parent}，只写与它不同的地方" if parent else "起步模板，请按申报文件替换【待填写】"
    if points:
        how = "按分值写的评分表起步模板，请按评分细则替换分值和【待填写】"
    render.echo(f"已生成插件 {name}：{folder}（{how}）")
    render.echo(f"  评价体系：{folder / module / 'criteria.toml'}")
    render.echo("下一步：")
    render.echo(f"  cd {folder}")
    render.echo("  python -m pip install -e .")
    render.echo(f"  iipeval plugin check {name}")
    render.echo("  python -m pytest")


@door.command(plugin, "example")
@click.argument("name", required=False)
@click.option(
    "-o",
    "--output",
    type=door.OutputPath(folder=True),
    help="复制到的文件夹（默认 ./iipeval-NAME，不能已存在）",
)
def example(run: door.Door, name: str | None, output: str | None) -> None:
    """列出或复制 iipeval 自带的完整示例插件（不带 NAME 时列出）。

    \b
    iipeval plugin example                      列出示例及其所在位置
    iipeval plugin example points_demo          复制到 ./iipeval-points-demo
    cd iipeval-points-demo && python -m pip install -e .
    """
    from iipeval.testing import scaffold

    if name is None:
        for key, what in scaffold.EXAMPLES.items():
            render.echo(f"{key:<16} {what}")
            render.echo(f"{'':<16} 位置：{scaffold.example_folder(key)}")
        render.echo("iipeval 自带的评价体系（按权重写的完整体系，只供阅读参照）：")
        for path in scaffold.builtin_sets():
            render.echo(f"  {path}")
        render.echo("复制一份示例插件：iipeval plugin example 名称 [-o 文件夹]")
        return
    try:
        folder = scaffold.copy_example(name, output)
    except scaffold.ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"无法写入 {output or name}：{exc.strerror}") from None
    render.echo(f"已复制示例插件 {name}：{folder}")
    render.echo("下一步：")
    render.echo(f"  cd {folder}")
    render.echo("  python -m pip install -e .")
    render.echo(f"  iipeval plugin check {name}")


@door.command(plugin, "check")
@click.argument("name")
@click.option(
    "--update-golden",
    is_flag=True,
    help="按当前评分结果重写插件 examples/golden.json（有意修改权重或规则后使用）",
)
@FORMAT
def check(run: door.Door, name: str, update_golden: bool, fmt: str) -> None:
    """检查插件：NAME 为已安装插件的名称（iipeval plugins 可列出）。

    \b
    逐个检查该插件注册的评价体系：id 与权重、计分规则与数据项、原文与来源、专家评分细则、
    申报表生成—填写—读回、评分的确定性与说明、示例申报与 golden.json。
    有问题时退出码为 1。
    """
    from iipeval.testing import check_plugin, errors, registered_frameworks, report

    problems = check_plugin(name, update_golden=update_golden or None)
    failed = bool(errors(problems))
    if fmt == "json":
        render.echo(
            render.dumps(
                {
                    "plugin": name,
                    "passed": not failed,
                    "frameworks": registered_frameworks(name),
                    "problems": [
                        {
                            "severity": p.severity,
                            "code": p.code,
                            "framework": p.framework,
                            "indicator": p.indicator,
                            "message": str(p),
                        }
                        for p in problems
                    ],
                }
            )
        )
    else:
        render.echo(report(name, problems))
        if not failed:
            sets = registered_frameworks(name)
            if sets:
                render.echo(f"已检查的评价体系：{'、'.join(sets)}")
    sys.exit(1 if failed else 0)


@door.command(cli)
@click.option("--framework", "framework_id", metavar="ID", help="只列出该评价体系用到的数据项")
@FORMAT
def items(run: door.Door, framework_id: str | None, fmt: str) -> None:
    """列出共享数据项（id、名称、类型、单位、填报口径），供编写评价体系时直接引用。"""
    from iipeval.cli.app import evaluator, registered
    from iipeval.core.model.vocabulary import vocabulary

    shared = vocabulary()
    if framework_id:
        fw = registered(evaluator(), framework_id).framework
        chosen = fw.items
    else:
        chosen = list(shared.values())
    rows = [
        {
            "id": i.id,
            "label": i.label,
            "type": i.type,
            "unit": i.unit or "",
            "help": i.help or "",
            "shared": i.id in shared,
            **({"choices": i.choices} if i.choices else {}),
            **({"allow_na": True} if i.allow_na else {}),
        }
        for i in chosen
    ]
    if fmt == "json":
        render.echo(render.dumps(rows))
        return
    kinds = {"integer": "整数", "number": "数值", "percent": "百分比", "bool": "是/否"}
    kinds |= {"text": "文本", "choice": "选项"}
    for r in rows:
        own = "" if r["shared"] else "（本体系自定义）"
        unit = f"，单位：{r['unit']}" if r["unit"] else ""
        render.echo(f"{r['id']:<32} {r['label']}{own}［{kinds[r['type']]}{unit}］")
        if r["help"]:
            render.echo(f"{'':<32} 填报口径：{r['help']}")
    where = f"评价体系 {framework_id} 用到" if framework_id else "共享词表中"
    render.echo(f"（{where}的数据项共 {len(rows)} 个）")
