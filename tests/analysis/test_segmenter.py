"""The compiled jieba (analysis.segmenter) against jieba 0.42.1 itself."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import math

import numpy as np
import pyarrow as pa
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import kernels, segmenter
from analysis.rule import normalise
from tests.analysis.tiny import shared_texts


def _jieba(user_words: tuple[str, ...] = ()):
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in user_words:
        tokenizer.add_word(word)
    return tokenizer


def _cut(runs: list[str], user_words: tuple[str, ...] = ()) -> list[list[str]]:
    counts, words = segmenter.cut(segmenter.segmenter(user_words), pa.array(runs, pa.string()))
    flat = words.to_pylist()
    ends = np.cumsum(counts).tolist()
    return [flat[end - n : end] for end, n in zip(ends, counts.tolist(), strict=True)]


def _runs(corpus: str) -> list[str]:
    texts = shared_texts(corpus)
    return sorted({run for text in texts for run in regex.findall(r"\p{Han}+", normalise(text))})


#: Words a user adds: new ones, one jieba has (高质量), one a prefix of another, one
#: mixing letters and Han, one with a space (jieba's own cut of it decides its frequency).
USER_WORDS = ("长三角一体化", "高质量", "高质量发展", "供给侧结构性改革", "G60科技", "科创 走廊")


@pytest.mark.parametrize(
    ("corpus", "distinct"), [("zh_gov_work_reports", 98_289), ("china_daily_columns_2018", 1)]
)
@pytest.mark.parametrize("user_words", [(), USER_WORDS])
def test_every_han_run_of_a_shared_corpus_is_cut_as_jieba_cuts_it(corpus, distinct, user_words):
    """(china_daily_columns_2018 is English: it holds one Han run.)"""
    runs = _runs(corpus)
    assert len(runs) == distinct
    tokenizer = _jieba(user_words)
    assert _cut(runs, user_words) == [tokenizer.lcut(run, HMM=True) for run in runs]


#: Common characters, rare ones the HMM has seen little of, and Han outside jieba's range.
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处理府研质信"
)
_RARE = "韦沣泺淏铖犇鑫垚焱燚淼骉羴猋麤龘〇々⺀鿖鿗𠀀𠀁𪚥"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_HAN + _RARE)), max_size=24))
def test_any_han_string_is_cut_as_jieba_cuts_it(run):
    assert _cut([run]) == [_jieba_default().lcut(run, HMM=True)]


@functools.lru_cache(maxsize=1)
def _jieba_default():
    return _jieba()


def test_the_dictionary_is_jiebas_prefix_dictionary():
    """Every key of jieba's FREQ (words and their prefixes) with its frequency, and its total."""
    tokenizer = _jieba()
    base = segmenter.segmenter()
    assert base.total == tokenizer.total
    assert base.nodes == len(tokenizer.FREQ) + 1  # and the root
    assert all(base.freq(word) == freq for word, freq in tokenizer.FREQ.items())
    assert base.freq("") is None
    assert base.freq("长三角一体化") is None  # no word starts so
    assert base.freq("中华人民共") == 0  # a prefix of 中华人民共和国 only
    assert base.freq("长三角") == tokenizer.FREQ["长三角"] > 0


def test_user_words_get_jiebas_frequencies_and_total():
    tokenizer = _jieba(USER_WORDS)
    mine = segmenter.segmenter(USER_WORDS)
    assert mine.total == tokenizer.total
    for word in USER_WORDS:
        for end in range(1, len(word) + 1):
            assert mine.freq(word[:end]) == tokenizer.FREQ[word[:end]], word[:end]
    assert mine.freq("高质量") > segmenter.segmenter().freq("高质量")
    # one word list stays out of the default dictionary
    assert segmenter.segmenter().freq("长三角一体化") is None


def test_hand_written_cuts():
    runs = [
        "",
        "国",
        "推动长三角一体化发展",
        "坚持高质量发展和供给侧结构性改革",
        # outside jieba's Han range (U+4E00-U+9FD5): each character alone
        "〇",
        "二〇二〇年",
        "人々",
        "⺀",
        "𠀀𠀁",
        "鿖鿗",
        "中国𠀀人民",
        # no dictionary word: the HMM cuts the stretch
        "韦沣泺淏",
    ]
    assert _cut(runs) == [
        [],
        ["国"],
        ["推动", "长三角", "一体化", "发展"],
        ["坚持", "高质量", "发展", "和", "供给", "侧", "结构性", "改革"],
        ["〇"],
        ["二", "〇", "二", "〇", "年"],
        ["人", "々"],
        ["⺀"],
        ["𠀀", "𠀁"],
        ["鿖", "鿗"],
        ["中国", "𠀀", "人民"],
        _jieba().lcut("韦沣泺淏", HMM=True),
    ]
    assert _cut(runs[2:4], ("长三角一体化", "高质量发展", "供给侧结构性改革")) == [
        ["推动", "长三角一体化", "发展"],
        ["坚持", "高质量发展", "和", "供给侧结构性改革"],
    ]


def test_many_runs_are_cut_on_threads_as_one(monkeypatch):
    runs = _runs("zh_gov_work_reports")[:3000]
    monkeypatch.setattr(segmenter, "PARALLEL_BYTES", 1 << 40)
    alone = _cut(runs)
    monkeypatch.setattr(segmenter, "PARALLEL_BYTES", 0)
    assert _cut(runs) == alone


def test_a_sliced_array_is_cut_from_its_own_offsets():
    array = pa.array(["推动", "长三角一体化发展", "国"], pa.large_string()).slice(1, 2)
    counts, words = segmenter.cut(segmenter.segmenter(), array)
    assert counts.tolist() == [3, 1]
    assert words.to_pylist() == ["长三角", "一体化", "发展", "国"]


def test_a_bigger_hash_holds_the_same_trie():
    base = segmenter.segmenter()
    bigger = dataclasses.replace(base, edges=segmenter._rehashed(base, 2 * len(base.edges)))
    for word in ("长三角", "中华人民共和国", "AT&T", "长三", "国"):
        assert bigger.freq(word) == base.freq(word)
    runs = _runs("zh_gov_work_reports")[:500]
    arrays = (pa.array(runs, pa.string()),)
    assert segmenter.cut(bigger, *arrays)[1].equals(segmenter.cut(base, *arrays)[1])


def test_insert_words_overwrites_and_keeps_prefixes():
    """A later entry of a word overwrites its frequency; a prefix added later keeps a word's."""
    words = ["ab", "a", "ab", "abc"]
    points = np.array([ord(c) for word in words for c in word], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum([len(w) for w in words])))
    root = np.full(segmenter.ROOT_SPAN, -1, dtype=np.int32)
    edges = np.full(1024, -1, dtype=np.int64)
    freq = np.zeros(16, dtype=np.int64)
    nodes = kernels.insert_words(points, starts, np.array([5, 7, 9, 2]), root, edges, freq, 1)
    assert nodes == 4  # the root, a, ab, abc

    def of(word: str) -> int:
        array = np.array([ord(c) for c in word], dtype=np.int64)
        return int(kernels.node_of(root, edges, array, 0, len(array)))

    # frequency * 2, + 1 where a longer word goes on
    assert [int(freq[of(w)]) for w in ("a", "ab", "abc")] == [7 * 2 + 1, 9 * 2 + 1, 2 * 2]
    assert of("b") == -1
    assert of("abcd") == -1


def test_a_bad_dictionary_line_is_named(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("长三角 5 ns\n一体化\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dict\.txt at line 2: 一体化"):
        segmenter._read_dictionary(path)
    path.write_text("长三角 5 ns\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="at line 2"):  # jieba refuses an empty line too
        segmenter._read_dictionary(path)
    path.write_text("长三角 5 ns\r\n一体化 3\n", encoding="utf-8")
    assert segmenter._read_dictionary(path) == (["长三角", "一体化"], [5, 3])


def test_too_many_user_words_are_refused_with_the_fix(monkeypatch):
    monkeypatch.setattr(segmenter, "MAX_NODES", segmenter.segmenter().nodes + 2)
    with pytest.raises(ValueError, match="use fewer user words"):
        segmenter.segmenter(("甲乙丙丁戊",))


def _line_by_line(raw: bytes, tmp_path) -> tuple[list[int], list[int], list[int]]:
    path = tmp_path / "dict.txt"
    path.write_bytes(raw)
    words, freqs = segmenter._read_dictionary(path)
    points, starts = segmenter._code_points(words)
    return points.tolist(), starts.tolist(), freqs


def test_a_plain_dictionary_is_read_at_once_as_line_by_line(tmp_path):
    import jieba

    raw = (segmenter.Path(jieba.__file__).parent / "dict.txt").read_bytes()
    points, starts, freqs = segmenter._plain_dictionary(raw)
    words, listed = segmenter._read_dictionary(segmenter.Path(jieba.__file__).parent / "dict.txt")
    assert starts.tolist() == np.cumsum([0, *map(len, words)]).tolist()
    assert points.tolist() == [ord(c) for word in words for c in word]
    assert freqs.tolist() == listed
    # hand-written: four-byte characters, letters and symbols in words, a long frequency
    raw = "𠀀𠀁 7 n\nAT&T 3 nz\n长三角 123456789012 ns\n".encode()
    points, starts, freqs = segmenter._plain_dictionary(raw)
    assert (points.tolist(), starts.tolist(), freqs.tolist()) == _line_by_line(raw, tmp_path)
    assert freqs.tolist() == [7, 3, 123456789012]
    assert starts.tolist() == [0, 2, 6, 9]


@pytest.mark.parametrize(
    "raw",
    [
        "长三角 5 ns\n一体化 3 n",  # no final line break
        " 长三角 5 ns\n",  # a leading space (strip removes it)
        "长三角 5 ns \n",  # a trailing one
        "长三角  5 ns\n",  # two spaces: an empty frequency for jieba
        "长三角 5\n一体化 3 n\n",  # two fields on a line
        "长三角 5 ns x\n",  # four
        "长三角 5 ns\r\n",  # a carriage return
        "长三角\t5 ns\n",  # a tab
        "长三角 +5 ns\n",  # a frequency int() reads but not as digits
        "长三角 ٥ ns\n",  # an Arabic-Indic digit
        "长三角 5 ns\n\n",  # an empty line
    ],
)
def test_a_dictionary_that_is_not_plain_is_read_line_by_line(raw, tmp_path):
    assert segmenter._plain_dictionary(raw.encode()) is None


def test_bad_utf8_in_a_word_is_left_to_the_line_reader():
    assert segmenter._plain_dictionary(b"\xff\xfe 5 ns\n") is None


def test_ties_go_as_in_jieba(tmp_path):
    """A route tie goes to the longer word, as Python's max of (score, end) tuples.

    With 甲 3, 乙 3, 甲乙 1 and 丙 2 (total 9), 甲 then 乙 scores
    2 (log 3 - log 9) and 甲乙 log 1 - log 9: the same float, since log 9 is
    twice log 3 there. jieba takes 甲乙 (the greater end).
    """
    import jieba

    path = tmp_path / "dict.txt"
    path.write_text("甲 3 n\n乙 3 n\n甲乙 1 n\n丙 2 n\n", encoding="utf-8")
    assert 2 * (math.log(3) - math.log(9)) == math.log(1) - math.log(9)
    tokenizer = jieba.Tokenizer(str(path))
    tokenizer.tmp_dir = str(tmp_path)  # jieba's cache of this dictionary stays here
    mine = segmenter.dictionary_at(path)
    runs = ["甲乙", "甲乙丙", "丙甲乙甲", "乙甲", "甲乙甲乙", "丁甲乙"]
    counts, words = segmenter.cut(mine, pa.array(runs, pa.string()))
    flat = words.to_pylist()
    ends = np.cumsum(counts).tolist()
    got = [flat[end - n : end] for end, n in zip(ends, counts.tolist(), strict=True)]
    assert got == [tokenizer.lcut(run, HMM=True) for run in runs]
    assert got[0] == ["甲乙"]


def _walked(walk: segmenter.Walk, word: str) -> int | None:
    """The frequency number ``walk`` reaches by ``word`` (0: a prefix alone), None: not a key."""
    label, base_bits, info_bits = walk.shift
    base, info = walk.root_base, 1
    for char in word:
        code = int(walk.alphabet[ord(char)]) if ord(char) < len(walk.alphabet) else -1
        if code < 0 or not info & 1:
            return None
        cell = int(walk.cells[base + code])
        if cell >> label != code:
            return None
        info = cell & ((1 << info_bits) - 1)
        base = (cell >> info_bits) & ((1 << base_bits) - 1)
    return info >> 1


def test_the_walk_holds_every_key_of_jiebas_dictionary_with_its_score():
    """The double array the cut reads: each of a sample of jieba's keys (words and
    prefixes) is reached with its frequency's score; other strings are not keys."""
    tokenizer = _jieba()
    base = segmenter.segmenter()
    walk = base.walk
    keys = list(tokenizer.FREQ.items())
    rng = np.random.default_rng(7)
    for at in rng.choice(len(keys), 5000, replace=False).tolist():
        word, freq = keys[at]
        number = _walked(walk, word)
        assert number is not None, word
        score = walk.scores[number]
        assert (number == 0) == (freq == 0), word
        assert freq == 0 or score == math.log(freq) - math.log(base.total), word
    for word in ("长三角一体化", "中华人民共和国国", "𠀀", "AT&T长"):
        assert word in tokenizer.FREQ or _walked(walk, word) is None, word


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh一二三", min_size=1, max_size=6), max_size=60))
def test_the_double_array_places_each_child_once_under_distinct_bases(words):
    points, starts = segmenter._code_points(words)
    root = np.full(segmenter.ROOT_SPAN, -1, dtype=np.int32)
    edges = np.full(1024, -1, dtype=np.int64)
    info = np.zeros(len(points) + 1, dtype=np.int64)
    nodes = kernels.insert_words(points, starts, np.arange(1, len(words) + 1), root, edges, info, 1)
    trie = segmenter.Segmenter(
        root, edges, info[:nodes], nodes, len(words) + 1,
        segmenter._scores(info[:nodes], len(words) + 1), *segmenter._hmm(),
    )  # fmt: skip
    walk = trie.walk
    # every string of up to three characters (and the words): a key of the trie is
    # reached with its node's score, any other string is not a key
    strings = ["".join(s) for n in (1, 2, 3) for s in itertools.product("abgh一三", repeat=n)]
    for string in strings + words:
        node = kernels.node_of(root, edges, np.array([ord(c) for c in string]), 0, len(string))
        number = _walked(walk, string)
        assert (number is None) == (node < 0), string
        if node >= 0:
            assert (number == 0) == (info[node] < 2)
            assert walk.scores[number] == trie.score[node]


@pytest.mark.parametrize("user_words", [(), USER_WORDS])
def test_cut_keyed_names_each_word_by_its_node(user_words):
    """Equal words, equal names; a word named -1 is no key of jieba's FREQ."""
    runs = [*_runs("zh_gov_work_reports")[:5000], "韦沣泺淏", "𠀀𠀁", "鿖", "〇二"]
    model = segmenter.segmenter(user_words)
    _counts, words, keys = segmenter.cut_keyed(model, pa.array(runs, pa.string()))
    assert segmenter.cut(model, pa.array(runs, pa.string()))[1].equals(words)
    named: dict[int, str] = {}
    for word, key in zip(words.to_pylist(), keys.tolist(), strict=True):
        if key < 0:
            assert model.freq(word) is None, word
        else:
            assert named.setdefault(key, word) == word
            assert model.freq(word) is not None, word
    assert len(set(named.values())) == len(named)
