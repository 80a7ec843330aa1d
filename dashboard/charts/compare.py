"""Comparisons: similarity heatmap, dendrogram, keyness scatter and bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, themed

SIDE_COLORS = {"A": "#3366aa", "B": "#e07b1a"}
SIMILARITY_SCALE = "Blues"
#: Count drawn for a term absent from one side on the log-scaled keyness scatter.
ABSENT_COUNT = 0.5


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
    themed(fig, title=title or f"Similarity of {len(ids)} documents (TF-IDF cosine)")
    side = min(900, max(360, 120 + 22 * len(ids)))
    fig.update_layout(height=side, showlegend=False)
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(automargin=True, type="category", tickangle=-45)
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
    themed(fig, title=title or f"Clustering of {len(names)} documents")
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


@builder
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
    themed(fig, title=title or f"Per million tokens: {names[0]} against {names[1]}")
    fig.update_layout(height=520, hovermode="closest")
    fig.update_xaxes(type="log", title_text=f"per million in {names[0]}")
    fig.update_yaxes(type="log", title_text=f"per million in {names[1]}")
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
    themed(fig, title=title or f"Strongest terms of {names[0]} and {names[1]}")
    fig.update_layout(height=max(320, 80 + 22 * len(order)), bargap=0.25)
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], automargin=True)
    fig.update_xaxes(title_text="log ratio (base 2): right more in A, left more in B")
    return fig
