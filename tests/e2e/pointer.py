"""Clicks at a place on the page, read once the layout there has stopped moving.

Plotly's drag layer takes the pointer events and a data grid is drawn on a canvas, so
tests click at a mark's or a row's position rather than on an element. A position read
while the page is still moving (an expander animating its height, a caption or a status
box appearing above, the chart redrawn by the script run that drew it) puts the click
beside its target: on a busy machine the miss then waits a minute for what never opens.
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def settled_box(locator: Locator, *, rounds: int = 50) -> dict[str, float]:
    """``locator``'s bounding box once two reads 100 ms apart agree (at most ``rounds``)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    for _ in range(rounds):
        locator.page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again is not None and again == box:
            break
        box = again
    assert box is not None, "the element has no place on the page"
    return box


def click_centre(page: Page, locator: Locator) -> None:
    """Move to the middle of ``locator``'s settled box and click there."""
    box = settled_box(locator)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)
