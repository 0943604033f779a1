"""One reading of a Batch shared by the workbook and the CSV, so they cannot disagree.

Applications are taken ranking by ranking (criteria sets in the batch's order) and, in
each, in the ranking's order: ranked ones by rank, then those not ranked (待专家评分,
不予推荐, 需补正). That is the order of the score cards and of the CSV rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: ``validate`` renders without the batch machinery
    from iipeval.core.model.results import PanelDetail, Result
    from iipeval.core.round.batch import Batch
    from iipeval.core.round.ranking import RankEntry, Ranking

from iipeval.core.model.application import SUMMARY_ID
from iipeval.core.text import fmt
from iipeval.present.labels import method_label, set_label


@dataclass(frozen=True)
class Row:
    ranking: Ranking
    entry: RankEntry
    result: Result

    @property
    def set_label(self) -> str:
        return set_label(self.ranking.framework_name, self.ranking.subtype_name)


def rows(batch: Batch) -> Iterator[Row]:
    """Every scored application once, in ranking order, with its ranking entry and its full
    result (read one at a time, so a spooled batch never sits whole in memory)."""
    for ranking in batch.rankings:
        for entry in ranking.entries:
            yield Row(ranking, entry, batch.result(entry.source))


def place(result: Result, indicator) -> str:
    """Where an indicator sits: "平台能力", or "平台能力／连接能力" in a deeper set."""
    dims = {d.id: d.name for d in result.dimensions}
    groups = {g.id: g for g in result.groups}
    names, group = [], indicator.group
    while group is not None and group in groups:
        names.append(groups[group].name)
        group = groups[group].parent
    return "／".join([dims.get(indicator.dimension, indicator.dimension), *reversed(names)])


def params_key(framework: str, subtype: str | None) -> str:
    """The key of a criteria set in ``Batch.parameters`` (``hunan_characteristic/regional``)."""
    return f"{framework}/{subtype}" if subtype else framework


def disagreement_threshold(batch: Batch, framework: str, subtype: str | None) -> float | None:
    values = batch.parameters.get(params_key(framework, subtype), {}).get("values", {})
    value = values.get("aggregation", {}).get("disagreement_spread")
    return float(value) if isinstance(value, int | float) else None


def experts_text(p: PanelDetail) -> str:
    """``专家A 88、专家B 84（去掉）、专家C 70（计入20%）…``: every expert's score, those the
    rule set aside marked, and those on its boundary with the share they count for."""
    full = max(p.weights.values(), default=0.0)

    def mark(e: str) -> str:
        if e not in p.kept:
            return "（去掉）"
        w = p.weights.get(e)
        if w is None or full <= 0 or w >= full - 1e-12:
            return ""
        return f"（计入{fmt(100 * w / full)}%）"

    return "、".join(f"{e} {fmt(s)}{mark(e)}" for e, s in p.experts.items())


def panel_text(p: PanelDetail) -> str:
    """``专家A 88、专家B 84（去掉）…；去掉最高、最低各20%后平均 85.33，极差 11``."""
    how = p.rule or method_label(p.method)
    text = f"{experts_text(p)}；{how} {fmt(p.score)}，极差 {fmt(p.spread)}"
    return text + ("，需复议" if p.disagreement else "")


def panel_check_text(r: Result) -> str | None:
    """Whose expert scores count in a result, in one line (``None``: no review forms given):
    who counted, who recused, who is missing, who was refused, and the rule."""
    check = r.panel_check
    if check is None:
        return None
    head = "已按评审组登记核验" if check.verified else "评审组未核验（未提供评审组登记）"
    if check.counted == [SUMMARY_ID]:
        text = f"{head}；评审组会议评审汇总表（合议评分）"
    else:
        text = f"{head}；计入专家：{'、'.join(check.counted) or '无'}"
    if check.recused:
        text += f"；回避：{'、'.join(check.recused)}"
    if check.missing:
        text += f"；缺评：{'、'.join(check.missing)}"
    if check.refused:
        refused = "、".join(sorted({x.expert or "未标明" for x in check.refused}))
        text += f"；未计入：{refused}（见问题清单）"
    if check.rule:
        text += f"；汇总规则：{check.rule}"
    return text
