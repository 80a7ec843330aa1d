"""Limits a hosted dashboard enforces on what one user may load or ask for.

:class:`IngestLimits` holds every limit with its default; the host overrides
any of them with an environment variable (:data:`LIMIT_VARIABLES`, one row per
limit, is the one place a limit is declared: README's "Limits" table is held
to it by a test). :func:`~analysis.corpus.load_corpus` and
:func:`~analysis.corpus.load_uploads` apply the archive and spreadsheet limits
(and ``load_uploads`` the per-upload ones); :func:`check_user_terms` bounds
user phrases, words and stopwords; :func:`~analysis.index.build_index` keeps
the index cache under :attr:`IngestLimits.cache_bytes`.

A limit crossed never leaves half an input loaded: the archive, workbook or
upload is refused whole, with a ledger row whose reason starts ``refused:``,
names the limit and its variable, and says what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Protocol

from analysis.errors import OptionError

__all__ = [
    "LIMIT_VARIABLES",
    "IngestLimits",
    "TermSettings",
    "check_user_terms",
    "estimate_tokens",
]

_MIB = 1 << 20
_GIB = 1 << 30

#: UTF-8 bytes per token in the cheap estimate made before an index is built:
#: English runs about 6 bytes a token (word, space, punctuation), Chinese about 4.5.
BYTES_PER_TOKEN = 5


@dataclass(frozen=True)
class IngestLimits:
    """The limits, each overridable by the environment variable in :data:`LIMIT_VARIABLES`.

    Attributes
    ----------
    archive_bytes
        Bytes one archive (``.zip`` or ``.gz``, nested archives and the parts of
        ``.xlsx``/``.docx`` members included) may expand to, counted as they are
        decompressed: 1 GiB.
    archive_ratio
        Expanded bytes per compressed byte of one archive: 100 (text zips run
        3-10; archive bombs thousands).
    archive_ratio_after
        The ratio is checked once an archive has expanded past this: 10 MiB
        (a tiny archive of repeated text may be far over 100 and harmless).
    archive_members
        Files in one archive, nested archives' files included: 10,000.
    archive_depth
        Archives inside archives: 3 (``a.zip!b.zip!c.zip!x.txt`` is depth 3).
    sheet_rows
        Rows holding a value in one worksheet: 200,000.
    sheet_columns
        The furthest column holding a value in a worksheet: 1,000. Only cells
        that hold a value count; the sheet's declared dimension is never read.
    sheet_cells
        Cells laid out for one worksheet (each row as wide as its last value):
        20,000,000.
    upload_bytes
        Bytes of one upload, all files together, as sent: 200 MiB (Streamlit's
        ``server.maxUploadSize = 200`` in ``.streamlit/config.toml`` bounds each file
        to the same; keep the two equal).
    upload_documents
        Documents one upload may hold: 200,000.
    upload_tokens
        Tokens one upload may hold, estimated from its texts' UTF-8 bytes
        (:func:`estimate_tokens`) before any index is built: 50,000,000.
    user_phrases, user_phrase_chars
        User phrases per index, and characters per phrase: 200 and 100.
    user_words, user_word_chars
        User dictionary words per index, and characters per word: 2,000 and 50.
    stopwords, stopword_chars
        Stopwords added by the user, and characters per stopword: 2,000 and 50.
    cache_bytes
        Bytes the index cache folder may hold; beyond it the least recently
        used indexes are removed: 10 GiB.

    Examples
    --------
    >>> IngestLimits().archive_depth
    3
    >>> IngestLimits.from_environment({"DASHBOARD_MAX_ARCHIVE_DEPTH": "1"}).archive_depth
    1
    """

    archive_bytes: int = _GIB
    archive_ratio: float = 100.0
    archive_ratio_after: int = 10 * _MIB
    archive_members: int = 10_000
    archive_depth: int = 3
    sheet_rows: int = 200_000
    sheet_columns: int = 1_000
    sheet_cells: int = 20_000_000
    upload_bytes: int = 200 * _MIB
    upload_documents: int = 200_000
    upload_tokens: int = 50_000_000
    user_phrases: int = 200
    user_phrase_chars: int = 100
    user_words: int = 2_000
    user_word_chars: int = 50
    stopwords: int = 2_000
    stopword_chars: int = 50
    cache_bytes: int = 10 * _GIB

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> IngestLimits:
        """The defaults, with each limit whose variable is set in ``environ`` (``os.environ``).

        Raises
        ------
        OptionError
            A variable is set to something other than a positive number.
        """
        environ = os.environ if environ is None else environ
        changes: dict[str, float | int] = {}
        for item in fields(cls):
            variable = LIMIT_VARIABLES[item.name]
            raw = environ.get(variable, "").strip()
            if not raw:
                continue
            number: float | int
            try:
                number = float(raw) if item.type == "float" else int(raw.replace("_", ""))
            except ValueError:
                number = 0
            if not number > 0:
                raise OptionError(
                    f"{variable}={raw!r} is not a positive "
                    f"{'number' if item.type == 'float' else 'whole number'}. "
                    f"Set it to one (the default is {getattr(cls(), item.name)}), or unset it."
                )
            changes[item.name] = number
        return replace(cls(), **changes)  # type: ignore[arg-type]  # field types checked above


#: The environment variable of every limit (one row per field of :class:`IngestLimits`).
LIMIT_VARIABLES: dict[str, str] = {
    "archive_bytes": "DASHBOARD_MAX_ARCHIVE_BYTES",
    "archive_ratio": "DASHBOARD_MAX_ARCHIVE_RATIO",
    "archive_ratio_after": "DASHBOARD_ARCHIVE_RATIO_AFTER_BYTES",
    "archive_members": "DASHBOARD_MAX_ARCHIVE_MEMBERS",
    "archive_depth": "DASHBOARD_MAX_ARCHIVE_DEPTH",
    "sheet_rows": "DASHBOARD_MAX_SHEET_ROWS",
    "sheet_columns": "DASHBOARD_MAX_SHEET_COLUMNS",
    "sheet_cells": "DASHBOARD_MAX_SHEET_CELLS",
    "upload_bytes": "DASHBOARD_MAX_UPLOAD_BYTES",
    "upload_documents": "DASHBOARD_MAX_UPLOAD_DOCUMENTS",
    "upload_tokens": "DASHBOARD_MAX_UPLOAD_TOKENS",
    "user_phrases": "DASHBOARD_MAX_USER_PHRASES",
    "user_phrase_chars": "DASHBOARD_MAX_USER_PHRASE_CHARS",
    "user_words": "DASHBOARD_MAX_USER_WORDS",
    "user_word_chars": "DASHBOARD_MAX_USER_WORD_CHARS",
    "stopwords": "DASHBOARD_MAX_STOPWORDS",
    "stopword_chars": "DASHBOARD_MAX_STOPWORD_CHARS",
    "cache_bytes": "DASHBOARD_CACHE_MAX_BYTES",
}


def variable(name: str) -> str:
    """The environment variable of limit ``name`` (a field of :class:`IngestLimits`)."""
    return LIMIT_VARIABLES[name]


def refusal(detail: str, name: str, limit: str, fix: str) -> str:
    """A ledger reason for a unit refused by limit ``name``: ``refused: <detail>, over ...``."""
    return (
        f"refused: {detail}, over the limit of {limit} ({variable(name)}); {fix}, "
        "or ask the host to raise the limit"
    )


def estimate_tokens(text: str) -> int:
    """Tokens a text will give, estimated from its UTF-8 size (no tokenising).

    Examples
    --------
    >>> estimate_tokens("High-quality development of the Yangtze River Delta.")
    11
    """
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return -(-size // BYTES_PER_TOKEN)


class TermSettings(Protocol):
    """What :func:`check_user_terms` reads: an :class:`~analysis.corpus_index.IndexSettings`."""

    @property
    def user_phrases(self) -> tuple[str, ...]: ...

    @property
    def user_words(self) -> tuple[str, ...]: ...


def check_user_terms(
    settings: TermSettings,
    *,
    stopwords: Iterable[str] = (),
    limits: IngestLimits | None = None,
) -> None:
    """Refuse user phrases, words or stopwords beyond the limits, naming the fix.

    Parameters
    ----------
    settings
        An :class:`~analysis.corpus_index.IndexSettings` (its ``user_phrases`` and
        ``user_words`` are checked).
    stopwords
        Stopwords the user added (not the default list).
    limits
        By default :meth:`IngestLimits.from_environment`.

    Raises
    ------
    OptionError
        Too many entries, or one too long; the message says which and how many.

    Examples
    --------
    >>> from analysis.corpus_index import IndexSettings
    >>> check_user_terms(IndexSettings(user_phrases=("yangtze river delta",)))
    >>> check_user_terms(IndexSettings(user_words=("x" * 60,)))
    Traceback (most recent call last):
    ...
    analysis.errors.OptionError: A user word is 60 characters long (...), over the limit
    of 50 (DASHBOARD_MAX_USER_WORD_CHARS). Shorten it or remove it.
    """
    limits = limits or IngestLimits.from_environment()
    groups = (
        ("user phrase", tuple(settings.user_phrases), "user_phrases", "user_phrase_chars"),
        ("user word", tuple(settings.user_words), "user_words", "user_word_chars"),
        ("added stopword", tuple(stopwords), "stopwords", "stopword_chars"),
    )
    for what, values, count_name, chars_name in groups:
        most = getattr(limits, count_name)
        if len(values) > most:
            raise OptionError(
                f"{len(values):,} {what}s were given, over the limit of {most:,} "
                f"({variable(count_name)}). Remove some of them."
            )
        longest = getattr(limits, chars_name)
        for value in values:
            if len(value) > longest:
                shown = value[:20] + ("…" if len(value) > 20 else "")
                raise OptionError(
                    f"A {what} is {len(value):,} characters long ({shown!r}), over the "
                    f"limit of {longest:,} ({variable(chars_name)}). Shorten it or remove it."
                )
