"""Dispersion of a term: one row per document, a mark where each occurrence stands."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.charts.theme import PERIOD_COLOR, builder, figure, themed_layout, trace

#: Documents drawn, one row each; the page says so when a selection holds more.
MAX_DISPERSION_ROWS = 60
#: Characters of a title in a row's label (the full title is in the hover).
LABEL_TITLE = 48
RULE_COLOR = "rgba(49, 51, 63, 0.25)"


def _day(value: object) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]  # scalars only here
        return "undated"
    return pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]  # a date scalar


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= LABEL_TITLE else title[: LABEL_TITLE - 1].rstrip() + "…"


def dispersion_documents(table: pd.DataFrame) -> list[str]:
    """The documents of a ``dispersion`` table in the order it lists them (by date)."""
    return list(dict.fromkeys(table[schema.DOC_ID].astype(str)))


@builder
def plot_dispersion(
    table: pd.DataFrame, *, rows: int = MAX_DISPERSION_ROWS, title: str | None = None
) -> go.Figure:
    """Marks at each occurrence's position, one row per document of a ``dispersion`` table.

    The first ``rows`` documents in the table's order (by date) are drawn, the
    first at the top, each as a rule from 0 to 1 (its start to its end) with a
    mark per occurrence. A row is labelled by date and title (cut to
    :data:`LABEL_TITLE` characters). The marks' ``customdata`` is
    ``[doc_id, start, end, position, title, date]``.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}. Draw one document or more.")
    documents = dispersion_documents(table)[:rows]
    row_of = {doc: i for i, doc in enumerate(documents)}
    shown = table[table[schema.DOC_ID].astype(str).isin(row_of)]
    first = shown.drop_duplicates(schema.DOC_ID).set_index(schema.DOC_ID)
    labels = []
    for doc in documents:
        name = str(first.at[doc, schema.TITLE] or "").strip() or doc
        labels.append(f"{_day(first.at[doc, schema.DATE])} · {_short(name)}")
    rules_x: list[float | None] = []
    rules_y: list[int | None] = []
    for i in range(len(documents)):
        rules_x += [0.0, 1.0, None]
        rules_y += [i, i, None]
    fig = figure(
        trace(
            "scatter",
            x=rules_x,
            y=rules_y,
            mode="lines",
            line={"color": RULE_COLOR, "width": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    days = [_day(d) for d in shown[schema.DATE]]
    fig.add_trace(
        trace(
            "scatter",
            x=[float(p) for p in shown["position"]],
            y=[row_of[str(d)] for d in shown[schema.DOC_ID]],
            mode="markers",
            marker={
                "symbol": "line-ns-open",
                "size": 16,
                "line": {"width": 2, "color": PERIOD_COLOR},
                "color": PERIOD_COLOR,
            },
            customdata=[
                [str(d), int(s), int(e), float(p), str(t), day]
                for d, s, e, p, t, day in zip(
                    shown[schema.DOC_ID],
                    shown[schema.START],
                    shown[schema.END],
                    shown["position"],
                    shown[schema.TITLE],
                    days,
                    strict=True,
                )
            ],
            hovertemplate=(
                "<b>%{customdata[4]}</b><br>%{customdata[5]}"
                "<br>at %{x:.1%} of the document (characters %{customdata[1]}–%{customdata[2]})"
                "<br>click to read the line<extra></extra>"
            ),
            showlegend=False,
            name="occurrence",
        )
    )
    fig.layout = themed_layout(
        title=title or f"Where it occurs in {len(documents)} documents",
        height=max(220, 90 + 26 * len(documents)),
        hovermode="closest",
        yaxis={
            "tickvals": list(range(len(documents))),
            "ticktext": labels,
            "range": [len(documents) - 0.5, -0.5],
            "title": {"text": ""},
            "automargin": True,
            "showgrid": False,
            "zeroline": False,
        },
        xaxis={
            "range": [-0.02, 1.02],
            "tickformat": ".0%",
            "title": {"text": "position in the document"},
            "zeroline": False,
        },
    )
    return fig
