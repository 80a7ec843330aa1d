"""CorpusIndex: counts, tokens per document, passages, the saved copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.corpus_index import IndexSettings
from analysis.index import build_index, split_passages
from tests.analysis.tiny import TINY

ROOT = Path(__file__).resolve().parents[2]


def _column(index, term):
    return index.vocab.index[index.vocab["term"] == term][0]


def test_build_index_counts_words_per_document():
    index = build_index(TINY, settings=IndexSettings(detect_phrases=False))
    tea = _column(index, "tea")
    assert index.counts[:, tea].toarray().ravel().tolist() == [4, 1, 0]
    assert index.doc_tokens.tolist() == [9, 5, 4]
    assert index.n_docs == 3
    assert index.counts.dtype == np.int32


def test_build_index_vocab_columns_and_languages():
    frame = pd.DataFrame({"doc_id": ["z"], "text": ["高质量发展 quality"]})
    vocab = build_index(frame).vocab
    assert list(vocab.columns[:3]) == ["term", "kind", "language"]
    languages = dict(zip(vocab["term"], vocab["language"], strict=True))
    assert languages["quality"] == "en"
    assert languages["发展"] == "zh"


def test_build_index_reloads_saved_copy_instead_of_rebuilding(tmp_path):
    built = build_index(TINY, cache_dir=tmp_path)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1
    messages: list[str] = []
    loaded = build_index(TINY, cache_dir=tmp_path, progress=lambda _f, m: messages.append(m))
    assert messages[0] == "Loading the saved index"
    assert (loaded.counts != built.counts).nnz == 0
    assert loaded.vocab.equals(built.vocab)
    assert loaded.docs["doc_id"].tolist() == ["a", "b", "c"]
    assert pd.isna(loaded.docs["date"].iloc[2])


def test_cache_key_changes_with_settings_and_content(tmp_path):
    build_index(TINY, cache_dir=tmp_path)
    build_index(TINY, cache_dir=tmp_path, settings=IndexSettings(user_phrases=("black tea",)))
    changed = TINY.assign(text=TINY["text"].str.replace("Coffee", "Cocoa"))
    build_index(changed, cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 3


def test_a_frame_whose_dates_or_metadata_changed_is_not_served_the_old_saved_index(tmp_path):
    first = build_index(TINY.assign(region=["north", "south", "east"]), cache_dir=tmp_path)
    redated = TINY.assign(date=pd.to_datetime(["1999-01-01", "1998-06-30", None]))
    second = build_index(redated.assign(region=["north", "south", "east"]), cache_dir=tmp_path)
    third = build_index(TINY.assign(region=["west", "south", "east"]), cache_dir=tmp_path)
    assert first.docs["date"].tolist()[:2] != second.docs["date"].tolist()[:2]
    redated_days = [pd.Timestamp("1999-01-01"), pd.Timestamp("1998-06-30")]
    assert second.docs["date"].tolist()[:2] == redated_days
    assert third.docs["region"].tolist() == ["west", "south", "east"]
    assert len(list(tmp_path.iterdir())) == 3
    again = build_index(TINY.assign(region=["west", "south", "east"]), cache_dir=tmp_path)
    assert again.docs["region"].tolist() == ["west", "south", "east"]
    assert len(list(tmp_path.iterdir())) == 3


def test_a_metadata_column_of_mixed_kinds_is_saved_as_text(tmp_path):
    frame = TINY.assign(region=[1, "north", None], share=[None, 2.5, 1.0])
    built = build_index(frame, cache_dir=tmp_path)
    loaded = build_index(frame, cache_dir=tmp_path)
    for index in (built, loaded):
        assert index.docs["region"].tolist()[:2] == ["1", "north"]
        assert pd.isna(index.docs["region"].iloc[2])
        assert index.docs["share"].tolist()[1:] == [2.5, 1.0]


def test_split_passages_uses_blank_lines():
    table = split_passages(["One.\n\nTwo\nstill two.\n\n\n", "", "Solo"])
    assert table[["doc", "passage", "start", "end"]].values.tolist() == [
        [0, 0, 0, 4],
        [0, 1, 6, 20],
        [2, 0, 0, 4],
    ]


def test_split_passages_splits_long_paragraphs_at_line_breaks():
    line = "word " * 200
    text = "\n".join([line] * 10)
    table = split_passages([text])
    assert len(table) > 1
    assert table["end"].max() <= len(text)


def test_empty_corpus_builds_an_empty_index():
    index = build_index(pd.DataFrame({"doc_id": [], "text": []}))
    assert index.counts.shape[0] == 0


def test_token_stream_matches_tokenize_for_mixed_scripts():
    from analysis.index import _Vocabulary
    from analysis.scan import scan_parts
    from analysis.text import tokenize

    texts = [
        "推动长三角一体化发展，G60科技走廊。高质量发展 the end",
        "x 长三角 y",
        "Plain text, only.",
    ]
    vocab = _Vocabulary(())
    doc, ids = vocab.encode(scan_parts(texts))
    for number, text in enumerate(texts):
        stream = [vocab.words[i] for i in ids[doc == number] if i >= 0]
        assert stream == tokenize(text)


def test_token_stream_is_kept_and_reloaded(tmp_path):
    built = build_index(TINY, cache_dir=tmp_path)
    doc, ids = built.stream(np.array([2, 0]))
    words = built.vocab["term"].to_numpy()
    assert [words[i] for i in ids[doc == 0] if i >= 0] == ["coffee", "is", "better", "surely"]
    assert [words[i] if i >= 0 else None for i in ids[doc == 1]][:4] == [
        "green",
        "tea",
        None,
        "green",
    ]
    loaded = build_index(TINY, cache_dir=tmp_path)
    assert np.array_equal(np.asarray(loaded.tokens), built.tokens)
    assert loaded.token_offsets.tolist() == built.token_offsets.tolist()
    assert loaded.word_id("tea") == built.word_id("tea") == built.column("tea")


def _passages_by_regex(text: str, long: int) -> list[tuple[int, int]]:
    """The passage rule written with re.finditer over every separator (the oracle)."""
    import re

    paragraph, line = re.compile(r"\n[ \t\u3000]*\n\s*"), re.compile(r"\n\s*")
    out = []
    start = 0
    for sep_start, sep_end in [*(m.span() for m in paragraph.finditer(text)), (len(text),) * 2]:
        a, b = start, sep_start
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a <= long:
            pieces = [(a, b)]
        else:
            pieces, cursor = [], a
            for m in line.finditer(text, a, b):
                if m.start() - cursor >= long // 4:
                    pieces.append((cursor, m.start()))
                    cursor = m.end()
            pieces.append((cursor, b))
        out.extend((x, y) for x, y in pieces if y > x)
        start = sep_end
    return out


def _passages(texts: list[str]) -> list[list[tuple[int, int]]]:
    table = split_passages(texts)
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    for doc, start, end in table[["doc", "start", "end"]].itertuples(index=False):
        out[doc].append((start, end))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("ab .\n\n \t\r\u3000\u2028\xa0\x1cé中😀")),
            max_size=120,
        ),
        max_size=4,
    )
)
def test_split_passages_equals_the_regex_rule(texts):
    import analysis.index as index

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index, "LONG_PASSAGE", 20)  # long paragraphs are the hard part
        assert _passages(texts) == [_passages_by_regex(t, 20) for t in texts]


def test_split_passages_reads_an_arrow_column_like_a_list():
    texts = ["Un.\n\nDeux é\n \n中文", "", "x\u3000\n\u3000\ny"]
    column = pd.Series(["skipped", *texts]).iloc[1:]
    assert _passages(texts) == [_passages_by_regex(t, 3000) for t in texts]
    by_column = split_passages(column)
    assert by_column.values.tolist() == split_passages(texts).values.tolist()


@pytest.mark.parametrize(
    "name", ["un_general_debate", "us_sotu", "reuters21578", "zh_gov_work_reports"]
)
def test_split_passages_equals_the_regex_rule_on_shared_corpora(name):
    from analysis.index import LONG_PASSAGE

    from .tiny import shared_texts

    texts = shared_texts(name)
    assert _passages(texts) == [_passages_by_regex(t, LONG_PASSAGE) for t in texts]


def test_text_of_python_strings_is_read_like_arrow_text(monkeypatch):
    import analysis.index as index
    from analysis.scan import arrow_text

    texts = ["Green tea, green tea.\n\nTea is fine.", "Coffee é 中文 ﬁ", ""]
    plain = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": pd.Series(texts, dtype=object)})
    assert isinstance(arrow_text(plain["text"]).array, pd.arrays.ArrowStringArray)
    arrow = build_index(plain)
    # the same column read as Python strings (the path a column that cannot
    # go to Arrow takes)
    monkeypatch.setattr(index, "arrow_text", lambda column: column)
    python = build_index(plain)
    assert python.vocab["term"].tolist() == arrow.vocab["term"].tolist()
    assert (python.counts != arrow.counts).nnz == 0
    assert np.array_equal(python.tokens, arrow.tokens)
    assert python.passages.values.tolist() == arrow.passages.values.tolist()
    monkeypatch.undo()
    # an unpaired surrogate cannot go to Arrow: the column is read as Python strings
    odd = pd.Series(["ab\ud800cd"], dtype=object)
    assert arrow_text(odd) is odd
    index_odd = build_index(pd.DataFrame({"doc_id": ["x"], "text": odd}))
    assert set(index_odd.vocab["term"]) == {"ab", "cd"}


@pytest.mark.parametrize("dtype", [object, "str"])
def test_missing_texts_are_empty_texts(dtype):
    frame = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "text": pd.Series(["Tea time", np.nan, None], dtype=dtype)}
    )
    empty = frame.assign(text=pd.Series(["Tea time", "", ""], dtype=dtype))
    index = build_index(frame)
    assert index.vocab["term"].tolist() == ["tea", "time"]
    assert index.doc_tokens.tolist() == [2, 0, 0]
    assert index.content_hash == build_index(empty).content_hash


# Hand-made: the same sentence in Simplified and Traditional characters, and a mixed one.
# 经济 / 經濟: 1 + 2 + 1; 发展 / 發展: 1 + 1 + 1; 台湾 / 臺灣: 0 + 1 + 0.
SCRIPTS = pd.DataFrame(
    {
        "doc_id": ["simplified", "traditional", "mixed"],
        "text": ["经济发展。", "經濟發展，臺灣經濟。", "经济 G60發展"],
    }
)


def _totals(index) -> dict[str, int]:
    totals = np.asarray(index.counts.sum(axis=0)).ravel()
    words = index.vocab["kind"] == "word"
    return dict(zip(index.vocab.loc[words, "term"], totals[words.to_numpy()], strict=True))


def test_fold_chinese_counts_traditional_and_simplified_as_one_term():
    folded = _totals(build_index(SCRIPTS, settings=IndexSettings(fold_chinese=True)))
    assert folded == {"经济": 4, "发展": 3, "台湾": 1, "g60": 1}
    # unfolded, the scripts are apart, and jieba's (Simplified) dictionary cuts 臺灣經濟 badly
    kept = _totals(build_index(SCRIPTS))
    assert (kept["经济"], kept["經濟"], kept["發展"], kept["灣經濟"]) == (2, 1, 2, 1)


def test_fold_chinese_finds_a_term_typed_in_either_script_and_folds_user_words():
    settings = IndexSettings(fold_chinese=True, user_words=("經濟發展",))
    index = build_index(SCRIPTS, settings=settings)
    assert _totals(index)["经济发展"] == 2
    assert index.column("經濟") == index.column("经济") is not None


def test_fold_chinese_is_part_of_the_cache_key_and_reloaded(tmp_path):
    build_index(SCRIPTS, cache_dir=tmp_path)
    build_index(SCRIPTS, cache_dir=tmp_path, settings=IndexSettings(fold_chinese=True))
    assert len(list(tmp_path.iterdir())) == 2
    loaded = build_index(SCRIPTS, cache_dir=tmp_path, settings=IndexSettings(fold_chinese=True))
    assert loaded.settings.fold_chinese
    assert _totals(loaded)["经济"] == 4


# The index built is the index built before the build was sped up: a digest of
# every table it holds (vocabulary in id order, counts, token stream, passages),
# taken with the code at b1540ec (per-token word ids, per-run segmentation,
# Python's NFKC) on shared corpora and on a hand-made mix of hostile text.


def _fingerprint(index) -> str:
    import hashlib

    digest = hashlib.sha256()
    for column in ("term", "kind", "language", "tokens", "n_tokens", "user"):
        digest.update("\0".join(map(str, index.vocab[column].tolist())).encode())
    digest.update(np.asarray(index.vocab["score"], dtype=np.float64).round(9).tobytes())
    for array in (
        index.counts.indptr,
        index.counts.indices,
        index.counts.data,
        index.doc_tokens,
        index.tokens,
        index.token_offsets,
        index.passages.to_numpy(),
    ):
        digest.update(np.ascontiguousarray(array).astype(np.int64).tobytes())
    return digest.hexdigest()[:32]


_USER = IndexSettings(
    user_words=("高质量发展", "供给侧结构性改革", "G60科技走廊"), fold_chinese=True
)


@pytest.mark.parametrize(
    ("corpus", "settings", "digest"),
    [
        ("zh_gov_work_reports", IndexSettings(), "a1431c3593d57a8e58420de924d3a93b"),
        ("zh_gov_work_reports", _USER, "bbcbb7467d88e394c4b51445be1c1dfe"),
        ("china_daily_columns_2018", IndexSettings(), "60e65b2bb1c99ea45ce5070d22c1b299"),
        ("us_sotu", IndexSettings(), "7a5eb52e38695c2b3caed5474fb06c5c"),
    ],
    ids=["zh_gov", "zh_gov-user-words-folded", "china_daily", "us_sotu"],
)
def test_the_index_of_a_shared_corpus_is_the_one_built_before(corpus, settings, digest):
    from tests.analysis.tiny import shared_texts

    texts = shared_texts(corpus)
    frame = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "text": texts})
    assert _fingerprint(build_index(frame, settings=settings)) == digest


MIXED = [
    "推动长三角一体化发展，G60科技走廊。高质量发展 the end",
    "Ｕ．Ｓ． ties：１２３％ ①②⑵ Ⅱ … ﬁnance café cafe\u0301 한국어 經濟發展",
    "U.S. Xi's high-quality plan\u3000next line\u00a0NBSP ²³ ㍿ ﹐ 〇一二 々",
    "",
    "ﾊﾝｶｸ ｶﾀｶﾅ e\u0301\u0323 \u212b \u00c5 Ａｂｃ’ｓ ⅰⅱ ㈱ ⒜ ｢引用｣ 〔注〕",
]


@pytest.mark.parametrize(
    ("settings", "digest"),
    [
        (IndexSettings(), "bd6160dfa9f796134abede33c02cf1cc"),
        (
            IndexSettings(user_words=("科技走廊", "經濟發展"), fold_chinese=True),
            "33f205a76dd10f0310340247c2f02310",
        ),
    ],
)
def test_the_index_of_mixed_hostile_text_is_the_one_built_before(settings, digest):
    frame = pd.DataFrame({"doc_id": [str(i) for i in range(len(MIXED))], "text": MIXED})
    index = build_index(frame, settings=settings)
    assert _fingerprint(index) == digest
    # by hand: full-width forms fold, ⅰⅱ is "iii" (NFKC), user words stay whole
    words = set(index.vocab["term"])
    assert {"u.s.", "123", "iii", "株式会社", "引用"} <= words
    assert ("科技走廊" in words) == settings.fold_chinese
