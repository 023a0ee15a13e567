"""The industry taxonomy: a YAML file the bureau edits, read once per path."""

from dataclasses import dataclass
from functools import cache

import yaml
from flask import Flask, current_app
from flask_babel import get_locale

from matching.text import set_user_dictionary


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


@cache
def _load(path: str) -> dict[str, Industry]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
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
        )
        for item in raw.get("industries", [])
    }


def industries() -> dict[str, Industry]:
    """Every industry of the configured taxonomy, by code, in file order."""
    return _load(current_app.config["INDUSTRY_TAXONOMY"])


def use_taxonomy_vocabulary(app: Flask) -> None:
    """Teach the text analysis the taxonomy's words, so "轻量化" stays one word in search and matching."""
    items = _load(app.config["INDUSTRY_TAXONOMY"]).values()
    words = [word for item in items for word in (item.name_zh, *item.keywords)]
    synonyms: dict[str, tuple[str, ...]] = {}
    also_finds: dict[str, tuple[str, ...]] = {}
    # Two industries may both list a word (热管理 is automotive and new energy): their entries add up.
    for item in items:
        for word, variants in item.synonyms.items():
            synonyms[word] = (*synonyms.get(word, ()), *variants)
        for word, terms in item.also_finds.items():
            also_finds[word] = (*also_finds.get(word, ()), *terms)
    set_user_dictionary(words, synonyms, also_finds)


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
