"""Keyword in context: lines, order, limits, match case, sorting against the text."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis import Filters, build_index, load_corpus, select
from analysis.errors import EmptySelectionError, OptionError
from analysis.kwic import KWIC_COLUMNS, kwic

SORTABLE = pd.DataFrame(
    {
        "doc_id": ["one", "two"],
        "date": pd.to_datetime(["2024-01-01", "2024-03-01"]),
        "source": ["S1", "S2"],
        "title": ["T1", "T2"],
        # "tea" five times; left neighbours (1L) b, a, c, a, (none); right (1R)
        # z, y, x, w, y. The line "Tea y." opens doc two, so it has no left word.
        "text": ["B tea z. A tea y, c tea x.", "Tea y.\n\nDrink a  tea w!"],
    }
)


@pytest.fixture(scope="module")
def sortable():
    return build_index(SORTABLE)


@pytest.fixture(scope="module")
def seeds():
    return build_index(load_corpus("seeds"))


def test_kwic_seeds_yangtze_river_delta_gives_ten_lines(seeds):
    found = kwic(seeds, None, "yangtze river delta")
    table = found.table
    assert list(table.columns) == list(KWIC_COLUMNS)
    assert len(table) == 10
    assert found.total == 10
    assert set(table["match"]) == {"Yangtze River Delta"}
    first = table.iloc[0]
    assert first["left"] == "major breakthroughs in the integrated development of the"
    assert first["right"] == "and enhance the region's leading and exemplary role"
    text = seeds.docs.set_index("doc_id").loc[first["doc_id"], "text"]
    assert text[first["start"] : first["end"]] == "Yangtze River Delta"
    # the same count as the index: 3 in the first seed, 7 in the second
    assert table["doc_id"].value_counts().sort_index().tolist() == [3, 7]


def test_kwic_position_is_corpus_order(sortable):
    table = kwic(sortable, None, "tea", window=1).table
    assert table["doc_id"].tolist() == ["one", "one", "one", "two", "two"]
    assert table["left"].tolist() == ["B", "A", "c", "", "a"]
    assert table["right"].tolist() == ["z", "y", "x", "y", "w"]
    assert table["date"].tolist() == list(pd.to_datetime(["2024-01-01"] * 3 + ["2024-03-01"] * 2))
    assert table["source"].tolist() == ["S1", "S1", "S1", "S2", "S2"]


def test_kwic_sort_left_reads_right_to_left(sortable):
    table = kwic(sortable, None, "tea", window=2, sort="left").table
    # 1L: (none) < a < a < b < c; the two "a" tie on 1L and are ordered by
    # 2L: "drink" (doc two) < "z" (doc one).
    assert table["left"].tolist() == ["", "Drink a", "z. A", "B", "y, c"]
    assert table["doc_id"].tolist() == ["two", "two", "one", "one", "one"]


def test_kwic_sort_right_reads_left_to_right(sortable):
    table = kwic(sortable, None, "tea", window=2, sort="right").table
    # 1R: w < x < y (doc one, 2R c) < y (doc two, 2R drink) < z; the context
    # stops at the end of its last word.
    assert table["right"].tolist() == ["w", "x", "y, c", "y. Drink", "z. A"]


def test_kwic_limit_keeps_total(sortable):
    found = kwic(sortable, None, "tea", limit=2)
    assert len(found.table) == 2
    assert found.total == 5


def test_kwic_window_counts_words_not_characters(seeds):
    table = kwic(seeds, None, "yangtze river delta", window=3).table
    assert table.iloc[0]["left"] == "development of the"
    assert table.iloc[0]["right"] == "and enhance the"


def test_kwic_phrase_split_by_punctuation_is_not_a_match():
    index = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["Green tea. Green. Tea"]}))
    table = kwic(index, None, "green tea").table
    assert table["match"].tolist() == ["Green tea"]


def test_kwic_mask_limits_to_a_period(sortable):
    mask = select(sortable, Filters(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 4, 1)))
    table = kwic(sortable, mask, "tea").table
    assert table["doc_id"].tolist() == ["two", "two"]


def test_kwic_chinese_term_matches_in_text():
    index = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["推动高质量发展。"]}))
    table = kwic(index, None, "高质量发展", window=1).table
    assert table[["left", "match", "right"]].values.tolist() == [["推动", "高质量发展", ""]]


def test_kwic_unknown_term_gives_no_lines(sortable):
    found = kwic(sortable, None, "coffee")
    assert len(found.table) == 0
    assert found.total == 0
    assert list(found.table.columns) == list(KWIC_COLUMNS)


def test_kwic_rejects_bad_options(sortable):
    with pytest.raises(OptionError, match="Use 'left', 'right' or 'position'"):
        kwic(sortable, None, "tea", sort="middle")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="Type a word or a phrase"):
        kwic(sortable, None, "  ,")
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        kwic(sortable, np.zeros(2, dtype=bool), "tea")


def test_kwic_limit_reads_few_documents_but_keeps_order_and_total():
    import pandas as pd

    from analysis.index import build_index
    from analysis.kwic import kwic

    texts = [f"Doc {i}: green tea, then green tea again and green tea." for i in range(6)]
    index = build_index(pd.DataFrame({"doc_id": [str(i) for i in range(6)], "text": texts}))
    full = kwic(index, None, "green tea", limit=500)
    short = kwic(index, None, "green tea", limit=4)
    assert full.total == short.total == 18
    pd.testing.assert_frame_equal(short.table, full.table.head(4), check_like=False)


def test_kwic_match_case_keeps_lines_written_as_typed() -> None:
    ix = build_index(
        pd.DataFrame(
            {
                "doc_id": ["a", "b"],
                "text": [
                    "The US said it. Tell us now. US-led talks. The US and the us.",
                    "Civil War began; the civil war ended. CIVIL  WAR again.",
                ],
            }
        )
    )
    folded = kwic(ix, None, "US", window=1)
    assert folded.total == 4  # us, us, US, US: the token rule folds case
    exact = kwic(ix, None, "US", window=1, match_case=True)
    assert exact.table["match"].tolist() == ["US", "US"]
    assert exact.total == 2
    # A prefix goes on past what was typed; a sequence matches across any spaces.
    assert kwic(ix, None, "US*", match_case=True).table["match"].tolist() == ["US", "US-led", "US"]
    assert kwic(ix, None, "CIVIL WAR", match_case=True).table["match"].tolist() == ["CIVIL WAR"]
    both = kwic(ix, None, "Civil War | civil war", match_case=True)
    assert both.table["match"].tolist() == ["Civil War", "civil war"]
    # The limit applies to the exact lines, not to all of them.
    first = kwic(ix, None, "civil war", match_case=True, limit=1)
    assert first.table["match"].tolist() == ["civil war"]
    assert first.total == 1


def _kwic_sorted_from_text(index, term, sort, window):
    """The straightforward KWIC sort: every line, keyed by the context words read from its text."""
    from analysis.kwic import SORT_LEVELS, _left_words, _right_words

    lines = kwic(index, None, term, window=window, limit=10**9).table
    texts = dict(zip(index.docs["doc_id"], index.docs["text"], strict=True))
    keys = []
    for doc_id, start, end in lines[["doc_id", "start", "end"]].itertuples(index=False):
        if sort == "left":
            keys.append(_left_words(texts[doc_id], start, SORT_LEVELS)[1])
        else:
            keys.append(_right_words(texts[doc_id], end, SORT_LEVELS)[1])
    order = sorted(range(len(lines)), key=lambda i: (keys[i], i))
    return lines.iloc[order].reset_index(drop=True)


def _glued_index(rng, docs=40):
    vocabulary = ["tea", "green", "rice", "Plan", "a", "b", "zeta", "alpha", "high-quality"]
    marks = [" ", " ", " ", ", ", ". ", "\n", "\n\n", " -- "]
    texts = []
    for _ in range(docs):
        words = rng.choice(vocabulary, size=int(rng.integers(1, 30)))
        glue = rng.choice(marks, size=len(words))
        texts.append("".join(w + g for w, g in zip(words, glue, strict=True)))
    return build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(docs)], "text": texts}))


@pytest.mark.parametrize("sort", ["left", "right"])
@pytest.mark.parametrize("limit", [7, 500])
def test_kwic_sort_from_token_stream_equals_sort_by_text(sort, limit):
    index = _glued_index(np.random.default_rng(11))
    for term in ("tea", "green tea", "plan | rice"):
        got = kwic(index, None, term, window=3, sort=sort, limit=limit)
        expected = _kwic_sorted_from_text(index, term, sort, 3)
        assert got.total == len(expected)
        pd.testing.assert_frame_equal(got.table, expected.head(limit))


@pytest.mark.parametrize("sort", ["position", "left", "right"])
def test_kwic_of_a_selection_is_the_lines_of_its_documents_in_the_same_order(sort):
    rng = np.random.default_rng(5)
    index = _glued_index(rng, docs=60)
    mask = rng.random(index.n_docs) < 0.4
    chosen = set(index.docs["doc_id"][mask])
    for term in ("tea", "green tea", "plan | rice", "nowhere"):
        every = kwic(index, None, term, window=3, sort=sort, limit=10**6).table
        expected = every[every["doc_id"].isin(chosen)].reset_index(drop=True)
        got = kwic(index, mask, term, window=3, sort=sort, limit=10**6)
        assert got.total == len(expected), term
        pd.testing.assert_frame_equal(got.table, expected)
        page = kwic(index, mask, term, window=3, sort=sort, limit=3, offset=2)
        assert page.total == len(expected)
        pd.testing.assert_frame_equal(page.table, expected.iloc[2:5].reset_index(drop=True))


@pytest.mark.parametrize("sort", ["position", "left", "right"])
@pytest.mark.parametrize("match_case", [False, True])
def test_kwic_pages_put_together_are_every_line_in_order(sort, match_case):
    texts = [
        f"Doc {i}: Green tea, then green tea{', green tea' * (i % 3)} and GREEN TEA."
        for i in range(7)
    ]
    index = build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(7)], "text": texts}))
    term = "Green tea" if match_case else "green tea"
    everything = kwic(index, None, term, sort=sort, match_case=match_case, limit=10**6).table
    total = kwic(index, None, term, sort=sort, match_case=match_case, limit=1).total
    assert total == (7 if match_case else 7 * 3 + sum(i % 3 for i in range(7)))
    for size in (1, 4, 5, total):
        results = [
            kwic(index, None, term, sort=sort, match_case=match_case, limit=size, offset=offset)
            for offset in range(0, total + size, size)
        ]
        assert all(result.total == total for result in results)
        pages = [result.table for result in results]
        assert pages[-1].empty  # a page past the end is empty, not an error
        together = pd.concat([p for p in pages if len(p)], ignore_index=True)
        pd.testing.assert_frame_equal(together, everything.reset_index(drop=True))
    with pytest.raises(OptionError, match="offset must be 0 or more"):
        kwic(index, None, term, offset=-1)


def test_first_in_order_equals_lexsort_with_row_order_for_ties() -> None:
    from analysis.kwic import _first_in_order

    rng = np.random.default_rng(3)
    keys = rng.integers(-1, 4, size=(500, 3))  # many ties
    expected = np.lexsort((np.arange(500), keys[:, 2], keys[:, 1], keys[:, 0]))
    for offset, limit in ((0, 10), (37, 100), (450, 200), (600, 10)):
        got = _first_in_order(keys, offset, limit)
        assert got.tolist() == expected[offset : offset + limit].tolist()
    wide = rng.integers(-1, 2**40, size=(50, 3))  # does not fit one integer
    expected = np.lexsort((np.arange(50), wide[:, 2], wide[:, 1], wide[:, 0]))
    assert _first_in_order(wide, 5, 20).tolist() == expected[5:25].tolist()
