"""The four built-in sets score exactly as they did before points, groups and 加分/扣分 came.

Totals recorded (before that change) for the kit's deterministic sample applicant of every
set and sub-type: as filled in, with the first indicator's items 不适用, and with no expert
scores yet (provisional: only the points already secured).
"""

import pytest

from iipeval.core.api import Evaluator
from iipeval.core.model.application import NotApplicable
from iipeval.testing import sample

#: key → (total, secured)
BEFORE = {
    "hunan_characteristic/None/na_first": (84.38469325539828, 84.38469325539828),
    "hunan_characteristic/None/pending": (None, 39.9316976168496),
    "hunan_characteristic/None/plain": (92.31639087224788, 92.31639087224788),
    "hunan_characteristic/industry/na_first": (85.22269325539828, 85.22269325539828),
    "hunan_characteristic/industry/pending": (None, 40.13852785516464),
    "hunan_characteristic/industry/plain": (92.36122111056292, 92.36122111056292),
    "hunan_characteristic/regional/na_first": (85.54669325539827, 85.54669325539827),
    "hunan_characteristic/regional/pending": (None, 40.13852785516464),
    "hunan_characteristic/regional/plain": (92.6852211105629, 92.6852211105629),
    "hunan_comprehensive/None/na_first": (80.78367231365297, 80.78367231365297),
    "hunan_comprehensive/None/pending": (None, 41.71189073458629),
    "hunan_comprehensive/None/plain": (88.13429348509183, 88.13429348509183),
    "hunan_professional/None/na_first": (83.338, 83.338),
    "hunan_professional/None/pending": (None, 42.0),
    "hunan_professional/None/plain": (95.338, 95.338),
    "national_2023/None/na_first": (70.35852413900328, 70.35852413900328),
    "national_2023/None/pending": (None, 24.639127868681662),
    "national_2023/None/plain": (72.3691236009505, 72.3691236009505),
}


@pytest.fixture(scope="module")
def ev():
    return Evaluator()


def _score(ev, key):
    fw_id, st, variant = key.split("/")
    fw = ev.framework(fw_id).framework
    st = None if st == "None" else st
    app = sample.application(fw, st)
    if variant == "na_first":
        items = dict(app.items)
        for i in fw.dimensions[0].indicators[0].item_ids():
            items[i] = NotApplicable()
        app = app.model_copy(update={"items": items})
    revs = [] if variant == "pending" else sample.reviews(fw)
    return ev.score(app, revs, framework=fw_id)


@pytest.mark.parametrize("key", sorted(BEFORE))
def test_built_in_totals_are_unchanged(ev, key):
    total, secured = BEFORE[key]
    r = _score(ev, key)
    assert r.total == (None if total is None else pytest.approx(total, abs=1e-9))
    assert r.secured == pytest.approx(secured, abs=1e-9)
    assert r.base is None and r.bonus is None and r.deduction is None and r.groups == []


@pytest.mark.parametrize(
    "fw_id", ["national_2023", "hunan_comprehensive", "hunan_characteristic", "hunan_professional"]
)
def test_two_level_sets_walk_as_dimensions_then_each_dimensions_indicators(ev, fw_id):
    """What AHP questionnaires and weight-sensitivity runs rely on for two-level sets."""
    eff = ev.effective(fw_id, None)
    fw = eff.framework
    groups = eff.weight_groups()
    assert len(groups) == 1 + len(fw.dimensions)
    top, *rest = groups
    assert top.parent is None and top.level == 1
    assert [(n.id, n.kind, n.weight) for n in top.nodes] == [
        (d.id, "dimension", eff.dimension_points[d.id]) for d in fw.dimensions
    ]
    for d, g in zip(fw.dimensions, rest, strict=True):
        assert (g.parent, g.level) == (d.id, 2)
        assert [(n.id, n.kind, n.weight) for n in g.nodes] == [
            (i.id, "indicator", eff.indicator_points[i.id]) for i in d.indicators
        ]
    assert [n.id for n in fw.weight_groups()[0].nodes] == [d.id for d in fw.dimensions]
