"""analysis/groups.py: groups by a field against pandas, group keyness against scipy's G²."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from analysis import schema as S
from analysis.errors import OptionError
from analysis.groups import group_keyness, group_masks, grouping_fields
from analysis.index import IndexSettings, build_index
from tests.analysis.tiny import NUMBER_TERMS, TINY, g2_by_hand


def scipy_g2(row: pd.Series) -> float:
    """G² of the 2x2 table of the printed counts, by scipy (no continuity correction)."""
    table = np.array(
        [
            [row[S.COUNT], row[S.COUNT_REST]],
            [row[S.TOKENS] - row[S.COUNT], row[S.TOKENS_REST] - row[S.COUNT_REST]],
        ],
        dtype=float,
    )
    statistic, _, _, _ = chi2_contingency(table, correction=False, lambda_="log-likelihood")
    return float(statistic)


def test_group_masks_by_source_and_by_month_by_hand(tiny):
    # TINY: a is Xinhua (2024-01-05), b and c are BBC (b 2024-02-10, c undated)
    by_source = group_masks(tiny, None, "source")
    assert {k: v.tolist() for k, v in by_source.masks.items()} == {
        "BBC": [False, True, True],
        "Xinhua": [True, False, False],
    }
    assert by_source.without == 0
    by_month = group_masks(tiny, None, "period", by="month")
    assert list(by_month.masks) == ["2024-01-01", "2024-02-01"]
    assert by_month.masks["2024-02-01"].tolist() == [False, True, False]
    assert by_month.without == 1  # c has no date
    narrowed = group_masks(tiny, np.array([True, True, False]), "source")
    assert narrowed.masks["BBC"].tolist() == [False, True, False]


def test_group_masks_of_a_metadata_column_equal_pandas():
    frame = TINY.assign(speaker=["Ann", None, "  "], party=[1, 2, 1])
    index = build_index(frame, settings=IndexSettings(detect_phrases=False))
    assert {"source", "period", "speaker", "party"} <= set(grouping_fields(index))
    speakers = group_masks(index, None, "speaker")
    assert list(speakers.masks) == ["Ann"]
    assert speakers.without == 2  # missing and blank
    parties = group_masks(index, None, "party")
    for value, mask in parties.masks.items():
        expected = frame["party"].astype(str) == value
        assert mask.tolist() == expected.tolist()
    with pytest.raises(OptionError, match="Cannot group by 'colour': use one of source, period"):
        group_masks(index, None, "colour")
    with pytest.raises(OptionError, match="over the 1 groups"):
        group_masks(index, None, "party", max_groups=1)


def test_group_keyness_by_hand(tiny):
    masks = group_masks(tiny, None, "source").masks
    table = group_keyness(tiny, masks, stopwords=frozenset(), min_count=1)
    assert table.columns[: len(S.GROUP_KEYNESS_COLUMNS)].tolist() == list(S.GROUP_KEYNESS_COLUMNS)
    tea = table[(table[S.GROUP] == "Xinhua") & (table[S.TERM] == "tea")].iloc[0]
    # Xinhua (doc a): tea 4 of 9 tokens; the rest (b, c): tea 1 of 9
    assert (tea[S.COUNT], tea[S.COUNT_REST], tea[S.TOKENS], tea[S.TOKENS_REST]) == (4, 1, 9, 9)
    assert tea[S.LL] == pytest.approx(g2_by_hand(4, 1, 9, 9))
    assert tea[S.DOCS] == 1
    coffee = table[(table[S.GROUP] == "BBC") & (table[S.TERM] == "coffee")].iloc[0]
    assert (coffee[S.COUNT], coffee[S.COUNT_REST], coffee[S.DOCS]) == (2, 0, 2)
    assert coffee[S.LOG_RATIO] == pytest.approx(np.log2((2 / 9) / (0.5 / 9)))
    # only each group's own key terms: tea leans to Xinhua, so BBC does not list it
    assert "tea" not in set(table.loc[table[S.GROUP] == "BBC", S.TERM])
    assert (table[S.LOG_RATIO] > 0).all()
    for _, rows in table.groupby(S.GROUP):
        assert rows[S.LL].is_monotonic_decreasing


def test_group_keyness_ll_is_scipy_g2_of_the_printed_counts(tiny):
    by_month = group_masks(tiny, None, "period", by="month").masks
    table = group_keyness(tiny, by_month, stopwords=frozenset(), min_count=1)
    assert len(table)
    for _, row in table.iterrows():
        assert row[S.LL] == pytest.approx(scipy_g2(row), rel=1e-9, abs=1e-9)
    # the rest is the other groups, not the undated document c
    assert set(table[S.TOKENS_REST]) == {5, 9}


def test_group_keyness_options_and_errors(tiny):
    masks = group_masks(tiny, None, "source").masks
    top = group_keyness(tiny, masks, stopwords=frozenset(), min_count=1, top=1)
    assert top.groupby(S.GROUP).size().tolist() == [1, 1]
    strict = group_keyness(tiny, masks, stopwords=frozenset(), min_count=3)
    assert ((strict[S.COUNT] + strict[S.COUNT_REST]) >= 3).all()
    with pytest.raises(OptionError, match="1 group \\('BBC'\\): each group is compared"):
        group_keyness(tiny, {"BBC": masks["BBC"]})
    overlapping = {"ab": np.array([True, True, False]), "bc": np.array([False, True, True])}
    both = group_keyness(tiny, overlapping, stopwords=frozenset(), min_count=1)
    tea = both[(both[S.GROUP] == "ab") & (both[S.TERM] == "tea")].iloc[0]
    assert (tea[S.COUNT], tea[S.COUNT_REST], tea[S.TOKENS], tea[S.TOKENS_REST]) == (5, 1, 14, 9)


def test_headlines_every_source_against_the_rest_equals_sparse_sums_and_scipy(headlines):
    groups = group_masks(headlines, None, "source")
    sources = set(headlines.docs[S.SOURCE].dropna().astype(str)) - {""}
    assert set(groups.masks) == sources
    table = group_keyness(headlines, groups.masks, top=20)
    assert set(table[S.GROUP]) == sources
    counts = headlines.counts.tocsc()
    column = {t: i for i, t in enumerate(headlines.vocab[S.TERM].astype(str))}
    union = np.logical_or.reduce(list(groups.masks.values()))
    for _, row in table.iterrows():
        group = groups.masks[row[S.GROUP]]
        col = counts[:, column[row[S.TERM]]].toarray().ravel()
        assert row[S.COUNT] == col[group].sum()
        assert row[S.COUNT_REST] == col[union & ~group].sum()
        assert row[S.DOCS] == (col[group] > 0).sum()
        assert row[S.TOKENS] == headlines.doc_tokens[group].sum()
        assert row[S.TOKENS_REST] == headlines.doc_tokens[union & ~group].sum()
        assert row[S.LL] == pytest.approx(scipy_g2(row), rel=1e-9)


def test_group_keyness_passes_the_numbers_option(numbers_index):
    masks = group_masks(numbers_index, None, "source").masks  # n1 is A, n2 is B
    hidden = group_keyness(numbers_index, masks, stopwords=frozenset(), min_count=1)
    shown = group_keyness(numbers_index, masks, stopwords=frozenset(), min_count=1, numbers=True)
    assert not set(hidden[S.TERM]) & set(NUMBER_TERMS)
    assert set(NUMBER_TERMS) <= set(shown[S.TERM])
