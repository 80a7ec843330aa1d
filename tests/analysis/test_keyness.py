"""analysis/keyness.py: log-likelihood, p and log ratio against hand counts; groups; numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import schema as S
from analysis.errors import EmptySelectionError
from analysis.keyness import keyness
from analysis.selection import Filters, select
from tests.analysis.tiny import NUMBER_TERMS, g2_by_hand


def test_keyness_equals_hand_oracle(tiny):
    # TINY: A = doc a (9 tokens, tea 4), B = docs b+c (5 + 4 = 9 tokens, tea 1).
    a = np.array([True, False, False])
    found = keyness(tiny, a, ~a, stopwords=frozenset(), min_count=1)
    table = found.table
    row = table.set_index(S.TERM).loc["tea"]
    ca, cb, na, nb = 4, 1, 9, 9
    ll = g2_by_hand(ca, cb, na, nb)
    assert (row[S.COUNT_A], row[S.COUNT_B], row[S.DOCS_A], row[S.DOCS_B]) == (4, 1, 1, 1)
    assert abs(row[S.LL] - ll) < 1e-6
    assert abs(row[S.LOG_RATIO] - math.log2((4 / 9) / (1 / 9))) < 1e-6
    coffee = table.set_index(S.TERM).loc["coffee"]  # only in B: negative keyword
    assert abs(coffee[S.LOG_RATIO] - math.log2((0.5 / 9) / (2 / 9))) < 1e-6
    assert table[S.LL].is_monotonic_decreasing
    assert list(table.columns) == list(S.KEYNESS_COLUMNS)
    assert found.size_a == 9
    assert found.size_b == 9


def test_keyness_min_count_bonferroni_and_empty_slices(tiny):
    a = np.array([True, False, False])
    plain = keyness(tiny, a, ~a, stopwords=frozenset(), min_count=1).table
    assert (plain[S.COUNT_A] + plain[S.COUNT_B]).min() == 1
    strict = keyness(tiny, a, ~a, stopwords=frozenset(), min_count=3).table
    assert (strict[S.COUNT_A] + strict[S.COUNT_B]).min() >= 3
    corrected = keyness(tiny, a, ~a, stopwords=frozenset(), min_count=1, alpha=0.5, bonferroni=True)
    assert corrected.alpha == pytest.approx(0.5 / len(plain))
    assert (corrected.table[S.SIGNIFICANT] == (corrected.table[S.P] < 0.5 / len(plain))).all()
    with pytest.raises(EmptySelectionError, match="Slice B selects no document"):
        keyness(tiny, a, np.zeros(3, dtype=bool))


def test_keyness_xinhua_against_bbc_runs_from_the_index(headlines):
    sources = set(headlines.docs[S.SOURCE])
    assert {"Xinhuanet (Xinhua)", "BBC News"} <= sources
    xinhua = select(headlines, Filters(sources=("Xinhuanet (Xinhua)",)))
    bbc = select(headlines, Filters(sources=("BBC News",)))
    found = keyness(headlines, xinhua, bbc, top=100)
    table = found.table
    assert found.size_a == int(headlines.doc_tokens[xinhua].sum())
    assert table[S.LOG_RATIO].gt(0).any()
    assert table[S.LOG_RATIO].lt(0).any()
    assert table[S.SIGNIFICANT].iloc[0]


def test_keyness_hides_numbers_unless_asked_and_counts_stay_exact(numbers_index):
    a = np.array([True, False])
    hidden = keyness(numbers_index, a, ~a, stopwords=frozenset(), min_count=1)
    shown = keyness(numbers_index, a, ~a, stopwords=frozenset(), min_count=1, numbers=True)
    assert set(hidden.table[S.TERM]) == {"plan", "tea", "rice", "经济"}
    assert set(shown.table[S.TERM]) == {"plan", "tea", "rice", "经济", *NUMBER_TERMS}
    assert (hidden.tested, shown.tested) == (4, 10)
    # the slices' sizes keep the numbers: A 11 tokens, B 7
    assert (hidden.size_a, hidden.size_b) == (11, 7)
    zero = shown.table.set_index(S.TERM).loc["000"]
    assert (zero[S.COUNT_A], zero[S.COUNT_B]) == (2, 0)
    assert zero[S.LL] == pytest.approx(g2_by_hand(2, 0, 11, 7))
    common = shown.table[shown.table[S.TERM].isin(hidden.table[S.TERM])].reset_index(drop=True)
    cols = [S.TERM, S.COUNT_A, S.COUNT_B, S.LL, S.LOG_RATIO]
    pd.testing.assert_frame_equal(common[cols], hidden.table[cols])
