"""The affine form of the total reproduces the engine for any expert scores."""

import pytest
from support import application, mini_evaluator, reviews

from iipeval.core.application import NotApplicable
from iipeval.core.linear import expert_linear


@pytest.mark.parametrize("score", [0, 37.5, 80, 100])
def test_linear_form_matches_engine(score):
    ev = mini_evaluator()
    app = application(devices_operating=333, financing=NotApplicable())
    lin = expert_linear(ev, app)
    predicted = lin.constant + sum(c * score for c in lin.coefficients.values())
    assert predicted == pytest.approx(ev.score(app, reviews(score)).total, abs=1e-9)
    # tech (25 points once financing's weight moved in: 40) × judged share 50% → 0.2 per point
    assert lin.coefficients == {"tech.judged": pytest.approx(0.2)}
