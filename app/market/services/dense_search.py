"""Search across languages: the search backend's lexical hits, then the nearest multilingual vectors'.

`battery` shares no word with 电池, so a lexical index finds nothing; multilingual-e5 puts both near each
other. For a typed query sorted by relevance, the query is encoded online (the only text the app ever encodes
in a request, with a short timeout), its nearest listings are read from this host's matcher (the vectors the
index worker stored), and the listings only the vectors found are added after the lexical hits. The vectors
never reorder the lexical hits: measured on the cross-lingual set (`python -m app.ops.eval_crosslingual
--encoders lsa,e5`), letting them reorder by reciprocal rank took nDCG@10 from 0.816 to 0.638, because e5
puts a Chinese query nearer the Chinese listings than the English ones the query's words also found (zh→en
0.785 → 0.400). A query with plenty of lexical hits keeps exactly the backend's order; one with few or none
(another language, words the taxonomy does not know) gets the vectors' hits after them.

A hit only the vectors found carries ``"found_by": "e5"``; the result's ``meta`` says whether the channel was
used ({"e5": "used" | "skipped" | "not configured"}), so pages can say a hit was found across languages and
that the channel was skipped while the service is down.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

import numpy as np
from flask import Flask, current_app

from app.market.services.indexes import vector_index
from indexing import SearchBackend, SearchQuery, SearchResult
from indexing.base import doc_id
from matching.e5 import E5Encoder
from matching.scoring import MatchItem

log = logging.getLogger(__name__)
T = TypeVar("T")

# The lexical hits fused with the vectors' (the first pages); later pages are the backend's own.
WINDOW = 60
# Nearest listings read per kind.
NEIGHBOURS = 20
# At most this many hits only the vectors found are added after the lexical ones.
MAX_ADDED = 20
# A neighbour is a hit only this close to the query (cosine) and within MARGIN of the nearest one:
# measured with the real service: `battery` against 电池 listings 0.805, against unrelated ones 0.775-0.78;
# `laser` against a 激光 listing 0.83, against others at most 0.78.
MIN_SIMILARITY = 0.79
MARGIN = 0.015
SNIPPET_CHARS = 120
# Threads that encode typed queries and read their neighbours while the backend searches (one per request
# in flight at most; the service answers one query at a time anyway).
_NEIGHBOURS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="e5-query")


def applies(query: SearchQuery) -> bool:
    """Whether a query is fused with the vectors: words, ranked by relevance, on a page that may hold a
    position of the fused list (the lexical window and the vector-only hits after it)."""
    return bool(query.text) and query.effective_sort == "relevance" and query.offset < WINDOW + MAX_ADDED


def _fits(item: MatchItem, query: SearchQuery) -> bool:
    """Whether a neighbour passes the query's filters (the backend applies them to its own hits)."""
    filters = query.filters
    if "industry" in filters and item.industry not in filters["industry"]:
        return False
    if "region" in filters and item.region not in filters["region"]:
        return False
    if "cooperation_modes" in filters and not set(filters["cooperation_modes"]) & set(item.cooperation_modes):
        return False
    trl_min = filters.get("trl_min")
    return trl_min is None or (item.trl is not None and item.trl >= trl_min)


def neighbours(query: SearchQuery, app: Flask) -> tuple[list[tuple[MatchItem, float]], str]:
    """The listings nearest the query's vector that pass its filters, nearest first, and the channel's state
    (read on a worker thread, so the app is passed in)."""
    matcher = vector_index(app).matcher()
    encoder = matcher.encoders.get("e5") if matcher is not None else None
    if not isinstance(encoder, E5Encoder) or matcher is None:
        return [], "not configured"
    vector = encoder.encode_query(query.text)
    if vector is None:
        return [], "skipped"
    found: list[tuple[MatchItem, float]] = []
    kinds = [query.type] if query.type else list(matcher.kinds)
    for kind in kinds:
        index = matcher.kinds.get(kind)
        if index is None or not len(index) or "e5" not in index.stores:
            continue
        ids = np.array(list(dict.fromkeys(index.dense_hits("e5", vector, NEIGHBOURS))), dtype=np.int64)
        if not len(ids):
            continue
        similarity = index.vectors("e5", ids) @ vector
        for listing_id, value in zip(ids.tolist(), similarity.tolist(), strict=True):
            item = index.item(listing_id)
            if item is not None and _fits(item, query):
                found.append((item, float(value)))
    return close(found), "used"


def close(found: list[tuple[T, float]]) -> list[tuple[T, float]]:
    """The neighbours near enough to count as hits, nearest first: at least MIN_SIMILARITY to the query and
    within MARGIN of the nearest one."""
    kept = sorted((pair for pair in found if pair[1] >= MIN_SIMILARITY), key=lambda pair: -pair[1])
    return [pair for pair in kept if pair[1] >= kept[0][1] - MARGIN] if kept else []


def fused_order(lexical: list[str], near: list[str], overflow: bool) -> tuple[list[str], list[str]]:
    """The fused order of the lexical window's keys and the near neighbours' keys (nearest first), and the
    keys only the vectors found that it added (see `fuse`): the lexical keys in the backend's order, then,
    unless the backend has more hits than the window (`overflow`), up to MAX_ADDED vector-only keys, nearest
    first."""
    if overflow:
        return list(lexical), []
    seen = set(lexical)
    added = [key for key in dict.fromkeys(near) if key not in seen][:MAX_ADDED]
    return list(lexical) + added, added


def _hit(item: MatchItem, similarity: float) -> dict:
    text = " ".join((item.text or "").split())
    snippet = text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "")
    return {
        "id": doc_id(item.kind, item.id),
        "type": item.kind,
        "entity_id": item.id,
        "title": item.title,
        "title_html": html.escape(item.title),
        "snippet": html.escape(snippet),
        "score": round(similarity, 6),
        # Found by meaning alone (no word in common: often another language).
        "found_by": "e5",
    }


def search(query: SearchQuery, backend: SearchBackend) -> SearchResult:
    """One page of `query`: the backend's lexical hits, then the nearest vectors' (see `fuse`).

    The query is encoded, and its neighbours read, on another thread while the backend searches: the request
    waits for the slower of the two, not for both one after the other.
    """
    pending = _NEIGHBOURS.submit(_neighbours_safely, query, current_app._get_current_object())  # type: ignore[attr-defined]
    return fuse(query, backend.search(window(query)), backend.search, pending.result)


def _neighbours_safely(query: SearchQuery, app: Flask) -> tuple[list[tuple[MatchItem, float]], str]:
    try:
        return neighbours(query, app)
    except Exception:  # noqa: BLE001 - the vectors are an addition: a fault there must not cost the search
        log.exception("e5 neighbours failed for a search; lexical hits only")
        return [], "skipped"


def fuse(
    query: SearchQuery,
    lexical: SearchResult,
    page_search: Callable[[SearchQuery], SearchResult],
    nearest: Callable[[], tuple[list[tuple[MatchItem, float]], str]],
) -> SearchResult:
    """One page of `query` from the backend's first WINDOW hits (`lexical`, page 1) and the nearest vectors
    (`nearest()`: the neighbours and the channel's state).

    The fused order is one list every page of the query reads, so no lexical hit is ever lost between pages:
    - the lexical window in the backend's order, then the hits only the vectors found (they are weaker
      evidence than any lexical hit: another language, no word in common);
    - when the backend has more hits than the window holds (a query with plenty of lexical hits), no
      vector-only hit is added and every position from the window's end on is the backend's own, read from
      the backend's page (`page_search(query)`) for a page that reaches past the window. Adding vector-only
      hits there would push lexical hits past the window's end, where the next page's backend query, which
      starts at the page's own offset, would never show them.
    """
    near, state = nearest()
    overflow = lexical.total > len(lexical.hits)
    hits = {hit["id"]: hit for hit in lexical.hits}
    by_key = {doc_id(item.kind, item.id): (item, similarity) for item, similarity in near}
    keys, added_keys = fused_order([hit["id"] for hit in lexical.hits], list(by_key), overflow)
    added = [_hit(*by_key[key]) for key in added_keys]
    hits.update((hit["id"], hit) for hit in added)
    ordered = [hits[key] for key in keys]
    start, end = query.offset, query.offset + query.per_page
    page = ordered[start:end]
    if overflow and end > len(ordered):
        # Past the window the order is the backend's: its page holds positions start..end.
        page += page_search(query).hits[max(0, len(ordered) - start) :]
    facets = {name: dict(counts) for name, counts in lexical.facets.items()}
    for hit in added:
        _count(facets, hit, near)
    result = SearchResult(hits=page, total=lexical.total + len(added), facets=facets)
    result.meta = {"e5": state}
    return result


def _count(facets: dict[str, dict[str, int]], hit: dict, near: list[tuple[MatchItem, float]]) -> None:
    """Add a vector-only hit to the facet counts the backend gave for its own hits."""
    item = next(i for i, _ in near if i.kind == hit["type"] and i.id == hit["entity_id"])
    values = {
        "type": [item.kind],
        "industry": [item.industry] if item.industry else [],
        "cooperation_modes": list(item.cooperation_modes),
        "region": [item.region] if item.region else [],
    }
    for name, counts in facets.items():
        for value in values.get(name, []):
            counts[value] = counts.get(value, 0) + 1


def window(query: SearchQuery) -> SearchQuery:
    """The backend query whose hits the fusion reads: page 1 of WINDOW hits, the same words and filters."""
    return replace(query, page=1, per_page=WINDOW)
