"""Term tables checked against hand counts of TINY (see tiny.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfTransformer

from analysis.corpus import load_corpus
from analysis.corpus_index import IndexSettings
from analysis.errors import EmptySelectionError, OptionError
from analysis.index import build_index
from analysis.phrases import PhraseOptions
from analysis.terms import (
    corpus_summary,
    distinctive_terms,
    documents_per_period,
    documents_with_term,
    stopword_columns,
    term_frequencies,
    wordcloud_frequencies,
)
from tests.analysis.tiny import NUMBER_TERMS, NUMBERS, TINY, WORD_TERMS

SETTINGS = IndexSettings(phrase_options=PhraseOptions(min_count=3, min_docs=2))


@pytest.fixture(scope="module")
def index():
    return build_index(TINY, settings=SETTINGS)


def test_term_frequencies_hand_counts(index):
    table = term_frequencies(index, stopwords=frozenset())
    rows = table.set_index("term")
    assert rows.loc["tea", "count"] == 5
    assert rows.loc["tea", "docs"] == 2
    assert rows.loc["tea", "per_million"] == pytest.approx(5 / 18 * 1e6)
    assert rows.loc["green tea", "kind"] == "phrase"
    assert rows.loc["green tea", "count"] == 3
    assert list(table.columns) == ["term", "kind", "count", "per_million", "docs", "tfidf"]
    # 3 documents; tea in 2 of them, 5 times: 5 * (ln(4 / 3) + 1)
    assert rows.loc["tea", "tfidf"] == pytest.approx(5 * (math.log(4 / 3) + 1))


@pytest.mark.parametrize("rows", [None, [0, 1], [1]])
def test_term_tfidf_equals_sklearn_tfidf_vectorizer_summed_over_the_selection(seeds, rows):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from analysis.text import tokenize

    mask = np.ones(seeds.n_docs, dtype=bool) if rows is None else np.isin(np.arange(2), rows)
    texts = seeds.docs.loc[mask, "text"].astype(str).tolist()
    vectorizer = TfidfVectorizer(
        analyzer=tokenize, norm=None, smooth_idf=True, sublinear_tf=False, use_idf=True
    )
    matrix = vectorizer.fit_transform(texts)
    expected = dict(zip(vectorizer.get_feature_names_out(), matrix.sum(axis=0).A1, strict=True))
    table = term_frequencies(seeds, mask, kind="word", stopwords=frozenset(), numbers=True)
    got = dict(zip(table["term"], table["tfidf"], strict=True))
    assert set(got) == set(expected)
    for term, value in expected.items():
        assert got[term] == pytest.approx(value, rel=1e-12), term


def test_term_frequencies_respects_mask_kind_top_and_stopwords(index):
    mask = np.array([False, True, True])
    table = term_frequencies(index, mask, kind="word", top=2)
    assert table["term"].tolist() == ["coffee", "better"]
    assert "is" not in set(term_frequencies(index, mask)["term"])
    assert "is" in set(term_frequencies(index, mask, stopwords=frozenset())["term"])


def test_term_frequencies_hides_words_inside_phrases_on_request(index):
    table = term_frequencies(index, stopwords=frozenset(), hide_words_in_phrases=True)
    assert "green" not in set(table["term"])
    assert "tea" in set(table["term"])  # 3 of its 5 uses are in "green tea": < 80%


def test_term_frequencies_empty_selection_names_the_fix(index):
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        term_frequencies(index, np.zeros(3, dtype=bool))


def test_term_frequencies_rejects_unknown_kind(index):
    with pytest.raises(OptionError, match="Use 'word'"):
        term_frequencies(index, kind="lemma")  # type: ignore[arg-type]


def test_distinctive_terms_equal_sklearn_tfidf(index):
    words = index.vocab["kind"] == "word"
    counts = index.counts[:, np.flatnonzero(words)]
    expected = TfidfTransformer(norm=None, smooth_idf=True).fit_transform(counts).toarray()
    table = distinctive_terms(index, "a", top=100, stopwords=frozenset())
    table = table[table["kind"] == "word"].set_index("term")
    terms = index.vocab["term"][words].tolist()
    for term, value in table["tfidf"].items():
        assert value == pytest.approx(expected[0, terms.index(term)], rel=1e-12)


def test_distinctive_terms_unknown_document(index):
    with pytest.raises(OptionError, match="No document with id"):
        distinctive_terms(index, "nope")


def test_corpus_summary_hand_counts(index):
    summary = corpus_summary(index)
    assert summary["documents"] == 3
    assert summary["tokens"] == 18
    assert summary["first_date"] == "2024-01-05"
    assert summary["last_date"] == "2024-02-10"
    assert summary["undated"] == 1
    assert summary["sources"] == {"BBC": 2, "Xinhua": 1}


def test_documents_per_period_fills_empty_months_and_leaves_out_coarse_dates():
    frame = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "date": pd.to_datetime(["2024-01-05", "2024-03-10", "2024-01-01", None]),
            "date_precision": ["day", "day", "year", None],
            "text": ["one two", "three", "four", "five"],
        }
    )
    counted = documents_per_period(build_index(frame), freq="month")
    table = counted.table
    assert table["period"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert table["documents"].tolist() == [1, 0, 1]
    assert table["tokens"].tolist() == [2, 0, 1]
    assert (counted.too_coarse, counted.undated) == (1, 1)
    yearly = documents_per_period(build_index(frame), freq="year").table
    assert yearly["documents"].tolist() == [3]


def test_documents_per_period_by_decade_by_hand():
    # 1989-12-31 in the 1980s; 1990-01-01 and the year-only 1999 in the 1990s; 2000s empty;
    # 2010-06-01 in the 2010s; the undated one left out.
    frame = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d", "e"],
            "date": pd.to_datetime(["1989-12-31", "1990-01-01", "1999-01-01", "2010-06-01", None]),
            "date_precision": ["day", "day", "year", "day", None],
            "text": ["one two", "three", "four five six", "seven", "eight"],
        }
    )
    counted = documents_per_period(build_index(frame), freq="decade")
    table = counted.table
    assert table["period"].dt.strftime("%Y-%m-%d").tolist() == [
        "1980-01-01", "1990-01-01", "2000-01-01", "2010-01-01",
    ]  # fmt: skip
    assert table["documents"].tolist() == [1, 2, 0, 1]
    assert table["tokens"].tolist() == [2, 4, 0, 1]
    assert (counted.too_coarse, counted.undated) == (0, 1)


def test_wordcloud_frequencies_keep_phrases_whole(index):
    freqs = wordcloud_frequencies(term_frequencies(index, stopwords=frozenset()))
    assert freqs["green tea"] == 3.0
    assert math.isclose(
        sum(freqs.values()), sum(term_frequencies(index, stopwords=frozenset())["count"])
    )


def test_documents_with_term_counts_each_selected_document(index):
    table = documents_with_term(index, None, "green tea")
    assert table["doc_id"].tolist() == ["a", "b", "c"]
    assert table["count"].tolist() == [2, 1, 0]
    masked = documents_with_term(index, np.array([False, True, True]), "TEA")
    assert masked[["doc_id", "count"]].values.tolist() == [["b", 1], ["c", 0]]
    assert documents_with_term(index, None, "nothing")["count"].sum() == 0


def test_documents_with_term_holding_only_leaves_out_the_documents_without_it(index):
    table = documents_with_term(index, None, "tea", holding_only=True)
    # by hand: "tea" four times in a (twice inside "green tea"), once in b, never in c
    assert table[["doc_id", "count"]].values.tolist() == [["a", 4], ["b", 1]]
    masked = documents_with_term(index, np.array([False, True, True]), "TEA", holding_only=True)
    assert masked[["doc_id", "count"]].values.tolist() == [["b", 1]]
    assert documents_with_term(index, None, "", holding_only=True).empty


@pytest.fixture(scope="module")
def numbers_index():
    return build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))


def test_term_frequencies_hide_numbers_by_default_hand_counts(numbers_index):
    table = term_frequencies(numbers_index, stopwords=frozenset())
    assert dict(zip(table["term"], table["count"], strict=True)) == WORD_TERMS
    # per million of all 18 word tokens: numbers are hidden, never uncounted
    assert table.set_index("term").loc["tea", "per_million"] == pytest.approx(3 / 18 * 1e6)


def test_term_frequencies_numbers_option_shows_them_and_counts_stay_exact(numbers_index):
    hidden = term_frequencies(numbers_index, stopwords=frozenset())
    shown = term_frequencies(numbers_index, stopwords=frozenset(), numbers=True)
    assert dict(zip(shown["term"], shown["count"], strict=True)) == {**WORD_TERMS, **NUMBER_TERMS}
    common = shown[shown["term"].isin(hidden["term"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(common, hidden)
    assert corpus_summary(numbers_index)["tokens"] == 18


def test_number_columns_mark_exactly_the_pure_numbers(numbers_index):
    vocab = numbers_index.vocab
    marked = set(vocab["term"][numbers_index.number_columns()])
    assert marked == set(NUMBER_TERMS)
    assert numbers_index.number_columns() is numbers_index.number_columns()  # decided once


def test_wordcloud_frequencies_leave_numbers_out_unless_asked(numbers_index):
    table = term_frequencies(numbers_index, stopwords=frozenset(), numbers=True)
    assert wordcloud_frequencies(table) == {t: float(c) for t, c in WORD_TERMS.items()}
    assert set(wordcloud_frequencies(table, numbers=True)) == set(WORD_TERMS) | set(NUMBER_TERMS)


def test_distinctive_terms_hide_numbers_unless_asked(numbers_index):
    hidden = distinctive_terms(numbers_index, "n1", stopwords=frozenset())
    shown = distinctive_terms(numbers_index, "n1", stopwords=frozenset(), numbers=True)
    assert set(hidden["term"]) == {"plan", "tea", "rice", "经济"}
    assert set(shown["term"]) == {"plan", "tea", "rice", "经济", "1990", "1", "000", "一", "二十"}
    common = shown[shown["term"].isin(hidden["term"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(common, hidden)


def test_column_totals_fast_paths_equal_summing_the_selected_rows():
    from analysis.terms import column_totals

    seeds = build_index(load_corpus("seeds"))
    rng = np.random.default_rng(3)
    for ix in (seeds, build_index(TINY)):
        n = ix.n_docs
        masks = [np.ones(n, bool), np.zeros(n, bool)] + [rng.random(n) < p for p in (0.2, 0.8)]
        masks += [np.arange(n) == 0, np.arange(n) != 0]
        for mask in masks:
            sub = ix.counts[np.flatnonzero(mask)]
            expected_count = np.asarray(sub.sum(axis=0)).ravel()
            expected_docs = np.asarray((sub > 0).sum(axis=0)).ravel()
            count, docs = column_totals(ix, mask)
            assert count.dtype == docs.dtype == np.int64
            np.testing.assert_array_equal(count, expected_count)
            np.testing.assert_array_equal(docs, expected_docs)


def test_stopword_columns_kept_per_set_equal_splitting_the_vocabulary():
    from analysis.stopwords import default_stopwords

    seeds = build_index(load_corpus("seeds"))
    tokens = seeds.vocab["tokens"].astype(str)
    first, last = tokens.str.split(" ").str[0], tokens.str.split(" ").str[-1]
    for stop in (default_stopwords(), frozenset({"the", "delta"}), frozenset(), frozenset({"zz"})):
        expected = (first.isin(stop) | last.isin(stop)).to_numpy()
        np.testing.assert_array_equal(stopword_columns(seeds, frozenset(sorted(stop))), expected)
        assert stopword_columns(seeds, frozenset(stop)) is stopword_columns(seeds, stop)
    assert stopword_columns(seeds, default_stopwords()).any()


def _per_period_by_groupby(ix, mask, freq):
    from analysis.periods import PERIOD_FREQ, placeable

    docs = ix.docs[mask]
    dates = pd.to_datetime(docs["date"])
    use = placeable(dates, docs["date_precision"], freq)
    frame = pd.DataFrame(
        {
            "p": dates[use].dt.to_period(PERIOD_FREQ[freq]).to_numpy(),
            "tokens": ix.doc_tokens[mask][use],
        }
    )
    grouped = frame.groupby("p").agg(documents=("tokens", "size"), tokens=("tokens", "sum"))
    if len(grouped):
        full = pd.period_range(grouped.index.min(), grouped.index.max(), freq=PERIOD_FREQ[freq])
        grouped = grouped.reindex(full, fill_value=0)
    return grouped


def test_documents_per_period_from_kept_ordinals_equal_a_groupby():
    rng = np.random.default_rng(9)
    n = 60
    frame = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(n)],
            "date": pd.to_datetime("2019-12-25")
            + pd.to_timedelta(rng.integers(0, 900, size=n), unit="D"),
            "date_precision": rng.choice(["day", "month", "year"], size=n),
            "text": [" ".join(["tea"] * int(k)) for k in rng.integers(1, 9, size=n)],
        }
    )
    frame.loc[::7, "date"] = pd.NaT
    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    for freq in ("day", "week", "month", "quarter", "year"):
        for mask in [np.ones(n, bool), np.arange(n) < 3, rng.random(n) < 0.5]:
            got = documents_per_period(ix, mask, freq=freq).table
            expected = _per_period_by_groupby(ix, mask, freq)
            assert got["documents"].tolist() == expected["documents"].tolist()
            assert got["tokens"].tolist() == expected["tokens"].tolist()
            if len(expected):
                assert list(got["period"]) == list(pd.PeriodIndex(expected.index).to_timestamp())
            else:
                assert got.empty


def test_term_and_keyness_order_equal_a_stable_pandas_sort():
    from analysis.keyness import keyness

    ix = build_index(load_corpus("seeds"))
    table = term_frequencies(ix, stopwords=frozenset(), numbers=True)
    resorted = table.sample(frac=1, random_state=0).sort_values(
        ["count", "term"], ascending=[False, True], kind="stable"
    )
    pd.testing.assert_frame_equal(table, resorted.reset_index(drop=True))
    assert table["count"].duplicated().any()  # ties, ordered by term
    a = np.array([True, False])
    found = keyness(ix, a, ~a, stopwords=frozenset(), min_count=1)
    key = found.table
    resorted = key.sample(frac=1, random_state=0).sort_values(
        ["ll", "term"], ascending=[False, True], kind="stable"
    )
    pd.testing.assert_frame_equal(key, resorted.reset_index(drop=True))
    top = keyness(ix, a, ~a, stopwords=frozenset(), min_count=1, top=25)
    pd.testing.assert_frame_equal(top.table, key.head(25))
    assert top.tested == found.tested


def test_hiding_nested_words_follows_the_eighty_percent_rule_by_hand():
    # blue 5, sky 4, "blue sky" 4: 4 >= 0.8 * 5 and 4 >= 0.8 * 4, both words hidden;
    # red 5, car 3, "red car" 3: 3 < 0.8 * 5 keeps red, 3 >= 0.8 * 3 hides car.
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "text": [
                "blue sky. blue sky. blue sky. blue sky. blue.",
                "red car. red car. red car. red. red.",
            ],
        }
    )
    settings = IndexSettings(detect_phrases=False, user_phrases=("blue sky", "red car"))
    index = build_index(docs, settings=settings)
    shown = term_frequencies(index, stopwords=frozenset())
    assert dict(zip(shown["term"], shown["count"], strict=True)) == {
        "blue": 5, "red": 5, "sky": 4, "blue sky": 4, "car": 3, "red car": 3,
    }  # fmt: skip
    hidden = term_frequencies(index, stopwords=frozenset(), hide_words_in_phrases=True)
    assert hidden["term"].tolist() == ["red", "blue sky", "red car"]
    # A phrase that is not shown (it ends with a stopword) hides nothing.
    no_sky = term_frequencies(index, stopwords=frozenset({"sky"}), hide_words_in_phrases=True)
    assert no_sky["term"].tolist() == ["blue", "red", "red car"]


@pytest.fixture(scope="module")
def sotu():
    return build_index(load_corpus("sotu"))


def _words_of_selection(ix, alternatives):
    """(selection mask, CountVectorizer counts, binary counts, tokens) by the token rule alone:
    a document is selected when one of the words ``alternatives`` is among its tokens."""
    from sklearn.feature_extraction.text import CountVectorizer

    from analysis.text import tokenize

    texts = ix.docs["text"].astype(str).tolist()
    tokens = [tokenize(t) for t in texts]
    mask = np.array([any(w in set(toks) for w in alternatives) for toks in tokens])
    chosen = [texts[i] for i in np.flatnonzero(mask)]
    counts = CountVectorizer(analyzer=tokenize).fit(chosen)
    matrix = counts.transform(chosen)
    names = counts.get_feature_names_out()
    count = dict(zip(names, matrix.sum(axis=0).A1.tolist(), strict=True))
    docs = dict(zip(names, (matrix > 0).sum(axis=0).A1.tolist(), strict=True))
    return mask, count, docs, int(matrix.sum())


@pytest.mark.parametrize(
    "query", ["peace", "war | conflict", "slavery", "the", "economy | jobs | taxes"]
)
def test_keyword_selection_term_table_equals_count_vectorizer_on_sotu(sotu, query):
    # the selection of a keyword and the term table over it, each held to the
    # token rule and scikit-learn's CountVectorizer on the selected texts
    from analysis.selection import Filters, select
    from analysis.stopwords import default_stopwords
    from analysis.text import is_number

    mask, count, docs, tokens = _words_of_selection(sotu, [w.strip() for w in query.split("|")])
    assert 0 < mask.sum() <= sotu.n_docs
    np.testing.assert_array_equal(select(sotu, Filters(query=query)), mask)
    table = term_frequencies(sotu, mask, kind="word", stopwords=frozenset(), numbers=True)
    assert dict(zip(table["term"], table["count"], strict=True)) == count
    assert dict(zip(table["term"], table["docs"], strict=True)) == docs
    assert table["per_million"].to_numpy() == pytest.approx(
        table["count"].to_numpy() / tokens * 1e6, rel=1e-12
    )
    # the page's ranking: stopwords hidden, by count then term, only the top rows made
    stop = default_stopwords()
    expected = sorted(((-c, t) for t, c in count.items() if t not in stop and not is_number(t)))
    top = term_frequencies(sotu, mask, kind="word", stopwords=stop, top=40)
    assert list(zip(-top["count"], top["term"], strict=True)) == expected[:40]
    whole = term_frequencies(sotu, mask, kind="word", stopwords=stop)
    pd.testing.assert_frame_equal(top, whole.head(40))


def test_column_totals_without_the_packed_sums_are_the_same():
    # an index whose counts could overflow 32 bits per column sums with two accumulators
    from analysis.terms import column_totals

    ix = build_index(load_corpus("seeds"))
    rng = np.random.default_rng(5)
    masks = [rng.random(ix.n_docs) < p for p in (0.3, 0.7)] + [np.arange(ix.n_docs) == 1]
    packed = [column_totals(ix, mask) for mask in masks]
    assert ix._memo["packable"] is True
    ix._memo["packable"] = False
    for mask, (count, docs) in zip(masks, packed, strict=True):
        plain_count, plain_docs = column_totals(ix, mask)
        np.testing.assert_array_equal(plain_count, count)
        np.testing.assert_array_equal(plain_docs, docs)


def test_keyword_selection_term_table_by_hand():
    # d1 "Peace and trade. Peace!"   d2 "War, then peace talks."   d3 "Trade war."
    # d4 "Talks of trade"; "peace" selects d1, d2: peace 3 (2 docs), trade 1, talks 1,
    # and 1, then 1, war 1; 8 word tokens (4 + 4). "war | talks" selects d2, d3, d4.
    # "then peace | trade war" selects d2, d3; "peace war" none (never in that order).
    frame = pd.DataFrame(
        {
            "doc_id": ["d1", "d2", "d3", "d4"],
            "text": [
                "Peace and trade. Peace!",
                "War, then peace talks.",
                "Trade war.",
                "Talks of trade",
            ],
        }
    )
    from analysis.selection import Filters, select

    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    mask = select(ix, Filters(query="PEACE"))
    assert mask.tolist() == [True, True, False, False]
    table = term_frequencies(ix, mask, stopwords=frozenset()).set_index("term")
    assert table["count"].to_dict() == {
        "peace": 3,
        "and": 1,
        "talks": 1,
        "then": 1,
        "trade": 1,
        "war": 1,
    }
    assert table["docs"].to_dict() == {
        "peace": 2,
        "and": 1,
        "talks": 1,
        "then": 1,
        "trade": 1,
        "war": 1,
    }
    assert table.loc["peace", "per_million"] == pytest.approx(3 / 8 * 1e6)
    other = select(ix, Filters(query="war | talks"))
    assert other.tolist() == [False, True, True, True]
    # talks, trade, war 2 each (ties by term), then of, peace, then 1 each
    rows = term_frequencies(ix, other, stopwords=frozenset(), top=4)
    assert rows[["term", "count", "docs"]].values.tolist() == [
        ["talks", 2, 2],
        ["trade", 2, 2],
        ["war", 2, 2],
        ["of", 1, 1],
    ]
    sequence = select(ix, Filters(query="then peace | trade war"))
    assert sequence.tolist() == [False, True, True, False]
    assert not select(ix, Filters(query="peace war")).any()


def test_column_totals_of_recent_selections_are_kept_read_only_and_stay_right():
    from analysis.terms import column_totals

    texts = [f"tea {' '.join(['cup'] * i)} word{i}" for i in range(8)]
    ix = build_index(
        pd.DataFrame({"doc_id": [f"d{i}" for i in range(8)], "text": texts}),
        settings=IndexSettings(detect_phrases=False),
    )
    first = np.arange(8) == 0
    count, _ = column_totals(ix, first)
    assert column_totals(ix, first.copy())[0] is count  # the same selection: kept
    with pytest.raises(ValueError, match="read-only"):
        count[0] = 1
    for row in range(1, 8):  # more selections than are kept push the first one out
        mask = np.arange(8) == row
        got, got_docs = column_totals(ix, mask)
        np.testing.assert_array_equal(got, ix.counts[row].toarray().ravel())
        np.testing.assert_array_equal(got_docs, (ix.counts[row].toarray().ravel() > 0))
    again = column_totals(ix, first)[0]
    assert again is not count
    np.testing.assert_array_equal(again, count)
