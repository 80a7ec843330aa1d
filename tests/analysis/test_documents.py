"""The document list and the telling column, held to Python's own sort and hand counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import Filters, build_index, load_corpus, select
from analysis.documents import document_list, telling_column, with_column
from analysis.errors import OptionError
from tests.analysis.tiny import shared_corpus

# Five documents; tokens by hand: a 3, b 1, c 4, d 2, e 2.
DOCS = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c", "d", "e"],
        "date": pd.to_datetime(["2024-03-01", None, "2024-01-01", "2024-02-01", "2024-01-01"]),
        "date_precision": ["day", None, "day", "day", "day"],
        "title": ["beta", "Alpha", "gamma", "alpha", ""],
        "source": ["X", "X", "X", "X", "X"],
        "speaker": ["Polk", "", "Adams", "polk", "Adams"],
        "party": ["W", "D", "W", "D", "W"],
        "text": ["Tea, tea, tea.", "Tea.", "Rice and tea rice.", "Rice tea.", "Rice rice."],
    }
)


@pytest.fixture(scope="module")
def index():
    return build_index(DOCS)


def _ids(table: pd.DataFrame) -> list[str]:
    return table["doc_id"].tolist()


def test_columns_tokens_and_counts(index):
    table = document_list(index, None, term="tea")
    assert list(table.columns) == [
        "doc_id", "date", "date_precision", "title", "source", "speaker", "tokens", "count",
    ]  # fmt: skip
    by_id = table.set_index("doc_id")
    assert by_id["tokens"].to_dict() == {"a": 3, "b": 1, "c": 4, "d": 2, "e": 2}
    assert by_id["count"].to_dict() == {"a": 3, "b": 1, "c": 1, "d": 1, "e": 0}
    assert "count" not in document_list(index, None).columns


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", ["date", "title", "speaker", "tokens", "count"])
def test_every_sort_equals_pythons_sort_with_missing_values_last(index, sort, descending):
    table = document_list(index, None, term="tea", sort=sort, descending=descending)
    rows = table.set_index("doc_id").loc[list("abcde")]
    values = {
        d: (None if (pd.isna(v) or v == "") else (v.casefold() if isinstance(v, str) else v))
        for d, v in rows[sort].items()
    }
    present = [d for d in "abcde" if values[d] is not None]
    # ties keep corpus order in both directions; missing values come last in both
    ties: dict[object, list[str]] = {}
    for d in present:
        ties.setdefault(values[d], []).append(d)
    expected = [d for v in sorted(ties, reverse=descending) for d in ties[v]]
    expected += [d for d in "abcde" if values[d] is None]
    assert _ids(table) == expected


def test_hand_orders(index):
    assert _ids(document_list(index, None)) == ["c", "e", "d", "a", "b"]  # undated last
    assert _ids(document_list(index, None, sort="date", descending=True)) == [
        "a",
        "d",
        "c",
        "e",
        "b",
    ]
    assert _ids(document_list(index, None, sort="title")) == ["b", "d", "a", "c", "e"]
    assert _ids(document_list(index, None, sort="tokens", descending=True)) == [
        "c",
        "a",
        "d",
        "e",
        "b",
    ]


def test_the_selection_and_bad_sorts(index):
    mask = select(index, Filters(date_from=pd.Timestamp("2024-02-01").date()))
    assert _ids(document_list(index, mask)) == ["d", "a"]
    with pytest.raises(OptionError, match=r"cannot be sorted by 'count'.*date, title"):
        document_list(index, None, sort="count")
    plain = build_index(DOCS.drop(columns=["speaker"]))
    assert "speaker" not in document_list(plain, None).columns
    with pytest.raises(OptionError, match="cannot be sorted by 'speaker'"):
        document_list(plain, None, sort="speaker")


def test_telling_column_prefers_sources_then_speakers_then_a_grouping(index):
    assert telling_column(index, None) == "speaker"  # one source for all
    two_sources = build_index(DOCS.assign(source=["X", "Y", "X", "Y", "X"]))
    assert telling_column(two_sources, None) == "source"
    no_speaker = build_index(DOCS.drop(columns=["speaker"]))
    assert telling_column(no_speaker, None) == "party"
    ids_only = build_index(DOCS.drop(columns=["speaker"]).assign(party=list("vwxyz")))
    assert telling_column(ids_only, None) == "source"  # every value differs: an id, not a group
    one = np.array([True, False, False, False, False])
    assert telling_column(index, one) == "source"  # one document: nothing differs
    bare = build_index(DOCS[["doc_id", "text"]])
    assert telling_column(bare, None) == ""


def test_telling_column_on_sotu_is_the_speaker_and_on_the_headlines_the_source():
    sotu = build_index(load_corpus("sotu"))
    assert sotu.docs["source"].nunique() == 1
    assert telling_column(sotu, None) == "speaker"
    headlines = build_index(load_corpus(shared_corpus("china_media_headlines_2022")))
    assert telling_column(headlines, None) == "source"


def test_with_column_adds_the_documents_values(index):
    lines = pd.DataFrame({"doc_id": ["c", "b", "a"], "start": [0, 1, 2]})
    lines.attrs["total"] = 3
    out = with_column(index, lines, "speaker")
    assert out["speaker"].tolist() == ["Adams", "", "Polk"]
    assert out.attrs == {"total": 3}
    assert "speaker" not in lines.columns  # the input is not changed
    assert with_column(index, lines, "") is lines


def test_concordance_merges_terms_by_date_and_pages_through_them(index):
    from analysis.documents import concordance
    from analysis.kwic import kwic

    both = concordance(index, None, ("tea", "rice"), window=1, limit=100)
    assert both.total == 6 + 5  # tea 6, rice 5 (hand count of DOCS)
    assert both.telling == "speaker"
    by_hand = pd.concat([kwic(index, None, t, window=1).table for t in ("tea", "rice")])
    by_hand = by_hand.sort_values(["date", "doc_id", "start"], kind="stable")
    assert both.table[["doc_id", "start"]].values.tolist() == (
        by_hand[["doc_id", "start"]].values.tolist()
    )
    assert both.table["speaker"].tolist() == [
        DOCS.set_index("doc_id").at[d, "speaker"] for d in both.table["doc_id"]
    ]
    pages = [
        concordance(index, None, ("tea", "rice"), window=1, limit=4, offset=o).table
        for o in (0, 4, 8)
    ]
    together = pd.concat(pages, ignore_index=True)
    assert together[["doc_id", "start"]].values.tolist() == (
        both.table[["doc_id", "start"]].values.tolist()
    )
    one = concordance(index, None, ("tea",), limit=2, offset=1)
    assert one.table["start"].tolist() == kwic(index, None, "tea").table["start"].tolist()[1:3]
