"""Tokens by the rule: raw tokens classified, Han segmented, folded; numbers and Han tests.

The rule itself (patterns, normalisation) is :mod:`analysis.rule`, its compiled
scan :mod:`analysis.scan`; stopwords live in :mod:`analysis.stopwords`.

Steps 3 and 4 of the token rule (:mod:`analysis.rule` states all five): a raw
token from the scan is folded and loses a final possessive ``'s``, a Han run is
segmented by jieba's cut, compiled (:mod:`analysis.segmenter`: user words
kept whole, Traditional folded to Simplified when asked). Per-token Python
work is done once per distinct raw token of a batch, never per occurrence.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from analysis import segmenter
from analysis.kernels.scanning import first_seen, han_pieces, string_kinds
from analysis.rule import (
    _APOSTROPHES,
    _FOLD_TABLE,
    _HAN_RE,
    _SPLIT_PATTERN,
    BOUNDARY_PATTERN,
    normalise,
)
from analysis.scan import char_classes, extract_raw

_T = TypeVar("_T")


def classify_raw(
    raws: pl.Series, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[list[str | None]]:
    """Tokens of each distinct raw token, ``None`` standing for a boundary.

    A word is folded and loses a final possessive ``'s``; a Han run becomes
    its segmented words (Traditional characters folded to Simplified first
    when ``fold_chinese``); a raw token mixing Han and other letters is split first.
    The lists of :func:`classify_flat`.

    >>> classify_raw(pl.Series(["Region’s", ",", "长三角", "G60科技"]))
    [['region'], [None], ['长三角'], ['g60', '科技']]
    """
    lengths, flat = classify_flat(raws, user_words=user_words, fold_chinese=fold_chinese)
    return _lists(lengths, flat.to_pylist())


def _lists(lengths: np.ndarray, flat: list[_T]) -> list[list[_T]]:
    """``flat`` cut into consecutive lists of ``lengths`` items."""
    ends = np.cumsum(lengths).tolist()
    return [flat[end - n : end] for end, n in zip(ends, lengths.tolist(), strict=True)]


def classify_flat(
    raws: pl.Series, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> tuple[np.ndarray, pa.Array]:
    """:func:`classify_raw`'s tokens as two flat arrays, without a Python object per token.

    Returns the number of tokens of each raw token (int64) and all the
    tokens in order, a string array where null stands for a boundary. ASCII
    raw tokens (most of them) are classified by polars at once; raw tokens
    all of Han (nearly every one in Chinese text) are segmented together in
    one call of the segmenter (:func:`cut_runs`), on a side thread while
    this one classifies the rest when there are many; the rest are split
    into pieces first (:func:`_classify_other`).

    >>> lengths, flat = classify_flat(pl.Series(["Xi's", ",", "长三角一体化"]))
    >>> lengths.tolist(), flat.to_pylist()
    ([1, 1, 2], ['xi', None, '长三角', '一体化'])
    """
    n = len(raws)
    owners, pieces, _keys = _pieces(raws, user_words, fold_chinese)
    if not owners:
        return np.zeros(n, dtype=np.int64), pa.array([], type=pa.string())
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    flat = pa.concat_arrays([piece.cast(pa.string()) for piece in pieces]).take(order)
    return np.bincount(owner, minlength=n).astype(np.int64), flat


def classify_numbered(
    raws: pl.Series, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """:func:`classify_flat`'s tokens numbered, as Arrow's ``dictionary_encode`` of its
    string array numbers them, without that array.

    Returns the number of tokens of each raw token (int64), per token the
    number of its word (int32; -1 for a boundary), the words numbered in
    order of first appearance, and the words (a string array). The
    segmenter names the words it cuts by their node in the dictionary
    (:func:`analysis.segmenter.cut_keyed`), so the hundreds of thousands of
    words of a Chinese batch are numbered as integers; only the distinct
    words, and the words of no node, are compared as strings.

    >>> lengths, ids, words = classify_numbered(pl.Series(["发展", ",", "高质量发展"]))
    >>> lengths.tolist(), ids.tolist(), words.to_pylist()
    ([1, 1, 2], [0, -1, 1, 0], ['发展', '高质量'])
    """
    n = len(raws)
    owners, pieces, keys = _pieces(raws, user_words, fold_chinese, keyed=True)
    if not owners:
        return np.zeros(n, dtype=np.int64), np.zeros(0, dtype=np.int32), pa.array([], pa.string())
    # each piece's tokens numbered within it (-1 a boundary), and its distinct words
    codes: list[np.ndarray] = []
    distinct: list[pa.Array] = []
    for piece, named in zip(pieces, keys, strict=True):
        piece = piece.cast(pa.large_string())
        if named is None:
            encoded = pc.dictionary_encode(piece)
            codes.append(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
            distinct.append(encoded.dictionary)
            continue
        number, firsts = first_seen(named, int(named.max()) + 1 if len(named) else 0)
        alone = np.flatnonzero(named < 0)  # words of no node: compared as strings
        encoded = pc.dictionary_encode(piece.take(pa.array(alone)))
        number[alone] = len(firsts) + encoded.indices.to_numpy()
        codes.append(number)
        distinct.append(pa.concat_arrays([piece.take(pa.array(firsts)), encoded.dictionary]))
    # the pieces' words as one dictionary: a word of two pieces is one word
    every = pc.dictionary_encode(pa.concat_arrays(distinct))
    to_every = np.append(every.indices.to_numpy(), -1)  # and -1 for a boundary
    shift = np.cumsum([0] + [len(d) for d in distinct])
    joined = [
        to_every[np.where(code >= 0, code + shift[k], len(to_every) - 1)]
        for k, code in enumerate(codes)
    ]
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    in_order = np.concatenate(joined)[order]
    ids, firsts = first_seen(in_order, len(every.dictionary))
    words = every.dictionary.take(pa.array(in_order[firsts])).cast(pa.string())
    return np.bincount(owner, minlength=n).astype(np.int64), ids, words


def _pieces(
    raws: pl.Series, user_words: tuple[str, ...], fold_chinese: bool, *, keyed: bool = False
) -> tuple[list[np.ndarray], list[pa.Array], list[np.ndarray | None]]:
    """The tokens of :func:`classify_flat` in pieces: per piece, each token's raw token,
    the tokens, and (``keyed``, for the Han runs' words) the segmenter's names of them."""
    owners: list[np.ndarray] = []
    pieces: list[pa.Array] = []
    keys: list[np.ndarray | None] = []
    cut = _cut_runs_keyed if keyed else _cut_runs_unkeyed
    # Han runs: NFKC is done, folding leaves Han alone, and there is nothing to split.
    # Many are cut on a side thread (the cut lets go of the interpreter) while this one
    # classifies the rest; folded runs are not, so OpenCC converts on one thread only.
    kinds = _raw_kinds(raws)
    han_raw = pl.Series(kinds == _ALL_HAN)
    runs = raws.filter(han_raw)
    if len(runs):  # jieba's dictionary is read (once) only for text that has Han
        _segmenter(tuple(user_words), fold_chinese)  # before the side thread needs it
    side = bool(len(runs)) and not fold_chinese and runs.str.len_bytes().sum() > SIDE_HAN_BYTES
    with ThreadPoolExecutor(max_workers=1) as pool:
        cutting = pool.submit(cut, runs, user_words, False) if side else None
        # For ASCII raw tokens NFKC and case folding are lower-casing, and there is no Han.
        ascii_raw = pl.Series(kinds == _ASCII)
        if ascii_raw.any():
            simple = raws.filter(ascii_raw)
            words = simple.str.to_lowercase().str.replace(r"'s$", "")
            # an abbreviation written without its last full stop gets it (see _stopped)
            stopped = words.str.contains(".", literal=True) & ~words.str.ends_with(".")
            words = pl.select(
                pl.when(simple.str.contains(f"^{BOUNDARY_PATTERN}$"))
                .then(None)
                .when(stopped)
                .then(words + ".")
                .otherwise(words)
            ).to_series()
            owners.append(ascii_raw.arg_true().to_numpy().astype(np.int64))
            pieces.append(words.to_arrow())
            keys.append(None)
        other = ~ascii_raw & ~han_raw
        if other.any():
            rest = other.arg_true().to_numpy().astype(np.int64)
            local, tokens = _classify_other(
                raws.gather(rest), user_words=user_words, fold_chinese=fold_chinese
            )
            owners.append(rest[local])
            pieces.append(tokens)
            keys.append(None)
        if len(runs):
            where = han_raw.arg_true().to_numpy().astype(np.int64)
            counts, words_of_runs, named = (
                cutting.result() if cutting is not None else cut(runs, user_words, fold_chinese)
            )
            owners.append(np.repeat(where, counts))
            pieces.append(words_of_runs)
            keys.append(named)
    return owners, pieces, keys


def _cut_runs_keyed(
    runs: pl.Series, user_words: tuple[str, ...], fold_chinese: bool
) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """:func:`cut_runs`, and the segmenter's name of each word
    (:func:`analysis.segmenter.cut_keyed`)."""
    model = _segmenter(tuple(user_words), fold_chinese)
    if fold_chinese:
        runs = pl.Series(to_simplified(_strings(runs)), dtype=pl.String)
    return segmenter.cut_keyed(model, runs.to_arrow())


def _cut_runs_unkeyed(
    runs: pl.Series, user_words: tuple[str, ...], fold_chinese: bool
) -> tuple[np.ndarray, pa.Array, None]:
    counts, words = cut_runs(runs, user_words=user_words, fold_chinese=fold_chinese)
    return counts, words, None


#: Per code point: 1 if polars' ``\p{Han}`` matches it, 0 if not, -1 not asked yet
#: (:func:`_raw_kinds` asks polars about each character the first time it is seen).
_HAN_POINTS = np.full(0x110000, -1, dtype=np.int8)
_HAN_POINTS[0xD800:0xE000] = 0  # surrogates: no script

_ASCII, _ALL_HAN = 1, 2


def _raw_kinds(raws: pl.Series) -> np.ndarray:
    """Per raw string: 1 when all ASCII (``^[\\x00-\\x7f]*$``), 2 when all Han
    (``^\\p{Han}+$``), else 0, in one compiled pass over the strings' bytes; polars'
    regex engine judges each character once per process, as it judged each string."""
    data, offsets = _utf8_buffers(raws)
    unknown = np.empty(1 << 12, dtype=np.int64)
    while True:
        kinds, found = string_kinds(data, offsets, _HAN_POINTS, unknown)
        if found:
            points = unknown[:found]
            joined = points.astype("<u4").tobytes().decode("utf-32-le")
            chars = pl.Series([joined], dtype=pl.String).str.split("").explode()
            _HAN_POINTS[points] = chars.str.contains(r"^\p{Han}$").to_numpy()
        if not found and not (kinds < 0).any():
            return kinds


#: Han runs of more bytes than this are cut on a side thread of :func:`classify_flat`.
SIDE_HAN_BYTES = 1 << 16


def cut_runs(
    runs: Sequence[str] | pl.Series,
    *,
    user_words: tuple[str, ...] = (),
    fold_chinese: bool = False,
) -> tuple[np.ndarray, pa.Array]:
    """Words of Han-only strings as jieba cuts each (HMM on): per run their number, and all.

    The cut is :mod:`analysis.segmenter`'s compiled jieba 0.42.1 (its
    dictionary and HMM, the user's words added as ``jieba.add_word`` adds
    them), which cuts the runs of a batch on parallel threads and gives the
    words as one Arrow array over the runs' bytes, no Python string per
    word. A polars column of runs is cut as it is. With ``fold_chinese`` the
    runs are folded to Simplified first.

    >>> counts, words = cut_runs(["长三角一体化", "高质量发展"])
    >>> counts.tolist(), words.to_pylist()
    ([2, 2], ['长三角', '一体化', '高质量', '发展'])
    """
    model = _segmenter(tuple(user_words), fold_chinese)
    if fold_chinese:
        runs = pl.Series(to_simplified(_strings(runs)), dtype=pl.String)
    elif not isinstance(runs, pl.Series):
        runs = pl.Series(list(runs), dtype=pl.String)
    counts, words = segmenter.cut(model, runs.to_arrow())
    return counts, words.cast(pa.string())


def _strings(runs: Sequence[str] | pl.Series) -> list[str]:
    return cast(list[str], runs.to_list()) if isinstance(runs, pl.Series) else list(runs)


def _stopped(word: str) -> str:
    """An abbreviation written without its last full stop gets it (``u.s`` -> ``u.s.``).

    Only abbreviations hold a full stop: it is a boundary everywhere else.
    """
    return word + "." if "." in word and not word.endswith(".") else word


def _classify_other(
    raws: pl.Series, *, user_words: tuple[str, ...], fold_chinese: bool
) -> tuple[np.ndarray, pa.Array]:
    """:func:`classify_flat` of raw tokens with characters beyond ASCII.

    Returns, per token in order, the number of its raw token in ``raws``,
    and the tokens. A raw token holding Han is split into its pieces first
    (Han runs, words, boundary marks); the distinct Han pieces are cut in
    one call; the other words are folded one by one (they are few).
    """
    flat, owner = _split_pieces(raws)
    boundary = flat.str.contains(f"^{BOUNDARY_PATTERN}$").to_numpy()
    han = flat.str.contains(r"^\p{Han}").to_numpy() & ~boundary
    plain = ~boundary & ~han
    # each kind's tokens, keyed by their piece: a stable sort by piece puts them in order
    keys = [np.flatnonzero(boundary), np.flatnonzero(plain)]
    words = flat.filter(plain).to_list()
    folded = {word: _folded(word) for word in set(words)}  # a fifth as many (work reports)
    arrays = [
        pa.nulls(len(keys[0]), type=pa.large_string()),
        pa.array([folded[word] for word in words], pa.large_string()),
    ]
    if han.any():
        at = np.flatnonzero(han)
        encoded = pc.dictionary_encode(flat.filter(han).to_arrow().cast(pa.large_string()))
        counts, words = cut_runs(
            cast(pl.Series, pl.from_arrow(encoded.dictionary)),
            user_words=user_words,
            fold_chinese=fold_chinese,
        )
        run = encoded.indices.to_numpy()
        per_piece = counts[run]
        ends = np.cumsum(per_piece)
        within = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(
            ends - per_piece, per_piece
        )
        starts = np.cumsum(counts) - counts
        keys.append(np.repeat(at, per_piece))
        arrays.append(
            words.cast(pa.large_string()).take(np.repeat(starts[run], per_piece) + within)
        )
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")
    return owner[key[order]], pa.concat_arrays(arrays).take(order)


def _split_pieces(raws: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Each raw token holding Han split by :data:`_SPLIT_PATTERN` (Han runs, words,
    boundary marks), the others whole: the pieces in order, and per piece its raw token.

    A compiled pass over the bytes (:func:`analysis.kernels.scanning.han_pieces`,
    with the scan's character classes and the Han of :func:`_raw_kinds`, which has
    judged every character of these strings); polars' ``extract_all`` took 12 ms
    for the 4,018 such raw tokens of the work reports, this 1.7 ms (Arrow included).
    """
    data, offsets = _utf8_buffers(raws)
    pieces, bounds, owner, known = han_pieces(data, offsets, char_classes(), _HAN_POINTS)
    if known:
        array = pa.LargeStringArray.from_buffers(
            len(owner), pa.py_buffer(bounds), pa.py_buffer(pieces)
        )
        return cast(pl.Series, pl.from_arrow(array)), owner
    return _split_by_regex(raws)  # a character not judged yet (not through _pieces)


def _split_by_regex(raws: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """:func:`_split_pieces` by polars' regex engine (``extract_all``)."""
    frame = pl.DataFrame({"raw": raws, "owner": np.arange(len(raws), dtype=np.int64)})
    split = frame.select(
        "owner",
        pl.when(pl.col("raw").str.contains(r"\p{Han}"))
        .then(pl.col("raw").str.extract_all(_SPLIT_PATTERN))
        .otherwise(pl.concat_list("raw"))
        .alias("piece"),
    ).explode("piece", empty_as_null=False)
    return split["piece"], split["owner"].to_numpy()


def _utf8_buffers(raws: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes and int64 offsets of a polars string column, as Arrow holds them."""
    array = raws.to_arrow().cast(pa.large_string())  # one array, a chunked Series too
    _validity, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.zeros(0, np.uint8)
    return data, offsets


def _folded(piece: str) -> str:
    """A word of a raw token beyond ASCII: case folded, quotes folded, possessive dropped."""
    word = piece.casefold().translate(_FOLD_TABLE)
    if word.endswith("'s") and len(word) > 2:
        word = word[:-2]
    return _stopped(word)


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    """OpenCC's Traditional-to-Simplified converter (``t2s``: characters and phrases)."""
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(runs: Sequence[str]) -> list[str]:
    """Han strings with Traditional characters folded to Simplified by OpenCC (``t2s``).

    One conversion for the whole batch: the strings are joined by line breaks,
    which no Han run holds and OpenCC keeps.

    >>> to_simplified(["經濟發展", "经济", "臺灣"])
    ['经济发展', '经济', '台湾']
    """
    if not runs:
        return []
    folded = _converter().convert("\n".join(runs)).split("\n")
    if len(folded) != len(runs):
        raise ValueError("to_simplified takes strings without line breaks")
    return cast(list[str], folded)


def _segmenter(user_words: tuple[str, ...], fold_chinese: bool = False) -> segmenter.Segmenter:
    """jieba's dictionary with the user's words (normalised, folded to Simplified with
    ``fold_chinese`` as the text is); one per distinct word list (cached)."""
    words = [normalise(word).strip() for word in user_words]
    folded = to_simplified(words) if fold_chinese else words
    return segmenter.segmenter(tuple(word for word in folded if word))


def segment_han(
    runs: Sequence[str], *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[list[str]]:
    """Segment Han-only strings as jieba does (its dictionary, HMM on), one list per run.

    With ``fold_chinese`` Traditional characters are folded to Simplified
    (:func:`to_simplified`) before segmenting: ``經濟`` and ``经济`` are one word.
    """
    counts, words = cut_runs(list(runs), user_words=user_words, fold_chinese=fold_chinese)
    return [[w for w in ws if w.strip()] for ws in _lists(counts, words.to_pylist())]


def tokenize_frame(
    texts: Sequence[str], *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> pl.DataFrame:
    """Token stream of a batch of texts, in reading order.

    Returns a frame with ``doc`` (position of the text in ``texts``) and
    ``token``; a boundary (punctuation, symbol, line break) is the token
    ``None``.

    >>> tokenize_frame(["Xi's high-quality plan."])["token"].to_list()
    ['xi', 'high-quality', 'plan', None]
    """
    raw = extract_raw(texts)
    distinct = raw["raw"].unique(maintain_order=True)
    classified = classify_raw(distinct, user_words=user_words, fold_chinese=fold_chinese)
    mapping = pl.DataFrame(
        {"raw": distinct, "token": classified},
        schema={"raw": pl.String, "token": pl.List(pl.String)},
    )
    return (
        raw.join(mapping, on="raw", how="left", maintain_order="left")
        .select("doc", "token")
        .explode("token", keep_nulls=True, empty_as_null=False)
    )


def tokenize(
    text: str, *, user_words: tuple[str, ...] = (), fold_chinese: bool = False
) -> list[str]:
    """Words of one text by the token rule (boundaries dropped).

    >>> tokenize("The Yangtze River Delta's high-quality development")
    ['the', 'yangtze', 'river', 'delta', 'high-quality', 'development']
    """
    tokens = tokenize_frame([text], user_words=user_words, fold_chinese=fold_chinese)["token"]
    return [t for t in tokens.to_list() if t is not None]


#: Han characters that write numbers (``〇`` is also a Unicode number character).
HAN_NUMERALS = "〇一二三四五六七八九十百千万亿两零"

_HAN_NUMERAL_SET = frozenset(HAN_NUMERALS)

_JOINER_SET = frozenset(_APOSTROPHES + "-\u2010\u2011")


def is_number(token: str) -> bool:
    """True when a token is a pure number (hidden from rankings by default).

    A pure number is made only of Unicode number characters (category N:
    ``0``-``9``, ``²``, ``½``, ``٣``, ``Ⅻ`` ...), possibly joined by internal
    hyphens or apostrophes (``2021-2025``), or only of the Han numerals
    :data:`HAN_NUMERALS` (``一``, ``二十``, ``十四五``). A space-separated
    phrase is a number when each of its words is.

    >>> [is_number(t) for t in ("000", "1990", "2021-2025", "二十", "g60", "一带一路")]
    [True, True, True, True, False, False]
    """
    return bool(token) and all(_is_number_word(word) for word in token.split(" "))


def _is_number_word(word: str) -> bool:
    if word and set(word) <= _HAN_NUMERAL_SET:
        return True
    digits = [unicodedata.category(c).startswith("N") for c in word]
    if not digits or not digits[0] or not digits[-1]:
        return False
    # anything but a number character must be a lone joiner between two of them
    return all(d or (c in _JOINER_SET and digits[i - 1] and digits[i + 1])
               for i, (c, d) in enumerate(zip(word, digits, strict=True)))  # fmt: skip


def is_han(token: str) -> bool:
    """True when the token contains a Han character (a Chinese term)."""
    return bool(_HAN_RE.search(token))


def join_tokens(tokens: Iterable[str], *, han: Sequence[bool] | None = None) -> str:
    """Display form of a phrase: Chinese words join without spaces.

    ``han`` gives each token's :func:`is_han` when it is known already.

    >>> join_tokens(["yangtze", "river"]), join_tokens(["高质量", "发展"])
    ('yangtze river', '高质量发展')
    """
    tokens = list(tokens)
    flags = [is_han(token) for token in tokens] if han is None else han
    if all(flags):  # a Chinese phrase (most phrases of a Chinese corpus)
        return "".join(tokens)
    if not any(flags) and all(tokens):  # an English one
        return " ".join(tokens)
    out = ""
    previous_han = False
    for token, token_han in zip(tokens, flags, strict=True):
        if out and not (token_han and previous_han):
            out += " "
        out += token
        previous_han = token_han
    return out
