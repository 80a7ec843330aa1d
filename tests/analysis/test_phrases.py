"""Phrase detection on token streams counted by hand, and on the seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.index import IndexSettings, build_index
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


def test_phrases_counted_in_two_parts_equal_one_pass(monkeypatch):
    import analysis.phrases as phrases

    from .tiny import shared_corpus

    folder = shared_corpus("us_sotu")
    frame = pd.read_json(folder / "docs.jsonl.gz" if (folder / "docs.jsonl.gz").exists()
                         else folder / "docs.jsonl", lines=True).head(60)  # fmt: skip
    frame = frame.assign(doc_id=frame.index.astype(str))[["doc_id", "text"]]
    one = build_index(frame)
    monkeypatch.setattr(phrases, "PARALLEL_MIN", 0)
    monkeypatch.setattr(phrases.kernels, "WORKERS", 2)
    two = build_index(frame)
    assert (one.vocab["kind"] == "phrase").sum() > 100
    assert one.vocab["term"].tolist() == two.vocab["term"].tolist()
    assert (one.counts != two.counts).nnz == 0
