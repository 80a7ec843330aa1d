"""analysis/similarity.py: TF-IDF cosine against scikit-learn, nearest documents, clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity

from analysis import schema as S
from analysis.corpus import load_corpus
from analysis.corpus_index import IndexSettings
from analysis.errors import OptionError
from analysis.index import build_index
from analysis.selection import Filters, select
from analysis.similarity import (
    cluster_documents,
    document_similarity,
    group_similarity,
    nearest_documents,
)
from analysis.stopwords import default_stopwords
from analysis.terms import stopword_columns
from tests.analysis.tiny import shared_corpus


def test_document_similarity_seeds_equals_sklearn_cosine(seeds):
    words = (seeds.vocab[S.KIND] == S.WORD).to_numpy()
    keep = np.flatnonzero(words & ~stopword_columns(seeds, default_stopwords()))
    counts = seeds.counts[:, keep]
    expected = cosine_similarity(TfidfTransformer(norm="l2", smooth_idf=True).fit_transform(counts))
    got = document_similarity(seeds)
    assert list(got.index) == seeds.docs[S.DOC_ID].tolist() == list(got.columns)
    assert np.abs(got.to_numpy() - expected).max() < 1e-9
    assert 0.3 < got.iloc[0, 1] < 0.95


def test_document_similarity_doc_ids_and_limits(seeds):
    ids = seeds.docs[S.DOC_ID].tolist()[::-1]
    assert list(document_similarity(seeds, doc_ids=ids).index) == ids
    with pytest.raises(OptionError, match="No document with id 'nope'"):
        document_similarity(seeds, doc_ids=["nope"])
    with pytest.raises(OptionError, match=r"at most 1\. Narrow the filters"):
        document_similarity(seeds, max_docs=1)


def test_group_similarity_sums_counts(tiny):
    table = group_similarity(
        tiny,
        {
            "x": select(tiny, Filters(sources=("Xinhua",))),
            "b": select(tiny, Filters(sources=("BBC",))),
        },
        stopwords=frozenset(),
    )
    assert table.shape == (2, 2)
    assert table.loc["x", "x"] == pytest.approx(1.0)
    assert 0 < table.loc["x", "b"] < 1


def test_group_similarity_equals_sklearn_on_summed_rows():
    corpus = load_corpus(shared_corpus("reuters21578") / "docs.jsonl").docs.iloc[:300]
    ix = build_index(corpus)
    rng = np.random.default_rng(7)
    # a large group (its sums come from the rest, subtracted), a small one, one document
    # and every document: each way of summing
    masks = {
        "large": rng.random(ix.n_docs) < 0.8,
        "small": rng.random(ix.n_docs) < 0.1,
        "one": np.arange(ix.n_docs) == 5,
        "all": np.ones(ix.n_docs, dtype=bool),
    }
    for stop in (default_stopwords(), frozenset()):
        words = (ix.vocab[S.KIND] == S.WORD).to_numpy()
        keep = np.flatnonzero(words & ~stopword_columns(ix, stop))
        counts = ix.counts[:, keep]
        idf = TfidfTransformer(norm="l2", smooth_idf=True).fit(counts).idf_
        summed = np.vstack([np.asarray(counts[m].sum(axis=0)).ravel() for m in masks.values()])
        expected = cosine_similarity(summed * idf)
        got = group_similarity(ix, masks, stopwords=stop)
        assert list(got.index) == list(got.columns) == list(masks)
        assert np.abs(got.to_numpy() - expected).max() < 1e-12


def test_nearest_documents_and_clusters(tiny):
    near = nearest_documents(tiny, "b", stopwords=frozenset())
    assert list(near.columns) == list(S.NEAREST_COLUMNS)
    assert "b" not in near[S.DOC_ID].tolist()
    assert near[S.SIMILARITY].is_monotonic_decreasing
    clusters = cluster_documents(document_similarity(tiny, stopwords=frozenset()))
    assert clusters["linkage"].shape == (2, 4)
    assert sorted(clusters["ordered_labels"]) == ["a", "b", "c"]


def test_nearest_documents_from_kept_weights_equal_sklearn_cosine():
    corpus = load_corpus(shared_corpus("reuters21578") / "docs.jsonl").docs.iloc[:300]
    ix = build_index(corpus, settings=IndexSettings(detect_phrases=False))
    rng = np.random.default_rng(4)
    for stop in (default_stopwords(), frozenset(), frozenset({"the", "said"})):
        words = (ix.vocab[S.KIND] == S.WORD).to_numpy()
        keep = np.flatnonzero(words & ~stopword_columns(ix, stop))
        tfidf = TfidfTransformer(norm="l2", smooth_idf=True).fit_transform(ix.counts[:, keep])
        expected = cosine_similarity(tfidf)
        for row in rng.choice(ix.n_docs, size=5, replace=False).tolist():
            mask = rng.random(ix.n_docs) < 0.7
            near = nearest_documents(
                ix, ix.docs[S.DOC_ID].iloc[row], n=8, mask=mask, stopwords=stop
            )
            others = np.flatnonzero(mask & (np.arange(ix.n_docs) != row))
            sims = expected[row, others]
            order = others[np.argsort(-sims, kind="stable")[:8]]
            got = dict(zip(near[S.DOC_ID], near[S.SIMILARITY], strict=True))
            want = dict(zip(ix.docs[S.DOC_ID].iloc[order], expected[row, order], strict=True))
            assert got.keys() == want.keys()
            assert max(abs(got[d] - want[d]) for d in got) < 1e-12


def test_nearest_documents_do_not_depend_on_the_blocks_of_the_product(monkeypatch):
    from analysis import similarity

    corpus = load_corpus(shared_corpus("reuters21578") / "docs.jsonl").docs.iloc[:300]
    ix = build_index(corpus, settings=IndexSettings(detect_phrases=False))
    ids = ix.docs[S.DOC_ID].astype(str).tolist()
    whole = [nearest_documents(ix, d, n=20) for d in ids[:40]]
    ix._memo.clear()  # the weights again, then products of many blocks of a few rows
    monkeypatch.setattr(similarity, "_BLOCK", 97)
    for doc_id, first in zip(ids[:40], whole, strict=True):
        pd.testing.assert_frame_equal(first, nearest_documents(ix, doc_id, n=20), check_exact=True)
    product = similarity._by_rows(ix.counts, np.arange(ix.counts.shape[1], dtype=np.float64))
    expected = ix.counts.astype(np.float64) @ np.arange(ix.counts.shape[1])
    assert product.tolist() == expected.tolist()


def test_first_highest_is_the_head_of_a_stable_argsort():
    from analysis.similarity import _first_highest

    rng = np.random.default_rng(9)
    for size in (0, 1, 5, 200, 5000):
        for values in (
            rng.random(size),
            rng.integers(0, 4, size=size) / 4.0,  # many ties, kept in order
            np.zeros(size),
            np.where(rng.random(size) < 0.3, np.nan, rng.random(size)),
        ):
            for n in (1, 3, 10, size, size + 2):
                if n < 1:
                    continue
                expected = np.argsort(-values, kind="stable")[:n]
                assert _first_highest(values, n).tolist() == expected.tolist()


def test_cells_equal_a_take_of_the_column():
    from analysis.similarity import _FEW_ROWS, _cells

    rng = np.random.default_rng(2)
    size = 3 * _FEW_ROWS
    words = pd.Series(rng.choice(["tea", "rice", None], size=size), dtype="str")
    frame = pd.DataFrame(
        {
            "words": words,
            "objects": pd.Series(words.tolist(), dtype=object),
            "dates": pd.to_datetime(rng.choice(["2020-01-02", None], size=size)),
        },
        index=np.arange(size) + 7,
    )
    for n in (0, 1, 10, _FEW_ROWS + 1):
        rows = rng.choice(size, size=n, replace=False)
        for name in frame.columns:
            expected = frame[name].iloc[rows].reset_index(drop=True)
            pd.testing.assert_series_equal(_cells(frame[name], rows), expected, check_names=False)
