"""dashboard/data.py outside a running app: what its cached calls return."""

from __future__ import annotations

import datetime as dt
import inspect

import pandas as pd
import regex

from analysis import Filters, IndexSettings, build_index, load_corpus
from analysis import schema as S
from dashboard import charts, data, keys


def _uses(text: str, word: str) -> int:
    """Uses of ``word`` under the token rule, by regex: any case, not inside a longer
    word nor a hyphenated one (``anti-slavery``), a possessive ``'s`` allowed."""
    pattern = rf"(?<![\w]|[\w][-'’])(?i:{word})(?:['’]s)?(?![\w]|[-'’][\w])"
    return len(regex.findall(pattern, text))


def test_term_documents_lists_only_the_selected_documents_holding_the_term() -> None:
    index = build_index(load_corpus("sotu"), settings=IndexSettings())
    key = keys.index_key(index)
    filters = Filters(date_from=dt.date(1850, 1, 1), date_to=dt.date(1900, 1, 1))
    found = data.term_documents(key, filters, "slavery", index)
    docs = index.docs
    dates = docs[S.DATE]
    chosen = docs[(dates >= "1850-01-01") & (dates < "1900-01-01")]
    by_regex = {
        str(doc_id): _uses(str(text), "slavery")
        for doc_id, text in zip(chosen[S.DOC_ID], chosen[S.TEXT], strict=True)
    }
    holding = {doc_id: n for doc_id, n in by_regex.items() if n}
    assert 0 < len(holding) < len(chosen)  # some of the selection, not all of it
    assert dict(zip(found[S.DOC_ID], found[S.COUNT].tolist(), strict=True)) == holding
    assert found[S.COUNT].is_monotonic_decreasing  # most uses first
    assert data.term_documents(key, filters, "", index).empty


def _terms(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "term": ["river", "yangtze river"],
            "kind": ["word", "phrase"],
            "count": [count, 2],
            "per_million": [30.0, 20.0],
            "docs": [2, 1],
        }
    )


def test_figure_is_built_once_per_content_and_shared() -> None:
    first = data.figure(charts.plot_terms, _terms(3), top=2)
    assert data.figure(charts.plot_terms, _terms(3), top=2) is first  # an equal copy of the table
    other = data.figure(charts.plot_terms, _terms(4), top=2)
    assert other is not first
    assert [list(t.x) for t in other.data] == [[4], [2]]
    assert [list(t.x) for t in first.data] == [[3], [2]]
    assert data.figure(charts.plot_terms, _terms(3), top=1) is not first


def test_every_cached_table_keyed_by_a_record_or_a_tuple_hashes_it_whole() -> None:
    """Streamlit hashes a record or a tuple item by item without ``HASH_FUNCS``: each of
    the ~300 stopwords of a TopicOptions (the Topics page's 7 such calls: 75 ms of a run at
    100k under cProfile)."""
    records = {t.__name__ for t in keys.HASH_FUNCS if isinstance(t, type)} - {"tuple"}
    checked = []
    for name, cached in vars(data).items():
        info = getattr(cached, "_info", None)
        if info is None or not hasattr(info, "hash_funcs"):
            continue
        annotations = [str(p.annotation) for p in inspect.signature(info.func).parameters.values()]
        if any(a in records or a.startswith("tuple") for a in annotations):
            checked.append(name)
            assert info.hash_funcs is keys.HASH_FUNCS, name
    assert {"topic_model", "topic_timeline", "topic_passages", "selection"} <= set(checked)
