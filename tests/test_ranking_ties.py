"""Ties are decided by the scores, never by floating-point noise in how they were summed."""

from iipeval.core.round.ranking import Standing, rank
from iipeval.core.scoring.params import RankingPolicy


def standing(name, total, **points):
    return Standing(
        source=f"{name}.json",
        framework="mini",
        subtype=None,
        applicant=name,
        credit_code=None,
        total=total,
        secured=total,
        provisional=False,
        grade=None,
        accepted=True,
        excluded=False,
        exclusions=(),
        dimension_scores=(),
        points=points,
        pending=(),
        experts=frozenset(),
        findings=0,
    )


def ranks(*standings, tie_break=()):
    entries, _ = rank(standings, list(tie_break), RankingPolicy())
    return [(e.rank, e.applicant) for e in entries]


def test_totals_equal_up_to_summation_noise_share_a_rank():
    # 0.1 + 0.2 is 0.30000000000000004: the same points added in another order
    assert ranks(standing("乙", 0.1 + 0.2), standing("甲", 0.3)) == [(1, "乙"), (1, "甲")]


def test_noise_across_a_rounding_boundary_does_not_split_a_tie():
    # rounding both to 9 digits gives 53.754383471 and 53.754383472 here
    a, b = 53.7543834715, 53.75438347150002
    assert ranks(standing("乙", a), standing("甲", b)) == [(1, "乙"), (1, "甲")]


def test_tie_break_scores_are_compared_the_same_way():
    x = standing("乙", 80.0, b=0.1 + 0.2)
    y = standing("甲", 80.0, b=0.3)
    z = standing("丙", 80.0, b=0.31)
    assert ranks(x, y, z, tie_break=["b"]) == [(1, "丙"), (2, "乙"), (2, "甲")]


def test_a_real_difference_still_decides():
    assert ranks(standing("甲", 70.0), standing("乙", 70.000001)) == [(1, "乙"), (2, "甲")]
