"""Each group's key terms against the rest: one panel of bars per group."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import schema
from dashboard.charts.theme import builder, series_style, themed

#: Panels side by side.
COLUMNS = 2
#: Characters of a group name kept in its panel title.
TITLE_CHARS = 40

_HOVER = (
    "<b>%{customdata[1]}</b> in %{customdata[0]}<br>%{customdata[2]:,} here · "
    "%{customdata[3]:,} in the rest<br>log-likelihood %{customdata[4]:,.2f}"
    "<br>log ratio %{customdata[5]:+.2f}<br>p %{customdata[6]:.2g}<extra></extra>"
)


def _custom(rows: pd.DataFrame) -> list[list[Any]]:
    columns = [
        schema.GROUP, schema.TERM, schema.COUNT, schema.COUNT_REST, schema.LL,
        schema.LOG_RATIO, schema.P,
    ]  # fmt: skip
    return [
        [str(g), str(t), int(c), int(r), float(ll), float(lr), float(p)]
        for g, t, c, r, ll, lr, p in rows[columns].itertuples(index=False, name=None)
    ]


@builder
def plot_group_keyness(
    table: pd.DataFrame, *, top: int = 10, field: str = "group", title: str | None = None
) -> go.Figure:
    """One panel per group of a ``group_keyness`` table: its ``top`` terms by log-likelihood.

    Bars are the log-likelihood, the strongest term on top, one colour per
    group; panels run in the table's group order, two abreast. ``customdata``
    is ``[group, term, count, count_rest, ll, log_ratio, p]``, so a click
    names the group and the term.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["A", "A", "B"], "term": ["x", "y", "z"], "count": [3, 2, 4],
    ...                   "count_rest": [0, 1, 0], "ll": [5.0, 1.0, 6.0],
    ...                   "log_ratio": [2.0, 1.0, 3.0], "p": [0.02, 0.3, 0.01]})
    >>> fig = plot_group_keyness(t, top=1)
    >>> [(trace.name, list(trace.y)) for trace in fig.data]
    [('A', ['x']), ('B', ['z'])]
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}. Ask for one term or more.")
    groups = list(dict.fromkeys(table[schema.GROUP].astype(str)))
    rows_n = max(1, math.ceil(len(groups) / COLUMNS))
    names = [g if len(g) <= TITLE_CHARS else g[: TITLE_CHARS - 1] + "…" for g in groups]
    fig = make_subplots(
        rows=rows_n,
        cols=COLUMNS,
        subplot_titles=names or None,
        horizontal_spacing=0.22,
        vertical_spacing=min(0.3 / rows_n + 0.04, 0.12),
    )
    tallest = 1
    for i, group in enumerate(groups):
        rows = table[table[schema.GROUP].astype(str) == group]
        rows = rows.sort_values(schema.LL, ascending=False, kind="stable").head(top)
        tallest = max(tallest, len(rows))
        fig.add_trace(
            go.Bar(
                name=group,
                x=[float(v) for v in rows[schema.LL]],
                y=rows[schema.TERM].astype(str).tolist(),
                orientation="h",
                marker={"color": series_style(i)["color"]},
                customdata=_custom(rows),
                hovertemplate=_HOVER,
                showlegend=False,
            ),
            row=i // COLUMNS + 1,
            col=i % COLUMNS + 1,
        )
        fig.update_yaxes(
            autorange="reversed", automargin=True, row=i // COLUMNS + 1, col=i % COLUMNS + 1
        )
    themed(fig, title=title or f"Key terms of each {field} against the rest (log-likelihood)")
    fig.update_layout(height=max(320, 120 + rows_n * (60 + 20 * tallest)), bargap=0.2)
    fig.update_xaxes(rangemode="tozero")
    return fig
