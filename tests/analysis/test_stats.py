"""Log-likelihood and log ratio against hand-computed oracles and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from analysis.stats import log_likelihood, log_ratio, p_value
from tests.analysis.tiny import g2_by_hand

# Rayson's running example: a term 100 times in one million-word corpus and 50
# in another. By hand: E = 75 for both term cells, so the term row gives
# 2 * (100 ln(100/75) + 50 ln(50/75)) = 17.0...; the other-token row adds a
# small negative correction.
RAYSON = (100, 50, 1_000_000, 1_000_000)
RAYSON_G2 = 2 * (
    100 * math.log(100 / 75)
    + 50 * math.log(50 / 75)
    + (1_000_000 - 100) * math.log((1_000_000 - 100) / (2_000_000 - 150) * 2)
    + (1_000_000 - 50) * math.log((1_000_000 - 50) / (2_000_000 - 150) * 2)
)


def test_log_likelihood_rayson_example_matches_hand_oracle() -> None:
    assert float(log_likelihood(*RAYSON)) == pytest.approx(RAYSON_G2, abs=1e-6)
    assert abs(RAYSON_G2 - 16.99115377) < 1e-6


def test_log_likelihood_two_cell_shortcut_is_close_for_large_corpora() -> None:
    two_cell = 2 * (100 * math.log(100 / 75) + 50 * math.log(50 / 75))
    assert float(log_likelihood(*RAYSON)) == pytest.approx(two_cell, rel=1e-3)


@pytest.mark.parametrize(
    ("a", "b", "c", "d"),
    [(10, 5, 1000, 5000), (0, 7, 300, 900), (3, 0, 40, 41), (12, 12, 500, 500), (1, 200, 50, 9000)],
)
def test_log_likelihood_matches_oracle_and_scipy(a: int, b: int, c: int, d: int) -> None:
    got = float(log_likelihood(a, b, c, d))
    assert got == pytest.approx(g2_by_hand(a, b, c, d), abs=1e-6)
    observed = np.array([[a, b], [c - a, d - b]], dtype=float)
    expected = scipy_stats.contingency.expected_freq(observed)
    g2 = scipy_stats.power_divergence(
        observed.ravel(), expected.ravel(), lambda_="log-likelihood"
    ).statistic
    assert got == pytest.approx(g2, abs=1e-6)


def test_log_likelihood_vectorised_and_zero_safe() -> None:
    got = log_likelihood([10, 0, 0], [5, 0, 3], [1000, 1000, 0], [5000, 1000, 10])
    assert got.shape == (3,)
    assert got[0] == pytest.approx(g2_by_hand(10, 5, 1000, 5000), abs=1e-6)
    assert got[1] == 0.0
    assert np.isfinite(got).all()


def test_log_likelihood_same_proportion_is_zero() -> None:
    assert float(log_likelihood(10, 20, 1000, 2000)) == pytest.approx(0.0, abs=1e-9)


def test_log_ratio_hand_values() -> None:
    assert float(log_ratio(100, 50, 1_000_000, 1_000_000)) == pytest.approx(1.0, abs=1e-12)
    assert float(log_ratio(10, 5, 1000, 5000)) == pytest.approx(
        math.log2((10 / 1000) / (5 / 5000)), abs=1e-6
    )
    # a zero count is replaced by 0.5
    assert float(log_ratio(4, 0, 1000, 1000)) == pytest.approx(math.log2(4 / 0.5), abs=1e-12)
    assert float(log_ratio(0, 4, 1000, 1000)) == pytest.approx(-3.0, abs=1e-12)


def test_p_value_is_chi2_one_degree() -> None:
    assert float(p_value(3.841458820694124)) == pytest.approx(0.05, abs=1e-9)
    assert p_value([0.0, RAYSON_G2]).tolist() == pytest.approx(
        [1.0, scipy_stats.chi2.sf(RAYSON_G2, 1)]
    )


def test_p_value_equals_scipy_stats_chi2_sf_over_the_range_keyness_meets() -> None:
    # from no evidence to far beyond double precision's smallest p
    ll = np.concatenate([[0.0, 1e-12], np.geomspace(1e-6, 2000.0, 400), [np.inf]])
    ours = p_value(ll)
    theirs = scipy_stats.chi2.sf(ll, 1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0.0)
    assert ours[-1] == 0.0
