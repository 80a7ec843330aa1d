"""Multi-word terms found across the corpus, plus the user's own phrases.

Works on the corpus token stream: two aligned arrays, ``doc`` (document row)
and ``ids`` (word id, or :data:`analysis.text.BOUNDARY` for punctuation and
line breaks). Everything is vectorised with numpy and polars.

Detection
---------
Candidates are n-grams of 2 to ``max_n`` words that span no boundary and
neither start nor end with a stopword (inner stopwords are allowed, as in
"communist party of china"). They are grown level by level: an n-gram is
counted only where its first n-1 words are a frequent (n-1)-gram, so the work
stays proportional to the text. A candidate is kept when it occurs at least
``min_count`` times in at least ``min_docs`` documents and its association
score reaches ``min_score``. The score generalises normalised PMI::

    score = (log p(w1..wn) - sum_i log p(wi)) / (-(n - 1) * log p(w1..wn))

which is NPMI for bigrams, 0 for words that co-occur by chance and 1 for
words that only ever occur together. Finally a phrase is dropped when at
least ``nested_share`` of its occurrences lie inside one longer kept phrase
("yangtze river" inside "yangtze river delta").

Phrase counts are added beside word counts: they never reduce them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import polars as pl
import scipy.sparse as sp

#: Threads for per-shard work (numpy sorts and polars joins run outside the GIL).
WORKERS = max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class PhraseOptions:
    """Thresholds of phrase detection (see the module docstring)."""

    min_count: int = 3
    min_docs: int = 2
    min_score: float = 0.5
    max_n: int = 4
    nested_share: float = 0.8


@dataclass(frozen=True)
class Phrases:
    """Phrases found or given, and their counts per document.

    ``sequences`` holds each phrase as a tuple of word ids; ``counts`` is a CSR
    matrix (documents x phrases); ``scores`` is NaN for user phrases that were
    not detected.
    """

    sequences: list[tuple[int, ...]]
    counts: sp.csr_matrix
    scores: np.ndarray
    user: np.ndarray


Stream = tuple[np.ndarray, np.ndarray]
"""One shard of the token stream: (doc, ids), ``doc`` non-decreasing."""


def detect_phrases(
    shards: list[Stream],
    *,
    n_docs: int,
    word_counts: np.ndarray,
    stop: np.ndarray,
    options: PhraseOptions = PhraseOptions(),
    user_sequences: list[tuple[int, ...]] | None = None,
) -> Phrases:
    """Find phrases in a token stream and count them per document.

    Parameters
    ----------
    shards
        The token stream in shards (see the module docstring); the documents
        of one shard follow those of the shard before it. Each level is
        counted shard by shard and the counts are merged, which keeps the
        arrays small enough to stay in the processor's caches.
    n_docs
        Number of documents (rows of the returned counts).
    word_counts
        Corpus count of every word id.
    stop
        Boolean per word id: stopwords may not start or end a phrase.
    options
        Detection thresholds; ``min_docs`` is capped at ``n_docs``.
    user_sequences
        Phrases the user asked for, as word-id tuples; always kept.

    Examples
    --------
    >>> doc = np.zeros(6, dtype=np.int32); ids = np.array([0, 1, -1, 0, 1, 2], dtype=np.int32)
    >>> p = detect_phrases([(doc, ids)], n_docs=1, word_counts=np.array([2, 2, 1]),
    ...                    stop=np.zeros(3, bool), options=PhraseOptions(min_count=2, min_docs=1))
    >>> p.sequences, p.counts.toarray().tolist()
    ([(0, 1)], [[2]])
    """
    n_words = len(word_counts)
    total = max(float(word_counts.sum()), 1.0)
    min_docs = max(1, min(options.min_docs, n_docs))
    stop = np.asarray(stop, dtype=bool)
    log_p_word = np.log(np.maximum(word_counts, 1) / total)
    doc_base = max(n_docs, 1)
    shards = [(np.asarray(d, dtype=np.int32), np.asarray(i, dtype=np.int32)) for d, i in shards]
    # Per shard, active: positions where a frequent (n-1)-gram starts (at
    # level 1 a non-stopword); prefix: that n-gram's index among the frequent.
    active: list[np.ndarray] = []
    prefix: list[np.ndarray] = []
    for _doc, ids in shards:
        where = np.flatnonzero(ids >= 0).astype(np.int32)
        where = where[~stop[ids[where]]]
        active.append(where)
        prefix.append(ids[where].astype(np.int64))
    prefix_first = np.arange(n_words)
    prefix_logsum = log_p_word
    levels: list[tuple[np.ndarray, np.ndarray]] = []  # per level: (parent, last word)

    kept: list[tuple[int, int]] = []  # (level n, index among that level's frequent n-grams)
    kept_scores: list[np.ndarray] = []
    per_doc: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (doc, phrase, count)
    occurrences: list[tuple[np.ndarray, np.ndarray]] = []  # (global start position, phrase)
    offsets = np.cumsum([0] + [len(ids) for _d, ids in shards])
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for n in range(2, options.max_n + 1):
            if float(len(prefix_first)) * n_words * doc_base >= 2.0**62:
                raise OverflowError("too many distinct n-grams for 64-bit keys")
            # Shards are counted in parallel threads: numpy's sort and polars'
            # join release the GIL.
            level = list(
                pool.map(
                    _count_level,
                    shards,
                    active,
                    prefix,
                    repeat(n),
                    repeat(n_words),
                    repeat(doc_base),
                )
            )
            active = [at for at, _keys, _pairs in level]
            merged = _merge_pair_stats([pairs for _at, _keys, pairs in level], doc_base)
            if merged is None:
                break
            ukeys, counts, spread = merged
            frequent = np.flatnonzero((counts >= options.min_count) & (spread >= min_docs))
            if len(frequent) == 0:
                break
            fkeys = ukeys[frequent]
            parent = fkeys // n_words
            last_word = fkeys % n_words
            first = prefix_first[parent]
            logsum = prefix_logsum[parent] + log_p_word[last_word]
            log_p = np.log(counts[frequent] / total)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(log_p < 0, (log_p - logsum) / (-(n - 1) * log_p), 1.0)
            candidate = np.flatnonzero(
                ~stop[first] & ~stop[last_word] & (score >= options.min_score)
            )
            levels.append((parent, last_word))
            kept_rank = np.full(len(fkeys), -1, dtype=np.int64)
            kept_rank[candidate] = np.arange(len(kept), len(kept) + len(candidate))
            kept.extend((n, int(i)) for i in candidate)
            kept_scores.append(score[candidate])

            ranks = pl.DataFrame({"k": fkeys, "r": np.arange(len(fkeys), dtype=np.int64)})
            kept_keys = fkeys[candidate]
            advanced = list(
                pool.map(
                    _advance,
                    level,
                    repeat(ranks),
                    repeat(kept_keys),
                    repeat(kept_rank[candidate]),
                    repeat(kept_rank),
                    repeat(doc_base),
                )
            )
            for s, (at, rank, doc_counts, occurrence) in enumerate(advanced):
                active[s], prefix[s] = at, rank
                per_doc.append(doc_counts)
                occurrences.append((occurrence[0] + offsets[s], occurrence[1]))
            prefix_first, prefix_logsum = first, logsum

    sequences = [_unwind(levels, n, i) for n, i in kept]
    counts_matrix = _assemble(per_doc, n_docs, len(sequences))
    scores = np.concatenate(kept_scores) if kept_scores else np.zeros(0)
    fragment = _fragments(sequences, scores, occurrences, options.nested_share)
    sequences, counts_matrix, scores = _drop_nested(
        sequences, counts_matrix, scores, options.nested_share, drop=fragment
    )
    user_flags = np.zeros(len(sequences), dtype=bool)
    if user_sequences:
        sequences, counts_matrix, scores, user_flags = _add_user(
            shards, sequences, counts_matrix, scores, user_flags, user_sequences, n_docs
        )
    return Phrases(sequences=sequences, counts=counts_matrix, scores=scores, user=user_flags)


def _count_level(
    shard: Stream, at: np.ndarray, head: np.ndarray, n: int, n_words: int, doc_base: int
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """One shard's n-grams: their start positions, keys, and sorted (key, doc) counts."""
    doc, ids = shard
    inside = at < len(ids) - (n - 1)
    at, head = at[inside], head[inside]
    following = ids[at + (n - 1)]
    ok = (following >= 0) & (doc[at] == doc[at + (n - 1)])
    at = at[ok]
    keys = head[ok] * n_words + following[ok]
    # One sort of (n-gram, document) keys gives the per-document counts.
    return at, keys, sorted_counts(keys * doc_base + doc[at])


def _advance(
    level: tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]],
    ranks: pl.DataFrame,
    kept_keys: np.ndarray,
    kept_index: np.ndarray,
    kept_rank: np.ndarray,
    doc_base: int,
) -> tuple[
    np.ndarray,
    np.ndarray,
    tuple[np.ndarray, np.ndarray, np.ndarray],
    tuple[np.ndarray, np.ndarray],
]:
    """One shard after a level: where frequent n-grams start (the next level's
    prefixes), per-document counts of the kept ones, and their positions."""
    at, keys, (pair_keys, pair_counts) = level
    pair_key = pair_keys // doc_base
    if len(kept_keys):
        where = np.minimum(np.searchsorted(kept_keys, pair_key), len(kept_keys) - 1)
        mine = kept_keys[where] == pair_key
        doc_counts = (pair_keys[mine] % doc_base, kept_index[where[mine]], pair_counts[mine])
    else:
        empty = np.zeros(0, dtype=np.int64)
        doc_counts = (empty, empty, empty)
    # the next level starts where a frequent n-gram starts (a hash join)
    rank = (
        pl.DataFrame({"k": keys})
        .join(ranks, on="k", how="left", maintain_order="left")["r"]
        .fill_null(-1)
        .to_numpy()
    )
    still = rank >= 0
    at, rank = at[still], rank[still]
    position_kept = kept_rank[rank]
    hit = position_kept >= 0
    return at, rank, doc_counts, (at[hit].astype(np.int64), position_kept[hit])


def _merge_pair_stats(
    pairs: list[tuple[np.ndarray, np.ndarray]], doc_base: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Corpus count and document spread of each n-gram, from per-shard sorted pairs.

    Shards hold different documents, so counts and spreads simply add up.
    """
    parts_keys, parts_counts, parts_spread = [], [], []
    for pair_keys, pair_counts in pairs:
        if len(pair_keys) == 0:
            continue
        key = pair_keys // doc_base
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        parts_keys.append(key[first])
        parts_counts.append(np.add.reduceat(pair_counts, first))
        parts_spread.append(np.diff(np.r_[first, len(key)]))
    if not parts_keys:
        return None
    if len(parts_keys) == 1:
        return parts_keys[0], parts_counts[0], parts_spread[0]
    # polars sorts the three columns together, on both cores
    merged = pl.DataFrame(
        {
            "k": np.concatenate(parts_keys),
            "c": np.concatenate(parts_counts),
            "s": np.concatenate(parts_spread),
        }
    ).sort("k")
    keys = merged["k"].to_numpy()
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.add.reduceat(merged["c"].to_numpy(), first)
    spread = np.add.reduceat(merged["s"].to_numpy(), first)
    return keys[first], counts, spread


def sorted_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (ascending) and how often each occurs.

    A sort and a pass: numpy's SIMD sort of int64 beats hashing here.

    >>> sorted_counts(np.array([5, 1, 5, 5]))
    (array([1, 5]), array([1, 3]))
    """
    if len(values) == 0:
        return values, np.zeros(0, dtype=np.int64)
    ordered = np.sort(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def _unwind(levels: list[tuple[np.ndarray, np.ndarray]], n: int, index: int) -> tuple[int, ...]:
    """Word ids of the ``index``-th frequent n-gram, following parent links."""
    words = []
    for level in range(n - 2, -1, -1):
        parent, last = levels[level]
        words.append(int(last[index]))
        index = int(parent[index])
    words.append(index)
    return tuple(reversed(words))


def _assemble(
    per_doc: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_docs: int, n_phrases: int
) -> sp.csr_matrix:
    if not per_doc or n_phrases == 0:
        return sp.csr_matrix((n_docs, n_phrases), dtype=np.int32)
    docs = np.concatenate([p[0] for p in per_doc])
    phrases = np.concatenate([p[1] for p in per_doc])
    values = np.concatenate([p[2] for p in per_doc]).astype(np.int32)
    return sp.csr_matrix((values, (docs, phrases)), shape=(n_docs, n_phrases))


def _fragments(
    sequences: list[tuple[int, ...]],
    scores: np.ndarray,
    occurrences: list[tuple[np.ndarray, np.ndarray]],
    share: float,
) -> np.ndarray:
    """Phrases that mostly run into a stronger phrase at either edge.

    "development of the yangtze" ends, nearly every time, on the word that
    starts "yangtze river delta", which scores higher: it is a fragment of a
    longer expression, not a term of its own.
    """
    drop = np.zeros(len(sequences), dtype=bool)
    if not occurrences:
        return drop
    starts = np.concatenate([o[0] for o in occurrences])
    which = np.concatenate([o[1] for o in occurrences])
    if len(starts) == 0:
        return drop
    ends = starts + np.array([len(s) for s in sequences])[which] - 1
    mine = scores[which]
    joined = _stronger_at(starts, mine, ends, mine) | _stronger_at(ends, mine, starts, mine)
    total = np.bincount(which, minlength=len(sequences))
    fragments = np.bincount(which, weights=joined, minlength=len(sequences))
    drop[total > 0] = fragments[total > 0] >= share * total[total > 0]
    return drop


def _stronger_at(
    places: np.ndarray, place_scores: np.ndarray, queries: np.ndarray, query_scores: np.ndarray
) -> np.ndarray:
    """For each query position: does a phrase scoring higher stand at ``places`` there?"""
    order = np.lexsort((-place_scores, places))  # by position, best score first
    sorted_places = places[order]
    firsts = np.flatnonzero(np.r_[True, sorted_places[1:] != sorted_places[:-1]])
    positions, best = sorted_places[firsts], place_scores[order][firsts]
    where = np.minimum(np.searchsorted(positions, queries), len(positions) - 1)
    return (positions[where] == queries) & (best[where] > query_scores)


def _drop_nested(
    sequences: list[tuple[int, ...]],
    counts: sp.csr_matrix,
    scores: np.ndarray,
    share: float,
    *,
    drop: np.ndarray,
) -> tuple[list[tuple[int, ...]], sp.csr_matrix, np.ndarray]:
    totals = np.asarray(counts.sum(axis=0)).ravel()
    position = {seq: i for i, seq in enumerate(sequences)}
    fragment = drop
    drop = drop.copy()
    for i, seq in enumerate(sequences):
        if fragment[i]:
            continue
        n = len(seq)
        for size in range(2, n):
            for start in range(n - size + 1):
                j = position.get(seq[start : start + size])
                if j is not None and totals[i] >= share * totals[j]:
                    drop[j] = True
    keep = np.flatnonzero(~drop)
    return [sequences[i] for i in keep], counts[:, keep].tocsr(), scores[keep]


def count_sequence(
    doc: np.ndarray, ids: np.ndarray, seq: tuple[int, ...], n_docs: int
) -> np.ndarray:
    """Occurrences of one word-id sequence per document (a vectorised scan)."""
    n = len(seq)
    span = len(ids) - n + 1
    if span <= 0 or min(seq) < 0:
        return np.zeros(n_docs, dtype=np.int64)
    match = doc[:span] == doc[n - 1 :]
    for offset, word in enumerate(seq):
        match &= ids[offset : offset + span] == word
    return np.bincount(doc[:span][match], minlength=n_docs)


def _add_user(
    shards: list[Stream],
    sequences: list[tuple[int, ...]],
    counts: sp.csr_matrix,
    scores: np.ndarray,
    user_flags: np.ndarray,
    user_sequences: list[tuple[int, ...]],
    n_docs: int,
) -> tuple[list[tuple[int, ...]], sp.csr_matrix, np.ndarray, np.ndarray]:
    sequences = list(sequences)
    user_flags = user_flags.copy()
    extra_cols = []
    for seq in dict.fromkeys(user_sequences):
        if seq in sequences:
            user_flags[sequences.index(seq)] = True
            continue
        sequences.append(seq)
        extra_cols.append(sum(count_sequence(d, i, seq, n_docs) for d, i in shards))
    if extra_cols:
        extra = sp.csr_matrix(np.column_stack(extra_cols).astype(np.int32))
        counts = sp.hstack([counts, extra], format="csr")
        scores = np.concatenate([scores, np.full(len(extra_cols), np.nan)])
        user_flags = np.concatenate([user_flags, np.ones(len(extra_cols), dtype=bool)])
    return sequences, counts, scores, user_flags
