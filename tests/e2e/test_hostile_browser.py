"""Hostile links and documents in a real browser: nothing runs, nothing renders, nothing leaves.

Every field of the ``lib:attack.jsonl`` corpus (text, title, source, id, speaker)
and every URL parameter carries a payload: Markdown images and links, bold,
``:red[...]`` directives and shortcodes, KaTeX, headings, script, event
handlers, ``javascript:`` links, iframes, style, entities, spreadsheet formulas,
bidi overrides and plotly pseudo-HTML. Each page is opened with them; the
browser must show no dialog, send no request off the app's origin (every other
request is aborted and recorded), and render none of them as markup: the
payloads stand as text. Exports carry no live formula, whatever the column type.
"""

from __future__ import annotations

import csv
import io
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import MARK, PAYLOADS

CORPUS = "lib:attack.jsonl"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Elements that would mean a payload was read as markup: any of them holding the mark, or
# pointing off the app, is a failure. Streamlit's own header anchors point inside the page.
INSPECT = """([mark, origin]) => {
  const found = [];
  const roots = document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]');
  const markup = 'a, img, iframe, object, embed, script, style, strong, em, b, i, del, code, '
    + 'h1, h2, h3, h4, h5, h6, li, .katex, [class*="Colored"], span[style*="color"]';
  for (const root of roots) {
    for (const el of root.querySelectorAll(markup)) {
      const tag = el.tagName.toLowerCase();
      const url = el.getAttribute('href') || el.getAttribute('src') || '';
      const text = (el.textContent || '') + ' ' + el.outerHTML.slice(0, 300);
      const external = url && !url.startsWith('#') && !url.startsWith('/')
        && !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:');
      const heading = /^h[1-6]$/.test(tag) && el.closest('[data-testid="stHeading"]')
        && !text.includes(mark);
      if (heading) continue;
      // A concordance line's own link to its document: made by the app (data cannot make an
      // element), text only inside, pointing at the app's Documents page.
      const ours = tag === 'a' && el.classList.contains('kwic-doc') && el.children.length === 0
        && url.startsWith("documents?");
      if (ours) continue;
      if (external || url.startsWith('javascript:') || text.includes(mark)) {
        found.push(tag + ': ' + el.outerHTML.slice(0, 200));
      }
    }
    for (const link of root.querySelectorAll('.js-plotly-plot a')) {
      found.push('plotly link: ' + link.outerHTML.slice(0, 200));
    }
  }
  return found;
}"""


class Visit:
    """One browser page with every off-origin request aborted and recorded."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, path: str, params: dict[str, str | list[str]], *, ready: str = "h2") -> None:
        query = urllib.parse.urlencode({"corpus": CORPUS, **params}, doseq=True)
        self.page.goto(f"{self.base}/{path}?{query}")
        self.page.wait_for_selector(f"[data-testid='stMain'] {ready}", timeout=120_000)
        self.settle()

    def settle(self) -> None:
        expect(self.page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=90_000)
        self.page.wait_for_timeout(500)  # let plotly finish drawing

    def shown(self) -> str:
        # innerText leaves out SVG: plotly's labels are added from their text nodes.
        text = str(
            self.page.evaluate(
                "() => document.body.innerText + ' ' + Array.from("
                "document.querySelectorAll('svg text')).map(t => t.textContent).join(' ')"
            )
        )
        return text.replace("\u2060", "")

    def check(self, *, expect_mark: bool = True) -> None:
        found = self.page.evaluate(INSPECT, [MARK, self.base])
        assert found == [], "\n".join(found)
        assert self.page.evaluate("() => typeof window.__xss") == "undefined"
        assert self.blocked == [], self.blocked
        assert self.dialogs == [], self.dialogs
        if expect_mark:  # the payloads were really on the page, as text
            assert MARK in self.shown()

    def download(self, key: str) -> bytes:
        button = self.page.locator(f".st-key-{key}").get_by_role("button")
        with self.page.expect_download(timeout=60_000) as info:
            button.click()
        return info.value.path().read_bytes()


@pytest.fixture
def visit(app_url: str, new_page: Callable[[], Page]) -> Visit:
    return Visit(new_page(), app_url)


def _no_live_formula(csv_bytes: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    return rows


def test_link_values_show_as_text_on_every_page(visit: Visit) -> None:
    image, login, bold, red, math = PAYLOADS[:5]
    visit.open("", {"q": image})
    assert f"containing '{image}'" in visit.shown()
    visit.check()

    visit.open("", {"kind": login, "top": bold})
    assert f"kind={login}" in visit.shown()
    assert f"top={bold}" in visit.shown()
    visit.check()

    visit.page.goto(f"{visit.base}/?" + urllib.parse.urlencode({"corpus": red + math}))
    visit.page.wait_for_selector("[data-testid='stMain'] h2", timeout=120_000)
    visit.settle()
    assert f"The corpus '{red + math}' is not available" in visit.shown()
    visit.check()

    for path in ("terms", "documents", "compare", "topics", "data"):
        visit.open(path, {"q": login, "term": red})
        visit.check(expect_mark=path != "data")  # the Data page names no filter


def test_hostile_terms_and_picks_on_trends(visit: Visit) -> None:
    name = PAYLOADS[7]  # an <img onerror> with the mark
    visit.open(
        "trends",
        {
            "trend": [PAYLOADS[1], "delta"],
            "theme": f"{PAYLOADS[2]} = river, delta",
            "pick": "delta|2024-01-01",
            "by": "month",
        },
        ready=".js-plotly-plot",
    )
    visit.check()
    visit.open("trends", {"trend": name, "pick": f"{name}|2024-01-01", "by": "month"}, ready="h2")
    visit.check()


def test_topic_labels_from_the_link_stay_text_in_the_chart(visit: Visit) -> None:
    label = PAYLOADS[14]  # <br>...<b>b</b>: plotly pseudo-HTML
    visit.open(
        "topics",
        {"k": "2", "label": [f"0={label}", f"1={PAYLOADS[8]}"], "tpick": "0|2024-01-01"},
        ready=".js-plotly-plot",
    )
    visit.check()
    legend = str(
        visit.page.evaluate(
            "() => Array.from(document.querySelectorAll('.js-plotly-plot .legend text'))"
            ".map(t => t.textContent).join(' ')"
        )
    )
    assert "<br>" in legend
    assert "<b>b</b>" in legend


def test_hostile_documents_on_contexts_compare_documents_and_data(visit: Visit) -> None:
    visit.open("contexts", {"term": "delta"}, ready=".kwic-lines")
    visit.check()
    hrefs = visit.page.eval_on_selector_all(
        ".kwic-lines a.kwic-doc", "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs  # each line links to its document, the hostile id as a URL value
    ids = {f"{payload} #{i}" for i, payload in enumerate(PAYLOADS)}
    for href in hrefs:
        path, _, query = href.partition("?")
        assert path == "documents"
        assert urllib.parse.parse_qs(query)["doc"][0] in ids
    rows = _no_live_formula(visit.download("contexts_kwic_csv"))
    assert any(MARK in cell for row in rows for cell in row)
    visit.page.get_by_role("tab", name="Collocates").click()
    # the tab is drawn when chosen (a rerun): wait for its chart, then for plotly to draw it
    visit.page.wait_for_selector(".js-plotly-plot .ytick text", timeout=60_000)
    visit.settle()
    visit.check()
    # the dispersion plot's rows are labelled by hostile titles; a mark's line by its source
    first = f"{PAYLOADS[0]} #0"
    visit.open(
        "contexts",
        {"term": "delta", "ctab": "dispersion", "mark": f"{first}|4"},
        ready=".js-plotly-plot .ytick text",
    )
    visit.check()
    expect(visit.page.locator(".kwic-lines .kwic-line")).to_have_count(1)

    for kind in ("source", "speaker"):
        visit.open(
            "compare",
            {
                "a_kind": kind,
                "a": PAYLOADS[0] if kind == "source" else PAYLOADS[1],
                "b_kind": kind,
                "b": PAYLOADS[1] if kind == "source" else PAYLOADS[2],
                "kmin": "1",
            },
            ready=".js-plotly-plot",
        )
        visit.check()

    first = f"{PAYLOADS[0]} #0"
    visit.open("compare", {"a": first, "b": f"{PAYLOADS[7]} #7"}, ready=".compare-reader")
    visit.check()

    visit.open("documents", {"term": "delta", "doc": f"{PAYLOADS[12]} #12"}, ready=".doc-reader")
    visit.check()
    assert "\u202e" not in visit.shown()  # the bidi override is neutralised for display

    visit.open("data", {})
    visit.check(expect_mark=False)  # the ledger is a canvas grid; its CSV holds the marks
    ledger = _no_live_formula(visit.download("data_ledger_all_csv"))
    assert any(MARK in cell for row in ledger for cell in row)

    visit.open("terms", {}, ready=".js-plotly-plot")
    visit.check()
    # Only the open tab is drawn (lazy tabs): the cloud is an image and the table a canvas
    # grid, so no payload shows there as text; the table's CSV holds them, neutralised.
    for tab in ("Word cloud", "Table"):
        visit.page.get_by_role("tab", name=tab).click()
        visit.settle()
        visit.check(expect_mark=False)
    terms = _no_live_formula(visit.download("terms_terms_csv"))
    assert any(MARK in cell for row in terms for cell in row)


def test_the_report_of_hostile_documents_runs_and_fetches_nothing(
    visit: Visit, tmp_path: Path
) -> None:
    visit.open("", {}, ready=".js-plotly-plot")
    visit.check()
    saved = tmp_path / "report.html"
    saved.write_bytes(visit.download("overview_report_html"))
    # Opened from disk in the same guarded context: only the file itself may load.
    visit.base = saved.as_uri()
    visit.page.goto(saved.as_uri())
    visit.page.wait_for_selector("#chart-1 .main-svg", timeout=60_000)
    found = visit.page.evaluate(
        """(mark) => Array.from(document.body.querySelectorAll('a, img, iframe, object, embed, '
             + 'style, strong, em, b, i, svg a, script'))
           .filter(el => el.tagName !== 'SCRIPT' || (el.textContent || '').includes(mark))
           .map(el => el.outerHTML.slice(0, 200))""",
        MARK,
    )
    assert found == []
    assert visit.page.evaluate("() => typeof window.__xss") == "undefined"
    assert visit.blocked == [], visit.blocked
    assert visit.dialogs == []
    # The payloads are there, as text: titles in the document list, sources in their table.
    text = visit.shown()
    assert text.count(MARK) >= 10
    shown_as_typed = [p for p in PAYLOADS if p in text]
    assert len(shown_as_typed) >= 8
    assert any("<script>" in p or "<img" in p for p in shown_as_typed)
