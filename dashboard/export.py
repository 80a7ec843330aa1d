"""Files the user downloads: chart images, self-contained HTML, CSV/XLSX, bundles.

Pure functions (bytes out, inputs untouched), no streamlit. Spreadsheet exports
neutralise formula-looking cells: a text cell starting with ``= + - @`` (or a
tab or carriage return) gets a leading apostrophe, so a document title such as
``=HYPERLINK(...)`` opens in Excel or LibreOffice as text, not as a formula.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from analysis import is_han, neutralise_formulas, wordcloud_frequencies
from analysis import schema as S
from dashboard import charts
from dashboard.host import find_browser

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from PIL.Image import Image

ImageFormat = Literal["png", "svg", "pdf"]

IMAGE_MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML_MIME = "text/html"
ZIP_MIME = "application/zip"

# Size of exported chart images, in CSS pixels before ``scale``.
IMAGE_WIDTH = 1100
IMAGE_HEIGHT = 650
#: Pixels per CSS pixel of a PNG export (vector images are drawn at their size).
PNG_SCALE = 2


def table_to_csv(table: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with a byte-order mark, so Excel reads Chinese), neutralised.

    Lines end in CRLF as RFC 4180 says; that also makes the writer quote any cell
    holding a bare carriage return, which would otherwise split the row.
    """
    text = neutralise_formulas(table).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig")


def table_to_xlsx(table: pd.DataFrame, *, sheet_name: str = "data") -> bytes:
    """XLSX bytes of ``table``, neutralised (openpyxl would store ``=...`` as a formula)."""
    out = neutralise_formulas(table)
    for column in out.columns:
        # Excel has no time zones; keep the wall-clock time.
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_localize(None)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()


def image_export_available() -> bool:
    """True when kaleido is installed and a Chrome/Chromium is there for it to drive."""
    try:
        import kaleido  # noqa: F401  (only checking that it is installed)
    except ImportError:
        return False
    return find_browser() is not None


def figure_to_image(
    fig: go.Figure,
    *,
    format: ImageFormat = "png",
    width: int = IMAGE_WIDTH,
    height: int | None = None,
    scale: float | None = None,
) -> bytes:
    """PNG, SVG or PDF bytes of ``fig`` through kaleido and the system browser.

    ``height`` defaults to the figure's own layout height, else ``IMAGE_HEIGHT``.
    ``scale`` defaults to 2 for PNG (sharp on high-density screens) and 1 for
    SVG and PDF: kaleido multiplies a vector image's stated size by it, and a
    vector image needs no extra pixels, so it opens at ``width`` x ``height``.

    Raises
    ------
    RuntimeError
        If no Chrome or Chromium is available; check :func:`image_export_available`
        first and offer the chart's own camera button instead.
    """
    if not image_export_available():
        raise RuntimeError(
            "Image export needs kaleido and a Chrome or Chromium browser. Install "
            "chromium (or set BROWSER_PATH), or use the camera button on the chart."
        )
    if height is None:
        height = int(fig.layout.height) if fig.layout.height else IMAGE_HEIGHT
    if scale is None:
        scale = PNG_SCALE if format == "png" else 1
    return cast(bytes, fig.to_image(format=format, width=width, height=height, scale=scale))


def figure_to_html(fig: go.Figure, *, title: str = "chart") -> bytes:
    """A self-contained HTML page (plotly.js inlined, works offline) showing ``fig``."""
    html = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config={"displaylogo": False, "responsive": True},
        div_id="chart",
    )
    # to_html writes no <title>; name the page after the chart.
    page = str(html).replace("<head>", f"<head><title>{escape(title)}</title>", 1)
    return page.encode("utf-8")


def image_to_png(image: Image) -> bytes:
    """PNG bytes of a PIL image (the word cloud)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def settings_json(settings: Mapping[str, Any]) -> bytes:
    """Pretty UTF-8 JSON of the settings behind an export (filters, options, corpus)."""
    return json.dumps(settings, indent=2, ensure_ascii=False, sort_keys=True, default=str).encode(
        "utf-8"
    )


def make_bundle(
    *,
    name: str,
    table: pd.DataFrame,
    settings: Mapping[str, Any],
    image: bytes | None = None,
    image_format: str = "png",
) -> bytes:
    """Zip bytes holding ``<name>.csv``, ``<name>.settings.json`` and the image if given.

    The bundle is what a reader needs to redo or cite a chart: the data drawn,
    the settings that produced it, and the picture.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.csv", table_to_csv(table))
        archive.writestr(f"{name}.settings.json", settings_json(settings))
        if image is not None:
            archive.writestr(f"{name}.{image_format}", image)
    return buffer.getvalue()


def wordcloud_png(table: pd.DataFrame, *, font_path: str | None) -> bytes:
    """PNG of the word cloud of a term table's rows (Han terms left out without a CJK font).

    Without a font that has Han glyphs, Chinese terms would be drawn as boxes;
    they are left out instead (the page says so).
    """
    if font_path is None:
        table = table[~table[S.TERM].astype(str).map(is_han)]
    return image_to_png(charts.render_wordcloud(wordcloud_frequencies(table), font_path=font_path))
