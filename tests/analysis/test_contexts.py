"""Highlight spans for words and phrases."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analysis import Filters, build_index, load_corpus, select
from analysis.contexts import COLLOCATE_COLUMNS, KWIC_COLUMNS, collocates, kwic, term_spans
from analysis.corpus_index import IndexSettings
from analysis.errors import EmptySelectionError, OptionError
from tests.analysis.tiny import NUMBERS, g2_by_hand


@pytest.mark.parametrize(
    ("text", "term", "spans"),
    [
        ("The Yangtze River Delta's plan", "yangtze river delta", [(4, 25)]),
        ("development, developments", "development", [(0, 11)]),
        ("high-quality development; quality", "quality", [(26, 33)]),
        ("High-Quality growth", "high-quality", [(0, 12)]),
        ("推动高质量发展", "高质量发展", [(2, 7)]),
        ("<script>alert(1)</script>", "script", [(1, 7), (18, 24)]),
        ("nothing here", "", []),
        ("the 'delta' is", "delta", [(5, 10)]),
        ("sci-tech and tech", "tech", [(13, 17)]),
        ("slavery--that", "slavery", [(0, 7)]),
        ("slavery-that, slavery-", "slavery", [(14, 21)]),
    ],
)
def test_term_spans(text, term, spans):
    assert term_spans(text, term) == spans


# Keyword in context ---------------------------------------------------------

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
    table = kwic(seeds, None, "yangtze river delta")
    assert list(table.columns) == list(KWIC_COLUMNS)
    assert len(table) == 10
    assert table.attrs["total"] == 10
    assert set(table["match"]) == {"Yangtze River Delta"}
    first = table.iloc[0]
    assert first["left"] == "major breakthroughs in the integrated development of the"
    assert first["right"] == "and enhance the region's leading and exemplary role"
    text = seeds.docs.set_index("doc_id").loc[first["doc_id"], "text"]
    assert text[first["start"] : first["end"]] == "Yangtze River Delta"
    # the same count as the index: 3 in the first seed, 7 in the second
    assert table["doc_id"].value_counts().sort_index().tolist() == [3, 7]


def test_kwic_position_is_corpus_order(sortable):
    table = kwic(sortable, None, "tea", window=1)
    assert table["doc_id"].tolist() == ["one", "one", "one", "two", "two"]
    assert table["left"].tolist() == ["B", "A", "c", "", "a"]
    assert table["right"].tolist() == ["z", "y", "x", "y", "w"]
    assert table["date"].tolist() == list(pd.to_datetime(["2024-01-01"] * 3 + ["2024-03-01"] * 2))
    assert table["source"].tolist() == ["S1", "S1", "S1", "S2", "S2"]


def test_kwic_sort_left_reads_right_to_left(sortable):
    table = kwic(sortable, None, "tea", window=2, sort="left")
    # 1L: (none) < a < a < b < c; the two "a" tie on 1L and are ordered by
    # 2L: "drink" (doc two) < "z" (doc one).
    assert table["left"].tolist() == ["", "Drink a", "z. A", "B", "y, c"]
    assert table["doc_id"].tolist() == ["two", "two", "one", "one", "one"]


def test_kwic_sort_right_reads_left_to_right(sortable):
    table = kwic(sortable, None, "tea", window=2, sort="right")
    # 1R: w < x < y (doc one, 2R c) < y (doc two, 2R drink) < z; the context
    # stops at the end of its last word.
    assert table["right"].tolist() == ["w", "x", "y, c", "y. Drink", "z. A"]


def test_kwic_limit_keeps_total(sortable):
    table = kwic(sortable, None, "tea", limit=2)
    assert len(table) == 2
    assert table.attrs["total"] == 5


def test_kwic_window_counts_words_not_characters(seeds):
    table = kwic(seeds, None, "yangtze river delta", window=3)
    assert table.iloc[0]["left"] == "development of the"
    assert table.iloc[0]["right"] == "and enhance the"


def test_kwic_phrase_split_by_punctuation_is_not_a_match():
    index = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["Green tea. Green. Tea"]}))
    table = kwic(index, None, "green tea")
    assert table["match"].tolist() == ["Green tea"]


def test_kwic_mask_limits_to_a_period(sortable):
    mask = select(sortable, Filters(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 4, 1)))
    table = kwic(sortable, mask, "tea")
    assert table["doc_id"].tolist() == ["two", "two"]


def test_kwic_chinese_term_matches_in_text():
    index = build_index(pd.DataFrame({"doc_id": ["a"], "text": ["推动高质量发展。"]}))
    table = kwic(index, None, "高质量发展", window=1)
    assert table[["left", "match", "right"]].values.tolist() == [["推动", "高质量发展", ""]]


def test_kwic_unknown_term_gives_no_lines(sortable):
    table = kwic(sortable, None, "coffee")
    assert len(table) == 0
    assert table.attrs["total"] == 0
    assert list(table.columns) == list(KWIC_COLUMNS)


def test_kwic_rejects_bad_options(sortable):
    with pytest.raises(OptionError, match="Use 'left', 'right' or 'position'"):
        kwic(sortable, None, "tea", sort="middle")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="Type a word or a phrase"):
        kwic(sortable, None, "  ,")
    with pytest.raises(EmptySelectionError, match="Widen the date range"):
        kwic(sortable, np.zeros(2, dtype=bool), "tea")


# Collocates -----------------------------------------------------------------

# Word tokens (boundaries removed), counted by hand:
#   A: green tea green tea and black tea          (7)
#   B: black coffee and green tea black tea       (7; "tea. Black" crosses a full stop)
#   C: milk and coffee                            (3)
# N = 17. Frequencies: green 3, black 3, and 3, coffee 2, milk 1, tea 5.
COMPANY = pd.DataFrame(
    {
        "doc_id": ["A", "B", "C"],
        "text": [
            "Green tea, green tea and black tea.",
            "Black coffee and green tea. Black tea!",
            "Milk and coffee.",
        ],
    }
)


@pytest.fixture(scope="module")
def company():
    return build_index(COMPANY)


def test_collocates_word_node_matches_hand_oracle(company):
    table = collocates(company, None, "tea", window=2, min_count=1, stopwords=frozenset())
    assert list(table.columns) == list(COLLOCATE_COLUMNS)
    # "tea" at A1, A3, A6 and B4, B6. Windows of 2 (clipped at document edges,
    # node positions excluded): A {0, 2, 4, 5} = green green and black;
    # B {2, 3, 5} = and green black (across the full stop). W = 7, the node
    # fills 5 positions, the rest is 17 - 7 - 5 = 5.
    assert table.attrs == {"node_count": 5, "tokens": 17, "window_tokens": 7}
    expected = {  # term: (O, f_c)
        "green": (3, 3),
        "and": (2, 3),
        "black": (2, 3),
    }
    assert table["term"].tolist() == ["green", "and", "black"]  # coffee: O = 0
    for row in table.itertuples():
        o, f_c = expected[row.term]
        assert row.count == o
        assert row.collocate_count == f_c
        assert row.node_count == 5
        assert row.ll == pytest.approx(g2_by_hand(o, f_c - o, 7, 5), abs=1e-6)
        assert row.mi == pytest.approx(math.log2(o * 17 / (5 * f_c * 2 * 2)), abs=1e-6)
        assert row.log_ratio == pytest.approx(
            math.log2((o / 7) / (max(f_c - o, 0.5) / 5)), abs=1e-6
        )
    assert table.iloc[0]["ll"] == pytest.approx(
        2 * (3 * math.log(3 / (3 * 7 / 12)) + 4 * math.log(4 / (9 * 7 / 12)))
        + 2 * 5 * math.log(5 / (9 * 5 / 12)),
        abs=1e-6,
    )


def test_collocates_phrase_node_matches_hand_oracle(company):
    table = collocates(company, None, "green tea", window=1, min_count=1, stopwords=frozenset())
    # "green tea" at A0-1, A2-3, B3-4; windows of 1: A {4} = and (A1 and A2 are
    # node positions), B {2, 5} = and black. W = 3, node tokens 6, rest 8.
    assert table.attrs == {"node_count": 3, "tokens": 17, "window_tokens": 3}
    assert table["term"].tolist() == ["and", "black"]
    assert table["count"].tolist() == [2, 1]
    assert table["ll"].tolist() == pytest.approx(
        [g2_by_hand(2, 1, 3, 8), g2_by_hand(1, 2, 3, 8)], abs=1e-6
    )
    assert table["mi"].tolist() == pytest.approx(
        [math.log2(2 * 17 / (3 * 3 * 2)), math.log2(1 * 17 / (3 * 3 * 2))], abs=1e-6
    )


def test_collocates_min_count_and_stopwords(company):
    table = collocates(company, None, "tea", window=2, min_count=3)
    assert table["term"].tolist() == ["green"]
    default = collocates(company, None, "tea", window=2, min_count=1)
    assert "and" not in set(default["term"])


def test_collocates_seeds_rank_integrated_first_for_development():
    index = build_index(load_corpus("seeds"))
    table = collocates(index, None, "development", min_count=2)
    assert table.iloc[0]["term"] == "integrated"
    assert table["ll"].is_monotonic_decreasing


def test_collocates_unknown_node_gives_empty_table(company):
    table = collocates(company, None, "juice")
    assert len(table) == 0
    assert list(table.columns) == list(COLLOCATE_COLUMNS)


def test_collocates_rejects_bad_window(company):
    with pytest.raises(OptionError, match="window must be at least 1"):
        collocates(company, None, "tea", window=0)


def test_kwic_limit_reads_few_documents_but_keeps_order_and_total():
    import pandas as pd

    from analysis.contexts import kwic
    from analysis.index import build_index

    texts = [f"Doc {i}: green tea, then green tea again and green tea." for i in range(6)]
    index = build_index(pd.DataFrame({"doc_id": [str(i) for i in range(6)], "text": texts}))
    full = kwic(index, None, "green tea", limit=500)
    short = kwic(index, None, "green tea", limit=4)
    assert full.attrs["total"] == short.attrs["total"] == 18
    pd.testing.assert_frame_equal(short, full.head(4), check_like=False)


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
    assert folded.attrs["total"] == 4  # us, us, US, US: the token rule folds case
    exact = kwic(ix, None, "US", window=1, match_case=True)
    assert exact["match"].tolist() == ["US", "US"]
    assert exact.attrs["total"] == 2
    # A prefix goes on past what was typed; a sequence matches across any spaces.
    assert kwic(ix, None, "US*", match_case=True)["match"].tolist() == ["US", "US-led", "US"]
    assert kwic(ix, None, "CIVIL WAR", match_case=True)["match"].tolist() == ["CIVIL WAR"]
    both = kwic(ix, None, "Civil War | civil war", match_case=True)
    assert both["match"].tolist() == ["Civil War", "civil war"]
    # The limit applies to the exact lines, not to all of them.
    first = kwic(ix, None, "civil war", match_case=True, limit=1)
    assert first["match"].tolist() == ["civil war"]
    assert first.attrs["total"] == 1


def test_collocates_hide_numbers_unless_asked():
    index = build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))
    hidden = collocates(index, None, "tea", window=2, min_count=1, stopwords=frozenset())
    shown = collocates(
        index, None, "tea", window=2, min_count=1, stopwords=frozenset(), numbers=True
    )
    # n1: 1 000 [tea] 1 000; n2: plan 2021-2025 [tea] 1990 [tea] 经济 二十
    assert set(hidden["term"]) <= {"plan", "经济"}
    assert {"1", "000"} <= set(shown["term"])  # 1990 occurs outside the windows too: not attracted
    assert hidden.attrs["window_tokens"] == shown.attrs["window_tokens"]
    common = shown[shown["term"].isin(hidden["term"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(common, hidden)


def _kwic_sorted_from_text(index, term, sort, window):
    """The straightforward KWIC sort: every line, keyed by the context words read from its text."""
    from analysis.contexts import SORT_LEVELS, _left_words, _right_words

    lines = kwic(index, None, term, window=window, limit=10**9)
    texts = dict(zip(index.docs["doc_id"], index.docs["text"], strict=True))
    keys = []
    for doc_id, start, end in lines[["doc_id", "start", "end"]].itertuples(index=False):
        if sort == "left":
            keys.append(_left_words(texts[doc_id], start, SORT_LEVELS)[1])
        else:
            keys.append(_right_words(texts[doc_id], end, SORT_LEVELS)[1])
    order = sorted(range(len(lines)), key=lambda i: (keys[i], i))
    return lines.iloc[order].reset_index(drop=True)


@pytest.mark.parametrize("sort", ["left", "right"])
@pytest.mark.parametrize("limit", [7, 500])
def test_kwic_sort_from_token_stream_equals_sort_by_text(sort, limit):
    rng = np.random.default_rng(11)
    vocabulary = ["tea", "green", "rice", "Plan", "a", "b", "zeta", "alpha", "high-quality"]
    marks = [" ", " ", " ", ", ", ". ", "\n", "\n\n", " -- "]
    texts = []
    for _ in range(40):
        words = rng.choice(vocabulary, size=int(rng.integers(1, 30)))
        glue = rng.choice(marks, size=len(words))
        texts.append("".join(w + g for w, g in zip(words, glue, strict=True)))
    index = build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(40)], "text": texts}))
    for term in ("tea", "green tea", "plan | rice"):
        got = kwic(index, None, term, window=3, sort=sort, limit=limit)
        expected = _kwic_sorted_from_text(index, term, sort, 3)
        assert got.attrs["total"] == len(expected)
        pd.testing.assert_frame_equal(got, expected.head(limit))


def test_collocates_windows_read_around_nodes_equal_counting_every_document():
    rng = np.random.default_rng(8)
    vocabulary = ["tea", "green", "rice", "plan", "zeta", "alpha", "delta", "river"]
    texts = []
    for _ in range(30):
        words = rng.choice(vocabulary, size=int(rng.integers(1, 40)))
        glue = rng.choice([" ", " ", ", ", ". ", "\n"], size=len(words))
        texts.append("".join(w + g for w, g in zip(words, glue, strict=True)))
    index = build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(30)], "text": texts}))
    names = index.vocab["term"].tolist()
    for term, window in (("tea", 2), ("green tea", 3), ("tea | rice", 1)):
        nodes = {tuple(w.split()) for w in term.split(" | ")}
        observed: dict[str, int] = {}
        window_tokens = 0
        for r in range(index.n_docs):
            ids = index.tokens[index.token_offsets[r] : index.token_offsets[r + 1]]
            stream = [names[i] if i >= 0 else None for i in ids]
            words = [w for w in stream if w is not None]
            at_word = np.cumsum([w is not None for w in stream]) - 1
            node = [False] * len(words)
            near = [False] * len(words)
            for k in range(len(stream)):
                for seq in nodes:
                    # a node never spans a boundary; its window skips them
                    if tuple(stream[k : k + len(seq)]) == seq:
                        i = int(at_word[k])
                        for j in range(i, i + len(seq)):
                            node[j] = True
                        for j in range(max(0, i - window), min(len(words), i + len(seq) + window)):
                            near[j] = True
            for j, word in enumerate(words):
                if near[j] and not node[j]:
                    observed[word] = observed.get(word, 0) + 1
                    window_tokens += 1
        table = collocates(index, None, term, window=window, min_count=1, stopwords=frozenset())
        assert table.attrs["window_tokens"] == window_tokens
        got = dict(zip(table["term"], table["count"], strict=True))
        assert got == {w: c for w, c in observed.items() if w in got}
        assert got  # some collocates are attracted
