"""The document reader's HTML: escaped text, highlighted spans, nothing executable."""

from __future__ import annotations

import re

from analysis import term_spans
from dashboard.markup import compare_reader_html, reader_html

HOSTILE = (
    'Before <script>window.__xss=1</script> and <img src=x onerror="window.__xss=1"> '
    "after: the delta & the Delta's <b>river</b>."
)


def _text_of(html: str) -> str:
    """What a browser shows: tags dropped, entities decoded."""
    from html import unescape

    return unescape(re.sub(r"<[^>]*>", "", html))


def test_reader_html_escapes_every_tag_and_attribute() -> None:
    html = reader_html(HOSTILE, [])
    inner = html[html.index(">") + 1 : html.rindex("</div>")]
    assert "<" not in inner
    assert ">" not in inner
    assert '"' not in inner
    assert "&lt;script&gt;" in inner
    assert _text_of(html) == HOSTILE


def test_reader_html_marks_the_spans_and_keeps_the_text() -> None:
    spans = term_spans(HOSTILE, "delta")
    assert len(spans) == 2
    html = reader_html(HOSTILE, spans)
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", html) == ["delta", "Delta&#x27;s"]
    assert _text_of(html) == HOSTILE


def test_reader_html_marks_the_term_where_nfkc_changes_its_words() -> None:
    # "ﬁ" is "fi" and full-width letters are ASCII to the index; a line break parts
    # the second pair (no term spans one), and "㈱" is the word "株" in "(株)"
    text = "The ﬁnance ｏｆｆｉｃｅ of ㈱ <b>.\nﬁnance\nｏｆｆｉｃｅ; Finance Office’s"
    html = reader_html(text, term_spans(text, "finance office"))
    marked = re.findall(r"<mark[^>]*>(.*?)</mark>", html)
    assert [_text_of(m) for m in marked] == ["ﬁnance ｏｆｆｉｃｅ", "Finance Office’s"]
    assert _text_of(html) == text
    html = reader_html(text, term_spans(text, "株"))
    assert [_text_of(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html)] == ["㈱"]


def test_reader_html_marks_a_term_inside_markup_as_text() -> None:
    html = reader_html(HOSTILE, term_spans(HOSTILE, "script"))
    assert "&lt;<mark" in html
    assert "<script" not in html
    assert _text_of(html) == HOSTILE


def test_reader_html_skips_overlapping_and_empty_spans() -> None:
    html = reader_html("abcdef", [(0, 3), (2, 4), (5, 5)])
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", html) == ["abc"]
    assert _text_of(html) == "abcdef"


def test_compare_reader_escapes_text_and_keeps_each_shared_passage_one_element() -> None:
    text = "<img src=x onerror=alert(1)> the river delta and the delta plain"
    start = text.index("the river")
    html = compare_reader_html(
        text,
        [(start, start + len("the river delta"))],
        [(text.index("delta"), text.index("delta") + 5), (len(text) - 11, len(text) - 6)],
        side="B",
    )
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('<mark class="shared"') == 1
    assert html.count('<mark class="key-b"') == 2
    assert 'the river <mark class="key-b"' in html


def test_compare_reader_marks_exactly_the_shared_words_where_nfkc_changes_lengths() -> None:
    from analysis import IndexSettings, build_index, shared_passages
    from tests.analysis.tiny import TINY

    # "ﬁ" is one character for NFKC's two, "㈱" one for three ("(株)")
    texts = [
        "Intro. The ﬁnance ｏｆｆｉｃｅ of the ㈱ said so. End",
        "the finance office of the (株) said so",
    ]
    index = build_index(
        TINY.assign(text=[*texts, "c"]), settings=IndexSettings(detect_phrases=False)
    )
    found = shared_passages(index, "a", "b", min_tokens=4)
    for side, text in zip("ab", texts, strict=True):
        spans = list(zip(found[f"start_{side}"], found[f"end_{side}"], strict=True))
        html = compare_reader_html(text, spans, [], side=side.upper())
        marked = re.findall(r'<mark class="shared"[^>]*>(.*?)</mark>', html)
        want = "The ﬁnance ｏｆｆｉｃｅ of the ㈱ said so" if side == "a" else texts[1]
        assert [_text_of(m) for m in marked] == [want]
