"""The one theme of every chart, and the pass that keeps data strings from being markup.

Every builder (``plot_<analysis>``) is marked with :func:`builder`: its figure
leaves with every data string escaped (:func:`inert`) and is drawn with
:func:`themed`. The template is set explicitly because ``import streamlit``
changes plotly's default template, and exported images must look like the screen.

Figures are made of plain trace dicts (:func:`figure`, :func:`trace`), each
validated once as it is added, and layout values plotly stores as given: validating
trace objects twice, every layout update, and copying the whole template into
each figure cost most of a page run. A test validates every builder's figure
whole and checks that validation changes nothing.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

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


def _escaped(value: Any, seen: dict[str, str]) -> Any:
    """``value`` with every string in it escaped; ``seen``: the strings escaped so far (a
    timeline repeats its labels and periods at every point)."""
    if isinstance(value, str):
        done = seen.get(value)
        if done is None:
            done = seen[value] = svg(value)
        return done
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":  # numbers: nothing to escape
            return value
        return np.array([_escaped(v, seen) for v in value.tolist()], dtype=object)
    if isinstance(value, list | tuple):
        return [_escaped(v, seen) for v in value]
    return value


def gaps(value: Any) -> float | None:
    """``value`` as a float, or ``None`` where it is missing (plotly draws a gap, not a 0).

    >>> gaps(0.25), gaps(float("nan")), gaps(None)
    (0.25, None, None)
    """
    if value is None or pd.isna(value):
        return None
    return float(value)


def _escape_title(owner: dict[str, Any]) -> None:
    title = owner.get("title")
    if isinstance(title, str):
        owner["title"] = svg(title)
    elif isinstance(title, dict) and title.get("text"):
        title["text"] = svg(title["text"])


def inert(spec: dict[str, Any]) -> dict[str, Any]:
    """Escape every drawn string of a figure's JSON (``data``, ``layout``) that could
    come from a document or a link, in place.

    Terms, titles, sources, ids and topic labels reach trace names, category
    axes, hover values and titles; plotly would turn ``<a href>`` in them into
    a live SVG link and ``<br>`` into a line break. Clicked ``customdata``
    comes back escaped: read it with :func:`dashboard.escape.unsvg`.
    """
    seen: dict[str, str] = {}
    for one in spec.get("data") or ():
        for prop in _TRACE_TEXT:
            if one.get(prop) is not None:
                one[prop] = _escaped(one[prop], seen)
    layout = spec.setdefault("layout", {})
    _escape_title(layout)
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            _escape_title(axis)
            for prop in ("ticktext", "categoryarray"):
                if axis.get(prop) is not None:
                    axis[prop] = _escaped(axis[prop], seen)
    for note in layout.get("annotations") or ():
        if note.get("text"):
            note["text"] = svg(note["text"])
    return spec


#: The template as plain JSON, made once: naming it on a figure deep-copies and
#: validates the defaults of every trace type plotly knows, on every figure.
_TEMPLATE_JSON: dict[str, Any] = pio.templates[TEMPLATE].to_plotly_json()


def templated(spec: dict[str, Any]) -> dict[str, Any]:
    """Give a figure's JSON the template :data:`TEMPLATE`, in place: its layout, and the
    trace defaults of the trace types the figure has (other types' change nothing drawn)."""
    kinds = {one.get("type", "scatter") for one in spec.get("data") or ()}
    template = {
        "data": {kind: v for kind, v in _TEMPLATE_JSON["data"].items() if kind in kinds},
        "layout": _TEMPLATE_JSON["layout"],
    }
    spec.setdefault("layout", {})["template"] = copy.deepcopy(template)
    return spec


def builder(plot: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Mark a ``plot_`` builder: its figure leaves with every data string escaped
    (:func:`inert`), drawn with the template (:func:`templated`).

    The figure is made again from its escaped JSON without validating it once more
    (plotly validated it, or it was built of plain dicts by :func:`figure`).
    """

    @functools.wraps(plot)
    def build(*args: Any, **kwargs: Any) -> go.Figure:
        fig = plot(*args, **kwargs)
        # Each part's own JSON (``fig.to_dict()`` would write arrays as base64).
        spec = {
            "data": [one.to_plotly_json() for one in fig.data],
            "layout": fig.layout.to_plotly_json(),
        }
        return go.Figure(templated(inert(spec)), _validate=False)

    return build


def figure(*traces: Mapping[str, Any], layout: Mapping[str, Any] | None = None) -> go.Figure:
    """A figure of plain trace dicts (:func:`trace`), each validated as it is added, and
    a ``layout`` (:func:`themed_layout`) stored as given, as are the values of later
    layout updates (their names are checked).

    A wrong layout value would reach the browser: ``tests/dashboard/test_charts.py``
    validates every builder's figure whole. A layout given here costs a fraction of
    the same settings made by ``update_layout`` calls.
    """
    fig = go.Figure(layout=dict(layout or {}), _validate=False)
    for one in traces:
        fig.add_trace(dict(one))
    return fig


def trace(kind: str, **props: Any) -> dict[str, Any]:
    """A trace of type ``kind`` (``bar``, ``scatter``, ``heatmap``) as a plain dict."""
    return {"type": kind, **props}


#: Layout of a clickable timeline (trends, topics, uptake): a point click selects it.
TIMELINE: dict[str, Any] = {
    "height": 440,
    "showlegend": True,
    "clickmode": "event+select",
    "hovermode": "closest",
}

#: Where every legend goes: outside the plot on its right, one entry a line.
LEGEND: dict[str, Any] = {
    "title": {"text": ""},
    "orientation": "v",
    "x": 1.02,
    "xanchor": "left",
    "y": 1,
    "yanchor": "top",
}


def _theme(title: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "font": {"family": FONT_FAMILY, "size": 13},
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        # The legend stands right of the plot, top-aligned, in a column: it never reaches
        # the title's band above the plot, however many series there are.
        "legend": copy.deepcopy(LEGEND),
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }


def themed(fig: go.Figure, *, title: str) -> go.Figure:
    fig.update_layout(_theme(title))
    return fig


def themed_layout(*, title: str, **layout: Any) -> dict[str, Any]:
    """The theme's layout with ``title``, and the builder's own settings (each given whole:
    an axis as one dict) for :func:`figure`."""
    return {**_theme(title), **layout}
