"""Topic shares over calendar time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.periods import period_labels, period_xaxis
from dashboard.charts.theme import (
    TIMELINE,
    builder,
    figure,
    gaps,
    series_style,
    themed_layout,
    trace,
)

#: Markers drawn per topic at most (plotly spreads them over the points in view, and draws
#: more as the view zooms in); every point still has its hover and its click. A hundred
#: years by year drew 2,800 markers for 12 topics: 0.35-0.6 s of the browser's main thread
#: each time the chart was drawn, against 0.1-0.18 s with 60 a topic.
MARKERS_DRAWN = 60


@builder
def plot_topic_timeline(
    table: pd.DataFrame, *, by: str = "year", title: str | None = None
) -> go.Figure:
    """Line chart of a ``topics_over_time`` table (``period, topic, label, share, passages``).

    One trace per topic, named by its label, in topic order, on a date axis.
    Each point's ``customdata`` is ``[topic, period label, passages, period
    ISO date]`` for click-through; the hover reads the label from the trace's
    name and the share from ``y``, which are not repeated per point (234 years
    by year with 12 topics sent 208 KB of customdata, 75 KB without them).

    Examples
    --------
    >>> t = pd.DataFrame({"period": pd.to_datetime(["2023-11-30", "2023-11-30"]),
    ...     "topic": [0, 1], "label": ["river, delta", "trade"], "share": [0.6, 0.4],
    ...     "passages": [5, 3]})
    >>> [trace.name for trace in plot_topic_timeline(t, by="day").data]
    ['river, delta', 'trade']
    """
    fig = figure()
    # each point's strings made for all points at once, not a Timestamp each
    periods = pd.DatetimeIndex(table[schema.PERIOD])
    days = np.datetime_as_string(periods.to_numpy(dtype="datetime64[D]"), unit="D").tolist()
    names = period_labels(periods, by)
    shares = [gaps(v) for v in table["share"].to_numpy(dtype=np.float64).tolist()]
    passages = table["passages"].to_numpy(dtype=np.int64).tolist()
    topics = table["topic"].to_numpy()
    labels = table["label"].astype(str).tolist()
    for position, topic in enumerate(sorted(table["topic"].unique().tolist())):
        rows = np.flatnonzero(topics == topic)
        rows = rows[np.argsort(periods[rows].to_numpy(), kind="stable")]
        label = labels[rows[0]]
        fig.add_trace(
            trace(
                "scatter",
                name=label,
                x=[days[i] for i in rows],
                # A period without passages has no share: a gap, not 0 %.
                y=[shares[i] for i in rows],
                mode="lines+markers",
                connectgaps=False,
                line=series_style(position),
                marker={"size": 8, "maxdisplayed": MARKERS_DRAWN},
                customdata=[[int(topic), names[i], passages[i], days[i]] for i in rows],
                hovertemplate=(
                    "<b>%{fullData.name}</b> (topic %{customdata[0]}) · %{customdata[1]}"
                    "<br>share %{y:.1%}<br>passages %{customdata[2]:,}<extra></extra>"
                ),
            )
        )
    all_starts = list(pd.DatetimeIndex(periods.unique()))
    fig.layout = themed_layout(
        title=title or f"Topic share per {by}",
        **TIMELINE,
        yaxis={"title": {"text": "share of passages"}, "tickformat": ".0%", "rangemode": "tozero"},
        xaxis=period_xaxis(all_starts, by),
    )
    return fig
