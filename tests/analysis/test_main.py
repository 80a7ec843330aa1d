"""The CLI: the numbers the issue names, formats, and errors without tracebacks."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.__main__ import run
from tests.analysis.tiny import NUMBER_TERMS, NUMBERS, g2_by_hand

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))


def _run(capsys, *argv: str) -> str:
    assert run(list(argv)) == 0
    return capsys.readouterr().out


def test_summary_seeds_json(capsys):
    summary = json.loads(_run(capsys, "summary", "seeds", "--format", "json"))
    assert summary["documents"] == 2
    assert summary["first_date"] == "2023-11-30"
    assert summary["last_date"] == "2023-12-03"
    assert summary["undated"] == 0
    assert summary["ingest"] == {"units": 2, "loaded": 2, "quarantined": 0, "duplicates": 0}
    assert {"tokens", "types", "sources"} <= set(summary)


def test_terms_seeds_phrases_csv(capsys):
    table = pd.read_csv(
        io.StringIO(_run(capsys, "terms", "seeds", "--kind", "phrase", "--format", "csv"))
    )
    assert list(table.columns) == ["term", "kind", "count", "per_million", "docs", "tfidf"]
    counts = dict(zip(table["term"], table["count"], strict=True))
    assert counts["yangtze river delta"] == 10
    assert counts["integrated development"] == 15
    assert "xi jinping" in counts
    assert set(table["kind"]) == {"phrase"}


def test_terms_filters_narrow_the_counts(capsys):
    table = pd.read_csv(
        io.StringIO(
            _run(
                capsys, "terms", "seeds", "--from", "2023-12-01", "--format", "csv", "--top", "500"
            )
        )
    )
    counts = dict(zip(table["term"], table["count"], strict=True))
    assert counts["yangtze river delta"] == 7
    assert (
        len(
            pd.read_csv(
                io.StringIO(_run(capsys, "terms", "seeds", "--top", "3", "--format", "csv"))
            )
        )
        == 3
    )


def test_ingest_csv_has_one_row_per_unit(capsys):
    table = pd.read_csv(io.StringIO(_run(capsys, "ingest", "seeds", "--format", "csv")))
    assert {"status", "reason", "location"} <= set(table.columns)
    assert table["status"].tolist() == ["loaded", "loaded"]


def test_out_writes_a_file(capsys, tmp_path):
    target = tmp_path / "terms.json"
    _run(capsys, "terms", "seeds", "--format", "json", "--out", str(target), "--top", "2")
    assert len(json.loads(target.read_text())) == 2


def test_missing_corpus_is_one_line_and_status_2(capsys, tmp_path):
    assert run(["summary", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_empty_selection_names_the_fix(capsys):
    assert run(["terms", "seeds", "--from", "2030-01-01"]) == 2
    assert "Widen the date range" in capsys.readouterr().err


def test_cli_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "summary", "seeds", "--format", "json", "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["documents"] == 2


# --- trend and emerging ---------------------------------------------------------------


def _csv(capsys, *argv: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_run(capsys, *argv, "--format", "csv")))


def test_trend_seeds_by_day_keeps_empty_days(capsys):
    table = _csv(capsys, "trend", "seeds", "--term", "yangtze river delta", "--by", "day")
    assert list(table.columns) == [
        "period",
        "term",
        "count",
        "per_million",
        "doc_share",
        "period_tokens",
        "period_docs",
    ]
    counts = dict(zip(table["period"], table["count"], strict=True))
    assert counts == {"2023-11-30": 3, "2023-12-01": 0, "2023-12-02": 0, "2023-12-03": 7}
    dated = table["period_tokens"] > 0
    rates = table.loc[dated, "count"] / table.loc[dated, "period_tokens"] * 1e6
    assert (table.loc[dated, "per_million"] == rates).all()
    # Days without a document have no rate: an empty cell, not 0.
    assert table.loc[~dated, "per_million"].isna().all()
    assert table.loc[~dated, "doc_share"].isna().all()
    assert (~dated).sum() == 2


def test_trend_theme_and_smoothing(capsys):
    table = _csv(
        capsys,
        "trend",
        "seeds",
        "--term",
        "Yangtze River Delta",
        "--theme",
        "delta=yangtze river delta, yangtze river delta region",
        "--by",
        "week",
        "--smooth",
        "3",
    )
    assert table["term"].tolist() == ["yangtze river delta", "delta"]
    assert table["period"].tolist() == ["2023-11-27", "2023-11-27"]  # ISO week, Monday
    assert table["count"].iloc[0] == 10
    assert table["count"].iloc[1] >= 10
    assert table["smoothed"].tolist() == pytest.approx(table["per_million"].tolist())


def test_trend_without_terms_names_the_fix(capsys):
    assert run(["trend", "seeds"]) == 2
    assert "--term" in capsys.readouterr().err


def test_trend_unknown_terms_only_names_the_fix(capsys):
    assert run(["trend", "seeds", "--term", "dragon fruit"]) == 2
    assert "Check the spelling" in capsys.readouterr().err


def test_trend_monthly_on_year_only_dates_says_so(capsys, tmp_path):
    corpus = tmp_path / "years.csv"
    corpus.write_text(
        "id,date,text\na,1999,peace and more peace\nb,2000,peace\nc,2000-03-04,war\n",
        encoding="utf-8",
    )
    table = _csv(capsys, "trend", str(corpus), "--term", "peace", "--by", "month")
    assert table["period"].tolist() == ["2000-03-01"]
    assert table["count"].tolist() == [0]
    assert run(["trend", str(corpus), "--term", "peace", "--by", "month"]) == 0
    err = capsys.readouterr().err
    assert (
        "note: 2 documents dated only to the year are left out of a monthly view; use --by year"
        in err
    )
    yearly = _csv(capsys, "trend", str(corpus), "--term", "peace", "--by", "year")
    assert dict(zip(yearly["period"], yearly["count"], strict=True)) == {
        "1999-01-01": 2,
        "2000-01-01": 1,
    }


@pytest.mark.shared
def test_trend_monthly_on_un_general_debate_says_so(capsys, tmp_path):
    from analysis import load_corpus
    from tests.analysis.tiny import shared_corpus

    docs = load_corpus(shared_corpus("un_general_debate") / "docs.jsonl.gz").docs.iloc[::400]
    sample = tmp_path / "ungd.jsonl"  # a temporary slice, outside the repository
    docs[["doc_id", "date", "title", "text"]].assign(date=docs["date"].dt.year.astype(str)).to_json(
        sample, orient="records", lines=True, force_ascii=False
    )
    assert run(["trend", str(sample), "--term", "peace", "--by", "month"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "(no rows)"
    assert f"note: {len(docs)} documents dated only to the year are left out" in captured.err
    yearly = _csv(capsys, "trend", str(sample), "--term", "peace", "--by", "year")
    assert yearly["period"].iloc[0] == "1946-01-01"
    assert yearly["period"].iloc[-1].startswith("20")


def test_emerging_seeds_matches_the_log_likelihood_oracle(capsys):
    table = _csv(capsys, "emerging", "seeds", "--by", "day", "--period", "2023-12-03")
    assert list(table.columns) == ["term", "kind", "count", "count_before", "ll", "log_ratio", "p"]
    row = table.set_index("term").loc["xi jinping"]
    a, b = int(row["count"]), int(row["count_before"])
    # the day's text holds 327 tokens, the day before it 289 (see the trend above)
    oracle = g2_by_hand(a, b, 327, 289)
    assert row["ll"] == pytest.approx(oracle, abs=1e-6)
    assert (table["log_ratio"] > 0).all()
    assert table["ll"].is_monotonic_decreasing


def test_emerging_needs_an_earlier_period(capsys):
    assert run(["emerging", "seeds", "--by", "day", "--period", "2023-11-30"]) == 2
    assert "Pick a later period" in capsys.readouterr().err


# --- topics, kwic, collocates ---------------------------------------------------------


def test_topics_seeds_same_seed_same_table(capsys):
    first = _run(capsys, "topics", "seeds", "--k", "3", "--seed", "7", "--format", "csv")
    again = _run(capsys, "topics", "seeds", "--k", "3", "--seed", "7", "--format", "csv")
    assert first == again
    table = pd.read_csv(io.StringIO(first))
    assert list(table.columns) == ["topic", "label", "term", "weight"]
    assert table["topic"].nunique() >= 2


def test_kwic_seeds_lists_every_match_with_its_date(capsys):
    table = _csv(capsys, "kwic", "seeds", "--term", "yangtze river delta", "--window", "3")
    assert list(table.columns) == [
        "doc_id", "date", "source", "title", "left", "match", "right", "start", "end",
    ]  # fmt: skip
    assert len(table) == 10
    assert set(table["match"].str.lower()) == {"yangtze river delta"}
    assert table["date"].value_counts().to_dict() == {"2023-12-03": 7, "2023-11-30": 3}
    assert run(["kwic", "seeds", "--term", "yangtze river delta", "--limit", "2"]) == 0
    assert "showing 2 of 10 matches" in capsys.readouterr().err


def test_dispersion_seeds_places_every_match_by_date(capsys):
    table = _csv(capsys, "dispersion", "seeds", "--term", "yangtze river delta")
    assert list(table.columns) == ["doc_id", "date", "title", "position", "start", "end"]
    assert len(table) == 10
    assert table["date"].tolist() == ["2023-11-30"] * 3 + ["2023-12-03"] * 7
    assert table["position"].between(0, 1).all()
    kwic = _csv(capsys, "kwic", "seeds", "--term", "yangtze river delta")
    assert table[["start", "end"]].values.tolist() == kwic[["start", "end"]].values.tolist()
    one = _csv(capsys, "dispersion", "seeds", "--term", "yangtze river delta", "--to", "2023-12-01")
    assert one["date"].unique().tolist() == ["2023-11-30"]
    assert len(one) == 3
    assert run(["dispersion", "seeds", "--term", "zebra"]) == 0
    assert "'zebra' does not occur in the selection" in capsys.readouterr().err
    assert run(["dispersion", "seeds", "--term", "*"]) == 2
    assert "at the end of a word" in capsys.readouterr().err


def test_collocates_seeds_columns_and_order(capsys):
    table = _csv(capsys, "collocates", "seeds", "--term", "yangtze river delta", "--min-count", "2")
    assert {"term", "count", "ll", "mi"} <= set(table.columns)
    assert len(table) >= 1
    assert table["ll"].is_monotonic_decreasing


def test_reuse_seeds_finds_the_yangtze_passage_in_both(capsys):
    table = pd.read_csv(io.StringIO(_run(capsys, "reuse", "seeds", "--format", "csv")))
    assert list(table.columns) == [
        "start_a",
        "end_a",
        "start_b",
        "end_b",
        "tokens",
        "text_a",
        "text_b",
    ]
    texts = sorted((REPO / "seeds").glob("*.txt"))
    from analysis.corpus import load_corpus

    docs = load_corpus("seeds").docs
    text_a, text_b = docs["text"].tolist()
    assert len(texts) == 2
    phrase = "integrated development of the yangtze river delta"
    hits = table[table["text_a"].str.lower().str.contains(phrase)]
    assert len(hits) >= 1
    for row in hits.itertuples():
        assert phrase in text_a[row.start_a : row.end_a].lower()
        assert phrase in text_b[row.start_b : row.end_b].lower()


def test_reuse_needs_two_documents_or_ids(capsys):
    assert run(["reuse", "seeds", "--a", "000_1548ca6221300e84.txt"]) == 2
    assert "Give both --a DOC and --b DOC" in capsys.readouterr().err


def test_keyness_seeds_slices_and_timing(capsys):
    out = _run(
        capsys,
        "keyness",
        "seeds",
        "--a",
        "doc=000_1548ca6221300e84.txt",
        "--b",
        "from=2023-12-01",
        "--format",
        "csv",
        "--min-count",
        "2",
    )
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == [
        "term",
        "count_a",
        "count_b",
        "ll",
        "p",
        "log_ratio",
        "docs_a",
        "docs_b",
        "significant",
    ]
    assert table["ll"].is_monotonic_decreasing
    assert ((table["count_a"] + table["count_b"]) >= 2).all()
    assert (table["log_ratio"] < 0).any()
    assert table["log_ratio"].iloc[0] != 0


def test_keyness_prints_timing_and_bad_slices_exit_2(capsys):
    assert run(["keyness", "seeds", "--a", "from=2023-12-01", "--b", "to=2023-12-01"]) == 0
    assert "keyness: " in capsys.readouterr().err
    assert run(["keyness", "seeds", "--a", "source", "--b", "to=2023-12-01"]) == 2
    assert "key=value pairs" in capsys.readouterr().err
    assert run(["keyness", "seeds", "--a", "source=Nope", "--b", "to=2023-12-01"]) == 2
    assert "Slice --a (from Nope) selects no document" in capsys.readouterr().err
    assert run(["keyness", "seeds", "--a", "speaker=X", "--b", "to=2023-12-01"]) == 2
    assert "No metadata column 'speaker'" in capsys.readouterr().err


def test_similarity_seeds_square(capsys):
    table = pd.read_csv(io.StringIO(_run(capsys, "similarity", "seeds", "--format", "csv")))
    assert table.columns.tolist()[0] == "doc_id"
    assert table.shape == (2, 3)
    assert table.iloc[0, 1] == pytest.approx(1.0)
    assert 0 < table.iloc[0, 2] < 1


def test_duplicates_prints_pairs_and_count(capsys):
    argv = ["duplicates", "seeds", "--threshold", "0.05", "--shingle", "2", "--format", "csv"]
    assert run(argv) == 0
    captured = capsys.readouterr()
    assert "duplicates: 1 pairs among 2 documents; collapsing removes 1 copies" in captured.err
    table = pd.read_csv(io.StringIO(captured.out))
    assert table.columns.tolist() == ["doc_a", "doc_b", "similarity"]
    assert len(table) == 1


def test_collapse_duplicates_flag_reaches_the_filters(capsys, tmp_path):
    text = "The committee approved the new budget for schools and roads after a long debate."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace(".", "!"), encoding="utf-8")  # a wire copy
    args = ["summary", str(tmp_path), "--format", "json", "--no-cache"]
    assert json.loads(_run(capsys, *args))["documents"] == 2
    assert json.loads(_run(capsys, *args, "--collapse-duplicates"))["documents"] == 1


# --- README's command table against what each command prints -----------------------------

# Arguments that make each listed command print rows on the seeds.
_TABLE_ARGS = {
    "ingest": [],
    "terms": [],
    "trend": ["--term", "yangtze river delta", "--by", "day"],
    "emerging": ["--by", "month", "--period", "2023-12-01", "--min-count", "1"],
    "topics": ["--k", "2"],
    "kwic": ["--term", "yangtze river delta"],
    "dispersion": ["--term", "yangtze river delta"],
    "collocates": ["--term", "yangtze river delta", "--min-count", "1"],
    "keyness": ["--a", "to=2023-12-01", "--b", "from=2023-12-01", "--min-count", "1"],
    "reuse": [],
    "duplicates": [],
}


def _readme_columns() -> dict[str, list[str]]:
    """Per command of README's table, the columns its first code span lists."""
    table: dict[str, list[str]] = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([a-z]+)` \| (.*) \|$", line)
        if not match:
            continue
        spans = re.findall(r"`([^`]*)`", match.group(2))
        if spans and "," in spans[0]:
            table[match.group(1)] = [c.strip() for c in spans[0].split(",")]
    return table


def test_readme_lists_every_command_of_the_table():
    assert set(_TABLE_ARGS) | {"summary"} <= set(_readme_columns())


@pytest.mark.parametrize("command", sorted(_TABLE_ARGS))
def test_command_prints_the_columns_readme_lists(capsys, command):
    out = _run(capsys, command, "seeds", *_TABLE_ARGS[command], "--format", "csv")
    printed = list(pd.read_csv(io.StringIO(out)).columns)
    assert printed == _readme_columns()[command]


def test_summary_prints_the_keys_readme_lists(capsys):
    listed = _readme_columns()["summary"]
    summary = json.loads(_run(capsys, "summary", "seeds", "--format", "json"))
    joined = ", ".join(listed)
    assert list(summary) == [c.strip() for c in re.sub(r"\{.*?\}", "", joined).split(",")]
    inner = re.search(r"ingest\{(.*)\}", joined)
    assert inner is not None
    assert list(summary["ingest"]) == [c.strip() for c in inner.group(1).split(",")]


def test_keyness_alpha_and_bonferroni_change_significance(capsys):
    base = ["keyness", "seeds", "--a", "to=2023-12-01", "--b", "from=2023-12-01"]
    base += ["--min-count", "1", "--format", "csv"]
    loose = pd.read_csv(io.StringIO(_run(capsys, *base, "--alpha", "0.5")))
    strict = pd.read_csv(io.StringIO(_run(capsys, *base, "--alpha", "0.5", "--bonferroni")))
    assert loose["significant"].sum() > strict["significant"].sum()
    assert (loose["significant"] == (loose["p"] < 0.5)).all()


def test_user_word_and_user_dict_reach_the_segmenter(capsys, tmp_path):
    corpus = tmp_path / "zh.txt"
    corpus.write_text("推动长三角一体化发展。长三角一体化发展很重要。", encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("长三角一体化 10 n\n", encoding="utf-8")

    def terms(*extra: str) -> set[str]:
        out = _run(capsys, "terms", str(corpus), "--no-phrases", "--format", "csv", *extra)
        return set(pd.read_csv(io.StringIO(out))["term"])

    assert "长三角一体化" not in terms()
    assert "长三角一体化" in terms("--user-word", "长三角一体化")
    assert "长三角一体化" in terms("--user-dict", str(words))


def test_numbers_flag_shows_pure_numbers_on_every_ranking_command(capsys, tmp_path):
    path = tmp_path / "numbers.jsonl"
    dated = NUMBERS.assign(date=NUMBERS["date"].dt.strftime("%Y-%m-%d"))
    dated[["doc_id", "date", "text"]].to_json(path, orient="records", lines=True, force_ascii=False)
    for command in (
        ("terms",),
        ("keyness", "--a", "doc=n1", "--b", "doc=n2", "--min-count", "1"),
        ("emerging", "--by", "month", "--period", "2024-02-01", "--min-count", "1"),
        ("collocates", "--term", "tea", "--min-count", "1"),
        ("topics", "--k", "1", "--terms", "20"),
    ):
        base = (command[0], str(path), *command[1:], "--no-stopwords", "--format", "csv")
        hidden = pd.read_csv(io.StringIO(_run(capsys, *base)), dtype={"term": str})
        shown = pd.read_csv(io.StringIO(_run(capsys, *base, "--numbers")), dtype={"term": str})
        assert not set(hidden["term"]) & set(NUMBER_TERMS), command[0]
        assert set(shown["term"]) & set(NUMBER_TERMS), command[0]


def test_fold_chinese_flag_counts_both_scripts_as_one_term(capsys, tmp_path):
    corpus = tmp_path / "scripts.txt"
    corpus.write_text("经济发展。經濟發展。", encoding="utf-8")

    def counts(*extra: str) -> dict[str, int]:
        out = _run(capsys, "terms", str(corpus), "--no-cache", "--format", "csv", *extra)
        table = pd.read_csv(io.StringIO(out))
        return dict(zip(table["term"], table["count"], strict=True))

    assert counts()["经济"] == 1
    assert counts("--fold-chinese")["经济"] == 2
    assert "經濟" not in counts("--fold-chinese")


def test_trend_by_decade_counts_by_hand(capsys, tmp_path):
    # tea: once in 1989, twice in 1990 and once in the year-only 1995 (the 1990s: 3), none after
    lines = [
        {"id": "a", "date": "1989-12-31", "text": "Tea and rice."},
        {"id": "b", "date": "1990-01-01", "text": "Tea, tea."},
        {"id": "c", "date": "1995", "text": "Tea rice rice."},
        {"id": "d", "date": "2011-05-05", "text": "Rice."},
    ]
    path = tmp_path / "decades.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = _run(capsys, "trend", str(path), "--term", "tea", "--by", "decade", "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert table["period"].tolist() == ["1980-01-01", "1990-01-01", "2000-01-01", "2010-01-01"]
    assert table["count"].tolist() == [1, 3, 0, 0]
    assert table["period_docs"].tolist() == [1, 2, 0, 1]


def test_keyness_groups_source_on_the_headlines_prints_scipy_g2(capsys):
    from scipy.stats import chi2_contingency

    from tests.analysis.tiny import shared_corpus

    corpus = shared_corpus("china_media_headlines_2022")
    argv = ["keyness", str(corpus), "--groups", "source", "--top", "10", "--format", "csv"]
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert "5 groups by source; 1 selected document(s) without a source in no group" in err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == [
        "group", "term", "count", "count_rest", "tokens", "tokens_rest", "ll", "p", "log_ratio",
        "docs",
    ]  # fmt: skip
    assert table["group"].value_counts().to_dict() == {
        "BBC News": 10, "CGTN": 10, "China Daily": 10, "Global Times": 10, "Xinhuanet (Xinhua)": 10,
    }  # fmt: skip
    for row in table.itertuples():
        cells = [
            [row.count, row.count_rest],
            [row.tokens - row.count, row.tokens_rest - row.count_rest],
        ]
        g2 = chi2_contingency(cells, correction=False, lambda_="log-likelihood")[0]
        assert row.ll == pytest.approx(g2, rel=1e-9)
    # the groups split the 352,339 tokens but for the one document without a source
    sizes = table.groupby("group")[["tokens", "tokens_rest"]].first().sum(axis=1)
    assert sizes.nunique() == 1


def test_keyness_groups_and_slices_exclude_each_other(capsys):
    assert run(["keyness", "seeds", "--groups", "source", "--a", "from=2023-12-01"]) == 2
    assert "either --groups FIELD or --a and --b" in capsys.readouterr().err
    assert run(["keyness", "seeds"]) == 2
    assert "or --groups FIELD" in capsys.readouterr().err
    assert run(["keyness", "seeds", "--groups", "source"]) == 2  # the seeds have one source
    assert "The selection has 0 value(s) of 'source'" in capsys.readouterr().err
    out = _run(capsys, "keyness", "seeds", "--groups", "period", "--by", "day", "--format", "csv")
    assert set(pd.read_csv(io.StringIO(out))["group"]) == {"2023-11-30", "2023-12-03"}


def test_meta_filters_narrow_every_command(capsys):
    from analysis import load_corpus

    docs = load_corpus("sotu").docs
    whig = docs["party"].astype(str) == "Whig"
    out = _run(capsys, "summary", "sotu", "--meta", "party=Whig", "--format", "json")
    assert json.loads(out)["documents"] == int(whig.sum())
    argv = ["summary", "sotu", "--meta", "party=Whig", "--meta", "party=Federalist"]
    both = json.loads(_run(capsys, *argv, "--meta", "sotu_type=written", "--format", "json"))
    expected = docs["party"].astype(str).isin(["Whig", "Federalist"]) & (
        docs["sotu_type"] == "written"
    )
    assert both["documents"] == int(expected.sum())
    assert run(["terms", "sotu", "--meta", "party"]) == 2
    assert "write FIELD=VALUE" in capsys.readouterr().err
    assert run(["terms", "sotu", "--meta", "colour=red"]) == 2
    assert "No metadata column 'colour'" in capsys.readouterr().err


def test_keyness_against_a_reference_corpus_counts_by_hand(capsys, tmp_path):
    # the reference: 6 word tokens, yangtze 2, river 2, delta 1, the 1
    path = tmp_path / "reference.jsonl"
    path.write_text('{"id": "r", "text": "Yangtze river. Yangtze delta, the river."}\n')
    seeds_tokens = json.loads(_run(capsys, "summary", "seeds", "--format", "json"))["tokens"]
    argv = ["keyness", "seeds", "--reference", str(path), "--min-count", "1", "--format", "csv"]
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert f"A {seeds_tokens} tokens, the reference 6 tokens" in err
    table = pd.read_csv(io.StringIO(out)).set_index("term")
    assert list(table.columns) == [
        "count_a", "count_b", "ll", "p", "log_ratio", "docs_a", "docs_b", "significant",
    ]  # fmt: skip
    for term, count_b in (("yangtze", 2), ("river", 2), ("delta", 1)):
        row = table.loc[term]
        assert row["count_b"] == count_b
        assert row["ll"] == pytest.approx(g2_by_hand(row["count_a"], count_b, seeds_tokens, 6))
    assert run(["keyness", "seeds", "--reference", str(path), "--groups", "source"]) == 2
    assert "instead of --b or --groups" in capsys.readouterr().err


def test_report_names_the_dashboard_command(capsys, tmp_path):
    out = tmp_path / "r.html"
    assert run(["report", "seeds", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"python -m dashboard report seeds --out {out}" in err
    assert not out.exists()
