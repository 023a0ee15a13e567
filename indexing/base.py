"""The search backend contract: what the app sends, what it asks, what it gets back."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from models.kinds import KIND_NAMES

# A search document's type is the name of its listing kind.
ENTITY_TYPES = KIND_NAMES
# Fields a caller may facet on; counts are over the filtered result set, as Meilisearch computes them.
FACETABLE = ("type", "industry", "cooperation_modes", "region", "status")
DEFAULT_FACETS = ("type", "industry", "cooperation_modes", "region")
# Filters on str fields accept one value or a list (any-of); cooperation_modes matches any listed mode.
STR_FILTERS = ("industry", "cooperation_modes", "region", "status")
FILTERS = (*STR_FILTERS, "trl_min")
# relevance: best match first (text queries); updated_at: newest first; deadline: soonest first;
# money: the largest budget or price first; trl: the most mature first. Documents without the sort key
# come last in every order but relevance.
SORTS = ("relevance", "updated_at", "deadline", "money", "trl")
# Optional numeric document fields the sorts read: deadline as a UNIX timestamp, money in yuan.
SORT_FIELDS = {"deadline": "deadline", "money": "money", "trl": "trl"}
MAX_PER_PAGE = 100
# Meilisearch stops counting at its maxTotalHits; both backends share the cap so pagination agrees.
MAX_TOTAL_HITS = 10_000
REQUIRED_FIELDS = ("id", "type", "entity_id", "title")


class SearchBackendError(RuntimeError):
    """The search service failed (down, misconfigured, timed out); the message says which and why."""


def doc_id(entity_type: str, entity_id: int) -> str:
    """The search document id of one listing, e.g. ``need-12``."""
    return f"{entity_type}-{entity_id}"


@dataclass
class SearchQuery:
    """One search request; an empty ``text`` browses by filters, newest first."""

    text: str = ""
    type: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    facets: list[str] = field(default_factory=lambda: list(DEFAULT_FACETS))
    # None picks relevance for a text query and updated_at (newest first) for browsing.
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    # A Unix time: documents whose expires_at is at or before it are left out, so a listing past its expiry
    # is not found even before the job that marks it expired has run. None leaves expiry unchecked.
    live_at: float | None = None

    def __post_init__(self) -> None:
        self.text = (self.text or "").strip()
        if self.type is not None and self.type not in ENTITY_TYPES:
            raise ValueError(f"type must be one of {', '.join(ENTITY_TYPES)}, not {self.type!r}")
        if isinstance(self.page, bool) or not isinstance(self.page, int) or self.page < 1:
            raise ValueError(f"page must be a whole number of at least 1, not {self.page!r}")
        if (
            isinstance(self.per_page, bool)
            or not isinstance(self.per_page, int)
            or not 1 <= self.per_page <= MAX_PER_PAGE
        ):
            raise ValueError(
                f"per_page must be a whole number from 1 to {MAX_PER_PAGE}, not {self.per_page!r}"
            )
        if self.page * self.per_page > MAX_TOTAL_HITS + self.per_page:
            raise ValueError(f"only the first {MAX_TOTAL_HITS} results can be paged through")
        if self.sort is not None and self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        unknown = [f for f in self.facets if f not in FACETABLE]
        if unknown:
            raise ValueError(f"cannot facet on {', '.join(unknown)}; facetable: {', '.join(FACETABLE)}")
        self.filters = _normalise_filters(self.filters)
        if self.live_at is not None and (
            isinstance(self.live_at, bool) or not isinstance(self.live_at, int | float)
        ):
            raise ValueError(f"live_at must be a Unix time, not {self.live_at!r}")

    @property
    def effective_sort(self) -> str:
        """The sort actually applied: relevance needs words to be relevant to."""
        if self.sort in SORT_FIELDS:
            return self.sort
        if self.sort == "updated_at" or not self.text:
            return "updated_at"
        return "relevance"

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _normalise_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """Drop empty filters, turn str filters into value lists and trl_min into an int."""
    out: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if key not in FILTERS:
            raise ValueError(f"cannot filter on {key!r}; filters: {', '.join(FILTERS)}")
        if value is None or value == "" or value == []:
            continue
        if key == "trl_min":
            try:
                trl = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"trl_min must be a whole number from 1 to 9, not {value!r}") from None
            if not 1 <= trl <= 9:
                raise ValueError(f"trl_min must be a whole number from 1 to 9, not {value!r}")
            out[key] = trl
            continue
        values = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(v, str) for v in values):
            raise ValueError(f"{key} filter values must be strings, not {value!r}")
        out[key] = values
    return out


@dataclass
class SearchResult:
    """A page of hits, the total number of matches and the facet counts over all of them."""

    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, dict[str, int]]
    # Did-you-mean words when the query found little (filled by the app's search service, best first).
    suggestions: list[str] = field(default_factory=list)
    # How the app made the result beyond the backend (e.g. {"e5": "used"}: see app.market.services.dense_search).
    meta: dict[str, Any] = field(default_factory=dict)


def validate_documents(docs: list[dict[str, Any]]) -> None:
    """Refuse documents that lack the fields every backend relies on."""
    for doc in docs:
        missing = [f for f in REQUIRED_FIELDS if doc.get(f) in (None, "")]
        if missing:
            raise ValueError(f"search document {doc.get('id')!r} lacks {', '.join(missing)}")
        if doc["type"] not in ENTITY_TYPES:
            raise ValueError(f"search document {doc['id']!r} has unknown type {doc['type']!r}")


class SearchBackend(ABC):
    """A full-text index of listings; every implementation passes tests/indexing's contract suite."""

    name: str = ""

    @abstractmethod
    def upsert(self, docs: list[dict[str, Any]]) -> None:
        """Add documents, replacing any with the same id."""

    @abstractmethod
    def delete(self, ids: list[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    @abstractmethod
    def search(self, q: SearchQuery) -> SearchResult:
        """Run one query; hits carry id, type, entity_id, title, snippet (safe HTML) and score."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """Report {"ok", "backend", "documents" or "error"} without raising."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abstractmethod
    def count(self) -> int:
        """The number of documents held."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release connections."""


# Values are "module:Class" so that choosing FTS5 never imports the Meilisearch client and vice versa.
BACKENDS: dict[str, str] = {
    "fts5": "indexing.fts5:FTS5Backend",
    "meilisearch": "indexing.meili:MeiliBackend",
}


def make_backend(name: str, **options: Any) -> SearchBackend:
    """Build the backend registered under ``name`` with its options."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown search backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**options)
