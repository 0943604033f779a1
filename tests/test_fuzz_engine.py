"""Property tests of the engine: anything the model accepts scores, in range, repeatably."""

import math

from hypothesis import given
from hypothesis import strategies as st

from iipeval.core.api import Evaluator
from iipeval.core.model.application import Application, ExpertReview, NotApplicable
from iipeval.core.model.results import Result

EV = Evaluator()
FRAMEWORKS = {rf.framework.id: rf.framework for rf in EV.frameworks()}

values = st.one_of(
    st.none(),
    st.just(NotApplicable()),
    st.integers(min_value=-(10**15), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["是", "否", "不适用", "1,200", "0"]),
)
scores = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=100, allow_nan=False),
    st.sampled_from(["优秀", "良好", "一般", "较差"]),
)


@st.composite
def submissions(draw):
    fw = FRAMEWORKS[draw(st.sampled_from(sorted(FRAMEWORKS)))]
    items = {i.id: draw(values) for i in fw.items if draw(st.booleans())}
    subtype = draw(st.sampled_from([None, *(s.id for s in fw.subtypes), "区域级", "bogus"]))
    parts = [pid for pid, _, _ in fw.expert_parts()]
    n = draw(st.integers(min_value=0, max_value=9))
    reviews = [
        ExpertReview(expert=f"E{k}", scores={p: draw(scores) for p in parts if draw(st.booleans())})
        for k in range(n)
    ]
    app = Application(framework=fw.id, subtype=subtype, applicant={"name": "测试"}, items=items)
    return app, reviews


def in_range(x):
    return x is None or (math.isfinite(x) and -1e-9 <= x <= 100 + 1e-9)


@given(submissions())
def test_any_accepted_application_scores_in_range_and_repeatably(sub):
    app, reviews = sub
    first = EV.score(app, reviews)
    assert isinstance(first, Result)
    assert in_range(first.total) and in_range(first.secured)
    assert all(in_range(i.score) for i in first.indicators)
    assert all(in_range(d.score) for d in first.dimensions)
    assert first.provisional == (first.total is None)
    again = EV.score(app, list(reversed(reviews)))
    assert again.model_dump_json() == first.model_dump_json()
