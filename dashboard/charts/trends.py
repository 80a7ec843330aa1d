"""Terms and themes over calendar time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.periods import period_label, period_xaxis
from dashboard.charts.theme import (
    TIMELINE,
    builder,
    figure,
    gaps,
    series_style,
    themed_layout,
    trace,
)

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


@builder
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
    traces = []
    all_starts: list[pd.Timestamp] = []
    for position, term in enumerate(dict.fromkeys(table[schema.TERM].tolist())):
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
                gaps(per_million),
                gaps(share),
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
        traces.append(
            trace(
                "scatter",
                name=str(term),
                x=[s.date().isoformat() for s in starts],
                # A rate of a period without tokens is missing: a gap in the line.
                y=[gaps(v) for v in rows[drawn]],
                mode="lines+markers",
                connectgaps=False,
                line=series_style(position),
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
    yaxis: dict[str, Any] = {"title": {"text": measure}, "rangemode": "tozero"}
    if value == "doc_share":
        yaxis["tickformat"] = ".0%"
    layout = themed_layout(
        title=title or f"Trend per {by}, {measure}{smoothed}",
        **TIMELINE,
        yaxis=yaxis,
        xaxis=period_xaxis(all_starts, by),
    )
    return figure(*traces, layout=layout)
