"""The one theme of every chart, and the pass that keeps data strings from being markup.

Every builder (``plot_<analysis>``) is marked with :func:`builder`: its figure
leaves with every data string escaped (:func:`inert`) and is drawn with
:func:`themed`. The template is set explicitly because ``import streamlit``
changes plotly's default template, and exported images must look like the screen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis import schema
from dashboard.escape import svg

TEMPLATE = "plotly_white"
FONT_FAMILY = "Noto Sans, Noto Sans CJK SC, Arial, sans-serif"
KIND_COLORS = {schema.WORD: "#3366aa", schema.PHRASE: "#e07b1a"}
PERIOD_COLOR = "#3366aa"
WORDCLOUD_COLORMAP = "tab10"
#: Colours of the series of one chart (terms, themes, topics), in order: the first 12 far
#: apart (tab10, near-black and dark gold), then 12 lighter or darker kin of them (tab20's
#: pale halves, navy, dark olive). Past 24 series the colours repeat with another dash.
SERIES_COLORS: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#222222", "#b8860b",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
    "#dbdb8d", "#9edae5", "#393b79", "#637939",
)  # fmt: skip
SERIES_DASHES = ("solid", "dash", "dot", "dashdot")


def series_style(position: int) -> dict[str, str]:
    """Line colour and dash of the series at ``position``: no two alike for 96 series.

    Examples
    --------
    >>> series_style(0), series_style(24)
    ({'color': '#1f77b4', 'dash': 'solid'}, {'color': '#1f77b4', 'dash': 'dash'})
    """
    colors = len(SERIES_COLORS)
    return {
        "color": SERIES_COLORS[position % colors],
        "dash": SERIES_DASHES[(position // colors) % len(SERIES_DASHES)],
    }


#: Trace properties whose strings plotly draws (and reads as pseudo-HTML). ``hovertemplate``
#: is not among them: it is written here, never taken from data, and its ``%{...}`` values
#: are the escaped ``customdata``/``x``/``y``/``text``.
_TRACE_TEXT = ("name", "text", "hovertext", "x", "y", "customdata", "labels", "legendgroup")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return svg(value)
    if isinstance(value, np.ndarray):
        return np.array([_escaped(v) for v in value.tolist()], dtype=object)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def gaps(value: Any) -> float | None:
    """``value`` as a float, or ``None`` where it is missing (plotly draws a gap, not a 0).

    >>> gaps(0.25), gaps(float("nan")), gaps(None)
    (0.25, None, None)
    """
    if value is None or pd.isna(value):
        return None
    return float(value)


def inert(fig: go.Figure) -> go.Figure:
    """Escape every drawn string of ``fig`` that could come from a document or a link.

    Terms, titles, sources, ids and topic labels reach trace names, category
    axes, hover values and titles; plotly would turn ``<a href>`` in them into
    a live SVG link and ``<br>`` into a line break. Clicked ``customdata``
    comes back escaped: read it with :func:`dashboard.escape.unsvg`.
    """
    for trace in fig.data:
        for prop in _TRACE_TEXT:
            value = trace[prop] if prop in trace else None  # noqa: SIM401  (no .get on traces)
            if value is not None:
                trace[prop] = _escaped(value)
    layout = fig.layout
    if layout.title.text:
        layout.title.text = svg(layout.title.text)
    for name in layout:
        if not (name.startswith("xaxis") or name.startswith("yaxis")):
            continue
        axis = layout[name]
        if axis.title.text:
            axis.title.text = svg(axis.title.text)
        for prop in ("ticktext", "categoryarray"):
            if axis[prop] is not None:
                axis[prop] = _escaped(axis[prop])
    for note in layout.annotations or ():
        if note.text:
            note.text = svg(note.text)
    return fig


def builder(plot: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Mark a ``plot_`` builder: its figure leaves with every data string escaped."""

    @functools.wraps(plot)
    def build(*args: Any, **kwargs: Any) -> go.Figure:
        return inert(plot(*args, **kwargs))

    return build


#: Where every legend goes: outside the plot on its right, one entry a line.
LEGEND: dict[str, Any] = {
    "title": {"text": ""},
    "orientation": "v",
    "x": 1.02,
    "xanchor": "left",
    "y": 1,
    "yanchor": "top",
}


def themed(fig: go.Figure, *, title: str) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0, "xanchor": "left"},
        font={"family": FONT_FAMILY, "size": 13},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # The legend stands right of the plot, top-aligned, in a column: it never reaches
        # the title's band above the plot, however many series there are.
        legend=LEGEND,
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    return fig
