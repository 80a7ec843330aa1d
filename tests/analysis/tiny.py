"""Hand-countable corpora shared by the analysis tests (built in code, no files)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"

# Three short dated documents; every count below was made by hand.
#   doc a: "green tea" x2, "tea" x3, tokens 9
#   doc b: "green tea" x1, "tea" x1, tokens 5
#   doc c: no tea, tokens 4 (undated)
TINY = pd.DataFrame(
    {
        "doc_id": ["a", "b", "c"],
        "date": pd.to_datetime(["2024-01-05", "2024-02-10", None]),
        "date_precision": ["day", "day", None],
        "title": ["A", "B", "C"],
        "source": ["Xinhua", "BBC", "BBC"],
        "text": [
            "Green tea, green tea and black tea.\n\nThe tea.",
            "Green tea is good. Coffee!",
            "Coffee is better, surely.",
        ],
    }
)

# Two documents with pure numbers (counted by hand, 18 word tokens):
#   n1: plan 1990 1 000 tea 1 000 rice 一 二十 经济       (11 tokens)
#   n2: plan 2021-2025 tea 1990 tea 经济 二十             (7 tokens)
#   plan 2, tea 3, rice 1, 经济 2; numbers: 1990 2, 1 2, 000 2, 二十 2, 一 1, 2021-2025 1
NUMBERS = pd.DataFrame(
    {
        "doc_id": ["n1", "n2"],
        "date": pd.to_datetime(["2024-01-05", "2024-02-10"]),
        "date_precision": ["day", "day"],
        "title": ["N1", "N2"],
        "source": ["A", "B"],
        "text": [
            "Plan 1990: 1,000 tea, 1,000 rice. 一, 二十, 经济.",
            "Plan 2021-2025: tea 1990 tea. 经济, 二十.",
        ],
    }
)
NUMBER_TERMS = {"1990": 2, "1": 2, "000": 2, "二十": 2, "一": 1, "2021-2025": 1}
WORD_TERMS = {"plan": 2, "tea": 3, "rice": 1, "经济": 2}


# Counted by hand (token rule: "zero-COVID" and "Zero-Covid's" are the word
# zero-covid; "zero-covid-19" and "zero-covidism" are other words; "Zero covid" two).
#   row  id  date        source        speaker  zero-covid  tokens
#   0    d7  2022-03-05  Global Times  A        1           2
#   1    d1  2022-03-05  Global Times  A        2           5
#   2    d2  2022-03-01  Xinhua        B        1           3
#   3    d3  2022-03-01  Global Times  -        0           7
#   4    d4  undated     Xinhua        B        3           3
#   5    d5  2022-02-20  BBC           C        0           3   (lockdown 1)
#   6    d6  2022-03-09  Xinhua        B        1           2
SPREAD_DOCS = pd.DataFrame(
    {
        "doc_id": [f"d{n}" for n in (7, 1, 2, 3, 4, 5, 6)],
        "date": pd.to_datetime(
            ["2022-03-05"] * 2 + ["2022-03-01"] * 2 + [None, "2022-02-20", "2022-03-09"]
        ),
        "date_precision": ["day", "day", "day", "day", None, "day", "day"],
        "title": [f"T{n}" for n in (7, 1, 2, 3, 4, 5, 6)],
        "source": ["Global Times"] * 2 + ["Xinhua", "Global Times", "Xinhua", "BBC", "Xinhua"],
        "speaker": ["A", "A", "B", None, "B", "C", "B"],
        "text": [
            "More zero-covid.",
            "Dynamic zero-COVID works. Zero-Covid's critics.",
            "We keep zero-covid.",
            "Zero covid is not zero-covid-19 nor zero-covidism.",
            "zero-covid zero-covid zero-covid",
            "Lockdown in Shanghai.",
            "zero-covid again",
        ],
    }
)

# By hand: f and d share "weather was cold in the north" (6 words), f first
# (2023-12-30), d 3 days later. a, b and c share "committee announced a new plan
# for river protection" (8 words); a and b also "the" before it (9 words). a is
# first (2024-01-01), b follows 3 days later, c 10 days later. e (undated) holds
# it too but is left out. g shares only 4 words with a: under the 6-word floor.
REUSE_DOCS = pd.DataFrame(
    {
        "doc_id": list("abcdefg"),
        "date": pd.to_datetime(
            [f"2024-01-{day:02}" for day in (1, 4, 11, 2)] + [None, "2023-12-30", "2024-02-01"]
        ),
        "date_precision": ["day", "day", "day", "day", None, "day", "day"],
        "title": list("ABCDEFG"),
        "source": list("XYXZYWZ"),
        "desk": [*"ABCDEF", None],
        "text": [
            "The committee announced a new plan for river protection today.",
            "Reports say the committee announced a new plan for river protection.",
            "Officials: committee announced a new plan, for river protection, again.",
            "Weather was cold in the north and the south.",
            "committee announced a new plan for river protection",
            "Weather was cold in the north, said many.",
            "Nobody said: committee announced a new idea.",
        ],
    }
)


def write_jsonl(frame: pd.DataFrame, path: Path) -> str:
    """Write a hand-counted frame as a JSONL corpus (``id``, ISO dates, null when undated)."""
    import json

    dates = frame["date"].dt.strftime("%Y-%m-%d").where(frame["date"].notna(), None)
    records = frame.drop(columns=["doc_id", "date_precision"]).assign(
        date=dates, id=frame["doc_id"]
    )
    lines = (json.dumps(r, ensure_ascii=False) for r in records.to_dict("records"))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def shared_corpus(name: str) -> Path:
    """Path of a corpus in ../shared/corpora; skips the test when it is absent."""
    import pytest

    folder = CORPORA / name
    if not folder.exists():
        pytest.skip(f"{folder} is absent (the shared corpora sit beside the checkout)")
    return folder


def shared_texts(name: str) -> list[str]:
    """The ``text`` of every document of a shared corpus (skips when it is absent)."""
    import gzip
    import json

    folder = shared_corpus(name)
    path = folder / "docs.jsonl.gz"
    opener = gzip.open if path.exists() else open
    path = path if path.exists() else folder / "docs.jsonl"
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def g2_by_hand(a: float, b: float, size_a: float, size_b: float) -> float:
    """Dunning's G² of [[a, b], [size_a - a, size_b - b]] written out cell by cell.

    The oracle the tests hold log-likelihoods to; 0 ln 0 counts 0.
    """
    n = size_a + size_b
    cells = [
        (a, (a + b) * size_a / n),
        (b, (a + b) * size_b / n),
        (size_a - a, (n - a - b) * size_a / n),
        (size_b - b, (n - a - b) * size_b / n),
    ]
    return 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)


def glued_index(rng, vocabulary: list[str], *, docs: int, longest: int):  # type: ignore[no-untyped-def]
    """The index of ``docs`` random texts of 1 to ``longest - 1`` words of ``vocabulary``,
    glued by spaces, commas, full stops and line breaks (phrases and boundaries both)."""
    import pandas as pd

    from analysis import build_index

    texts = []
    for _ in range(docs):
        words = rng.choice(vocabulary, size=int(rng.integers(1, longest)))
        glue = rng.choice([" ", " ", " ", ", ", ". ", "\n"], size=len(words))
        texts.append("".join(w + g for w, g in zip(words, glue, strict=True)))
    return build_index(pd.DataFrame({"doc_id": [f"d{i}" for i in range(docs)], "text": texts}))
