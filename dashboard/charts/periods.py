"""Documents per period on a real calendar axis, and how periods are named."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, figure, themed_layout, trace


def period_label(start: pd.Timestamp, freq: str) -> str:
    """How a period starting at ``start`` is named on the axis: ``2023-11``, ``2023 Q4``...

    >>> period_label(pd.Timestamp("1990-01-01"), "decade")
    '1990s'
    """
    return period_labels(pd.DatetimeIndex([start]), freq)[0]


def period_labels(starts: pd.DatetimeIndex, freq: str) -> list[str]:
    """:func:`period_label` of each of ``starts``, made at once (a timeline names thousands);
    a week is named by its first day.

    >>> period_labels(pd.DatetimeIndex(["2023-10-01", "2024-01-01"]), "quarter")
    ['2023 Q4', '2024 Q1']
    """
    years = starts.year.tolist()
    if freq == "decade":
        return [f"{year}s" for year in years]
    if freq == "year":
        return [f"{year}" for year in years]
    if freq == "quarter":
        return [f"{y} Q{q}" for y, q in zip(years, starts.quarter.tolist(), strict=True)]
    return [str(label) for label in starts.strftime("%Y-%m" if freq == "month" else "%Y-%m-%d")]


# Per granularity: tick label format, and (tick spacing, most periods it is used for).
_PERIOD_TICKS: dict[str, tuple[str, int | str, int]] = {
    "day": ("%Y-%m-%d", 86_400_000, 31),
    "week": ("%Y-%m-%d", 7 * 86_400_000, 20),
    "month": ("%Y-%m", "M1", 24),
    "quarter": ("%Y Q%q", "M3", 16),
    "year": ("%Y", "M12", 30),
    "decade": ("%Y", "M120", 30),
}


@builder
def plot_documents_per_period(
    table: pd.DataFrame, *, freq: str = "year", title: str | None = None
) -> go.Figure:
    """Bar chart of a ``documents_per_period`` table (``period, documents, tokens``).

    Bars stand at each period's first day on a calendar axis; empty periods
    are zero-height bars, so gaps stay visible. ``freq`` (``day``, ``week``,
    ``month``, ``quarter``, ``year``, ``decade``) sets the tick labels and, for short
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
    periods = pd.DatetimeIndex(table[schema.PERIOD])
    starts = list(periods)
    documents = table[schema.DOCUMENTS].tolist()
    # each point's strings made for all points at once (237 years: 47 -> 1 ms)
    days = [str(day) for day in periods.strftime("%Y-%m-%d")]
    tokens = table[schema.TOKENS].to_numpy().tolist()
    bars = trace(
        "bar",
        name="documents",
        x=days,
        y=documents,
        customdata=[
            [label, int(t)] for label, t in zip(period_labels(periods, freq), tokens, strict=True)
        ],
        marker={"color": PERIOD_COLOR},
        hovertemplate=(
            "%{customdata[0]}<br>%{y:,} documents<br>%{customdata[1]:,} tokens<extra></extra>"
        ),
    )
    yaxis: dict[str, Any] = {"title": {"text": "documents"}, "rangemode": "tozero"}
    if documents and max(documents) <= 10:
        yaxis["dtick"] = 1  # whole documents, not 0.2 of one
    layout = themed_layout(
        title=title or f"Documents per {freq}",
        height=360,
        showlegend=False,
        bargap=0.15,
        yaxis=yaxis,
        xaxis=period_xaxis(starts, freq, first=True),
    )
    return figure(bars, layout=layout)


def period_xaxis(starts: list[pd.Timestamp], by: str, *, first: bool = False) -> dict[str, Any]:
    """The calendar axis of periods starting at ``starts``: a tick per period when few.

    ``first``: the ticks start at the first of ``starts`` as given (else the earliest).
    """
    tick_format, tick_step, max_periods = _PERIOD_TICKS.get(by, _PERIOD_TICKS["day"])
    axis: dict[str, Any] = {"title": {"text": ""}, "type": "date", "tickformat": tick_format}
    shown = starts if first else sorted(set(starts))
    if (len(starts) if first else len(shown)) <= max_periods and (shown or first):
        axis["dtick"] = tick_step
        if shown:
            axis["tick0"] = shown[0].date().isoformat()
    return axis
