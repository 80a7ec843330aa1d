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

from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp


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


def detect_phrases(
    doc: np.ndarray,
    ids: np.ndarray,
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
    doc, ids
        The token stream (see the module docstring); ``doc`` non-decreasing.
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
    >>> p = detect_phrases(doc, ids, n_docs=1, word_counts=np.array([2, 2, 1]),
    ...                    stop=np.zeros(3, bool), options=PhraseOptions(min_count=2, min_docs=1))
    >>> p.sequences, p.counts.toarray().tolist()
    ([(0, 1)], [[2]])
    """
    n_words = len(word_counts)
    total = float(word_counts.sum())
    min_docs = max(1, min(options.min_docs, n_docs))
    ids64 = ids.astype(np.int64)
    is_word = ids64 >= 0
    starts_ok = is_word.copy()
    starts_ok[is_word] = ~stop[ids64[is_word]]
    # prefix[i]: id of the frequent (n-1)-gram starting at i, or -1.
    prefix = np.where(starts_ok, ids64, -1)
    prefix_sequences: list[tuple[int, ...]] = [(i,) for i in range(n_words)]
    log_p_word = np.log(np.maximum(word_counts, 1) / max(total, 1.0))

    kept_seq: list[tuple[int, ...]] = []
    kept_scores: list[float] = []
    per_doc: list[pl.DataFrame] = []
    occurrences: list[tuple[np.ndarray, np.ndarray]] = []  # (start positions, phrase index)
    n_tokens = len(ids64)
    for n in range(2, options.max_n + 1):
        if n_tokens < n:
            break
        span = n_tokens - n + 1
        head = prefix[:span]
        last = ids64[n - 1 :]
        ok = (head >= 0) & (last >= 0) & (doc[:span] == doc[n - 1 :])
        if not ok.any():
            break
        positions = np.flatnonzero(ok)
        keys = head[positions] * n_words + last[positions]
        pairs = (
            pl.DataFrame({"k": keys, "d": doc[positions]})
            .group_by("k", "d")
            .len()
        )
        stats = pairs.group_by("k").agg(
            pl.col("len").sum().alias("count"), pl.len().alias("docs")
        )
        frequent = stats.filter(
            (pl.col("count") >= options.min_count) & (pl.col("docs") >= min_docs)
        ).sort("k")
        if frequent.height == 0:
            break
        fkeys = frequent["k"].to_numpy()
        fcounts = frequent["count"].to_numpy().astype(np.float64)
        seqs = [prefix_sequences[int(k // n_words)] + (int(k % n_words),) for k in fkeys]
        first = np.array([s[0] for s in seqs])
        final = np.array([s[-1] for s in seqs])
        log_p = np.log(fcounts / total)
        parts = np.array([log_p_word[list(s)].sum() for s in seqs])
        score = (log_p - parts) / (-(n - 1) * log_p)
        candidate = ~stop[first] & ~stop[final] & (score >= options.min_score)
        for j in np.flatnonzero(candidate):
            kept_seq.append(seqs[j])
            kept_scores.append(float(score[j]))
        kept_keys = fkeys[candidate]
        if len(kept_keys):
            level_pairs = pairs.filter(pl.col("k").is_in(pl.Series(kept_keys)))
            index_of = {int(k): len(kept_seq) - len(kept_keys) + i for i, k in enumerate(kept_keys)}
            per_doc.append(
                level_pairs.with_columns(
                    pl.col("k").replace_strict(index_of, return_dtype=pl.Int64).alias("p")
                ).select("d", "p", "len")
            )
        # Grow the next level from the frequent n-grams only.
        where = np.searchsorted(fkeys, keys)
        where = np.minimum(where, len(fkeys) - 1)
        hit = fkeys[where] == keys
        if len(kept_keys):
            first_kept = len(kept_seq) - len(kept_keys)
            rank = np.full(len(fkeys), -1, dtype=np.int64)
            rank[np.flatnonzero(candidate)] = np.arange(first_kept, len(kept_seq))
            mine = hit & (rank[where] >= 0)
            occurrences.append((positions[mine], rank[where[mine]]))
        prefix = np.full(n_tokens, -1, dtype=np.int64)
        prefix[positions[hit]] = where[hit]
        prefix_sequences = seqs

    counts = _assemble(per_doc, n_docs, len(kept_seq))
    scores = np.array(kept_scores)
    fragment = _fragments(kept_seq, scores, occurrences, n_tokens, options.nested_share)
    sequences, counts, scores = _drop_nested(
        kept_seq, counts, scores, options.nested_share, drop=fragment
    )
    user_flags = np.zeros(len(sequences), dtype=bool)
    if user_sequences:
        sequences, counts, scores, user_flags = _add_user(
            doc, ids64, sequences, counts, scores, user_flags, user_sequences, n_docs
        )
    return Phrases(sequences=sequences, counts=counts, scores=scores, user=user_flags)


def _assemble(per_doc: list[pl.DataFrame], n_docs: int, n_phrases: int) -> sp.csr_matrix:
    if not per_doc or n_phrases == 0:
        return sp.csr_matrix((n_docs, n_phrases), dtype=np.int32)
    table = pl.concat(per_doc)
    return sp.csr_matrix(
        (
            table["len"].to_numpy().astype(np.int32),
            (table["d"].to_numpy(), table["p"].to_numpy()),
        ),
        shape=(n_docs, n_phrases),
    )


def _fragments(
    sequences: list[tuple[int, ...]],
    scores: np.ndarray,
    occurrences: list[tuple[np.ndarray, np.ndarray]],
    n_tokens: int,
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
    lengths = np.array([len(s) for s in sequences])[which]
    ends = starts + lengths - 1
    best_start = np.full(n_tokens, -np.inf)
    best_end = np.full(n_tokens, -np.inf)
    np.maximum.at(best_start, starts, scores[which])
    np.maximum.at(best_end, ends, scores[which])
    mine = scores[which]
    joined = (best_start[ends] > mine) | (best_end[starts] > mine)
    total = np.bincount(which, minlength=len(sequences))
    fragments = np.bincount(which, weights=joined, minlength=len(sequences))
    drop[total > 0] = fragments[total > 0] >= share * total[total > 0]
    return drop


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


def count_sequence(doc: np.ndarray, ids: np.ndarray, seq: tuple[int, ...], n_docs: int) -> np.ndarray:
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
    doc: np.ndarray,
    ids: np.ndarray,
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
        extra_cols.append(count_sequence(doc, ids, seq, n_docs))
    if extra_cols:
        extra = sp.csr_matrix(np.column_stack(extra_cols).astype(np.int32))
        counts = sp.hstack([counts, extra], format="csr")
        scores = np.concatenate([scores, np.full(len(extra_cols), np.nan)])
        user_flags = np.concatenate([user_flags, np.ones(len(extra_cols), dtype=bool)])
    return sequences, counts, scores, user_flags
