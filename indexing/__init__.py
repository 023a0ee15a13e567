"""Full-text search backends behind one interface, and the outbox sync that keeps them current."""

from indexing.base import (
    BACKENDS,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
    doc_id,
    make_backend,
)

__all__ = [
    "BACKENDS",
    "SearchBackend",
    "SearchBackendError",
    "SearchQuery",
    "SearchResult",
    "doc_id",
    "make_backend",
]
