"""An application's total as an affine function of the expert scores.

With the applicant's figures fixed, every rule type combines expert scores linearly, so
``total = constant + Σ coefficient[part] × score[part]``. The expert workbook writes the
constant and coefficients into cells and a native SUMPRODUCT reproduces the engine's total
for that expert live, in Excel, WPS or LibreOffice, with no Python. The coefficients are
measured through the engine itself (never re-derived), so they cannot drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .api import Evaluator
from .application import Application, ExpertReview


@dataclass(frozen=True)
class ExpertLinear:
    constant: float
    coefficients: dict[str, float]  # part id → total points per score point
    parts: dict[str, str]  # part id → label


def expert_linear(ev: Evaluator, app: Application, framework: str | None = None) -> ExpertLinear:
    fw_id = framework or app.framework
    fw = ev.effective(fw_id, app.subtype).framework
    parts = {pid: f"{ind.name}·{r.label}" for pid, ind, r in fw.expert_parts()}

    def total(scores: dict[str, float]) -> float:
        review = ExpertReview(expert="_", scores=scores)
        r = ev.score(app, [review], framework=fw_id)
        if r.total is None:
            raise ValueError("申报数据无法在给定专家评分下得出总分")
        return r.total

    constant = total(dict.fromkeys(parts, 0.0))
    coefficients = {}
    for pid in parts:
        coefficients[pid] = (total({**dict.fromkeys(parts, 0.0), pid: 100.0}) - constant) / 100
    return ExpertLinear(constant, coefficients, parts)
