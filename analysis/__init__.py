"""Text analytics for dated document corpora: the computing half of the dashboard.

Pure Python over pandas, numpy, scipy, polars and scikit-learn; never imports
streamlit or plotly. Data flows one way::

    corpus (load, ledger) -> text (token rule) -> phrases -> index (counts)
        -> selection (filters -> mask) -> terms, trends, topics, contexts, kwic, compare

Each analysis returns a tidy table, or a frozen dataclass of the table and what
it has to say beside the rows (``TrendResult``, ``PeriodTable``,
``KeynessResult``, ``KwicResult``, ``CollocateResult``, ``EmergingResult``,
``DispersionResult``).
:mod:`analysis.stats` holds the frequency-comparison statistics they share.
"""

from analysis.contexts import CollocateResult, collocates, term_spans, term_spans_of
from analysis.corpus import (
    SAMPLES,
    LoadedCorpus,
    library_entries,
    load_corpus,
    load_uploads,
    parse_dates,
)
from analysis.corpus_index import CorpusIndex, IndexSettings
from analysis.dispersion import DISPERSION_COLUMNS, DispersionResult, dispersion
from analysis.documents import (
    LIST_SORTS,
    concordance,
    document_list,
    telling_column,
    telling_lines,
    with_column,
)
from analysis.duplicates import collapse_duplicates, near_duplicates
from analysis.errors import (
    AnalysisError,
    CorpusError,
    EmptySelectionError,
    LimitError,
    OptionError,
)
from analysis.groups import (
    PERIOD_FIELD,
    FieldKeyness,
    Groups,
    field_keyness,
    group_keyness,
    group_masks,
    grouping_fields,
)
from analysis.index import build_index
from analysis.keyness import KeynessResult, keyness
from analysis.kwic import KWIC_COLUMNS, KwicResult, kwic
from analysis.limits import IngestLimits, check_user_terms
from analysis.memory import freeze_imports, freeze_imports_once, prefer_small_pages
from analysis.periods import Granularity, PeriodTable, period_mask, placeable
from analysis.phrases import PhraseOptions
from analysis.query import (
    SYNTAX_HELP,
    Query,
    QueryPart,
    count_query,
    parse_query,
    query_matches,
    split_query,
)
from analysis.reference import ReferenceKeyness, reference_keyness
from analysis.reuse import shared_passages
from analysis.reuse_lag import ReuseLag, reuse_lag
from analysis.rule import normalise
from analysis.selection import (
    MAX_FILTER_VALUES,
    Filters,
    add_meta_argument,
    filter_choices,
    parse_meta,
    parse_slice,
    select,
    unique_documents,
)
from analysis.similarity import (
    cluster_documents,
    document_similarity,
    group_similarity,
    nearest_documents,
)
from analysis.spread import (
    Spread,
    default_group,
    formulation_query,
    formulation_spread,
    group_columns,
    parse_formulation,
)
from analysis.stats import log_likelihood, log_ratio, p_value
from analysis.stopwords import default_stopwords, parse_stopwords
from analysis.store import (
    CacheNotice,
    default_cache_dir,
    evict_cache,
    load_index,
    save_index,
    saved_index_path,
)
from analysis.tabular import neutralise_cell, neutralise_formulas
from analysis.terms import (
    corpus_summary,
    distinctive_terms,
    documents_per_period,
    documents_with_term,
    term_frequencies,
    wordcloud_frequencies,
)
from analysis.text import is_han, is_number, tokenize
from analysis.topic_fit import prepare_fit
from analysis.topics import (
    TopicModel,
    default_k,
    fit_topics,
    representative_passages,
    start_topics,
    topics_over_time,
)
from analysis.trends import (
    EmergingResult,
    Theme,
    TrendResult,
    emerging_terms,
    left_out_note,
    parse_themes,
    term_trends,
)
from analysis.worker import index_into_cache, prepare_worker, read_progress

# every process that computes imports this package first: see analysis.memory
prefer_small_pages()
freeze_imports()  # last: the objects of every module imported above

__all__ = [
    "DISPERSION_COLUMNS",
    "KWIC_COLUMNS",
    "LIST_SORTS",
    "MAX_FILTER_VALUES",
    "PERIOD_FIELD",
    "SAMPLES",
    "SYNTAX_HELP",
    "AnalysisError",
    "CacheNotice",
    "CollocateResult",
    "CorpusError",
    "CorpusIndex",
    "DispersionResult",
    "EmergingResult",
    "EmptySelectionError",
    "FieldKeyness",
    "Filters",
    "Granularity",
    "Groups",
    "IndexSettings",
    "IngestLimits",
    "KeynessResult",
    "KwicResult",
    "LimitError",
    "LoadedCorpus",
    "OptionError",
    "PeriodTable",
    "PhraseOptions",
    "Query",
    "QueryPart",
    "ReferenceKeyness",
    "ReuseLag",
    "Spread",
    "Theme",
    "TopicModel",
    "TrendResult",
    "add_meta_argument",
    "build_index",
    "check_user_terms",
    "cluster_documents",
    "collapse_duplicates",
    "collocates",
    "concordance",
    "corpus_summary",
    "count_query",
    "default_cache_dir",
    "default_group",
    "default_k",
    "default_stopwords",
    "dispersion",
    "distinctive_terms",
    "document_list",
    "document_similarity",
    "documents_per_period",
    "documents_with_term",
    "emerging_terms",
    "evict_cache",
    "field_keyness",
    "filter_choices",
    "fit_topics",
    "formulation_query",
    "formulation_spread",
    "freeze_imports_once",
    "group_columns",
    "group_keyness",
    "group_masks",
    "group_similarity",
    "grouping_fields",
    "index_into_cache",
    "is_han",
    "is_number",
    "keyness",
    "kwic",
    "left_out_note",
    "library_entries",
    "load_corpus",
    "load_index",
    "load_uploads",
    "log_likelihood",
    "log_ratio",
    "near_duplicates",
    "nearest_documents",
    "neutralise_cell",
    "neutralise_formulas",
    "normalise",
    "p_value",
    "parse_dates",
    "parse_formulation",
    "parse_meta",
    "parse_query",
    "parse_slice",
    "parse_stopwords",
    "parse_themes",
    "period_mask",
    "placeable",
    "prepare_fit",
    "prepare_worker",
    "query_matches",
    "read_progress",
    "reference_keyness",
    "representative_passages",
    "reuse_lag",
    "save_index",
    "saved_index_path",
    "select",
    "shared_passages",
    "split_query",
    "start_topics",
    "telling_column",
    "telling_lines",
    "term_frequencies",
    "term_spans",
    "term_spans_of",
    "term_trends",
    "tokenize",
    "topics_over_time",
    "unique_documents",
    "with_column",
    "wordcloud_frequencies",
]
