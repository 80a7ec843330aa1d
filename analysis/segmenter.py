"""jieba 0.42.1's dictionary and HMM as compiled arrays, user words added as jieba adds them.

:func:`segmenter` gives the arrays :func:`analysis.kernels.cut_han_runs`
walks; :func:`cut` cuts an Arrow array of Han runs with them, on parallel
threads, into one Arrow array of words over the runs' own bytes. The cut is
jieba's ``Tokenizer.cut(run, HMM=True)`` word for word (the kernel's
docstring gives the steps; tests hold it to jieba on every Han run of the
shared Chinese corpora).

The arrays are read from jieba's own files once per process: ``dict.txt``
as jieba's ``gen_pfdict`` reads it (a word listed twice keeps its last
frequency; the total counts every line) and the ``finalseg`` tables. User
words are added by jieba's own ``add_word`` (a frequency from its
``suggest_freq``, so each stays whole) on a jieba ``Tokenizer`` whose
``FREQ`` is this dictionary, read through the trie, so no Python dictionary
of jieba's 498,113 keys is built.
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis import kernels
from analysis.kernels.segment import (
    HAN_FIRST,
    HAN_LAST,
    MAX_NODES,
    MIN_FLOAT,
    ROOT_SPAN,
    children_by_parent,
    place_children,
    trie_links,
)

#: Runs of more bytes than this are cut on parallel threads.
PARALLEL_BYTES = 1 << 18


@dataclass(frozen=True)
class Segmenter:
    """jieba's ``FREQ`` as a trie (see :mod:`analysis.kernels.segment`), its total, its HMM."""

    root: np.ndarray  # int32 per code point below ROOT_SPAN: the root's child, or -1
    edges: np.ndarray  # int64 per slot of the hash: (node * 2**21 + character) * 2**21 + child
    node_info: np.ndarray  # int64 per node: frequency * 2 (0: a prefix only), + 1 if inner
    nodes: int
    total: int
    score: np.ndarray  # float64 per node: log(freq) - log(total) where freq > 0
    start: np.ndarray  # (4,) B, E, M, S
    trans: np.ndarray  # (4, 4) from, to
    emit: np.ndarray  # (4, U+9FD5 - U+4E00 + 1)

    @property
    def unknown(self) -> float:
        """``log(1) - log(total)``: the score of a character no word starts at."""
        return math.log(1) - math.log(self.total)

    @functools.cached_property
    def walk(self) -> Walk:
        """The trie as the cut walks it (:class:`Walk`), made on first use."""
        return _walk(self)

    def freq(self, word: str) -> int | None:
        """jieba's ``FREQ.get(word)``: None for a string that is no word nor prefix of one."""
        if not word:
            return None
        points = np.frombuffer(word.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        node = kernels.node_of(self.root, self.edges, points, 0, len(points))
        return None if node < 0 else int(self.node_info[node] >> 1)


@dataclass(frozen=True)
class Walk:
    """The trie as a double array (:func:`analysis.kernels.segment.place_children`), the
    arrays :func:`analysis.kernels.cut_han_runs` reads.

    A character's code is ``alphabet[c]`` (1 for the one most words hold, -1 for one
    in no word); node cells are ``code << shift[0] | base << shift[2] | info``, info
    being twice the number of the node's frequency among the distinct ones (0: a
    prefix alone), plus one if longer words go on; ``scores[number]`` is that
    frequency's ``log(freq) - log(total)``. One cell is read per character walked,
    and no hash is probed: a cut takes about half the time it took over the hash.
    """

    cells: np.ndarray  # int64
    root_base: int
    alphabet: np.ndarray  # int64 per code point up to the last one in a word
    scores: np.ndarray  # float64 per distinct frequency
    shift: tuple[int, int, int]  # code's shift, base's bits, info's bits


def _walk(base: Segmenter) -> Walk:
    """The double array of a segmenter's trie, nodes and frequencies as they are."""
    parent, char = trie_links(base.root, base.edges, base.nodes)
    per_char = np.bincount(char[1:], minlength=1)
    used = np.flatnonzero(per_char)
    per_char = per_char[used]
    alphabet = np.full(int(used[-1]) + 1 if len(used) else 0, -1, dtype=np.int64)
    # codes by how many nodes hold the character: the common children of a node lie close
    alphabet[used[np.argsort(-per_char, kind="stable")]] = np.arange(1, len(used) + 1)
    code = np.zeros(base.nodes, dtype=np.int64)
    code[1:] = alphabet[char[1:]]
    kids, first, count = children_by_parent(parent, code, len(used))
    inner = np.flatnonzero(count > 0)
    order = inner[np.argsort(-count[inner], kind="stable")]
    bases, cells_of, top = place_children(kids, first, count, code, order)
    # the distinct frequencies numbered as they come, 0 (a prefix alone) first
    distinct = pc.dictionary_encode(pa.array(np.concatenate(([0], base.node_info >> 1))))
    number = distinct.indices.to_numpy()[1:].astype(np.int64)
    scores = np.zeros(len(distinct.dictionary), dtype=np.float64)
    scores[number] = base.score  # the same frequency has the same score
    info = number * 2 + (base.node_info & 1)
    size = top + len(used) + 1  # a base and a code stay inside
    code_bits = len(used).bit_length()
    base_bits = max(1, size.bit_length())
    info_bits = 63 - code_bits - base_bits
    if info_bits < 2 or int(info.max()) >= 1 << info_bits:
        raise ValueError(
            "the Chinese dictionary and user words hold too many distinct frequencies:"
            " use fewer user words"
        )
    cells = np.full(size, -1, dtype=np.int64)
    nodes = np.arange(1, base.nodes)
    cells[cells_of[nodes]] = (
        (code[nodes] << (base_bits + info_bits)) | (bases[nodes] << info_bits) | info[nodes]
    )
    return Walk(
        cells, int(bases[0]), alphabet, scores, (base_bits + info_bits, base_bits, info_bits)
    )


def _code_points(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All the words' code points in one array, and where each word starts (then the end)."""
    points = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    return points, np.concatenate(([0], np.cumsum(lengths)))


def _table_size(edges: int) -> int:
    """Slots of the hash for this many edges: a power of two, at most half full."""
    return 1 << max(10, (2 * edges).bit_length())


def _scores(node_info: np.ndarray, total: int) -> np.ndarray:
    """``log(freq) - log(total)`` per word node, 0 elsewhere.

    libm's log through :func:`math.log`, as jieba calls it (numpy's own log
    may differ in the last bit); the subtraction is the same in numpy.
    """
    score = np.zeros(len(node_info), dtype=np.float64)
    freq = node_info >> 1
    words = np.flatnonzero(freq > 0)
    logs = np.fromiter(map(math.log, freq[words].tolist()), dtype=np.float64)
    score[words] = logs - math.log(total)
    return score


def _read_dictionary(path: Path) -> tuple[list[str], list[int]]:
    """The words and frequencies of jieba's ``dict.txt``, line by line as ``gen_pfdict`` reads."""
    words: list[str] = []
    freqs: list[int] = []
    lines = path.read_bytes().split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the break ending the last line
    for number, line in enumerate(lines, 1):
        text = line.strip().decode("utf-8")
        try:
            word, freq = text.split(" ")[:2]
            freqs.append(int(freq))
        except ValueError:
            message = f"invalid dictionary entry in {path} at line {number}: {text}"
            raise ValueError(message) from None
        words.append(word)
    return words, freqs


#: The bytes ``bytes.strip`` removes besides space and line break: a file holding any of
#: them is read line by line.
_OTHER_SPACE = np.array([0x09, 0x0B, 0x0C, 0x0D], dtype=np.uint8)


def _plain_dictionary(raw: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`_read_dictionary` of a plain file at once, as code points, where each word
    starts and the frequencies; None when the file is not plain.

    Plain: every line ends with a line break and is three fields (word, ASCII
    digits, tag) split by single spaces, with no other ASCII white space in
    the file. For such a line ``strip`` removes nothing and ``split(" ")[:2]``
    is its first two fields, so the two readers agree.
    """
    data = np.frombuffer(raw, dtype=np.uint8)
    if not raw.endswith(b"\n") or any(raw.count(bytes([b])) for b in _OTHER_SPACE.tolist()):
        return None
    ends = np.flatnonzero(data == 0x0A)
    begins = np.concatenate(([0], ends[:-1] + 1))
    spaces = np.flatnonzero(data == 0x20)
    if len(spaces) != 2 * len(ends):
        return None
    # spaces 2i and 2i + 1 inside line i, apart, neither at an end: every line has two
    first, second = spaces[0::2], spaces[1::2]
    digits = second - first - 1
    if not ((first > begins) & (digits > 0) & (ends > second + 1)).all() or digits.max() > 18:
        return None
    freqs = np.zeros(len(ends), dtype=np.int64)
    for k in range(int(digits.max())):
        more = np.flatnonzero(digits > k)
        digit = data[first[more] + 1 + k].astype(np.int64) - 0x30
        if ((digit < 0) | (digit > 9)).any():
            return None
        freqs[more] = freqs[more] * 10 + digit
    # each line from its start to its first space, the space included: the words and a
    # space after each (no word holds one)
    inside = np.zeros(len(data), dtype=np.int8)
    inside[begins] = 1
    inside[first + 1] = -1  # a line's second field starts after its first space
    try:
        text = data[np.cumsum(inside, dtype=np.int8) > 0].tobytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    spaced = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    after = np.flatnonzero(spaced == 0x20)  # word i ends at after[i], less the i spaces before
    starts = np.concatenate(([0], after - np.arange(len(after))))
    return spaced[spaced != 0x20].astype(np.int64), starts, freqs


def _hmm() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """jieba's ``finalseg`` start, transition and emission log probabilities, states in letter
    order (B, E, M, S), ``MIN_FLOAT`` for what the tables leave out."""
    from jieba.finalseg import emit_P, start_P, trans_P

    order = "BEMS"
    start = np.array([start_P[s] for s in order], dtype=np.float64)
    trans = np.array([[trans_P[a].get(b, MIN_FLOAT) for b in order] for a in order])
    emit = np.full((4, HAN_LAST - HAN_FIRST + 1), MIN_FLOAT)
    for y, state in enumerate(order):
        table = emit_P[state]
        chars = [c for c in table if HAN_FIRST <= ord(c) <= HAN_LAST]
        emit[y, [ord(c) - HAN_FIRST for c in chars]] = [table[c] for c in chars]
    return start, trans, emit


@functools.lru_cache(maxsize=1)
def _base() -> Segmenter:
    """jieba's default dictionary and HMM, read once per process."""
    import jieba

    return dictionary_at(Path(jieba.__file__).parent / "dict.txt")


def dictionary_at(path: Path) -> Segmenter:
    """A dictionary file in jieba's format (as ``jieba.Tokenizer(path)`` reads it) and
    jieba's HMM."""
    plain = _plain_dictionary(path.read_bytes())
    if plain is None:
        words, listed = _read_dictionary(path)
        points, starts = _code_points(words)
        freqs = np.array(listed, dtype=np.int64)
    else:
        points, starts, freqs = plain
    size = _table_size(len(points))
    root = np.full(ROOT_SPAN, -1, dtype=np.int32)
    edges = np.full(size, -1, dtype=np.int64)
    node_info = np.zeros(_room(1, len(points)), dtype=np.int64)
    nodes = kernels.insert_words(points, starts, freqs, root, edges, node_info, 1)
    node_info = node_info[:nodes].copy()
    total = int(freqs.sum())
    start, trans, emit = _hmm()
    base = Segmenter(
        root, edges, node_info, nodes, total, _scores(node_info, total), start, trans, emit
    )
    # sized for every character a word, then to the edges there are: half the cache lines
    return replace(base, edges=_rehashed(base, _table_size(nodes - 1)))


def _room(nodes: int, characters: int) -> int:
    """Nodes a trie of ``nodes`` may reach with words of so many characters added."""
    if nodes + characters > MAX_NODES:
        raise ValueError(
            f"the Chinese dictionary and user words may hold at most {MAX_NODES:,} prefixes:"
            " use fewer user words"
        )
    return nodes + characters


class _Frequencies:
    """A jieba ``FREQ`` read through the trie, with the entries jieba's ``add_word`` writes."""

    def __init__(self, base: Segmenter) -> None:
        self.base = base
        self.added: dict[str, int] = {}

    def get(self, word: str, default: int | None = None) -> int | None:
        if word in self.added:
            return self.added[word]
        freq = self.base.freq(word)
        return default if freq is None else freq

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        freq = self.get(word)
        if freq is None:
            raise KeyError(word)
        return freq

    def __setitem__(self, word: str, freq: int) -> None:
        self.added[word] = freq


@functools.lru_cache(maxsize=8)
def segmenter(user_words: tuple[str, ...] = ()) -> Segmenter:
    """jieba's dictionary with ``user_words`` added in order, as ``jieba.add_word(word)`` adds
    each (no frequency: jieba's ``suggest_freq`` gives the one that keeps it whole)."""
    base = _base()
    if not user_words:
        return base
    import jieba

    frequencies = _Frequencies(base)
    tokenizer: Any = jieba.Tokenizer()
    tokenizer.FREQ = frequencies
    tokenizer.total = base.total
    tokenizer.initialized = True
    for word in user_words:
        tokenizer.add_word(word)
    added = list(frequencies.added)
    points, starts = _code_points(added)
    size = _table_size(base.nodes - 1 + len(points))  # an edge into every node but the root
    edges = _rehashed(base, size) if size > len(base.edges) else base.edges.copy()
    root = base.root.copy()
    node_info = np.zeros(_room(base.nodes, len(points)), dtype=np.int64)
    node_info[: base.nodes] = base.node_info
    counts = np.array([frequencies.added[word] for word in added], dtype=np.int64)
    nodes = kernels.insert_words(points, starts, counts, root, edges, node_info, base.nodes)
    node_info = node_info[:nodes].copy()
    total = int(tokenizer.total)
    return replace(
        base,
        root=root,
        edges=edges,
        node_info=node_info,
        nodes=nodes,
        total=total,
        score=_scores(node_info, total),
    )


def _rehashed(base: Segmenter, size: int) -> np.ndarray:
    """The base trie's edges in a hash of ``size`` slots."""
    edges = np.full(size, -1, dtype=np.int64)
    kernels.rehash(base.edges, edges)
    return edges


def cut(segmenter: Segmenter, runs: pa.Array) -> tuple[np.ndarray, pa.LargeStringArray]:
    """jieba's cut (HMM on) of each Han run of a string array: per run its number of words,
    and all the words in order, an array over the runs' bytes (not copied).

    Many runs are cut in parts on parallel threads (the kernel releases the GIL).
    """
    counts, words, _keys = cut_keyed(segmenter, runs)
    return counts, words


def cut_keyed(
    segmenter: Segmenter, runs: pa.Array
) -> tuple[np.ndarray, pa.LargeStringArray, np.ndarray]:
    """:func:`cut`, and per word a number that names it: the cell of its node in the
    segmenter's :class:`Walk` (equal words, equal numbers), or -1 for a word that is
    no node of the trie (the HMM's new words, characters in no word)."""
    array = runs.cast(pa.large_string())
    if array.null_count:
        raise ValueError("cut takes Han runs, not nulls")
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data_buffer = array.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.zeros(0, np.uint8)
    spans = kernels.split_evenly(
        offsets, kernels.WORKERS if offsets[-1] - offsets[0] > PARALLEL_BYTES else 1
    )
    walk = segmenter.walk
    tables = (
        walk.cells,
        walk.root_base,
        walk.alphabet,
        walk.scores,
        walk.shift,
        segmenter.unknown,
        segmenter.start,
        segmenter.trans,
        segmenter.emit,
    )

    def part(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return kernels.cut_han_runs(data, offsets, span[0], span[1], *tables)

    if len(spans) > 1:
        with ThreadPoolExecutor(max_workers=len(spans)) as pool:
            parts = list(pool.map(part, spans))
    else:
        parts = [part(spans[0])]
    # each part's offsets start where the part before ended
    ends = (
        parts[0][0]
        if len(parts) == 1
        else np.concatenate([parts[0][0], *(p[0][1:] for p in parts[1:])])
    )
    counts = np.concatenate([p[1] for p in parts])
    keys = parts[0][2] if len(parts) == 1 else np.concatenate([p[2] for p in parts])
    words = pa.LargeStringArray.from_buffers(
        len(ends) - 1, pa.py_buffer(ends), data_buffer or pa.py_buffer(b"")
    )
    return counts, words, keys
