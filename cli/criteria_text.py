"""``iipeval show`` as text: a criteria set read aloud as its document prints it.

The numbers are the document's (:mod:`iipeval.core.model.numbering`), every part a reviewer
checks against the paper is here (levels, expert scales, 加分项 and 扣分项 with their
原文, 否决项, the total's bounds), and a sub-type's own weights are shown beside the
default ones rather than only in ``--format json``.
"""

from __future__ import annotations

from collections.abc import Iterable

from iipeval.core.model.criteria import Dimension, Framework, Group, Indicator
from iipeval.core.model.numbering import Numbers, numbers
from iipeval.core.scoring.params import Parameters, apply
from iipeval.core.text import fmt


def framework_text(fw: Framework, plugin: str, code_exclusions: Iterable = ()) -> str:
    """The whole set; ``code_exclusions``: 否决项 a plugin registered in code (id, name,
    rationale), listed after the set's own."""
    view = _View(fw)
    lines = _header(fw, plugin)
    for d in fw.dimensions:
        lines.append("")
        lines += view.dimension(d)
    lines += _adjustments(fw, view.numbers)
    lines += _exclusions(fw, list(code_exclusions))
    return "\n".join(lines)


def source_notes(fw: Framework) -> list[str]:
    """What the organiser checks in the set's source before using it (a year inferred, the
    transcription corrected): for ``show`` and for whoever makes the application
    workbooks, never for the applicants who fill them in."""
    src = fw.source
    lines = [f"年份说明：{src.year_note}"] if src.year_note else []
    for c in src.corrections:
        note = f"（{c.note}）" if c.note else ""
        lines.append(f"勘误：原转录“{c.transcribed}”按官方用语作“{c.official}”{note}")
    return lines


def _header(fw: Framework, plugin: str) -> list[str]:
    src = fw.source
    lines = [
        f"{fw.name}（{fw.id}，版本 {fw.version}，插件 {plugin}）",
        f"依据：{src.issuer}《{src.document}》{src.attachment}（{src.year}年）",
    ]
    if src.url:
        lines.append(f"原文链接：{src.url}")
    for e in fw.inherited:
        whose = []
        if e.dimensions:
            whose.append(f"维度 {'、'.join(e.dimensions)}")
        if e.indicators:
            whose.append(f"指标 {'、'.join(e.indicators)}")
        if e.intro:
            whose.append("总体要求")
        lines.append(
            f"继承自 {e.framework}：{e.source.issuer}《{e.source.document}》（{e.source.year}年）"
            f"——{'，'.join(whose) or '无'}的原文出自该文件"
        )
    lines.extend(source_notes(fw))
    if fw.subtypes:
        lines.append("申报类型：" + "、".join(f"{s.name}（{s.id}）" for s in fw.subtypes))
        if any(s.weights for s in fw.subtypes):
            lines.append("  各申报类型的分值不同之处，在各项默认分值后以“；类型 分值”列出")
    c = fw.counts()
    lines.append(f"共{c['dimensions']}个维度、{c['indicators']}项指标、{c['items']}个数据项")
    lines.append(f"注：{fw.weights_note}")
    grades = fw.total_grades()
    if grades:
        bands = "、".join(f"{g.name}≥{fmt(g.min)}" if g.min else g.name for g in grades)
        lines.append(f"总分等级：{bands}")
    return lines


class _View:
    """The dimension tree with the document's numbers and each sub-type's points."""

    def __init__(self, fw: Framework) -> None:
        self.fw = fw
        self.numbers = numbers(fw)
        self.items = fw.item_map()
        self.by_subtype = []
        for st in fw.subtypes:
            if st.weights:
                eff = apply(fw, Parameters(), st.id)
                points = eff.dimension_points | eff.group_points | eff.indicator_points
                self.by_subtype.append((st.name, points))

    def points(self, node: Dimension | Group | Indicator) -> str:
        """``20分``, and ``；行业级18分、区域级22分`` where a sub-type gives other points."""
        text = f"{fmt(node.weight)}分"
        other = [
            f"{name}{fmt(p[node.id])}分"
            for name, p in self.by_subtype
            if abs(p.get(node.id, node.weight) - node.weight) > 1e-9
        ]
        return text + (f"；{'、'.join(other)}" if other else "")

    def dimension(self, d: Dimension) -> list[str]:
        lines = [f"{self.numbers.titled(d.id, d.name)}（{self.points(d)}）"]
        if d.requirement:
            lines.append(f"  能力要求：{d.requirement}")
        for g in d.groups:
            lines += self.group(d, g, "  ")
        for ind in (i for i in d.indicators if i.group is None):
            lines += self.indicator(ind, "  ")
        return lines

    def group(self, d: Dimension, g: Group, indent: str) -> list[str]:
        lines = [f"{indent}{self.numbers.titled(g.id, g.name)}（{self.points(g)}）"]
        if g.description:
            lines.append(f"{indent}  说明：{g.description}")
        for sub in g.groups:
            lines += self.group(d, sub, indent + "  ")
        for ind in (i for i in d.indicators if i.group == g.id):
            lines += self.indicator(ind, indent + "  ")
        return lines

    def indicator(self, ind: Indicator, indent: str) -> list[str]:
        lines = [
            f"{indent}{self.numbers.titled(ind.id, ind.name)}（{self.points(ind)}，{ind.kind}）"
        ]
        lines.append(f"{indent}   评价内容：{ind.description}")
        labels = "、".join(self.items[x].label for x in ind.item_ids())
        if labels:
            lines.append(f"{indent}   数据项：{labels}")
        for pid, r in ind.expert_parts():
            lines.append(f"{indent}   专家评分项 {pid}：{r.aspect}")
            for name, low, high, text in r.scale() if r.grades else []:
                span = fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"
                said = f"：{text}" if text.strip() else ""
                lines.append(f"{indent}     {name}（{span}分）{said}")
        return lines


def _adjustments(fw: Framework, nums: Numbers) -> list[str]:
    """加分项 and 扣分项 with their 原文, then how the total is made and bounded."""
    lines: list[str] = []
    for kind, part in (("bonus", fw.bonus), ("deduction", fw.deduction)):
        if part is None:
            continue
        verb = "加" if kind == "bonus" else "扣"
        lines.append("")
        cap = f"（最多{verb}{fmt(part.cap)}分）" if part.cap is not None else ""
        lines.append(f"{nums.titled(kind, part.name)}{cap}")
        if part.description:
            lines.append(f"  说明：{part.description}")
        for a in part.items:
            text = f"：{a.description}" if a.description else ""
            lines.append(f"  {nums.titled(a.id, a.name)}（最多{verb}{fmt(a.cap)}分）{text}")
    if fw.bonus or fw.deduction:
        lo, hi = fw.total_bounds()
        lines.append("")
        lines.append(f"总分 = 基础分 + 加分 − 扣分，不低于{fmt(lo)}分、不高于{fmt(hi)}分")
    return lines


def _exclusions(fw: Framework, in_code: list) -> list[str]:
    """否决项: what makes an application 不予推荐 whatever its points."""
    if not fw.exclusions and not in_code:
        return []
    items = fw.item_map()
    lines = ["", "否决项（一票否决，不予推荐）："]
    for e in fw.exclusions:
        if e.item is not None:
            when = e.when if isinstance(e.when, str) else ("是" if e.when else "否")
            label = items[e.item].label
            rule = f"{'申报表中' if label == e.name else label}填“{when}”的不予推荐"
        else:
            where = e.region_name or f"行政区划{e.credit_code_region}"
            rule = f"统一社会信用代码显示申报单位不在{where}登记（代码第3–8位不以{e.credit_code_region}开头）"
        lines.append(f"  · {e.name}：{rule}")
        lines.append(f"      依据：{e.rationale}")
    for e in in_code:
        lines.append(f"  · {e.name}（插件代码判定）")
        lines.append(f"      依据：{e.rationale}")
    return lines
