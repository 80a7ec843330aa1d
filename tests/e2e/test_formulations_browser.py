"""Formulations in a real browser: zero-covid on the China headlines, one line per source,
a click on a source's first point opens its first use; hostile groups stay text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from analysis import Spread, build_index, formulation_spread, load_corpus
from analysis import schema as S
from tests.e2e.conftest import PAYLOADS
from tests.e2e.pointer import click_centre
from tests.e2e.test_hostile_browser import Visit

# Per trace of the uptake chart: its name, dates and running totals.
TRACES = """() => {
  const plot = document.querySelector('.st-key-formulations_uptake_chart .js-plotly-plot');
  if (!plot || !plot.data) return null;
  return plot.data.map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}));
}"""


@pytest.fixture(scope="module")
def spread(library: Path) -> Spread:
    """zero-covid on the headlines by the analysis (held to a regex count in its own tests)."""
    corpus = library / "headlines.jsonl"
    if not corpus.is_file():
        pytest.skip("the China headlines are absent (the shared corpora sit beside the checkout)")
    return formulation_spread(build_index(load_corpus(corpus)), None, "zero-covid")


def _firsts(spread: Spread) -> dict[str, tuple[str, int]]:
    """Per source using it: its first date and its count."""
    used = spread.table[spread.table[S.COUNT] > 0]
    return {
        str(g): (d.date().isoformat(), int(c))
        for g, d, c in used[[S.GROUP, "first_date", S.COUNT]].itertuples(index=False)
    }


def test_zero_covid_one_line_per_source_and_a_click_opens_its_first_use(
    app_url: str, new_page: Callable[[], Page], spread: Spread
) -> None:
    expected = _firsts(spread)
    groups = len(spread.table)
    page = new_page()
    page.goto(f"{app_url}/formulations?corpus=lib:headlines.jsonl&formulation=zero-covid")
    page.wait_for_selector(
        ".st-key-formulations_uptake_chart .js-plotly-plot .scatterlayer .point", timeout=180_000
    )
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)
    traces = page.evaluate(TRACES)
    assert {t["name"] for t in traces} == set(expected)  # one line per source using it
    for trace in traces:
        first, count = expected[trace["name"]]
        assert trace["x"][0] == first, trace["name"]
        assert trace["y"][-1] == count, trace["name"]  # every use is dated here
    firsts = sorted(expected, key=lambda g: expected[g][0])
    expect(
        page.get_by_text(f"{len(expected)} of {groups} groups use it, earliest first.")
    ).to_be_visible()
    earliest = firsts[0]
    expect(page.get_by_text(f"{earliest} first used it on {expected[earliest][0]}")).to_be_visible()

    # Plotly's drag layer takes the pointer events: click at the point's position.
    target = firsts[-1]
    position = [t["name"] for t in traces].index(target)
    point = (
        page.locator(".st-key-formulations_uptake_chart .js-plotly-plot .scatterlayer .trace")
        .nth(position)
        .locator(".point")
        .first
    )
    click_centre(page, point)
    caption = f"{target} first used it on {expected[target][0]}"
    expect(page.get_by_text(caption)).to_be_visible(timeout=60_000)
    lines = page.locator(".kwic-lines .kwic-line")
    expect(lines.first).to_be_visible(timeout=60_000)
    wheres = page.locator(".kwic-lines .kwic-where").all_inner_texts()
    assert wheres
    assert all(w.startswith(expected[target][0]) for w in wheres), wheres  # its first day
    marks = page.locator(".kwic-lines mark").all_inner_texts()
    assert marks
    assert {m.lower() for m in marks} == {"zero-covid"}
    page.wait_for_function("() => window.location.search.includes('first=')")


def test_hostile_groups_and_passages_stay_text(app_url: str, new_page: Callable[[], Page]) -> None:
    visit = Visit(new_page(), app_url)
    for group in ("source", "speaker"):
        visit.open(
            "formulations",
            {"formulation": "delta", "group": group, "first": PAYLOADS[1]},
            ready=".js-plotly-plot",
        )
        # the passages are searched once their section is opened
        visit.page.get_by_text("Reused passages", exact=True).click()
        visit.page.wait_for_selector(".st-key-formulations_reuse_chart .js-plotly-plot")
        visit.settle()
        visit.check()
    visit.open("formulations", {"formulation": f"river | {PAYLOADS[2]}", "group": PAYLOADS[0]})
    visit.check()
