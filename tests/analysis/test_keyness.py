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


def _keyness_term_by_term(index, mask_a, mask_b, stopwords, min_count, top):
    """The keyness table computed as before: every tested term's statistics one by one from
    scipy's row sums, the whole table sorted by a stable sort on ``ll`` then ``term``."""
    from analysis.stats import log_likelihood, log_ratio, p_value
    from analysis.terms import stopword_columns

    counts = index.counts.tocsr()
    sizes = [int(index.doc_tokens[m].sum()) for m in (mask_a, mask_b)]
    count_a, count_b = (np.asarray(counts[m].sum(axis=0)).ravel() for m in (mask_a, mask_b))
    docs_a, docs_b = (np.asarray((counts[m] > 0).sum(axis=0)).ravel() for m in (mask_a, mask_b))
    tested = ~index.number_columns() & (count_a + count_b >= min_count)
    if stopwords:
        tested &= ~stopword_columns(index, stopwords)
    cols = np.flatnonzero(tested)
    ll = log_likelihood(count_a[cols], count_b[cols], *sizes)
    p = p_value(ll)
    table = pd.DataFrame(
        {
            S.TERM: index.vocab[S.TERM].to_numpy()[cols],
            S.KIND: index.vocab[S.KIND].to_numpy()[cols],
            S.COUNT_A: count_a[cols].astype(np.int64),
            S.COUNT_B: count_b[cols].astype(np.int64),
            S.LL: ll,
            S.P: p,
            S.LOG_RATIO: log_ratio(count_a[cols], count_b[cols], *sizes),
            S.DOCS_A: docs_a[cols].astype(np.int64),
            S.DOCS_B: docs_b[cols].astype(np.int64),
            S.SIGNIFICANT: p < 0.05,
        }
    )
    table = table.sort_values([S.LL, S.TERM], ascending=[False, True], kind="stable")
    return table.head(top).reset_index(drop=True), len(cols)


@pytest.mark.parametrize(("seed", "even"), [(0, False), (1, False), (2, True), (3, True)])
def test_keyness_equals_the_table_computed_term_by_term_ties_included(seed, even):
    # a small vocabulary over many short documents: many terms share their two counts
    # (one pair of statistics for several terms); with slices of equal size (``even``)
    # different pairs tie on ll too ((k, k) all give 0, (a, b) and (b, a) the same),
    # ties broken by term
    from analysis.index import build_index

    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(300)] + ["the", "of", "tea", "1990"]
    vocabulary += [] if even else ["green tea"]  # two words: sizes would differ
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    sizes = np.full(400, 12) if even else rng.integers(3, 30, size=400)
    p = weights / weights.sum()
    texts = [" ".join(rng.choice(vocabulary, size=int(n), p=p)) for n in sizes]
    index = build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(400)], "text": texts}))
    side = np.repeat([0, 1], 200) if even else rng.integers(0, 3, size=400)
    a, b = side == 0, side == 1
    if even:
        table = keyness(index, a, b, stopwords=frozenset(), min_count=1).table
        pairs = table.drop_duplicates([S.COUNT_A, S.COUNT_B])
        assert pairs[S.LL].duplicated().any()  # different pairs, one ll
    for stopwords in (frozenset(), frozenset({"the", "of"})):
        for min_count, top in ((1, None), (3, None), (2, 25), (1, 1)):
            found = keyness(index, a, b, stopwords=stopwords, min_count=min_count, top=top)
            expected, tested = _keyness_term_by_term(index, a, b, stopwords, min_count, top)
            pd.testing.assert_frame_equal(found.table, expected, check_exact=True)
            assert found.tested == tested
    # the statistics themselves, against scipy
    from scipy import stats as scipy_stats

    table = keyness(index, a, b, stopwords=frozenset(), min_count=1).table
    size_a, size_b = int(index.doc_tokens[a].sum()), int(index.doc_tokens[b].sum())
    for row in table.head(40).itertuples():
        observed = np.array(
            [[row.count_a, row.count_b], [size_a - row.count_a, size_b - row.count_b]]
        )
        g2, _ = scipy_stats.power_divergence(
            observed,
            scipy_stats.contingency.expected_freq(observed),
            axis=None,
            ddof=2,
            lambda_="log-likelihood",
        )
        assert row.ll == pytest.approx(g2, rel=1e-9, abs=1e-9)
        assert row.p == pytest.approx(scipy_stats.chi2.sf(row.ll, 1), rel=1e-12, abs=0.0)
