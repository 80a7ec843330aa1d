"""Streamlit entry point: page config, the sidebar, and the page router.

Run from the repository root::

    python -m streamlit run dashboard/app.py

Each run: read the view (from the URL on a session's first run, then from the
session), draw the sidebar and turn it into a corpus, an index and filters,
run the page, and write the view back to the URL, so a copied URL reopens the
same page, filters and options.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

# Streamlit puts dashboard/ on sys.path, not the repository root that holds analysis/.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402  (after the sys.path fix above)
from streamlit.runtime.uploaded_file_manager import UploadedFile  # noqa: E402  (after the sys.path fix above)

from analysis import (  # noqa: E402  (after the sys.path fix above)
    AnalysisError,
    CacheNotice,
    CorpusIndex,
    Filters,
    IndexSettings,
    LoadedCorpus,
    build_index,
    check_user_terms,
    default_cache_dir,
    default_stopwords,
    filter_choices,
    freeze_imports_once,
    index_into_cache,
    parse_stopwords,
    saved_index_path,
)
from analysis import schema as S  # noqa: E402  (after the sys.path fix above)
from dashboard import data, keys, options, state, url_codecs, worker  # noqa: E402  (after the sys.path fix above)
from dashboard.escape import md  # noqa: E402  (after the sys.path fix above)
from dashboard.limits import RebuildLimiter  # noqa: E402  (after the sys.path fix above)
from dashboard.options import ViewState  # noqa: E402  (after the sys.path fix above)
from dashboard.views import common  # noqa: E402  (after the sys.path fix above)

# Once per process, after the first run's imports (streamlit, plotly, the dashboard): their
# objects are kept out of full garbage collections, each of which walked 217,000 of them
# in 150 ms, wherever it fell in a page's run (analysis.memory.freeze_imports).
freeze_imports_once("dashboard")

VIEWS = Path(__file__).resolve().parent / "views"
NOTICE_KEY = "_dashboard_notices"
#: True during a session's first run, whose view came from the link.
FROM_LINK_KEY = "_dashboard_from_link"
#: The session's bound on new index builds (dashboard/limits.py).
LIMITER_KEY = "_dashboard_rebuild_limiter"
LOADED_KEY = "_dashboard_loaded_corpus"
#: Uploaded file id -> digest of its bytes (app._upload_contents).
DIGESTS_KEY = "_dashboard_upload_digests"


def _read_view() -> ViewState:
    """The session's view; on its first run, the one the URL describes."""
    if common.VIEW_KEY in st.session_state:
        return common.view()
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    decoded = options.decode(params)
    notices = []
    if decoded.ignored:
        notices.append("Ignored in the link: " + ", ".join(decoded.ignored) + ".")
    st.session_state[NOTICE_KEY] = notices
    st.session_state[common.VIEW_KEY] = decoded.view
    st.session_state[FROM_LINK_KEY] = True
    return decoded.view


def _notice(message: str) -> None:
    st.session_state.setdefault(NOTICE_KEY, []).append(message)


def _corpus_choices() -> list[str]:
    """Corpus keys for the picker: seeds, the sample, the library, upload."""
    choices = [keys.SEEDS, keys.SAMPLE]
    folder = keys.library_dir()
    if folder is not None:
        choices += [keys.LIBRARY_PREFIX + name for name in data.library_names(str(folder))]
    return [*choices, keys.UPLOAD]


def _pick_corpus(view: ViewState, choices: list[str]) -> str:
    if view.corpus not in choices:
        _notice(
            f"The corpus '{view.corpus}' is not available here"
            + (
                " (uploads stay in the session that made them)"
                if view.corpus == keys.UPLOAD
                else ""
            )
            + "; showing the seeds."
        )
        view = replace(view, corpus=keys.SEEDS)
        st.session_state[common.VIEW_KEY] = view
    common.seed("sidebar_corpus", view.corpus)
    if st.session_state["sidebar_corpus"] not in choices:
        st.session_state["sidebar_corpus"] = keys.SEEDS
    return str(st.selectbox("Corpus", choices, format_func=keys.corpus_label, key="sidebar_corpus"))


def _load_corpus(key: str) -> tuple[LoadedCorpus | None, bool]:
    """The chosen corpus and whether it is private to the session (an upload)."""
    if key == keys.UPLOAD:
        files = st.file_uploader(
            "Files (txt, csv, tsv, json, jsonl, xlsx, docx, zip)",
            accept_multiple_files=True,
            key="sidebar_upload",
            help="Uploaded files stay in this browser session and are never shared.",
        )
        if not files:
            return None, True

        def read() -> list[tuple[str, bytes]]:  # on a miss only
            return [(f.name, f.getvalue()) for f in files]

        return data.load_uploaded_corpus(_upload_contents(files), read), True
    return data.load_named_corpus(key), False


def _upload_contents(files: list[UploadedFile]) -> tuple[tuple[str, str], ...]:
    """Each uploaded file's name and a digest of its bytes, in upload order.

    The uploader gives a file a new id every time it is put there (removed
    and put back, or another copy of it), so the corpus is keyed by content
    instead: the same files are the same corpus, loaded and indexed once. A
    file is hashed once per id; later reruns hash nothing.
    """
    known: dict[str, str] = st.session_state.get(DIGESTS_KEY, {})
    digests = {
        f.file_id: known.get(f.file_id) or hashlib.blake2b(f.getvalue(), digest_size=16).hexdigest()
        for f in files
    }
    st.session_state[DIGESTS_KEY] = digests  # only the files in the uploader now
    return tuple((f.name, digests[f.file_id]) for f in files)


def _index_settings(view: ViewState) -> IndexSettings:
    phrases = st.toggle(
        "Detect phrases",
        key="sidebar_phrases",
        help="Find multi-word terms such as 'yangtze river delta'.",
    )
    user_phrases = st.text_area(
        "Your phrases (one per line)",
        key="sidebar_user_phrases",
        height=80,
        help="Counted as phrases even if detection misses them.",
    )
    fold = st.toggle(
        "Fold Traditional into Simplified Chinese",
        key="sidebar_fold",
        help="Count 經濟 and 经济 as one term (OpenCC). The corpus is indexed again.",
    )
    user_words = st.text_area(
        "Chinese dictionary words (one per line)",
        key="sidebar_user_words",
        height=68,
        help="Words jieba should keep whole when segmenting Chinese, e.g. 长三角.",
    )
    return IndexSettings(
        detect_phrases=bool(phrases),
        user_phrases=_lines(user_phrases),
        user_words=_lines(user_words),
        fold_chinese=bool(fold),
    )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _stopwords(view: ViewState) -> tuple[ViewState, tuple[str, ...]]:
    default = default_stopwords()
    if "sidebar_stopwords" not in st.session_state:  # the list is made only when seeded
        listed = state.effective_stopwords(replace(view, stopwords=True), default)
        common.seed("sidebar_stopwords", "\n".join(sorted(listed)))
    on = st.toggle("Apply stopwords", key="sidebar_stop_on")

    def reset() -> None:
        st.session_state["sidebar_stopwords"] = "\n".join(sorted(default))

    text = st.text_area(
        "Stopwords (one per line or comma-separated)",
        key="sidebar_stopwords",
        height=160,
        disabled=not on,
        help="Hidden from every table and chart. Edit freely.",
    )
    st.button("Reset to the default list", key="sidebar_stop_reset", on_click=reset)
    numbers = st.toggle(
        "Rank pure numbers",
        key="sidebar_numbers",
        help="Numbers such as 1990, 000 or 十四五 are always counted; off, they are left out "
        "of term tables, word clouds, topics, keyness and collocates.",
    )
    added, removed = state.stopword_changes(parse_stopwords(text), default)
    view = replace(
        view,
        stopwords=bool(on),
        stopwords_added=added,
        stopwords_removed=removed,
        numbers=bool(numbers),
    )
    return view, tuple(sorted(state.effective_stopwords(view, default)))


def _filters(index: CorpusIndex, key: str, view: ViewState) -> Filters:
    whole = data.summary(key, Filters(), index)  # the corpus's span and sources, cached
    date_from = date_to = None
    if whole["first_date"] and whole["last_date"]:
        first = dt.date.fromisoformat(str(whole["first_date"]))
        last = dt.date.fromisoformat(str(whole["last_date"]))
        start = min(max(view.filters.date_from or first, first), last)
        end_exclusive = view.filters.date_to or (last + dt.timedelta(days=1))
        end = min(max(end_exclusive - dt.timedelta(days=1), start), last)
        common.seed("sidebar_dates", (start, end))
        chosen = st.date_input(
            "Dates (both days included)",
            min_value=first,
            max_value=last,
            key="sidebar_dates",
            format="YYYY-MM-DD",
        )
        if isinstance(chosen, tuple) and len(chosen) == 2:
            start, end = chosen
            date_from = start if start > first else None
            date_to = end + dt.timedelta(days=1) if end < last else None
        else:  # half-picked range: keep the filter as it was
            date_from, date_to = view.filters.date_from, view.filters.date_to
    else:
        st.text("No document has a date.")
    sources = sorted(str(s) for s in dict(whole["sources"]) if s)
    chosen_sources: list[str] = []
    if sources:
        common.seed("sidebar_sources", [s for s in view.filters.sources if s in sources])
        chosen_sources = st.multiselect(
            "Sources", sources, key="sidebar_sources", placeholder="All sources"
        )
    metadata = _metadata_filters(index, key, view)
    query = st.text_input(
        "Keyword or phrase",
        key="sidebar_query",
        max_chars=url_codecs.MAX_TEXT,
        help=md("Keep documents containing it (case does not matter). ") + common.QUERY_HELP,
    )
    dedup = st.toggle(
        "Collapse near-duplicates",
        key="sidebar_dedup",
        help="Count each group of near-identical documents (same word sequences, "
        "90% of 5-word runs shared) once: the first copy stays.",
    )
    return Filters(
        date_from=date_from,
        date_to=date_to,
        sources=tuple(chosen_sources),
        query=query.strip(),
        metadata=metadata,
        collapse_duplicates=bool(dedup),
    )


def _index_builder(
    corpus: LoadedCorpus,
    settings: IndexSettings,
    *,
    private: bool,
    label: str,
    limiter: RebuildLimiter,
) -> Callable[[], CorpusIndex]:
    """What builds the index of ``corpus`` on a miss of :func:`data.open_index`, with progress.

    The index is saved under the index cache and opened from there. ``private``
    (uploads) never reaches the shared cache: the upload worker builds it, so
    this script thread holds no lock meanwhile (:func:`_upload_index`). For a
    shared corpus a saved copy found unreadable is rebuilt, and a cache folder
    that cannot be written leaves the index in memory; either way the session
    that built it sees one warning saying so (:class:`~analysis.store.CacheNotice`).
    A build that is really new (not saved) is first asked of the session's
    ``limiter``, which raises :class:`~analysis.LimitError` past its limit.
    """

    def build() -> CorpusIndex:
        saved = None if private else saved_index_path(corpus.content_hash, settings)
        if saved is None:
            limiter.acquire(f"{corpus.content_hash}:{settings.key()}")
        if private:
            return _upload_index(corpus, settings, label)
        notices: list[CacheNotice] = []
        index = _build_here(corpus, settings, label, default_cache_dir(), notices.append)
        for notice in notices:
            st.warning(md(notice.message), icon="⚠️")
        return index

    return build


def _upload_index(corpus: LoadedCorpus, settings: IndexSettings, label: str) -> CorpusIndex:
    """An upload's index, built in the upload worker and held by this session alone.

    The worker saves it in a temporary folder of this process's own (mkdtemp's:
    mode 0700), which is read into memory here and removed at once, so nothing
    of an upload reaches the shared cache or stays on disk. A folder the worker
    cannot write (full) is indexed here instead, in memory.
    """
    with tempfile.TemporaryDirectory(prefix="dashboard-upload-") as work:
        told, folder = Path(work) / "progress.json", Path(work) / "index"
        task = (index_into_cache, corpus, settings, folder, told)
        done = worker.run("upload", data.workers, f"Indexing {label}", *task, progress=told)
        unsaved = any(notice.kind == "unsaved" for notice in done)
        index = _build_here(corpus, settings, label, None if unsaved else folder, None)
    index.folder = None  # its folder is gone: results (near-duplicates, topics) stay in memory
    return index


def _build_here(
    corpus: LoadedCorpus,
    settings: IndexSettings,
    label: str,
    cache_dir: Path | None,
    notice: Callable[[CacheNotice], None] | None,
) -> CorpusIndex:
    """:func:`analysis.build_index` in this process (or its saved copy read), with progress."""
    slot = st.empty()
    with slot.status(md(f"Indexing {label}…"), expanded=True) as status:
        bar = status.progress(0.0, text="Starting")

        def report(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=md(message))

        index = build_index(
            corpus, settings=settings, cache_dir=cache_dir, progress=report, notice=notice
        )
    slot.empty()
    return index


def _metadata_filters(
    index: CorpusIndex, key: str, view: ViewState
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """One multiselect per metadata filter: speaker, and the columns with few values.

    A column a link names that is no filter here but is in the corpus gets its
    box too; one the corpus lacks, and values it does not hold, are named in a
    notice and dropped. The options of each box are the same tuple every run:
    :func:`analysis.filter_choices`', kept with the index, or for another
    column :data:`data.metadata_values` (cached). A column of more than
    :data:`keys.LISTED_VALUES` values gets a search box, and its multiselect
    lists only the values chosen and those matching the search.
    """
    wanted = dict(view.filters.metadata)
    choices = filter_choices(index)

    def values_of(column: str) -> tuple[str, ...]:
        return choices.get(column) or data.metadata_values(key, column, index)

    columns = list(choices)
    docs = index.docs.columns
    columns += [c for c in wanted if c not in columns and c in docs and c not in S.CORPUS_COLUMNS]
    if st.session_state.get(FROM_LINK_KEY):
        ignored = [
            f"meta={column}={value}"
            for column, values in wanted.items()
            for value in values
            if value not in values_of(column)
        ]
        if ignored:
            _notice("Ignored in the link: " + ", ".join(ignored) + " (not in this corpus).")
    chosen = []
    for column in columns:
        values = values_of(column)
        widget = f"sidebar_meta_{column}"
        if widget not in st.session_state:
            common.seed(widget, [v for v in wanted.get(column, ()) if v in values])
        name = column.replace("_", " ").capitalize()
        options = values if len(values) <= keys.LISTED_VALUES else _searched(values, widget, name)
        picked = st.multiselect(md(name), options, key=widget, placeholder="Any")
        if picked:
            chosen.append((column, tuple(str(v) for v in picked)))
    return tuple(chosen)


def _searched(values: tuple[str, ...], widget: str, name: str) -> list[str]:
    """A search box over ``values`` of the field ``name``: the options of the multiselect
    ``widget`` under it, the values chosen there and the first :data:`keys.SHOWN_MATCHES`
    matching the search."""
    search = st.text_input(
        md(f"{name}: search {len(values):,} values"),
        key=f"{widget}=search",  # no column name holds "=": no other widget's key
        placeholder="Part of a value, then pick below",
    )
    matches, total = keys.matching_values(values, search)
    if search.strip():
        more = "" if total <= len(matches) else f"; the first {len(matches)} listed"
        st.caption(md(f"{total:,} match{more}."))
    return list(dict.fromkeys([*st.session_state.get(widget, []), *matches]))


def _new_corpus(before: ViewState, after: ViewState, why: str) -> ViewState:
    """``after`` with the per-corpus options reset, their widgets redrawn, and one notice."""
    done = options.reset(before, after, owners=("corpus",))
    common.forget_widgets(done.widgets)
    common.seed_widgets(done.view)
    if done.options:
        names = ", ".join(option.url for option in done.options)
        _notice(f"{why}: its own settings start afresh ({names} reset).")
    return done.view


Contexts = tuple[ViewState, common.CorpusContext | None, common.PageContext | None]


def _sidebar(view: ViewState) -> Contexts:
    """Draw the sidebar; return the view it describes and what the page gets."""
    with st.sidebar:
        choices = _corpus_choices()  # once a run: the picker and the references
        key = _pick_corpus(view, choices)
        label = keys.corpus_label(key)
        if key != view.corpus:
            view = _new_corpus(view, replace(view, corpus=key, corpus_hash=""), f"Now {label}")
        try:
            corpus, private = _load_corpus(key)
        except (AnalysisError, KeyError) as error:
            problem = f"Could not open {label}: {error}"
            st.warning(md(problem), icon="⚠️")
            st.session_state[common.MISSING_KEY] = problem
            return view, None, None
        filter_box = st.container()
        with st.expander("Stopwords"):
            view, stopwords = _stopwords(view)
        with st.expander("Phrases and dictionary"):
            settings = _index_settings(view)
        view = replace(
            view,
            phrases=settings.detect_phrases,
            user_phrases=settings.user_phrases,
            user_words=settings.user_words,
            fold_chinese=settings.fold_chinese,
        )
        if corpus is None:
            st.session_state[common.MISSING_KEY] = (
                "Choose files to upload in the sidebar: text, tables, JSON, Word or zip."
            )
            return view, None, None
    loaded = common.CorpusContext(corpus_key=key, corpus_label=label, corpus=corpus)
    if corpus.docs.empty:
        report = corpus.report
        reasons = report.loc[report[S.STATUS] == S.QUARANTINED, S.REASON].astype(str)
        first = f" The first reason: {reasons.iloc[0]}." if len(reasons) else ""
        st.session_state[common.MISSING_KEY] = (
            f"No document could be loaded from {label}.{first} The Data page lists every "
            "unit and why it was quarantined."
        )
        return view, loaded, None
    try:
        check_user_terms(settings, stopwords=view.stopwords_added)
        limiter = st.session_state.setdefault(LIMITER_KEY, RebuildLimiter.from_environment())
        build = _index_builder(corpus, settings, private=private, label=label, limiter=limiter)
        index = data.open_index(corpus, settings, private=private, build=build)
    except AnalysisError as error:
        st.warning(md(error), icon="⚠️")
        st.session_state[common.MISSING_KEY] = str(error)
        return view, loaded, None
    content = state.short_hash(index.content_hash)
    if view.corpus_hash and view.corpus_hash != content:
        if st.session_state.get(FROM_LINK_KEY):
            _notice(
                f"This link was made on a different version of {label} (corpus hash "
                f"{view.corpus_hash}, now {content}); results may differ from what was shared."
            )
        else:  # the corpus changed under this session: an upload replaced, a file edited
            view = _new_corpus(view, replace(view, corpus_hash=content), f"{label} changed")
    view = replace(view, corpus_hash=content)
    index_key = keys.index_key(index)
    with filter_box:
        view = replace(view, filters=_filters(index, index_key, view))
    st.session_state.pop(common.MISSING_KEY, None)
    ctx = common.PageContext(
        corpus_key=key,
        corpus_label=label,
        corpus=corpus,
        index=index,
        index_key=index_key,
        stopwords=stopwords,
        numbers=view.numbers,
        open_index=lambda other: _other_index(other, settings, limiter),
        references=tuple(k for k in choices if k not in (key, keys.UPLOAD)),
    )
    return view, loaded, ctx


def _other_index(key: str, settings: IndexSettings, limiter: RebuildLimiter) -> CorpusIndex:
    """The index of the sample or library corpus ``key`` (a reference corpus), as the
    sidebar's corpus is opened: same settings, saved, and new builds within the limit."""
    corpus = data.load_named_corpus(key)
    label = keys.corpus_label(key)
    build = _index_builder(corpus, settings, private=False, label=label, limiter=limiter)
    return data.open_index(corpus, settings, private=False, build=build)


def _sync_url() -> None:
    wanted = options.encode(common.view())
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def main() -> None:
    st.set_page_config(page_title="Discourse dashboard", page_icon="📰", layout="wide")
    view = _read_view()
    common.seed_widgets(view)
    view, loaded, ctx = _sidebar(view)
    st.session_state[common.VIEW_KEY] = view
    for key, value in ((common.CORPUS_KEY, loaded), (common.CONTEXT_KEY, ctx)):
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    for message in st.session_state.pop(NOTICE_KEY, []):
        st.info(md(message), icon="ℹ️")
    pages = [
        st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(VIEWS / "terms.py", title="Terms", icon=":material/bar_chart:"),
        st.Page(VIEWS / "trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page(VIEWS / "formulations.py", title="Formulations", icon=":material/timeline:"),
        st.Page(VIEWS / "topics.py", title="Topics", icon=":material/category:"),
        st.Page(VIEWS / "contexts.py", title="Contexts", icon=":material/format_quote:"),
        st.Page(VIEWS / "compare.py", title="Compare", icon=":material/compare:"),
        st.Page(VIEWS / "documents.py", title="Documents", icon=":material/article:"),
        st.Page(VIEWS / "data.py", title="Data", icon=":material/table_view:"),
    ]
    page = st.navigation(pages)
    try:
        page.run()
    finally:
        # Also when the page stops early or switches page: the URL follows the view.
        _sync_url()
        st.session_state[FROM_LINK_KEY] = False


# A worker process started by spawn (the topic fit's, the upload's) reads this script again
# as "__mp_main__" (Streamlit runs it as the main module): it must not run the app there.
if __name__ != "__mp_main__":
    main()
