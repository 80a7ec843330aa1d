"""jieba 0.42.1's cut of Han runs (``cut(run, HMM=True)``), compiled over its dictionary and HMM.

:func:`cut_han_runs` cuts the runs of a UTF-8 string array and returns
where each word ends (byte offsets into the array's data) and each run's
number of words, so the words become an Arrow array over the same bytes
and no Python object is made per word. It releases the GIL, so the runs
of a batch are cut on several threads at once. :mod:`analysis.segmenter`
reads jieba's files into the arrays it walks (:func:`insert_words`).

The dictionary is a trie of code points: the root's children in a dense
table (``root``, one entry per code point below :data:`ROOT_SPAN`), every
other edge ``(node, character) -> child`` in an open-addressing hash table
(``edges``: one int64 a slot, the edge's key above its child, so a probe
reads one cache line) whose keys are verified on every probe, so a lookup
never mistakes one prefix for another. The trie's nodes are exactly the
keys of jieba's ``FREQ``: every word and every prefix of one, a prefix
alone having frequency 0. A node's ``node_info`` is its frequency times two,
plus one when longer words go on from it, so one read tells whether the
walk stops there without probing the hash for a child that is not there.

The cut of a run, as jieba's ``Tokenizer.cut`` does it with ``HMM=True``
(runs hold Han characters only, so no letter, digit or space):

1. the run splits into blocks of jieba's Han characters (U+4E00-U+9FD5,
   its ``re_han_default``); any other character is a word of its own;
2. in a block, ``get_DAG`` and ``calc``: from the right, each position's
   candidates are the dictionary words starting there (frequency above 0),
   or the character alone when there are none, each scored
   ``log(freq or 1) - log(total) + route[end]`` (``score`` holds the first
   two terms, subtracted in that order); the greatest ``(score, end)``
   wins, so a tie goes to the longer word, as Python's ``max`` of tuples;
3. ``__cut_DAG``: the route's one-character steps are gathered; one alone
   is a word; several that are a dictionary word are each a word; any
   other stretch goes to ``finalseg.cut``: Viterbi over B, E, M, S with
   jieba's ``start``, ``trans`` and ``emit`` (``MIN_FLOAT`` for what is
   missing), sums in jieba's order, ties to the later state letter, the
   last state E or S. jieba's ``Force_Split_Words`` is empty unless a word
   is added with frequency 0, which :mod:`analysis.segmenter` never does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Code points with a dense entry for the root's child (the rest go through the hash).
ROOT_SPAN = 0x30000

#: jieba's Han characters (``re_han_default`` and ``finalseg.re_han``), the HMM's too.
HAN_FIRST, HAN_LAST = 0x4E00, 0x9FD5

#: jieba's ``MIN_FLOAT``: the log probability of what the HMM has never seen.
MIN_FLOAT = -3.14e100

#: An edge's key is ``node * _EDGE + character`` (characters are below 2 ** 21); its
#: slot holds ``key * _EDGE + child``, so nodes are numbered below :data:`MAX_NODES`.
_BITS = 21
_EDGE = 1 << _BITS
MAX_NODES = _EDGE


@njit(cache=True, nogil=True, inline="always")
def _slot(key: int, mask: int) -> int:
    """The first slot probed for ``key`` (Fibonacci hashing: the product's top bits)."""
    return int((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask


@njit(cache=True, nogil=True, inline="always")
def _child(root: np.ndarray, edges: np.ndarray, node: int, c: int) -> int:
    """The trie node after ``node`` and character ``c``, or -1."""
    if node == 0 and c < ROOT_SPAN:
        return int(root[c])
    key = node * _EDGE + c
    mask = len(edges) - 1
    h = _slot(key, mask)
    while True:
        slot = edges[h]
        if slot < 0:
            return -1
        if slot >> _BITS == key:
            return int(slot & (_EDGE - 1))
        h = (h + 1) & mask


@njit(cache=True, nogil=True)
def insert_words(
    points: np.ndarray,
    starts: np.ndarray,
    freqs: np.ndarray,
    root: np.ndarray,
    edges: np.ndarray,
    node_info: np.ndarray,
    nodes: int,
) -> int:
    """Put words into the trie in order and return its new number of nodes.

    Word ``w`` is ``points[starts[w]:starts[w + 1]]``; its node gets
    ``freqs[w]`` (a later entry of the same word overwrites an earlier
    one); a new prefix node gets 0, an existing node keeps its frequency
    (jieba's ``gen_pfdict`` and ``add_word``). ``nodes`` is the number of
    nodes so far (1: the root alone). The hash must have room (at most half
    full after) and ``node_info`` too, below :data:`MAX_NODES`: the caller
    sizes both.
    """
    mask = len(edges) - 1
    for w in range(len(starts) - 1):
        if starts[w + 1] == starts[w]:
            continue
        node = 0
        for i in range(starts[w], starts[w + 1]):
            c = int(points[i])
            child = _child(root, edges, node, c)
            if child < 0:
                child = nodes
                nodes += 1
                node_info[child] = 0
                if node > 0:
                    node_info[node] |= 1  # words go on from node
                if node == 0 and c < ROOT_SPAN:
                    root[c] = child
                else:
                    key = node * _EDGE + c
                    h = _slot(key, mask)
                    while edges[h] >= 0:
                        h = (h + 1) & mask
                    edges[h] = key * _EDGE + child
            node = child
        node_info[node] = freqs[w] * 2 + (node_info[node] & 1)
    return nodes


@njit(cache=True, nogil=True)
def node_of(root: np.ndarray, edges: np.ndarray, points: np.ndarray, lo: int, hi: int) -> int:
    """The trie node of ``points[lo:hi]`` (-1: not a prefix of any word)."""
    node = 0
    for i in range(lo, hi):
        node = _child(root, edges, node, int(points[i]))
        if node < 0:
            return -1
    return node


@njit(cache=True, nogil=True)
def _viterbi(
    points: np.ndarray,
    at: np.ndarray,
    lo: int,
    hi: int,
    start: np.ndarray,
    trans: np.ndarray,
    emit: np.ndarray,
    scores: np.ndarray,
    back: np.ndarray,
    states: np.ndarray,
    ends: np.ndarray,
    n: int,
) -> int:
    """``finalseg.cut`` of ``points[lo:hi]`` (all jieba Han): word ends written from ``ends[n]``.

    States are numbered in letter order (B 0, E 1, M 2, S 3), so a tie of
    probabilities goes to the greater number as it goes to the later letter
    in jieba's ``max``. Returns the new ``n``.
    """
    length = hi - lo
    c = points[lo] - HAN_FIRST
    for y in range(4):
        scores[0, y] = start[y] + emit[y, c]
    for s in range(1, length):
        c = points[lo + s] - HAN_FIRST
        for y in range(4):
            em = emit[y, c]
            # jieba's PrevStatus: B after E or S, E after B or M, M after B or M, S after E or S
            if y == 0 or y == 3:
                p0, p1 = 1, 3
            else:
                p0, p1 = 0, 2
            v0 = scores[s - 1, p0] + trans[p0, y] + em
            v1 = scores[s - 1, p1] + trans[p1, y] + em
            if v1 >= v0:
                scores[s, y] = v1
                back[s, y] = p1
            else:
                scores[s, y] = v0
                back[s, y] = p0
    last = 3 if scores[length - 1, 3] >= scores[length - 1, 1] else 1
    states[length - 1] = last
    for s in range(length - 1, 0, -1):
        states[s - 1] = back[s, states[s]]
    # finalseg.__cut: B opens a word, E closes it, S is a word, the rest is one word
    following = 0
    for s in range(length):
        state = states[s]
        if state == 1 or state == 3:
            ends[n] = at[lo + s + 1]
            n += 1
            following = s + 1
    if following < length:
        ends[n] = at[hi]
        n += 1
    return n


@njit(cache=True, nogil=True)
def _decode_run(data: np.ndarray, p: int, q: int, points: np.ndarray, at: np.ndarray) -> int:
    """Code points of the UTF-8 bytes ``data[p:q]`` into ``points``, where each starts into
    ``at`` (then ``q``); returns how many."""
    m = 0
    while p < q:
        b = int(data[p])
        k = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
        c = b if k == 1 else b & (0x1F if k == 2 else 0x0F if k == 3 else 0x07)
        for j in range(1, k):
            c = (c << 6) | (int(data[p + j]) & 0x3F)
        points[m] = c
        at[m] = p
        m += 1
        p += k
    at[m] = q
    return m


@njit(cache=True, nogil=True)
def cut_han_runs(
    data: np.ndarray,
    offsets: np.ndarray,
    lo: int,
    hi: int,
    root: np.ndarray,
    edges: np.ndarray,
    node_info: np.ndarray,
    score: np.ndarray,
    unknown: float,
    start: np.ndarray,
    trans: np.ndarray,
    emit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """jieba's cut (HMM on) of the Han runs ``lo..hi`` of a UTF-8 string array.

    ``data`` is the array's bytes and ``offsets`` (int64) where each run
    starts, then the end. Returns the words' offsets (where the first
    starts, then where each ends, in order: Arrow's offsets of the words
    over ``data``) and each run's number of words. ``score[node]`` is
    ``log(freq) - log(total)`` of a word's node and ``unknown`` is
    ``log(1) - log(total)``, a character no word starts at.
    """
    longest = 1
    for r in range(lo, hi):
        longest = max(longest, offsets[r + 1] - offsets[r])
    ends = np.empty(offsets[hi] - offsets[lo] + 1, dtype=np.int64)  # a word has a byte
    counts = np.zeros(hi - lo, dtype=np.int64)
    points = np.empty(longest, dtype=np.int64)
    at = np.empty(longest + 1, dtype=np.int64)
    route = np.empty(longest + 1, dtype=np.float64)
    step = np.empty(longest + 1, dtype=np.int64)
    scores = np.empty((longest, 4), dtype=np.float64)
    back = np.empty((longest, 4), dtype=np.int8)
    states = np.empty(longest, dtype=np.int8)
    ends[0] = offsets[lo]
    n = 1
    for r in range(lo, hi):
        m = _decode_run(data, offsets[r], offsets[r + 1], points, at)
        before = n
        i = 0
        while i < m:
            if not (HAN_FIRST <= points[i] <= HAN_LAST):
                ends[n] = at[i + 1]  # outside jieba's Han: a word of its own
                n += 1
                i += 1
                continue
            j = i
            while j < m and HAN_FIRST <= points[j] <= HAN_LAST:
                j += 1
            # get_DAG and calc: route[k] is the best score of points[k:j]
            route[j] = 0.0
            for k in range(j - 1, i - 1, -1):
                best = 0.0
                best_end = -1
                node = 0
                x = k
                while x < j:
                    node = _child(root, edges, node, points[x])
                    if node < 0:
                        break
                    x += 1
                    info = node_info[node]
                    if info >= 2:  # a word (frequency above 0)
                        value = score[node] + route[x]
                        if best_end < 0 or value >= best:  # a tie goes to the longer word
                            best = value
                            best_end = x
                    if not info & 1:
                        break  # no word goes on from here
                if best_end < 0:
                    best = unknown + route[k + 1]
                    best_end = k + 1
                route[k] = best
                step[k] = best_end
            # __cut_DAG: one-character steps gathered in a buffer [left, x)
            x = i
            left = -1
            while True:
                y = step[x] if x < j else j
                if x < j and y - x == 1:
                    if left < 0:
                        left = x
                    x = y
                    continue
                if left >= 0:
                    if x - left == 1:
                        ends[n] = at[x]
                        n += 1
                    else:
                        node = node_of(root, edges, points, left, x)
                        if node >= 0 and node_info[node] >= 2:
                            for q in range(left, x):
                                ends[n] = at[q + 1]
                                n += 1
                        else:
                            n = _viterbi(
                                points, at, left, x, start, trans, emit, scores, back, states,
                                ends, n,
                            )  # fmt: skip
                    left = -1
                if x == j:
                    break
                ends[n] = at[y]
                n += 1
                x = y
            i = j
        counts[r - lo] = n - before
    return ends[:n], counts  # the pages past n were never touched: no copy


@njit(cache=True, nogil=True)
def rehash(edges: np.ndarray, into: np.ndarray) -> None:
    """The edges of one hash put into another (empty, a power of two, big enough)."""
    mask = len(into) - 1
    for h in range(len(edges)):
        slot = edges[h]
        if slot < 0:
            continue
        s = _slot(slot >> _BITS, mask)
        while into[s] >= 0:
            s = (s + 1) & mask
        into[s] = slot
