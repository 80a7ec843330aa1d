"""Topics in a real browser: a point of the timeline opens its passages, drawn or not.

A long timeline draws at most ``MARKERS_DRAWN`` markers a topic (the browser's time
goes into drawing markers); the others are still points of the trace, which a click
at their place opens as a drawn one does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from dashboard.charts.topics import MARKERS_DRAWN

# Per trace of the timeline: its points (x, y, topic, period label), the indices of the
# markers drawn, and each point's place on the page (plotly's own axis conversions).
POINTS = """() => {
  const plot = document.querySelector('.st-key-topics_timeline_chart .js-plotly-plot');
  if (!plot || !plot._fullLayout || !plot._fullLayout.xaxis) return null;
  const box = plot.getBoundingClientRect(), L = plot._fullLayout;
  const xa = L.xaxis, ya = L.yaxis;
  return Array.from(plot.querySelectorAll('.scatterlayer .trace')).map((node, n) => {
    const t = plot.data[n];
    const drawn = Array.from(node.querySelectorAll('.point')).map(p => p.__data__.i);
    const points = Array.from(t.x).map((x, i) => ({
      i, y: t.y[i], topic: t.customdata[i][0], period: t.customdata[i][1],
      px: box.left + L._size.l + xa.d2p(x), py: box.top + L._size.t + ya.d2p(t.y[i]),
    }));
    return {drawn, points};
  });
}"""


def _undrawn_point_apart(traces: list[dict[str, Any]]) -> dict[str, Any]:
    """A point without a marker, 30 px from every other point (so a click finds it)."""
    every = [p for t in traces for p in t["points"] if p["y"] is not None]
    for trace in traces:
        drawn = set(trace["drawn"])
        for point in trace["points"]:
            if point["i"] in drawn or point["y"] is None:
                continue
            near = [
                q
                for q in every
                if q is not point
                and (q["px"] - point["px"]) ** 2 + (q["py"] - point["py"]) ** 2 < 30**2
            ]
            if not near:
                return point
    raise AssertionError("no undrawn point stands apart")


def test_a_click_on_a_timeline_point_without_a_marker_opens_its_passages(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/topics?corpus=sotu&by=year")
    page.wait_for_selector(".st-key-topics_timeline_chart .point", timeout=240_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
    page.locator(".st-key-topics_timeline_chart").scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the chart's last redraw after the run
    traces = page.evaluate(POINTS)
    assert traces
    for trace in traces:  # a year a point: more points than markers, a marker at most each
        assert len(trace["points"]) > MARKERS_DRAWN
        assert 0 < len(trace["drawn"]) <= MARKERS_DRAWN
    target = _undrawn_point_apart(traces)
    page.mouse.move(target["px"], target["py"])
    page.mouse.click(target["px"], target["py"])
    heading = f"Passages of topic {target['topic']} in {target['period']}"
    expect(page.get_by_text(heading)).to_be_visible(timeout=120_000)
    page.wait_for_function("() => window.location.search.includes('tpick=')", timeout=60_000)
