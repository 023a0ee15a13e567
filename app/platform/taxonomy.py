"""The industry taxonomy: a YAML file the bureau edits, read once per path.

Besides industries it holds the market's bilingual vocabulary (each industry's `english` names of its words)
and the generic words a recommendation's reasons never cite alone."""

import re
from dataclasses import dataclass, field
from functools import cache

import yaml
from flask import Flask, current_app
from flask_babel import get_locale

from matching.language import english_forms
from matching.text import normalize, set_user_dictionary

_ALL_HAN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Industry:
    code: str
    name_zh: str
    name_en: str
    group: str
    gb_t_4754: tuple[str, ...]
    keywords: tuple[str, ...]
    # Other spellings of a keyword (an English name, an abbreviation), read as the keyword itself.
    synonyms: dict[str, tuple[str, ...]]
    # Narrower words a query for a broader one also finds (新能源汽车 → 电驱), one way only.
    also_finds: dict[str, tuple[str, ...]]
    # English names of Chinese words (电池 → battery), read as the Chinese word in listings and queries.
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)


@cache
def _raw(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@cache
def _load(path: str) -> dict[str, Industry]:
    raw = _raw(path)
    return {
        item["code"]: Industry(
            code=item["code"],
            name_zh=item["name_zh"],
            name_en=item["name_en"],
            group=item.get("group", ""),
            gb_t_4754=tuple(item.get("gb_t_4754", [])),
            keywords=tuple(item.get("keywords", [])),
            synonyms={word: tuple(variants) for word, variants in (item.get("synonyms") or {}).items()},
            also_finds={word: tuple(terms) for word, terms in (item.get("also_finds") or {}).items()},
            english={word: tuple(terms) for word, terms in (item.get("english") or {}).items()},
        )
        for item in raw.get("industries", [])
    }


def industries() -> dict[str, Industry]:
    """Every industry of the configured taxonomy, by code, in file order."""
    return _load(current_app.config["INDUSTRY_TAXONOMY"])


def use_taxonomy_vocabulary(app: Flask) -> None:
    """Teach the text analysis the taxonomy's words, so "轻量化" stays one word in search and matching."""
    set_user_dictionary(*taxonomy_vocabulary(app.config["INDUSTRY_TAXONOMY"]))


def taxonomy_vocabulary(
    path: str,
) -> tuple[list[str], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The text analysis's user dictionary from a taxonomy file: words, spellings (English names included)
    and narrower words (for a command that runs without the app, e.g. app.ops.eval_crosslingual)."""
    items = _load(path).values()
    words = [word for item in items for word in (item.name_zh, *item.keywords)]
    synonyms: dict[str, tuple[str, ...]] = {}
    also_finds: dict[str, tuple[str, ...]] = {}
    # Two industries may both list a word (热管理 is automotive and new energy): their entries add up.
    for item in items:
        for word, variants in item.synonyms.items():
            synonyms[word] = (*synonyms.get(word, ()), *variants)
        for word, terms in item.also_finds.items():
            also_finds[word] = (*also_finds.get(word, ()), *terms)
    # English names are spellings of the Chinese word: "battery" in a query or a listing reads as 电池, so a
    # query in either language finds listings in both (FTS5 through the analysis, Meilisearch as synonyms).
    for word, names in english_names(path).items():
        synonyms[word] = (*synonyms.get(word, ()), *names)
    return words, synonyms, also_finds


@cache
def english_names(path: str) -> dict[str, tuple[str, ...]]:
    """Each Chinese word's English names with their plurals, from every industry's `english` and from the
    industries' own names (Automotive → 汽车)."""
    names: dict[str, list[str]] = {}
    for item in _load(path).values():
        if _ALL_HAN.fullmatch(item.name_zh):
            names.setdefault(item.name_zh, []).extend(english_forms(item.name_en.lower()))
        for word, terms in item.english.items():
            names.setdefault(word, []).extend(form for term in terms for form in english_forms(term))
    return {word: tuple(dict.fromkeys(terms)) for word, terms in names.items()}


@dataclass(frozen=True)
class Bilingual:
    """Which words of a query have a name in the other language, to tell a search that crossed languages."""

    english: re.Pattern[str] | None
    chinese: frozenset[str]

    def crosses(self, query: str) -> bool:
        """True when the query names a word the vocabulary also knows in the other language."""
        folded = query.lower()
        if self.english is not None and self.english.search(folded):
            return True
        clean = normalize(query)
        return any(word in clean for word in self.chinese)


@cache
def _bilingual(path: str) -> Bilingual:
    names = english_names(path)
    english = sorted({name for terms in names.values() for name in terms}, key=len, reverse=True)
    pattern = (
        re.compile(r"(?<![0-9a-z])(?:" + "|".join(map(re.escape, english)) + r")(?![0-9a-z])")
        if english
        else None
    )
    return Bilingual(pattern, frozenset(names))


def bilingual() -> Bilingual:
    return _bilingual(current_app.config["INDUSTRY_TAXONOMY"])


def generic_words(path: str | None = None) -> frozenset[str]:
    """Words too common in this market to explain a recommendation alone (the taxonomy's `generic_words`)."""
    return _generic_words(path or current_app.config["INDUSTRY_TAXONOMY"])


@cache
def _generic_words(path: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in _raw(path).get("generic_words") or ())


def vocabulary_words(path: str | None = None) -> list[str]:
    """The taxonomy's own words for did-you-mean suggestions: names, keywords, their spellings and narrower
    words, and the Chinese words that have English names."""
    path = path or current_app.config["INDUSTRY_TAXONOMY"]
    found: list[str] = []
    for item in _load(path).values():
        found.extend([item.name_zh, *item.keywords, *item.english])
        for word, variants in item.synonyms.items():
            found.extend([word, *variants])
        for word, terms in item.also_finds.items():
            found.extend([word, *terms])
    return list(dict.fromkeys(found))


def is_industry(code: str | None) -> bool:
    return code is None or code in industries()


def industry_name(code: str | None) -> str:
    """The industry's name in the current language; the code itself when unknown."""
    if not code:
        return ""
    item = industries().get(code)
    if item is None:
        return code
    return item.name_en if str(get_locale()).startswith("en") else item.name_zh


def industry_choices() -> list[tuple[str, str]]:
    return [(code, industry_name(code)) for code in industries()]
