"""Documents per period on a real calendar axis, and how periods are named."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, figure, themed, trace


def period_label(start: pd.Timestamp, freq: str) -> str:
    """How a period starting at ``start`` is named on the axis: ``2023-11``, ``2023 Q4``...

    >>> period_label(pd.Timestamp("1990-01-01"), "decade")
    '1990s'
    """
    if freq == "decade":
        return f"{start.year}s"
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
    starts = [pd.Timestamp(p) for p in table[schema.PERIOD]]
    documents = table[schema.DOCUMENTS].tolist()
    fig = figure(
        trace(
            "bar",
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
    themed(fig, title=title or f"Documents per {freq}")
    fig.update_layout(height=360, showlegend=False, bargap=0.15)
    fig.update_yaxes(title_text="documents", rangemode="tozero")
    if documents and max(documents) <= 10:
        fig.update_yaxes(dtick=1)  # whole documents, not 0.2 of one
    tick_format, tick_step, max_periods = _PERIOD_TICKS.get(freq, _PERIOD_TICKS["day"])
    fig.update_xaxes(title_text="", type="date", tickformat=tick_format)
    if len(starts) <= max_periods:
        fig.update_xaxes(dtick=tick_step, tick0=starts[0].date().isoformat() if starts else None)
    return fig


def period_axis(fig: go.Figure, starts: list[pd.Timestamp], by: str) -> None:
    tick_format, tick_step, max_periods = _PERIOD_TICKS.get(by, _PERIOD_TICKS["day"])
    fig.update_xaxes(title_text="", type="date", tickformat=tick_format)
    distinct = sorted(set(starts))
    if distinct and len(distinct) <= max_periods:
        fig.update_xaxes(dtick=tick_step, tick0=distinct[0].date().isoformat())
