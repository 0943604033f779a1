"""Small batches for the robustness tests: a two-dimension set scored by experts only, so
every total is set exactly by the reviews, and the mini set for mixed indicators."""

from __future__ import annotations

from support import code_for, framework_plugin, mini_host

from iipeval.core.api import Evaluator, Loaded
from iipeval.core.host import Host
from iipeval.core.model.application import Application, ExpertReview, Submission
from iipeval.core.panel.bundle import ReviewBundle
from iipeval.core.round.batch import score_batch
from iipeval.core.scoring.params import Parameters, RankingPolicy

RUBRIC = {"优秀": "优", "良好": "良", "一般": "中", "较差": "差"}


def _judged(iid: str, name: str, weight: float) -> dict:
    return {
        "id": iid,
        "name": name,
        "description": name,
        "weight": weight,
        "kind": "定性",
        "rationale": "测试",
        "rule": {"type": "expert", "aspect": name, "rubric": RUBRIC},
    }


MONEY = {
    "id": "money",
    "name": "融资",
    "description": "融资",
    "weight": 1,
    "kind": "定量",
    "rationale": "测试",
    "rule": {"type": "log_scale", "items": ["financing"], "floor": 100, "benchmark": 10000},
}


def duo_data(dims=(("x", 50, 1), ("y", 50, 1)), money: str | None = None) -> dict:
    """Dimensions with expert-scored indicators only: ``(id, weight, indicators)``; with
    ``money`` the dimension of that id also holds a 融资 indicator (不适用 allowed) of
    weight 1 taken from its first indicator."""
    data = {
        "id": "duo",
        "name": "双维度测试体系",
        "platform_type": "测试",
        "version": "1",
        "general_items": ["major_safety_incident"],
        "source": {"document": "测试", "issuer": "测试", "year": 2024},
        "dimensions": [
            {
                "id": d,
                "name": f"维度{d}",
                "weight": w,
                "rationale": "测试",
                "indicators": [_judged(f"{d}{k}", f"指标{d}{k}", w / n) for k in range(n)],
            }
            for d, w, n in dims
        ],
    }
    if money:
        dim = next(d for d in data["dimensions"] if d["id"] == money)
        dim["indicators"][0]["weight"] -= 1
        dim["indicators"].append(MONEY)
    return data


def duo_evaluator(
    quota=None, dims=(("x", 50, 1), ("y", 50, 1)), money=None, min_total=None, **policy
) -> Evaluator:
    data = duo_data(dims, money)
    host = Host(entry_points=False, plugins=[("duo_plugin", framework_plugin(data))])
    params = Parameters(ranking=RankingPolicy(quota=quota, min_total=min_total))
    if policy:
        params = params.model_copy(
            update={"aggregation": params.aggregation.model_copy(update=policy)}
        )
    return Evaluator(host, params)


def mini_ev(quota=None) -> Evaluator:
    return Evaluator(mini_host(), Parameters(ranking=RankingPolicy(quota=quota)))


def app_loaded(name: str, framework="duo", **items) -> Loaded:
    items = {"major_safety_incident": False, **items}
    applicant = {"name": name, "credit_code": code_for(name)}
    app = Application(framework=framework, applicant=applicant, items=items)
    return Loaded(f"{name}.json", Submission(application=app))


def panel(scores: dict[str, dict[str, dict[str, float]]]) -> list[ReviewBundle]:
    """``{expert: {applicant: {part: score}}}`` as one bundle per expert."""
    return [
        ReviewBundle(
            source=f"{expert}.json",
            expert=expert,
            reviews=[
                ExpertReview(expert=expert, application=code_for(app), scores=parts)
                for app, parts in apps.items()
            ],
        )
        for expert, apps in scores.items()
    ]


def duo_batch(ev: Evaluator, apps: dict[str, dict[str, float]], expert="专家01"):
    """Each application scored by one expert with the given part scores."""
    loaded = [app_loaded(name) for name in apps]
    return score_batch(ev, loaded, panel({expert: apps}))
