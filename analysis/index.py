"""CorpusIndex: document x term counts, built once per content and settings.

The build scans the corpus with compiled passes over its UTF-8 bytes
(:func:`analysis.scan.scan_parts`, parts on parallel threads), classifies
each distinct raw token once and renumbers the raw token stream into word
ids; the splitting of texts into passages fills the scan's wait. Then
phrase detection (:mod:`analysis.phrases`, whose phrases become extra
columns) and the documents x words counts (:func:`analysis.kernels.row_counts`)
run side by side. The result is saved under a cache folder named by the
corpus content hash and the settings, and reloaded from there."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import polars as pl
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.errors import AnalysisError
from analysis.phrases import PhraseOptions, detect_phrases
from analysis.rule import BOUNDARY, RULE_VERSION
from analysis.scan import Scanned, arrow_text, scan_parts, utf8_texts, white_space
from analysis.stopwords import default_stopwords
from analysis.text import classify_raw, is_han, is_number, join_tokens, tokenize

if TYPE_CHECKING:
    from analysis.corpus import LoadedCorpus

#: Bump when the token rule or the saved layout changes: old caches are ignored.
INDEX_VERSION = 3

Progress = Callable[[float, str], None]

#: Paragraphs longer than this are split at single line breaks as well
#: (transcripts often carry hard line breaks and no blank lines).
LONG_PASSAGE = 3000


def default_cache_dir() -> Path:
    """Where saved indexes live: ``$DASHBOARD_CACHE_DIR`` or ``~/.cache/discourse-dashboard``."""
    configured = os.environ.get("DASHBOARD_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "discourse-dashboard"


@dataclass(frozen=True)
class IndexSettings:
    """What, besides the text, decides the index (part of its cache key)."""

    detect_phrases: bool = True
    user_phrases: tuple[str, ...] = ()
    user_words: tuple[str, ...] = ()
    phrase_options: PhraseOptions = field(default_factory=PhraseOptions)
    #: Fold Traditional Chinese to Simplified (OpenCC t2s) before segmenting.
    fold_chinese: bool = False

    def key(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True, default=str)
        version = f"v{INDEX_VERSION}:rule{RULE_VERSION}"
        return hashlib.sha256(f"{version}:{payload}".encode()).hexdigest()[:16]


@dataclass
class CorpusIndex:
    """Counts and tables every analysis reads.

    Attributes
    ----------
    docs
        The corpus (``doc_id, date, date_precision, title, source, text`` and
        metadata), one row per document, in index row order.
    vocab
        One row per column of ``counts``: ``term`` (display form), ``kind``
        (``word``/``phrase``), ``language`` (``zh`` for Han terms, else
        ``en``), ``tokens`` (the words, space-separated), ``n_tokens``,
        ``score`` (phrase association, NaN for words), ``user`` (a phrase the
        user added).
    counts
        ``scipy.sparse.csr_matrix`` of int32, documents x terms.
    doc_tokens
        Word tokens per document (phrases are not tokens).
    passages
        ``doc`` (row), ``passage`` (number within the document), ``start``,
        ``end`` (character offsets into ``text``).
    content_hash, settings
        What the index was built from.
    tokens, token_offsets
        The token stream: word ids (the word columns of ``counts``) in
        reading order, ``-1`` at boundaries; document ``r`` is
        ``tokens[token_offsets[r]:token_offsets[r + 1]]``. Window analyses
        (collocates, near-duplicates, phrase queries) read it instead of
        tokenising text again. A saved copy is read into memory, not
        memory-mapped, so nothing done to the cache files can reach it.
    """

    docs: pd.DataFrame
    vocab: pd.DataFrame
    counts: sp.csr_matrix
    doc_tokens: np.ndarray
    passages: pd.DataFrame
    content_hash: str
    settings: IndexSettings
    tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32), repr=False)
    token_offsets: np.ndarray = field(
        default_factory=lambda: np.zeros(1, dtype=np.int64), repr=False
    )
    _columns: dict[str, int] | None = field(default=None, repr=False)
    _word_ids: dict[str, int] | None = field(default=None, repr=False)
    _unique: np.ndarray | None = field(default=None, repr=False)
    _sorted_words: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _word_totals: np.ndarray | None = field(default=None, repr=False)
    _numbers: np.ndarray | None = field(default=None, repr=False)
    #: Derived per-index tables and results, by name (stopword columns, column
    #: totals, topic models): computed on first use, never saved.
    _memo: dict[object, object] = field(default_factory=dict, repr=False, init=False)
    _near_pairs: dict[tuple[float, int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = field(
        default=None, repr=False
    )

    @property
    def n_docs(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_words(self) -> int:
        return int((self.vocab[S.KIND] == S.WORD).sum())

    def stream(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Token streams of documents ``rows``: (position of the row in ``rows``, word id).

        Boundaries are ``-1``; the documents follow each other in ``rows`` order.
        """
        rows = np.asarray(rows, dtype=np.int64)
        starts = self.token_offsets[rows]
        lengths = self.token_offsets[rows + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        ends = np.cumsum(lengths)
        within = np.arange(total) - np.repeat(ends - lengths, lengths)
        positions = np.repeat(starts, lengths) + within
        return np.repeat(np.arange(len(rows)), lengths), np.asarray(self.tokens[positions])

    def word_id(self, word: str) -> int | None:
        """Id of a word (already tokenised) in token streams and word columns."""
        if self._word_ids is None:
            words = self.vocab[S.TERM][self.vocab[S.KIND] == S.WORD]
            self._word_ids = {str(t): int(i) for i, t in zip(words.index, words, strict=True)}
        return self._word_ids.get(word)

    def sorted_words(self) -> tuple[np.ndarray, np.ndarray]:
        """The words in code-point order and their ids (prefix lookups bisect them)."""
        if self._sorted_words is None:
            words = self.vocab[S.TERM].to_numpy()[: self.n_words].astype(str)
            order = np.argsort(words, kind="stable")
            self._sorted_words = (words[order], order.astype(np.int64))
        return self._sorted_words

    def word_totals(self) -> np.ndarray:
        """Occurrences of every word id in the whole corpus."""
        if self._word_totals is None:
            self._word_totals = kernels.totals(np.asarray(self.tokens), self.n_words)
        return self._word_totals

    def number_columns(self) -> np.ndarray:
        """Per column: True for a pure number (:func:`analysis.text.is_number`).

        A phrase is one when each of its words is. Decided once per index;
        rankings hide these columns unless asked (``numbers=True``), counts
        never change.
        """
        if self._numbers is None:
            tokens = self.vocab["tokens"].astype(str).tolist()
            self._numbers = np.fromiter(
                (is_number(t) for t in tokens), dtype=bool, count=len(tokens)
            )
        return self._numbers

    def column(self, term: str) -> int | None:
        """Column of a term given in display form or as typed by a user."""
        if self._columns is None:
            self._columns = {t: i for i, t in enumerate(self.vocab[S.TERM])}
        if term in self._columns:
            return self._columns[term]
        words = tokenize(
            term, user_words=self.settings.user_words, fold_chinese=self.settings.fold_chinese
        )
        return self._columns.get(join_tokens(words)) if words else None


def build_index(
    corpus: LoadedCorpus | pd.DataFrame,
    *,
    settings: IndexSettings | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    notice: Callable[[CacheNotice], None] | None = None,
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

    Examples
    --------
    >>> frame = pd.DataFrame({"doc_id": ["a"], "text": ["High-quality growth."]})
    >>> build_index(frame).vocab["term"].tolist()
    ['high-quality', 'growth']
    """
    settings = settings or IndexSettings()
    docs, content_hash = _docs_and_hash(corpus)
    report = progress or (lambda _f, _m: None)
    target = _cache_path(cache_dir, content_hash, settings)
    if target is None:
        return _build(docs, content_hash, settings, report)
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
    index = _build(docs, content_hash, settings, report)
    try:
        save_index(index, target)
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
        digest = hashlib.sha256()
        for doc_id, text in zip(docs[S.DOC_ID].tolist(), docs[S.TEXT].tolist(), strict=True):
            for value in (doc_id, text):
                digest.update(str(value).encode("utf-8", "surrogatepass") + b"\0")
        return docs, digest.hexdigest()
    return corpus.docs.reset_index(drop=True), corpus.content_hash


def _cache_path(cache_dir: Path | None, content_hash: str, settings: IndexSettings) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir) / f"{content_hash[:24]}-{settings.key()}"


class _Vocabulary:
    """Word ids, assigned in order of first appearance."""

    def __init__(self, user_words: tuple[str, ...], fold_chinese: bool = False) -> None:
        self.user_words = user_words
        self.fold_chinese = fold_chinese
        self.words: list[str] = []
        self.ids: dict[str, int] = {}

    def _id(self, word: str) -> int:
        found = self.ids.get(word)
        if found is None:
            found = self.ids[word] = len(self.words)
            self.words.append(word)
        return found

    def encode(self, scanned: Scanned) -> tuple[np.ndarray, np.ndarray]:
        """(doc, id) arrays of a scanned raw token stream (:func:`analysis.scan.scan_parts`).

        Each distinct raw string is classified once; boundaries become -1.
        """
        classified = classify_raw(
            pl.Series(scanned.distinct, dtype=pl.String),
            user_words=self.user_words,
            fold_chinese=self.fold_chinese,
        )
        lengths = np.fromiter((len(t) for t in classified), dtype=np.int64, count=len(classified))
        flat = np.fromiter(
            (BOUNDARY if t is None else self._id(t) for tokens in classified for t in tokens),
            dtype=np.int32,
            count=int(lengths.sum()),
        )
        starts = np.cumsum(lengths) - lengths
        # One gather for the common case: each raw token is one word or a
        # boundary; -2 - code marks the others (Han runs of several words).
        single = -2 - np.arange(len(classified), dtype=np.int32)
        one = lengths == 1
        single[one] = flat[starts[one]]
        doc, ids = scanned.numbered(single)
        several = np.flatnonzero(ids <= -2)
        if len(several) == 0:
            return doc, ids
        code = -2 - ids
        # Han runs expand to several words: repeat those positions by their length.
        per_token = np.ones(len(ids), dtype=np.int64)
        per_token[several] = lengths[code[several]]
        doc = np.repeat(doc, per_token)
        expanded = np.repeat(ids, per_token)
        ends = np.cumsum(per_token)
        targets = np.flatnonzero(np.repeat(ids <= -2, per_token))
        within = targets - np.repeat(ends[several] - per_token[several], per_token[several])
        expanded[targets] = flat[np.repeat(starts[code[several]], per_token[several]) + within]
        return doc, expanded


def _build(
    docs: pd.DataFrame, content_hash: str, settings: IndexSettings, report: Progress
) -> CorpusIndex:
    column = arrow_text(docs[S.TEXT])
    n_docs = len(column)
    vocab = _Vocabulary(settings.user_words, settings.fold_chinese)
    report(0.05, f"Tokenising {n_docs:,} documents")
    # Paragraph splitting (a compiled pass of its own) runs on this thread
    # while the scanning threads work.
    split: list[pd.DataFrame] = []
    scanned = scan_parts(column, meanwhile=lambda: split.append(split_passages(column)))
    passages = split[0]
    report(0.4, f"Classifying {len(scanned.distinct):,} distinct tokens")
    doc_of, tokens = vocab.encode(scanned)
    n_words = len(vocab.words)
    report(0.5, "Counting words and finding phrases")
    with ThreadPoolExecutor(max_workers=1) as side:
        # the documents x words counts (a compiled, GIL-free pass) beside phrase detection
        counting = side.submit(_word_counts, doc_of, tokens, n_docs, n_words)
        vocab_frame, phrase_counts = _with_phrases(vocab, (doc_of, tokens), n_docs, settings)
        word_counts = counting.result()
    counts = sp.hstack([word_counts, phrase_counts], format="csr").astype(np.int32, copy=False)
    if not counts.has_sorted_indices:
        counts.sort_indices()
    offsets = np.searchsorted(doc_of, np.arange(n_docs + 1)).astype(np.int64)
    report(1.0, "Index built")
    return CorpusIndex(
        docs=docs,
        vocab=vocab_frame,
        counts=counts,
        doc_tokens=np.asarray(word_counts.sum(axis=1)).ravel().astype(np.int64),
        passages=passages,
        content_hash=content_hash,
        settings=settings,
        tokens=tokens.astype(np.int32, copy=False),
        token_offsets=offsets,
    )


def _word_counts(doc: np.ndarray, ids: np.ndarray, n_docs: int, n_words: int) -> sp.csr_matrix:
    """Documents x words counts of a token stream (boundaries skipped)."""
    indptr, indices, data = kernels.row_counts(doc, ids, n_docs, n_words)
    return sp.csr_matrix((data, indices, indptr), shape=(n_docs, n_words))


def _with_phrases(
    vocab: _Vocabulary,
    stream: tuple[np.ndarray, np.ndarray],
    n_docs: int,
    settings: IndexSettings,
) -> tuple[pd.DataFrame, sp.csr_matrix]:
    """The vocabulary table (words, then phrases) and the phrases' counts."""
    n_words = len(vocab.words)
    vocab_frame = pd.DataFrame(
        {
            S.TERM: vocab.words,
            S.KIND: S.WORD,
            S.LANGUAGE: ["zh" if is_han(w) else "en" for w in vocab.words],
            "tokens": vocab.words,
            "n_tokens": 1,
            "score": np.nan,
            "user": False,
        }
    )
    counts = sp.csr_matrix((n_docs, 0), dtype=np.int32)
    unknown: dict[str, int] = {}
    user_sequences = [_sequence(p, vocab, settings, unknown) for p in settings.user_phrases]
    user_sequences = [s for s in user_sequences if len(s) >= 2]
    names = {i: w for w, i in unknown.items()}
    if settings.detect_phrases or user_sequences:
        totals = kernels.totals(stream[1], n_words)
        stopwords = default_stopwords()
        stop = np.fromiter((w in stopwords for w in vocab.words), dtype=bool, count=n_words)
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
            han=vocab_frame[S.LANGUAGE].to_numpy() == "zh",
        )
        tokens = [[vocab.words[i] if i >= 0 else names[i] for i in seq] for seq in found.sequences]
        phrase_frame = pd.DataFrame(
            {
                S.TERM: [join_tokens(t) for t in tokens],
                S.KIND: S.PHRASE,
                S.LANGUAGE: ["zh" if any(is_han(w) for w in t) else "en" for t in tokens],
                "tokens": [" ".join(t) for t in tokens],
                "n_tokens": [len(t) for t in tokens],
                "score": found.scores,
                "user": found.user,
            }
        )
        vocab_frame = pd.concat([vocab_frame, phrase_frame], ignore_index=True)
        counts = found.counts
    return vocab_frame, counts


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


#: Files of a saved index; ``meta.json`` (written last) describes each of them.
_FILES = (
    "docs.parquet",
    "vocab.parquet",
    "passages.parquet",
    "counts.npz",
    "doc_tokens.npy",
    "tokens.npy",
    "token_offsets.npy",
)
_META_KEYS = ("version", "content_hash", "settings", "files")
#: Files up to this size are hashed whole; larger ones by their size, head, tail and
#: evenly spaced blocks (a truncated, extended or zeroed file never passes).
FULL_HASH_BYTES = 8 << 20
_SAMPLE_BLOCK = 64 << 10
_SAMPLE_BLOCKS = 64
#: Prefixes of the folders a save works in; left behind only by a killed process.
_TEMP_PREFIX = ".partial-"
_OLD_PREFIX = ".replaced-"
#: A work folder older than this is abandoned even if its process id is in use
#: (another host sharing the cache, or a reused id).
STALE_SECONDS = 6 * 3600


class IndexCacheError(AnalysisError):
    """A saved index folder is unreadable (partial, truncated, corrupt or from another version)."""


@dataclass(frozen=True)
class CacheNotice:
    """What happened to the index cache during :func:`build_index`, for the user to read.

    ``kind`` is ``rebuilt`` (a saved folder was unreadable: removed and built
    again) or ``unsaved`` (the cache folder could not be written: the index
    lives in memory only).
    """

    kind: str
    folder: Path
    message: str


def _checksum(path: Path, size: int) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(size.to_bytes(8, "little"))
    with path.open("rb") as handle:
        if size <= FULL_HASH_BYTES:
            digest.update(handle.read())
        else:
            step = (size - _SAMPLE_BLOCK) / (_SAMPLE_BLOCKS - 1)
            for block in range(_SAMPLE_BLOCKS):  # first and last block included
                handle.seek(int(block * step))
                digest.update(handle.read(_SAMPLE_BLOCK))
    return digest.hexdigest()


def _describe(path: Path) -> dict[str, object]:
    size = path.stat().st_size
    entry: dict[str, object] = {"bytes": size, "blake2b": _checksum(path, size)}
    if path.suffix == ".npy":
        shape, dtype = _npy_header(path)
        entry.update(shape=list(shape), dtype=dtype)
    return entry


def _npy_header(path: Path) -> tuple[tuple[int, ...], str]:
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        else:
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        data_start = handle.tell()
    expected = data_start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if path.stat().st_size != expected:
        raise ValueError(f"holds {path.stat().st_size:,} bytes, its header says {expected:,}")
    return tuple(int(n) for n in shape), dtype.str


def _write_files(index: CorpusIndex, folder: Path) -> None:
    docs = index.docs.copy()
    for column in docs.columns:
        if docs[column].dtype == object:
            docs[column] = docs[column].map(_jsonable)
    docs.to_parquet(folder / "docs.parquet", index=False)
    index.vocab.to_parquet(folder / "vocab.parquet", index=False)
    index.passages.to_parquet(folder / "passages.parquet", index=False)
    sp.save_npz(folder / "counts.npz", index.counts, compressed=False)
    np.save(folder / "doc_tokens.npy", index.doc_tokens)
    np.save(folder / "tokens.npy", np.asarray(index.tokens))
    np.save(folder / "token_offsets.npy", index.token_offsets)


def save_index(index: CorpusIndex, folder: Path) -> None:
    """Save the index as ``folder``, atomically.

    The files are written into a work folder beside ``folder``, described in
    ``meta.json`` (size, shape, dtype and a checksum of each, written last),
    and the work folder is renamed to ``folder``. No file is ever rewritten in
    place: a process still reading an older copy keeps its files. An older
    ``folder`` is moved aside first and removed. On any error (a full or
    read-only disk) the work folder is removed and the ``OSError`` raised;
    ``folder`` is then as it was (or absent).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=_work_prefix(_TEMP_PREFIX, folder), dir=folder.parent))
    try:
        _write_files(index, work)
        meta = {
            "version": INDEX_VERSION,
            "content_hash": index.content_hash,
            "settings": asdict(index.settings),
            "files": {name: _describe(work / name) for name in _FILES},
        }
        (work / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")
        _replace(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _work_prefix(kind: str, folder: Path) -> str:
    return f"{kind}{folder.name}-{socket.gethostname()}-{os.getpid()}-"


def _replace(work: Path, folder: Path) -> None:
    try:
        os.rename(work, folder)
        return
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    # An older (or concurrently saved) copy is in the way: move it aside, then rename.
    aside = Path(tempfile.mkdtemp(prefix=_work_prefix(_OLD_PREFIX, folder), dir=folder.parent))
    with contextlib.suppress(FileNotFoundError):  # someone removed it meanwhile
        os.rename(folder, aside / "index")
    try:
        os.rename(work, folder)
    except OSError as error:
        if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
        # another process saved the same index between the two renames: theirs stays
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(aside, ignore_errors=True)


def remove_stale_work(cache_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove the work folders of saves that were killed; returns the folders removed.

    A work folder names the host and process that made it: it is stale when
    that process is gone (same host) or it is older than :data:`STALE_SECONDS`.
    A folder that cannot be removed (a read-only cache) is left alone.
    """
    now = time.time() if now is None else now
    host = socket.gethostname()
    removed = []
    try:
        entries = list(Path(cache_dir).iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith((_TEMP_PREFIX, _OLD_PREFIX)) or entry.is_symlink():
            continue
        parts = entry.name.rsplit("-", 2)  # <prefix><index>-<host>-<pid>-<random>
        alive = False
        if len(parts) == 3 and parts[0].endswith(f"-{host}") and parts[1].isdigit():
            alive = _process_alive(int(parts[1]))
        try:
            old = now - entry.stat().st_mtime > STALE_SECONDS
        except OSError:
            continue
        if alive and not old:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
    return removed


#: A saved index used (loaded or saved) this recently is never evicted: another
#: process may be reading it.
EVICT_GRACE_SECONDS = 60.0


def _touch(folder: Path) -> None:
    """Mark ``folder`` used now (its mtime orders the eviction); a read-only cache is left as is."""
    with contextlib.suppress(OSError):
        os.utime(folder)


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def evict_cache(
    cache_dir: Path,
    *,
    max_bytes: int | None = None,
    keep: Sequence[Path] = (),
    now: float | None = None,
) -> list[Path]:
    """Remove the least recently used saved indexes until ``cache_dir`` holds ``max_bytes``.

    Parameters
    ----------
    cache_dir
        The index cache (one folder per saved index).
    max_bytes
        By default ``DASHBOARD_CACHE_MAX_BYTES``
        (:attr:`~analysis.limits.IngestLimits.cache_bytes`, 10 GiB).
    keep
        Folders never removed (the one being written or loaded).
    now
        The time to judge :data:`EVICT_GRACE_SECONDS` by (default: now).

    Returns
    -------
    list of Path
        The folders removed, oldest first. Use is the folder's modification
        time, set on every save and load. Work folders (``.partial-…``) are
        left to :func:`remove_stale_work`; a folder used within
        :data:`EVICT_GRACE_SECONDS`, or one that cannot be removed (a read-only
        cache), stays even if the cache is then over ``max_bytes``.
    """
    from analysis.limits import IngestLimits  # here: limits reads the environment

    limit = IngestLimits.from_environment().cache_bytes if max_bytes is None else max_bytes
    now = time.time() if now is None else now
    kept = {Path(folder).resolve() for folder in keep}
    folders: list[tuple[float, int, Path]] = []
    total = 0
    try:
        entries = list(Path(cache_dir).iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            used = entry.stat().st_mtime
        except OSError:
            continue
        size = _folder_bytes(entry)
        total += size
        folders.append((used, size, entry))
    removed: list[Path] = []
    for used, size, entry in sorted(folders, key=lambda item: item[0]):
        if total <= limit:
            break
        if entry.resolve() in kept or now - used < EVICT_GRACE_SECONDS:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
            total -= size
    return removed


def saved_index_path(
    content_hash: str, settings: IndexSettings, cache_dir: Path | None = None
) -> Path | None:
    """The folder :func:`build_index` saves this index in, if it is there now (else None).

    The dashboard asks before a build, so that loading a saved index is not
    counted against a session's rebuild limit. ``cache_dir`` defaults to
    :func:`default_cache_dir`.
    """
    folder = _cache_path(cache_dir or default_cache_dir(), content_hash, settings)
    return folder if folder is not None and (folder / "meta.json").is_file() else None


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _jsonable(value: object) -> object:
    # Metadata columns may hold lists or dicts; parquet wants one type per column.
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return value


def check_index(folder: Path) -> dict[str, object]:
    """The parsed ``meta.json`` of a saved index, after checking every file against it.

    Raises
    ------
    IndexCacheError
        ``meta.json`` is missing, unparsable, from another version or
        incomplete, or a file is missing or differs from its description
        (size, shape, dtype, checksum). The message names the file.
    """
    folder = Path(folder)
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCacheError(f"{meta_path} is missing (a save did not finish)") from None
    except (OSError, ValueError) as error:
        raise IndexCacheError(f"{meta_path} cannot be read ({error})") from None
    if not isinstance(meta, dict) or any(key not in meta for key in _META_KEYS):
        raise IndexCacheError(f"{meta_path} lacks {', '.join(_META_KEYS)}")
    if meta["version"] != INDEX_VERSION:
        raise IndexCacheError(
            f"{meta_path} is version {meta['version']!r}, this code reads {INDEX_VERSION}"
        )
    files = meta["files"]
    if not isinstance(files, dict) or set(files) != set(_FILES):
        raise IndexCacheError(f"{meta_path} does not describe the index files")
    for name in _FILES:
        path, want = folder / name, files[name]
        try:
            size = path.stat().st_size
            if size != want["bytes"]:
                raise IndexCacheError(f"{path} holds {size:,} bytes, not {want['bytes']:,}")
            if path.suffix == ".npy":
                shape, dtype = _npy_header(path)
                if list(shape) != want["shape"] or dtype != want["dtype"]:
                    raise IndexCacheError(
                        f"{path} is {dtype} {list(shape)}, not {want['dtype']} {want['shape']}"
                    )
            if _checksum(path, size) != want["blake2b"]:
                raise IndexCacheError(f"{path} does not match its checksum")
        except FileNotFoundError:
            raise IndexCacheError(f"{path} is missing") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise IndexCacheError(f"{path} cannot be checked ({error})") from None
    return meta


def load_index(folder: Path) -> CorpusIndex:
    """Read an index written by :func:`save_index`, after :func:`check_index`.

    Every array is read into memory (none is memory-mapped), so nothing done
    to the files later — a replacement, a truncation, a removal — can reach
    an index already loaded.

    Raises
    ------
    IndexCacheError
        The folder is partial or corrupt (see :func:`check_index`).
    """
    folder = Path(folder)
    meta = check_index(folder)
    try:
        raw = meta["settings"]
        if not isinstance(raw, dict):
            raise TypeError("settings is not a mapping")
        settings = IndexSettings(
            detect_phrases=raw["detect_phrases"],
            user_phrases=tuple(raw["user_phrases"]),
            user_words=tuple(raw["user_words"]),
            phrase_options=PhraseOptions(**raw["phrase_options"]),
            fold_chinese=bool(raw.get("fold_chinese", False)),
        )
        index = CorpusIndex(
            docs=pd.read_parquet(folder / "docs.parquet"),
            vocab=pd.read_parquet(folder / "vocab.parquet"),
            counts=sp.load_npz(folder / "counts.npz").tocsr(),
            doc_tokens=np.load(folder / "doc_tokens.npy"),
            passages=pd.read_parquet(folder / "passages.parquet"),
            content_hash=str(meta["content_hash"]),
            settings=settings,
            tokens=np.load(folder / "tokens.npy"),
            token_offsets=np.load(folder / "token_offsets.npy"),
        )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        # the checksum of a large file is sampled: a change between samples shows here
        raise IndexCacheError(f"{folder} cannot be read ({error})") from None
    n_docs = index.counts.shape[0]
    if not (len(index.docs) == len(index.doc_tokens) == len(index.token_offsets) - 1 == n_docs):
        raise IndexCacheError(f"{folder} holds tables of different lengths")
    if int(index.token_offsets[-1]) != len(index.tokens):
        raise IndexCacheError(f"{folder}: the token offsets do not match the token stream")
    return index
