"""Multi-word terms found across the corpus, plus the user's own phrases.

Works on the corpus token stream: two aligned arrays, ``doc`` (document row)
and ``ids`` (word id, or :data:`analysis.rule.BOUNDARY` for punctuation and
line breaks). Everything is vectorised: numpy for the arrays, compiled
passes per level (:mod:`analysis.kernels.ngrams`): the n-grams are scattered
by hash into partitions and each partition is counted with a hash table that
stays in the processor's cache.

Detection
---------
Candidates are n-grams of 2 to ``max_n`` words that span no boundary and
neither start nor end with a stopword (inner stopwords are allowed, as in
"communist party of china"). They are grown level by level: an n-gram is
counted only where its first n-1 words are a frequent (n-1)-gram, so the work
stays proportional to the text; on the last level, those ending with a
stopword are not counted at all. A candidate is kept when it occurs at least
``min_count`` times in at least ``min_docs`` documents and its association
score reaches ``min_score``. The score generalises normalised PMI::

    score = (log p(w1..wn) - sum_i log p(wi)) / (-(n - 1) * log p(w1..wn))

which is NPMI for bigrams, 0 for words that co-occur by chance and 1 for
words that only ever occur together. Finally a phrase is dropped when at
least ``nested_share`` of its occurrences lie inside one longer kept phrase
("yangtze river" inside "yangtze river delta").

Chinese formulations
--------------------
jieba's dictionary splits many set formulations (提法) into common words
(高质量发展 is 高质量 + 发展), and a very frequent last word such as 发展
depresses the score: 高质量发展 scores 0.453 on the government work reports.
So an n-gram of Han words only that misses ``min_score`` is still kept when it
reaches ``han_min_score`` and holds at least ``han_min_share`` of the
occurrences of its rarest word (高质量 stands before 发展 in 85 of its 129
occurrences): the rarest word belongs to the formulation. Other n-grams,
English ones included, are judged by ``min_score`` alone.

Phrase counts are added beside word counts: they never reduce them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from analysis import kernels

#: Streams longer than this are counted in parts on parallel threads (the work reports', 0.78 M
#: positions, too: their phrases are found beside nothing else).
PARALLEL_MIN = 2**18

_T = TypeVar("_T")


@dataclass(frozen=True)
class PhraseOptions:
    """Thresholds of phrase detection (see the module docstring)."""

    min_count: int = 3
    min_docs: int = 2
    min_score: float = 0.5
    han_min_score: float = 0.4
    han_min_share: float = 0.5
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
"""The token stream: (doc, ids), ``doc`` non-decreasing."""


def detect_phrases(
    stream: Stream,
    *,
    n_docs: int,
    word_counts: np.ndarray,
    stop: np.ndarray,
    options: PhraseOptions = PhraseOptions(),
    user_sequences: list[tuple[int, ...]] | None = None,
    han: np.ndarray | None = None,
) -> Phrases:
    """Find phrases in a token stream and count them per document.

    Parameters
    ----------
    stream
        The token stream (see the module docstring).
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
    han
        Boolean per word id: a Chinese (Han) word (see "Chinese formulations"
        in the module docstring). ``None``: no word is Han.

    Examples
    --------
    >>> doc = np.zeros(6, dtype=np.int32); ids = np.array([0, 1, -1, 0, 1, 2], dtype=np.int32)
    >>> p = detect_phrases((doc, ids), n_docs=1, word_counts=np.array([2, 2, 1]),
    ...                    stop=np.zeros(3, bool), options=PhraseOptions(min_count=2, min_docs=1))
    >>> p.sequences, p.counts.toarray().tolist()
    ([(0, 1)], [[2]])
    """
    doc = np.asarray(stream[0], dtype=np.int32)
    ids = np.asarray(stream[1], dtype=np.int32)
    if len(ids) >= 2**31:
        raise OverflowError("phrase detection takes streams of fewer than 2**31 positions")
    n_words = len(word_counts)
    total = max(float(word_counts.sum()), 1.0)
    min_docs = max(1, min(options.min_docs, n_docs))
    stop = np.asarray(stop, dtype=bool)
    log_p_word = np.log(np.maximum(word_counts, 1) / total)
    prefix_first = np.arange(n_words)
    prefix_logsum = log_p_word
    han_word = np.zeros(n_words, dtype=bool) if han is None else np.asarray(han, dtype=bool)
    prefix_han = han_word
    prefix_rarest = np.asarray(word_counts, dtype=np.float64)
    levels: list[tuple[np.ndarray, np.ndarray]] = []  # per level: (parent, last word)

    kept: list[np.ndarray] = []  # per level: indices of its kept among its frequent n-grams
    kept_scores: list[np.ndarray] = []
    spans = _spans(doc)
    # per span, from level 3 on: where the frequent (n-1)-grams start, and their numbers
    listed: list[tuple[np.ndarray, np.ndarray]] = []
    expected = len(ids)  # n-grams to count at most
    buffers = _Buffers(mark_length=len(ids))
    blocks: list[Future[tuple[sp.csr_matrix, tuple[np.ndarray, np.ndarray]]]] = []
    with _Runner(len(spans)) as run, ThreadPoolExecutor(max_workers=1) as side:
        for n in range(2, options.max_n + 1):
            if float(len(prefix_first)) * n_words >= 2.0**62:
                raise OverflowError("too many distinct n-grams for 64-bit keys")
            last = n == options.max_n
            level = _Level.count(
                run, spans, (ids, doc, n, n_words, stop, last), listed, expected,
                len(prefix_first), buffers,
            )  # fmt: skip
            rows = kernels.frequent_rows(
                level.bounds, level.distinct, level.counts, level.spread,
                options.min_count, min_docs,
            )  # fmt: skip
            if len(rows) == 0:
                break
            # the frequent n-grams in order of first appearance in the text
            rows = rows[np.argsort(level.where[level.first[rows]])]
            fkeys = level.keys[level.first[rows]] & level.key_mask
            fcounts = level.counts[rows].astype(np.int64)
            parent = fkeys // n_words
            last_word = fkeys % n_words
            first = prefix_first[parent]
            logsum = prefix_logsum[parent] + log_p_word[last_word]
            log_p = np.log(fcounts / total)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(log_p < 0, (log_p - logsum) / (-(n - 1) * log_p), 1.0)
            all_han = prefix_han[parent] & han_word[last_word]
            rarest = np.minimum(prefix_rarest[parent], word_counts[last_word])
            formulation = (
                all_han
                & (score >= options.han_min_score)
                & (fcounts >= options.han_min_share * rarest)
            )
            associated = (score >= options.min_score) | formulation
            candidate = np.flatnonzero(~stop[first] & ~stop[last_word] & associated)
            levels.append((parent, last_word))
            level_kept = np.full(len(fkeys), -1, dtype=np.int32)
            level_kept[candidate] = np.arange(len(candidate))
            base = sum(map(len, kept))
            kept.append(candidate)
            kept_scores.append(score[candidate])
            mark = buffers.mark()  # the level's keys are read no more
            level.mark(run, rows, mark, options.min_count, min_docs)
            most = int(fcounts[candidate].sum())
            listed, occurrence = _read_marks(
                run, (mark, level_kept, doc), listed, spans, level.span_items, most
            )
            # counted on the side thread, beside the next level
            blocks.append(side.submit(_block, occurrence, n_docs, len(candidate), base))
            prefix_first, prefix_logsum, prefix_han, prefix_rarest = first, logsum, all_han, rarest
            expected = int(fcounts.sum())
            del level

        sequences = _unwind(levels, kept)
        scores = np.concatenate(kept_scores) if kept_scores else np.zeros(0)
        # per level: documents x its kept phrases (stacked on the side), and their
        # (start position, phrase)
        stacked = side.submit(_stacked, [block.result()[0] for block in blocks], n_docs)
        occurrences = [block.result()[1] for block in blocks]
        fragment = _fragments(run, sequences, scores, occurrences, options.nested_share)
        counts_matrix = stacked.result()
    sequences, counts_matrix, scores = _drop_nested(
        sequences, counts_matrix, scores, options.nested_share, drop=fragment
    )
    user_flags = np.zeros(len(sequences), dtype=bool)
    if user_sequences:
        sequences, counts_matrix, scores, user_flags = _add_user(
            (doc, ids), sequences, counts_matrix, scores, user_flags, user_sequences, n_docs
        )
    return Phrases(sequences=sequences, counts=counts_matrix, scores=scores, user=user_flags)


#: Partitions hold about this many n-grams each: few enough partitions for the
#: scatter's open lines to stay in the L1 cache, tables the L2 still serves. At
#: 100k, CPU-s of all levels' scatter + counting (2 MB of L2 a core): 2**16 items
#: 2.74 + 0.32, 2**17 1.95 + 0.35, 2**18 1.58 + 0.42, 2**19 2.02 + 0.50.
PARTITION_ITEMS = 2**18


#: Each n-gram's key and document are packed in one int64 when their bits fit
#: this many (a key is ``prefix * n_words + last word``); otherwise each
#: item's document is read from the stream at its start.
PACKED_BITS = 62


class _Runner:
    """Runs batches of compiled calls, on parallel threads when there are several spans."""

    def __init__(self, spans: int) -> None:
        self.threads = spans
        self.pool = ThreadPoolExecutor(max_workers=spans) if spans > 1 else None

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def __call__(self, calls: list[tuple[Callable[..., _T], tuple[object, ...]]]) -> list[_T]:
        if self.pool is None or len(calls) == 1:
            return [work(*args) for work, args in calls]
        futures = [self.pool.submit(work, *args) for work, args in calls]
        return [future.result() for future in futures]


@dataclass
class _Level:
    """The n-grams of one level, partitioned by hash and counted (:mod:`analysis.kernels.ngrams`).

    Partition ``j`` holds items ``bounds[j]:bounds[j+1]`` (``keys``, and
    ``where``: start) in text order, and its ``distinct[j]`` distinct keys
    in the rows from ``bounds[j]`` on (``first`` item, ``counts``,
    ``spread``); ``row`` is each item's row. An item's key is ``keys &
    key_mask``: the document is packed above it when both fit
    :data:`PACKED_BITS`.
    """

    keys: np.ndarray
    key_mask: int
    where: np.ndarray
    bounds: np.ndarray
    row: np.ndarray
    first: np.ndarray
    counts: np.ndarray
    spread: np.ndarray
    distinct: np.ndarray
    span_items: list[int]

    @classmethod
    def count(
        cls,
        run: _Runner,
        spans: list[tuple[int, int]],
        stream: tuple[np.ndarray, np.ndarray, int, int, np.ndarray, bool],
        listed: list[tuple[np.ndarray, np.ndarray]],
        expected: int,
        prefixes: int,
        buffers: _Buffers,
    ) -> _Level:
        """Partition and count the n-grams of ``stream`` (the arguments of
        :func:`analysis.kernels.partition_ngrams` up to ``last``, but ``marks``)
        starting in ``spans``, or, when ``listed``, at each span's listed
        starts (with the numbers of the frequent (n-1)-grams there; there are
        ``prefixes`` such numbers, or words on the first level)."""
        bits = 1
        while bits < 16 and (PARTITION_ITEMS << bits) < expected:
            bits += 1
        ids, doc, n, n_words, stop, last = stream
        key_bits = max(1, (prefixes * n_words - 1).bit_length())
        doc_bits = int(doc[-1]).bit_length() if len(doc) else 0
        if key_bits + doc_bits > PACKED_BITS:
            key_bits = 0  # keys alone; each item's document is read at its start
        empty = np.zeros(0, dtype=np.int32)
        # per span: marks, lo, hi, starts, listed
        ranges = (
            [(marks, 0, len(at), at, True) for at, marks in listed]
            if listed
            else [(empty, lo, hi, empty, False) for lo, hi in spans]
        )
        counted = np.zeros((len(ranges), (1 << bits) + 1), dtype=np.int64)  # and the spare's
        run([
            (kernels.partition_ngrams,
             (ids, doc, n, n_words, stop, marks, last, lo, hi, bits, count, empty, empty, True,
              at, is_listed, key_bits))
            for (marks, lo, hi, at, is_listed), count in zip(ranges, counted, strict=True)
        ])  # fmt: skip
        sizes = counted[:, :-1]
        bounds = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(sizes.sum(axis=0), out=bounds[1:])
        items = int(bounds[-1])
        if items >= 2**31:
            raise OverflowError("too many n-grams for one level (2**31 or more)")
        keys = buffers.take("keys", items + 1, np.int64)  # and a spare
        where = buffers.take("where", items + 1, np.int32)
        # each span writes after the spans before it: every partition stays in text order
        cursors = np.empty_like(counted)
        cursors[:, :-1] = bounds[:-1] + np.cumsum(sizes, axis=0) - sizes
        cursors[:, -1] = items
        run([
            (kernels.partition_ngrams,
             (ids, doc, n, n_words, stop, marks, last, lo, hi, bits, cursor, keys, where, False,
              at, is_listed, key_bits))
            for (marks, lo, hi, at, is_listed), cursor in zip(ranges, cursors, strict=True)
        ])  # fmt: skip
        level = cls(
            keys=keys[:items],
            key_mask=(1 << key_bits) - 1 if key_bits else -1,
            where=where[:items],
            bounds=bounds,
            row=buffers.take("row", items, np.int32),
            first=buffers.take("first", items, np.int32),
            counts=buffers.take("counts", items, np.int32),
            spread=buffers.take("spread", items, np.int32),
            distinct=np.zeros(1 << bits, dtype=np.int64),
            span_items=sizes.sum(axis=1).tolist(),
        )
        run([
            (kernels.count_partitions, (
                keys, where, doc, key_bits, bounds, lo, hi, bits,
                level.row, level.first, level.counts, level.spread, level.distinct,
            ))
            for lo, hi in kernels.split_evenly(bounds, len(spans))
        ])  # fmt: skip
        return level

    def mark(
        self, run: _Runner, rows: np.ndarray, mark: np.ndarray, min_count: int, min_docs: int
    ) -> None:
        """Per stream position, the number of the frequent n-gram (``rows`` order, the rows
        with ``min_count`` occurrences in ``min_docs`` documents) starting there: written
        into ``mark`` (-1 everywhere before). The rows' first items are read no more."""
        rank = self.first  # written at the frequent rows only
        rank[rows] = np.arange(len(rows), dtype=np.int32)
        cuts = np.linspace(0, len(self.keys), run.threads + 1).astype(np.int64).tolist()
        run([
            (kernels.mark_frequent, (
                self.where, self.row, self.counts, self.spread, min_count, min_docs,
                rank, lo, hi, mark,
            ))
            for lo, hi in itertools.pairwise(cuts)
        ])  # fmt: skip


def _read_marks(
    run: _Runner,
    marked: tuple[np.ndarray, np.ndarray, np.ndarray],
    listed: list[tuple[np.ndarray, np.ndarray]],
    spans: list[tuple[int, int]],
    rooms: list[int],
    most: int,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """The frequent starts per span (with their numbers) and the kept phrases'
    occurrences per span (starts, documents, phrase numbers) in text order, read from
    ``marked`` (mark, kept, doc: see :func:`analysis.kernels.kept_starts`) at
    each span's ``listed`` starts, or all its positions (``rooms``: at most so
    many starts each). Listed starts are written over, in place."""
    empty = np.zeros(0, dtype=np.int32)
    found = run([
        (kernels.kept_starts, (*marked, at, True, 0, len(at), at, marks, most))
        for at, marks in listed
    ] if listed else [
        (kernels.kept_starts, (*marked, empty, False, lo, hi,
                               np.empty(room + 1, dtype=np.int32),
                               np.empty(room + 1, dtype=np.int32), most))
        for (lo, hi), room in zip(spans, rooms, strict=True)
    ])  # fmt: skip
    return [(f[0], f[1]) for f in found], [(f[2], f[3], f[4]) for f in found]


def _block(
    occurrence: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    n_docs: int,
    n_phrases: int,
    base: int,
) -> tuple[sp.csr_matrix, tuple[np.ndarray, np.ndarray]]:
    """The documents x phrases counts of one level's kept occurrences (per span:
    starts, documents, phrase numbers), and the starts with the numbers ``base`` on."""
    at, in_doc, phrase = (np.concatenate([part[i] for part in occurrence]) for i in range(3))
    indptr, indices, data = kernels.row_counts(in_doc, phrase, n_docs, n_phrases)
    counts = sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_phrases))
    return counts, (at, phrase.astype(np.int64) + base)


def _stacked(blocks: list[sp.csr_matrix], n_docs: int) -> sp.csr_matrix:
    """The levels' documents x phrases counts side by side."""
    if not blocks:
        return sp.csr_matrix((n_docs, 0), dtype=np.int32)
    stacked: sp.csr_matrix = sp.hstack(blocks, format="csr")
    return stacked


class _Buffers:
    """Arrays kept from level to level: each level counts fewer n-grams than the
    one before, so its arrays are the front of the first level's (paged in once).

    The keys have room for :meth:`mark` too, which is written over them once
    a level's keys are read no more.
    """

    def __init__(self, mark_length: int) -> None:
        self.mark_length = mark_length
        self.arrays: dict[str, np.ndarray] = {}

    def take(self, name: str, size: int, dtype: type[np.generic]) -> np.ndarray:
        """``size`` items of the array ``name`` (contents undefined)."""
        held = self.arrays.get(name)
        if held is None or len(held) < size:
            room = max(size, (self.mark_length + 1) // 2) if name == "keys" else size
            held = self.arrays[name] = np.empty(room, dtype=dtype)
        return held[:size]

    def mark(self) -> np.ndarray:
        """One int32 per stream position, all -1, over the keys' memory."""
        mark = self.arrays["keys"].view(np.int32)[: self.mark_length]
        mark.fill(-1)
        return mark


def _spans(doc: np.ndarray) -> list[tuple[int, int]]:
    """The stream in up to ``WORKERS`` spans of whole documents, about equal in tokens."""
    count = kernels.WORKERS if len(doc) >= PARALLEL_MIN else 1
    edges = {0, len(doc)}
    for target in np.linspace(0, len(doc), count + 1)[1:-1].astype(np.int64).tolist():
        if target > 0:  # the first document start at or after it: one search, no pass over doc
            edges.add(int(np.searchsorted(doc, doc[target - 1] + 1)))
    return list(itertools.pairwise(sorted(edges))) or [(0, 0)]


def _unwind(
    levels: list[tuple[np.ndarray, np.ndarray]], kept: list[np.ndarray]
) -> list[tuple[int, ...]]:
    """Word ids of the kept n-grams, level by level, following parent links."""
    sequences: list[tuple[int, ...]] = []
    for n, indices in enumerate(kept, start=2):
        words = np.empty((len(indices), n), dtype=np.int64)
        index = indices
        for level in range(n - 2, -1, -1):
            parent, last = levels[level]
            words[:, level + 1] = last[index]
            index = parent[index]
        words[:, 0] = index
        sequences.extend(map(tuple, words.tolist()))
    return sequences


def _fragments(
    run: _Runner,
    sequences: list[tuple[int, ...]],
    scores: np.ndarray,
    occurrences: list[tuple[np.ndarray, np.ndarray]],
    share: float,
) -> np.ndarray:
    """Phrases that mostly run into a stronger phrase at either edge.

    "development of the yangtze" ends, nearly every time, on the word that
    starts "yangtze river delta", which scores higher: it is a fragment of a
    longer expression, not a term of its own.

    ``occurrences`` holds, per level, the start positions (ascending) and
    phrase numbers of the kept phrases' occurrences; so each level's ends
    ascend too, and every lookup below is a merge of two sorted lists.
    """
    drop = np.zeros(len(sequences), dtype=bool)
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    levels: list[_Occurrences] = []
    for starts, which in occurrences:
        if len(starts):
            ends = starts + lengths[which[0]] - 1  # one length per level
            levels.append((starts, ends, scores[which], which))
    if not levels:
        return drop
    total = np.zeros(len(sequences))
    fragments = np.zeros(len(sequences))
    every = run([(_joined, (level, levels)) for level in levels])
    for (_starts, _ends, _mine, which), joined in zip(levels, every, strict=True):
        total += np.bincount(which, minlength=len(sequences))
        fragments += np.bincount(which, weights=joined, minlength=len(sequences))
    drop[total > 0] = fragments[total > 0] >= share * total[total > 0]
    return drop


_Occurrences = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""One level's occurrences: starts, ends, scores and phrase numbers."""


def _joined(level: _Occurrences, levels: list[_Occurrences]) -> np.ndarray:
    """Per occurrence of ``level``: does a phrase of higher score start where it
    ends, or end where it starts?"""
    starts, ends, mine, _which = level
    right = np.full(len(starts), -np.inf)
    left = np.full(len(starts), -np.inf)
    for other_starts, other_ends, theirs, _other in levels:
        kernels.best_at(other_starts, theirs, ends, right)
        kernels.best_at(other_ends, theirs, starts, left)
    joined: np.ndarray = (right > mine) | (left > mine)
    return joined


def _drop_nested(
    sequences: list[tuple[int, ...]],
    counts: sp.csr_matrix,
    scores: np.ndarray,
    share: float,
    *,
    drop: np.ndarray,
) -> tuple[list[tuple[int, ...]], sp.csr_matrix, np.ndarray]:
    # Python numbers and lists: the loop reads one at a time (numpy scalars are slow)
    totals = np.asarray(counts.sum(axis=0)).ravel().tolist()
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    longest = int(lengths.max()) if len(lengths) else 0
    # only a phrase shorter than the longest can sit inside another
    position = {seq: i for i, seq in enumerate(sequences) if len(seq) < longest}
    dropped = drop.tolist()
    for i in np.flatnonzero(~drop & (lengths > 2)).tolist():
        seq = sequences[i]
        n = len(seq)
        total = totals[i]
        for size in range(2, n):
            for start in range(n - size + 1):
                j = position.get(seq[start : start + size])
                if j is not None and total >= share * totals[j]:
                    dropped[j] = True
    keep = np.flatnonzero(~np.array(dropped, dtype=bool))
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
    stream: Stream,
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
        extra_cols.append(count_sequence(stream[0], stream[1], seq, n_docs))
    if extra_cols:
        extra = sp.csr_matrix(np.column_stack(extra_cols).astype(np.int32))
        counts = sp.hstack([counts, extra], format="csr")
        scores = np.concatenate([scores, np.full(len(extra_cols), np.nan)])
        user_flags = np.concatenate([user_flags, np.ones(len(extra_cols), dtype=bool)])
    return sequences, counts, scores, user_flags
