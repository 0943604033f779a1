"""Plain-text rendering for the terminal, in Chinese. JSON output needs no rendering."""

from __future__ import annotations

import json
from typing import Any

import click

from iipeval.core import voice
from iipeval.core.explain import STATUS_LABELS
from iipeval.core.model.criteria import Framework
from iipeval.core.model.results import Rejected, Result
from iipeval.core.text import cap, display_width, fmt, printable
from iipeval.present.view import panel_check_text

ItemLabel = voice.ItemLabel


def terminal(text: str) -> str:
    """``text`` safe to print (:func:`iipeval.core.text.printable`)."""
    return printable(text)


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Print text that may hold applicants' or files' strings: every line any command
    prints goes through here (``tests/test_door.py`` checks), so no control character
    from a file name or an applicant's text reaches the terminal raw."""
    click.echo(printable(str(text)), err=err, nl=nl)


def dumps(data: Any) -> str:
    """Stable JSON: same data, same bytes."""
    return json.dumps(data, ensure_ascii=False, indent=2)


def framework_json(fw: Framework, plugin: str) -> dict[str, Any]:
    items = fw.item_map()
    return {
        "id": fw.id,
        "name": fw.name,
        "plugin": plugin,
        "version": fw.version,
        "platform_type": fw.platform_type,
        "source": fw.source.model_dump(),
        "intro": fw.intro,
        "weights_note": fw.weights_note,
        "subtypes": [s.model_dump() for s in fw.subtypes],
        "dimensions": [
            {
                "id": d.id,
                "name": d.name,
                "requirement": d.requirement,
                "weight": d.weight,
                "rationale": d.rationale,
                "indicators": [
                    {
                        "id": i.id,
                        "name": i.name,
                        "description": i.description,
                        "weight": i.weight,
                        "kind": i.kind,
                        "rationale": i.rationale,
                        "items": [items[x].model_dump(exclude_none=True) for x in i.item_ids()],
                        "rule": i.rule.model_dump(),
                    }
                    for i in d.indicators
                ],
            }
            for d in fw.dimensions
        ],
        "general_items": [items[x].model_dump(exclude_none=True) for x in fw.general_items],
        "exclusions": [e.model_dump() for e in fw.exclusions],
        **_hierarchy_json(fw),
    }


def _hierarchy_json(fw: Framework) -> dict[str, Any]:
    """What sets written in points or deeper than two levels add to ``show --format json``."""
    out: dict[str, Any] = {}
    if fw.depth() > 2:
        out["groups"] = {
            d.id: [g.model_dump() for g in d.groups] for d in fw.dimensions if d.groups
        }
        out["indicator_groups"] = {i.id: i.group for _, i in fw.indicators() if i.group}
    for kind, part in (("bonus", fw.bonus), ("deduction", fw.deduction)):
        if part is not None:
            out[kind] = part.model_dump()
    if fw.bonus or fw.deduction:
        out["total_bounds"] = list(fw.total_bounds())
    if fw.inherited:
        out["inherited"] = [e.model_dump() for e in fw.inherited]
    return out


def result_text(r: Result, label: ItemLabel | None = None, in_points: bool = False) -> str:
    """One application's score card; ``label`` names data items in Chinese; ``in_points``:
    the set is a points table, so every level reads in the document's points (计分)."""
    lines = [f"━━ {cap(r.applicant)} ━━", f"来源：{r.source}", f"评价体系：{r.framework_name}"]
    if r.subtype:
        lines[-1] += f"（{r.subtype_name}）"
    if r.fictional:
        lines.append("（示例数据，非真实申报）")
    lines += _total_lines(r)
    if not r.accepted:
        lines.append(f"状态：{voice.NEEDS_FIX_STATUS}")
    check = panel_check_text(r)
    if check:
        lines.append(f"专家评分：{check}")
    lines.append("")
    for d in r.dimensions:
        lines += _dimension_lines(r, d, in_points)
    lines += _adjustment_lines(r)
    if r.findings:
        lines.append("")
        lines.append("问题清单：")
        lines.extend(f"  {x}" for x in voice.finding_lines(r.findings, group=False, label=label))
    lines.append("")
    lines.append(f"参数哈希：{r.provenance.parameters_hash}")
    return "\n".join(lines)


def _total_lines(r: Result) -> list[str]:
    """The total, its grade when the set has grades, base/bonus/deduction; a vetoed
    application says so first, and its total is marked as not counting."""
    lines = []
    if r.excluded:
        lines.append(f"否决：{voice.exclusion_text(r.exclusions)}，{voice.EXCLUDED}")
    if r.total is not None:
        grade = f"（{r.grade}）" if r.grade else ""
        veto = f"（已否决，{voice.EXCLUDED}，总分不参与排名）" if r.excluded else ""
        lines.append(f"总分：{fmt(r.total)}分{grade}{veto}")
    else:
        lines.append(f"总分：{voice.pending_total(r.secured, r.pending_points)}")
    if r.bonus is not None or r.deduction is not None:
        base = f"{fmt(r.base)}分" if r.base is not None else "待专家评分"
        lines.append(
            f"  其中：基础分{base}，加分{fmt(r.bonus or 0)}分，扣分{fmt(r.deduction or 0)}分"
        )
    return lines


def _got(points: float | None, full: float, status: str) -> str:
    """``14分（满分20分）``: points of a full mark, or the status while there are none."""
    return f"{fmt(points)}分（满分{fmt(full)}分）" if points is not None else STATUS_LABELS[status]


def _dimension_lines(r: Result, d, in_points: bool) -> list[str]:
    """A dimension, its groups and indicators; a points table speaks in points only."""
    if in_points:
        lines = [f"■ {d.name}：{_got(d.points, d.weight, d.status)}"]
    else:
        score = fmt(d.score) if d.score is not None else STATUS_LABELS[d.status]
        lines = [f"■ {d.name}：{score}（权重{fmt(d.weight)}分）"]
    shown: set[str] = set()
    for i in (x for x in r.indicators if x.dimension == d.id):
        for g in _group_chain(r, i.group) if i.group else []:
            if g.id not in shown:
                shown.add(g.id)
                lines.append(f"  ▸ {g.name}：{_got(g.points, g.weight, g.status)}")
        if in_points:
            lines.append(f"  · {i.name}：{_got(i.points, i.weight, i.status)}")
        else:
            s = f"{fmt(i.score)}分" if i.score is not None else STATUS_LABELS[i.status]
            pts = f"，计{fmt(i.points)}/{fmt(i.weight)}分" if i.points is not None else ""
            lines.append(f"  · {i.name}：{s}{pts}")
        lines.append(f"      {i.explanation}")
    return lines


def _adjustment_lines(r: Result) -> list[str]:
    """加分项 add points and 扣分项 take them: each says which."""
    lines = []
    for kind, word, value in (("bonus", "加分项", r.bonus), ("deduction", "扣分项", r.deduction)):
        if value is None:
            continue
        verb = "加" if kind == "bonus" else "扣"
        items = [x for x in r.adjustments if x.kind == kind]
        added = sum(x.points or 0.0 for x in items)
        capped = f"（各项合计{fmt(added)}分，按本部分上限计）" if added > value + 1e-9 else ""
        lines.append(f"■ {word}：{verb}{fmt(value)}分{capped}")
        for a in items:
            got = f"{verb}{fmt(a.points)}分" if a.points is not None else STATUS_LABELS[a.status]
            lines.append(f"  · {a.name}：{got}（本项最多{verb}{fmt(a.cap)}分）")
            lines.append(f"      {a.explanation}")
    return lines


def _group_chain(r: Result, group_id: str) -> list:
    """The group and the groups enclosing it, outermost first."""
    by_id = {g.id: g for g in r.groups}
    chain = []
    g = by_id.get(group_id)
    while g is not None:
        chain.append(g)
        g = by_id.get(g.parent)
    return chain[::-1]


def rejected_text(r: Rejected, label: ItemLabel | None = None) -> str:
    lines = [f"━━ {r.source}：无法评分 ━━"]
    lines.extend(f"  {x}" for x in voice.finding_lines(r.findings, group=False, label=label))
    return "\n".join(lines)


def validation_text(r: Result | Rejected, label: ItemLabel | None = None) -> str:
    """符合性审查 of one input: its verdict (通过 / 需补正 / 不予推荐), the 否决项 it already
    shows, every finding."""
    ok = not isinstance(r, Rejected) and r.accepted
    excluded = not isinstance(r, Rejected) and r.excluded
    lines = [f"{r.source}：{voice.verdict_text(ok, excluded, r.findings)}"]
    if excluded:
        lines.append(f"  [{voice.EXCLUDED}] {voice.excluded_reason(r.exclusions)}")
    lines.extend(
        f"  {x}" for x in voice.finding_lines(r.findings, with_file=False, group=False, label=label)
    )
    return "\n".join(lines)


def batch_text(batch) -> str:
    """One application: its full score card. Several: the rankings and what went wrong."""
    blocks = []
    if len(batch.standings) == 1:
        r = batch.result(batch.standings[0].source)
        blocks.append(result_text(r, _labels(batch, r.framework), batch.in_points(r.framework)))
    else:
        for ranking in batch.rankings:
            blocks.append(ranking_text(ranking))
    blocks.extend(rejected_text(r, _labels(batch, None)) for r in batch.rejected)
    if batch.findings:
        lines = [f"批次问题（{voice.counts_text(batch.findings)}）："]
        lines.extend(
            f"  {x}" for x in voice.finding_lines(batch.findings, group=False, label=_labels(batch))
        )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _labels(batch, framework: str | None = None) -> ItemLabel:
    """Data items named in Chinese, by ``framework``'s labels (``None``: any set's)."""
    return lambda item: batch.item_label(framework, item)


RANKING_HEADER = ("名次", "申报单位", "总分", "等级", "推荐结果")


def ranking_text(ranking, top: int | None = None) -> str:
    """One set's ranking as a table with its column headers; ``top`` cuts it for a summary."""
    title = ranking.framework_name + (f"（{ranking.subtype_name}）" if ranking.subtype else "")
    rows = [RANKING_HEADER]
    entries = ranking.entries if top is None else ranking.entries[:top]
    for e in entries:
        total = (
            fmt(e.total, fixed=True)
            if e.total is not None
            else f"已确定{fmt(e.secured, fixed=True)}分"
        )
        reason = f"（{e.outcome_reason}）" if e.outcome_reason else ""
        rank = str(e.rank) if e.rank is not None else "—"
        rows.append((rank, cap(e.applicant), total, e.grade or "—", e.outcome + reason))
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(RANKING_HEADER) - 1)]
    lines = [f"━━ {title} 排名 ━━"]
    for r in rows:
        cells = [c + " " * (w - display_width(c)) for c, w in zip(r, widths, strict=False)]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    if len(entries) < len(ranking.entries):
        lines.append(f"……共{len(ranking.entries)}份，完整排名见输出文件")
    return "\n".join(lines)


#: How many places of each set's ranking the summary after ``score -o`` shows.
SUMMARY_TOP = 10


def batch_summary(batch, targets) -> str:
    """What ``score -o`` says on the terminal: each set's ranking (its top places), the
    problems counted by severity, repeated batch warnings grouped, and the files written."""
    errors = sum(s.errors for s in batch.standings) + sum(
        f.severity == "error" for r in batch.rejected for f in r.findings
    )
    warnings = sum(s.warnings for s in batch.standings)
    others = sum(s.findings - s.errors - s.warnings for s in batch.standings)
    for f in batch.findings:
        errors += f.severity == "error"
        warnings += f.severity == "warning"
        others += f.severity == "notice"
    counts = [("错误", errors), ("警告", warnings), ("提示", others)]
    problems = "，".join(f"{w} {n} 条" for w, n in counts if n)
    problems = f"{problems}（逐条见输出文件的“问题清单”）" if problems else "无"
    blocks = [ranking_text(r, SUMMARY_TOP) for r in batch.rankings]
    blocks.extend(rejected_text(r, _labels(batch, None)) for r in batch.rejected)
    if batch.findings:
        lines = [f"批次问题（{voice.counts_text(batch.findings)}）："]
        lines.extend(f"  {x}" for x in voice.finding_lines(batch.findings, label=_labels(batch)))
        blocks.append("\n".join(lines))
    blocks.append(
        "\n".join(
            [
                f"已评分 {len(batch.standings)} 份，无法评分 {len(batch.rejected)} 份；"
                f"问题：{problems}",
                "已写出：" + "、".join(str(t) for t in targets),
            ]
        )
    )
    return "\n\n".join(blocks)
