"""Plausible, deterministic sample answers for any criteria set, and a workbook filler.

The kit fills a set's application workbook with these figures, reads it back and scores
it; the scaffold writes them as the new plugin's example application. Figures respect
each item's type and bounds, the set's ``le`` checks and its exclusions (nobody is
excluded), and the applicant's credit code lies in every region the set requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl

from iipeval.core.model.application import Applicant, Application, ExpertReview
from iipeval.core.model.criteria import Framework
from iipeval.core.scoring.validation import credit_code_check_char

EXPERT_SCORES = (82, 76, 88)
EXPERTS = ("专家A", "专家B", "专家C")


def figures(fw: Framework) -> dict[str, Any]:
    """One answer per data item of ``fw``: counts, amounts, percentages, yes/no, text."""
    out: dict[str, Any] = {}
    excluded = {e.item: e.when for e in fw.exclusions if e.item is not None}
    for n, item in enumerate(fw.items):
        lo, hi = item.bounds()
        if item.id in excluded:
            when = excluded[item.id]
            if isinstance(when, bool):
                out[item.id] = not when
            else:  # a choice or text answer that excludes: answer anything else
                options = [c for c in item.choices or [] if c != when]
                out[item.id] = options[0] if options else "否"
        elif item.type == "bool":
            out[item.id] = n % 3 != 0
        elif item.type == "choice":
            out[item.id] = (item.choices or ["—"])[0]
        elif item.type == "text":
            out[item.id] = "示例文字"
        elif item.type == "percent":
            out[item.id] = _within(35, lo, hi)
        elif item.type == "number":
            out[item.id] = _within(1234.5 + 10 * n, lo, hi)
        else:
            out[item.id] = int(_within(1000 * (n % 7 + 1) + 37 * n, lo, hi))
    for _ in range(len(fw.checks) + 1):  # settle chains of le-checks
        for c in fw.checks:
            left = out.get(c.left)
            rights = [out.get(r) for r in c.right_items]
            if not _is_number(left) or not all(_is_number(v) for v in rights):
                continue
            cap = c.factor * sum(rights)
            if left > cap:
                out[c.left] = int(cap) if fw.item(c.left).type == "integer" else cap
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _within(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None and x < lo:
        x = lo
    if hi is not None and x > hi:
        x = hi
    return x


def credit_code(fw: Framework) -> str:
    """A valid 统一社会信用代码 registered inside every region the set's exclusions require."""
    regions = sorted(
        (e.credit_code_region for e in fw.exclusions if e.credit_code_region),
        key=len,
        reverse=True,
    )
    division = (regions[0] if regions else "430100").ljust(6, "0")
    first17 = f"91{division}MA4L16JQ9"
    return first17 + credit_code_check_char(first17)


def applicant(fw: Framework) -> dict[str, str]:
    return {
        "name": "（示例）示例工业互联网科技有限公司",
        "platform_name": "（示例）示例工业互联网平台",
        "credit_code": credit_code(fw),
        "region": "（示例）某市某区",
        "contact": "（示例）张工",
        "phone": "0731-00000000",
    }


def reviews(fw: Framework) -> list[ExpertReview]:
    """Three experts who scored every qualitative part, so totals are final."""
    parts = [(pid, rule) for pid, _, rule in fw.expert_parts()]
    if not parts:
        return []
    return [
        ExpertReview(
            expert=name,
            # on each part's own full mark: points when the set is written in points
            scores={p: score if r.out_of is None else score * r.out_of / 100 for p, r in parts},
        )
        for name, score in zip(EXPERTS, EXPERT_SCORES, strict=True)
    ]


def application(
    fw: Framework, subtype: str | None = None, values: Mapping[str, Any] | None = None
) -> Application:
    return Application(
        framework=fw.id,
        subtype=subtype,
        applicant=Applicant(**applicant(fw)),
        items=dict(figures(fw) if values is None else values),
        fictional=True,
    )


def submission_json(fw: Framework, subtype: str | None = None) -> dict[str, Any]:
    """A JSON application as ``iipeval score`` reads it (scores never travel with it)."""
    app = application(fw, subtype)
    return {"application": app.model_dump(mode="json", exclude_none=True, exclude_defaults=False)}


def reviews_json(fw: Framework) -> list[dict[str, Any]]:
    """The sample experts' scores as a JSON review file, naming the sample application."""
    key = credit_code(fw)
    return [
        {**r.model_dump(mode="json", exclude_defaults=True), "application": key}
        for r in reviews(fw)
    ]


def fill_workbook(
    path: Path,
    slots: Mapping[str, tuple[str, str]],
    values: Mapping[str, Any],
    who: Mapping[str, str],
    subtype_name: str | None = None,
) -> None:
    """Type the answers into a generated template, cell by cell, as an applicant would.

    ``slots`` maps slot keys (item ids, ``applicant.<field>``, ``subtype``) to (sheet,
    cell), as the template's plan lists them. Yes/no answers are typed as 是/否.
    """
    wb = openpyxl.load_workbook(path)
    entries: dict[str, Any] = {f"applicant.{k}": v for k, v in who.items()}
    if subtype_name is not None:
        entries["subtype"] = subtype_name
    entries.update(values)
    for key, value in entries.items():
        if key not in slots:
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        sheet, cell = slots[key]
        wb[sheet][cell] = value
    wb.save(path)
