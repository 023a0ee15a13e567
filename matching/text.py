"""The one Chinese text analysis of the project: normalisation, segmentation, user dictionary, stop words.

Search (indexing.fts5) and matching (lexical channel, encoders, classifier) both analyse text here, so a
listing and a query are cut the same way everywhere, and a process loads jieba's dictionary once (one
``jieba.Tokenizer``, created on first use; jieba's module-level default tokenizer is never loaded).

Stable entry points (other modules import these; keep names and signatures):

- ``normalize(text, limit=MAX_TEXT_CHARS) -> str``: NFKC (full-width to half-width), lower case, units and
  synonyms unified, whitespace collapsed, cut to ``limit`` characters (None: no limit).
- ``words(text) -> list[str]``: content words of normalised text (jieba for Chinese, letters/digits else).
- ``char_ngrams(text, low=2, high=3) -> list[str]``: character n-grams of the Chinese runs.
- ``analyze(text, low=2, high=3) -> list[str]``: words plus "#"-prefixed n-grams of raw text.
- ``lexical_terms(text)`` / ``semantic_terms(text)``: the terms of the lexical channel / of the encoders.
- ``shared_terms(query_words, target_text, limit=5) -> list[str]``: query words found in a target.
- ``index_tokens(text) -> str``: space-joined search-mode tokens for a full-text index.
- ``query_words(text) -> tuple[(word, parts), ...]``: a search query's words with their finer parts.
- ``spellings(word) -> list[str]`` / ``is_latin_word(token) -> bool``: for highlighting a query's words.
- ``set_user_dictionary(words=(), synonyms=None, also_finds=None)``: the domain vocabulary (the app passes
  its taxonomy). ``synonyms`` are other spellings of one word, rewritten to it in listings and queries alike;
  ``also_finds`` are narrower words a query for a broader one should also find (新能源汽车 → 电驱, 800V),
  one way only, so a query for 电驱 stays precise.
- ``expansions(word) -> tuple[str, ...]``: the words a query word also finds (its ``also_finds``).
- ``expand_synonyms(text) -> str``: a query text with the words its words also find appended (the
  matcher's query side; full-text search expands per word instead, see ``indexing.fts5.fts_match``).
- ``search_synonyms() -> dict[str, list[str]]``: the vocabulary as a synonym table for a search engine
  that takes one (Meilisearch's ``synonyms`` setting): spellings both ways, ``also_finds`` one way.

Two stop lists, one place: ``FUNCTION_WORDS`` say nothing anywhere; ``STOP_WORDS`` adds the filler of
technical writing (研究, 分析, 方法...), which matches every listing and explains no recommendation, but is
still worth searching for (someone typing 分析 wants listings about analysis).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Descriptions are public marketing text; beyond this many characters they only repeat themselves, and
# bounding them keeps one pasted 100 KB document from dominating tokenisation time.
MAX_TEXT_CHARS = 4000

FUNCTION_WORDS = frozenset(
    """
    的 了 和 与 及 或 在 是 为 对 以 于 中 等 将 把 被 由 从 其 该 本 此 这 那 之 而 并 也 又 就 都 所 着 过
    上 下 个 一 一种 一个 一些 我们 我们的 你们 他们 它们
    a an the of and or in on for to with by from at as is are be this that these those we our it its
    """.split()
)
STOP_WORDS = FUNCTION_WORDS | frozenset(
    """
    通过 进行 采用 利用 使用 基于 根据 对于 关于 以及 同时 其中 可以 能够 具有 提出 研究 分析 方法 结果 表明
    问题 方面 影响 作用 相关 主要 实现 提供 需要 希望 寻求 本文 文章 论文 目前 当前 随着 已经 如何 如果 因此
    所以 但是 然而 并且 不仅 而且 之间 其他 各种 相应
    """.split()
)

_WORD_RE = re.compile(r"[a-z][a-z0-9\-\.]*[a-z0-9]|[a-z]|\d+(?:\.\d+)?[a-z%‰℃]*")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_HAN_RUN_RE = re.compile(r"[\u3400-\u9fff]+")
# Letters of other scripts (Cyrillic, Arabic...): jieba would cut them into single letters.
_OTHER_SCRIPT_RE = re.compile(r"[^\W\d_a-z\u3400-\u9fff]+")
_SPACE_RE = re.compile(r"\s+")
# Units written in Chinese or with symbols become one ASCII spelling so "10毫米" and "10 mm" share a token.
_UNITS = {
    "毫米": "mm",
    "厘米": "cm",
    "公里": "km",
    "千米": "km",
    "米": "m",
    "微米": "um",
    "纳米": "nm",
    "μm": "um",
    "千克": "kg",
    "公斤": "kg",
    "克": "g",
    "吨": "t",
    "千瓦": "kw",
    "兆瓦": "mw",
    "瓦": "w",
    "伏": "v",
    "摄氏度": "℃",
    "°c": "℃",
    "兆帕": "mpa",
    "千帕": "kpa",
    "赫兹": "hz",
    "百分之": "%",
}
_UNIT_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True)) + ")"
)
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_ASCII_WORD_RE = re.compile(r"^[0-9a-z][0-9a-z+#.\-_]*$")
_USER_WORD_RE = re.compile(r"[0-9a-z\u3400-\u9fff]+")


def _fold(text: str, limit: int | None) -> str:
    """NFKC, lower case, units and digit grouping unified, whitespace collapsed; no synonyms."""
    if limit is not None:
        # NFKC can expand a character into several; twice the limit before it is always enough.
        text = unicodedata.normalize("NFKC", text[: limit * 2])[:limit]
    else:
        text = unicodedata.normalize("NFKC", text)
    text = _THOUSANDS_RE.sub("", text.lower())
    text = _UNIT_RE.sub(lambda m: m.group(1) + _UNITS[m.group(2)], text)
    return _SPACE_RE.sub(" ", text).strip()


@dataclass(frozen=True)
class _Vocabulary:
    """The user dictionary: extra jieba words and synonym variants rewritten to one canonical spelling."""

    words: frozenset[str] = frozenset()
    canonical: Mapping[str, str] = field(default_factory=dict)  # variant -> canonical, both folded
    pattern: re.Pattern[str] | None = None
    # normalised broader word -> normalised narrower words a query for it also finds
    also_finds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        words: Iterable[str],
        synonyms: Mapping[str, Iterable[str]],
        also_finds: Mapping[str, Iterable[str]] | None = None,
    ) -> _Vocabulary:
        canonical = {}
        for word, variants in synonyms.items():
            target = _fold(word, None)
            for variant in variants:
                folded = _fold(variant, None)
                if folded and target and folded != target:
                    canonical[folded] = target
        # jieba only joins runs of Han characters, letters and digits; a Latin-only word it keeps whole anyway.
        narrower = [w for terms in (also_finds or {}).values() for w in terms]
        folded_words = {_fold(w, None) for w in [*words, *canonical.values(), *(also_finds or {}), *narrower]}
        jieba_words = frozenset(w for w in folded_words if _USER_WORD_RE.fullmatch(w) and _HAN_RE.search(w))
        pattern = None
        if canonical:
            pattern = cls._variant_pattern(canonical)
        vocabulary = cls(jieba_words, canonical, pattern)
        expanded: dict[str, tuple[str, ...]] = {}
        for word, terms in (also_finds or {}).items():
            key = vocabulary.rewrite(_fold(word, None))
            found = dict.fromkeys(vocabulary.rewrite(_fold(t, None)) for t in terms)
            found.pop(key, None)
            found.pop("", None)
            if key and found:
                expanded[key] = (*expanded.get(key, ()), *found)
        return cls(jieba_words, canonical, pattern, expanded)

    @staticmethod
    def _variant_pattern(canonical: Mapping[str, str]) -> re.Pattern[str]:
        """One regular expression for every spelling, shaped as a trie of their characters.

        Canonical words match too (as themselves): Chinese has no word boundaries, so without them the variant
        电驱 would rewrite the start of its own canonical 电驱动 into 电驱动动. At each character the longer
        continuations are tried before a word that ends there, so the longest spelling wins, as it would in a
        flat alternation sorted longest first; but the engine walks one branch per character instead of trying
        hundreds of alternatives at every position (about 15 times faster on the taxonomy's 500 spellings, with
        identical rewrites on the eval corpora).
        """
        trie: dict[str, dict] = {}
        for variant in {*canonical, *canonical.values()}:
            node = trie
            for char in variant:
                node = node.setdefault(char, {})
            node[""] = {}

        def latin(char: str) -> bool:
            return char.isascii() and char.isalnum()

        def branch(node: dict, last: str) -> str:
            alternatives = [re.escape(char) + branch(node[char], char) for char in sorted(node) if char]
            if "" in node:
                # "ai" must not rewrite the inside of "maintain": a Latin edge needs a word boundary.
                alternatives.append(r"(?![0-9a-z])" if latin(last) else "")
            return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

        return re.compile(
            "|".join(
                (r"(?<![0-9a-z])" if latin(char) else "") + re.escape(char) + branch(trie[char], char)
                for char in sorted(trie)
            )
        )

    def rewrite(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.canonical.get(m.group(), m.group()), text)

    def variants(self, word: str) -> list[str]:
        """The word and every spelling that normalises to it."""
        return [word, *(v for v, c in self.canonical.items() if c == word)]


_vocabulary = _Vocabulary()
_tokenizer = None
_added_words: set[str] = set()
_lock = threading.Lock()


def _jieba():
    """Return the process's one jieba tokenizer, loading its dictionary on first use and keeping it quiet."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _apply_user_words(tokenizer, _vocabulary.words)
                _tokenizer = tokenizer
    return _tokenizer


def _apply_user_words(tokenizer, wanted: frozenset[str]) -> None:
    """Make exactly ``wanted`` the user words jieba knows beyond its own dictionary (caller holds _lock)."""
    for word in _added_words - wanted:
        tokenizer.total -= tokenizer.FREQ.get(word, 0)
        # Frequency 0 keeps the prefixes jieba needs and stops the word being cut out.
        tokenizer.FREQ[word] = 0
        _added_words.discard(word)
    for word in sorted(wanted - _added_words):
        if not tokenizer.FREQ.get(word):
            tokenizer.add_word(word)
            _added_words.add(word)


def set_user_dictionary(
    words: Iterable[str] = (),
    synonyms: Mapping[str, Iterable[str]] | None = None,
    also_finds: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Use this domain vocabulary from now on: words jieba keeps whole, synonyms → canonical spelling, and
    the narrower words a query for a broader word also finds.

    Calling again with the same vocabulary is free; a different one replaces it. Text analysed before a
    change is cut differently from text after it, so indexes built before should be rebuilt.
    """
    global _vocabulary
    vocabulary = _Vocabulary.build(words, synonyms or {}, also_finds)
    if vocabulary == _vocabulary:
        return
    with _lock:
        if _tokenizer is not None:
            _apply_user_words(_tokenizer, vocabulary.words)
        _vocabulary = vocabulary
    _cached_words.cache_clear()
    _cached_normalize.cache_clear()
    query_words.cache_clear()


def normalize(text: str | None, limit: int | None = MAX_TEXT_CHARS) -> str:
    """Return text in NFKC (full-width to half-width), lower case, units and synonyms unified, spaces collapsed."""
    if not text:
        return ""
    if limit == MAX_TEXT_CHARS:
        return _cached_normalize(text)
    return _vocabulary.rewrite(_fold(text, limit))


# A recommendation page normalises its query's text dozens of times (each panel, channel and reason) and the
# same candidates' texts for each reason: once per text is enough.
@functools.lru_cache(maxsize=4096)
def _cached_normalize(text: str) -> str:
    return _vocabulary.rewrite(_fold(text, MAX_TEXT_CHARS))


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
    grams: list[str] = []
    for run in _HAN_RUN_RE.findall(text):
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


# --- search ----------------------------------------------------------------------------------------------


def _searchable(token: str) -> bool:
    return any(ch.isalnum() for ch in token) and token not in FUNCTION_WORDS


def index_tokens(text: str | None) -> str:
    """Space-joined jieba search-mode tokens of the whole text, for a full-text index's own tokenizer."""
    clean = normalize(text, limit=None)
    if not clean:
        return ""
    return " ".join(t for t in _jieba().cut_for_search(clean) if t.strip())


@functools.lru_cache(maxsize=2048)
def query_words(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each meaningful word of a search query with its finer search-mode parts (empty when it has none).

    A long word comes with its parts because jieba may cut the same characters differently in a
    document's context than in a short query.
    """
    tokenizer = _jieba()
    found = []
    for word in tokenizer.cut(normalize(text)):
        word = word.strip()
        if not word or not _searchable(word):
            continue
        parts = tuple(p for p in tokenizer.cut_for_search(word) if p != word and _searchable(p))
        found.append((word, parts))
    return tuple(found)


def spellings(word: str) -> list[str]:
    """The normalised word and every synonym that normalises to it, for highlighting the original text."""
    return _vocabulary.variants(word)


def expansions(word: str) -> tuple[str, ...]:
    """The normalised words a query for this normalised word also finds (none for most words)."""
    return _vocabulary.also_finds.get(word, ())


def expand_synonyms(text: str | None) -> str:
    """The text with the words its words also find appended, for a query that cannot OR words itself."""
    if not text:
        return ""
    clean = normalize(text)
    extra = [term for word in dict.fromkeys(_jieba().cut(clean)) for term in expansions(word)]
    return " ".join([text, *dict.fromkeys(extra)]) if extra else text


def search_synonyms() -> dict[str, list[str]]:
    """The vocabulary as a search engine's synonym table: each spelling finds the others, and a broader
    word finds its narrower ones (not the reverse)."""
    groups: dict[str, list[str]] = {}
    for variant, word in _vocabulary.canonical.items():
        groups.setdefault(word, [word]).append(variant)
    table: dict[str, list[str]] = {}
    for spellings_of_word in groups.values():
        for spelling in spellings_of_word:
            table[spelling] = [other for other in spellings_of_word if other != spelling]
    for word, terms in _vocabulary.also_finds.items():
        for spelling in groups.get(word, [word]):
            table[spelling] = list(dict.fromkeys([*table.get(spelling, []), *terms]))
    return table


def is_latin_word(token: str) -> bool:
    """True for a normalised token of Latin letters and digits, which other words may extend (weld → welding)."""
    return bool(_ASCII_WORD_RE.match(token))
