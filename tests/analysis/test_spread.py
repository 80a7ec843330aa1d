"""analysis/spread.py: first uses, counts and uptake per group, held to hand and regex counts."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
import regex

from analysis import schema as S
from analysis.errors import EmptySelectionError, OptionError
from analysis.index import IndexSettings, build_index
from analysis.selection import Filters, select
from analysis.spread import (
    SPREAD_COLUMNS,
    UPTAKE_COLUMNS,
    default_group,
    formulation_query,
    formulation_spread,
    parse_formulation,
)
from analysis.trends import Theme
from tests.analysis.tiny import SPREAD_DOCS


def _rows(table: pd.DataFrame) -> list[tuple[object, ...]]:
    out = []
    for row in table.itertuples(index=False):
        first = "" if pd.isna(row.first_date) else row.first_date.date().isoformat()
        last = "" if pd.isna(row.last_date) else row.last_date.date().isoformat()
        out.append((row.group, first, row.first_doc, last, row.count, row.docs))
    return out


def test_spread_by_source_hand_count(spread_index):
    assert list(spread_index.doc_tokens) == [2, 5, 3, 7, 3, 3, 2]
    spread = formulation_spread(spread_index, None, "zero-covid")
    assert list(spread.table.columns) == list(SPREAD_COLUMNS)
    assert _rows(spread.table) == [
        ("Xinhua", "2022-03-01", "d2", "2022-03-09", 5, 3),
        ("Global Times", "2022-03-05", "d7", "2022-03-05", 3, 2),  # d7 before d1 in corpus order
        ("BBC", "", "", "", 0, 0),
    ]
    assert spread.table[S.PER_MILLION].tolist() == pytest.approx([5 / 8 * 1e6, 3 / 14 * 1e6, 0])
    assert (spread.undated_docs, spread.undated_count, spread.coarse_docs) == (1, 3, 0)
    assert "1 undated document (3 occurrences)" in str(spread.note())
    assert list(spread.uptake.columns) == list(UPTAKE_COLUMNS)
    uptake = [
        (g, d.date().isoformat(), c, k) for g, d, c, k in spread.uptake.itertuples(index=False)
    ]
    assert uptake == [
        ("Xinhua", "2022-03-01", 1, 1),
        ("Xinhua", "2022-03-09", 1, 2),
        ("Global Times", "2022-03-05", 3, 3),
    ]
    assert spread.on_the_fly == ()


def test_spread_by_metadata_names_missing_values(spread_index):
    spread = formulation_spread(spread_index, None, "zero-covid", by="speaker")
    assert _rows(spread.table) == [
        ("B", "2022-03-01", "d2", "2022-03-09", 5, 3),
        ("A", "2022-03-05", "d7", "2022-03-05", 3, 2),
        ("(no speaker)", "", "", "", 0, 0),
        ("C", "", "", "", 0, 0),
    ]


def test_spread_respects_the_filters(spread_index):
    mask = select(spread_index, Filters(date_from=pd.Timestamp("2022-03-02").date()))
    spread = formulation_spread(spread_index, mask, "zero-covid")
    # undated d4 and the earlier d2, d3, d5 are not selected: BBC has no document left
    assert _rows(spread.table) == [
        ("Global Times", "2022-03-05", "d7", "2022-03-05", 3, 2),
        ("Xinhua", "2022-03-09", "d6", "2022-03-09", 1, 1),
    ]
    assert spread.table[S.PER_MILLION].tolist() == pytest.approx([3 / 7 * 1e6, 1 / 2 * 1e6])
    assert spread.undated_docs == 0


def test_spread_of_sequences_prefixes_alternatives_and_themes(spread_index):
    sequence = formulation_spread(spread_index, None, "keep zero-covid")
    assert sequence.on_the_fly == ("keep zero-covid",)
    assert _rows(sequence.table)[0] == ("Xinhua", "2022-03-01", "d2", "2022-03-01", 1, 1)
    prefix = formulation_spread(spread_index, None, "zero-covid*")
    assert set(prefix.expansions) == {"zero-covid", "zero-covid-19", "zero-covidism"}
    assert _rows(prefix.table)[:2] == [
        ("Global Times", "2022-03-01", "d3", "2022-03-05", 5, 3),
        ("Xinhua", "2022-03-01", "d2", "2022-03-09", 5, 3),
    ]
    either = formulation_spread(spread_index, None, "lockdown | zero-covid")
    theme = formulation_spread(spread_index, None, Theme("covid", ("zero-covid", "lockdown")))
    assert theme.term == "covid"
    assert _rows(theme.table) == _rows(either.table)
    assert _rows(theme.table)[0] == ("BBC", "2022-02-20", "d5", "2022-02-20", 1, 1)


def test_spread_errors_name_the_fix(spread_index):
    with pytest.raises(OptionError, match="occurs nowhere in this corpus"):
        formulation_spread(spread_index, None, "common prosperity")
    only_bbc = select(spread_index, Filters(sources=("BBC",)))
    with pytest.raises(EmptySelectionError, match="occurs 8 times in the corpus but in no"):
        formulation_spread(spread_index, only_bbc, "zero-covid")
    columns = r"Cannot group by 'party'\. Group by .*: source, speaker\."
    with pytest.raises(OptionError, match=columns):
        formulation_spread(spread_index, None, "zero-covid", by="party")
    with pytest.raises(OptionError, match="Cannot group by 'text'"):
        formulation_spread(spread_index, None, "zero-covid", by="text")


def test_spread_month_dates_are_counted_as_coarse():
    docs = SPREAD_DOCS.assign(date_precision=["month", *SPREAD_DOCS["date_precision"][1:]])
    ix = build_index(docs, settings=IndexSettings(detect_phrases=False))
    spread = formulation_spread(ix, None, "zero-covid")
    assert spread.coarse_docs == 1
    assert "dated only to the month or year stands at its first day" in str(spread.note())


# The token rule's word, written independently: letters, marks and digits (not
# Han), joined inside by hyphens or apostrophes; a possessive 's dropped.
_WORD = r"[[\p{L}\p{M}\p{N}]--[\p{Han}]]"
_TOKEN = regex.compile(rf"{_WORD}+(?:['\-]{_WORD}+)*", regex.V1)
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2010": "-", "\u2011": "-"})


def _regex_count(text: str, word: str) -> int:
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    tokens = (t.removesuffix("'s") for t in _TOKEN.findall(folded))
    return sum(t == word for t in tokens)


@pytest.mark.shared
def test_spread_headlines_zero_covid_equals_a_regex_count(headlines):
    spread = formulation_spread(headlines, None, "zero-covid")
    docs = headlines.docs
    counts = np.array([_regex_count(t, "zero-covid") for t in docs[S.TEXT].astype(str)])
    assert counts.sum() > 50
    frame = docs.assign(n=counts, row=np.arange(len(docs)))
    users = frame[frame["n"] > 0]
    sources = sorted(
        docs[S.SOURCE].fillna("").astype(str).str.strip().replace("", "(no source)").unique()
    )
    assert sorted(spread.table[S.GROUP]) == sources
    table = spread.table.set_index(S.GROUP)
    for source, part in users.groupby(S.SOURCE):
        dated = part[part[S.DATE].notna()].sort_values([S.DATE, "row"])
        row = table.loc[source]
        assert row[S.COUNT] == part["n"].sum(), source
        assert row[S.DOCS] == len(part), source
        assert row["first_date"] == dated[S.DATE].iloc[0], source
        assert row["first_doc"] == dated[S.DOC_ID].iloc[0], source
        assert row["last_date"] == dated[S.DATE].max(), source
        tokens = headlines.doc_tokens[(docs[S.SOURCE] == source).to_numpy()].sum()
        assert row[S.PER_MILLION] == pytest.approx(part["n"].sum() / tokens * 1e6)
    unused = set(sources) - set(users[S.SOURCE])
    assert (table.loc[sorted(unused), S.COUNT] == 0).all()
    firsts = spread.table["first_date"]
    assert firsts.dropna().is_monotonic_increasing
    assert firsts.isna().sum() == len(unused)
    assert firsts.isna().to_numpy()[len(firsts) - len(unused) :].all()
    final = spread.uptake.groupby(S.GROUP)["cumulative"].last()
    dated_counts = users[users[S.DATE].notna()].groupby(S.SOURCE)["n"].sum()
    assert final.sort_index().tolist() == dated_counts.sort_index().tolist()


def test_parse_formulation_reads_a_query_or_a_theme(spread_index, seeds):
    assert parse_formulation(" zero-covid | lockdown ") == "zero-covid | lockdown"
    theme = parse_formulation("covid = zero-covid, lockdown")
    assert theme == Theme("covid", ("zero-covid", "lockdown"))
    # the theme's documents: those of any member
    query = formulation_query(theme)
    assert query == "zero-covid | lockdown"
    users = select(spread_index, Filters(query=query))
    assert spread_index.docs["doc_id"][users].tolist() == ["d7", "d1", "d2", "d4", "d5", "d6"]
    with pytest.raises(OptionError, match="is not 'name = term, term'"):
        parse_formulation("covid =")
    assert default_group(spread_index) == "source"
    assert default_group(seeds) == "source"  # no speaker column: source, however alike


def test_default_group_is_speaker_when_every_source_is_alike():
    ix = build_index(SPREAD_DOCS.assign(source="One"), settings=IndexSettings(detect_phrases=False))
    assert default_group(ix) == "speaker"
