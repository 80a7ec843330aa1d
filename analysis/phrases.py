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
import pandas as pd
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
    total = max(float(word_counts.sum()), 1.0)
    min_docs = max(1, min(options.min_docs, n_docs))
    ids64 = ids.astype(np.int64)
    n_tokens = len(ids64)
    is_word = ids64 >= 0
    stop = np.asarray(stop, dtype=bool)
    log_p_word = np.log(np.maximum(word_counts, 1) / total)
    # prefix[i]: index of the frequent (n-1)-gram starting at position i, or -1.
    # At level 1 the "frequent 1-grams" are the words themselves.
    prefix = np.where(is_word, ids64, -1)
    prefix_first = np.arange(n_words)
    prefix_logsum = log_p_word
    levels: list[tuple[np.ndarray, np.ndarray]] = []  # per level: (parent, last word)

    kept: list[tuple[int, int]] = []  # (level n, index among that level's frequent n-grams)
    kept_scores: list[np.ndarray] = []
    per_doc: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (doc, phrase, count)
    occurrences: list[tuple[np.ndarray, np.ndarray]] = []  # (start position, phrase)
    doc_base = max(n_docs, 1)
    for n in range(2, options.max_n + 1):
        if n_tokens < n:
            break
        span = n_tokens - n + 1
        head = prefix[:span]
        last = ids64[n - 1 :]
        positions = np.flatnonzero((head >= 0) & (last >= 0) & (doc[:span] == doc[n - 1 :]))
        if len(positions) == 0:
            break
        n_prefixes = len(prefix_first)
        if float(n_prefixes) * n_words * doc_base >= 2.0**62:
            raise OverflowError("too many distinct n-grams for 64-bit keys")
        keys = head[positions] * n_words + last[positions]
        # codes: a dense id per distinct n-gram (hashing); pairs: its (n-gram, document)
        # pairs, sorted, which give the document spread and the per-document counts.
        codes, ukeys = pd.factorize(keys)
        counts = np.bincount(codes)
        pairs, pair_counts = sorted_counts(codes.astype(np.int64) * doc_base + doc[positions])
        pair_code = pairs // doc_base
        spread = np.bincount(pair_code, minlength=len(ukeys))
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
        candidate = np.flatnonzero(~stop[first] & ~stop[last_word] & (score >= options.min_score))
        levels.append((parent, last_word))

        frequent_rank = np.full(len(ukeys), -1, dtype=np.int64)
        frequent_rank[frequent] = np.arange(len(frequent))
        kept_rank = np.full(len(ukeys), -1, dtype=np.int64)
        kept_rank[frequent[candidate]] = np.arange(len(kept), len(kept) + len(candidate))
        kept.extend((n, int(i)) for i in candidate)
        kept_scores.append(score[candidate])

        pair_phrase = kept_rank[pair_code]
        mine = pair_phrase >= 0
        per_doc.append((pairs[mine] % doc_base, pair_phrase[mine], pair_counts[mine]))
        position_kept = kept_rank[codes]
        hit = position_kept >= 0
        occurrences.append((positions[hit], position_kept[hit]))
        position_frequent = frequent_rank[codes]

        prefix = np.full(n_tokens, -1, dtype=np.int64)
        prefix[positions] = position_frequent
        prefix_first, prefix_logsum = first, logsum

    sequences = [_unwind(levels, n, i) for n, i in kept]
    counts_matrix = _assemble(per_doc, n_docs, len(sequences))
    scores = np.concatenate(kept_scores) if kept_scores else np.zeros(0)
    fragment = _fragments(sequences, scores, occurrences, n_tokens, options.nested_share)
    sequences, counts_matrix, scores = _drop_nested(
        sequences, counts_matrix, scores, options.nested_share, drop=fragment
    )
    user_flags = np.zeros(len(sequences), dtype=bool)
    if user_sequences:
        sequences, counts_matrix, scores, user_flags = _add_user(
            doc, ids64, sequences, counts_matrix, scores, user_flags, user_sequences, n_docs
        )
    return Phrases(sequences=sequences, counts=counts_matrix, scores=scores, user=user_flags)


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
