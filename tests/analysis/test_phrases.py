"""Phrase detection on token streams counted by hand, and on the seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.corpus_index import IndexSettings
from analysis.index import build_index
from analysis.phrases import PhraseOptions, count_sequence, detect_phrases


def _stream(*docs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    doc = np.concatenate([np.full(len(d), i, dtype=np.int32) for i, d in enumerate(docs)])
    ids = np.concatenate([np.asarray(d, dtype=np.int32) for d in docs])
    return doc, ids


def _counts(ids: np.ndarray, n_words: int) -> np.ndarray:
    return np.bincount(ids[ids >= 0], minlength=n_words)


def test_detect_phrases_counts_and_respects_boundaries():
    # words: 0 yangtze 1 river 2 delta 3 the ; -1 is a boundary
    doc, ids = _stream([0, 1, 2, -1, 0, 1, 2, 3], [0, 1, 2, -1, 3, 0, -1, 1, 2])
    found = detect_phrases(
        (doc, ids),
        n_docs=2,
        word_counts=_counts(ids, 4),
        stop=np.array([False, False, False, True]),
        options=PhraseOptions(min_count=2, min_docs=2, min_score=0.0),
    )
    phrases = dict(zip(found.sequences, found.counts.toarray().T.tolist(), strict=True))
    # "yangtze river delta" 2 + 1; "yangtze river" is inside it every time -> dropped;
    # "river delta" occurs 4 times (once across a boundary-free span in doc 1): kept.
    assert phrases[(0, 1, 2)] == [2, 1]
    assert (0, 1) not in phrases
    assert phrases[(1, 2)] == [2, 2]
    # nothing spans the boundary between "the" and "yangtze", nor starts with a stopword
    assert all(seq[0] != 3 and seq[-1] != 3 for seq in phrases)


def test_detect_phrases_thresholds_exclude_rare_ngrams():
    doc, ids = _stream([0, 1, 2, 3], [0, 1, 4, 5])
    found = detect_phrases(
        (doc, ids),
        n_docs=2,
        word_counts=_counts(ids, 6),
        stop=np.zeros(6, bool),
        options=PhraseOptions(min_count=3, min_docs=1),
    )
    assert found.sequences == []
    assert found.counts.shape == (2, 0)


def test_count_sequence_stays_inside_documents():
    doc, ids = _stream([5, 6], [6, 5, 6])
    assert count_sequence(doc, ids, (5, 6), 2).tolist() == [1, 1]
    assert count_sequence(doc, ids, (6, 5), 2).tolist() == [0, 1]


def test_user_phrases_are_counted_even_below_thresholds():
    frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["Sci-tech innovation rocks.", "Nothing."]})
    index = build_index(
        frame, settings=IndexSettings(user_phrases=("sci-tech innovation", "no such phrase"))
    )
    vocab = index.vocab.set_index("term")
    column = index.vocab.index[index.vocab["term"] == "sci-tech innovation"][0]
    assert index.counts[:, column].toarray().ravel().tolist() == [1, 0]
    assert bool(vocab.loc["sci-tech innovation", "user"])
    assert "no such phrase" in vocab.index


def test_phrase_counts_never_reduce_word_counts():
    frame = pd.DataFrame({"doc_id": ["a", "b"], "text": ["green tea green tea", "green tea"]})
    plain = build_index(frame, settings=IndexSettings(detect_phrases=False))
    with_phrases = build_index(
        frame, settings=IndexSettings(phrase_options=PhraseOptions(min_count=2))
    )
    words = plain.vocab.index[plain.vocab["kind"] == "word"]
    assert (plain.counts[:, words] != with_phrases.counts[:, words]).nnz == 0
    assert "green tea" in set(with_phrases.vocab["term"])


@pytest.mark.parametrize(
    "changes",
    [
        {"PARALLEL_MIN": 0},  # counted in two parts
        {"PARALLEL_MIN": 0, "PACKED_BITS": 0},  # documents read from the stream, not the keys
        {"PARTITION_ITEMS": 2**4},  # thousands of partitions, not a few
    ],
    ids=["two parts", "documents apart from keys", "many partitions"],
)
def test_phrases_found_another_way_equal_one_pass(monkeypatch, changes):
    import analysis.phrases as phrases

    from .tiny import shared_corpus

    folder = shared_corpus("us_sotu")
    frame = pd.read_json(folder / "docs.jsonl.gz" if (folder / "docs.jsonl.gz").exists()
                         else folder / "docs.jsonl", lines=True).head(60)  # fmt: skip
    frame = frame.assign(doc_id=frame.index.astype(str))[["doc_id", "text"]]
    one = build_index(frame)
    for name, value in changes.items():
        monkeypatch.setattr(phrases, name, value)
    monkeypatch.setattr(phrases.kernels, "WORKERS", 2)
    other = build_index(frame)
    assert (one.vocab["kind"] == "phrase").sum() > 100
    assert one.vocab["term"].tolist() == other.vocab["term"].tolist()
    assert np.array_equal(one.vocab["score"], other.vocab["score"], equal_nan=True)
    assert (one.counts != other.counts).nnz == 0


def _frequent_by_brute_force(doc, ids, stop, n_docs, options):
    """Every n-gram of 2..max_n words, no boundary inside, not starting or ending
    with a stop word, occurring min_count times in min_docs documents: per-document counts."""
    found = {}
    for n in range(2, options.max_n + 1):
        per_doc: dict[tuple[int, ...], np.ndarray] = {}
        for p in range(len(ids) - n + 1):
            gram = tuple(int(w) for w in ids[p : p + n])
            if min(gram) < 0 or doc[p] != doc[p + n - 1] or stop[gram[0]] or stop[gram[-1]]:
                continue
            per_doc.setdefault(gram, np.zeros(n_docs, dtype=np.int64))[doc[p]] += 1
        for gram, counts in per_doc.items():
            if counts.sum() >= options.min_count and (counts > 0).sum() >= options.min_docs:
                found[gram] = counts
    return found


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frequent_ngrams_equal_a_brute_force_count(seed):
    # With every score admitted and no phrase dropped as a fragment or nested,
    # detection returns exactly the frequent n-grams: the level-by-level
    # pruning (prefix and suffix) loses none and miscounts none.
    rng = np.random.default_rng(seed)
    n_words, n_docs = 6, 30
    size = 6_000
    ids = rng.choice(np.arange(-1, n_words), size=size, p=[0.1, 0.3, 0.2, 0.15, 0.1, 0.1, 0.05])
    ids = ids.astype(np.int32)
    doc = np.sort(rng.integers(0, n_docs, size=size)).astype(np.int32)
    stop = np.zeros(n_words, dtype=bool)
    stop[[0, 3]] = True
    options = PhraseOptions(min_count=4, min_docs=3, min_score=-np.inf, nested_share=2.0)
    found = detect_phrases(
        (doc, ids), n_docs=n_docs, word_counts=_counts(ids, n_words), stop=stop, options=options
    )
    expected = _frequent_by_brute_force(doc, ids, stop, n_docs, options)
    assert len(expected) > 50
    assert any(len(g) == 4 and stop[list(g[1:-1])].any() for g in expected)
    mine = {seq: found.counts[:, i].toarray().ravel() for i, seq in enumerate(found.sequences)}
    assert mine.keys() == expected.keys()
    for gram, counts in expected.items():
        assert mine[gram].tolist() == counts.tolist(), gram


def _formulation_stream(pair: int, alone_first: int, alone_second: int, filler: int):
    """``pair`` documents "0 1", then word 0 and word 1 alone, then ``filler`` other words."""
    docs = [[0, 1, -1]] * pair + [[0, -1]] * alone_first + [[1, -1]] * alone_second
    doc, ids = _stream(*docs, list(range(2, 2 + filler)))
    return (doc, ids), len(docs) + 1, _counts(ids, 2 + filler)


@pytest.mark.parametrize("han", [True, False])
def test_detect_phrases_keeps_han_formulations_that_hold_their_rarest_word(han):
    # "0 1": 10 times; word 0 occurs 12 times (10 of them before 1), word 1 110 times:
    # NPMI 0.453, under min_score 0.5, the shape of 高质量 + 发展.
    stream, n_docs, counts = _formulation_stream(10, 2, 100, 1000)
    found = detect_phrases(
        stream,
        n_docs=n_docs,
        word_counts=counts,
        stop=np.zeros(len(counts), bool),
        han=np.full(len(counts), han),
    )
    assert found.sequences == ([(0, 1)] if han else [])
    if han:
        assert found.scores[0] == pytest.approx(0.453, abs=1e-3)


def test_detect_phrases_rejects_han_ngrams_whose_words_mostly_stand_elsewhere():
    # NPMI 0.464 (above han_min_score), but each word is in the pair only 10 of 35 times
    stream, n_docs, counts = _formulation_stream(10, 25, 25, 1000)
    found = detect_phrases(
        stream,
        n_docs=n_docs,
        word_counts=counts,
        stop=np.zeros(len(counts), bool),
        han=np.ones(len(counts), bool),
    )
    assert found.sequences == []


@pytest.fixture(scope="module")
def zh_gov_index():
    import json

    from tests.analysis.tiny import shared_corpus

    path = shared_corpus("zh_gov_work_reports") / "docs.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    docs = pd.DataFrame({"doc_id": [r["id"] for r in rows], "text": [r["text"] for r in rows]})
    index = build_index(docs)
    vocab = index.vocab.assign(count=np.asarray(index.counts.sum(axis=0)).ravel())
    return vocab[(vocab["kind"] == "phrase") & ~vocab["user"]]


def test_established_chinese_formulations_are_detected_phrases(zh_gov_index):
    counts = dict(zip(zh_gov_index["term"], zh_gov_index["count"], strict=True))
    expected = {"高质量发展": 85, "供给侧结构性改革": 37, "全面建成小康社会": 67, "乡村振兴": 28}
    assert {term: counts.get(term) for term in expected} == expected


def test_chinese_phrase_precision_holds_on_the_hand_judged_sample(zh_gov_index):
    """Of the top 100 Chinese phrases, at least as many genuine ones as when judged (73).

    A phrase the judged list does not hold counts as noise, so a change that
    brings new phrases into the top 100 must be judged again to pass.
    """
    from pathlib import Path

    judged = pd.read_csv(
        Path(__file__).parent / "data" / "zh_gov_phrases_judged.tsv", sep="\t", comment="#"
    )
    assert len(judged) == 100
    genuine = set(judged.loc[judged["genuine"] == 1, "term"])
    top = (
        zh_gov_index[zh_gov_index["language"] == "zh"]
        .sort_values(["count", "term"], ascending=[False, True])
        .head(100)
    )
    assert len(top) == 100
    assert top["term"].isin(genuine).sum() >= 73
