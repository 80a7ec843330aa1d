"""Dispersion, KWIC links and exports, and the document list, in a real browser."""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Callable
from urllib.parse import quote

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.pointer import click_centre

TERM = "yangtze river delta"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# The marks of the dispersion plot (its second trace): x, y and the clicked customdata.
MARKS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data || plot.data.length < 2) return null;
  const t = plot.data[1];
  return {x: Array.from(t.x), y: Array.from(t.y), custom: Array.from(t.customdata)};
}"""


ROW_HEIGHT = 35  # Streamlit's data grid: a header row, then rows of this height

# Sets window.__runStarted once the app's script state next becomes "running".
WATCH_RUN = """() => {
  window.__runStarted = false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__runWatch) window.__runWatch.disconnect();
  window.__runWatch = new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runStarted = true;
  });
  window.__runWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def _settle(page: Page) -> None:
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=90_000)


def _query(page: Page) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def _click_grid_row(page: Page, row: int) -> None:
    """Click the row marker of data row ``row`` (1-based) of the first data grid.

    The grid is drawn on a canvas, so the click goes to a place on the page. That place is
    read only once the grid has stopped moving: an expander opening above or around it
    animates its height, and a box read mid-animation puts the click on another row or
    outside the grid (a miss that then waited a minute for a document that never opened).
    """
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for _ in range(50):  # at most 5 s for the layout to settle
        page.wait_for_timeout(100)
        again = grid.bounding_box()
        if again == box and box is not None and box["height"] > ROW_HEIGHT * (row + 1):
            break
        box = again
    assert box is not None
    x, y = box["x"] + 18, box["y"] + ROW_HEIGHT * row + ROW_HEIGHT / 2
    # A selection reruns the script. A click the grid took before it could take clicks
    # (CI's fresh machine, once in three runs) starts no run: it is made again, and only
    # then, never after a run has begun (a second click on the row would unselect it).
    for _ in range(3):
        page.evaluate(WATCH_RUN)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        try:
            page.wait_for_function("() => window.__runStarted === true", timeout=20_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("three clicks on the grid row started no script run")


def test_clicking_a_dispersion_mark_shows_its_kwic_line(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/contexts?term={quote(TERM)}&ctab=dispersion")
    # a mark is a vertical stroke, zero pixels wide: attached, never "visible" to Playwright
    page.wait_for_selector(
        ".js-plotly-plot .scatterlayer .point", state="attached", timeout=120_000
    )
    _settle(page)
    marks = page.evaluate(MARKS)
    assert marks["y"] == [0] * 3 + [1] * 7  # 3 and 7 occurrences, the earlier document on top
    assert all(0 <= x <= 1 for x in marks["x"])
    assert page.locator(".kwic-lines").count() == 0

    # Plotly's drag layer takes the pointer events: click at the mark's place.
    points = page.locator(".js-plotly-plot .scatterlayer .trace").nth(1).locator(".point")
    expect(points).to_have_count(10)
    click_centre(page, points.nth(5))

    lines = page.locator(".kwic-lines .kwic-line")
    expect(lines).to_have_count(1, timeout=60_000)
    assert page.locator(".kwic-lines mark").inner_text().lower() == TERM
    doc, start = marks["custom"][5][0], marks["custom"][5][1]
    page.wait_for_function("() => window.location.search.includes('mark=')")
    assert _query(page)["mark"] == [f"{doc}|{start}"]
    expect(page.get_by_text(f"of {doc}", exact=False).first).to_be_visible()

    # The line's date opens its document in the reader, the term highlighted.
    page.locator(".kwic-lines a.kwic-doc").click()
    page.wait_for_selector(".doc-reader", timeout=120_000)
    _settle(page)
    assert "/documents" in page.url
    assert _query(page)["doc"] == [doc]
    assert len(page.locator(".doc-reader mark").all_inner_texts()) == 7


def test_the_document_list_opens_the_selected_document_in_the_reader(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/documents?corpus=sotu&dsort=-date")
    page.wait_for_selector(".doc-reader", timeout=180_000)
    _settle(page)
    first_doc = _query(page)["doc"][0]  # the newest speech is read until another is chosen
    # Row 3: its row marker sits at the grid's left edge, under the header row.
    _click_grid_row(page, 3)
    page.wait_for_function(
        f"() => !window.location.search.includes({urllib.parse.quote(first_doc)!r})",
        timeout=60_000,
    )
    _settle(page)
    doc = _query(page)["doc"][0]
    assert doc != first_doc
    assert doc.startswith("sotu-")
    # the third newest speech, read with its speaker beside its date
    header = page.get_by_test_id("stText").all_inner_texts()
    assert any(f"id {doc}" in text for text in header)


def test_kwic_pages_through_and_exports_every_line(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/contexts?corpus=sotu&term=liberty")
    page.wait_for_selector(".kwic-lines", timeout=180_000)
    _settle(page)
    said = page.get_by_text("occurrences of 'liberty'", exact=False)
    expect(said).to_contain_text("lines 1–200 shown")
    total = int(said.inner_text().split(" ")[0].replace(",", ""))
    assert total > 200
    assert page.locator(".kwic-lines .kwic-line").count() == 200
    # the date and the speaker stand on one line, however long the name
    heights = page.eval_on_selector_all(
        ".kwic-lines .kwic-where", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    line = page.eval_on_selector(".kwic-lines .kwic-right", "e => e.getBoundingClientRect().height")
    assert max(heights) <= line + 1
    button = page.locator(".st-key-contexts_kwic_csv").get_by_role("button")
    with page.expect_download(timeout=120_000) as info:
        button.click()
    rows = list(csv.reader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
    assert len(rows) == total + 1  # every line, not the page shown
    assert "speaker" in rows[0]
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    box = page.locator(".st-key-contexts_kwic_page input")
    box.fill("2")
    box.press("Enter")
    expect(said).to_contain_text(f"lines 201–{min(400, total)} shown", timeout=60_000)
    page.wait_for_function("() => window.location.search.includes('kpage=2')")


def test_selecting_a_kwic_table_row_opens_its_document(
    app_url: str, new_page: Callable[[], Page]
) -> None:
    page = new_page()
    page.goto(f"{app_url}/contexts?term={quote(TERM)}")
    page.wait_for_selector(".kwic-lines", timeout=120_000)
    _settle(page)
    page.get_by_text("As a table", exact=False).click()
    # the fourth line is the first of the later document (3 lines, then 7)
    _click_grid_row(page, 4)
    page.wait_for_selector(".doc-reader", timeout=60_000)
    _settle(page)
    assert "/documents" in page.url
    assert _query(page)["doc"] == ["001_7b4caa0f675dee39.txt"]
    assert len(page.locator(".doc-reader mark").all_inner_texts()) == 7
