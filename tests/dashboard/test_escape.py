"""dashboard/escape.py: text from links and documents is inert in every sink.

The browser suite (tests/e2e/test_hostile_browser.py) proves what the browser
shows; these tests pin the helpers and check, over the dashboard's source, that
no Markdown sink is ever handed text that did not go through :func:`md`.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import charts
from dashboard.escape import BIDI_CONTROLS, html_text, md, plain, plain_table, svg, unsvg

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"

PAYLOADS = [
    "![x](http://127.0.0.1:9/pixel.png)",
    "[Your session expired. Log in again](http://127.0.0.1:9/login)",
    "**Your session expired**",
    ":red[alert] :material/warning: :smile:",
    "$x^2$ and $$\\int$$",
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "# heading\n- item\n1. item",
    "www.example.com http://127.0.0.1:9/ a@b.cd",
    "`code` ~~gone~~ | a | b |",
    "&lt;b&gt; &amp;",
    "invoice\u202egpj.exe",
]


def _unescape_md(text: str) -> str:
    """What CommonMark shows for :func:`md` output: backslash escapes undone, joiners gone."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_leaves_no_markdown_construct(payload: str) -> None:
    out = md(payload)
    # Every ASCII punctuation character is escaped: no construct can open.
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", out)
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped)
    # What GFM and Streamlit find in the parsed text: shortcodes between two colons and
    # literal autolinks (http://, www., user@host) never stand whole.
    text = out.replace("\\", "")
    assert not re.search(r":[\w+-]+:", text)
    assert not re.search(r"(?i)https?://|www\.|[\w.+-]@[\w-]", text)
    assert not re.search("[\r\n]", out)


@given(st.text())
def test_md_shows_the_text_as_typed(text: str) -> None:
    expected = re.sub(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+", " ", plain(text))
    assert _unescape_md(md(text)) == expected.replace("\u2060", "") or "\u2060" in text


@given(st.text())
def test_svg_round_trips_through_unsvg(text: str) -> None:
    escaped = svg(text)
    assert not re.search('[<>"]', escaped)
    assert unsvg(escaped) == plain(text)
    assert html.unescape(escaped) == plain(text)


def test_bidi_controls_are_neutralised_everywhere() -> None:
    text = "a" + BIDI_CONTROLS + "b"
    for helper in (plain, md, svg, html_text):
        assert not set(BIDI_CONTROLS) & set(helper(text)), helper
    assert plain("\u200f\u200e") == "\u200f\u200e"  # marks stay: Arabic and Hebrew need them


def test_html_text_escapes_tags_and_quotes() -> None:
    assert html_text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


def test_plain_table_neutralises_text_and_category_cells_only_when_needed() -> None:
    table = pd.DataFrame(
        {
            "title": ["calm", "evil\u202etxt.exe"],
            "source": pd.Categorical(["a\u2066b", "c"]),
            "count": [1, 2],
        }
    )
    shown = plain_table(table)
    assert shown["title"].tolist() == ["calm", "evil\ufffdtxt.exe"]
    assert shown["source"].tolist() == ["a\ufffdb", "c"]
    assert shown["count"].tolist() == [1, 2]
    assert table["title"].iloc[1] == "evil\u202etxt.exe"  # the input is untouched
    calm = pd.DataFrame({"t": ["x"], "n": [1]})
    assert plain_table(calm) is calm


HOSTILE = '<a href="http://127.0.0.1:9/">x</a><br><b>y</b>\u202e'


def _figures() -> list[object]:
    import numpy as np

    terms = pd.DataFrame(
        {
            "term": [HOSTILE, "river"],
            "kind": ["word", "phrase"],
            "count": [3, 2],
            "per_million": [30.0, 20.0],
            "docs": [2, 1],
        }
    )
    periods = pd.to_datetime(["2023-11-30", "2023-12-01"])
    trend = pd.DataFrame(
        {
            "period": periods,
            "term": [HOSTILE, HOSTILE],
            "count": [3, 0],
            "per_million": [9.0, 0.0],
            "doc_share": [1.0, 0.0],
            "docs": [1, 0],
            "period_tokens": [300_000, 0],
            "period_docs": [1, 0],
            "thin": [False, True],
        }
    )
    topics = pd.DataFrame(
        {
            "period": periods,
            "topic": [0, 0],
            "label": [HOSTILE, HOSTILE],
            "share": [0.5, 0.4],
            "passages": [3, 2],
        }
    )
    collocates = pd.DataFrame({"term": [HOSTILE], "count": [3], "ll": [4.0], "mi": [1.0]})
    similarity = pd.DataFrame(
        [[1.0, 0.4], [0.4, 1.0]], index=[HOSTILE, "b"], columns=[HOSTILE, "b"]
    )
    keyness = pd.DataFrame(
        {
            "term": [HOSTILE, "river"],
            "count_a": [5, 0],
            "count_b": [0, 4],
            "ll": [6.0, 5.0],
            "log_ratio": [3.0, -3.0],
            "p": [0.01, 0.02],
            "significant": [True, True],
        }
    )
    counts = pd.DataFrame({"period": periods, "documents": [1, 1], "tokens": [300, 350]})
    uptake = pd.DataFrame(
        {"group": [HOSTILE] * 2, "date": periods, "count": [1, 2], "cumulative": [1, 3]}
    )
    uses = pd.DataFrame(
        {
            "passage": [1, 1],
            "role": ["first", "reuse"],
            "doc_id": [HOSTILE, "b"],
            "group": [HOSTILE, "B"],
            "date": periods,
            "lag_days": [0, 1],
            "tokens": [6, 6],
            "text": [HOSTILE, HOSTILE],
        }
    )
    group_keyness = pd.DataFrame(
        {
            "group": [HOSTILE, "B"],
            "term": [HOSTILE, "river"],
            "count": [3, 2],
            "count_rest": [0, 1],
            "ll": [4.0, 1.0],
            "log_ratio": [2.0, 1.0],
            "p": [0.04, 0.3],
        }
    )
    places = pd.DataFrame(
        {
            "doc_id": [HOSTILE, HOSTILE],
            "date": periods,
            "title": [HOSTILE, HOSTILE],
            "position": [0.1, 0.6],
            "start": [3, 40],
            "end": [8, 45],
        }
    )
    return [
        charts.plot_group_keyness(group_keyness, field=HOSTILE),
        charts.plot_terms(terms, title=HOSTILE),
        charts.plot_trends(trend, by="day"),
        charts.plot_topic_timeline(topics, by="day", title=HOSTILE),
        charts.plot_collocates(collocates),
        charts.plot_similarity_heatmap(similarity, labels={HOSTILE: HOSTILE}),
        charts.plot_dendrogram(np.array([[0.0, 1.0, 0.3, 2.0]]), [HOSTILE, "b"]),
        charts.plot_keyness_scatter(keyness, size_a=10, size_b=10, names=(HOSTILE, "B")),
        charts.plot_keyness_bars(keyness, names=(HOSTILE, "B")),
        charts.plot_documents_per_period(counts, title=HOSTILE),
        charts.plot_uptake(uptake, term=HOSTILE),
        charts.plot_reuse_lag(uses, title=HOSTILE),
        charts.plot_dispersion(places, title=HOSTILE),
    ]


def _strings(node: object, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _strings(v, f"{path}.{k}")]
    if isinstance(node, list | tuple):
        return [s for v in node for s in _strings(v, path)]
    if hasattr(node, "tolist"):
        return _strings(node.tolist(), path)
    return []


def test_every_plot_builder_escapes_what_it_draws() -> None:
    builders = {name for name in dir(charts) if name.startswith("plot_")}
    figures = _figures()
    assert len(figures) == len(builders), "a new plot_ builder needs a case here"
    for fig in figures:
        for path, text in _strings(fig.to_plotly_json()):  # type: ignore[attr-defined]
            if path.endswith(("hovertemplate", "texttemplate")):
                continue  # written in charts.py, never from data
            assert not re.search("<(a|br|b)[ >]", text), (path, text)
            assert "\u202e" not in text, path


def test_every_plot_builder_is_marked() -> None:
    for name in dir(charts):
        if name.startswith("plot_"):
            assert hasattr(getattr(charts, name), "__wrapped__"), f"{name} lacks @_builder"


# ---------------------------------------------------------------------------
# Over the source: every Markdown sink gets a literal or md(...).

#: Streamlit calls whose first argument (or every item of it, for tabs) is Markdown.
MARKDOWN_FIRST = {
    "caption", "info", "warning", "error", "success", "toast", "subheader", "header",
    "title", "markdown", "write", "expander", "popover", "tabs", "metric",
    "text_input", "text_area", "number_input", "slider", "select_slider", "selectbox",
    "multiselect", "radio", "pills", "segmented_control", "checkbox", "toggle", "button",
    "download_button", "date_input", "time_input", "file_uploader", "color_picker",
    "link_button", "page_link", "form_submit_button", "status", "spinner",
}  # fmt: skip
#: Keyword arguments that Streamlit renders as Markdown.
MARKDOWN_KEYWORDS = {"help", "label", "caption", "body", "text"}


def _inert(node: ast.expr) -> bool:
    """A literal string, a module constant (written in the code), or the result of md(...)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Attribute):  # common.QUERY_HELP
        return node.attr.isupper()
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name == "md"
    if isinstance(node, ast.BinOp):
        return _inert(node.left) and _inert(node.right)
    if isinstance(node, ast.List | ast.Tuple):
        return all(_inert(item) for item in node.elts)
    if isinstance(node, ast.ListComp):
        return _inert(node.elt)
    return False


def _offences(path: Path, root: Path = DASHBOARD.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        where = f"{path.relative_to(root)}:{node.lineno} {name}"
        if name in MARKDOWN_FIRST and node.args and not _inert(node.args[0]):
            found.append(where)
        if name not in MARKDOWN_FIRST | {"image", "progress"}:
            continue  # not a Streamlit element (data.open_index(label=...) and the like)
        for keyword in node.keywords:
            if keyword.arg in MARKDOWN_KEYWORDS and not _inert(keyword.value):
                found.append(f"{where} {keyword.arg}=")
    return found


def test_every_markdown_sink_gets_a_literal_or_md() -> None:
    offences = [o for path in sorted(DASHBOARD.rglob("*.py")) for o in _offences(path)]
    assert offences == [], "wrap these in dashboard.escape.md(...):\n" + "\n".join(offences)


def test_the_sink_check_catches_an_fstring(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('st.caption(f"{label}")\nst.info(md(x))\nst.warning(x, help=HELP)\n')
    assert [o.split(" ", 1)[1] for o in _offences(bad, tmp_path)] == ["caption", "warning"]
