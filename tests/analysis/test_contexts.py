"""Highlight spans for words and phrases; collocates against hand counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import build_index, load_corpus
from analysis.contexts import COLLOCATE_COLUMNS, collocates, term_spans
from analysis.corpus_index import IndexSettings
from analysis.errors import OptionError
from tests.analysis.tiny import NUMBERS, g2_by_hand, glued_index


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
    found = collocates(company, None, "tea", window=2, min_count=1, stopwords=frozenset())
    table = found.table
    assert list(table.columns) == list(COLLOCATE_COLUMNS)
    # "tea" at A1, A3, A6 and B4, B6. Windows of 2 (clipped at document edges,
    # node positions excluded): A {0, 2, 4, 5} = green green and black;
    # B {2, 3, 5} = and green black (across the full stop). W = 7, the node
    # fills 5 positions, the rest is 17 - 7 - 5 = 5.
    assert (found.node_count, found.tokens, found.window_tokens) == (5, 17, 7)
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
    found = collocates(company, None, "green tea", window=1, min_count=1, stopwords=frozenset())
    table = found.table
    # "green tea" at A0-1, A2-3, B3-4; windows of 1: A {4} = and (A1 and A2 are
    # node positions), B {2, 5} = and black. W = 3, node tokens 6, rest 8.
    assert (found.node_count, found.tokens, found.window_tokens) == (3, 17, 3)
    assert table["term"].tolist() == ["and", "black"]
    assert table["count"].tolist() == [2, 1]
    assert table["ll"].tolist() == pytest.approx(
        [g2_by_hand(2, 1, 3, 8), g2_by_hand(1, 2, 3, 8)], abs=1e-6
    )
    assert table["mi"].tolist() == pytest.approx(
        [math.log2(2 * 17 / (3 * 3 * 2)), math.log2(1 * 17 / (3 * 3 * 2))], abs=1e-6
    )


def test_collocates_min_count_and_stopwords(company):
    table = collocates(company, None, "tea", window=2, min_count=3).table
    assert table["term"].tolist() == ["green"]
    default = collocates(company, None, "tea", window=2, min_count=1).table
    assert "and" not in set(default["term"])


def test_collocates_seeds_rank_integrated_first_for_development():
    index = build_index(load_corpus("seeds"))
    table = collocates(index, None, "development", min_count=2).table
    assert table.iloc[0]["term"] == "integrated"
    assert table["ll"].is_monotonic_decreasing


def test_collocates_unknown_node_gives_empty_table(company):
    table = collocates(company, None, "juice").table
    assert len(table) == 0
    assert list(table.columns) == list(COLLOCATE_COLUMNS)


def test_collocates_rejects_bad_window(company):
    with pytest.raises(OptionError, match="window must be at least 1"):
        collocates(company, None, "tea", window=0)


def test_collocates_hide_numbers_unless_asked():
    index = build_index(NUMBERS, settings=IndexSettings(detect_phrases=False))
    hidden = collocates(index, None, "tea", window=2, min_count=1, stopwords=frozenset())
    shown = collocates(
        index, None, "tea", window=2, min_count=1, stopwords=frozenset(), numbers=True
    )
    # n1: 1 000 [tea] 1 000; n2: plan 2021-2025 [tea] 1990 [tea] 经济 二十
    assert set(hidden.table["term"]) <= {"plan", "经济"}
    # 1990 occurs outside the windows too: not attracted
    assert {"1", "000"} <= set(shown.table["term"])
    assert hidden.window_tokens == shown.window_tokens
    common = shown.table[shown.table["term"].isin(hidden.table["term"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(common, hidden.table)


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
        found = collocates(index, None, term, window=window, min_count=1, stopwords=frozenset())
        table = found.table
        assert found.window_tokens == window_tokens
        got = dict(zip(table["term"], table["count"], strict=True))
        assert got == {w: c for w, c in observed.items() if w in got}
        assert got  # some collocates are attracted


def _collocates_by_hand(index, mask, term, window, min_count, top, stopwords):
    """The collocates table counted document by document from the token streams (every
    window position marked in a list per document), the whole table sorted by pandas."""
    from analysis.stats import log_likelihood, log_ratio

    names = index.vocab["term"].tolist()
    nodes = {tuple(w.split()) for w in term.split(" | ")}
    observed: dict[int, int] = {}
    inside: dict[int, int] = {}
    total: dict[int, int] = {}
    window_tokens = node_tokens = node_count = 0
    for r in np.flatnonzero(mask):
        ids = index.tokens[index.token_offsets[r] : index.token_offsets[r + 1]].tolist()
        stream = [names[i] if i >= 0 else None for i in ids]
        words = [i for i in ids if i >= 0]
        at_word = np.cumsum([i >= 0 for i in ids]) - 1
        node = [False] * len(words)
        near = [False] * len(words)
        for k in range(len(stream)):
            for seq in nodes:
                if tuple(stream[k : k + len(seq)]) == seq:
                    node_count += 1
                    i = int(at_word[k])
                    for j in range(i, i + len(seq)):
                        node[j] = True
                    for j in range(max(0, i - window), min(len(words), i + len(seq) + window)):
                        near[j] = True
        for j, word in enumerate(words):
            total[word] = total.get(word, 0) + 1
            if node[j]:
                inside[word] = inside.get(word, 0) + 1
                node_tokens += 1
            elif near[j]:
                observed[word] = observed.get(word, 0) + 1
                window_tokens += 1
    n_tokens = int(index.doc_tokens[mask].sum())
    rest = n_tokens - window_tokens - node_tokens
    chosen = sorted(w for w, c in observed.items() if c >= min_count and names[w] not in stopwords)
    if not chosen:  # no candidate: the empty table of every empty result
        return collocates(index, None, "no such word").table, node_count, n_tokens, window_tokens
    o = np.array([observed[w] for w in chosen], dtype=np.int64)
    f_c = np.array([total[w] for w in chosen], dtype=np.int64)
    elsewhere = f_c - o - np.array([inside.get(w, 0) for w in chosen], dtype=np.int64)
    table = pd.DataFrame(
        {
            "term": [names[w] for w in chosen],
            "count": o,
            "node_count": np.full(len(chosen), node_count, dtype=np.int64),
            "collocate_count": f_c,
            "ll": log_likelihood(o, elsewhere, window_tokens, rest),
            "mi": np.log2(o * n_tokens / (node_count * f_c * 2.0 * window)),
            "log_ratio": log_ratio(o, elsewhere, window_tokens, rest),
        }
    )
    table = table[o * max(rest, 1) > elsewhere * window_tokens]
    table = table.sort_values(
        ["ll", "count", "term"], ascending=[False, False, True], kind="stable"
    )
    return table.head(top).reset_index(drop=True), node_count, n_tokens, window_tokens


def test_collocates_equal_the_table_counted_document_by_document():
    # windows that overlap, meet other nodes and run into document edges and line
    # breaks; a small vocabulary, so many collocates tie on ll and count
    rng = np.random.default_rng(11)
    vocabulary = ["tea", "green", "rice", "plan", "zeta", "alpha", "delta", "river"]
    vocabulary += [f"w{i}" for i in range(40)]
    index = glued_index(rng, vocabulary, docs=120, longest=60)
    everything = np.ones(index.n_docs, dtype=bool)
    some = rng.random(index.n_docs) < 0.5
    checked = 0
    for term in ("tea", "green tea", "tea | rice", "river | green tea", "w3"):
        for mask in (everything, some):
            for window, min_count, top, stopwords in (
                (5, 1, 1000, frozenset()),
                (2, 2, 10, frozenset({"plan", "w1"})),
                (9, 1, 3, frozenset()),
            ):
                found = collocates(
                    index,
                    mask,
                    term,
                    window=window,
                    min_count=min_count,
                    top=top,
                    stopwords=stopwords,
                    numbers=True,
                )
                table, node_count, tokens, window_tokens = _collocates_by_hand(
                    index, mask, term, window, min_count, top, stopwords
                )
                assert (found.node_count, found.tokens, found.window_tokens) == (
                    node_count,
                    tokens,
                    window_tokens,
                )
                pd.testing.assert_frame_equal(found.table, table, check_exact=True)
                checked += len(table)
    assert checked > 200


def test_term_spans_many_equals_term_spans_text_by_text():
    from analysis.contexts import term_spans_many

    texts = [
        "Civil war, civil  war. Civil, war.",
        "",
        "The Yangtze River Delta's plan; yangtze river-delta",
        "Slavery, slaves. Civil war",
        "推动高质量发展",
    ]
    for term in ("civil war", "slave* | civil war", "yangtze river delta", "高质量发展", "*"):
        assert term_spans_many(texts, term) == [term_spans(t, term) for t in texts]


def test_term_spans_of_equals_term_spans_term_by_term():
    from analysis import query
    from analysis.contexts import _alternatives, term_spans_of

    terms = [
        "civil war", "slave* | civil war", "yangtze river delta", "高质量发展", "*", "",
        "U.S.", "delta", "the", "Civil, war", "river-delta", "fin* office", "ｏｆｆｉｃｅ",
    ]  # fmt: skip
    texts = [
        "Civil war, civil  war. Civil, war.",
        "",
        "The Yangtze River Delta's plan; yangtze river-delta; the U.S.-led plan",
        "推动高质量发展 and slaves",
        COMPATIBLE,
    ]
    for text in texts:
        # parsed afresh by each: the batch tokenizes the words the one-by-one calls tokenize
        query._PIECE_TOKENS.clear()
        _alternatives.cache_clear()
        query._words.cache_clear()
        together = term_spans_of(text, terms)
        query._PIECE_TOKENS.clear()
        _alternatives.cache_clear()
        query._words.cache_clear()
        assert together == [term_spans(text, term) for term in terms]
    assert any(together)


def test_primed_queries_parse_as_unprimed_ones():
    from analysis import query

    typed = ["civil war | slave*", "The People's", "高质量发展", "a*b", "x | | y", "5G网络"]

    def parsed() -> list[object]:
        out: list[object] = []
        for text in typed:
            try:
                out.append(query.split_query(text, user_words=("高质量",)))
            except OptionError as error:
                out.append(str(error))
        return out

    query._PIECE_TOKENS.clear()
    query._words.cache_clear()
    alone = parsed()
    query._PIECE_TOKENS.clear()
    query._words.cache_clear()
    query.prime_queries(typed, user_words=("高质量",))
    assert len(query._PIECE_TOKENS) >= len(typed)  # tokenized by the one call
    assert parsed() == alone
    assert any(isinstance(p, str) for p in alone)  # the errors are the same too


# NFKC changes these words' lengths or boundaries ("ﬁ" is "fi", full-width letters
# and "５Ｇ", "other－a" is one word "other-a", "㈱" is "(株)", half-width "ｶﾞｿﾘﾝ" is
# "ガソリン", "½" is "1⁄2"), case folding "Straße" ("strasse"); a line break parts the
# second "ﬁnance ｏｆｆｉｃｅ", and Chinese follows with full-width punctuation.
COMPATIBLE = (
    "The ﬁnance ｏｆｆｉｃｅ of other－a region ㈱ said so. Straße and ＧＤＰ grew; the ﬁnance\n"
    "ｏｆｆｉｃｅ closed, ｶﾞｿﾘﾝ prices rose ½ and the Finance Office’s plan.\n"
    "推动长三角一体化发展，５Ｇ网络建设（试点）。长三角的ﬁnance ｏｆｆｉｃｅ"
)
# By hand: "finance office" 3 (not across the line break), "株 said" 0 (")" parts them)
PHRASES = {
    "finance office": 3,
    "the finance office": 2,
    "other-a region": 1,
    "株 said": 0,
    "gdp grew": 1,
    "5g 网络": 1,
    "长三角一体化": 1,
    "fin* office": 3,
    "ガソリン prices | strasse": 2,
}


@pytest.fixture(scope="module")
def compatible():
    frame = pd.DataFrame(
        {"doc_id": ["a", "b"], "text": [COMPATIBLE, "The finance office said so."]}
    )
    return build_index(frame, settings=IndexSettings(detect_phrases=False))


def _index_count(index, term: str) -> int:
    from analysis.query import count_query, parse_query

    return int(count_query(index, parse_query(index, term), np.array([0]))[0])


def test_term_spans_highlight_exactly_the_words_the_index_counts_where_nfkc_differs(
    compatible,
):
    from analysis.query import split_query
    from analysis.text import tokenize_frame

    terms = compatible.vocab["term"].to_numpy()
    stream = compatible.tokens[compatible.token_offsets[0] : compatible.token_offsets[1]]
    words = list(dict.fromkeys(str(terms[t]) for t in stream if t >= 0))
    assert {"finance", "office", "other-a", "株", "strasse", "gdp", "ガソリン", "5g"} <= set(words)
    assert {"长三角", "网络", "1", "2"} <= set(words)
    for term in [*words, *PHRASES]:
        spans = term_spans(COMPATIBLE, term)
        assert len(spans) == _index_count(compatible, term), term
        for start, end in spans:
            # the text under each span reads, by the token rule, as the term's words
            read = tokenize_frame([COMPATIBLE[start:end]])["token"].to_list()
            wanted = [[w for w, _prefix in words_] for words_ in split_query(term)]
            if end - start == 1 and len(read) > 1:  # "½": two words in one character
                assert any([w] == want for w in read for want in wanted), term
                continue
            assert any(
                len(read) == len(want)
                and all(
                    r == w or (prefix and r is not None and r.startswith(w))
                    for r, w, (_w, prefix) in zip(read, want, words_, strict=True)
                )
                for want, words_ in zip(wanted, split_query(term), strict=True)
            ), (term, read)
    assert [PHRASES[p] for p in PHRASES] == [_index_count(compatible, p) for p in PHRASES]


def test_term_spans_of_compatibility_characters_by_hand():
    spans = term_spans(COMPATIBLE, "finance office")
    assert [COMPATIBLE[a:b] for a, b in spans] == [
        "ﬁnance ｏｆｆｉｃｅ",
        "Finance Office’s",
        "ﬁnance ｏｆｆｉｃｅ",
    ]
    assert [COMPATIBLE[a:b] for a, b in term_spans(COMPATIBLE, "株 | other-a | 5g")] == [
        "other－a",
        "㈱",
        "５Ｇ",
    ]
    assert term_spans("x ½ y", "1 | 2") == [(2, 3)]  # one span for the character


def test_the_word_class_matches_the_same_characters_case_blind_or_not():
    import re

    from analysis.contexts import _WORD

    scoped = re.compile(_WORD, re.IGNORECASE)
    blind = re.compile(_WORD.removeprefix("(?-i:").removesuffix(")"), re.IGNORECASE)
    assert _WORD.startswith("(?-i:[")
    differ = [c for c in range(0x110000) if bool(scoped.match(chr(c))) != bool(blind.match(chr(c)))]
    assert differ == []
    assert [bool(scoped.match(c)) for c in "Éß5_网-"] == [True, True, True, False, False, False]
