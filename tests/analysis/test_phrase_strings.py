"""Phrase strings of the vocabulary table, held to join_tokens phrase by phrase."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

_WORDS = ["高质量", "发展", "yangtze", "river", "", "g60", "科技", "delta's", "一"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.integers(-4, len(_WORDS) - 1).filter(lambda i: i != -1), min_size=2, max_size=5
        ),
        min_size=1,
        max_size=30,
    )
)
def test_phrase_strings_join_as_join_tokens(sequences):
    """Each phrase's display form, its spaced words, its language and length, as
    join_tokens and the old per-phrase lists give them (an id below -1 is a user word
    the corpus lacks; one word is empty)."""
    import pyarrow as pa

    from analysis.phrase_strings import phrase_strings
    from analysis.text import is_han, join_tokens

    n_words = 6  # the first six are the vocabulary's; the others user words
    words = pa.array(_WORDS, pa.large_string())
    han = np.array([is_han(w) for w in _WORDS])
    sequences = [tuple(i if i < n_words else -2 - (i - n_words) for i in s) for s in sequences]
    terms, tokens, any_han, lengths = phrase_strings(sequences, words, han, n_words)
    of = [[_WORDS[i if i >= 0 else n_words - 2 - i] for i in s] for s in sequences]
    assert terms.to_pylist() == [join_tokens(t) for t in of]
    assert tokens.to_pylist() == [" ".join(t) for t in of]
    assert any_han.tolist() == [any(map(is_han, t)) for t in of]
    assert lengths.tolist() == [len(t) for t in of]
