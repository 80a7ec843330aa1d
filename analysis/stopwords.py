"""Stopwords: the built-in English and Chinese list, and users' own lists by the token rule.

Stopwords hide terms from tables, charts and rankings; they never change a
count, and phrase detection uses the built-in list only, so editing them never
rebuilds an index.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

from analysis.english_stopwords import ENGLISH_STOP_WORDS
from analysis.text import tokenize_frame

# Chinese function words and very common verbs that carry little content.
_CHINESE_STOPWORDS = [
    "的",
    "了",
    "和",
    "是",
    "在",
    "也",
    "就",
    "都",
    "而",
    "及",
    "与",
    "着",
    "或",
    "一个",
    "没有",
    "我们",
    "你们",
    "他们",
    "她们",
    "它们",
    "这",
    "那",
    "之",
    "等",
    "对",
    "把",
    "被",
    "从",
    "以",
    "为",
    "中",
    "上",
    "下",
    "将",
    "并",
    "其",
    "该",
    "此",
    "又",
    "还",
    "但",
    "要",
    "会",
    "能",
    "可",
    "可以",
    "已",
    "已经",
    "所",
    "于",
    "由",
    "向",
    "给",
    "让",
    "使",
    "如",
    "如果",
    "因为",
    "所以",
    "因此",
    "这个",
    "那个",
    "这些",
    "那些",
    "这样",
    "那样",
    "一些",
    "一种",
    "什么",
    "怎么",
    "自己",
    "各",
    "每",
    "个",
    "年",
    "月",
    "日",
    "不",
    "很",
    "更",
    "最",
    "把",
    "比",
    "跟",
    "同",
    "得",
    "地",
    "啊",
    "吗",
    "呢",
    "吧",
    "么",
    "之一",
    "以及",
    "进一步",
    "通过",
    "对于",
    "关于",
    "我",
    "你",
    "他",
    "她",
    "它",
    "有",
    "着",
    "过",
]

_BUILTIN = frozenset(ENGLISH_STOP_WORDS) | frozenset(_CHINESE_STOPWORDS)


def default_stopwords() -> frozenset[str]:
    """Built-in stopwords: scikit-learn's English list plus Chinese function words.

    Users edit this list in the app (``parse_stopwords``); it is applied to
    every table and chart. Phrase detection uses the built-in list only, so
    editing stopwords never forces the index to be rebuilt.
    """
    return _BUILTIN


def parse_stopwords(text: str) -> frozenset[str]:
    """Stopwords from user text: one per line or separated by commas/spaces.

    Each entry is normalised by the token rule, so ``Xi's`` becomes ``xi``.

    >>> sorted(parse_stopwords("The, Xi's\\n  said"))
    ['said', 'the', 'xi']
    """
    return _parse_stopwords(text)


@functools.lru_cache(maxsize=32)
def _parse_stopwords(text: str) -> frozenset[str]:
    # Every rerun of the app parses the same sidebar text: remember it, and
    # tokenise all entries in one frame (each entry is its own document).
    entries = [entry for entry in re.split(r"[,\n\s]+", text) if entry.strip()]
    if not entries:
        return frozenset()
    tokens = tokenize_frame(entries)["token"].drop_nulls()
    return frozenset(tokens.to_list())


def stopword_mask(terms: Sequence[str], stopwords: frozenset[str]) -> np.ndarray:
    """Boolean array: which of ``terms`` (single tokens) are stopwords."""
    return np.fromiter((t in stopwords for t in terms), dtype=bool, count=len(terms))
