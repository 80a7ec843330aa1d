"""The token rule, in one place, and stopwords.

Token rule (documented in README; an independent implementation must
reproduce it, and ``tests/analysis/test_text.py`` checks one):

1. Unicode NFKC, then full case folding (``str.casefold``); curly quotes fold
   to ``'`` and ``"``, the Unicode hyphens U+2010/U+2011 to ``-``.
2. A word is a run of letters, marks and digits (any script but Han) with
   internal hyphens or apostrophes kept: ``high-quality``, ``sci-tech``,
   ``g60`` are one token each.
3. A possessive ``'s`` at the end of a word is removed (``region's`` ->
   ``region``; ``it's`` -> ``it`` too: the rule cannot tell them apart).
4. A run of Han characters is segmented by jieba (default dictionary plus any
   user words); full-width punctuation is dropped.
5. Punctuation and symbols are not tokens, but they are boundaries: no
   phrase spans them (nor a line break).

Tokenising is vectorised: a batch of texts goes through polars' Rust string
kernels at once (no per-document Python loop); only the distinct Han runs of
a batch are passed to jieba.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201f": '"',
    "\u2010": "-",
    "\u2011": "-",
}

_WORD_CHARS = r"\p{L}\p{M}\p{N}--\p{Han}"
_JOINERS = "'\u2018\u2019\u201b\\-\u2010\u2011"
WORD_PATTERN = rf"[{_WORD_CHARS}]+(?:[{_JOINERS}][{_WORD_CHARS}]+)*"
HAN_PATTERN = r"\p{Han}+"
BOUNDARY_PATTERN = r"[\p{P}\p{S}\n]"
#: The pattern polars extracts with: words, Han runs and boundary marks.
#: It runs on NFKC text before case folding; folding is done per distinct
#: token afterwards (it maps letters to letters, so the order is immaterial).
TOKEN_PATTERN = f"{WORD_PATTERN}|{HAN_PATTERN}|{BOUNDARY_PATTERN}"

_ANY_WORD_CHARS = r"\p{L}\p{M}\p{N}"
#: The fast scan: runs of word characters of any script, and boundary marks.
SCAN_PATTERN = rf"[{_ANY_WORD_CHARS}]+(?:[{_JOINERS}][{_ANY_WORD_CHARS}]+)*|{BOUNDARY_PATTERN}"

#: The token id that stands for a boundary in token streams.
BOUNDARY = -1

# The Han script's blocks, for Python-side checks (polars uses \p{Han} itself).
_HAN_RE = re.compile(
    "[\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0003ffff]"
)
_FOLD_TABLE = str.maketrans(_QUOTES)


def normalise(text: str) -> str:
    """Step 1 of the token rule for one string (NFKC, casefold, quotes).

    >>> normalise("Xi’s ＡＢＣ Straße")
    "xi's abc strasse"
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_FOLD_TABLE)


def _nfkc(texts: Sequence[str]) -> list[str]:
    # Most texts are already NFKC; the quick check is far cheaper than normalising.
    return [
        t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t)
        for t in texts
    ]


def extract_raw(texts: Sequence[str]) -> pl.DataFrame:
    """Raw token stream of a batch: ``doc`` (position in ``texts``) and ``raw``.

    ``raw`` is a run of letters, marks and digits (internal joiners kept) or a
    boundary mark, as it stands in the NFKC text, not yet folded;
    :func:`classify_raw` turns each distinct one into tokens. The scan
    pattern does not separate Han from other scripts (it runs faster
    without the set difference); the few raw tokens holding Han characters
    are split with :data:`TOKEN_PATTERN` in :func:`classify_raw`, which gives
    exactly the tokens a scan with it would. Per-token Python work is
    limited to the distinct strings of a batch.
    """
    series = pl.Series(_nfkc(texts), dtype=pl.String)
    return pl.DataFrame(
        {
            "doc": pl.int_range(0, len(series), dtype=pl.Int32, eager=True),
            "raw": series.str.extract_all(SCAN_PATTERN),
        }
    ).explode("raw", keep_nulls=False, empty_as_null=False)


def classify_raw(raws: pl.Series, *, user_words: tuple[str, ...] = ()) -> list[list[str | None]]:
    """Tokens of each distinct raw token, ``None`` standing for a boundary.

    A word is folded and loses a final possessive ``'s``; a Han run becomes
    its jieba words; a raw token mixing Han and other letters is split first.

    >>> classify_raw(pl.Series(["Region’s", ",", "长三角", "G60科技"]))
    [['region'], [None], ['长三角'], ['g60', '科技']]
    """
    raw_list = raws.to_list()
    mixed = [i for i, h in enumerate(raws.str.contains(r"\p{Han}").to_list()) if h]
    parts: list[list[str]] = [[raw] for raw in raw_list]
    if mixed:
        split = pl.Series([raw_list[i] for i in mixed], dtype=pl.String)
        for i, pieces in zip(mixed, split.str.extract_all(TOKEN_PATTERN).to_list(), strict=True):
            parts[i] = pieces
    flat = pl.Series([piece for pieces in parts for piece in pieces], dtype=pl.String)
    boundary = flat.str.contains(f"^{BOUNDARY_PATTERN}$").to_list()
    han = flat.str.contains(r"^\p{Han}").to_list()
    tokens: list[list[str | None]] = []
    han_runs: dict[str, list[int]] = {}
    for piece, is_boundary, is_han_run in zip(flat.to_list(), boundary, han, strict=True):
        if is_boundary:
            tokens.append([None])
        elif is_han_run:
            han_runs.setdefault(piece, []).append(len(tokens))
            tokens.append([])
        else:
            word = piece.casefold().translate(_FOLD_TABLE)
            if word.endswith("'s") and len(word) > 2:
                word = word[:-2]
            tokens.append([word])
    if han_runs:
        runs = list(han_runs)
        for run, words in zip(runs, segment_han(runs, user_words=user_words), strict=True):
            for at in han_runs[run]:
                tokens[at] = list(words)
    out: list[list[str | None]] = []
    cursor = 0
    for pieces in parts:
        joined: list[str | None] = []
        for piece_tokens in tokens[cursor : cursor + len(pieces)]:
            joined.extend(piece_tokens)
        out.append(joined)
        cursor += len(pieces)
    return out


@functools.lru_cache(maxsize=8)
def _segmenter(user_words: tuple[str, ...]) -> Any:
    """A jieba tokenizer with the user's words; one per distinct word list.

    A private instance keeps one user's dictionary out of everybody else's
    (``jieba.add_word`` would change the shared default tokenizer).
    """
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in user_words:
        tokenizer.add_word(normalise(word).strip())
    return tokenizer


def segment_han(runs: Sequence[str], *, user_words: tuple[str, ...] = ()) -> list[list[str]]:
    """Segment Han-only strings with jieba (HMM on), one list per run."""
    tokenizer = _segmenter(tuple(user_words))
    return [[w for w in tokenizer.lcut(run, HMM=True) if w.strip()] for run in runs]


def tokenize_frame(texts: Sequence[str], *, user_words: tuple[str, ...] = ()) -> pl.DataFrame:
    """Token stream of a batch of texts, in reading order.

    Returns a frame with ``doc`` (position of the text in ``texts``) and
    ``token``; a boundary (punctuation, symbol, line break) is the token
    ``None``.

    >>> tokenize_frame(["Xi's high-quality plan."])["token"].to_list()
    ['xi', 'high-quality', 'plan', None]
    """
    raw = extract_raw(texts)
    distinct = raw["raw"].unique(maintain_order=True)
    classified = classify_raw(distinct, user_words=user_words)
    mapping = pl.DataFrame(
        {"raw": distinct, "token": classified},
        schema={"raw": pl.String, "token": pl.List(pl.String)},
    )
    return (
        raw.join(mapping, on="raw", how="left", maintain_order="left")
        .select("doc", "token")
        .explode("token", keep_nulls=True, empty_as_null=False)
    )


def tokenize(text: str, *, user_words: tuple[str, ...] = ()) -> list[str]:
    """Words of one text by the token rule (boundaries dropped).

    >>> tokenize("The Yangtze River Delta's high-quality development")
    ['the', 'yangtze', 'river', 'delta', 'high-quality', 'development']
    """
    tokens = tokenize_frame([text], user_words=user_words)["token"]
    return [t for t in tokens.to_list() if t is not None]


def is_han(token: str) -> bool:
    """True when the token contains a Han character (a Chinese term)."""
    return bool(_HAN_RE.search(token))


def join_tokens(tokens: Iterable[str]) -> str:
    """Display form of a phrase: Chinese words join without spaces.

    >>> join_tokens(["yangtze", "river"]), join_tokens(["高质量", "发展"])
    ('yangtze river', '高质量发展')
    """
    out = ""
    previous_han = False
    for token in tokens:
        han = is_han(token)
        if out and not (han and previous_han):
            out += " "
        out += token
        previous_han = han
    return out


# Chinese function words and very common verbs that carry little content.
_CHINESE_STOPWORDS = [
    "的",
    "了",
    "和",
    "是",
    "在",
    "也",
    "就",
    "都",
    "而",
    "及",
    "与",
    "着",
    "或",
    "一个",
    "没有",
    "我们",
    "你们",
    "他们",
    "她们",
    "它们",
    "这",
    "那",
    "之",
    "等",
    "对",
    "把",
    "被",
    "从",
    "以",
    "为",
    "中",
    "上",
    "下",
    "将",
    "并",
    "其",
    "该",
    "此",
    "又",
    "还",
    "但",
    "要",
    "会",
    "能",
    "可",
    "可以",
    "已",
    "已经",
    "所",
    "于",
    "由",
    "向",
    "给",
    "让",
    "使",
    "如",
    "如果",
    "因为",
    "所以",
    "因此",
    "这个",
    "那个",
    "这些",
    "那些",
    "这样",
    "那样",
    "一些",
    "一种",
    "什么",
    "怎么",
    "自己",
    "各",
    "每",
    "个",
    "年",
    "月",
    "日",
    "不",
    "很",
    "更",
    "最",
    "把",
    "比",
    "跟",
    "同",
    "得",
    "地",
    "啊",
    "吗",
    "呢",
    "吧",
    "么",
    "之一",
    "以及",
    "进一步",
    "通过",
    "对于",
    "关于",
    "我",
    "你",
    "他",
    "她",
    "它",
    "有",
    "着",
    "过",
]

_BUILTIN = frozenset(ENGLISH_STOP_WORDS) | frozenset(_CHINESE_STOPWORDS)


def default_stopwords() -> frozenset[str]:
    """Built-in stopwords: scikit-learn's English list plus Chinese function words.

    Users edit this list in the app (``parse_stopwords``); it is applied to
    every table and chart. Phrase detection uses the built-in list only, so
    editing stopwords never forces the index to be rebuilt.
    """
    return _BUILTIN


def parse_stopwords(text: str) -> frozenset[str]:
    """Stopwords from user text: one per line or separated by commas/spaces.

    Each entry is normalised by the token rule, so ``Xi's`` becomes ``xi``.

    >>> sorted(parse_stopwords("The, Xi's\\n  said"))
    ['said', 'the', 'xi']
    """
    words: set[str] = set()
    for entry in re.split(r"[,\n\s]+", text):
        if entry.strip():
            words.update(tokenize(entry))
    return frozenset(words)


def stopword_mask(terms: Sequence[str], stopwords: frozenset[str]) -> np.ndarray:
    """Boolean array: which of ``terms`` (single tokens) are stopwords."""
    return np.fromiter((t in stopwords for t in terms), dtype=bool, count=len(terms))
