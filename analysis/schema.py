"""Column names shared by every layer: the tidy tables are the contract.

Each constant is the name of one column; the groups at the bottom list the
columns a table carries, in order.
"""

from __future__ import annotations

# Corpus: one row per document.
DOC_ID = "doc_id"
DATE = "date"
DATE_PRECISION = "date_precision"
TITLE = "title"
SOURCE = "source"
TEXT = "text"
CORPUS_COLUMNS = (DOC_ID, DATE, DATE_PRECISION, TITLE, SOURCE, TEXT)

# Ingest report (the ledger): one row per input unit.
UNIT = "unit"
FILE = "file"
LINE = "line"
LOCATION = "location"
STATUS = "status"
REASON = "reason"
DUPLICATE_OF = "duplicate_of"
REPORT_COLUMNS = (UNIT, FILE, LINE, LOCATION, STATUS, REASON, DOC_ID, DUPLICATE_OF)

LOADED = "loaded"
QUARANTINED = "quarantined"
DUPLICATE = "duplicate"
UNDATED = "undated"  # a reason recorded on a loaded unit, not a status

# Vocabulary and term tables.
TERM = "term"
KIND = "kind"
LANGUAGE = "language"
COUNT = "count"
PER_MILLION = "per_million"
DOCS = "docs"
TFIDF = "tfidf"
WORD = "word"
PHRASE = "phrase"
TERM_COLUMNS = (TERM, KIND, COUNT, PER_MILLION, DOCS, TFIDF)

# Passages: paragraph spans of a document's text.
PASSAGE = "passage"
START = "start"
END = "end"

# Periods.
PERIOD = "period"
TOKENS = "tokens"
DOCUMENTS = "documents"

# Trends: one row per period and term (or theme).
DOC_SHARE = "doc_share"
PERIOD_TOKENS = "period_tokens"
PERIOD_DOCS = "period_docs"
THIN = "thin"
SMOOTHED = "smoothed"  # moving average of per_million
SMOOTHED_DOC_SHARE = "smoothed_doc_share"
SMOOTHED_COUNT = "smoothed_count"
TREND_COLUMNS = (
    PERIOD,
    TERM,
    COUNT,
    PER_MILLION,
    DOC_SHARE,
    DOCS,
    PERIOD_TOKENS,
    PERIOD_DOCS,
    THIN,
)

# Frequency comparisons (emerging terms, keyness, collocates).
COUNT_BEFORE = "count_before"
LL = "ll"
LOG_RATIO = "log_ratio"
P = "p"
EMERGING_COLUMNS = (TERM, KIND, COUNT, COUNT_BEFORE, LL, LOG_RATIO, P)

# Comparison: keyness between two slices.
GROUP = "group"
COUNT_A = "count_a"
COUNT_B = "count_b"
DOCS_A = "docs_a"
DOCS_B = "docs_b"
SIGNIFICANT = "significant"
KEYNESS_COLUMNS = (TERM, KIND, COUNT_A, COUNT_B, LL, P, LOG_RATIO, DOCS_A, DOCS_B, SIGNIFICANT)
# Keyness of each group against the rest (analysis.groups), as the CLI prints it.
COUNT_REST = "count_rest"
TOKENS_REST = "tokens_rest"
GROUP_KEYNESS_COLUMNS = (
    GROUP, TERM, COUNT, COUNT_REST, TOKENS, TOKENS_REST, LL, P, LOG_RATIO, DOCS,
)  # fmt: skip

# Similarity, text reuse and near duplicates.
SIMILARITY = "similarity"
DOC_A = "doc_a"
DOC_B = "doc_b"
NEAREST_COLUMNS = (DOC_ID, TITLE, DATE, SOURCE, SIMILARITY)
START_A = "start_a"
END_A = "end_a"
START_B = "start_b"
END_B = "end_b"
TEXT_A = "text_a"
TEXT_B = "text_b"
SHARED_COLUMNS = (START_A, END_A, START_B, END_B, TOKENS, TEXT_A, TEXT_B)
DUPLICATE_COLUMNS = (DOC_A, DOC_B, SIMILARITY)
