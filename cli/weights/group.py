"""``iipeval weights``: weights with a stated origin (AHP questionnaires, one matrix,
objective weights from the data), written as a parameters file ``score --params`` accepts.

This module is the group and the options its commands share; each command is a module of
this package, imported when it runs. The numbers come from :mod:`iipeval.core.analysis`,
the workbooks from :mod:`iipeval.excel.questionnaire`; every outside file is read through
:func:`.io.isolated`.
"""

from __future__ import annotations

import click

from iipeval.cli import door
from iipeval.cli.app import LazyGroup, cli
from iipeval.core.analysis.ahp_scale import (  # the choices only; the numerics load when used
    CR_THRESHOLD,
    DEFAULT_RI,
    METHODS,
    RI_TABLES,
)

RI_OPTION = click.option(
    "--ri",
    type=click.Choice(sorted(RI_TABLES)),
    default=None,
    help=f"随机一致性指标表（默认 {DEFAULT_RI}：Saaty 1980；汇总时默认取调查表生成时的设置）",
)
METHOD_OPTION = click.option(
    "--method",
    type=click.Choice(METHODS),
    default="geometric",
    show_default=True,
    help="权重计算方法：行几何平均（调查表实时公式所用）或主特征向量",
)
SAATY_OPTION = click.option(
    "--saaty-limits/--flat-limit",
    "saaty",
    default=None,
    help="采用 Saaty 对小矩阵的较严限值（3项 CR<0.05、4项 CR<0.08、5项及以上按阈值）；"
    "汇总时默认取调查表生成时的设置",
)
THRESHOLD_OPTION = click.option(
    "--threshold",
    type=door.Finite(min=0, min_open=True, max=1),
    default=CR_THRESHOLD,
    show_default=True,
    help="一致性比率 CR 的通过阈值（CR 小于该值为通过）",
)


#: subcommands, each in a module of this package → (module, its one-line help)
COMMANDS = {
    "questionnaire": (
        "questionnaire",
        "为评审组每位专家生成层次分析法（AHP）两两比较调查表（.xlsx，含实时一致性检验）。",
    ),
    "derive": (
        "derive",
        "读取专家交回的调查表（文件、文件夹或通配符），计算各专家 CR 与群组权重，写出参数文件。",
    ),
    "ahp": (
        "ahp",
        "计算一个判断矩阵（.csv 或 .xlsx，首行、首列为名称）的权重、λmax、CI 与 CR。",
    ),
    "objective": (
        "objective",
        "客观赋权：由一批申报的指标得分（或 --matrix 数据矩阵）计算熵权法或 CRITIC 权重。",
    ),
}


@cli.group(cls=LazyGroup, lazy=COMMANDS, package=__package__)
def weights() -> None:
    """权重的来源：层次分析法调查表、单个判断矩阵、客观赋权（熵权法、CRITIC）。"""


# --------------------------------------------------------------------------------------
# iipeval weights questionnaire


# --------------------------------------------------------------------------------------
# iipeval weights derive


# --------------------------------------------------------------------------------------
# iipeval weights ahp
