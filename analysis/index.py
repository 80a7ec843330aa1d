"""build_index: the documents x terms counts of a corpus, built once per content and settings.

The build scans the corpus with compiled passes over its UTF-8 bytes
(:func:`analysis.scan.scan_parts`, parts on parallel threads), classifies
each distinct raw token once and renumbers the raw token stream into word
ids; the splitting of texts into passages fills the scan's wait. Then
phrase detection (:mod:`analysis.phrases`, whose phrases become extra
columns) and the documents x words counts (:func:`analysis.kernels.row_counts`)
run side by side. The result is saved (:mod:`analysis.store`; the documents
table while the build runs) under a cache folder named by the corpus content
hash and the settings, and reloaded from there."""

from __future__ import annotations

import functools
import shutil
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.corpus import frame_hash
from analysis.corpus_index import CorpusIndex, IndexSettings
from analysis.phrase_strings import phrase_strings
from analysis.phrases import PhraseOptions, detect_phrases
from analysis.rule import _HAN_RE, BOUNDARY
from analysis.scan import Scanned, arrow_text, scan_parts, utf8_texts, white_space
from analysis.stopwords import default_stopwords
from analysis.store import (
    CacheNotice,
    IndexCacheError,
    PendingSave,
    _cache_path,
    _touch,
    evict_cache,
    load_index,
    remove_stale_work,
)
from analysis.text import classify_numbered, is_han, tokenize

if TYPE_CHECKING:
    from analysis.corpus import LoadedCorpus

Progress = Callable[[float, str], None]

#: Paragraphs longer than this are split at single line breaks as well
#: (transcripts often carry hard line breaks and no blank lines).
LONG_PASSAGE = 3000


#: What builds an index the cache does not hold: (docs, content hash, settings, progress).
Builder = Callable[[pd.DataFrame, str, IndexSettings, Progress], CorpusIndex]


def build_index(
    corpus: LoadedCorpus | pd.DataFrame,
    *,
    settings: IndexSettings | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    notice: Callable[[CacheNotice], None] | None = None,
    builder: Builder | None = None,
) -> CorpusIndex:
    """Build (or reload from ``cache_dir``) the index of a corpus.

    Parameters
    ----------
    corpus
        A :class:`~analysis.corpus.LoadedCorpus`, or a frame with at least
        ``doc_id`` and ``text`` (its content hash is computed here).
    settings
        Phrase detection and user words/phrases.
    cache_dir
        Folder for saved indexes; ``None`` keeps everything in memory.
    progress
        Called with a fraction in [0, 1] and a message while building.
    notice
        Called at most once with a :class:`CacheNotice` when the cache could
        not serve or keep this index: a saved folder was unreadable (it is
        removed and rebuilt) or ``cache_dir`` cannot be written (full,
        read-only: the index is kept in memory only). By default the message
        is issued as an :class:`IndexCacheWarning`. The index returned is
        right either way.
    builder
        What builds the index when the cache does not hold it: this process
        by default; :class:`analysis.distributed.ClusterBuilder` counts it on
        a dask cluster, into the same index.

    Examples
    --------
    >>> frame = pd.DataFrame({"doc_id": ["a"], "text": ["High-quality growth."]})
    >>> build_index(frame).vocab["term"].tolist()
    ['high-quality', 'growth']
    """
    settings = settings or IndexSettings()
    docs, content_hash = _docs_and_hash(corpus)
    report = progress or (lambda _f, _m: None)
    build = builder or _build
    target = _cache_path(cache_dir, content_hash, settings)
    if target is None:
        return build(docs, content_hash, settings, report)
    remove_stale_work(target.parent)
    problem = None
    if target.exists() or target.is_symlink():
        report(0.0, "Loading the saved index")
        _touch(target)  # first: the newest folder is the last an eviction removes
        try:
            index = load_index(target)
        except IndexCacheError as error:
            problem = str(error)
            shutil.rmtree(target, ignore_errors=True)
        else:
            report(1.0, "Index loaded")
            return index
    # the documents table and the token stream are saved while the index is built
    pending = PendingSave(docs, target)
    if builder is None:
        build = functools.partial(
            _build, on_tokens=pending.write_tokens, on_word_counts=pending.write_word_counts
        )
    try:
        index = build(docs, content_hash, settings, report)
    except BaseException:
        pending.abandon()
        raise
    try:
        pending.finish(index)
    except OSError as error:
        reason = error.strerror or str(error)
        before = f"The saved index {target.name} was unreadable ({problem}). " if problem else ""
        _tell(
            notice,
            CacheNotice(
                "unsaved",
                target,
                f"{before}The index cache {target.parent} cannot be written ({reason}): "
                "this corpus is indexed in memory only and will be indexed again after "
                "a restart. Free disk space, or set DASHBOARD_CACHE_DIR to a writable folder.",
            ),
        )
        return index
    _touch(target)
    evict_cache(target.parent, keep=(target,))
    if problem:
        _tell(
            notice,
            CacheNotice(
                "rebuilt",
                target,
                f"The saved index {target.name} was unreadable ({problem}); "
                "it was removed and built again.",
            ),
        )
    return index


class IndexCacheWarning(UserWarning):
    """The default way :func:`build_index` reports a :class:`CacheNotice`."""


def _tell(notice: Callable[[CacheNotice], None] | None, message: CacheNotice) -> None:
    if notice is None:
        warnings.warn(message.message, IndexCacheWarning, stacklevel=3)
    else:
        notice(message)


def _docs_and_hash(corpus: LoadedCorpus | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if isinstance(corpus, pd.DataFrame):
        docs = corpus.reset_index(drop=True)
        for column, default in (
            (S.DATE, pd.NaT),
            (S.DATE_PRECISION, None),
            (S.TITLE, ""),
            (S.SOURCE, ""),
        ):
            if column not in docs:
                docs[column] = default
        docs[S.DATE] = pd.to_datetime(docs[S.DATE])
        docs[S.TEXT] = arrow_text(docs[S.TEXT].fillna(""))  # a missing text is an empty one
        for column in docs.columns.drop(S.TEXT):
            if docs[column].dtype == object and not _one_arrow_type(docs[column]):
                docs[column] = _as_text(docs[column])
        # every column, as a loaded corpus's hash: a frame whose dates or metadata
        # changed is not served the saved index of the old one
        return docs, frame_hash(docs)
    return corpus.docs.reset_index(drop=True), corpus.content_hash


def _one_arrow_type(values: pd.Series) -> bool:
    """Whether Arrow can hold ``values`` as one column (the saved docs table needs it)."""
    try:
        pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return False
    return True


def _as_text(values: pd.Series) -> pd.Series:
    """A metadata column of mixed kinds (``[1, "north"]``) as text, missing values kept,
    as a corpus file's loader reads such a field."""
    texts = [
        value
        if value is None or isinstance(value, str) or (isinstance(value, float) and value != value)
        else str(value)
        for value in values.tolist()
    ]
    return pd.Series(texts, index=values.index, name=values.name, dtype=object)


class _Vocabulary:
    """Word ids, assigned in order of first appearance."""

    def __init__(self, user_words: tuple[str, ...], fold_chinese: bool = False) -> None:
        self.user_words = user_words
        self.fold_chinese = fold_chinese
        self.words: list[str] = []
        self.ids: dict[str, int] = {}
        #: ``words`` as an Arrow array, when the words were numbered from one (or None)
        self.array: pa.Array | None = None

    def _ids_of(self, words: list[str]) -> np.ndarray:
        """Ids of distinct words, new ones numbered after the known ones in the order given."""
        if not self.words:
            self.words = words
            self.ids = dict(zip(words, range(len(words)), strict=True))
            return np.arange(len(words), dtype=np.int32)
        out = np.empty(len(words), dtype=np.int32)
        for at, word in enumerate(words):
            found = self.ids.get(word)
            if found is None:
                found = self.ids[word] = len(self.words)
                self.words.append(word)
            out[at] = found
        return out

    def encode(self, scanned: Scanned) -> tuple[np.ndarray, np.ndarray]:
        """(doc, id) arrays of a scanned raw token stream (:func:`analysis.scan.scan_parts`).

        Each distinct raw string is classified once, its words numbered in order of
        first appearance (:func:`analysis.text.classify_numbered`); boundaries become -1.
        """
        lengths, codes, words = classify_numbered(
            scanned.strings,
            user_words=self.user_words,
            fold_chinese=self.fold_chinese,
        )
        first = not self.words
        numbers = self._ids_of(words.to_pylist())
        if first:
            self.array = words
        flat = np.append(numbers, np.int32(BOUNDARY))[codes]  # a boundary is code -1
        # raw token s stands for words flat[starts[s]:starts[s] + lengths[s]]
        # (one mostly; a Han run several)
        starts = np.cumsum(lengths) - lengths
        doc, ids, _per_doc = scanned.expanded(starts, lengths, flat)
        return doc, ids


@dataclass
class Shard:
    """The words of a run of documents, counted by :func:`count_shard`.

    ``vocab`` numbers the shard's words in order of first appearance;
    ``doc`` and ``tokens`` are the token stream (row within the shard, word
    id, ``-1`` at boundaries); ``passages`` are the shard's paragraph spans
    (``doc`` is the row within the shard). :func:`merge_words` numbers the
    words of several shards as one pass over all of them would.
    """

    vocab: _Vocabulary
    doc: np.ndarray
    tokens: np.ndarray
    passages: pd.DataFrame


def count_shard(texts: pd.Series, settings: IndexSettings, report: Progress | None = None) -> Shard:
    """Scan, classify and number the words of a run of documents (a column of texts)."""
    report = report or (lambda _f, _m: None)
    vocab = _Vocabulary(settings.user_words, settings.fold_chinese)
    # Paragraph splitting (a compiled pass of its own) runs on this thread
    # while the scanning threads work.
    split: list[pd.DataFrame] = []
    scanned = scan_parts(texts, meanwhile=lambda: split.append(split_passages(texts)))
    report(0.4, f"Classifying {len(scanned.strings):,} distinct tokens")
    doc, tokens = vocab.encode(scanned)
    return Shard(vocab, doc, tokens, split[0])


def merge_words(
    shards: Sequence[Sequence[str]], settings: IndexSettings
) -> tuple[_Vocabulary, list[np.ndarray]]:
    """The vocabulary of consecutive shards, and per shard its word ids in it.

    Ids follow first appearance over the shards in order, as in one
    :func:`count_shard` of all their documents.
    """
    vocab = _Vocabulary(settings.user_words, settings.fold_chinese)
    return vocab, [vocab._ids_of(list(words)) for words in shards]


def _build(
    docs: pd.DataFrame,
    content_hash: str,
    settings: IndexSettings,
    report: Progress,
    *,
    on_tokens: Callable[[np.ndarray], None] | None = None,
    on_word_counts: WordCountsHook | None = None,
) -> CorpusIndex:
    column = arrow_text(docs[S.TEXT])
    n_docs = len(column)
    report(0.05, f"Tokenising {n_docs:,} documents")
    shard = count_shard(column, settings, report)
    n_words = len(shard.vocab.words)
    return assemble_index(
        docs,
        content_hash,
        settings,
        shard,
        lambda: _word_counts(shard.doc, shard.tokens, n_docs, n_words),
        report,
        on_tokens=on_tokens,
        on_word_counts=on_word_counts,
    )


#: Given the documents x words counts as soon as they are counted (indptr, indices,
#: data, words): the save writes them meanwhile
#: (:meth:`analysis.store.PendingSave.write_word_counts`).
WordCountsHook = Callable[[np.ndarray, np.ndarray, np.ndarray, int], None]


def assemble_index(
    docs: pd.DataFrame,
    content_hash: str,
    settings: IndexSettings,
    words: Shard,
    counting: Callable[[], sp.csr_matrix | RowCounts],
    report: Progress,
    *,
    on_tokens: Callable[[np.ndarray], None] | None = None,
    on_word_counts: WordCountsHook | None = None,
) -> CorpusIndex:
    """The index of all ``docs`` from their words (one shard, or shards merged).

    ``counting`` gives the documents x words counts; it runs on a thread
    beside phrase detection. The phrases' columns are joined after the
    words' in place where the counts leave room for them (:class:`RowCounts`).
    ``on_tokens`` is given the index's token stream first (the save writes it
    meanwhile: :meth:`analysis.store.PendingSave.write_tokens`), and
    ``on_word_counts`` the words' counts, on the counting thread, as soon as
    they are counted (they are read no more once it returns).
    """
    n_docs = len(docs)
    tokens = words.tokens.astype(np.int32, copy=False)
    if on_tokens is not None:
        on_tokens(tokens)
    report(0.5, "Counting words and finding phrases")
    stream = (words.doc, words.tokens)
    n_words = len(words.vocab.words)

    def count() -> sp.csr_matrix | RowCounts:
        counts = counting()
        if on_word_counts is not None:
            on_word_counts(counts.indptr, counts.indices, counts.data, n_words)
        return counts

    with ThreadPoolExecutor(max_workers=1) as side:
        # the documents x words counts (a compiled, GIL-free pass) beside phrase
        # detection, then saved there (a core is left over at times)
        counted = side.submit(count)
        vocab_frame, phrase_counts = _with_phrases(words.vocab, stream, n_docs, settings)
        word_counts = counted.result()
    counts, doc_tokens = _side_by_side(word_counts, phrase_counts, n_words)
    if not counts.has_sorted_indices:
        counts.sort_indices()
    # needles of the stream's own dtype: mixed dtypes would copy the stream to compare
    needles = np.arange(n_docs + 1, dtype=words.doc.dtype)
    offsets = np.searchsorted(words.doc, needles).astype(np.int64)
    report(1.0, "Index built")
    return CorpusIndex(
        docs=docs,
        vocab=vocab_frame,
        counts=counts,
        doc_tokens=doc_tokens,
        passages=words.passages,
        content_hash=content_hash,
        settings=settings,
        tokens=tokens,
        token_offsets=offsets,
    )


@dataclass
class RowCounts:
    """CSR parts of documents x words counts with room after them.

    The counts are ``indices[:indptr[-1]]`` and ``data[:indptr[-1]]``; the
    rest of the two arrays (never paged in) takes the phrases' columns.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


def _side_by_side(
    words: sp.csr_matrix | RowCounts, phrases: sp.csr_matrix, n_words: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Words' and phrases' counts as one int32 matrix, and each row's word total.

    The same matrix as ``scipy.sparse.hstack``, written into the words'
    own arrays when they have room for it.
    """
    n_docs = phrases.shape[0]
    total = int(words.indptr[-1]) + phrases.nnz
    indices, data = words.indices, words.data
    if not (isinstance(words, RowCounts) and len(indices) >= total and len(data) >= total):
        indices = np.empty(total, dtype=np.int32)
        data = np.empty(total, dtype=np.int32)
    indptr, sums = kernels.side_by_side(
        words.indptr.astype(np.int64, copy=False), words.indices, words.data,
        phrases.indptr.astype(np.int64, copy=False), phrases.indices, phrases.data,
        n_words, indices, data,
    )  # fmt: skip
    shape = (n_docs, n_words + phrases.shape[1])
    return sp.csr_matrix((data[:total], indices[:total], indptr), shape=shape), sums


def _word_counts(doc: np.ndarray, ids: np.ndarray, n_docs: int, n_words: int) -> RowCounts:
    """Documents x words counts of a token stream (boundaries skipped), with room for phrases.

    The room is as large again as the stream (phrases take far fewer
    cells than words; where they would not fit, :func:`_side_by_side`
    writes new arrays). Only the part written is ever paged in.
    """
    return RowCounts(*kernels.row_counts_with_room(doc, ids, n_docs, n_words, 2 * len(ids)))


def _with_phrases(
    vocab: _Vocabulary,
    stream: tuple[np.ndarray, np.ndarray],
    n_docs: int,
    settings: IndexSettings,
) -> tuple[pd.DataFrame, sp.csr_matrix]:
    """The vocabulary table (words, then phrases) and the phrases' counts."""
    n_words = len(vocab.words)
    word_array = (
        vocab.array.cast(pa.large_string())
        if vocab.array is not None and len(vocab.array) == n_words
        else pa.array(vocab.words, pa.large_string())
    )
    words = cast(pl.Series, pl.from_arrow(word_array))
    han = words.str.contains(_HAN_RE.pattern).to_numpy()  # is_han of every word at once
    counts = sp.csr_matrix((n_docs, 0), dtype=np.int32)
    unknown: dict[str, int] = {}
    user_sequences = [_sequence(p, vocab, settings, unknown) for p in settings.user_phrases]
    user_sequences = [s for s in user_sequences if len(s) >= 2]
    found = None
    if settings.detect_phrases or user_sequences:
        totals = kernels.totals(stream[1], n_words)
        stopwords = default_stopwords()
        stop = words.is_in(list(stopwords)).to_numpy()
        options = settings.phrase_options
        if not settings.detect_phrases:
            options = PhraseOptions(min_count=np.iinfo(np.int32).max)
        found = detect_phrases(
            stream,
            n_docs=n_docs,
            word_counts=totals,
            stop=stop,
            options=options,
            user_sequences=user_sequences,
            han=han,
        )
        counts = found.counts
    if found is None or not found.sequences:
        language = np.where(han, "zh", "en")
        vocab_frame = pd.DataFrame(
            {
                S.TERM: vocab.words,
                S.KIND: S.WORD,
                S.LANGUAGE: language.astype(object),
                "tokens": vocab.words,
                "n_tokens": 1,
                "score": np.nan,
                "user": False,
            }
        )
        if found is not None:  # no phrase: the table as it was always joined
            phrase_frame = pd.DataFrame(
                {
                    S.TERM: [],
                    S.KIND: S.PHRASE,
                    S.LANGUAGE: [],
                    "tokens": [],
                    "n_tokens": [],
                    "score": found.scores,
                    "user": found.user,
                }
            )
            vocab_frame = pd.concat([vocab_frame, phrase_frame], ignore_index=True)
        return vocab_frame, counts
    # the words the phrases hold: the vocabulary's, then user words the corpus never uses
    names = list(unknown)
    if names:
        word_array = pa.concat_arrays([word_array, pa.array(names, pa.large_string())])
        han = np.concatenate([han, np.array([is_han(name) for name in names], dtype=bool)])
    terms, tokens, phrase_han, lengths = phrase_strings(found.sequences, word_array, han, n_words)
    n_phrases = len(found.sequences)
    table = pa.table(
        {
            S.TERM: pa.concat_arrays([word_array[:n_words], terms]),
            S.KIND: pa.array([S.WORD, S.PHRASE], pa.large_string()).take(
                pa.array(np.repeat(np.array([0, 1], dtype=np.int8), [n_words, n_phrases]))
            ),
            S.LANGUAGE: pa.array(["en", "zh"], pa.large_string()).take(
                pa.array(np.concatenate([han[:n_words], phrase_han]).astype(np.int8))
            ),
            "tokens": pa.concat_arrays([word_array[:n_words], tokens]),
            "n_tokens": np.concatenate([np.ones(n_words, dtype=np.int64), lengths]),
            "score": np.concatenate([np.full(n_words, np.nan), found.scores]),
            "user": np.concatenate([np.zeros(n_words, dtype=bool), found.user]),
        }
    )
    return table.to_pandas(), counts


def _sequence(
    phrase: str, vocab: _Vocabulary, settings: IndexSettings, unknown: dict[str, int]
) -> tuple[int, ...]:
    # A word the corpus never uses gets its own negative id: the phrase is kept
    # (the user asked for it) and counts zero everywhere.
    ids = []
    for word in tokenize(
        phrase, user_words=settings.user_words, fold_chinese=settings.fold_chinese
    ):
        found = vocab.ids.get(word)
        if found is None:
            found = unknown.setdefault(word, -2 - len(unknown))
        ids.append(found)
    return tuple(ids)


def split_passages(texts: Sequence[str] | pd.Series) -> pd.DataFrame:
    """Paragraph spans of each text: blank-line separated, long ones split at line breaks.

    A paragraph ends at a separator ``\\n[ \\t\\u3000]*\\n\\s*`` and is
    stripped of white space; one longer than :data:`LONG_PASSAGE` characters
    is cut after each line break (with the white space after it) that lies
    at least a quarter of that past the last cut. Offsets are characters of
    the original text. A compiled pass over the UTF-8 bytes
    (:func:`analysis.kernels.passage_spans`) does the work.

    >>> split_passages(["One.\\n\\nTwo."])[["doc", "start", "end"]].values.tolist()
    [[0, 0, 4], [0, 6, 10]]
    """
    utf8 = utf8_texts(texts)
    doc, passage, start, end = kernels.passage_spans(*utf8, white_space(), LONG_PASSAGE)
    columns = {"doc": doc, S.PASSAGE: passage, S.START: start, S.END: end}
    return pd.DataFrame({name: values.astype(np.int64) for name, values in columns.items()})
