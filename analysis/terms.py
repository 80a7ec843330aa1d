"""Term frequencies, corpus summaries and distinctive terms, read from the index."""

from __future__ import annotations

import hashlib
from typing import Literal, cast

import numpy as np
import pandas as pd

from analysis import kernels
from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.periods import (
    Granularity,
    PeriodTable,
    check_granularity,
    period_ordinals,
    period_starts,
    placeable,
)
from analysis.query import count_query, parse_query
from analysis.rows import as_mask, nonempty
from analysis.stopwords import default_stopwords
from analysis.text import is_number

TermKind = Literal["word", "phrase", "all"]

#: Selections whose column totals are kept per index (the most recently used).
_SELECTIONS_KEPT = 4


def column_totals(index: CorpusIndex, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(occurrences, documents) of every vocabulary column over the selected rows.

    Read-only. The corpus totals are computed once per index; a partial
    selection sums the rows of the counts in place (no copy of the selected
    rows), over the selected rows or, when they hold more than half of the
    non-zeros, over the others, subtracted from the totals. The totals of the
    last few selections are kept per index (keyed by the mask's digest).
    """
    mask = np.asarray(mask, dtype=bool)
    counts = index.counts
    memo = index._memo.get("column_totals")
    if memo is None:
        memo = index._memo["column_totals"] = _corpus_totals(index)
    total_count, total_docs, row_nonzeros = cast(tuple[np.ndarray, np.ndarray, np.ndarray], memo)
    selected = int(mask.sum())
    if selected == index.n_docs:
        return total_count, total_docs
    # a page asks for the same selection's totals several times a run (the summary
    # and the term table): the last few are kept per index, read-only
    kept = cast(dict[bytes, tuple[np.ndarray, np.ndarray]], index._memo.setdefault("totals_of", {}))
    key = hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).digest()
    if key in kept:
        kept[key] = kept.pop(key)  # the newest again
        return kept[key]
    if int(row_nonzeros[mask].sum()) > counts.nnz // 2:
        rest_count, rest_docs = _row_sums(index, np.flatnonzero(~mask))
        count, docs = total_count - rest_count, total_docs - rest_docs
    else:
        count, docs = _row_sums(index, np.flatnonzero(mask))
    count.flags.writeable = False
    docs.flags.writeable = False
    if len(kept) >= _SELECTIONS_KEPT:
        kept.pop(next(iter(kept)))
    kept[key] = (count, docs)
    return count, docs


def _corpus_totals(index: CorpusIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(occurrences, documents) of every column over all rows, and non-zeros per row."""
    counts = index.counts
    count, docs = kernels.column_sums(
        counts.indptr, counts.indices, counts.data, np.arange(index.n_docs), counts.shape[1]
    )
    row_nonzeros = np.diff(counts.indptr)
    for array in (count, docs, row_nonzeros):
        array.flags.writeable = False
    return count, docs, row_nonzeros


def _row_sums(index: CorpusIndex, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(occurrences, documents) of every column over ``rows`` of the counts."""
    counts = index.counts
    # one packed accumulator per column where every sum fits in its 32 low bits
    packable = index._memo.get("packable")
    if packable is None:
        packable = index._memo["packable"] = bool(
            index.n_docs < 2**31
            and (counts.nnz == 0 or int(counts.data.min()) >= 0)
            and int(counts.data.sum(dtype=np.int64)) < 2**32
        )
    sums = kernels.packed_column_sums if packable else kernels.column_sums
    return sums(counts.indptr, counts.indices, counts.data, rows, counts.shape[1])


#: Stopword sets whose hidden columns are kept per index.
_STOPWORD_SETS_KEPT = 8


def stopword_columns(index: CorpusIndex, stopwords: frozenset[str]) -> np.ndarray:
    """Columns hidden by ``stopwords``: stopword words, and phrases that start or end with one.

    The first and last words of every column are numbered once per index;
    the result is kept per stopword set (read-only).
    """
    ends = index._memo.get("column_ends")
    if ends is None:
        tokens = index.vocab["tokens"].astype(str).to_numpy()
        first = np.array([t.split(" ", 1)[0] for t in tokens], dtype=object)
        last = np.array([t.rsplit(" ", 1)[-1] for t in tokens], dtype=object)
        distinct, codes = np.unique(np.concatenate([first, last]).astype(str), return_inverse=True)
        code_of = {str(w): i for i, w in enumerate(distinct.tolist())}
        codes = codes.ravel()
        ends = index._memo["column_ends"] = (code_of, codes[: len(tokens)], codes[len(tokens) :])
    code_of, first_code, last_code = cast(tuple[dict[str, int], np.ndarray, np.ndarray], ends)
    kept = index._memo.setdefault("stopword_columns", {})
    assert isinstance(kept, dict)
    key = frozenset(stopwords)
    if key not in kept:
        if len(kept) >= _STOPWORD_SETS_KEPT:
            kept.pop(next(iter(kept)))
        flags = np.zeros(len(code_of) + 1, dtype=bool)
        flags[[code_of[w] for w in key if w in code_of]] = True
        hidden = flags[first_code] | flags[last_code]
        hidden.flags.writeable = False
        kept[key] = hidden
    result = kept[key]
    assert isinstance(result, np.ndarray)
    return result


def term_frequencies(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    kind: TermKind = "all",
    stopwords: frozenset[str] | None = None,
    top: int | None = None,
    hide_words_in_phrases: bool = False,
    numbers: bool = False,
) -> pd.DataFrame:
    """Counts of words and phrases in the selected documents.

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    kind
        ``word``, ``phrase`` or ``all``.
    stopwords
        Hidden words (and phrases starting or ending with one); ``None`` uses
        :func:`~analysis.stopwords.default_stopwords`, an empty set hides nothing.
    top
        Keep the ``top`` most frequent rows.
    hide_words_in_phrases
        Hide a word when at least 80% of its occurrences are inside one phrase
        of the table ("yangtze" inside "yangtze river delta").
    numbers
        Show pure numbers (``000``, ``1990``, ``二十``;
        :func:`~analysis.text.is_number`), hidden by default. Counts,
        ``per_million`` and ``docs`` are the same either way.

    Returns
    -------
    DataFrame
        ``term, kind, count, per_million, docs, tfidf``, by count (descending)
        then term. ``per_million`` is the count per million word tokens of the
        selection; ``docs`` the number of selected documents containing it
        (its document frequency ``df``); ``tfidf`` the term's TF-IDF summed over
        the selected documents, ``count * idf`` with scikit-learn's smoothed
        ``idf = ln((1 + n) / (1 + df)) + 1``, ``n`` the selected documents (what
        ``TfidfVectorizer(norm=None)`` fitted on the selection gives, column-summed).

    Examples
    --------
    >>> from analysis.index import build_index
    >>> ix = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["Tea, tea and more tea."]}))
    >>> term_frequencies(ix, stopwords=frozenset()).head(1).to_dict("records")
    [{'term': 'tea', 'kind': 'word', 'count': 3, 'per_million': 600000.0, 'docs': 1, 'tfidf': 3.0}]
    """
    if kind not in ("word", "phrase", "all"):
        raise OptionError(f"Unknown term kind {kind!r}. Use 'word', 'phrase' or 'all'.")
    if top is not None and top < 1:
        raise OptionError(f"top must be at least 1, not {top}.")
    mask = nonempty(index, mask)
    stopwords = default_stopwords() if stopwords is None else stopwords
    count, docs = column_totals(index, mask)
    tokens = int(index.doc_tokens[mask].sum())
    _, kinds = vocab_arrays(index)
    keep = count > 0
    if stopwords:
        keep &= ~stopword_columns(index, stopwords)
    if not numbers:
        keep &= ~index.number_columns()
    if kind != "all":
        keep &= kinds == kind
    if hide_words_in_phrases and kind == "all":
        keep &= ~_nested_words(index, keep, count)
    rows = np.flatnonzero(keep)
    # by count (descending) then term, as a stable sort of the table would give;
    # the columns are taken in that order, so only the rows kept are built
    rows = rows[ranked(index, rows, -count[rows], top=top)]
    n_selected = int(mask.sum())
    shown_count, shown_docs = count[rows], docs[rows]
    idf = np.log((1 + n_selected) / (1 + shown_docs)) + 1
    return pd.DataFrame(
        {
            # taken from the vocabulary's own string columns: no string object per row
            S.TERM: index.vocab[S.TERM].array.take(rows),
            S.KIND: index.vocab[S.KIND].array.take(rows),
            S.COUNT: shown_count,
            S.PER_MILLION: shown_count / max(tokens, 1) * 1e6,
            S.DOCS: shown_docs,
            S.TFIDF: shown_count * idf,
        }
    )


def _nested_words(
    index: CorpusIndex, shown: np.ndarray, count: np.ndarray, share: float = 0.8
) -> np.ndarray:
    """Word columns to hide: shown words that one shown phrase holds ``share`` of.

    A shown phrase counted ``c_p`` times hides a shown word of it counted
    ``c_w`` times when ``c_p >= share * c_w`` ("yangtze" inside "yangtze river
    delta").
    """
    phrase, word = _phrase_words(index)
    inside = shown[phrase] & shown[word] & (count[phrase] >= share * count[word])
    hidden = np.zeros(len(shown), dtype=bool)
    hidden[word[inside]] = True
    return hidden


def _phrase_words(index: CorpusIndex) -> tuple[np.ndarray, np.ndarray]:
    """(phrase column, word column) for every word of every phrase, once per index."""
    memo = index._memo.get("phrase_words")
    if memo is None:
        names, kinds = vocab_arrays(index)
        word_column = {str(n): c for c, n in enumerate(names.tolist()) if kinds[c] == S.WORD}
        tokens = index.vocab["tokens"].astype(str).to_numpy()
        pairs = [
            (column, word_column[token])
            for column in np.flatnonzero(kinds == S.PHRASE).tolist()
            for token in tokens[column].split(" ")
            if token in word_column
        ]
        both = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        memo = index._memo["phrase_words"] = (both[:, 0].copy(), both[:, 1].copy())
    return cast(tuple[np.ndarray, np.ndarray], memo)


def wordcloud_frequencies(table: pd.DataFrame, *, numbers: bool = False) -> dict[str, float]:
    """Word-cloud weights from a :func:`term_frequencies` table (phrases stay whole).

    Pure numbers (:func:`~analysis.text.is_number`) are left out unless
    ``numbers`` is True.

    >>> wordcloud_frequencies(pd.DataFrame({"term": ["tea", "000"], "count": [3, 5]}))
    {'tea': 3.0}
    """
    return {
        str(t): float(c)
        for t, c in zip(table[S.TERM], table[S.COUNT], strict=True)
        if c > 0 and (numbers or not is_number(str(t)))
    }


def distinctive_terms(
    index: CorpusIndex,
    doc_id: str,
    *,
    top: int = 20,
    stopwords: frozenset[str] | None = None,
    numbers: bool = False,
) -> pd.DataFrame:
    """Terms that set one document apart from the corpus, by TF-IDF.

    ``tfidf = count * idf`` with scikit-learn's smoothed
    ``idf = ln((1 + n) / (1 + df)) + 1`` over all documents of the index.
    Stopwords and, unless ``numbers`` is True, pure numbers are left out.

    Returns
    -------
    DataFrame
        ``term, kind, count, tfidf``, highest TF-IDF first.
    """
    first = _first_rows(index).get(str(doc_id))
    if first is None:
        raise OptionError(f"No document with id {doc_id!r}. Pick one from the Documents page.")
    stopwords = default_stopwords() if stopwords is None else stopwords
    n = index.n_docs
    _, df = column_totals(index, np.ones(n, dtype=bool))
    start, stop = index.counts.indptr[first], index.counts.indptr[first + 1]
    cols = index.counts.indices[start:stop]
    values = index.counts.data[start:stop].astype(np.int64)
    if stopwords:
        visible = ~stopword_columns(index, stopwords)[cols]
        cols, values = cols[visible], values[visible]
    if not numbers:
        visible = ~index.number_columns()[cols]
        cols, values = cols[visible], values[visible]
    idf = np.log((1 + n) / (1 + df[cols])) + 1
    names, kinds = vocab_arrays(index)
    table = pd.DataFrame(
        {
            S.TERM: names[cols],
            S.KIND: kinds[cols],
            S.COUNT: values,
            S.TFIDF: values * idf,
        }
    )
    table = table.sort_values([S.TFIDF, S.TERM], ascending=[False, True], kind="stable")
    return table.head(top).reset_index(drop=True)


def ranked(
    index: CorpusIndex, columns: np.ndarray, key: np.ndarray, *, top: int | None = None
) -> np.ndarray:
    """Positions of ``columns`` ordered by ``key`` (ascending), then term, then column.

    The order of a stable ``sort_values([key, term])`` over a table of those
    columns in that order, from a term order computed once per index. With
    ``top``, only the first ``top`` positions (an integer key finds them by
    ``argpartition`` and sorts only those).
    """
    rank = index._memo.get("term_rank")
    if not isinstance(rank, np.ndarray):
        names = index.vocab[S.TERM].to_numpy().astype(str)
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.argsort(names, kind="stable")] = np.arange(len(names))
        index._memo["term_rank"] = rank
    key = np.asarray(key)
    n = max(len(rank), 1)
    if key.dtype.kind in "iu" and (not len(key) or int(np.abs(key).max()) < 2**62 // n):
        # one int64 per column: key first, then the term's rank (a permutation, so
        # no two columns tie and no stable sort is needed)
        combined = key.astype(np.int64) * n + rank[columns]
        if top is not None and top < len(combined):
            head = np.argpartition(combined, top - 1)[:top]
            return head[np.argsort(combined[head])]
        return np.argsort(combined)
    return np.lexsort((rank[columns], key))[:top]


def vocab_arrays(index: CorpusIndex) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary's ``term`` and ``kind`` columns as numpy arrays, once per index."""
    memo = index._memo.get("vocab_arrays")
    if memo is None:
        memo = (index.vocab[S.TERM].to_numpy(), index.vocab[S.KIND].to_numpy())
        for array in memo:
            array.flags.writeable = False
        index._memo["vocab_arrays"] = memo
    return cast(tuple[np.ndarray, np.ndarray], memo)


def _first_rows(index: CorpusIndex) -> dict[str, int]:
    """Doc id -> its first row, once per index."""
    first = index._memo.get("first_rows")
    if not isinstance(first, dict):
        ids = index.docs[S.DOC_ID].astype(str).tolist()
        rows: dict[str, int] = {}
        for row, doc_id in enumerate(ids):
            rows.setdefault(doc_id, row)
        index._memo["first_rows"] = first = rows
    return first


def corpus_summary(index: CorpusIndex, mask: np.ndarray | None = None) -> dict[str, object]:
    """Headline numbers of the selection.

    Returns ``documents, tokens, types, first_date, last_date, undated,
    sources`` (source -> documents). ``types`` counts distinct words.
    """
    mask = as_mask(index, mask)
    rows = np.flatnonzero(mask)
    # only the two columns read are taken, not the selected rows' texts
    date_column = index.docs[S.DATE].iloc[rows]
    count, _ = column_totals(index, mask)
    words = vocab_arrays(index)[1] == S.WORD
    dates = pd.to_datetime(date_column).dropna()
    sources = index.docs[S.SOURCE].iloc[rows].fillna("").astype(str).value_counts()
    return {
        "documents": int(mask.sum()),
        "tokens": int(index.doc_tokens[mask].sum()),
        "types": int(((count > 0) & words).sum()),
        "phrases": int(((count > 0) & ~words).sum()),
        "first_date": dates.min().date().isoformat() if len(dates) else None,
        "last_date": dates.max().date().isoformat() if len(dates) else None,
        "undated": int(date_column.isna().sum()),
        "sources": {str(k): int(v) for k, v in sources.items()},
    }


def documents_per_period(
    index: CorpusIndex, mask: np.ndarray | None = None, *, freq: Granularity = "year"
) -> PeriodTable:
    """Documents and tokens per calendar period, empty periods included as zero.

    Documents dated more coarsely than ``freq`` (a year-only date in a monthly
    view) are left out rather than spread over invented days; the result's
    ``too_coarse`` counts them, and ``undated`` the undated ones.

    Returns
    -------
    PeriodTable
        ``table``: ``period`` (Timestamp of the period's first day),
        ``documents``, ``tokens``; beside it ``too_coarse`` and ``undated``.
    """
    check_granularity(freq)
    mask = as_mask(index, mask)
    dated_all, use_all, ordinals_all = _period_ordinals(index, freq)
    dated, use = dated_all[mask], use_all[mask]
    placed = mask & use_all
    ordinals = ordinals_all[placed]
    if len(ordinals):
        low, high = int(ordinals.min()), int(ordinals.max())
        codes = ordinals - low
        documents = np.bincount(codes, minlength=high - low + 1).astype(np.int64)
        tokens = np.bincount(codes, weights=index.doc_tokens[placed], minlength=high - low + 1)
        starts = period_starts(np.arange(low, high + 1), freq)
    else:
        documents = tokens = np.zeros(0, dtype=np.int64)
        starts = pd.DatetimeIndex([])
    table = pd.DataFrame(
        {
            S.PERIOD: starts,
            S.DOCUMENTS: documents,
            S.TOKENS: np.asarray(tokens).astype(np.int64),
        }
    )
    return PeriodTable(table, int((dated & ~use).sum()), int((~dated).sum()))


def _period_ordinals(index: CorpusIndex, freq: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per document, once per index and granularity: dated, placeable, period ordinal.

    The ordinal is pandas' for ``freq`` (0 where the document is not placeable).
    """
    key = ("period_ordinals", freq)
    memo = index._memo.get(key)
    if memo is None:
        dates = pd.to_datetime(index.docs[S.DATE])
        dated = dates.notna().to_numpy()
        use = placeable(dates, index.docs[S.DATE_PRECISION], freq)
        ordinals = np.zeros(index.n_docs, dtype=np.int64)
        ordinals[use] = period_ordinals(dates[use], freq)
        memo = index._memo[key] = (dated, use, ordinals)
    return cast(tuple[np.ndarray, np.ndarray, np.ndarray], memo)


def documents_with_term(
    index: CorpusIndex, mask: np.ndarray | None, term: str, *, holding_only: bool = False
) -> pd.DataFrame:
    """Selected documents with how often a typed query occurs in each.

    ``term`` is a query (:mod:`analysis.query`): a word, any word sequence,
    ``word*`` or alternatives with ``|``, counted as everywhere else.
    ``holding_only`` leaves out the documents that do not hold it.

    Returns
    -------
    DataFrame
        ``doc_id, date, title, source, count``, most occurrences first, then in
        corpus order; documents without the term count 0 (or are left out,
        with ``holding_only``). An empty or unknown term counts 0 everywhere.
    """
    rows = np.flatnonzero(as_mask(index, mask))
    counts = np.zeros(len(rows), dtype=np.int64)
    if term.strip():
        counts = count_query(index, parse_query(index, term), rows)
    if holding_only:
        rows, counts = rows[counts > 0], counts[counts > 0]
    docs = index.docs.iloc[rows]
    table = pd.DataFrame(
        {
            S.DOC_ID: docs[S.DOC_ID].astype(str).to_numpy(),
            S.DATE: docs[S.DATE].to_numpy(),
            S.TITLE: docs[S.TITLE].fillna("").astype(str).to_numpy(),
            S.SOURCE: docs[S.SOURCE].fillna("").astype(str).to_numpy(),
            S.COUNT: counts,
        }
    )
    order = np.argsort(-counts, kind="stable")
    return table.iloc[order].reset_index(drop=True)


def kind_columns(
    index: CorpusIndex, kind: TermKind, stopwords: frozenset[str] | None
) -> np.ndarray:
    if kind not in ("word", "phrase", "all"):
        raise OptionError(f"Unknown term kind {kind!r}. Use 'word', 'phrase' or 'all'.")
    stopwords = default_stopwords() if stopwords is None else stopwords
    keep = np.ones(index.counts.shape[1], dtype=bool)
    if kind != "all":
        keep &= (index.vocab[S.KIND] == kind).to_numpy()
    if stopwords:
        keep &= ~stopword_columns(index, stopwords)
    return np.flatnonzero(keep)
