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

import numpy as np
import polars as pl
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Characters whose lower case differs from their case fold: lowering with
# polars then mapping these gives exactly ``str.casefold``.
_CASEFOLD_EXTRA: dict[str, str] = {}
for _cp in range(0x110000):
    _c = chr(_cp)
    if 0xD800 <= _cp <= 0xDFFF:
        continue
    if _c.lower() == _c and _c.casefold() != _c:
        _CASEFOLD_EXTRA[_c] = _c.casefold()

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201b": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201f": '"',
    "\u2010": "-",
    "\u2011": "-",
}
_FOLD = {**_CASEFOLD_EXTRA, **_QUOTES}
_FOLD_FROM = list(_FOLD)
_FOLD_TO = [_FOLD[k] for k in _FOLD_FROM]

_WORD_CHARS = r"\p{L}\p{M}\p{N}--\p{Han}"
WORD_PATTERN = rf"[{_WORD_CHARS}]+(?:['\-][{_WORD_CHARS}]+)*"
HAN_PATTERN = r"\p{Han}+"
BOUNDARY_PATTERN = r"[\p{P}\p{S}\n]"
#: The pattern polars extracts with: words, Han runs and boundary marks.
TOKEN_PATTERN = f"{WORD_PATTERN}|{HAN_PATTERN}|{BOUNDARY_PATTERN}"

#: The token id that stands for a boundary in token streams.
BOUNDARY = -1

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def normalise(text: str) -> str:
    """Step 1 of the token rule for one string (NFKC, casefold, quotes).

    >>> normalise("Xi’s ＡＢＣ Straße")
    "xi's abc strasse"
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.translate(str.maketrans(_QUOTES))


def _normalise_series(texts: pl.Series) -> pl.Series:
    return (
        texts.str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_many(_FOLD_FROM, _FOLD_TO)
    )


@functools.lru_cache(maxsize=8)
def _segmenter(user_words: tuple[str, ...]):  # type: ignore[no-untyped-def]
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


def tokenize_frame(
    texts: pl.Series | Sequence[str], *, user_words: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Token stream of a batch of texts, in reading order.

    Returns a frame with ``doc`` (position of the text in ``texts``) and
    ``token``; a boundary (punctuation, symbol, line break) is the token
    ``None``. Words are already normalised and possessives stripped.

    >>> tokenize_frame(["Xi's high-quality plan."])["token"].to_list()
    ['xi', 'high-quality', 'plan', None]
    """
    series = texts if isinstance(texts, pl.Series) else pl.Series(list(texts), dtype=pl.String)
    frame = pl.DataFrame(
        {
            "doc": pl.int_range(0, len(series), dtype=pl.Int32, eager=True),
            "token": _normalise_series(series).str.extract_all(TOKEN_PATTERN),
        }
    ).explode("token", keep_nulls=False, empty_as_null=False)
    tok = pl.col("token")
    is_word = tok.str.contains(r"^[\p{L}\p{M}\p{N}]")
    frame = frame.with_columns(
        pl.when(~is_word)
        .then(None)
        .when(tok.str.ends_with("'s"))
        .then(tok.str.head(-2))
        .otherwise(tok)
        .alias("token")
    )
    han = frame.filter(pl.col("token").str.contains(r"^\p{Han}"))
    if han.height == 0:
        return frame
    runs = han["token"].unique(maintain_order=True).to_list()
    segmented = pl.DataFrame(
        {"token": runs, "_seg": segment_han(runs, user_words=user_words)},
        schema={"token": pl.String, "_seg": pl.List(pl.String)},
    )
    frame = (
        frame.join(segmented, on="token", how="left", maintain_order="left", nulls_equal=True)
        .with_columns(
            pl.when(pl.col("_seg").is_not_null())
            .then(pl.col("_seg"))
            .otherwise(pl.concat_list(pl.col("token")))
            .alias("token")
        )
        .drop("_seg")
        .explode("token", keep_nulls=True, empty_as_null=False)
    )
    return frame


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
_CHINESE_STOPWORDS = """
的 了 和 是 在 也 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 这 那 之 等 对 把 被
从 以 为 中 上 下 将 并 其 该 此 又 还 但 要 会 能 可 可以 已 已经 所 于 由 向 给 让 使 如 如果
因为 所以 因此 这个 那个 这些 那些 这样 那样 一些 一种 什么 怎么 自己 各 每 个 年 月 日 不 很
更 最 把 比 跟 同 得 地 啊 吗 呢 吧 么 之一 以及 进一步 通过 对于 关于 我 你 他 她 它 有 着 过
""".split()

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
