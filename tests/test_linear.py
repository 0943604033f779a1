"""The affine form of the total reproduces the engine for any expert scores."""

import pytest
from support import application, mini_evaluator, reviews

from iipeval.core.analysis.linear import expert_linear
from iipeval.core.model.application import NotApplicable


@pytest.mark.parametrize("score", [0, 37.5, 80, 100])
def test_linear_form_matches_engine(score):
    ev = mini_evaluator()
    app = application(devices_operating=333, financing=NotApplicable())
    lin = expert_linear(ev, app)
    predicted = lin.constant + sum(c * score for c in lin.coefficients.values())
    assert predicted == pytest.approx(ev.score(app, reviews(score)).total, abs=1e-9)
    # tech (25 points once financing's weight moved in: 40) × judged share 50% → 0.2 per point
    assert lin.coefficients == {"tech.judged": pytest.approx(0.2)}


BUILT_IN = ["national_2023", "hunan_comprehensive", "hunan_characteristic", "hunan_professional"]


@pytest.mark.parametrize("framework", BUILT_IN)
def test_each_part_keeps_its_own_coefficient_in_the_built_in_sets(framework):
    """The built-in sets are measured one indicator at a time, every part at once: each
    part must still get its own coefficient. Distinct scores per part would expose a part
    credited with another's weight; the engine decides what is right."""
    from support import REPO

    from iipeval.core.api import Evaluator, load_json
    from iipeval.core.model.application import ExpertReview

    ev = Evaluator()
    app = load_json(REPO / "examples" / "applications" / f"{framework}.json").submission.application
    calls = []
    score = ev.score

    def counted(*args, **kwargs):
        calls.append(1)
        return score(*args, **kwargs)

    ev.score = counted
    lin = expert_linear(ev, app)
    ev.score = score
    assert len(calls) == 2  # all parts at 0, then all at full: not 1 + one per part
    parts = list(lin.coefficients)
    assert len(parts) >= 2
    for k, seed in enumerate((7, 31, 53)):
        typed = {p: float((seed * (j + 3) + 11 * k) % 101) for j, p in enumerate(parts)}
        engine = ev.score(app, [ExpertReview(expert="E", scores=typed)]).total
        assert lin.total(typed) == pytest.approx(engine, abs=1e-9)
