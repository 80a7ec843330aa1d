"""Comparisons: similarity heatmap, dendrogram, keyness scatter and bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Imported with the app, not at the first Compare a server process opens (0.17-0.19 s of
# that page's first run): the dendrogram here and analysis's clustering both use it.
from scipy.cluster import hierarchy

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, figure, themed_layout, trace

SIDE_COLORS = {"A": "#3366aa", "B": "#e07b1a"}
#: Longest name in a document's axis label; a longer one ends in "…".
LABEL_CHARS = 28
#: Pixels per document row of the heatmap and the dendrogram: every label has its line.
ROW_PIXELS = 26
#: Columns that may name a document on an axis, in order of preference.
_WHO = ("speaker", schema.SOURCE)
SIMILARITY_SCALE = "Blues"
#: Count drawn for a term absent from one side on the log-scaled keyness scatter.
ABSENT_COUNT = 0.5


def _cut(text: str, chars: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _when(date: Any, precision: Any) -> str:
    if date is None or pd.isna(date):
        return "undated"
    stamp = pd.Timestamp(date)
    if precision == "year":
        return f"{stamp.year}"
    if precision == "month":
        return stamp.strftime("%Y-%m")
    return stamp.date().isoformat()


def doc_labels(docs: pd.DataFrame) -> dict[str, str]:
    """Short axis labels of documents: who (speaker, else source) and when.

    ``docs`` has ``doc_id``, ``date`` and some of ``date_precision``,
    ``speaker``, ``source`` and ``title``. The first of ``speaker`` and
    ``source`` whose values differ among these documents names them (every
    State of the Union address has one source: the president's name is
    used); where neither differs, the title does. A name is cut to
    ``LABEL_CHARS`` characters; the date is written as precisely as it is
    known (``1790``, ``2019-03``, ``2023-11-30``). Labels that would be alike
    are told apart by ``#2``, ``#3``... in the table's order.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "speaker": ["Lincoln", "Grant"],
    ...     "source": ["UCSB", "UCSB"], "date": pd.to_datetime(["1862-12-01", "1869-12-06"])})
    >>> doc_labels(docs)
    {'a': 'Lincoln 1862-12-01', 'b': 'Grant 1869-12-06'}
    """

    def names(column: str) -> list[str]:
        if column not in docs.columns:
            return [""] * len(docs)
        return [
            "" if value is None or pd.isna(value) else str(value).strip()
            for value in docs[column].tolist()
        ]

    ids = [str(i) for i in docs[schema.DOC_ID]]
    varying = [c for c in _WHO if len({n for n in names(c) if n}) > 1]
    order = [*varying, *(c for c in _WHO if c not in varying)] if varying else []
    columns = [names(c) for c in [*order, schema.TITLE]]
    precision = names(schema.DATE_PRECISION)
    dates = docs[schema.DATE].tolist() if schema.DATE in docs.columns else [None] * len(docs)
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row, doc_id in enumerate(ids):
        who = next((column[row] for column in columns if column[row]), doc_id)
        label = f"{_cut(who)} {_when(dates[row], precision[row] or 'day')}"
        seen[label] = seen.get(label, 0) + 1
        labels[doc_id] = label if seen[label] == 1 else f"{label} #{seen[label]}"
    return labels


@builder
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
    fig = figure(
        trace(
            "heatmap",
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
    # Rows of ROW_PIXELS each, plus the title band and the slanted labels under the plot.
    longest = max((len(name) for name in names), default=0)
    ticks = {"type": "category", "automargin": True, "dtick": 1, "tickfont": {"size": 12}}
    fig.layout = themed_layout(
        title=title or f"Similarity of {len(ids)} documents (TF-IDF cosine)",
        height=max(360, 90 + ROW_PIXELS * len(ids) + 5 * longest),
        showlegend=False,
        yaxis={"autorange": "reversed", **ticks},
        xaxis={"tickangle": -45, **ticks},
    )
    return fig


@builder
def plot_dendrogram(
    linkage: Any,
    labels: Sequence[str],
    *,
    title: str | None = None,
) -> go.Figure:
    """Dendrogram of a hierarchical clustering (a scipy linkage matrix over ``labels``).

    Drawn horizontally, leaves on the y axis in the clustering's order; the x
    axis is the merge distance (1 - cosine for a similarity clustering). One
    trace, its links (four corners each) parted by gaps, all in one colour.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_dendrogram(np.array([[0.0, 1.0, 0.3, 2.0]]), ["a", "b"])
    >>> len(fig.data), list(fig.layout.yaxis.ticktext)
    (1, ['a', 'b'])
    """
    matrix = np.asarray(linkage, dtype=float)
    names = [str(label) for label in labels]
    if len(names) < 2 or matrix.shape != (len(names) - 1, 4):
        raise ValueError(
            f"A dendrogram needs a linkage of {max(len(names) - 1, 0)} rows for "
            f"{len(names)} labels, got shape {matrix.shape}. Cluster two documents or more."
        )
    tree = hierarchy.dendrogram(matrix, labels=names, no_plot=True, orientation="right")
    # One trace, each link's four corners ended by a gap: a trace per link cost the
    # browser 0.22-0.37 s to draw 39 links, one trace 0.09-0.15 s.
    xs: list[float | None] = []
    ys: list[float | None] = []
    for link_y, link_x in zip(tree["icoord"], tree["dcoord"], strict=True):
        xs += [*link_x, None]
        ys += [*link_y, None]
    fig = figure(
        trace(
            "scatter",
            x=xs,
            y=ys,
            mode="lines",
            connectgaps=False,
            line={"color": PERIOD_COLOR, "width": 1.5},
            hovertemplate="distance %{x:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    leaves = list(tree["ivl"])
    fig.layout = themed_layout(
        title=title or f"Clustering of {len(names)} documents",
        height=max(320, 90 + ROW_PIXELS * len(names)),
        showlegend=False,
        yaxis={
            "tickvals": [5 + 10 * i for i in range(len(leaves))],
            "ticktext": leaves,
            "tickfont": {"size": 12},
            "automargin": True,
            "showgrid": False,
            "zeroline": False,
        },
        xaxis={"title": {"text": "distance (1 - cosine)"}, "rangemode": "tozero"},
    )
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


@builder
def plot_keyness_scatter(
    table: pd.DataFrame,
    *,
    size_a: int,
    size_b: int,
    labelled: int = 10,
    most: int | None = None,
    names: tuple[str, str] = ("A", "B"),
    title: str | None = None,
) -> go.Figure:
    """Frequency per million tokens in A against B, log axes, for a ``keyness`` table.

    ``size_a``/``size_b`` are the token totals of the two sides. A term absent
    from one side is drawn at half a count there (log axes have no zero). One
    trace per side the term leans to (``log_ratio`` > 0: A); significant terms
    are drawn solid, the others faint. The ``labelled`` strongest terms (by
    ``ll``) of each side carry their text. ``customdata`` is ``[term, count_a,
    count_b, ll, log_ratio, p]``. ``most`` keeps the ``most`` strongest terms
    of each side (a browser draws a few thousand points quickly, not the whole
    vocabulary of two large slices); ``None`` draws them all.
    """
    if size_a <= 0 or size_b <= 0:
        raise ValueError("Both sides need tokens: size_a and size_b must be positive.")
    if most is not None and most < 1:
        raise ValueError(f"most must be at least 1, got {most}. Draw one term or more per side.")
    fig = figure()
    top = 1.0
    for side, name in zip(("A", "B"), names, strict=True):
        leans = table["log_ratio"] > 0 if side == "A" else table["log_ratio"] <= 0
        rows = table[leans].sort_values("ll", ascending=False, kind="stable")
        if most is not None:
            rows = rows.head(most)
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
            trace(
                "scatter",
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
        trace(
            "scatter",
            x=[floor, top],
            y=[floor, top],
            mode="lines",
            line={"color": "#999999", "dash": "dot", "width": 1},
            hoverinfo="skip",
            showlegend=False,
            name="equal",
        )
    )
    fig.layout = themed_layout(
        title=title or f"Per million tokens: {names[0]} against {names[1]}",
        height=520,
        hovermode="closest",
        xaxis={"type": "log", "title": {"text": f"per million in {names[0]}"}},
        yaxis={"type": "log", "title": {"text": f"per million in {names[1]}"}},
    )
    return fig


@builder
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
    fig = figure()
    for side, name in zip(("A", "B"), names, strict=True):
        leans = table["log_ratio"] > 0 if side == "A" else table["log_ratio"] < 0
        rows = table[leans].sort_values("ll", ascending=False, kind="stable").head(top)
        order += [f"{t} ({side})" for t in rows[schema.TERM].astype(str)]
        fig.add_trace(
            trace(
                "bar",
                name=f"more in {name}",
                x=[float(v) for v in rows["log_ratio"]],
                y=[f"{t} ({side})" for t in rows[schema.TERM].astype(str)],
                orientation="h",
                marker={"color": SIDE_COLORS[side]},
                customdata=_keyness_custom(rows),
                hovertemplate=_KEYNESS_HOVER,
            )
        )
    fig.layout = themed_layout(
        title=title or f"Strongest terms of {names[0]} and {names[1]}",
        height=max(320, 80 + 22 * len(order)),
        bargap=0.25,
        yaxis={"categoryorder": "array", "categoryarray": order[::-1], "automargin": True},
        xaxis={"title": {"text": "log ratio (base 2): right more in A, left more in B"}},
    )
    return fig
