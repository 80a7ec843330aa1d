"""Trends in a real browser: click a point of the chart, read the lines behind it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.e2e.pointer import click_centre

# Per trace of the first chart: its name and x values (the period of each point).
TRACES = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data) return null;
  return plot.data.map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}));
}"""


def test_clicking_a_trend_point_shows_kwic_lines_from_that_period(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/trends?trend={quote('yangtze river delta')}&by=day")
    page.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    traces = page.evaluate(TRACES)
    assert traces[0]["name"] == "yangtze river delta"
    assert traces[0]["x"] == ["2023-11-30", "2023-12-01", "2023-12-02", "2023-12-03"]
    assert page.locator(".kwic-lines").count() == 0  # no evidence before a click

    # Plotly's drag layer takes the pointer events, so click at the point's position.
    # Days without documents have no rate (a gap, no point drawn): count the drawn ones.
    drawn = [
        x for x, y in zip(traces[0]["x"], traces[0]["y"], strict=True) if y is not None and y == y
    ]
    assert drawn == ["2023-11-30", "2023-12-03"]
    point = page.locator(".js-plotly-plot .scatterlayer .trace").first.locator(".point")
    click_centre(page, point.nth(drawn.index("2023-12-03")))

    lines = page.locator(".kwic-lines .kwic-line")
    expect(lines).to_have_count(7, timeout=60_000)
    assert set(page.locator(".kwic-lines .kwic-where").all_inner_texts()) == {"2023-12-03"}
    marks = page.locator(".kwic-lines mark").all_inner_texts()
    assert {m.lower() for m in marks} == {"yangtze river delta"}
    expect(page.get_by_text("7 occurrences of 'yangtze river delta' in 2023-12-03")).to_be_visible()
    page.wait_for_function("() => window.location.search.includes('pick=')")
    assert "2023-12-03" in page.evaluate("() => decodeURIComponent(window.location.search)")


def test_typing_civil_war_on_sotu_draws_it_and_a_click_opens_its_lines(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/trends?corpus=sotu&by=year&norm=count")
    box = page.locator(".st-key-trends_terms input")
    expect(box).to_be_visible(timeout=180_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
    box.fill("civil war")
    box.press("Enter")
    drawn = (
        f"() => {{ const t = ({TRACES})(); "
        "return t && t.length === 1 && t[0].name === 'civil war'; }"
    )
    page.wait_for_function(drawn, timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    (trace,) = page.evaluate(TRACES)
    assert sum(trace["y"]) > 0  # counted on the fly, not "not found"
    expect(page.get_by_text("Counted on the fly", exact=False)).to_be_visible()

    peak = trace["y"].index(max(trace["y"]))
    point = page.locator(".js-plotly-plot .scatterlayer .trace").first.locator(".point")
    click_centre(page, point.nth(peak))
    lines = page.locator(".kwic-lines .kwic-line")
    expect(lines.first).to_be_visible(timeout=60_000)
    assert lines.count() == max(trace["y"])
    marks = page.locator(".kwic-lines mark").all_inner_texts()
    assert {" ".join(m.lower().split()) for m in marks} == {"civil war"}
