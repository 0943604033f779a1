"""``iipeval weights questionnaire``: one AHP questionnaire per expert of the panel."""

from __future__ import annotations

from pathlib import Path

import click

from iipeval.cli.app import evaluator, registered
from iipeval.cli.weights.group import RI_OPTION, SAATY_OPTION, THRESHOLD_OPTION, weights
from iipeval.cli.weights.io import (
    subtype_id,
)
from iipeval.core.analysis.ahp_scale import (
    DEFAULT_RI,
)


@weights.command()
@click.argument("framework_id", metavar="ID")
@click.option("--subtype", help="子类型 id 或名称（如 特色型的 行业级 / 区域级）")
@click.option(
    "--panel",
    "panel_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="评审组文件（TOML），与 iipeval panel 相同",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="调查表输出文件夹",
)
@RI_OPTION
@THRESHOLD_OPTION
@SAATY_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的调查表")
def questionnaire(framework_id, subtype, panel_file, outdir, ri, threshold, saaty, force) -> None:
    """为评审组每位专家生成层次分析法（AHP）两两比较调查表（.xlsx，含实时一致性检验）。"""
    from iipeval.core.panel.roster import PanelError, load_panel
    from iipeval.excel.questionnaire.workbook import generate
    from iipeval.present.atomic import OutputExists

    fw = registered(evaluator(), framework_id).framework
    st = subtype_id(fw, subtype)
    try:
        panel = load_panel(panel_file)
    except PanelError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel") from None
    if panel.framework and panel.framework != fw.id:
        raise click.BadParameter(
            f"{panel_file}: 评审组限定评价体系 {panel.framework}，与 {fw.id} 不符",
            param_hint="--panel",
        )
    try:
        written = generate(
            fw,
            panel,
            Path(outdir),
            subtype=st,
            ri=ri or DEFAULT_RI,
            threshold=threshold,
            saaty=bool(saaty),
            force=force,
        )
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    from iipeval.core.analysis.ahp import comparison_groups

    sheets = len(comparison_groups(fw))
    for path, expert in written:
        who = f"{expert.id} {expert.name}".strip()
        click.echo(f"已生成 {path}（专家 {who}，{sheets}张比较表）")
