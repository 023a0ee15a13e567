"""Text analysis for Chinese and English listings: normalisation, jieba words, stop-words, character n-grams."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata

# Descriptions are public marketing text; beyond this many characters they only repeat themselves, and
# bounding them keeps one pasted 100 KB document from dominating tokenisation time.
MAX_TEXT_CHARS = 4000

# Chinese function words and filler common in listings; they match everything and explain nothing.
STOP_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 以 于 中 等 将 把 被 由 从 其 该 本 此 这 那 之 而 并 也 又 就 都 所 着 过
    一 一种 一个 一些 我们 我们的 你们 他们 它们 通过 进行 采用 利用 使用 基于 根据 对于 关于 以及 同时 其中
    可以 能够 具有 提出 研究 分析 方法 结果 表明 问题 方面 影响 作用 相关 主要 通过 实现 提供 需要 希望 寻求
    本文 文章 论文 目前 当前 随着 已经 如何 如果 因此 所以 但是 然而 并且 以及 不仅 而且 之间 其他 各种 相应
    a an the of and or in on for to with by from at as is are be this that these those we our it its
    """.split()
)

_WORD_RE = re.compile(r"[a-z][a-z0-9\-\.]*[a-z0-9]|[a-z]|\d+(?:\.\d+)?[a-z%‰℃]*")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
# Letters of other scripts (Cyrillic, Arabic...): jieba would cut them into single letters.
_OTHER_SCRIPT_RE = re.compile(r"[^\W\d_a-z\u3400-\u9fff]+")
_SPACE_RE = re.compile(r"\s+")
# Units written in Chinese or with symbols become one ASCII spelling so "10毫米" and "10 mm" share a token.
_UNITS = {
    "毫米": "mm", "厘米": "cm", "公里": "km", "千米": "km", "米": "m", "微米": "um", "纳米": "nm", "μm": "um",
    "千克": "kg", "公斤": "kg", "克": "g", "吨": "t", "千瓦": "kw", "兆瓦": "mw", "瓦": "w", "伏": "v",
    "摄氏度": "℃", "°c": "℃", "兆帕": "mpa", "千帕": "kpa", "赫兹": "hz", "百分之": "%",
}
_UNIT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")"
)
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    """Return one shared jieba tokenizer, loading its dictionary on first use and keeping it quiet."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def normalize(text: str | None) -> str:
    """Return text in NFKC (full-width to half-width), lower case, units unified, whitespace collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS].lower()
    text = _THOUSANDS_RE.sub("", text)
    text = _UNIT_RE.sub(lambda m: m.group(1) + _UNITS[m.group(2)], text)
    return _SPACE_RE.sub(" ", text).strip()


def _is_useful(token: str) -> bool:
    return token not in STOP_WORDS and (bool(_HAN_RE.search(token)) or len(token) > 1 or token.isdigit())


def words(text: str) -> list[str]:
    """Return the content words of already-normalised text: jieba for Chinese, letters/digits otherwise."""
    return list(_cached_words(text))


# The lexical index, the classifier and the corpus encoder each analyse the same listing; caching the
# jieba pass (the expensive part) makes that one cut per text instead of three.
@functools.lru_cache(maxsize=16384)
def _cached_words(text: str) -> tuple[str, ...]:
    tokens = [w for w in _OTHER_SCRIPT_RE.findall(text) if len(w) > 1]
    if tokens:
        text = _OTHER_SCRIPT_RE.sub(" ", text)
    for piece in _jieba().lcut(text):
        first = piece[0]
        if "\u3400" <= first <= "\u9fff":
            if piece not in STOP_WORDS:
                tokens.append(piece)
        elif first.isalnum() or len(piece) > 1:
            tokens.extend(t for t in _WORD_RE.findall(piece) if _is_useful(t))
    return tuple(tokens)


def char_ngrams(text: str, low: int = 2, high: int = 3) -> list[str]:
    """Return character n-grams of the Chinese runs of already-normalised text."""
    grams = []
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        for n in range(low, high + 1):
            grams.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


def analyze(text: str | None, low: int = 2, high: int = 3) -> list[str]:
    """Return the index terms of raw text: content words plus character n-grams (prefixed to keep apart)."""
    clean = normalize(text)
    if not clean:
        return []
    return words(clean) + ["#" + g for g in char_ngrams(clean, low, high)]


def lexical_terms(text: str | None) -> list[str]:
    """Return the terms the lexical channel indexes: words plus single Chinese characters.

    Single characters recover matches jieba cuts differently in a short need and a long description;
    measured on CSL title-to-abstract retrieval they beat 2-3-grams for BM25.
    """
    return analyze(text, 1, 1)


def semantic_terms(text: str | None) -> list[str]:
    """Return the terms the corpus encoder and the classifier see: words plus character 2-3-grams."""
    return analyze(text, 2, 3)


def shared_terms(query_words: list[str], target_text: str, limit: int = 5) -> list[str]:
    """Return up to `limit` of the query's words that also occur in the target text, longest first."""
    target = normalize(target_text)
    seen: dict[str, None] = {}
    for word in sorted(set(query_words), key=lambda w: (-len(w), w)):
        if len(word) > 1 and word in target:
            seen[word] = None
    return list(seen)[:limit]
