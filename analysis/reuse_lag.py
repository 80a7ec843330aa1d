"""Reuse with lag: passages shared across a selection, who published each first, who followed.

:func:`analysis.reuse.shared_passages` aligns two documents; this finds, over
every selected dated document at once, the runs of words that recur in more
than one, and for each the earliest publisher and the lag of every reuser in
days. Read from the index's token stream (hashed word runs, the shingles of
:mod:`analysis.duplicates`), so no text is read except that of the passages
found.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analysis import kernels
from analysis import schema as S
from analysis.corpus_index import CorpusIndex
from analysis.errors import OptionError
from analysis.reuse import word_offsets
from analysis.rows import nonempty, text_cells
from analysis.spread import group_labels
from analysis.text import join_tokens

PASSAGE_ID = "passage"
ROLE = "role"
LAG_DAYS = "lag_days"
FIRST = "first"
REUSE = "reuse"
#: One row per passage and document using it.
REUSE_LAG_COLUMNS = (PASSAGE_ID, ROLE, S.DOC_ID, S.GROUP, S.DATE, LAG_DAYS, S.TOKENS, S.TEXT)
#: One row per passage.
FIRST_DOC = "first_doc"
FIRST_GROUP = "first_group"
FIRST_DATE = "first_date"
REUSERS = "reusers"
GROUPS = "groups"
MAX_LAG = "max_lag_days"
PASSAGE_COLUMNS = (
    PASSAGE_ID, FIRST_DOC, FIRST_GROUP, FIRST_DATE, REUSERS, GROUPS, MAX_LAG, S.TOKENS, S.TEXT,
)  # fmt: skip
_BASE = np.uint64(1_000_003)
#: Words whose offsets in their text stay kept on an index (two int32 each: 64 MB).
_MAX_KEPT_WORDS = 8_000_000
#: Passage lengths whose corpus-wide shared runs stay kept on an index.
_MAX_KEPT_LENGTHS = 4
_KEEPING = threading.Lock()
#: Where a passage's text comes from: its first publisher's text, or the index's words.
PassageText = Literal["document", "words"]


@dataclass(frozen=True)
class ReuseLag:
    """Passages shared across the selection, their first publisher and reusers.

    Attributes
    ----------
    uses
        ``passage, role, doc_id, group, date, lag_days, tokens, text``: one
        row per passage and document holding it; ``role`` is ``first`` for
        the earliest publisher (``lag_days`` 0) and ``reuse`` for the others
        (``lag_days`` = their date minus the first one's, in days); ``tokens``
        is the passage's length in words in that document, ``text`` the
        passage as its first publisher has it (one text is read per
        passage). Passages are
        numbered from 1 by their first date, each first publisher's row
        first, then the reusers by date and corpus order.
    passages
        ``passage, first_doc, first_group, first_date, reusers, groups,
        max_lag_days, tokens, text``: one row per passage, the text and the
        length its first publisher gives it, ``reusers`` the other documents,
        ``groups`` the distinct groups among all.
    by
        The column naming the groups.
    undated
        Selected undated documents, left out (no lag can be measured).
    """

    uses: pd.DataFrame
    passages: pd.DataFrame
    by: str
    undated: int

    def note(self) -> str | None:
        """One sentence on the documents left out, or ``None``."""
        if not self.undated:
            return None
        n = self.undated
        return f"{n} undated document{'s' if n != 1 else ''} left out: no lag can be measured"


def reuse_lag(
    index: CorpusIndex,
    mask: np.ndarray | None = None,
    *,
    by: str = S.SOURCE,
    min_tokens: int = 6,
    text: PassageText = "document",
) -> ReuseLag:
    """Passages of at least ``min_tokens`` words that several selected documents share.

    Words are the index's (token rule; punctuation and case do not break a
    passage, as in :func:`analysis.reuse.shared_passages`). Every run of
    ``min_tokens`` consecutive words is hashed (64-bit, as the near-duplicate
    search does); a run found in two or more documents is shared. In each
    document, consecutive shared runs make one stretch; stretches holding a
    common run are one passage (so a stretch reused from two documents joins
    them). Per passage, the earliest document by date (then corpus order)
    is the first publisher; each other document is a reuser with its lag in
    days. A document dated only to the month or year stands at the first
    day, as stored. Undated documents are left out and counted.

    The runs two or more documents of the whole corpus share are found once
    per index and ``min_tokens`` (when a selection holds a quarter of the
    corpus's words or more) and kept on it; a selection keeps those of its
    documents (the runs it shares are among them), so a new selection costs
    a fraction of the first. Each document's word offsets, read for its
    passages' text, are kept too (up to 8 M words).

    Parameters
    ----------
    index, mask
        The index and the selected documents (``None``: all).
    by
        The document column naming the groups (see
        :func:`analysis.spread.group_labels`).
    min_tokens
        The fewest words of a shared passage (at least 2).
    text
        ``document``: each passage's text as its first publisher writes it
        (its text is read again, one document per passage); ``words``: the
        passage in the index's words (case folded, punctuation left out),
        read from the token stream alone, for corpora where passages run
        into the hundreds of thousands.

    Returns
    -------
    ReuseLag
        See its attributes; empty tables when nothing is shared.
    """
    if min_tokens < 2:
        raise OptionError(f"min_tokens must be at least 2, not {min_tokens}.")
    if text not in ("document", "words"):
        raise OptionError(f"Unknown passage text {text!r}. Use 'document' or 'words'.")
    mask = nonempty(index, mask)
    labels = group_labels(index, by)
    dates = pd.to_datetime(index.docs[S.DATE]).to_numpy()
    dated = mask & ~pd.isna(dates)
    undated = int((mask & ~dated).sum())
    rows = np.flatnonzero(dated & (index.doc_tokens >= min_tokens))
    empty = ReuseLag(
        uses=pd.DataFrame(columns=list(REUSE_LAG_COLUMNS)),
        passages=pd.DataFrame(columns=list(PASSAGE_COLUMNS)),
        by=by,
        undated=undated,
    )
    if len(rows) < 2:
        return empty
    run_row, place, hash_of = _candidate_runs(index, rows, min_tokens)
    doc_of = np.searchsorted(rows, run_row)
    shared = _shared_runs(doc_of, hash_of)
    if not shared.any():
        return empty
    run_doc, run_place, run_hash = doc_of[shared], place[shared], hash_of[shared]
    # stretches: consecutive shared runs of one document
    starts = np.ones(len(run_doc), dtype=bool)
    starts[1:] = (run_doc[1:] != run_doc[:-1]) | (run_place[1:] != run_place[:-1] + 1)
    stretch = np.cumsum(starts) - 1
    n_stretches = int(stretch[-1]) + 1
    stretch_doc = run_doc[starts]
    stretch_from = run_place[starts]
    stretch_to = np.zeros(n_stretches, dtype=np.int64)
    np.maximum.at(stretch_to, stretch, run_place + min_tokens)
    # stretches holding the same run are one passage
    by_hash = np.argsort(run_hash, kind="stable")
    same = run_hash[by_hash][1:] == run_hash[by_hash][:-1]
    left, right = stretch[by_hash][:-1][same], stretch[by_hash][1:][same]
    graph = sp.coo_matrix(
        (np.ones(len(left)), (left, right)), shape=(n_stretches, n_stretches)
    ).tocsr()
    _, passage = connected_components(graph, directed=False)
    return _tables(
        index,
        rows=rows,
        labels=labels,
        dates=dates,
        passage=passage,
        stretch_doc=stretch_doc,
        stretch_from=stretch_from,
        stretch_to=stretch_to,
        by=by,
        undated=undated,
        read=text == "document",
    )


def _candidate_runs(
    index: CorpusIndex, rows: np.ndarray, min_tokens: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs of documents ``rows`` that two of them may share: ``row, place, hash``.

    Per run, document by document in reading order (``place``: its first
    word in its document). A run two selected documents hold is one two
    documents of the corpus hold, so when the corpus-wide shared runs are
    kept on the index (found when a selection holds a quarter of the
    corpus's words or more: then within 4 times the selection's own cost),
    the selection's are among them; otherwise every run of ``rows`` is
    hashed.
    """
    kept = index._memo.setdefault("reuse_runs", {})
    assert isinstance(kept, dict)
    found = kept.get(min_tokens)
    if found is None and index.doc_tokens[rows].sum() * 4 >= index.doc_tokens.sum():
        dated = ~pd.isna(pd.to_datetime(index.docs[S.DATE]).to_numpy())
        every = np.flatnonzero(dated & (index.doc_tokens >= min_tokens))
        run_row, place, hash_of = _hashed_runs(index, every, min_tokens)
        shared = _shared_runs(np.searchsorted(every, run_row), hash_of)
        found = (run_row[shared], place[shared], hash_of[shared])
        with _KEEPING:
            kept[min_tokens] = found
            while len(kept) > _MAX_KEPT_LENGTHS:
                kept.pop(next(iter(kept)))
    if found is None:
        return _hashed_runs(index, rows, min_tokens)
    run_row, place, hash_of = found
    keep = np.zeros(index.n_docs, dtype=bool)
    keep[rows] = True
    keep = keep[run_row]
    return run_row[keep], place[keep], hash_of[keep]


def _hashed_runs(
    index: CorpusIndex, rows: np.ndarray, min_tokens: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every run of documents ``rows``, hashed: ``row, place, hash``."""
    doc_of, hash_of = kernels.shingle_hashes(
        np.asarray(index.tokens), index.token_offsets, rows, min_tokens, _BASE
    )
    # runs come document by document, in reading order: a run's place is its first word
    first_run = np.searchsorted(doc_of, np.arange(len(rows)))
    place = np.arange(len(doc_of)) - first_run[doc_of]
    return rows[doc_of], place, hash_of


def _shared_runs(doc_of: np.ndarray, hash_of: np.ndarray) -> np.ndarray:
    """Per run, True when its hash occurs in at least two documents."""
    order = np.argsort(hash_of)
    hashes, docs = hash_of[order], doc_of[order]
    new_hash = np.ones(len(order), dtype=bool)
    new_hash[1:] = hashes[1:] != hashes[:-1]
    starts = np.flatnonzero(new_hash)
    # two documents or more hold a hash when its runs' documents are not all one
    several = np.minimum.reduceat(docs, starts) != np.maximum.reduceat(docs, starts)
    shared = np.zeros(len(order), dtype=bool)
    shared[order] = several[np.cumsum(new_hash) - 1]
    return shared


def _tables(
    index: CorpusIndex,
    *,
    rows: np.ndarray,
    labels: np.ndarray,
    dates: np.ndarray,
    passage: np.ndarray,
    stretch_doc: np.ndarray,
    stretch_from: np.ndarray,
    stretch_to: np.ndarray,
    by: str,
    undated: int,
    read: bool,
) -> ReuseLag:
    """The uses and passages tables from the stretches and their passage numbers."""
    frame = pd.DataFrame(
        {
            "component": passage,
            "row": rows[stretch_doc],
            "from": stretch_from,
            "to": stretch_to,
        }
    )
    # a document holding a passage twice: its first stretch stands for it
    frame = frame.sort_values(["component", "row", "from"], kind="stable")
    frame = frame.drop_duplicates(["component", "row"], keep="first")
    frame[S.DATE] = dates[frame["row"].to_numpy()]
    frame = frame.sort_values(["component", S.DATE, "row"], kind="stable", ignore_index=True)
    head = frame.groupby("component", sort=False).head(1)
    frame["first_date"] = frame["component"].map(head.set_index("component")[S.DATE])
    # passages numbered by first date, then by first publisher (corpus order) and place
    ranked = head.sort_values([S.DATE, "row", "from"], kind="stable")
    number = pd.Series(np.arange(1, len(ranked) + 1), index=ranked["component"].to_numpy())
    frame[PASSAGE_ID] = frame["component"].map(number).astype(np.int64)
    frame = frame.sort_values([PASSAGE_ID, S.DATE, "row"], kind="stable", ignore_index=True)
    first = ~frame.duplicated(PASSAGE_ID)
    # the passage as its first publisher has it: one text read per passage
    leaders = frame[first]
    shown = _passage_texts(index, leaders) if read else _words(index, leaders)
    texts = frame[PASSAGE_ID].map(pd.Series(shown, index=leaders[PASSAGE_ID]))
    lag = (pd.to_datetime(frame[S.DATE]) - pd.to_datetime(frame["first_date"])).dt.days
    uses = pd.DataFrame(
        {
            PASSAGE_ID: frame[PASSAGE_ID].to_numpy(),
            ROLE: np.where(first, FIRST, REUSE).astype(object),
            S.DOC_ID: index.docs[S.DOC_ID].astype(str).iloc[frame["row"].to_numpy()].to_numpy(),
            S.GROUP: labels[frame["row"].to_numpy()],
            S.DATE: pd.to_datetime(frame[S.DATE]).to_numpy(),
            LAG_DAYS: lag.to_numpy(dtype=np.int64),
            S.TOKENS: (frame["to"] - frame["from"]).to_numpy(dtype=np.int64),
            S.TEXT: texts.to_numpy(dtype=object),
        }
    )
    per = uses.groupby(PASSAGE_ID, sort=True)
    leaders = uses[first.to_numpy()].set_index(PASSAGE_ID)
    passages = pd.DataFrame(
        {
            PASSAGE_ID: leaders.index.to_numpy(dtype=np.int64),
            FIRST_DOC: leaders[S.DOC_ID].to_numpy(),
            FIRST_GROUP: leaders[S.GROUP].to_numpy(),
            FIRST_DATE: leaders[S.DATE].to_numpy(),
            REUSERS: (per.size() - 1).to_numpy(dtype=np.int64),
            GROUPS: per[S.GROUP].nunique().to_numpy(dtype=np.int64),
            MAX_LAG: per[LAG_DAYS].max().to_numpy(dtype=np.int64),
            S.TOKENS: leaders[S.TOKENS].to_numpy(dtype=np.int64),
            S.TEXT: leaders[S.TEXT].to_numpy(),
        }
    )
    return ReuseLag(uses=uses, passages=passages, by=by, undated=undated)


def _passage_texts(index: CorpusIndex, frame: pd.DataFrame) -> list[str]:
    """The text of each stretch (``row``, words ``from`` to ``to``) as its document has it.

    Reading the text again gives the index's words (:func:`~analysis.reuse.word_offsets`
    reads the NFKC text and maps offsets back); should it not (a document whose
    word count differs), the stretch is given as those words instead, joined as
    phrases are shown.
    """
    rows = np.unique(frame["row"].to_numpy())
    texts = text_cells(index, rows)
    offsets = _word_offsets(index, rows, texts)
    at = {int(row): k for k, row in enumerate(rows.tolist())}
    out = []
    for row, start, stop in frame[["row", "from", "to"]].itertuples(index=False):
        k = at[int(row)]
        begin, end = offsets[k]
        if len(begin) == index.doc_tokens[row]:
            out.append(texts[k][int(begin[start]) : int(end[stop - 1])])
        else:
            out.extend(_words(index, frame.iloc[[len(out)]]))
    return out


def _word_offsets(
    index: CorpusIndex, rows: np.ndarray, texts: list[str]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`~analysis.reuse.word_offsets` of documents ``rows`` (their ``texts``), memoised.

    Reading a text again is most of a reuse search, and the first publishers
    of one selection are mostly those of the next: each document's offsets
    are kept on the index, the oldest let go past ``_MAX_KEPT_WORDS`` words.
    """
    kept = index._memo.setdefault("reuse_word_offsets", {})
    assert isinstance(kept, dict)
    wanted = [int(row) for row in rows]
    with _KEEPING:
        out = {row: kept[row] for row in wanted if row in kept}
    missing = [k for k, row in enumerate(wanted) if row not in out]
    settings = index.settings
    found = (
        word_offsets(
            [texts[k] for k in missing],
            user_words=settings.user_words,
            fold_chinese=settings.fold_chinese,
        )
        if missing
        else []
    )
    fresh = {
        wanted[k]: (begin.astype(np.int32), end.astype(np.int32))
        for k, (begin, end) in zip(missing, found, strict=True)
    }
    out.update(fresh)
    with _KEEPING:
        kept.update(fresh)
        words = sum(len(begin) for begin, _end in kept.values())
        for row in list(kept):
            if words <= _MAX_KEPT_WORDS:
                break
            words -= len(kept.pop(row)[0])
    return [out[row] for row in wanted]


def _words(index: CorpusIndex, frame: pd.DataFrame) -> list[str]:
    """Each stretch (``row``, words ``from`` to ``to``) in the index's words."""
    terms = index.vocab[S.TERM].to_numpy()
    out = []
    for row, start, stop in frame[["row", "from", "to"]].itertuples(index=False):
        stream = index.tokens[index.token_offsets[row] : index.token_offsets[row + 1]]
        out.append(join_tokens(str(t) for t in terms[stream[stream >= 0][start:stop]]))
    return out
