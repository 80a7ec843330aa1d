"""The token rule, in one place: its patterns and step 1 (normalisation).

Token rule (documented in README; an independent implementation must
reproduce it, and ``tests/analysis/test_text.py`` checks one):

1. Unicode NFKC, then full case folding (``str.casefold``); curly quotes fold
   to ``'`` and ``"``, the Unicode hyphens U+2010/U+2011 to ``-``.
2. A word is a run of letters, marks and digits (any script but Han) with
   internal hyphens or apostrophes kept: ``high-quality``, ``sci-tech``,
   ``g60`` are one token each. A dotted abbreviation (single letters each
   followed by a full stop, at least two: ``U.S.``, ``e.g.``; the last stop
   may be missing where no word character follows) is one token ending in
   its stop (``u.s.``), and is tried first; failing that, a capital with a
   full stop is an initial (``S. Africa``, ``S.Korea`` give ``s.``). A
   joiner followed by an abbreviation joins nothing (``China-U.S.``).
3. A possessive ``'s`` at the end of a word is removed (``region's`` ->
   ``region``; ``it's`` -> ``it`` too: the rule cannot tell them apart).
4. A run of Han characters is segmented as jieba 0.42.1 cuts it (its default
   dictionary and HMM, plus any user words; :mod:`analysis.segmenter`): a Han
   character outside jieba's range (U+4E00-U+9FD5) is a word of its own;
   full-width punctuation is dropped.
   Optionally (``fold_chinese``, off by default) Traditional characters are
   first folded to Simplified with OpenCC (``t2s``), user words too.
5. Punctuation and symbols are not tokens, but they are boundaries: no
   phrase spans them (nor a line break).

Tokenising is vectorised: a batch of texts is scanned at once by one
compiled pass over its UTF-8 bytes (:func:`analysis.scan.scan`; no per-document Python
loop), whose character classes are read off :data:`SCAN_PATTERN` by
polars' regex engine; per-token Python work (folding, segmenting) is done once
per distinct raw token of the batch.
"""

from __future__ import annotations

import re
import unicodedata

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

_ANY_WORD_CHARS = r"\p{L}\p{M}\p{N}"

_APOSTROPHES = "'\u2018\u2019\u201b"

_JOINERS = f"{_APOSTROPHES}\\-\u2010\u2011"

_LETTERS = r"\p{L}--\p{Han}"

#: Capital letters (Han has none): a capital with a full stop is an initial.
_CAPITALS = r"\p{Lu}\p{Lt}"

_DOT = r"\."

#: A dotted abbreviation, tried before a word so it wins: single letters (not
#: Han) each followed by a full stop, two letters at least (``U.S.``,
#: ``e.g.``, ``U.S.A.``), the last stop left out only where no word
#: character follows (``U.S`` in "the U.S say"), and a possessive ``'s``
#: right after it; or else one capital letter and its full stop, an initial
#: (``S.`` in ``S. Africa``, ``S.Korea``, ``George W. Bush``). Its token
#: always ends with the stop (``u.s``, as written, counts as ``u.s.``). None
#: starts right after a Han character (``中S.`` is ``中``, ``s`` and a mark):
#: the scan reads Han and other letters as one run there.
ABBREVIATION_PATTERN = (
    r"(?<!\p{Han})"
    rf"(?:[{_LETTERS}](?:{_DOT}[{_LETTERS}])+(?:{_DOT}|(?![{_ANY_WORD_CHARS}]))"
    rf"(?:[{_APOSTROPHES}][sS])?|[{_CAPITALS}]{_DOT})"
)

#: A word: internal joiners kept, except one that an abbreviation follows
#: (``China-U.S.`` is ``china`` and ``u.s.``).
WORD_PATTERN = rf"[{_WORD_CHARS}]+(?:[{_JOINERS}](?!{ABBREVIATION_PATTERN})[{_WORD_CHARS}]+)*"

HAN_PATTERN = r"\p{Han}+"

BOUNDARY_PATTERN = r"[\p{P}\p{S}\n]"

#: The whole rule as one pattern (``regex`` module, ``regex.V1``): abbreviations,
#: words, Han runs and boundary marks. It runs on NFKC text before case
#: folding (a letter of an abbreviation is one letter as written: ``ß.x.``
#: is one, and capitals are capitals); folding is done per distinct token
#: afterwards.
TOKEN_PATTERN = f"{ABBREVIATION_PATTERN}|{WORD_PATTERN}|{HAN_PATTERN}|{BOUNDARY_PATTERN}"

#: How a raw word token of the scan that holds Han characters is split
#: (polars, whose engine has no look-around): a raw word token holds no full
#: stop, so no abbreviation, and the pattern gives what TOKEN_PATTERN would.
_SPLIT_PATTERN = (
    rf"[{_WORD_CHARS}]+(?:[{_JOINERS}][{_WORD_CHARS}]+)*|{HAN_PATTERN}|{BOUNDARY_PATTERN}"
)

#: The fast scan (``regex`` module, ``regex.V1``; :mod:`analysis.kernels`
#: runs it compiled): abbreviations, runs of word characters of any script,
#: and boundary marks.
SCAN_PATTERN = (
    rf"{ABBREVIATION_PATTERN}|"
    rf"[{_ANY_WORD_CHARS}]+(?:[{_JOINERS}](?!{ABBREVIATION_PATTERN})[{_ANY_WORD_CHARS}]+)*"
    rf"|{BOUNDARY_PATTERN}"
)

#: Bump when the token rule changes: saved indexes made under another rule are not reused.
#: 5: Han runs cut by jieba's own algorithm (rjieba kept runs of characters
#: beyond U+9FD5 whole).
RULE_VERSION = 5

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
