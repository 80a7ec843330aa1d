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
def trie_links(root: np.ndarray, edges: np.ndarray, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per trie node, its parent and the character leading to it (-1 for the root)."""
    parent = np.full(nodes, -1, dtype=np.int64)
    char = np.full(nodes, -1, dtype=np.int64)
    for c in range(len(root)):
        if root[c] >= 0:
            parent[root[c]] = 0
            char[root[c]] = c
    for h in range(len(edges)):
        slot = edges[h]
        if slot >= 0:
            key = slot >> _BITS
            child = slot & (_EDGE - 1)
            parent[child] = key >> _BITS
            char[child] = key & (_EDGE - 1)
    return parent, char


@njit(cache=True, nogil=True)
def children_by_parent(
    parent: np.ndarray, code: np.ndarray, codes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes but the root grouped by parent, each group in ascending ``code`` (codes are
    1..``codes``): the nodes in that order, and where each node's group starts and its size."""
    nodes = len(parent)
    # counting sort by code, then (stable) by parent
    per_code = np.zeros(codes + 2, dtype=np.int64)
    for v in range(1, nodes):
        per_code[code[v] + 1] += 1
    for c in range(1, codes + 2):
        per_code[c] += per_code[c - 1]
    by_code = np.empty(nodes - 1, dtype=np.int64)
    for v in range(1, nodes):
        by_code[per_code[code[v]]] = v
        per_code[code[v]] += 1
    count = np.zeros(nodes, dtype=np.int64)
    for v in range(1, nodes):
        count[parent[v]] += 1
    first = np.zeros(nodes, dtype=np.int64)
    for v in range(1, nodes):
        first[v] = first[v - 1] + count[v - 1]
    fill = first.copy()
    kids = np.empty(nodes - 1, dtype=np.int64)
    for node in by_code:
        kids[fill[parent[node]]] = node
        fill[parent[node]] += 1
    return kids, first, count


@njit(cache=True, nogil=True, inline="always")
def _bits_at(bits: np.ndarray, at: int) -> np.uint64:
    """The 64 bits of a bit array from bit ``at`` on."""
    w = at >> 6
    o = np.uint64(at & 63)
    if o == 0:
        return np.uint64(bits[w])
    return np.uint64((bits[w] >> o) | (bits[w + 1] << (np.uint64(64) - o)))


@njit(cache=True, nogil=True, inline="always")
def _set_bit(bits: np.ndarray, at: int) -> None:
    bits[at >> 6] |= np.uint64(1) << np.uint64(at & 63)


#: Nodes with this many children or more look for a base 64 candidates at a time.
_WIDE = 16


@njit(cache=True, nogil=True)
def place_children(
    kids: np.ndarray, first: np.ndarray, count: np.ndarray, code: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """The double array of a trie: a base per node with children, a cell per node.

    Node ``s``'s children ``kids[first[s]:first[s] + count[s]]`` (ascending
    ``code``, codes from 1) go to cells ``base[s] + code``; bases are
    distinct, so a cell's code tells which parent owns it. Nodes are placed
    in ``order`` (most children first); each takes the first base, from
    where the last node of about its number of children went, whose cells
    are all free (a node of many children tests 64 bases at once, on bit
    arrays). Returns the bases, the cells (the root's is 0) and the number
    of cells used.
    """
    nodes = len(first)
    room = 2 * nodes + 2 * int(code.max()) + 128
    while True:
        taken = np.zeros(room + 64, dtype=np.bool_)
        taken_bits = np.zeros(room // 64 + 3, dtype=np.uint64)
        used_bits = np.zeros(room // 64 + 3, dtype=np.uint64)
        free = np.arange(room + 1, dtype=np.int64)  # the first free cell at or after (path-halved)
        base = np.zeros(nodes, dtype=np.int64)
        cell = np.zeros(nodes, dtype=np.int64)
        last = np.zeros(64, dtype=np.int64)
        top = 1
        fits = True
        for s in order:
            k0 = first[s]
            kn = count[s]
            c0 = code[kids[k0]]
            reach = code[kids[k0 + kn - 1]]
            size = 0
            while (1 << (size + 1)) <= kn:
                size += 1
            x = max(c0 + 1, last[size])
            b = -1
            while True:
                f = x
                while free[f] != f:
                    free[f] = free[free[f]]
                    f = free[f]
                if f - c0 + reach + 64 >= room:
                    fits = False
                    break
                if kn >= _WIDE:
                    # bases f - c0 .. f - c0 + 63 at once: bit i stays set while base + i fits
                    b0 = f - c0
                    fit = ~_bits_at(used_bits, b0)
                    k = k0
                    while fit and k < k0 + kn:
                        fit &= ~_bits_at(taken_bits, b0 + code[kids[k]])
                        k += 1
                    if fit:
                        i = 0
                        while not (fit >> np.uint64(i)) & np.uint64(1):
                            i += 1
                        b = b0 + i
                        break
                    x = f + 64
                    continue
                b = f - c0
                ok = not (used_bits[b >> 6] >> np.uint64(b & 63)) & np.uint64(1)
                k = k0 + 1
                while ok and k < k0 + kn:
                    ok = not taken[b + code[kids[k]]]
                    k += 1
                if ok:
                    break
                x = f + 1
            if not fits:
                break
            _set_bit(used_bits, b)
            base[s] = b
            last[size] = b + c0
            for k in range(k0, k0 + kn):
                t = b + code[kids[k]]
                taken[t] = True
                _set_bit(taken_bits, t)
                free[t] = t + 1
                cell[kids[k]] = t
                top = max(top, t + 1)
        if fits:
            return base, cell, top
        room *= 2


@njit(cache=True, nogil=True, inline="always")
def _word_at(
    cells: np.ndarray,
    root_base: int,
    codes: np.ndarray,
    lo: int,
    hi: int,
    shift: tuple[int, int, int],
) -> bool:
    """Whether ``codes[lo:hi]`` is a dictionary word (frequency above 0)."""
    label, bbits, ibits = shift
    b = root_base
    info = 0
    for q in range(lo, hi):
        a = codes[q]
        if a < 0 or (q > lo and not info & 1):
            return False
        v = cells[b + a]
        if (v >> label) != a:
            return False
        info = v & ((1 << ibits) - 1)
        b = (v >> ibits) & ((1 << bbits) - 1)
    return info >= 2


@njit(cache=True, nogil=True, inline="always")
def _cell_of(
    cells: np.ndarray,
    root_base: int,
    codes: np.ndarray,
    lo: int,
    hi: int,
    shift: tuple[int, int, int],
) -> int:
    """The cell of the trie node ``codes[lo:hi]`` (a word or a prefix), or -1 for none."""
    label, bbits, ibits = shift
    b = root_base
    info = 1
    cell = -1
    for q in range(lo, hi):
        a = codes[q]
        if a < 0 or not info & 1:
            return -1
        cell = b + a
        v = cells[cell]
        if (v >> label) != a:
            return -1
        info = v & ((1 << ibits) - 1)
        b = (v >> ibits) & ((1 << bbits) - 1)
    return cell


@njit(cache=True, nogil=True)
def cut_han_runs(
    data: np.ndarray,
    offsets: np.ndarray,
    lo: int,
    hi: int,
    cells: np.ndarray,
    root_base: int,
    alphabet: np.ndarray,
    scores: np.ndarray,
    shift: tuple[int, int, int],
    unknown: float,
    start: np.ndarray,
    trans: np.ndarray,
    emit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """jieba's cut (HMM on) of the Han runs ``lo..hi`` of a UTF-8 string array.

    ``data`` is the array's bytes and ``offsets`` (int64) where each run
    starts, then the end. Returns the words' offsets (where the first
    starts, then where each ends, in order: Arrow's offsets of the words
    over ``data``), each run's number of words, and per word the cell of
    its trie node (-1 when it is none: the HMM's new words, characters in
    no word), which names the word: equal words, equal cells.

    The dictionary is the trie as a double array (:func:`place_children`):
    a character's code is ``alphabet[c]`` (-1: in no word); the child of the
    node whose base is ``b`` by code ``a`` is cell ``b + a`` when that
    cell's code is ``a``. A cell is ``code << shift[0] | base << shift[2] |
    info``, ``info`` being twice the node's frequency number (0 for a prefix
    alone), plus one when longer words go on from it; ``scores[number]`` is
    ``log(freq) - log(total)`` and ``unknown`` is ``log(1) - log(total)``, a
    character no word starts at. One read of one cell per character walked.
    """
    label, bbits, ibits = shift
    imask = (1 << ibits) - 1
    bmask = (1 << bbits) - 1
    longest = 1
    for r in range(lo, hi):
        longest = max(longest, offsets[r + 1] - offsets[r])
    ends = np.empty(offsets[hi] - offsets[lo] + 1, dtype=np.int64)  # a word has a byte
    keys = np.empty(offsets[hi] - offsets[lo], dtype=np.int64)
    counts = np.zeros(hi - lo, dtype=np.int64)
    points = np.empty(longest, dtype=np.int64)
    codes = np.empty(longest, dtype=np.int64)
    at = np.empty(longest + 1, dtype=np.int64)
    route = np.empty(longest + 1, dtype=np.float64)
    step = np.empty(longest + 1, dtype=np.int64)
    scores_hmm = np.empty((longest, 4), dtype=np.float64)
    back = np.empty((longest, 4), dtype=np.int8)
    states = np.empty(longest, dtype=np.int8)
    known = len(alphabet)
    ends[0] = offsets[lo]
    n = 1
    for r in range(lo, hi):
        m = _decode_run(data, offsets[r], offsets[r + 1], points, at)
        for q in range(m):
            codes[q] = alphabet[points[q]] if points[q] < known else -1
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
                b = root_base
                x = k
                while x < j:
                    a = codes[x]
                    if a < 0:
                        break
                    v = cells[b + a]
                    if (v >> label) != a:
                        break  # no such child
                    x += 1
                    info = v & imask
                    if info >= 2:  # a word (frequency above 0)
                        value = scores[info >> 1] + route[x]
                        if best_end < 0 or value >= best:  # a tie goes to the longer word
                            best = value
                            best_end = x
                    if not info & 1:
                        break  # no word goes on from here
                    b = (v >> ibits) & bmask
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
                    elif _word_at(cells, root_base, codes, left, x, shift):
                        for q in range(left, x):
                            ends[n] = at[q + 1]
                            n += 1
                    else:
                        n = _viterbi(
                            points, at, left, x, start, trans, emit, scores_hmm, back, states,
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
        # each word's node, walked again (the walk just read its cells)
        q = 0
        for w in range(before, n):
            start_q = q
            while at[q] < ends[w]:
                q += 1
            keys[w - 1] = _cell_of(cells, root_base, codes, start_q, q, shift)
    return ends[:n], counts, keys[: n - 1]  # the pages past n were never touched: no copy


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
