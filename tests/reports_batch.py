"""A realistic batch for the report tests (and for looking at the workbook by hand).

Built from the fictional examples in examples/*.json plus programmatic variants: ten
applications in four criteria sets (five national, two 综合型, two 特色型 of different
sub-types, one 专业型), most with a five-expert panel, one without reviews (待专家评分), one
excluded (major_safety_incident), one with a wildly split panel, one with an unreadable figure (需补正), one file that cannot
be read, and a review for an application that is not in the batch. A quota of 2 puts the
third national applicant outside the 推荐名额.

    python tests/reports_batch.py OUT_DIR   # writes 评分结果.xlsx, .csv and .json
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from iipeval.core.api import Evaluator, Loaded, load_json
from iipeval.core.findings import Finding, Severity
from iipeval.core.model.application import ExpertReview, Submission
from iipeval.core.panel.bundle import ReviewBundle, application_key
from iipeval.core.round.batch import Batch, normal_key, score_batch
from iipeval.core.scoring.params import Parameters, RankingPolicy
from iipeval.core.scoring.validation import CREDIT_CODE_CHARS, CREDIT_CODE_WEIGHTS
from iipeval.excel.review.reader import read_review_json

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "applications"
ROUND = REPO / "examples" / "reviews"


def example_reviews() -> dict[str, list[ExpertReview]]:
    """The example round's expert scores, by application key."""
    out: dict[str, list[ExpertReview]] = {}
    for path in sorted(ROUND.glob("review_*.json")):
        for r in read_review_json(path).reviews:
            out.setdefault(normal_key(r.application), []).append(r)
    return out


GENERATED_AT = datetime(2024, 5, 20, 9, 30, 0)


def credit_code(body: str) -> str:
    """A valid fictional 统一社会信用代码 from its first 17 characters."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(body, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return body + CREDIT_CODE_CHARS[(31 - total % 31) % 31]


#: application source → the panel's scores for it (the demo's reviews, filed per expert below)
PANEL: dict[str, list[ExpertReview]] = {}


def example(name: str) -> Loaded:
    loaded = load_json(EXAMPLES / f"{name}.json")
    assert loaded.submission is not None, loaded.findings
    key = normal_key(application_key(loaded.submission.application))
    PANEL[loaded.source] = [
        r.model_copy(update={"panel": None}) for r in example_reviews().get(key, [])
    ]
    return loaded


def variant(
    base: Loaded,
    source: str,
    name: str,
    code: str | None,
    *,
    scale: float = 1.0,
    shift: float = 0.0,
    items: dict | None = None,
    reviews: list[ExpertReview] | None = None,
    subtype: str | None = None,
) -> Loaded:
    """``base`` under another applicant, counts scaled, expert scores shifted."""
    sub = base.submission
    app = sub.application
    new_items = {}
    for k, v in app.items.items():
        if isinstance(v, int) and not isinstance(v, bool) and v > 1:
            new_items[k] = max(1, round(v * scale))
        else:
            new_items[k] = v
    new_items |= items or {}
    applicant = app.applicant.model_copy(update={"name": name, "credit_code": code})
    new_app = app.model_copy(
        update={
            "applicant": applicant,
            "items": new_items,
            "subtype": subtype or app.subtype,
        }
    )
    if reviews is None:
        reviews = [
            r.model_copy(
                update={
                    "application": name,
                    "scores": {
                        k: (max(0.0, min(100.0, v + shift)) if isinstance(v, int | float) else v)
                        for k, v in r.scores.items()
                    },
                }
            )
            for r in PANEL[base.source]
        ]
    PANEL[source] = [r.model_copy(update={"application": name}) for r in reviews]
    return Loaded(source, Submission(application=new_app))


def split_panel(base: Loaded, name: str) -> list[ExpertReview]:
    """Five experts who disagree wildly on the first three parts."""
    parts = list(PANEL[base.source][0].scores)
    out = []
    for k, r in enumerate(PANEL[base.source]):
        scores = dict(r.scores)
        for p in parts[:3]:
            scores[p] = [95, 92, 30, 88, 25][k]
        out.append(r.model_copy(update={"application": name, "scores": scores}))
    return out


def demo_inputs(names: dict[str, str] | None = None) -> tuple[list[Loaded], list[ReviewBundle]]:
    """The inputs of the demo batch; ``names`` renames applicants (source → new name)."""
    nat = example("national_2023")
    comp = example("hunan_comprehensive")
    char = example("hunan_characteristic")
    prof = example("hunan_professional")
    inputs = [
        nat,
        variant(
            nat,
            "national_b.json",
            "（示例）华东智造云科技股份有限公司",
            credit_code("91310115MA1K4B2C3"),
            scale=0.45,
            shift=-6,
        ),
        variant(
            nat,
            "national_c.json",
            "（示例）西部工业互联网有限公司",
            credit_code("91510100MA6C7D8E9"),
            scale=0.8,
            shift=3,
            items={"major_safety_incident": True},
        ),
        variant(
            nat,
            "national_d.json",
            "（示例）北方智联工业互联网有限公司",
            credit_code("91210100MA0Y1F2G3"),
            scale=0.6,
        ),
        variant(
            nat,
            "national_e.json",
            "（示例）南方数智科技有限公司",
            credit_code("91440300MA5H6J7K8"),
            scale=0.7,
            shift=-2,
        ),
        comp,
        variant(
            comp,
            "comprehensive_b.json",
            "（示例）衡阳智云科技有限公司",
            credit_code("91430400MA4R2T3U4"),
            scale=0.55,
            reviews=[],
        ),
        char,
        variant(
            char,
            "characteristic_b.json",
            "（示例）岳阳石化行业工业互联网有限公司",
            credit_code("91430600MA4W5X6Y7"),
            scale=1.2,
            shift=2,
            subtype="industry",
            items={"devices_operating": "约3000台"},
        ),
        prof,
        Loaded(
            "broken.json",
            None,
            [
                Finding(
                    severity=Severity.error,
                    code="bad_json",
                    file="broken.json",
                    message="不是有效的 JSON：Expecting value: line 1 column 1 (char 0)",
                )
            ],
        ),
    ]
    # 北方智联's panel disagrees wildly.
    d = inputs[3]
    PANEL[d.source] = split_panel(nat, d.submission.application.applicant.name)
    if names:
        renamed = []
        for x in inputs:
            new = names.get(x.source)
            if new and x.submission is not None:
                app = x.submission.application
                app = app.model_copy(
                    update={
                        "applicant": app.applicant.model_copy(
                            update={"name": new, "credit_code": None}
                        )
                    }
                )
                x = Loaded(x.source, x.submission.model_copy(update={"application": app}))
                PANEL[x.source] = [
                    r.model_copy(update={"application": new}) for r in PANEL[x.source]
                ]
            renamed.append(x)
        inputs = renamed
    by_expert: dict[str, list[ExpertReview]] = {}
    for x in inputs:
        if x.submission is None:
            continue
        key = application_key(x.submission.application)
        for r in PANEL.get(x.source, []):
            by_expert.setdefault(r.expert, []).append(r.model_copy(update={"application": key}))
    panel = [
        ReviewBundle(source=f"{expert}评分表.json", reviews=reviews, expert=expert)
        for expert, reviews in sorted(by_expert.items())
    ]
    stray = ReviewBundle(
        source="专家F评分表.xlsx",
        reviews=[
            ExpertReview(
                expert="专家F",
                application="（示例）不存在的申报单位",
                scores={"innovation.capability": 80},
            )
        ],
    )
    return inputs, [*panel, stray]


def demo_batch(names: dict[str, str] | None = None) -> Batch:
    ev = Evaluator(params=Parameters(ranking=RankingPolicy(quota=2)))
    inputs, bundles = demo_inputs(names)
    return score_batch(ev, inputs, bundles)


if __name__ == "__main__":
    from iipeval.reports.results_workbook import write_results_workbook
    from iipeval.reports.tabular import write_csv, write_json

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    batch = demo_batch()
    write_results_workbook(batch, out / "评分结果.xlsx", generated_at=GENERATED_AT)
    write_csv(batch, out / "评分结果.csv")
    write_json(batch, out / "评分结果.json")
    print(out)
