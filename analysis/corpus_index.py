"""CorpusIndex, what every analysis reads, and IndexSettings, what besides the text decides it.

An index is built by :func:`analysis.index.build_index` and saved and
reloaded by :mod:`analysis.store`; this module holds only the two types
and the version that keys them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from analysis import kernels
from analysis import schema as S
from analysis.phrases import PhraseOptions
from analysis.rule import RULE_VERSION
from analysis.text import is_number, join_tokens, tokenize

#: Bump when the token rule or the saved layout changes: old caches are ignored.
INDEX_VERSION = 4


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
    folder
        The saved folder this index was loaded from or saved as
        (:mod:`analysis.store`), ``None`` for an index kept in memory only.
        Results computed from it once (near-duplicate pairs, topic models)
        are saved there beside the index files
        (:func:`analysis.store.save_result`).
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
    folder: Path | None = field(default=None, repr=False, compare=False)
    _columns: dict[str, int] | None = field(default=None, repr=False)
    _word_ids: dict[str, int] | None = field(default=None, repr=False)
    _unique: np.ndarray | None = field(default=None, repr=False)
    _sorted_words: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _word_totals: np.ndarray | None = field(default=None, repr=False)
    _numbers: np.ndarray | None = field(default=None, repr=False)
    #: Derived per-index tables and results, by name (stopword columns, column
    #: totals, topic models): computed on first use. Of these only topic models
    #: (and the near-duplicate pairs below) are also saved in ``folder``.
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
            # from lists: iterating the column itself takes 7 times as long (0.2 s at 100k)
            self._word_ids = dict(zip(words.tolist(), words.index.tolist(), strict=True))
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
            # A number's first character is a number on its own (a digit, a Han
            # numeral): only terms starting with one are tested, not all (0.33 s at 100k).
            firsts = [t[:1] for t in tokens]
            leading = {c for c in set(firsts) if is_number(c)}
            numbers = np.zeros(len(tokens), dtype=bool)
            for at, (token, first) in enumerate(zip(tokens, firsts, strict=True)):
                if first in leading:
                    numbers[at] = is_number(token)
            self._numbers = numbers
        return self._numbers

    def column(self, term: str) -> int | None:
        """Column of a term given in display form or as typed by a user."""
        if self._columns is None:
            terms = self.vocab[S.TERM].tolist()
            self._columns = dict(zip(terms, range(len(terms)), strict=True))
        if term in self._columns:
            return self._columns[term]
        words = tokenize(
            term, user_words=self.settings.user_words, fold_chinese=self.settings.fold_chinese
        )
        return self._columns.get(join_tokens(words)) if words else None
