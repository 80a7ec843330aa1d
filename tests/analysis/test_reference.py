"""analysis/reference.py: keyness against another corpus equals keyness inside one merged index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis import schema as S
from analysis.corpus import load_corpus
from analysis.errors import EmptySelectionError
from analysis.index import IndexSettings, build_index
from analysis.keyness import keyness
from analysis.reference import reference_keyness
from tests.analysis.tiny import TINY

WORDS = IndexSettings(detect_phrases=False)


def test_reference_keyness_equals_keyness_of_the_merged_corpus():
    seeds = load_corpus("seeds").docs
    # the seeds against the tiny corpus, and the same two inside one index
    merged = pd.concat([seeds, TINY], ignore_index=True)
    merged_index = build_index(merged, settings=WORDS)
    a = np.arange(len(merged)) < len(seeds)
    expected = keyness(merged_index, a, ~a, stopwords=frozenset(), min_count=1).table
    got = reference_keyness(
        build_index(seeds, settings=WORDS),
        None,
        build_index(TINY, settings=WORDS),
        stopwords=frozenset(),
        min_count=1,
    )
    assert got.size_b == 18
    assert got.phrases_left_out == 0
    columns = [S.TERM, S.COUNT_A, S.COUNT_B, S.DOCS_A, S.DOCS_B]
    left = got.table.sort_values(S.TERM, ignore_index=True)
    right = expected.sort_values(S.TERM, ignore_index=True)
    pd.testing.assert_frame_equal(left[columns], right[columns], check_dtype=False)
    assert left[S.LL].to_numpy() == pytest.approx(right[S.LL].to_numpy(), rel=1e-12)
    row = got.table.iloc[0]
    cells = [[row[S.COUNT_A], row[S.COUNT_B]], [got.size_a - row[S.COUNT_A], 18 - row[S.COUNT_B]]]
    g2 = chi2_contingency(cells, correction=False, lambda_="log-likelihood")[0]
    assert row[S.LL] == pytest.approx(g2)
    assert got.table[S.LL].is_monotonic_decreasing


def test_reference_keyness_leaves_out_phrases_one_corpus_lacks():
    seeds = build_index(load_corpus("seeds"))  # detects "yangtze river delta" and more
    tiny = build_index(TINY, settings=WORDS)
    got = reference_keyness(seeds, None, tiny, stopwords=frozenset(), min_count=1)
    phrases = int((seeds.vocab[S.KIND] == S.PHRASE).sum())
    assert got.phrases_left_out == phrases > 0
    assert set(got.table[S.KIND]) == {S.WORD}
    with pytest.raises(EmptySelectionError, match="The reference holds no word"):
        reference_keyness(seeds, None, tiny, np.zeros(3, dtype=bool))
