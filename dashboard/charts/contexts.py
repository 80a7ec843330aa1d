"""Collocates of a term."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, figure, themed_layout, trace


@builder
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
    bars = trace(
        "bar",
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
    layout = themed_layout(
        title=title or f"Top {len(shown)} collocates ({value})",
        height=max(320, 60 + 22 * len(shown)),
        showlegend=False,
        yaxis={
            "categoryorder": "array",
            "categoryarray": shown[schema.TERM].astype(str).tolist()[::-1],
            "title": {"text": ""},
            "automargin": True,
        },
        xaxis={"title": {"text": "log-likelihood" if value == "ll" else value}},
    )
    return figure(bars, layout=layout)
