"""Objective weights (熵权法, CRITIC) and their combination with subjective weights."""

from __future__ import annotations

import numpy as np
import pytest

from iipeval.core.analysis.objective_weights import (
    ObjectiveError,
    combine,
    critic,
    entropy,
    objective,
)

pymcdm = pytest.importorskip("pymcdm.weights")


@pytest.mark.parametrize("seed", range(30))
def test_entropy_and_critic_agree_with_pymcdm_on_random_benefit_matrices(seed):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 40)), int(rng.integers(2, 12))
    x = rng.uniform(0.5, 100, (m, n))
    np.testing.assert_allclose(entropy(x).weights, pymcdm.entropy_weights(x), atol=1e-12)
    np.testing.assert_allclose(critic(x).weights, pymcdm.critic_weights(x), atol=1e-12)


def test_critic_follows_diakoulaki_definition():
    """C_j = σ_j Σ_k (1 − r_jk) on the min–max normalised matrix, by hand."""
    x = np.array([[1.0, 8, 3], [2, 6, 5], [4, 3, 4], [7, 1, 9]])
    r = (x - x.min(0)) / (x.max(0) - x.min(0))
    c = r.std(0, ddof=1) * (1 - np.corrcoef(r, rowvar=False)).sum(0)
    assert critic(x).weights == pytest.approx(tuple(c / c.sum()), abs=1e-15)


def test_a_cost_criterion_is_the_reflected_benefit_one():
    x = np.array([[10.0, 7, 3], [20, 8, 5], [15, 2, 4], [30, 9, 4]])
    mirrored = x.copy()
    mirrored[:, 0] = x[:, 0].max() + x[:, 0].min() - x[:, 0]
    types = ["cost", "benefit", "benefit"]
    assert critic(x, types).weights == pytest.approx(critic(mirrored).weights, abs=1e-15)
    assert entropy(x, types).weights == pytest.approx(entropy(mirrored).weights, abs=1e-15)
    assert critic(x, types).weights != critic(x).weights  # the type matters


def test_a_constant_column_gets_weight_zero_and_is_named():
    x = np.array([[1.0, 5, 3], [2, 5, 4], [3, 5, 8], [9, 5, 1]])
    for method in ("entropy", "critic"):
        res = objective(method, x)
        assert res.weights[1] == 0 and res.constant == (1,)
        assert sum(res.weights) == pytest.approx(1)


@pytest.mark.parametrize("seed", range(10))
def test_a_constant_column_changes_no_other_critic_weight(seed):
    """The others' weights are CRITIC of the matrix without the constant column (checked
    against pymcdm there): a constant column is out of the conflict sums, not a column of
    "no correlation" adding 1 to each of them."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(4, 30)), int(rng.integers(2, 8))
    x = rng.uniform(0.5, 100, (m, n))
    at = int(rng.integers(0, n + 1))
    with_constant = np.insert(x, at, 7.0, axis=1)
    w = critic(with_constant).weights
    assert w[at] == 0
    others = np.delete(np.array(w), at)
    np.testing.assert_allclose(others, pymcdm.critic_weights(x), atol=1e-12)


def test_entropy_handles_zeros_as_zero_information_terms():
    """0·ln 0 = 0: a column with a zero is not treated as perfectly informative."""
    x = np.array([[0.0, 5, 3], [2, 6, 4], [3, 5, 8], [9, 4, 1]])
    p = x[:, 0] / x[:, 0].sum()
    e0 = -(p[p > 0] * np.log(p[p > 0])).sum() / np.log(4)
    w = entropy(x).weights
    d = [1 - e0] + [
        1 - (-(q * np.log(q)).sum() / np.log(4)) for q in (x[:, 1:] / x[:, 1:].sum(0)).T
    ]
    assert w == pytest.approx(tuple(np.array(d) / sum(d)), abs=1e-15)


@pytest.mark.parametrize(
    ("data", "types", "words"),
    [
        ([[1, 2], [3, 4]], None, "至少需要 3 份"),
        ([[1, 2], [3, 4], [5, float("nan")]], None, "缺失"),
        ([[1, 2], [1, 2], [1, 2]], None, "没有差异"),
        ([[1, 2], [3, 4], [5, 6]], ["benefit", "good"], "无效"),
        ([[-1, 2], [3, 4], [5, 6]], None, "非负"),
    ],
)
def test_unusable_data_is_refused_in_words(data, types, words):
    method = "entropy" if words == "非负" else "critic"
    with pytest.raises(ObjectiveError, match=words):
        objective(method, data, types)


def test_combinations():
    s, o = (0.5, 0.3, 0.2), (0.2, 0.2, 0.6)
    prod = np.array(s) * np.array(o)
    assert combine(s, o, "product") == pytest.approx(tuple(prod / prod.sum()))
    assert combine(s, o, "linear", 0.7) == pytest.approx((0.41, 0.27, 0.32))
    assert combine((5, 3, 2), o, "linear", 1.0) == pytest.approx(s)  # inputs are normalised
    with pytest.raises(ObjectiveError, match="0 到 1"):
        combine(s, o, "linear", 1.5)
    with pytest.raises(ObjectiveError, match="没有共同的非零指标"):
        combine((1, 0), (0, 1), "product")


def test_critic_with_one_informative_criterion_gives_it_all_the_weight():
    """The others constant: nothing to conflict with, and it alone tells the rows apart."""
    res = critic([[1.0, 5, 2], [2, 5, 2], [4, 5, 2]])
    assert res.weights == (1.0, 0.0, 0.0) and res.constant == (1, 2)
