"""Tidy tables -> plotly figures and word-cloud images. Never imports streamlit.

Every builder is pure: it reads the table it is given, never changes it, and
returns a new figure drawn with the one theme below. The template is set
explicitly because ``import streamlit`` changes plotly's default template, and
exported images must look like the screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.escape import svg

if TYPE_CHECKING:
    from PIL.Image import Image
    from wordcloud import WordCloud

TEMPLATE = "plotly_white"
FONT_FAMILY = "Noto Sans, Noto Sans CJK SC, Arial, sans-serif"
KIND_COLORS = {schema.WORD: "#3366aa", schema.PHRASE: "#e07b1a"}
PERIOD_COLOR = "#3366aa"
WORDCLOUD_COLORMAP = "tab10"


#: Trace properties whose strings plotly draws (and reads as pseudo-HTML). ``hovertemplate``
#: is not among them: it is written here, never taken from data, and its ``%{...}`` values
#: are the escaped ``customdata``/``x``/``y``/``text``.
_TRACE_TEXT = ("name", "text", "hovertext", "x", "y", "customdata", "labels", "legendgroup")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return svg(value)
    if isinstance(value, np.ndarray):
        return np.array([_escaped(v) for v in value.tolist()], dtype=object)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def _inert(fig: go.Figure) -> go.Figure:
    """Escape every drawn string of ``fig`` that could come from a document or a link.

    Terms, titles, sources, ids and topic labels reach trace names, category
    axes, hover values and titles; plotly would turn ``<a href>`` in them into
    a live SVG link and ``<br>`` into a line break. Clicked ``customdata``
    comes back escaped: read it with :func:`dashboard.escape.unsvg`.
    """
    for trace in fig.data:
        for prop in _TRACE_TEXT:
            value = trace[prop] if prop in trace else None  # noqa: SIM401  (no .get on traces)
            if value is not None:
                trace[prop] = _escaped(value)
    layout = fig.layout
    if layout.title.text:
        layout.title.text = svg(layout.title.text)
    for name in layout:
        if not (name.startswith("xaxis") or name.startswith("yaxis")):
            continue
        axis = layout[name]
        if axis.title.text:
            axis.title.text = svg(axis.title.text)
        for prop in ("ticktext", "categoryarray"):
            if axis[prop] is not None:
                axis[prop] = _escaped(axis[prop])
    for note in layout.annotations or ():
        if note.text:
            note.text = svg(note.text)
    return fig


def _builder(plot: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Mark a ``plot_`` builder: its figure leaves with every data string escaped."""

    @functools.wraps(plot)
    def build(*args: Any, **kwargs: Any) -> go.Figure:
        return _inert(plot(*args, **kwargs))

    return build


def _themed(fig: go.Figure, *, title: str) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": 13},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={
            "title": {"text": ""},
            "orientation": "h",
            "y": 1.02,
            "yanchor": "bottom",
            "x": 1,
            "xanchor": "right",
        },
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig


@_builder
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
    fig = go.Figure()
    for kind in (schema.WORD, schema.PHRASE):
        rows = shown[shown[schema.KIND] == kind]
        if rows.empty:
            continue
        fig.add_trace(
            go.Bar(
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
    _themed(fig, title=title or f"Top {len(order)} terms ({measure})")
    fig.update_layout(
        barmode="overlay",
        height=max(320, 60 + 22 * len(order)),
        showlegend=True,
        clickmode="event+select",
    )
    fig.update_yaxes(
        categoryorder="array", categoryarray=order[::-1], title_text="", automargin=True
    )
    fig.update_xaxes(title_text=measure, rangemode="tozero")
    return fig


def period_label(start: pd.Timestamp, freq: str) -> str:
    """How a period starting at ``start`` is named on the axis: ``2023-11``, ``2023 Q4``..."""
    if freq == "year":
        return f"{start.year}"
    if freq == "quarter":
        return f"{start.year} Q{start.quarter}"
    if freq == "month":
        return start.strftime("%Y-%m")
    return start.strftime("%Y-%m-%d")  # a day, or the first day of a week


# Per granularity: tick label format, and (tick spacing, most periods it is used for).
_PERIOD_TICKS: dict[str, tuple[str, int | str, int]] = {
    "day": ("%Y-%m-%d", 86_400_000, 31),
    "week": ("%Y-%m-%d", 7 * 86_400_000, 20),
    "month": ("%Y-%m", "M1", 24),
    "quarter": ("%Y Q%q", "M3", 16),
    "year": ("%Y", "M12", 30),
}


@_builder
def plot_documents_per_period(
    table: pd.DataFrame, *, freq: str = "year", title: str | None = None
) -> go.Figure:
    """Bar chart of a ``documents_per_period`` table (``period, documents, tokens``).

    Bars stand at each period's first day on a calendar axis; empty periods
    are zero-height bars, so gaps stay visible. ``freq`` (``day``, ``week``,
    ``month``, ``quarter``, ``year``) sets the tick labels and, for short
    spans, one tick per period. ``customdata`` holds the period's label
    (``2023-11``, ``2023 Q4``...) and its tokens.

    Examples
    --------
    >>> t = pd.DataFrame({"period": pd.to_datetime(["2023-11-01", "2023-12-01"]),
    ...                   "documents": [1, 1], "tokens": [300, 350]})
    >>> fig = plot_documents_per_period(t, freq="month")
    >>> [row[0] for row in fig.data[0].customdata], list(fig.data[0].y)
    (['2023-11', '2023-12'], [1, 1])
    """
    starts = [pd.Timestamp(p) for p in table[schema.PERIOD]]
    documents = table[schema.DOCUMENTS].tolist()
    fig = go.Figure(
        go.Bar(
            name="documents",
            x=[s.date().isoformat() for s in starts],
            y=documents,
            customdata=[
                [period_label(s, freq), int(t)]
                for s, t in zip(starts, table[schema.TOKENS], strict=True)
            ],
            marker={"color": PERIOD_COLOR},
            hovertemplate=(
                "%{customdata[0]}<br>%{y:,} documents<br>%{customdata[1]:,} tokens<extra></extra>"
            ),
        )
    )
    _themed(fig, title=title or f"Documents per {freq}")
    fig.update_layout(height=360, showlegend=False, bargap=0.15)
    fig.update_yaxes(title_text="documents", rangemode="tozero")
    if documents and max(documents) <= 10:
        fig.update_yaxes(dtick=1)  # whole documents, not 0.2 of one
    tick_format, tick_step, max_periods = _PERIOD_TICKS.get(freq, _PERIOD_TICKS["day"])
    fig.update_xaxes(title_text="", type="date", tickformat=tick_format)
    if len(starts) <= max_periods:
        fig.update_xaxes(dtick=tick_step, tick0=starts[0].date().isoformat() if starts else None)
    return fig


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
    return cloud.to_image()


#: Trend measures: column -> axis title.
TREND_MEASURES = {
    schema.PER_MILLION: "per million tokens",
    "doc_share": "share of documents",
    schema.COUNT: "occurrences",
}
THIN_NOTE = "thin period: few tokens, the rate is unreliable"
#: Per trend measure, the column of its moving average.
_SMOOTHED = {
    schema.PER_MILLION: schema.SMOOTHED,
    "doc_share": schema.SMOOTHED_DOC_SHARE,
    schema.COUNT: schema.SMOOTHED_COUNT,
}
#: Words of a prefix query's expansion listed in a trend hover.
HOVER_EXPANSIONS = 8


def _period_axis(fig: go.Figure, starts: list[pd.Timestamp], by: str) -> None:
    tick_format, tick_step, max_periods = _PERIOD_TICKS.get(by, _PERIOD_TICKS["day"])
    fig.update_xaxes(title_text="", type="date", tickformat=tick_format)
    distinct = sorted(set(starts))
    if distinct and len(distinct) <= max_periods:
        fig.update_xaxes(dtick=tick_step, tick0=distinct[0].date().isoformat())


@_builder
def plot_trends(
    table: pd.DataFrame,
    *,
    value: str = schema.PER_MILLION,
    by: str = "year",
    title: str | None = None,
    expansions: Mapping[str, Sequence[str]] | None = None,
) -> go.Figure:
    """Line chart of a ``term_trends`` table: one trace per term or theme on a date axis.

    Parameters
    ----------
    table : DataFrame
        ``period, term, count, per_million, doc_share, docs, period_tokens,
        period_docs, thin`` and, when smoothed, ``smoothed``,
        ``smoothed_doc_share`` and ``smoothed_count`` (the moving averages of
        each measure, drawn instead of it; the hover still shows the raw numbers).
    value : str
        The measure drawn: ``per_million``, ``doc_share`` or ``count``.
    by : str
        The granularity (``day`` ... ``year``): tick labels and period names.
    title : str, optional
        Figure title; a default names the measure.
    expansions : mapping, optional
        Per series label, the words a prefix query (``slave*``) expanded to:
        the hover lists them.

    Returns
    -------
    go.Figure
        Traces in the table's order of terms. Each point's ``customdata`` is
        ``[term, period label, count, per_million, doc_share, period_tokens,
        period_docs, thin, period ISO date, matches]``; thin periods are drawn as
        open markers and say so in the hover.

    Examples
    --------
    >>> t = pd.DataFrame({"period": pd.to_datetime(["2023-11-30", "2023-12-01"]),
    ...     "term": ["delta", "delta"], "count": [3, 0], "per_million": [9.0, 0.0],
    ...     "doc_share": [1.0, 0.0], "docs": [1, 0], "period_tokens": [3e5, 0],
    ...     "period_docs": [1, 0], "thin": [False, True]})
    >>> fig = plot_trends(t, by="day")
    >>> [trace.name for trace in fig.data], list(fig.data[0].x)
    (['delta'], ['2023-11-30', '2023-12-01'])
    """
    if value not in TREND_MEASURES:
        raise ValueError(
            f"value must be one of {', '.join(TREND_MEASURES)}, got {value!r}. "
            "Choose one of the trend measures."
        )
    smoothed_column = _SMOOTHED[value]
    drawn = smoothed_column if smoothed_column in table.columns else value
    fig = go.Figure()
    all_starts: list[pd.Timestamp] = []
    for term in dict.fromkeys(table[schema.TERM].tolist()):
        rows = table[table[schema.TERM] == term].sort_values(schema.PERIOD)
        starts = [pd.Timestamp(p) for p in rows[schema.PERIOD]]
        all_starts += starts
        thin = [bool(t) for t in rows["thin"]]
        words = list((expansions or {}).get(str(term), ()))
        matches = ", ".join(words[:HOVER_EXPANSIONS]) + (
            " …" if len(words) > HOVER_EXPANSIONS else ""
        )
        customdata = [
            [
                str(term),
                period_label(start, by),
                int(count),
                float(per_million),
                float(share),
                int(tokens),
                int(docs),
                "yes" if is_thin else "no",
                start.date().isoformat(),
                matches,
            ]
            for start, count, per_million, share, tokens, docs, is_thin in zip(
                starts,
                rows[schema.COUNT],
                rows[schema.PER_MILLION],
                rows["doc_share"],
                rows["period_tokens"],
                rows["period_docs"],
                thin,
                strict=True,
            )
        ]
        fig.add_trace(
            go.Scatter(
                name=str(term),
                x=[s.date().isoformat() for s in starts],
                y=[float(v) for v in rows[drawn].fillna(0)],
                mode="lines+markers",
                marker={
                    "size": 8,
                    "symbol": ["circle-open" if t else "circle" for t in thin],
                },
                customdata=customdata,
                hovertemplate=(
                    "<b>%{customdata[0]}</b> · %{customdata[1]}"
                    "<br>count %{customdata[2]:,}"
                    "<br>per million %{customdata[3]:,.1f}"
                    "<br>share of documents %{customdata[4]:.1%}"
                    "<br>period tokens %{customdata[5]:,}"
                    "<br>period documents %{customdata[6]:,}"
                    "<br>thin period: %{customdata[7]}"
                    + ("<br>matches %{customdata[9]}" if matches else "")
                    + "<extra></extra>"
                ),
            )
        )
    measure = TREND_MEASURES[value]
    smoothed = " (moving average)" if drawn != value else ""
    _themed(fig, title=title or f"Trend per {by}, {measure}{smoothed}")
    fig.update_layout(height=440, showlegend=True, clickmode="event+select", hovermode="closest")
    fig.update_yaxes(title_text=measure, rangemode="tozero")
    if value == "doc_share":
        fig.update_yaxes(tickformat=".0%")
    _period_axis(fig, all_starts, by)
    return fig


@_builder
def plot_topic_timeline(
    table: pd.DataFrame, *, by: str = "year", title: str | None = None
) -> go.Figure:
    """Line chart of a ``topics_over_time`` table (``period, topic, label, share, passages``).

    One trace per topic, named by its label, in topic order, on a date axis.
    Each point's ``customdata`` is ``[topic, label, period label, share,
    passages, period ISO date]`` for click-through.

    Examples
    --------
    >>> t = pd.DataFrame({"period": pd.to_datetime(["2023-11-30", "2023-11-30"]),
    ...     "topic": [0, 1], "label": ["river, delta", "trade"], "share": [0.6, 0.4],
    ...     "passages": [5, 3]})
    >>> [trace.name for trace in plot_topic_timeline(t, by="day").data]
    ['river, delta', 'trade']
    """
    fig = go.Figure()
    all_starts: list[pd.Timestamp] = []
    for topic in sorted(table["topic"].unique().tolist()):
        rows = table[table["topic"] == topic].sort_values(schema.PERIOD)
        starts = [pd.Timestamp(p) for p in rows[schema.PERIOD]]
        all_starts += starts
        label = str(rows["label"].iloc[0])
        fig.add_trace(
            go.Scatter(
                name=label,
                x=[s.date().isoformat() for s in starts],
                y=[float(v) for v in rows["share"].fillna(0)],
                mode="lines+markers",
                marker={"size": 8},
                customdata=[
                    [
                        int(topic),
                        label,
                        period_label(s, by),
                        float(share),
                        int(n),
                        s.date().isoformat(),
                    ]
                    for s, share, n in zip(starts, rows["share"], rows["passages"], strict=True)
                ],
                hovertemplate=(
                    "<b>%{customdata[1]}</b> (topic %{customdata[0]}) · %{customdata[2]}"
                    "<br>share %{customdata[3]:.1%}<br>passages %{customdata[4]:,}"
                    "<extra></extra>"
                ),
            )
        )
    _themed(fig, title=title or f"Topic share per {by}")
    fig.update_layout(height=440, showlegend=True, clickmode="event+select", hovermode="closest")
    fig.update_yaxes(title_text="share of passages", tickformat=".0%", rangemode="tozero")
    _period_axis(fig, all_starts, by)
    return fig


@_builder
def plot_collocates(
    table: pd.DataFrame, *, top: int = 20, value: str = "ll", title: str | None = None
) -> go.Figure:
    """Horizontal bars of the ``top`` rows of a ``collocates`` table (``term, count, ll, mi``).

    The first row is drawn at the top; ``customdata`` is ``[term, count, ll, mi]``.
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}. Ask for one collocate or more.")
    shown = table.head(top)
    columns = [schema.TERM, schema.COUNT, "ll", "mi"]
    fig = go.Figure(
        go.Bar(
            x=[float(v) for v in shown[value]],
            y=shown[schema.TERM].astype(str).tolist(),
            orientation="h",
            marker={"color": PERIOD_COLOR},
            customdata=shown[columns].to_numpy().tolist(),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>together %{customdata[1]:,} times"
                "<br>log-likelihood %{customdata[2]:,.2f}<br>MI %{customdata[3]:,.2f}"
                "<extra></extra>"
            ),
        )
    )
    _themed(fig, title=title or f"Top {len(shown)} collocates ({value})")
    fig.update_layout(height=max(320, 60 + 22 * len(shown)), showlegend=False)
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=shown[schema.TERM].astype(str).tolist()[::-1],
        title_text="",
        automargin=True,
    )
    fig.update_xaxes(title_text="log-likelihood" if value == "ll" else value)
    return fig


# ---------------------------------------------------------------------------
# Compare (issue 4): similarity and keyness

SIDE_COLORS = {"A": "#3366aa", "B": "#e07b1a"}
SIMILARITY_SCALE = "Blues"
#: Count drawn for a term absent from one side on the log-scaled keyness scatter.
ABSENT_COUNT = 0.5


@_builder
def plot_similarity_heatmap(
    similarity: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Heatmap of a square ``doc_id x doc_id`` similarity table (cosine, 0 to 1).

    Rows and columns are drawn in the table's order (pass it reordered by a
    clustering to group similar documents). ``labels`` maps a doc id to the
    text shown on the axes; hover shows both ids and the value.

    Examples
    --------
    >>> sim = pd.DataFrame([[1.0, 0.4], [0.4, 1.0]], index=["a", "b"], columns=["a", "b"])
    >>> plot_similarity_heatmap(sim).data[0].z.tolist()
    [[1.0, 0.4], [0.4, 1.0]]
    """
    ids = [str(i) for i in similarity.index]
    names = [(labels or {}).get(i, i) for i in ids]
    values = similarity.to_numpy(dtype=float)
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=names,
            y=names,
            zmin=0.0,
            zmax=1.0,
            colorscale=SIMILARITY_SCALE,
            customdata=[[[row, col] for col in ids] for row in ids],
            hovertemplate=(
                "%{customdata[0]}<br>%{customdata[1]}<br>cosine %{z:.3f}<extra></extra>"
            ),
            colorbar={"title": {"text": "cosine"}},
        )
    )
    _themed(fig, title=title or f"Similarity of {len(ids)} documents (TF-IDF cosine)")
    side = min(900, max(360, 120 + 22 * len(ids)))
    fig.update_layout(height=side, showlegend=False)
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(automargin=True, type="category", tickangle=-45)
    return fig


@_builder
def plot_dendrogram(
    linkage: Any,
    labels: Sequence[str],
    *,
    title: str | None = None,
) -> go.Figure:
    """Dendrogram of a hierarchical clustering (a scipy linkage matrix over ``labels``).

    Drawn horizontally, leaves on the y axis in the clustering's order; the x
    axis is the merge distance (1 - cosine for a similarity clustering). One
    trace per link, all in one colour.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_dendrogram(np.array([[0.0, 1.0, 0.3, 2.0]]), ["a", "b"])
    >>> len(fig.data), list(fig.layout.yaxis.ticktext)
    (1, ['a', 'b'])
    """
    from scipy.cluster import hierarchy

    matrix = np.asarray(linkage, dtype=float)
    names = [str(label) for label in labels]
    if len(names) < 2 or matrix.shape != (len(names) - 1, 4):
        raise ValueError(
            f"A dendrogram needs a linkage of {max(len(names) - 1, 0)} rows for "
            f"{len(names)} labels, got shape {matrix.shape}. Cluster two documents or more."
        )
    tree = hierarchy.dendrogram(matrix, labels=names, no_plot=True, orientation="right")
    fig = go.Figure()
    for ys, xs in zip(tree["icoord"], tree["dcoord"], strict=True):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": PERIOD_COLOR, "width": 1.5},
                hovertemplate="distance %{x:.3f}<extra></extra>",
                showlegend=False,
            )
        )
    leaves = list(tree["ivl"])
    _themed(fig, title=title or f"Clustering of {len(names)} documents")
    fig.update_layout(height=min(900, max(320, 80 + 22 * len(names))), showlegend=False)
    fig.update_yaxes(
        tickvals=[5 + 10 * i for i in range(len(leaves))],
        ticktext=leaves,
        automargin=True,
        showgrid=False,
        zeroline=False,
    )
    fig.update_xaxes(title_text="distance (1 - cosine)", rangemode="tozero")
    return fig


def _keyness_custom(rows: pd.DataFrame) -> list[list[Any]]:
    columns = [schema.TERM, "count_a", "count_b", "ll", "log_ratio", "p"]
    return [
        [str(r[0]), int(r[1]), int(r[2]), float(r[3]), float(r[4]), float(r[5])]
        for r in rows[columns].itertuples(index=False, name=None)
    ]


_KEYNESS_HOVER = (
    "<b>%{customdata[0]}</b><br>A %{customdata[1]:,} · B %{customdata[2]:,}"
    "<br>log-likelihood %{customdata[3]:,.2f}<br>log ratio %{customdata[4]:+.2f}"
    "<br>p %{customdata[5]:.2g}<extra></extra>"
)


@_builder
def plot_keyness_scatter(
    table: pd.DataFrame,
    *,
    size_a: int,
    size_b: int,
    labelled: int = 10,
    names: tuple[str, str] = ("A", "B"),
    title: str | None = None,
) -> go.Figure:
    """Frequency per million tokens in A against B, log axes, for a ``keyness`` table.

    ``size_a``/``size_b`` are the token totals of the two sides. A term absent
    from one side is drawn at half a count there (log axes have no zero). One
    trace per side the term leans to (``log_ratio`` > 0: A); significant terms
    are drawn solid, the others faint. The ``labelled`` strongest terms (by
    ``ll``) of each side carry their text. ``customdata`` is ``[term, count_a,
    count_b, ll, log_ratio, p]``.
    """
    if size_a <= 0 or size_b <= 0:
        raise ValueError("Both sides need tokens: size_a and size_b must be positive.")
    fig = go.Figure()
    top = 1.0
    for side, name in zip(("A", "B"), names, strict=True):
        leans = table["log_ratio"] > 0 if side == "A" else table["log_ratio"] <= 0
        rows = table[leans].sort_values("ll", ascending=False, kind="stable")
        x = rows["count_a"].astype(float).clip(lower=ABSENT_COUNT) / size_a * 1e6
        y = rows["count_b"].astype(float).clip(lower=ABSENT_COUNT) / size_b * 1e6
        if len(rows):
            top = max(top, float(x.max()), float(y.max()))
        significant = (
            rows["significant"].astype(bool)
            if "significant" in rows
            else pd.Series(True, index=rows.index)
        )
        text = [
            str(term) if i < labelled else ""
            for i, term in enumerate(rows[schema.TERM].astype(str))
        ]
        fig.add_trace(
            go.Scatter(
                name=f"more in {name}",
                x=x.tolist(),
                y=y.tolist(),
                mode="markers+text",
                text=text,
                textposition="top center" if side == "A" else "bottom center",
                textfont={"size": 11, "color": SIDE_COLORS[side]},
                marker={
                    "color": SIDE_COLORS[side],
                    "size": 8,
                    "opacity": [0.9 if s else 0.3 for s in significant],
                },
                customdata=_keyness_custom(rows),
                hovertemplate=_KEYNESS_HOVER,
            )
        )
    floor = min(ABSENT_COUNT / size_a, ABSENT_COUNT / size_b) * 1e6
    fig.add_trace(
        go.Scatter(
            x=[floor, top],
            y=[floor, top],
            mode="lines",
            line={"color": "#999999", "dash": "dot", "width": 1},
            hoverinfo="skip",
            showlegend=False,
            name="equal",
        )
    )
    _themed(fig, title=title or f"Per million tokens: {names[0]} against {names[1]}")
    fig.update_layout(height=520, hovermode="closest")
    fig.update_xaxes(type="log", title_text=f"per million in {names[0]}")
    fig.update_yaxes(type="log", title_text=f"per million in {names[1]}")
    return fig


@_builder
def plot_keyness_bars(
    table: pd.DataFrame,
    *,
    top: int = 15,
    names: tuple[str, str] = ("A", "B"),
    title: str | None = None,
) -> go.Figure:
    """Signed log-ratio bars of the ``top`` strongest terms (by ``ll``) on each side.

    Terms more frequent in A point right (``log_ratio`` > 0), terms more
    frequent in B left; the strongest of each side is drawn at the top.
    ``customdata`` is ``[term, count_a, count_b, ll, log_ratio, p]``.
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}. Ask for one term or more.")
    order: list[str] = []
    fig = go.Figure()
    for side, name in zip(("A", "B"), names, strict=True):
        leans = table["log_ratio"] > 0 if side == "A" else table["log_ratio"] < 0
        rows = table[leans].sort_values("ll", ascending=False, kind="stable").head(top)
        order += [f"{t} ({side})" for t in rows[schema.TERM].astype(str)]
        fig.add_trace(
            go.Bar(
                name=f"more in {name}",
                x=[float(v) for v in rows["log_ratio"]],
                y=[f"{t} ({side})" for t in rows[schema.TERM].astype(str)],
                orientation="h",
                marker={"color": SIDE_COLORS[side]},
                customdata=_keyness_custom(rows),
                hovertemplate=_KEYNESS_HOVER,
            )
        )
    _themed(fig, title=title or f"Strongest terms of {names[0]} and {names[1]}")
    fig.update_layout(height=max(320, 80 + 22 * len(order)), bargap=0.25)
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], automargin=True)
    fig.update_xaxes(title_text="log ratio (base 2): right more in A, left more in B")
    return fig
