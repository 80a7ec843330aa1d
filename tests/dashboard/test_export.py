from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.tabular import neutralise_formulas
from dashboard import charts, export

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_table_to_csv_round_trips_neutralised(formula_table) -> None:
    data = export.table_to_csv(formula_table)
    assert data.startswith(b"\xef\xbb\xbftitle,count\r\n")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    expected = neutralise_formulas(formula_table)
    assert back["title"].tolist() == expected["title"].tolist()
    assert back["count"].tolist() == expected["count"].tolist()


def test_table_to_xlsx_round_trips_as_text_not_formulas(formula_table) -> None:
    data = export.table_to_xlsx(formula_table, sheet_name="terms")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["terms"]
    titles = [row[0] for row in sheet.iter_rows(min_row=2, max_col=1)]
    assert all(cell.data_type == "s" for cell in titles)
    assert [cell.value for cell in titles] == neutralise_formulas(formula_table)["title"].tolist()
    back = pd.read_excel(io.BytesIO(data), sheet_name="terms")
    assert back["count"].tolist() == [1, -2, 3, 4, 5, 6, 7, 8]


def test_table_to_xlsx_writes_dates() -> None:
    table = pd.DataFrame({"period": pd.to_datetime(["2023-11-30"]).tz_localize("UTC")})
    back = pd.read_excel(io.BytesIO(export.table_to_xlsx(table)))
    assert back["period"].iloc[0] == pd.Timestamp("2023-11-30")


def _figure() -> go.Figure:
    table = pd.DataFrame(
        {
            "term": ["yangtze river delta", "development"],
            "kind": ["phrase", "word"],
            "count": [10, 20],
            "per_million": [1.0, 2.0],
            "docs": [2, 2],
        }
    )
    return charts.plot_terms(table)


def test_figure_to_html_is_self_contained_with_data_and_legend() -> None:
    html = export.figure_to_html(_figure(), title="Top terms").decode("utf-8")
    assert "<html>" in html[:100]
    assert "<title>Top terms</title>" in html
    assert "<script src=" not in html  # no external script: works offline
    assert "Plotly.newPlot" in html
    assert len(html) > 1_000_000  # plotly.js inlined
    assert "yangtze river delta" in html
    assert '"name":"phrase"' in html
    assert '"name":"word"' in html
    assert '"showlegend":true' in html


def test_figure_to_image_png_starts_with_the_magic(chromium_path: str) -> None:
    png = export.figure_to_image(_figure(), format="png", scale=1)
    assert png.startswith(PNG_MAGIC)


def test_figure_to_image_svg_is_svg(chromium_path: str) -> None:
    svg = export.figure_to_image(_figure(), format="svg")
    assert svg.lstrip().startswith(b"<svg")
    assert b"yangtze river delta" in svg


def test_figure_to_image_svg_opens_at_the_size_drawn_on_screen(chromium_path: str) -> None:
    import xml.etree.ElementTree as ET

    fig = _figure()
    root = ET.fromstring(export.figure_to_image(fig, format="svg"))
    # Not twice as large: the SVG states the figure's own size, in CSS pixels.
    assert (root.get("width"), root.get("height")) == (
        str(export.IMAGE_WIDTH),
        str(int(fig.layout.height)),
    )
    png = export.figure_to_image(fig, format="png")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (2 * export.IMAGE_WIDTH, 2 * int(fig.layout.height))


def test_figure_to_image_without_a_browser_says_what_to_do(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    assert export.image_export_available() is False
    with pytest.raises(RuntimeError, match="camera button"):
        export.figure_to_image(_figure())


def test_image_to_png_of_a_word_cloud() -> None:
    image = charts.render_wordcloud({"river": 2.0, "delta": 1.0}, font_path=None)
    assert export.image_to_png(image).startswith(PNG_MAGIC)


def test_make_bundle_holds_data_settings_and_image(formula_table) -> None:
    settings = {"corpus": "seeds", "filters": {"query": "长江"}}
    data = export.make_bundle(
        name="terms", table=formula_table, settings=settings, image=PNG_MAGIC + b"..."
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == [
            "terms.csv",
            "terms.png",
            "terms.settings.json",
        ]
        assert json.loads(archive.read("terms.settings.json")) == settings
        assert archive.read("terms.csv") == export.table_to_csv(formula_table)
        assert archive.read("terms.png").startswith(PNG_MAGIC)


def test_make_bundle_without_image(formula_table) -> None:
    data = export.make_bundle(name="ledger", table=formula_table, settings={})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["ledger.csv", "ledger.settings.json"]
