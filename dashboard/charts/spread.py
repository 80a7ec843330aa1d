"""How a formulation spreads: cumulative uptake per group, and reused passages with their lag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import (
    SERIES_COLORS,
    TIMELINE,
    builder,
    figure,
    series_style,
    themed_layout,
    trace,
)

#: Characters of a passage shown in a hover (the table holds all of it).
HOVER_TEXT = 90


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


@builder
def plot_uptake(
    uptake: pd.DataFrame,
    *,
    groups: Sequence[str] | None = None,
    term: str = "",
    title: str | None = None,
) -> go.Figure:
    """Step lines of a formulation's cumulative uses per group on a real date axis.

    Parameters
    ----------
    uptake : DataFrame
        ``group, date, count, cumulative`` (:attr:`analysis.Spread.uptake`).
    groups : sequence of str, optional
        The groups drawn, in this order (default: all, in the table's order).
    term : str
        The formulation, for the title.

    Returns
    -------
    go.Figure
        One trace per group, named by it; its first point (the first use) is
        drawn larger. Each point's ``customdata`` is ``[group, date, count,
        cumulative]``.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["X", "X", "Y"], "count": [1, 2, 1], "cumulative": [1, 3, 1],
    ...     "date": pd.to_datetime(["2022-03-01", "2022-03-05", "2022-03-02"])})
    >>> fig = plot_uptake(t, term="zero-covid")
    >>> [(tr.name, list(tr.y)) for tr in fig.data]
    [('X', [1, 3]), ('Y', [1])]
    """
    order = list(groups) if groups is not None else list(dict.fromkeys(uptake[schema.GROUP]))
    fig = figure()
    for position, group in enumerate(order):
        style = series_style(position)
        rows = uptake[uptake[schema.GROUP] == group].sort_values(schema.DATE)
        days = [_day(d) for d in rows[schema.DATE]]
        fig.add_trace(
            trace(
                "scatter",
                name=str(group),
                x=days,
                y=[int(v) for v in rows["cumulative"]],
                mode="lines+markers",
                line={"shape": "hv", **style},
                marker={
                    "size": [12, *[6] * (len(days) - 1)] if days else [],
                    "color": style["color"],
                },
                customdata=[
                    [str(group), day, int(c), int(k)]
                    for day, c, k in zip(days, rows[schema.COUNT], rows["cumulative"], strict=True)
                ],
                hovertemplate=(
                    "<b>%{customdata[0]}</b> · %{customdata[1]}"
                    "<br>uses that day %{customdata[2]:,}<br>uses so far %{customdata[3]:,}"
                    "<extra></extra>"
                ),
            )
        )
    what = f"'{term}'" if term else "the formulation"
    fig.layout = themed_layout(
        title=title or f"Uses of {what} so far, per group",
        **TIMELINE,
        yaxis={"title": {"text": "uses so far"}, "rangemode": "tozero"},
        xaxis={"title": {"text": ""}, "type": "date"},
    )
    return fig


@builder
def plot_reuse_lag(uses: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """A timeline of reused passages: one row per passage, a mark per document using it.

    Parameters
    ----------
    uses : DataFrame
        ``passage, role, doc_id, group, date, lag_days, tokens, text``
        (:attr:`analysis.ReuseLag.uses`), the passages to draw.

    Returns
    -------
    go.Figure
        A grey line per passage from its first publisher to its last reuser;
        one marker trace per group (first publishers as diamonds), passage 1
        on top. Each marker's ``customdata`` is ``[passage, role, doc_id,
        group, date, lag_days, text]``.

    Examples
    --------
    >>> u = pd.DataFrame({"passage": [1, 1], "role": ["first", "reuse"],
    ...     "doc_id": ["a", "b"], "group": ["X", "Y"], "lag_days": [0, 3], "tokens": [6, 6],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-04"]), "text": ["t", "t"]})
    >>> [(tr.name, list(tr.x)) for tr in plot_reuse_lag(u).data]
    [('', ['2024-01-01', '2024-01-04']), ('X', ['2024-01-01']), ('Y', ['2024-01-04'])]
    """
    rows = [f"#{p}" for p in uses["passage"]]
    days = [_day(d) for d in uses[schema.DATE]]
    line_x: list[str | None] = []
    line_y: list[str | None] = []
    for passage in dict.fromkeys(uses["passage"]):
        dates = sorted(d for d, p in zip(days, uses["passage"], strict=True) if p == passage)
        line_x += [dates[0], dates[-1], None]
        line_y += [f"#{passage}", f"#{passage}", None]
    fig = figure(
        trace(
            "scatter",
            name="",
            x=line_x[:-1],
            y=line_y[:-1],
            mode="lines",
            line={"color": "#bbbbbb", "width": 2},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    order = list(dict.fromkeys(uses[schema.GROUP]))
    for position, group in enumerate(order):
        color = SERIES_COLORS[position % len(SERIES_COLORS)]
        mine = (uses[schema.GROUP] == group).to_numpy()
        picked = uses[mine]
        fig.add_trace(
            trace(
                "scatter",
                name=str(group),
                x=[d for d, m in zip(days, mine, strict=True) if m],
                y=[r for r, m in zip(rows, mine, strict=True) if m],
                mode="markers",
                marker={
                    "color": color,
                    "size": [13 if r == "first" else 9 for r in picked["role"]],
                    "symbol": ["diamond" if r == "first" else "circle" for r in picked["role"]],
                },
                customdata=[
                    [
                        int(p),
                        str(role),
                        str(doc),
                        str(group),
                        _day(date),
                        int(lag),
                        str(text)[:HOVER_TEXT] + ("…" if len(str(text)) > HOVER_TEXT else ""),
                    ]
                    for p, role, doc, date, lag, text in zip(
                        picked["passage"],
                        picked["role"],
                        picked[schema.DOC_ID],
                        picked[schema.DATE],
                        picked["lag_days"],
                        picked[schema.TEXT],
                        strict=True,
                    )
                ],
                hovertemplate=(
                    "<b>passage %{customdata[0]}</b> · %{customdata[1]}"
                    "<br>%{customdata[3]} · %{customdata[4]} · %{customdata[2]}"
                    "<br>%{customdata[5]} days after the first"
                    "<br>%{customdata[6]}<extra></extra>"
                ),
            )
        )
    n = len(dict.fromkeys(rows))
    fig.layout = themed_layout(
        title=title or "Reused passages: first publisher (◆) and reusers",
        height=max(260, 60 + 24 * n),
        showlegend=True,
        hovermode="closest",
        xaxis={"title": {"text": ""}, "type": "date"},
        yaxis={
            "title": {"text": "passage"},
            "type": "category",
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": list(dict.fromkeys(rows)),
        },
    )
    return fig
