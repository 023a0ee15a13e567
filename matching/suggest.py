"""Did-you-mean suggestions from the market's own vocabulary (pure: no Flask, no database).

Pinyin input is how Chinese is typed, so the commonest slip is a character that sounds the same or nearly the
same as the intended one (新能原汽车 for 新能源汽车, 转像架 for 转向架), or a dropped character. A
``Suggester`` holds the vocabulary (taxonomy words and the words of listing titles) with each word's tone-less
pinyin syllables, computed once when it is built (at index time, never inside a request), and is immutable:
the app swaps a new one in whole.

Ranking, best first: words whose pinyin equals the query's; then pinyin-near words (a small edit distance over
the syllables, where the fuzzy pairs people confuse, n/l, an/ang, en/eng, in/ing, z/zh, c/ch, s/sh, cost a
quarter of a different syllable); at equal sound, a word the query is a dropped character of; then character
edit distance; then how common the word is in the market.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD_RE = re.compile(r"^[a-z][a-z0-9\-]*$")
# The fuzzy pairs of pinyin input (模糊音): an initial or final on the left reads as the one on the right.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
# A fuzzy pair costs this much of a syllable; a different syllable, a dropped or an extra one costs 1.
FUZZY_COST = 0.25
MIN_WORD, MAX_WORD = 2, 12
MAX_QUERY = 24


@lru_cache(maxsize=1 << 18)
def syllables(word: str) -> tuple[str, ...]:
    """The tone-less pinyin syllables of a word's Chinese characters (other characters pass through).

    Remembered per word: every suggester a process builds (each app at start, each index rebuild) reads the
    same taxonomy words again, and pypinyin takes about a quarter of a millisecond a word."""
    return tuple(s.strip() for s in lazy_pinyin(word, style=Style.NORMAL) if s.strip())


def fuzzy(syllable: str) -> str:
    """The syllable with the fuzzy pairs folded (zhang → zan, ling → nin), so both sides of a pair meet."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    if syllable.startswith("l"):
        syllable = "n" + syllable[1:]
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            return syllable[: -len(long)] + short
    return syllable


def _syllable_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return FUZZY_COST if fuzzy(a) == fuzzy(b) else 1.0


def pinyin_distance(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Edit distance over syllables, a fuzzy pair costing FUZZY_COST."""
    previous = [float(j) for j in range(len(b) + 1)]
    for i, x in enumerate(a, 1):
        current = [float(i)]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + _syllable_cost(x, y)))
        previous = current
    return previous[-1]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance over characters."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _holds_in_order(word: str, part: str) -> bool:
    """Whether every character of `part` occurs in `word` in the same order."""
    rest = iter(word)
    return all(ch in rest for ch in part)


def clean(text: str) -> str:
    """The form a query and a vocabulary word are compared in: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").lower())


def is_candidate_word(word: str) -> bool:
    """Whether a word may be suggested: 2-12 characters with Chinese in it, or a Latin word of 4 letters or more."""
    if _HAN_RE.search(word):
        return MIN_WORD <= len(word) <= MAX_WORD
    return bool(_LATIN_WORD_RE.match(word)) and 4 <= len(word) <= 30


@dataclass(frozen=True)
class Suggester:
    """An immutable vocabulary with pinyin, and the postings that find a query's near words fast."""

    words: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()
    pinyin: tuple[tuple[str, ...], ...] = ()
    _by_key: Mapping[str, tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)
    _known: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    @classmethod
    def build(cls, counted: Mapping[str, int] | Iterable[str]) -> Suggester:
        """A suggester over these words (a mapping gives each word's frequency in the market)."""
        frequency: Counter[str] = Counter()
        if isinstance(counted, Mapping):
            for word, count in counted.items():
                frequency[clean(word)] += int(count)
        else:
            frequency.update(clean(word) for word in counted)
        words = tuple(sorted(w for w in frequency if is_candidate_word(w)))
        return cls._assemble(words, tuple(frequency[w] for w in words), tuple(syllables(w) for w in words))

    @classmethod
    def _assemble(
        cls, words: tuple[str, ...], counts: tuple[int, ...], pinyin: tuple[tuple[str, ...], ...]
    ) -> Suggester:
        postings: dict[str, list[int]] = {}
        for index, (word, sounds) in enumerate(zip(words, pinyin, strict=True)):
            # A word is found through each of its fuzzy syllables and each of its characters.
            for key in {*(fuzzy(s) for s in sounds), *(f"#{ch}" for ch in word)}:
                postings.setdefault(key, []).append(index)
        by_key = {key: tuple(ids) for key, ids in postings.items()}
        return cls(words, counts, pinyin, by_key, frozenset(words))

    def __len__(self) -> int:
        return len(self.words)

    def knows(self, word: str) -> bool:
        return clean(word) in self._known

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """Vocabulary words the query may have meant, best first; empty when the query is itself a word or
        nothing is near enough."""
        text = clean(query)
        if not text or len(text) > MAX_QUERY or text in self._known:
            return []
        sounds = syllables(text)
        keys = {*(fuzzy(s) for s in sounds), *(f"#{ch}" for ch in text)}
        shared: Counter[int] = Counter()
        for key in keys:
            shared.update(self._by_key.get(key, ()))
        # A near word shares most of the query's sounds or characters; the rest cannot be near.
        need = max(1, len(sounds) - 2)
        ranked = []
        for index, hits in shared.items():
            if hits < need:
                continue
            word = self.words[index]
            if abs(len(word) - len(text)) > 2:
                continue
            sound = pinyin_distance(sounds, self.pinyin[index])
            chars = edit_distance(text, word)
            budget = 1 if len(sounds) <= 3 else 2
            if sound > budget and chars > budget:
                continue
            if chars >= max(len(text), len(word)):
                continue
            # A longer word holding every typed character in order is the commonest slip after a sound: a
            # dropped character (新能汽车 → 新能源汽车), so it goes before a word that swaps one.
            dropped = 0 if len(word) > len(text) and _holds_in_order(word, text) else 1
            ranked.append((sound, dropped, chars, -self.counts[index], word))
        ranked.sort()
        return [word for *_rank, word in ranked[:limit]]

    # ---- saved form: built by the index worker, read by every process on the host ----------------

    def to_json(self) -> str:
        return json.dumps(
            {"words": self.words, "counts": self.counts, "pinyin": [" ".join(p) for p in self.pinyin]},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Suggester:
        data = json.loads(text)
        return cls._assemble(
            tuple(data["words"]),
            tuple(int(c) for c in data["counts"]),
            tuple(tuple(p.split()) for p in data["pinyin"]),
        )

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Suggester:
        return cls.from_json(path.read_text(encoding="utf-8"))
