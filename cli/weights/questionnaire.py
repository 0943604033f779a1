"""``iipeval weights questionnaire``: one AHP questionnaire per expert of the panel, written
as one set under the folder's lock."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from iipeval.cli import door, render
from iipeval.cli.app import evaluator, registered
from iipeval.cli.weights.group import RI_OPTION, SAATY_OPTION, THRESHOLD_OPTION, weights
from iipeval.cli.weights.io import subtype_id
from iipeval.core.analysis.ahp_scale import DEFAULT_RI


@door.command(weights)
@click.argument("framework_id", metavar="ID")
@click.option("--subtype", help="子类型 id 或名称（如 特色型的 行业级 / 区域级）")
@click.option(
    "--panel",
    "panel_file",
    required=True,
    type=door.InputFile(),
    help="评审组文件（TOML），与 iipeval panel 相同",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=door.OutputPath(folder=True),
    help="调查表输出文件夹",
)
@RI_OPTION
@THRESHOLD_OPTION
@SAATY_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的调查表")
def questionnaire(
    run: door.Door, framework_id, subtype, panel_file, outdir, ri, threshold, saaty, force
) -> None:
    """为评审组每位专家生成层次分析法（AHP）两两比较调查表（.xlsx，含实时一致性检验）。"""
    from iipeval.core.analysis.ahp import comparison_groups
    from iipeval.core.panel.roster import PanelError, load_panel
    from iipeval.excel.questionnaire.workbook import file_name

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
    folder = Path(outdir)
    targets = [(folder / file_name(panel.id, e.id, fw.id, st), e) for e in panel.experts]
    run.outputs([p for p, _ in targets], folder)  # before any work
    roster = tuple(e.id for e in panel.experts)
    settings = (st, ri or DEFAULT_RI, threshold, bool(saaty), roster)
    run.commit({path: partial(_write, fw, panel.id, expert, settings) for path, expert in targets})
    sheets = len(comparison_groups(fw))
    for path, expert in targets:
        who = f"{expert.id} {expert.name}".strip()
        render.echo(f"已生成 {path}（专家 {who}，{sheets}张比较表）")


def _write(fw, panel_id: str, expert, settings: tuple, tmp: Path) -> None:
    from iipeval.excel.questionnaire.workbook import build, saved_bytes

    door.bytes_writer(saved_bytes(build(fw, panel_id, expert, *settings)))(tmp)
