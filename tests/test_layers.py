"""The import rule of STYLE.md: layers import only leftwards.

analysis/ (pure) -> dashboard/charts/, escape, export, host, labels, limits, markup,
options, paging, state, url_codecs (no streamlit) -> dashboard/views/, app.py, data.py,
keys.py (streamlit glue).
Pages are peers; the dashboard uses only analysis's public API; only data.py caches; no
file of analysis/ or dashboard/ is over its size limit, nor passes values in DataFrame.attrs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_roots(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module == "dashboard":
                roots.update(f"dashboard.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            roots.add("<relative>")
    return roots


def _dotted_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


ANALYSIS_FILES = sorted((ROOT / "analysis").rglob("*.py"))
CHARTS_FILES = sorted((ROOT / "dashboard" / "charts").glob("*.py"))
PURE_DASHBOARD_FILES = [
    *CHARTS_FILES,
    *(
        ROOT / "dashboard" / f
        for f in ("escape.py", "export.py", "host.py", "markup.py", "labels.py", "limits.py")
    ),
    *(
        ROOT / "dashboard" / f
        for f in (
            "options.py",
            "url_codecs.py",
            "paging.py",
            "state.py",
            "report.py",
            "__main__.py",
            "report_command.py",
            "serve.py",
        )
    ),
]


def test_the_layers_exist() -> None:
    assert ANALYSIS_FILES, "analysis/ has no Python files"
    assert all(path.is_file() for path in PURE_DASHBOARD_FILES)


@pytest.mark.parametrize("path", ANALYSIS_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_analysis_never_imports_the_ui(path: Path) -> None:
    forbidden = {"streamlit", "plotly", "dashboard", "wordcloud", "kaleido"}
    assert not _imported_roots(path) & forbidden


@pytest.mark.parametrize("path", PURE_DASHBOARD_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_dashboard_modules_never_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imported_roots(path)
    assert not {n for n in _dotted_imports(path) if n.startswith("dashboard.views")}


@pytest.mark.parametrize("path", CHARTS_FILES, ids=lambda p: p.name)
def test_charts_imports_only_leftwards(path: Path) -> None:
    names = _dotted_imports(path)
    assert not {n for n in names if n.startswith(("dashboard.data", "dashboard.views"))}


def test_import_finder_sees_nested_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import streamlit as st\n    from plotly import io\n")
    assert _imported_roots(sample) == {"streamlit", "plotly"}


VIEWS = ROOT / "dashboard" / "views"
PAGES = sorted(p for p in VIEWS.glob("*.py") if p.name not in ("__init__.py", "common.py"))
DASHBOARD_FILES = sorted((ROOT / "dashboard").rglob("*.py"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_are_peers(path: Path) -> None:
    """A page imports no other page, and receives its context as an argument."""
    pages = {f"dashboard.views.{p.stem}" for p in PAGES}
    assert not _dotted_imports(path) & pages
    text = path.read_text(encoding="utf-8")
    assert "def render(ctx: common." in text
    assert "st.session_state[common." not in text
    assert "common._context" not in text


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboard_uses_only_the_public_api_of_analysis(path: Path) -> None:
    modules = {n for n in _dotted_imports(path) if n.startswith("analysis.")}
    # `from analysis import schema` names the column table, a public module.
    assert modules <= {f"analysis.{name}" for name in _public_names()} | {"analysis.schema"}


def _public_names() -> set[str]:
    import analysis

    return set(analysis.__all__) | {"schema"}


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_data_py_caches(path: Path) -> None:
    if path.name == "data.py":
        return
    text = path.read_text(encoding="utf-8")
    assert "cache_data" not in text
    assert "cache_resource" not in text


def test_no_dashboard_module_shadows_the_standard_library() -> None:
    # Streamlit puts dashboard/ on sys.path: a dashboard/html.py would be `import html`.
    import sys

    names = {p.stem for p in (ROOT / "dashboard").iterdir() if p.suffix == ".py" or p.is_dir()}
    assert not names & set(sys.stdlib_module_names)


#: Most lines a file may have: the compiled loops read best whole, so a module
#: of analysis/kernels/ may reach 1,000; every other file of analysis/ and dashboard/ 600.
LIMIT = 600
KERNELS_LIMIT = 1_000
SIZED_FILES = sorted([*ANALYSIS_FILES, *DASHBOARD_FILES])


def _limit(relative: str) -> int:
    return KERNELS_LIMIT if relative.startswith("analysis/kernels/") else LIMIT


@pytest.mark.parametrize("path", SIZED_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_files_stay_under_the_size_limit(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= _limit(relative), f"{relative}: {lines} lines (limit {_limit(relative)})"


def _uses_attrs(path: Path) -> bool:
    """Whether the file reads or writes an ``.attrs`` (a DataFrame's side channel)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(isinstance(node, ast.Attribute) and node.attr == "attrs" for node in ast.walk(tree))


@pytest.mark.parametrize("path", SIZED_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_results_are_typed_not_carried_in_attrs(path: Path) -> None:
    # Issue 10: what an analysis has to say beside its rows is a field of a frozen
    # dataclass (KwicResult, TrendResult, ...), never a DataFrame.attrs entry.
    relative = path.relative_to(ROOT).as_posix()
    assert not _uses_attrs(path), (
        f"{relative} passes values in DataFrame.attrs: return a frozen dataclass "
        "(the table and the values beside it) instead"
    )


def test_attrs_finder_sees_a_read_of_attrs(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(t):\n    return t.attrs.get('total')\n")
    assert _uses_attrs(sample)
