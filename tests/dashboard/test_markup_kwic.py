"""KWIC lines as HTML: the telling column on one line, links to documents, all escaped."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd

from dashboard.markup import WHERE_STYLE, kwic_html

LINES = pd.DataFrame(
    {
        "date": pd.to_datetime(["1861-12-03", None]),
        "source": ["UCSB", "UCSB"],
        "speaker": ['Abraham "Abe" <b>Lincoln</b>', ""],
        "left": ["the", "a <i>"],
        "match": ["Union", "union"],
        "right": ["must", "b"],
    }
)


def _where(html: str) -> list[tuple[str, str]]:
    """(tag, shown text) of each line's first cell."""
    return [
        (tag, unescape(text))
        for tag, text in re.findall(r'<(a|span) class="kwic-where[^"]*"[^>]*>([^<]*)</', html)
    ]


def test_the_where_cell_shows_the_telling_column_on_one_line() -> None:
    html = kwic_html(LINES, where="speaker")
    assert _where(html) == [
        ("span", '1861-12-03 · Abraham "Abe" <b>Lincoln</b>'),
        ("span", "undated"),  # no speaker: the date alone
    ]
    assert html.count(WHERE_STYLE) == 2
    assert "white-space: nowrap" in WHERE_STYLE
    assert "text-overflow: ellipsis" in WHERE_STYLE
    assert "<b>" not in html  # the speaker's markup is text
    assert _where(kwic_html(LINES))[0] == ("span", "1861-12-03 · UCSB")  # default: source
    assert _where(kwic_html(LINES, where=""))[0] == ("span", "1861-12-03")


def test_links_open_the_document_and_stay_inert() -> None:
    links = ['documents?doc=a"><script>x</script>&term=union', ""]
    html = kwic_html(LINES, where="speaker", links=links)
    (href,) = re.findall(r'<a class="kwic-where kwic-doc" href="([^"]*)"', html)
    assert unescape(href) == links[0]  # quotes and brackets escaped inside the attribute
    assert "<script>" not in html
    assert [tag for tag, _text in _where(html)] == ["a", "span"]  # no link: plain text
    titles = re.findall(r'title="([^"]*)"', html)
    assert unescape(titles[0]) == '1861-12-03 · Abraham "Abe" <b>Lincoln</b>'
