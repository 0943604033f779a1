"""``iipeval template``: write the application workbook (申报表) of a criteria set.

Reading filled workbooks needs no command of its own: ``iipeval validate`` and
``iipeval score`` hand ``.xlsx`` files to :func:`iipeval.excel.application.reader.read_workbook`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import cli, evaluator, registered
from iipeval.cli.criteria_text import source_notes
from iipeval.excel.application.template import write


@door.command(cli)
@click.argument("framework_id", metavar="[ID]", required=False)
@click.option(
    "--subtype", help="预先选定申报类型（如 行业级 / 区域级），不填则由申报单位在表中选择"
)
@click.option("--all", "all_", is_flag=True, help="为每个已加载的评价体系各生成一份申报表")
@click.option(
    "-o",
    "--output",
    required=True,
    type=door.OutputPath(either=True),
    help="输出文件（.xlsx，加 --xlsm 时为 .xlsm）；使用 --all 时为输出文件夹",
)
@click.option(
    "--xlsm",
    is_flag=True,
    help="生成启用宏的 .xlsm：含校验、评分、报告按钮与 Excel 函数（需 Excel 与 xlwings 加载项）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的申报表")
def template(
    run: door.Door,
    framework_id: str | None,
    subtype: str | None,
    all_: bool,
    output: str,
    xlsm: bool,
    force: bool,
) -> None:
    """生成评价体系的申报表模板（.xlsx；加 --xlsm 为启用宏的 .xlsm）。

    \b
    iipeval template national_2023 -o 申报表.xlsx
    iipeval template hunan_characteristic --subtype 行业级 -o 行业级.xlsx
    iipeval template --all -o workbooks/
    iipeval template national_2023 --xlsm -o 申报表.xlsm
    """
    ev = evaluator()
    suffix = ".xlsm" if xlsm else ".xlsx"
    if all_ == bool(framework_id):
        raise click.UsageError("请指定一个评价体系 ID，或使用 --all（二者选一）")
    if all_:
        targets = _all_targets(ev, Path(output), subtype, suffix)
    else:
        targets = [_one_target(ev, framework_id, Path(output), subtype, suffix, xlsm)]
    run.outputs([p for _, p in targets])
    made = {}

    def write_one(fw, path, tmp):
        made[path] = _writer(xlsm)(fw, tmp, subtype)

    try:
        run.commit({path: partial(write_one, fw, path) for fw, path in targets})
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--subtype") from None
    for fw, path in targets:
        p = made[path]
        kind = f"，申报类型：{p.subtype.name}" if p.subtype else ""
        render.echo(f"已生成 {path}（{fw.name}，{len(fw.items)}个数据项{kind}）")
    for fw in {fw.id: fw for fw, _ in targets}.values():
        notes = [*source_notes(fw), f"权重：{fw.weights_note}申报表不含权重与分值。"]
        render.echo(f"组织方请核对（不写入申报表）：{fw.name}")
        render.echo("\n".join(f"  {n}" for n in notes))


def _writer(xlsm: bool):
    """The workbook writer: plain .xlsx, or .xlsm with the buttons and functions."""
    if not xlsm:
        return write
    from iipeval.excel.xlsm import XlsmError, write_application_xlsm

    def writer(fw, path, subtype):
        try:
            return write_application_xlsm(fw, path, subtype)
        except XlsmError as exc:
            raise click.ClickException(str(exc)) from None

    return writer


def _all_targets(ev, outdir: Path, subtype: str | None, suffix: str) -> list:
    """``--all``: one workbook per loaded set in the folder ``outdir``."""
    if subtype:
        raise click.UsageError("--subtype 只能与单个评价体系一起使用")
    if outdir.suffix.lower() in (".xlsx", ".xlsm"):
        raise click.UsageError("使用 --all 时 -o 应为文件夹")
    targets = [(rf.framework, outdir / f"{rf.framework.id}{suffix}") for rf in ev.frameworks()]
    if not targets:
        raise click.ClickException("没有已加载的评价体系，未生成任何申报表")
    return targets


def _one_target(ev, framework_id: str, path: Path, subtype, suffix: str, xlsm: bool) -> tuple:
    """One set's workbook: ``path``, or a name made for it inside the folder ``path``."""
    fw = registered(ev, framework_id).framework
    if path.is_dir():
        if xlsm and subtype and fw.subtype(subtype):  # ASCII names for xlwings
            subtype_part = "_" + fw.subtype(subtype).id
        else:
            subtype_part = "_" + subtype if subtype else ""
        path = path / f"{fw.id}{subtype_part}{suffix}"
    elif path.suffix.lower() != suffix:
        raise click.BadParameter(f"输出文件应以 {suffix} 结尾", param_hint="-o")
    return fw, path
