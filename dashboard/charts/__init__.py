"""Tidy tables -> plotly figures and word-cloud images, one module per analysis. No streamlit.

Every builder is pure: it reads the table it is given, never changes it, and
returns a new figure drawn with the one theme of :mod:`dashboard.charts.theme`,
every data string escaped (no ``<a>`` or ``<br>`` from a document or a link).
"""

from dashboard.charts.compare import (
    ABSENT_COUNT,
    LABEL_CHARS,
    ROW_PIXELS,
    SIDE_COLORS,
    SIMILARITY_SCALE,
    doc_labels,
    plot_dendrogram,
    plot_keyness_bars,
    plot_keyness_scatter,
    plot_similarity_heatmap,
)
from dashboard.charts.contexts import plot_collocates
from dashboard.charts.dispersion import (
    MAX_DISPERSION_ROWS,
    dispersion_documents,
    plot_dispersion,
)
from dashboard.charts.groups import plot_group_keyness
from dashboard.charts.periods import period_label, plot_documents_per_period
from dashboard.charts.spread import plot_reuse_lag, plot_uptake
from dashboard.charts.terms import build_wordcloud, plot_terms, render_wordcloud
from dashboard.charts.theme import (
    FONT_FAMILY,
    KIND_COLORS,
    PERIOD_COLOR,
    SERIES_COLORS,
    TEMPLATE,
    WORDCLOUD_COLORMAP,
)
from dashboard.charts.topics import plot_topic_timeline
from dashboard.charts.trends import HOVER_EXPANSIONS, THIN_NOTE, TREND_MEASURES, plot_trends

__all__ = [
    "ABSENT_COUNT",
    "FONT_FAMILY",
    "HOVER_EXPANSIONS",
    "KIND_COLORS",
    "LABEL_CHARS",
    "MAX_DISPERSION_ROWS",
    "PERIOD_COLOR",
    "ROW_PIXELS",
    "SERIES_COLORS",
    "SIDE_COLORS",
    "SIMILARITY_SCALE",
    "TEMPLATE",
    "THIN_NOTE",
    "TREND_MEASURES",
    "WORDCLOUD_COLORMAP",
    "build_wordcloud",
    "dispersion_documents",
    "doc_labels",
    "period_label",
    "plot_collocates",
    "plot_dendrogram",
    "plot_dispersion",
    "plot_documents_per_period",
    "plot_group_keyness",
    "plot_keyness_bars",
    "plot_keyness_scatter",
    "plot_reuse_lag",
    "plot_similarity_heatmap",
    "plot_terms",
    "plot_topic_timeline",
    "plot_trends",
    "plot_uptake",
    "render_wordcloud",
]
