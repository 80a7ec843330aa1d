"""Term tables as bar charts and word clouds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import (
    KIND_COLORS,
    WORDCLOUD_COLORMAP,
    builder,
    figure,
    themed_layout,
    trace,
)

if TYPE_CHECKING:
    from PIL.Image import Image
    from wordcloud import WordCloud


@builder
def plot_terms(
    table: pd.DataFrame,
    *,
    top: int = 20,
    value: str = schema.COUNT,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bar chart of the ``top`` rows of a term table.

    Parameters
    ----------
    table : DataFrame
        A ``term_frequencies`` table: ``term, kind, count, per_million, docs``,
        already sorted (the first rows are drawn, the first at the top).
    top : int
        How many terms to draw.
    value : str
        The column the bars measure (``count`` or ``per_million``).
    title : str, optional
        Figure title; a default names the measure.

    Returns
    -------
    go.Figure
        One bar trace per kind (``word``, ``phrase``) so the legend tells them
        apart; each bar carries its term in ``customdata`` for click-through.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["river", "yangtze river"], "kind": ["word", "phrase"],
    ...                   "count": [3, 2], "per_million": [30.0, 20.0], "docs": [2, 1]})
    >>> [trace.name for trace in plot_terms(t).data]
    ['word', 'phrase']
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}. Ask for one term or more.")
    shown = table.head(top)
    order = list(shown[schema.TERM])
    traces = []
    for kind in (schema.WORD, schema.PHRASE):
        rows = shown[shown[schema.KIND] == kind]
        if rows.empty:
            continue
        traces.append(
            trace(
                "bar",
                name=kind,
                x=rows[value].tolist(),
                y=rows[schema.TERM].tolist(),
                orientation="h",
                marker={"color": KIND_COLORS[kind]},
                customdata=rows[[schema.TERM, schema.COUNT, schema.PER_MILLION, schema.DOCS]]
                .to_numpy()
                .tolist(),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>count %{customdata[1]:,}"
                    "<br>per million %{customdata[2]:,.1f}<br>documents %{customdata[3]:,}"
                    "<extra>" + kind + "</extra>"
                ),
            )
        )
    measure = "occurrences" if value == schema.COUNT else "per million tokens"
    layout = themed_layout(
        title=title or f"Top {len(order)} terms ({measure})",
        barmode="overlay",
        height=max(320, 60 + 22 * len(order)),
        showlegend=True,
        clickmode="event+select",
        yaxis={
            "categoryorder": "array",
            "categoryarray": order[::-1],
            "title": {"text": ""},
            "automargin": True,
        },
        xaxis={"title": {"text": measure}, "rangemode": "tozero"},
    )
    return figure(*traces, layout=layout)


def build_wordcloud(
    freqs: Mapping[str, float],
    *,
    font_path: str | None,
    width: int = 900,
    height: int = 450,
    max_words: int = 200,
) -> WordCloud:
    """A laid-out ``WordCloud`` for term weights (``wordcloud_frequencies`` output).

    Each key is drawn as one item, so a phrase such as "yangtze river delta"
    stays whole (``layout_`` lists what was placed). Chinese terms need
    ``font_path`` to name a CJK font (see :func:`find_cjk_font`); with ``None``
    the library's Latin font is used and Han characters show as boxes. The
    layout is seeded: the same input gives the same picture.

    Raises
    ------
    ValueError
        If ``freqs`` holds no term with a positive weight.
    """
    from wordcloud import WordCloud

    weights = {term: float(w) for term, w in freqs.items() if w > 0}
    if not weights:
        raise ValueError("No term to draw. Widen the selection or show more terms.")
    cloud = WordCloud(
        font_path=font_path,
        width=width,
        height=height,
        max_words=max_words,
        background_color="white",
        colormap=WORDCLOUD_COLORMAP,
        prefer_horizontal=0.95,
        random_state=7,
        collocations=False,
        normalize_plurals=False,
    )
    return cloud.generate_from_frequencies(weights)


def render_wordcloud(
    freqs: Mapping[str, float],
    *,
    font_path: str | None,
    width: int = 900,
    height: int = 450,
    max_words: int = 200,
) -> Image:
    """The word-cloud picture of :func:`build_wordcloud` as a PIL image."""
    cloud = build_wordcloud(
        freqs, font_path=font_path, width=width, height=height, max_words=max_words
    )
    return cast("Image", cloud.to_image())
