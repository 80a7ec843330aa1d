"""Trends and emerging terms: hand counts on TINY, oracles, and the shared corpora."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import build_index, load_corpus
from analysis.corpus_index import IndexSettings
from analysis.errors import EmptySelectionError, OptionError
from analysis.phrases import PhraseOptions
from analysis.trends import Theme, emerging_terms, left_out_note, parse_themes, term_trends
from tests.analysis.tiny import NUMBERS, TINY, g2_by_hand, shared_corpus

SETTINGS = IndexSettings(phrase_options=PhraseOptions(min_count=3, min_docs=2))
# TINY by hand: doc a (2024-01-05, 9 tokens): tea 4, green tea 2; doc b
# (2024-02-10, 5 tokens): tea 1, green tea 1, coffee 1; doc c undated (4 tokens):
# coffee 1.
JAN, FEB = 4 / 9 * 1e6, 1 / 5 * 1e6
NAN = math.nan


@pytest.fixture(scope="module")
def tiny():
    return build_index(TINY, settings=SETTINGS)


def _rows(table: pd.DataFrame, term: str) -> pd.DataFrame:
    return table[table["term"] == term].set_index("period")


# --- themes ---------------------------------------------------------------------------


def test_parse_themes_reads_lines_and_skips_comments():
    themes = parse_themes(
        "# my themes\ninnovation = innovation, sci-tech, technology, g60\n\n"
        "drinks=tea ,coffee, tea\n"
    )
    assert themes == (
        Theme("innovation", ("innovation", "sci-tech", "technology", "g60")),
        Theme("drinks", ("tea", "coffee")),
    )


@pytest.mark.parametrize("text", ["no equals sign", "= tea", "empty = , ,"])
def test_parse_themes_rejects_malformed_lines(text):
    with pytest.raises(OptionError, match="name = term, term"):
        parse_themes(text)


def test_parse_themes_rejects_duplicate_names():
    with pytest.raises(OptionError, match="defined twice"):
        parse_themes("a = x\na = y")


# --- term_trends on TINY --------------------------------------------------------------


def test_trend_month_hand_counts(tiny):
    found = term_trends(tiny, None, ["Tea", "green tea"], by="month")
    table = found.table
    assert list(table.columns) == [
        "period",
        "term",
        "count",
        "per_million",
        "doc_share",
        "docs",
        "period_tokens",
        "period_docs",
        "thin",
    ]
    tea = _rows(table, "tea")
    assert list(tea.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert tea["count"].tolist() == [4, 1]
    assert tea["per_million"].tolist() == pytest.approx([JAN, FEB])
    assert tea["period_tokens"].tolist() == [9, 5]
    assert tea["period_docs"].tolist() == [1, 1]
    assert tea["doc_share"].tolist() == [1.0, 1.0]
    assert _rows(table, "green tea")["count"].tolist() == [2, 1]
    # series in the order asked, periods ascending within each
    assert table["term"].tolist() == ["tea", "tea", "green tea", "green tea"]
    assert found.undated == 1
    assert found.too_coarse == 0


def test_trend_theme_sums_columns_and_counts_docs_with_any(tiny):
    drinks = Theme("drinks", ("tea", "coffee"))
    table = term_trends(tiny, None, [drinks, Theme("both", ("green tea", "tea"))], by="month").table
    rows = _rows(table, "drinks")
    assert rows["count"].tolist() == [4, 2]  # Feb: tea 1 + coffee 1, one document
    assert rows["docs"].tolist() == [1, 1]
    assert _rows(table, "both")["count"].tolist() == [6, 2]


def test_trend_doc_share_counts_documents_not_occurrences():
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "date": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]),
            "text": ["tea tea tea", "coffee", "tea", "coffee water"],
        }
    )
    table = term_trends(build_index(docs), None, ["tea"], by="month").table
    assert table["docs"].tolist() == [2]
    assert table["period_docs"].tolist() == [4]
    assert table["doc_share"].tolist() == [0.5]
    assert table["count"].tolist() == [4]


def test_trend_fills_empty_periods_with_zero_counts_and_no_rate_and_weeks_start_monday(tiny):
    table = term_trends(tiny, None, ["tea"], by="week").table
    # 2024-01-05 is a Friday (week of Monday 1 January), 2024-02-10 a Saturday
    # (week of Monday 5 February): six weeks, four of them empty.
    assert table["period"].tolist() == list(pd.date_range("2024-01-01", "2024-02-05", freq="7D"))
    assert all(p.day_of_week == 0 for p in table["period"])
    assert table["count"].tolist() == [4, 0, 0, 0, 0, 1]
    # No tokens, no documents: no rate and no share (a gap), while the count is a true zero.
    assert table["per_million"].isna().tolist() == [False, True, True, True, True, False]
    assert table["doc_share"].isna().tolist() == [False, True, True, True, True, False]


def test_trend_thin_flag(tiny):
    table = term_trends(tiny, None, ["tea"], by="month", min_period_tokens=6).table
    assert table["thin"].tolist() == [False, True]
    assert term_trends(tiny, None, ["tea"], by="month").table["thin"].all()  # default 1000


def test_trend_smoothing_centred_even_window_takes_earlier_period(tiny):
    table = term_trends(tiny, None, ["tea"], by="month", smooth=2).table
    assert table["smoothed"].tolist() == pytest.approx([JAN, (JAN + FEB) / 2])
    assert "smoothed" not in term_trends(tiny, None, ["tea"], by="month").table.columns


def test_trend_smoothing_each_series_on_its_own(tiny):
    table = term_trends(tiny, None, ["tea", "green tea"], by="week", smooth=3).table
    tea = [JAN, JAN, NAN, NAN, FEB, FEB]
    assert _rows(table, "tea")["smoothed"].tolist() == pytest.approx(tea, nan_ok=True)
    green = [2 / 9 * 1e6, 2 / 9 * 1e6, NAN, NAN, 1 / 5 * 1e6, 1 / 5 * 1e6]
    assert _rows(table, "green tea")["smoothed"].tolist() == pytest.approx(green, nan_ok=True)


def test_trend_smoothing_skips_periods_without_tokens(tiny):
    table = term_trends(tiny, None, ["tea"], by="week", smooth=3).table
    # Weeks 3 and 4 see only empty weeks in their window: no average, not a 0.
    expected = [JAN, JAN, NAN, NAN, FEB, FEB]
    assert table["smoothed"].tolist() == pytest.approx(expected, nan_ok=True)


def test_trend_smoothing_averages_counts_and_shares_too():
    docs = pd.DataFrame(
        {
            "doc_id": list("abcde"),
            "date": pd.to_datetime(
                ["2021-06-01", "2021-07-01", "2022-06-01", "2024-06-01", "2024-07-01"]
            ),
            "text": ["tea x", "x x", "tea tea x", "tea x", "tea"],
        }
    )
    table = term_trends(build_index(docs), None, ["tea"], by="year", smooth=3).table
    assert table["count"].tolist() == [1, 2, 0, 2]
    assert table["doc_share"].tolist() == pytest.approx([0.5, 1.0, NAN, 1.0], nan_ok=True)
    # Counts: 2023 is a true zero. Shares: 2023 has no documents, so no share to average.
    assert table["smoothed_count"].tolist() == pytest.approx([1.5, 1.0, 4 / 3, 1.0])
    assert table["smoothed_doc_share"].tolist() == pytest.approx([0.75, 0.75, 1.0, 1.0])


def test_trend_smoothing_centred_odd_window():
    docs = pd.DataFrame(
        {
            "doc_id": list("abcd"),
            "date": pd.to_datetime(["2021-06-01", "2022-06-01", "2023-06-01", "2024-06-01"]),
            "text": ["tea x x x", "tea tea x x", "x x x x", "tea tea tea tea"],
        }
    )
    table = term_trends(build_index(docs), None, ["tea"], by="year", smooth=3).table
    rates = [250_000.0, 500_000.0, 0.0, 1_000_000.0]
    assert table["per_million"].tolist() == rates
    assert table["smoothed"].tolist() == pytest.approx(
        [
            (rates[0] + rates[1]) / 2,
            sum(rates[:3]) / 3,
            sum(rates[1:]) / 3,
            (rates[2] + rates[3]) / 2,
        ]
    )


def test_trend_unknown_term_listed_with_zeros(tiny):
    found = term_trends(tiny, None, ["tea", "dragon fruit"], by="month")
    table = found.table
    assert _rows(table, "dragon fruit")["count"].tolist() == [0, 0]
    assert list(found.missing) == ["dragon fruit"]


def test_trend_no_known_term_names_the_fix(tiny):
    with pytest.raises(OptionError, match="Check the spelling"):
        term_trends(tiny, None, ["dragon fruit", Theme("t", ("kiwi",))], by="month")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"by": "century"}, "Unknown period"),
        ({"smooth": 0}, "smooth must be"),
        ({"min_period_tokens": -1}, "cannot be negative"),
    ],
)
def test_trend_bad_options(tiny, options, message):
    with pytest.raises(OptionError, match=message):
        term_trends(tiny, None, ["tea"], **options)


def test_trend_empty_selection_names_the_fix(tiny):
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        term_trends(tiny, np.zeros(3, dtype=bool), ["tea"])


def test_trend_leaves_coarse_dates_out_of_finer_views():
    docs = pd.DataFrame(
        {
            "doc_id": ["d", "y", "m"],
            "date": pd.to_datetime(["2020-03-04", "2020-01-01", "2020-05-01"]),
            "date_precision": ["day", "year", "month"],
            "text": ["tea", "tea tea", "tea tea tea"],
        }
    )
    index = build_index(docs)
    monthly = term_trends(index, None, ["tea"], by="month")
    assert monthly.table["count"].tolist() == [1, 0, 3]  # March, April, May; the year-only doc out
    assert monthly.too_coarse_by_precision == {"year": 1}
    assert left_out_note(monthly, "month") == (
        "1 document dated only to the year is left out of a monthly view; use --by year"
    )
    weekly = term_trends(index, None, ["tea"], by="week")
    assert weekly.too_coarse == 2
    assert weekly.table["count"].sum() == 1
    yearly = term_trends(index, None, ["tea"], by="year")
    assert yearly.table["count"].tolist() == [6]
    assert yearly.too_coarse == 0
    assert left_out_note(yearly, "year") is None


def test_trends_of_selections_equal_those_of_a_fresh_index_per_granularity():
    # the documents' places are kept per index and granularity and read per selection:
    # each selection's figures equal those of an index asked for nothing before
    docs = pd.DataFrame(
        {
            "doc_id": [f"d{i}" for i in range(8)],
            "date": pd.to_datetime(
                [
                    *("2020-03-04", "2020-01-01", "2020-05-01", None),
                    *("2021-02-02", "2019-12-31", "2020-05-09", "2021-01-01"),
                ]
            ),
            "date_precision": ["day", "year", "month", None, None, "day", "month", "year"],
            "text": ["tea", "tea tea", "tea rice", "rice", "tea", "rice rice", "tea", "rice"],
        }
    )
    index = build_index(docs)
    masks = [None, np.array([True, True, False, True, True, False, True, False])]
    for by in ("month", "year", "week", "month", "day", "year"):
        for mask in masks:
            kept = term_trends(index, mask, ["tea", "rice"], by=by)
            fresh = term_trends(build_index(docs), mask, ["tea", "rice"], by=by)
            pd.testing.assert_frame_equal(kept.table, fresh.table, check_exact=True)
            assert kept.too_coarse_by_precision == fresh.too_coarse_by_precision
            assert kept.undated == fresh.undated
    monthly = term_trends(index, masks[1], ["tea"], by="month")
    assert (monthly.too_coarse_by_precision, monthly.undated) == ({"year": 1}, 1)


def test_trend_reads_the_index_not_the_text(tiny):
    import copy

    blank = copy.copy(tiny)
    blank.docs = tiny.docs.assign(text="")
    assert term_trends(blank, None, ["tea"], by="month").table["count"].tolist() == [4, 1]


# --- emerging terms -------------------------------------------------------------------

EMERGING = pd.DataFrame(
    {
        "doc_id": ["y22", "y23", "y24"],
        "date": pd.to_datetime(["2022-05-01", "2023-05-01", "2024-05-01"]),
        "text": ["tea coffee coffee water", "coffee water water juice", "tea tea tea coffee juice"],
    }
)


@pytest.fixture(scope="module")
def emerging_index():
    return build_index(EMERGING, settings=IndexSettings(detect_phrases=False))


def test_emerging_ll_equals_oracle_against_all_earlier(emerging_index):
    found = emerging_terms(
        emerging_index, None, by="year", period="2024-06-30", min_count=1, stopwords=frozenset()
    )
    table = found.table
    rows = table.set_index("term")
    # 2024: 5 tokens, tea 3, juice 1, coffee 1; before (2022-2023): 8 tokens,
    # tea 1, juice 1, coffee 3. Coffee falls, so it is not listed.
    assert set(rows.index) == {"tea", "juice"}
    assert rows.loc["tea", "count"] == 3
    assert rows.loc["tea", "count_before"] == 1
    assert rows.loc["tea", "ll"] == pytest.approx(g2_by_hand(3, 1, 5, 8), abs=1e-6)
    assert rows.loc["juice", "ll"] == pytest.approx(g2_by_hand(1, 1, 5, 8), abs=1e-6)
    assert rows.loc["tea", "log_ratio"] == pytest.approx(math.log2((3 / 5) / (1 / 8)), abs=1e-9)
    assert table["term"].tolist() == ["tea", "juice"]  # ll descending
    assert found.tokens == 5
    assert found.tokens_before == 8


def test_emerging_before_limits_the_reference_and_smooths_zeros(emerging_index):
    found = emerging_terms(
        emerging_index,
        None,
        by="year",
        period="2024",
        before=1,
        min_count=1,
        stopwords=frozenset(),
    )
    table = found.table
    tea = table.set_index("term").loc["tea"]
    assert tea["count_before"] == 0  # 2023 only
    assert tea["ll"] == pytest.approx(g2_by_hand(3, 0, 5, 4), abs=1e-6)
    assert tea["log_ratio"] == pytest.approx(math.log2((3 / 5) / (0.5 / 4)), abs=1e-9)
    assert tea["p"] == pytest.approx(math.erfc(math.sqrt(g2_by_hand(3, 0, 5, 4) / 2)), abs=1e-9)
    assert found.before_from == pd.Timestamp("2023-01-01")


def test_emerging_min_count_and_top(emerging_index):
    table = emerging_terms(
        emerging_index, None, by="year", period="2024", min_count=2, stopwords=frozenset()
    ).table
    assert table["term"].tolist() == ["tea"]
    assert (
        len(
            emerging_terms(
                emerging_index, None, by="year", period="2024", min_count=1, top=1, stopwords=None
            ).table
        )
        == 1
    )


def test_emerging_without_earlier_documents_names_the_fix(emerging_index):
    with pytest.raises(EmptySelectionError, match="Pick a later period"):
        emerging_terms(emerging_index, None, by="year", period="2022-01-01")
    with pytest.raises(EmptySelectionError, match="Pick a period that has documents"):
        emerging_terms(emerging_index, None, by="year", period="2030-01-01")
    with pytest.raises(OptionError, match="not a date"):
        emerging_terms(emerging_index, None, by="year", period="soon")


# --- shared corpora -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sotu():
    corpus = load_corpus(shared_corpus("us_sotu") / "docs.jsonl")
    return build_index(corpus)


@pytest.mark.shared
def test_sotu_per_million_is_count_over_period_tokens(sotu):
    table = term_trends(sotu, None, ["slavery", "war", "united states"], by="year").table
    assert len(table) > 600
    expected = np.where(
        table["period_tokens"] > 0, table["count"] / table["period_tokens"] * 1e6, np.nan
    )
    np.testing.assert_array_equal(table["per_million"].to_numpy(), expected)
    assert (table["period_tokens"] == 0).any()  # years without an address are present


@pytest.mark.shared
def test_sotu_slavery_peaks_in_the_1850s_or_1860s(sotu):
    table = term_trends(sotu, None, ["slavery"], by="year").table
    decade = table["period"].dt.year // 10 * 10
    sums = table.groupby(decade)[["count", "period_tokens"]].sum()
    rate = sums["count"] / sums["period_tokens"]
    assert rate.idxmax() in (1850, 1860)


@pytest.fixture(scope="module")
def ungd():
    """Every 14th UN General Debate speech: about 780, still spanning every session."""
    corpus = load_corpus(shared_corpus("un_general_debate") / "docs.jsonl.gz")
    full_years = set(pd.to_datetime(corpus.docs["date"]).dt.year)
    subset = corpus.docs.iloc[::14].reset_index(drop=True)
    return build_index(subset), full_years, len(corpus.docs)


@pytest.mark.shared
def test_ungd_monthly_trend_leaves_year_only_documents_out(ungd):
    index, _, _ = ungd
    found = term_trends(index, None, ["peace"], by="month")
    table = found.table
    assert table.empty
    assert found.too_coarse == index.n_docs
    note = left_out_note(found, "month")
    assert note is not None
    assert note.startswith(f"{index.n_docs} documents dated only to the year are left out")


@pytest.mark.shared
def test_ungd_yearly_trend_covers_1946_to_2024(ungd):
    index, full_years, n_full = ungd
    assert n_full > 10_000
    assert full_years == set(range(1946, 2025))  # the whole corpus, read without indexing
    found = term_trends(index, None, ["peace", "nuclear weapons"], by="year")
    table = found.table
    years = _rows(table, "peace").index.year.tolist()
    assert years == list(range(1946, 2025))
    assert (_rows(table, "peace")["period_docs"] > 0).all()
    assert found.too_coarse == 0


def test_emerging_hides_numbers_unless_asked():
    index = build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))
    options = {"by": "month", "period": "2024-02-01", "min_count": 1, "stopwords": frozenset()}
    hidden = emerging_terms(index, **options)
    shown = emerging_terms(index, **options, numbers=True).table
    # February (7 tokens) against January (11): every word of n2 rises (1/7 > 1/11)
    assert set(hidden.table["term"]) == {"tea", "plan", "经济"}
    assert set(shown["term"]) == {"tea", "plan", "经济", "2021-2025", "1990", "二十"}
    tea = shown.set_index("term").loc["tea"]
    assert tea["ll"] == pytest.approx(g2_by_hand(2, 1, 7, 11))
    assert (hidden.tokens, hidden.tokens_before) == (7, 11)


def test_emerging_order_equals_a_stable_pandas_sort(emerging_index):
    full = emerging_terms(
        emerging_index, by="year", period="2024-01-01", min_count=1, top=None, stopwords=frozenset()
    ).table
    assert (full["log_ratio"] > 0).all()
    resorted = full.sample(frac=1, random_state=0).sort_values(
        ["ll", "term"], ascending=[False, True], kind="stable"
    )
    pd.testing.assert_frame_equal(full, resorted.reset_index(drop=True))
    top = emerging_terms(
        emerging_index, by="year", period="2024-01-01", min_count=1, top=2, stopwords=frozenset()
    ).table
    pd.testing.assert_frame_equal(top, full.head(2))


# Decades by hand: tea once in 1989 (4 tokens), twice in 1990 (3), none in 1995
# (year-only date, 2 tokens), three times in 2011 (4); the 2000s are empty.
DECADES = pd.DataFrame(
    {
        "doc_id": ["d80", "d90", "d95", "d10"],
        "date": pd.to_datetime(["1989-12-31", "1990-01-01", "1995-01-01", "2011-05-05"]),
        "date_precision": ["day", "day", "year", "day"],
        "text": ["Tea and more rice.", "Tea, tea rice.", "Rice rice.", "Tea tea tea rice."],
    }
)


@pytest.fixture(scope="module")
def decades():
    return build_index(DECADES, settings=IndexSettings(detect_phrases=False))


def test_trend_by_decade_hand_counts(decades):
    table = term_trends(decades, None, ["tea"], by="decade").table
    assert table["period"].dt.strftime("%Y").tolist() == ["1980", "1990", "2000", "2010"]
    assert table["count"].tolist() == [1, 2, 0, 3]
    assert table["period_tokens"].tolist() == [4, 5, 0, 4]
    assert table["period_docs"].tolist() == [1, 2, 0, 1]
    assert table["per_million"].tolist()[:2] == pytest.approx([1e6 / 4, 2e6 / 5])


def test_emerging_by_decade_against_the_decades_before(decades):
    found = emerging_terms(
        decades, by="decade", period="2015-01-01", min_count=1, stopwords=frozenset()
    )
    table = found.table
    assert found.period == pd.Timestamp("2010-01-01")
    assert found.before_from == pd.Timestamp("1980-01-01")
    tea = table.set_index("term").loc["tea"]
    assert (tea["count"], tea["count_before"]) == (3, 3)
    assert tea["ll"] == pytest.approx(g2_by_hand(3, 3, 4, 9))
