"""The production backend: a Meilisearch server through the official client."""

from __future__ import annotations

import datetime as dt
import html
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import meilisearch
import requests
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError

from indexing.base import (
    FACETABLE,
    MAX_TOTAL_HITS,
    SORT_FIELDS,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
    validate_documents,
)

# Private-use characters as highlight tags: the formatted text is escaped first and only then are these
# turned into <mark>, so a listing's own "<script>" can never come through as markup.
_PRE, _POST = "\ue000", "\ue001"
EMBEDDER = "listing"
BATCH_SIZE = 5_000


def _settings(
    embedding_dimensions: int | None, synonyms: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    settings: dict[str, Any] = {
        # Other spellings and narrower words of the domain vocabulary (matching.text.search_synonyms).
        "synonyms": synonyms or {},
        # Order matters: Meilisearch's attribute rule ranks a match in title above one in body.
        "searchableAttributes": ["title", "body", "org_name"],
        "filterableAttributes": [
            "type",
            "industry",
            "cooperation_modes",
            "trl",
            "region",
            "status",
            "expires_at",
        ],
        "sortableAttributes": ["updated_at", *SORT_FIELDS.values()],
        # "sort" first: it only acts when a query asks for a sort, and then the asked order must win.
        "rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness", "updated_at:desc"],
        # Typos only make sense for Latin words; Chinese words are short and have no "typo" of one letter.
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        # Without this, a short Chinese text can be detected as Japanese and segmented wrongly.
        "localizedAttributes": [
            {"attributePatterns": ["title", "body", "org_name"], "locales": ["cmn", "eng"]}
        ],
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": 100},
    }
    if embedding_dimensions:
        settings["embedders"] = {EMBEDDER: {"source": "userProvided", "dimensions": embedding_dimensions}}
    return settings


# The app's MEILI_INDEX_PREFIX defaults to this too, so both name the same index.
DEFAULT_INDEX_PREFIX = "mic_"


class MeiliBackend(SearchBackend):
    """Listings in one Meilisearch index named ``{index_prefix}listings``."""

    name = "meilisearch"

    def __init__(
        self,
        url: str | None = None,
        key: str | None = None,
        index_prefix: str = DEFAULT_INDEX_PREFIX,
        embedding_dimensions: int | None = None,
        semantic_ratio: float = 0.5,
        timeout: float = 5.0,
        fallback_strategy: str = "frequency",
        task_timeout: float = 60.0,
        synonyms: dict[str, list[str]] | None = None,
        **_ignored: Any,
    ) -> None:
        self.url = url or os.environ.get("MEILI_URL") or ""
        if not self.url:
            raise SearchBackendError("Meilisearch is not configured: set MEILI_URL (and MEILI_KEY)")
        key = key if key is not None else os.environ.get("MEILI_KEY", "")
        self.uid = f"{index_prefix}listings"
        self.embedding_dimensions = embedding_dimensions
        self.semantic_ratio = semantic_ratio
        self.fallback_strategy = fallback_strategy
        self.synonyms = synonyms
        self.task_timeout_ms = int(task_timeout * 1000)
        # The client hands `timeout` to requests, which takes float seconds; its annotation says int.
        self.client = meilisearch.Client(self.url, key or None, timeout=timeout)  # type: ignore[arg-type]
        self.index = self.client.index(self.uid)
        self._ready = False

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn client, HTTP and task failures into one SearchBackendError that says what failed."""
        try:
            yield
        except SearchBackendError:
            raise
        except MeilisearchApiError as exc:
            raise SearchBackendError(
                f"Meilisearch at {self.url} refused to {action}: {exc.message} ({exc.code}, HTTP {exc.status_code})"
            ) from exc
        except MeilisearchTimeoutError as exc:
            raise SearchBackendError(
                f"Meilisearch at {self.url} did not finish {action} in time: {exc.message}"
            ) from exc
        except (MeilisearchCommunicationError, requests.RequestException) as exc:
            raise SearchBackendError(
                f"Meilisearch at {self.url} is unreachable, cannot {action}: {exc}"
            ) from exc

    def _wait(self, task_uid: int, action: str) -> None:
        task = self.client.wait_for_task(task_uid, timeout_in_ms=self.task_timeout_ms, interval_in_ms=20)
        if task.status != "succeeded":
            error = task.error or {}
            raise SearchBackendError(
                f"Meilisearch task {task_uid} ({action}) {task.status}: {error.get('message', 'no reason given')}"
            )

    def ensure_index(self) -> None:
        """Create the index and apply its settings; cheap after the first call of this process."""
        if self._ready:
            return
        with self._errors("create the index"):
            try:
                self.index.fetch_info()
            except MeilisearchApiError as exc:
                if exc.code != "index_not_found":
                    raise
                self._wait(self.client.create_index(self.uid, {"primaryKey": "id"}).task_uid, "create index")
            self._wait(
                self.index.update_settings(_settings(self.embedding_dimensions, self.synonyms)).task_uid,
                "update settings",
            )
        self._ready = True

    def drop_index(self) -> None:
        """Delete the whole index (tests, or before changing the embedder's dimensions)."""
        with self._errors("delete the index"):
            task = self.client.wait_for_task(
                self.client.delete_index(self.uid).task_uid, timeout_in_ms=self.task_timeout_ms
            )
        error = task.error or {}
        if task.status != "succeeded" and error.get("code") != "index_not_found":
            raise SearchBackendError(f"Meilisearch could not delete index {self.uid}: {error.get('message')}")
        self._ready = False

    # -- writing ------------------------------------------------------------------------------------

    def upsert(self, docs: list[dict[str, Any]], vectors: dict[str, list[float]] | None = None) -> None:
        """Add or replace documents; ``vectors`` maps document id to its embedding for hybrid search."""
        validate_documents(docs)
        if not docs:
            return
        self.ensure_index()
        payload = [self._document(doc, vectors) for doc in docs]
        with self._errors("index documents"):
            # Enqueue every batch first: Meilisearch processes them in order and may merge them.
            tasks = [
                self.index.add_documents(payload[i : i + BATCH_SIZE], primary_key="id").task_uid
                for i in range(0, len(payload), BATCH_SIZE)
            ]
            for task_uid in tasks:
                self._wait(task_uid, "index documents")

    def _document(self, doc: dict[str, Any], vectors: dict[str, list[float]] | None) -> dict[str, Any]:
        out = {k: v for k, v in doc.items() if not k.startswith("_")}
        out["cooperation_modes"] = list(doc.get("cooperation_modes") or [])
        # A document without a sort key sorts after all others; a null one would sort among them.
        for name in SORT_FIELDS.values():
            if out.get(name) is None:
                out.pop(name, None)
        if self.embedding_dimensions:
            vector = (vectors or {}).get(doc["id"], doc.get("_vectors"))
            # An explicit null tells Meilisearch this listing has no embedding (yet) rather than failing.
            out["_vectors"] = {EMBEDDER: vector}
        return out

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        self.ensure_index()
        with self._errors("delete documents"), warnings.catch_warnings():
            # The client warns that ``ids`` may go away; the delete-batch endpoint it calls is current.
            warnings.simplefilter("ignore", DeprecationWarning)
            task = self.index.delete_documents(ids=[str(i) for i in ids])
            self._wait(task.task_uid, "delete documents")

    def clear(self) -> None:
        self.ensure_index()
        with self._errors("clear the index"):
            self._wait(self.index.delete_all_documents().task_uid, "clear")

    # -- reading ------------------------------------------------------------------------------------

    def count(self) -> int:
        self.ensure_index()
        with self._errors("count documents"):
            return self.index.get_stats().number_of_documents

    def health(self) -> dict[str, Any]:
        try:
            with self._errors("report health"):
                status = self.client.health().get("status")
            return {
                "ok": status == "available",
                "backend": self.name,
                "url": self.url,
                "index": self.uid,
                "documents": self.count(),
            }
        except SearchBackendError as exc:
            return {"ok": False, "backend": self.name, "url": self.url, "index": self.uid, "error": str(exc)}

    def search(self, q: SearchQuery, vector: list[float] | None = None) -> SearchResult:
        """Search; with ``vector`` (the query's embedding) and an embedder configured, search hybrid."""
        self.ensure_index()
        params: dict[str, Any] = {
            "filter": _filter_expr(q),
            "facets": list(q.facets),
            "page": q.page,
            "hitsPerPage": q.per_page,
            "attributesToRetrieve": ["id", "type", "entity_id", "title"],
            "attributesToHighlight": ["title", "body"],
            "attributesToCrop": ["body"],
            "cropLength": 40,
            "cropMarker": "…",
            "highlightPreTag": _PRE,
            "highlightPostTag": _POST,
            "showRankingScore": True,
            # Every word first, as FTS5 does; fewer words only when that finds nothing (below). The
            # fallback drops the commonest words first ("frequency"), closest to FTS5's BM25 OR.
            "matchingStrategy": "all",
        }
        if q.effective_sort == "updated_at":
            params["sort"] = ["updated_at:desc"]
        elif q.effective_sort in SORT_FIELDS:
            direction = "asc" if q.effective_sort == "deadline" else "desc"
            params["sort"] = [f"{SORT_FIELDS[q.effective_sort]}:{direction}", "updated_at:desc"]
        if vector is not None:
            if not self.embedding_dimensions:
                raise ValueError("hybrid search needs the backend built with embedding_dimensions")
            params["hybrid"] = {"embedder": EMBEDDER, "semanticRatio": self.semantic_ratio}
            params["vector"] = list(vector)
        with self._errors("search"):
            raw = self.index.search(q.text, params)
            if not raw.get("totalHits") and q.text and len(q.text.split()) + len(q.text) > 1:
                raw = self.index.search(q.text, {**params, "matchingStrategy": self.fallback_strategy})
        hits = []
        for hit in raw.get("hits", []):
            formatted = hit.get("_formatted") or {}
            hits.append(
                {
                    "id": hit["id"],
                    "type": hit["type"],
                    "entity_id": hit["entity_id"],
                    "title": hit["title"],
                    "title_html": _safe_marks(formatted.get("title") or hit["title"]),
                    "snippet": _safe_marks(formatted.get("body") or ""),
                    "score": float(hit.get("_rankingScore", 0.0)),
                }
            )
        facets = {
            name: dict(
                sorted(
                    (raw.get("facetDistribution") or {}).get(name, {}).items(), key=lambda vc: (-vc[1], vc[0])
                )
            )
            for name in q.facets
            if name in FACETABLE
        }
        return SearchResult(hits=hits, total=int(raw.get("totalHits", 0)), facets=facets)

    # -- browser access -----------------------------------------------------------------------------

    def create_search_key(
        self, description: str = "MIC Exchange browser search", expires_at: dt.datetime | None = None
    ) -> dict[str, str]:
        """A key that may only search this index; returns {"key", "uid"} for tenant tokens."""
        with self._errors("create a search key"):
            key = self.client.create_key(
                {
                    "description": description,
                    "actions": ["search"],
                    "indexes": [self.uid],
                    "expiresAt": expires_at.isoformat() if expires_at else None,
                }
            )
        return {"key": key.key, "uid": key.uid}

    def tenant_token(
        self,
        search_key: dict[str, str],
        filter: str = 'status = "published"',
        ttl: dt.timedelta = dt.timedelta(hours=1),
    ) -> str:
        """A short-lived token for the browser, signed by a search key, that can only see ``filter``."""
        expires = dt.datetime.now(dt.UTC) + ttl
        with self._errors("sign a tenant token"):
            return self.client.generate_tenant_token(
                api_key_uid=search_key["uid"],
                search_rules={self.uid: {"filter": filter}},
                expires_at=expires,
                api_key=search_key["key"],
            )


def _quote(value: str) -> str:
    # Meilisearch filter strings are double-quoted with backslash escapes; this makes any value a literal.
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _filter_expr(q: SearchQuery) -> list[str]:
    """Filter clauses (ANDed by Meilisearch); list values become IN [...] (any of)."""
    clauses = []
    if q.type:
        clauses.append(f"type = {_quote(q.type)}")
    if q.live_at is not None:
        # Documents indexed before they carried an expiry have no such field: they never expire here.
        clauses.append(f"(expires_at NOT EXISTS OR expires_at IS NULL OR expires_at > {float(q.live_at)!r})")
    for key, values in q.filters.items():
        if key == "trl_min":
            clauses.append(f"trl >= {int(values)}")
        else:
            clauses.append(f"{key} IN [{', '.join(_quote(v) for v in values)}]")
    return clauses


def _safe_marks(formatted: str) -> str:
    """Escape Meilisearch's formatted text, then turn its private highlight tags into <mark>."""
    return (
        html.escape(formatted).replace(_PRE, "<mark>").replace(_POST, "</mark>").replace("</mark><mark>", "")
    )
