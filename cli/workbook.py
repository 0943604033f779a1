"""``iipeval template``: write the application workbook (申报表) of a criteria set.

Reading filled workbooks needs no command of its own: ``iipeval validate`` and
``iipeval score`` hand ``.xlsx`` files to :func:`iipeval.excel.reader.read_workbook`.
"""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.excel.template import write

from .main import cli, evaluator, registered


@cli.command()
@click.argument("framework_id", metavar="[ID]", required=False)
@click.option(
    "--subtype", help="预先选定申报类型（如 行业级 / 区域级），不填则由申报单位在表中选择"
)
@click.option("--all", "all_", is_flag=True, help="为每个已加载的评价体系各生成一份申报表")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="输出文件（.xlsx）；使用 --all 时为输出文件夹",
)
def template(framework_id: str | None, subtype: str | None, all_: bool, output: str) -> None:
    """生成评价体系的申报表模板（.xlsx）。

    \b
    iipeval template national_2023 -o 申报表.xlsx
    iipeval template hunan_characteristic --subtype 行业级 -o 行业级.xlsx
    iipeval template --all -o workbooks/
    """
    ev = evaluator()
    if all_ == bool(framework_id):
        raise click.UsageError("请指定一个评价体系 ID，或使用 --all（二者选一）")
    if all_:
        if subtype:
            raise click.UsageError("--subtype 只能与单个评价体系一起使用")
        outdir = Path(output)
        if outdir.suffix.lower() == ".xlsx":
            raise click.UsageError("使用 --all 时 -o 应为文件夹")
        outdir.mkdir(parents=True, exist_ok=True)
        targets = [(rf.framework, outdir / f"{rf.framework.id}.xlsx") for rf in ev.frameworks()]
        if not targets:
            raise click.ClickException("没有已加载的评价体系，未生成任何申报表")
    else:
        fw = registered(ev, framework_id).framework
        path = Path(output)
        if path.is_dir():
            path = path / f"{fw.id}{'_' + subtype if subtype else ''}.xlsx"
        elif path.suffix.lower() != ".xlsx":
            raise click.BadParameter("输出文件应以 .xlsx 结尾", param_hint="-o")
        targets = [(fw, path)]
    for fw, path in targets:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            p = write(fw, path, subtype)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--subtype") from None
        except OSError as exc:
            raise click.ClickException(f"无法写入 {path}：{exc.strerror}") from None
        items = len(fw.items)
        kind = f"，申报类型：{p.subtype.name}" if p.subtype else ""
        click.echo(f"已生成 {path}（{fw.name}，{items}个数据项{kind}）")
