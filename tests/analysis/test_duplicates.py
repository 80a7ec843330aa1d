"""analysis/duplicates.py: near-duplicate pairs (Jaccard of word shingles) and the collapse mask."""

from __future__ import annotations

import errno
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import schema as S
from analysis.corpus_index import IndexSettings
from analysis.duplicates import collapse_duplicates, near_duplicates
from analysis.index import build_index
from analysis.selection import Filters, select
from analysis.terms import term_frequencies
from tests.analysis.tiny import TINY


def _jaccard_by_hand(texts: list[str], shingle: int) -> dict[tuple[int, int], float]:
    sets = []
    for text in texts:
        words = text.split()
        grams = {tuple(words[i : i + shingle]) for i in range(len(words) - shingle + 1)}
        sets.append(grams or {tuple(words)})
    return {
        (i, j): len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
    }


def test_near_duplicates_reuters_and_collapse_removes_exactly_the_copies(reuters):
    started = time.perf_counter()
    pairs = near_duplicates(reuters, threshold=0.9)
    print(f"near_duplicates on {reuters.n_docs} documents: {time.perf_counter() - started:.2f} s")
    assert len(pairs) > 0
    assert (pairs[S.SIMILARITY] >= 0.9).all()
    keep = collapse_duplicates(reuters, pairs)
    removed = np.flatnonzero(~keep)
    involved = set(pairs[S.DOC_A]) | set(pairs[S.DOC_B])
    assert 0 < len(removed) < len(involved)
    # the "collapse duplicates" filter removes exactly these copies
    assert np.array_equal(keep, select(reuters, Filters(collapse_duplicates=True)))
    every = {"stopwords": frozenset(), "numbers": True}
    full = term_frequencies(reuters, **every).set_index(S.TERM)[S.COUNT]
    kept = term_frequencies(reuters, keep, **every).set_index(S.TERM)[S.COUNT]
    difference = full.sub(kept.reindex(full.index, fill_value=0))
    removed_counts = np.asarray(reuters.counts[removed].sum(axis=0)).ravel()
    expected = dict(zip(reuters.vocab[S.TERM], removed_counts, strict=True))
    assert difference.to_dict() == {t: expected[t] for t in difference.index}
    assert difference.sum() == reuters.doc_tokens[removed].sum()


def test_near_duplicates_exact_jaccard_on_a_small_corpus():
    base = "the central bank raised its key rate by half a point on tuesday to curb inflation"
    frame = TINY.iloc[[0, 0, 0]].assign(
        doc_id=["x", "y", "z"],
        text=[base, base + " again", "markets fell sharply as oil prices rose on supply fears"],
    )
    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    pairs = near_duplicates(ix, threshold=0.8, shingle=3)
    # x has 16 words, so 14 shingles of 3; y the same 14 plus one: Jaccard 14/15.
    assert pairs.to_dict("records") == [{"doc_a": "x", "doc_b": "y", "similarity": 14 / 15}]
    assert collapse_duplicates(ix, pairs).tolist() == [True, False, True]
    assert near_duplicates(ix, threshold=0.95, shingle=3).empty


@pytest.mark.parametrize("bucket_entries", [4096, 3])
def test_near_duplicates_found_once_equal_all_pairs_by_hand_and_any_selection(
    bucket_entries, monkeypatch
):
    # a few shingles a bucket: many buckets and tables, the same pairs
    monkeypatch.setattr("analysis.duplicates._BUCKET_ENTRIES", bucket_entries)
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(12)]
    texts = []
    for _ in range(12):
        base = list(rng.choice(words, size=int(rng.integers(3, 25))))
        texts.append(" ".join(base))
        for _ in range(int(rng.integers(0, 3))):  # near copies: one word changed or added
            copy = list(base)
            if rng.random() < 0.5:
                copy[int(rng.integers(0, len(copy)))] = "zz"
            else:
                copy.append("zz")
            texts.append(" ".join(copy))
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    ix = build_index(frame, settings=IndexSettings(detect_phrases=False))
    for threshold, shingle in ((0.9, 5), (0.6, 3), (0.3, 2)):
        by_hand = _jaccard_by_hand(texts, shingle)
        expected = sorted(((-s, i, j) for (i, j), s in by_hand.items() if s >= threshold - 1e-12))
        got = near_duplicates(ix, threshold=threshold, shingle=shingle)
        assert got[S.DOC_A].tolist() == [f"d{i}" for _, i, _ in expected]
        assert got[S.DOC_B].tolist() == [f"d{j}" for _, _, j in expected]
        assert np.allclose(got[S.SIMILARITY], [-s for s, _, _ in expected])
        for _ in range(5):
            mask = rng.random(len(texts)) < 0.6
            masked = near_duplicates(ix, mask, threshold=threshold, shingle=shingle)
            kept = [(i, j) for _, i, j in expected if mask[i] and mask[j]]
            assert list(zip(masked[S.DOC_A], masked[S.DOC_B], strict=True)) == [
                (f"d{i}", f"d{j}") for i, j in kept
            ]


def test_shingle_hashes_compiled_equal_the_array_computation(reuters):
    from analysis import kernels

    rows = np.arange(0, reuters.n_docs, 7)
    base = np.uint64(1_000_003)
    for shingle in (1, 3, 5):
        doc_of, hash_of = kernels.shingle_hashes(
            np.asarray(reuters.tokens), reuters.token_offsets, rows, shingle, base
        )
        # the same hashes computed with whole-array operations
        doc, ids = reuters.stream(rows)
        words = ids >= 0
        doc = doc[words].astype(np.int64)
        ids = ids[words].astype(np.uint64) + 1
        lengths = np.bincount(doc, minlength=len(rows))
        position = np.arange(len(doc)) - np.concatenate([[0], np.cumsum(lengths)[:-1]])[doc]
        hashes = np.zeros(len(doc), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for offset in range(shingle):
                at = np.arange(len(doc)) + offset
                same = np.zeros(len(doc), dtype=bool)
                inside = at < len(doc)
                same[inside] = doc[at[inside]] == doc[inside]
                term = np.zeros(len(doc), dtype=np.uint64)
                term[same] = ids[at[same]]
                hashes = hashes * base + term
        remaining = lengths[doc] - position
        valid = (remaining >= shingle) | ((position == 0) & (lengths[doc] < shingle))
        np.testing.assert_array_equal(doc_of, doc[valid])
        np.testing.assert_array_equal(hash_of, hashes[valid])


def _copies_frame() -> pd.DataFrame:
    """Three documents, two of them near copies (Jaccard 14/15 of 3-word shingles)."""
    base = "the central bank raised its key rate by half a point on tuesday to curb inflation"
    return TINY.iloc[[0, 0, 0]].assign(
        doc_id=["x", "y", "z"],
        text=[base, base + " again", "markets fell sharply as oil prices rose on supply fears"],
    )


def _result_files(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("result-"))


def _no_search(*_args, **_kwargs):
    raise AssertionError("the pairs were searched for again")


def test_near_duplicates_are_saved_with_the_index_and_read_by_the_next_process(
    tmp_path, monkeypatch
):
    settings = IndexSettings(detect_phrases=False)
    first = build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
    expected = near_duplicates(first, threshold=0.8, shingle=3)
    (folder,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert first.folder == folder
    assert len(_result_files(folder)) == 1
    collapsed = select(first, Filters(collapse_duplicates=True))  # the default pairs, saved too
    assert len(_result_files(folder)) == 2
    # another process: the index loaded from the cache, the pairs read, not searched for
    monkeypatch.setattr("analysis.duplicates._pairs", _no_search)
    again = build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
    assert again is not first
    assert again._near_pairs is None
    pd.testing.assert_frame_equal(near_duplicates(again, threshold=0.8, shingle=3), expected)
    assert select(again, Filters(collapse_duplicates=True)).tolist() == collapsed.tolist()
    # other settings are another result, searched for (here: refused) and not read
    with pytest.raises(AssertionError, match="searched for again"):
        near_duplicates(again, threshold=0.9, shingle=3)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "garbage", "empty", "flipped", "other index", "removed"],
)
def test_a_damaged_saved_pair_file_is_found_again_without_a_traceback(tmp_path, damage):
    settings = IndexSettings(detect_phrases=False)
    index = build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
    expected = near_duplicates(index, threshold=0.8, shingle=3)
    (name,) = _result_files(index.folder)
    path = index.folder / name
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a result at all")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "flipped":  # one byte of the similarity array changed
        at = data.rindex(np.float64(14 / 15).tobytes())
        path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    elif damage == "other index":  # another corpus's file under this name
        other = build_index(TINY, settings=settings, cache_dir=tmp_path / "other")
        near_duplicates(other, threshold=0.8, shingle=3)
        (theirs,) = _result_files(other.folder)
        path.write_bytes((other.folder / theirs).read_bytes())
    else:
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either: it is simply found again
        reopened = build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
        pd.testing.assert_frame_equal(near_duplicates(reopened, threshold=0.8, shingle=3), expected)
    # and saved whole again: the next process reads it
    assert _result_files(index.folder) == [name]
    assert path.read_bytes() == data


def _unwritable(*_args, **_kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def test_a_read_only_cache_finds_pairs_in_memory_with_one_warning(tmp_path, monkeypatch):
    settings = IndexSettings(detect_phrases=False)
    build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
    index = build_index(_copies_frame(), settings=settings, cache_dir=tmp_path)
    # root writes through mode bits: the writer refuses as a read-only mount would
    monkeypatch.setattr("analysis.result_store.tempfile.mkstemp", _unwritable)
    from analysis.result_store import ResultCacheWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pairs = near_duplicates(index, threshold=0.8, shingle=3)
        near_duplicates(index, threshold=0.9, shingle=3)  # a second result: no second warning
        again = near_duplicates(index, threshold=0.8, shingle=3)
    assert [w.category for w in caught] == [ResultCacheWarning]
    assert "cannot be written (Read-only file system)" in str(caught[0].message)
    assert "kept in memory only" in str(caught[0].message)
    assert "DASHBOARD_CACHE_DIR" in str(caught[0].message)
    assert pairs.to_dict("records") == [{"doc_a": "x", "doc_b": "y", "similarity": 14 / 15}]
    pd.testing.assert_frame_equal(again, pairs)
    assert _result_files(index.folder) == []
    assert [p for p in index.folder.iterdir() if p.name.startswith(".")] == []


def test_an_index_kept_in_memory_saves_no_pairs_and_warns_nothing():
    index = build_index(_copies_frame(), settings=IndexSettings(detect_phrases=False))
    assert index.folder is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(near_duplicates(index, threshold=0.8, shingle=3)) == 1
