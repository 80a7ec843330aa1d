"""Data page: the ingest ledger, one row per input unit, and the quarantined units.

Every file, row or line the loader saw is here as ``loaded``, ``quarantined``
(with the reason and where) or ``duplicate`` (pointing at the kept copy). The
ledger is shown a page of rows at a time (a 100,000-line file's whole ledger was
12 MB sent to the browser on every run); its downloads hold every row.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import schema as S
from dashboard.escape import md
from dashboard.paging import PAGE_ROWS
from dashboard.views import common

PAGE = "data"
STATUS_LABELS = {
    "all": "All",
    S.LOADED: "Loaded",
    S.QUARANTINED: "Quarantined",
    S.DUPLICATE: "Duplicates",
}


def render(ctx: common.CorpusContext) -> None:
    """The Data page: how every input unit of the corpus was read."""
    common.page_header("Data", ctx.corpus_label, "how every input unit was read")

    counts = ctx.corpus.counts()
    row = st.columns(5)
    row[0].metric("Units", f"{counts.get('units', 0):,}", help="Files, rows or lines read")
    row[1].metric("Loaded", f"{counts.get('loaded', 0):,}")
    row[2].metric("Quarantined", f"{counts.get('quarantined', 0):,}")
    row[3].metric("Duplicates", f"{counts.get('duplicates', 0):,}")
    row[4].metric("Undated", f"{counts.get('undated', 0):,}", help="Loaded, but without a date")

    report = ctx.corpus.report
    status = (
        st.segmented_control(
            "Show",
            list(STATUS_LABELS),
            format_func=STATUS_LABELS.__getitem__,
            key="data_status",
            required=True,
        )
        or "all"
    )
    common.update_view(status=status)
    shown = report if status == "all" else report[report[S.STATUS] == status]
    page = common.page_number(len(shown), key="data_page")
    start = (page - 1) * PAGE_ROWS
    rows = shown.iloc[start : start + PAGE_ROWS]
    common.dataframe(rows, hide_index=True, key="data_ledger_table")
    common.page_picker(len(shown), key="data_page", what="units")
    st.caption(md(f"{len(shown):,} of {len(report):,} units."))
    common.table_downloads(lambda: shown.reset_index(drop=True), page=PAGE, name=f"ledger_{status}")

    quarantined = report[report[S.STATUS] == S.QUARANTINED].reset_index(drop=True)
    st.subheader("Quarantined units")
    if quarantined.empty:
        st.text("Nothing was quarantined: every unit was loaded or is a duplicate.")
    else:
        st.text(f"{len(quarantined):,} units could not be read; each row says why and where.")
        common.table_downloads(_plain(quarantined), page=PAGE, name="quarantined")


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype({c: "object" for c in table.columns if table[c].dtype == "category"})


if __name__ == "__main__":
    common.run_corpus_page(render)
