"""Text analytics for dated document corpora: the computing half of the dashboard.

Pure Python over pandas, numpy, scipy, polars and scikit-learn; never imports
streamlit or plotly. Data flows one way::

    corpus (load, ledger) -> text (token rule) -> phrases -> index (counts)
        -> selection (filters -> mask) -> terms, contexts (tidy tables)
"""

from analysis.contexts import term_spans
from analysis.corpus import SAMPLES, LoadedCorpus, load_corpus, load_uploads, parse_dates
from analysis.errors import AnalysisError, CorpusError, EmptySelectionError, OptionError
from analysis.index import (
    CorpusIndex,
    IndexSettings,
    build_index,
    default_cache_dir,
    load_index,
    save_index,
)
from analysis.phrases import PhraseOptions
from analysis.selection import Filters, select
from analysis.tabular import neutralise_cell, neutralise_formulas
from analysis.terms import (
    corpus_summary,
    distinctive_terms,
    documents_per_period,
    documents_with_term,
    term_frequencies,
    wordcloud_frequencies,
)
from analysis.text import default_stopwords, normalise, parse_stopwords, tokenize

__all__ = [
    "SAMPLES",
    "AnalysisError",
    "CorpusError",
    "CorpusIndex",
    "EmptySelectionError",
    "Filters",
    "IndexSettings",
    "LoadedCorpus",
    "OptionError",
    "PhraseOptions",
    "build_index",
    "corpus_summary",
    "default_cache_dir",
    "default_stopwords",
    "distinctive_terms",
    "documents_per_period",
    "documents_with_term",
    "load_corpus",
    "load_index",
    "load_uploads",
    "neutralise_cell",
    "neutralise_formulas",
    "normalise",
    "parse_dates",
    "parse_stopwords",
    "save_index",
    "select",
    "term_frequencies",
    "term_spans",
    "tokenize",
    "wordcloud_frequencies",
]
