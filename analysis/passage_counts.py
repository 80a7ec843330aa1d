"""Passages x index columns: the counts topics are fitted on.

A passage (a paragraph, ``index.passages``) that is its document's only one
is its row of the index counts; other passages are tokenised again by the
token rule, with the index's phrases counted where their words stand
together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import polars as pl
import scipy.sparse as sp

from analysis import schema as S
from analysis.rows import text_cells
from analysis.scan import scan_parts
from analysis.text import classify_flat

if TYPE_CHECKING:
    from analysis.corpus_index import CorpusIndex


def _lookup_tables(index: CorpusIndex) -> tuple[pl.DataFrame, dict[int, pl.DataFrame]]:
    """Word -> column, and per phrase length the phrases' word columns (once per index).

    A phrase is listed when each of its words is a word of the vocabulary
    (``w0, w1, ...`` their columns, ``column`` the phrase's).
    """
    memo = index._memo.get("passage_lookup")
    if memo is not None:
        return memo  # type: ignore[return-value]  # stored below with this type
    # the vocabulary's strings as Arrow hands them over (not as NumPy strings, 60 ms at 100k)
    vocab = pl.from_pandas(index.vocab[[S.KIND, S.TERM, "tokens"]]).with_columns(
        column=pl.int_range(pl.len(), dtype=pl.Int64)
    )
    is_word = pl.col(S.KIND) == S.WORD
    word_columns = vocab.filter(is_word).select(pl.col(S.TERM).alias("token"), "column")
    phrases = (
        vocab.filter(~is_word)
        .select("column", words=pl.col("tokens").str.split(" "))
        .drop_nulls("words")
    )
    lengths = phrases["words"].list.len()
    wanted: dict[int, pl.DataFrame] = {}
    for n in lengths.unique(maintain_order=True).to_list():
        table = phrases.filter(lengths == n).select(
            "column", *(pl.col("words").list.get(j).alias(f"t{j}") for j in range(n))
        )
        for j in range(n):
            named = word_columns.rename({"token": f"t{j}", "column": f"w{j}"})
            table = table.join(named, on=f"t{j}", how="inner", maintain_order="left")
        if table.height:
            wanted[n] = table.select(*(f"w{j}" for j in range(n)), "column")
    index._memo["passage_lookup"] = (word_columns, wanted)
    return word_columns, wanted


def selected_passage_counts(index: CorpusIndex, passages: pd.DataFrame) -> sp.csr_matrix:
    """Passages x index columns for ``passages`` (rows of ``index.passages``).

    A passage that is its document's only one holds all of the document's
    tokens, so its counts are the document's row of ``index.counts``; only
    the passages of documents with several are tokenised again
    (:func:`passage_counts`).
    """
    per_doc = index._memo.get("passages_per_doc")
    if not isinstance(per_doc, np.ndarray):
        per_doc = np.bincount(index.passages["doc"].to_numpy(), minlength=index.n_docs)
        index._memo["passages_per_doc"] = per_doc
    doc = passages["doc"].to_numpy()
    whole = per_doc[doc] == 1
    from_index = index.counts[doc[whole]].astype(np.float64)
    parts = passages[~whole]
    doc_rows = np.unique(parts["doc"].to_numpy())
    texts_by_doc = dict(zip(doc_rows.tolist(), text_cells(index, doc_rows), strict=True))
    texts = [
        texts_by_doc[d][a:b]
        for d, a, b in zip(parts["doc"], parts[S.START], parts[S.END], strict=True)
    ]
    if texts:
        tokenised = passage_counts(index, texts)
    else:
        tokenised = sp.csr_matrix((0, len(index.vocab)), dtype=np.float64)
    stacked = sp.vstack([from_index, tokenised], format="csr")
    position = np.empty(len(doc), dtype=np.int64)
    position[np.flatnonzero(whole)] = np.arange(int(whole.sum()))
    position[np.flatnonzero(~whole)] = int(whole.sum()) + np.arange(int((~whole).sum()))
    return sp.csr_matrix(stacked[position])


def passage_counts(index: CorpusIndex, texts: list[str]) -> sp.csr_matrix:
    """Passages x index columns: words by the token rule, and vocabulary phrases.

    A phrase counts where its words stand in a row with no boundary between
    them, as in the index; its words are counted as words too (phrase counts
    sit beside word counts, as everywhere else).
    """
    n_columns = len(index.vocab)
    word_columns, wanted_by_length = _lookup_tables(index)
    passage, ids = _token_columns(index, texts, word_columns)
    rows = [passage[ids >= 0]]
    cols = [ids[ids >= 0]]
    for n, wanted in wanted_by_length.items():
        span = len(ids) - n + 1
        if span <= 0:
            continue
        grams = {f"w{j}": ids[j : j + span] for j in range(n)}
        grams["p"] = passage[:span]
        valid = passage[:span] == passage[n - 1 :]
        for j in range(n):
            valid &= grams[f"w{j}"] >= 0
        table = pl.DataFrame({key: value[valid] for key, value in grams.items()})
        found = table.join(wanted, on=[f"w{j}" for j in range(n)], how="inner")
        rows.append(found["p"].to_numpy())
        cols.append(found["column"].to_numpy())
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    matrix = sp.csr_matrix(
        (np.ones(len(row), dtype=np.float64), (row, col)), shape=(len(texts), n_columns)
    )
    matrix.sum_duplicates()
    return matrix


def _token_columns(
    index: CorpusIndex, texts: list[str], word_columns: pl.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The token stream of ``texts`` (:func:`~analysis.text.tokenize_frame`'s, in reading
    order): per token its text's position, and its word column (-1: a boundary, or a
    word the vocabulary lacks).

    Each distinct raw token is classified once and its tokens looked up once; the
    stream is then numbers gathered by numpy, not a list of strings per raw token
    exploded (two thirds of the time of a topic fit's passage counts at 100k documents).
    """
    scanned = scan_parts(texts)
    lengths, flat = classify_flat(
        scanned.strings,
        user_words=index.settings.user_words,
        fold_chinese=index.settings.fold_chinese,
    )
    looked_up = pl.DataFrame({"token": pl.Series(flat, dtype=pl.String)}).join(
        word_columns, on="token", how="left", maintain_order="left"
    )
    flat_column = looked_up["column"].fill_null(-1).to_numpy().astype(np.int64)
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    doc, code = scanned.numbered(np.arange(len(lengths), dtype=np.int64))
    each = lengths[code]  # tokens of each raw token (a Han run may give several, or none)
    total = int(each.sum())
    start_of = np.repeat(first[code], each)
    # the k-th token of a raw token is its first one plus k
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(each) - each, each)
    return np.repeat(doc.astype(np.int64), each), flat_column[start_of + within]
