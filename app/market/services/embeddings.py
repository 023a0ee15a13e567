"""The multilingual encoder's side of indexing: listings encoded through the embeddings service at index time.

A request never encodes a listing. The host's writer process runs an ``e5`` outbox consumer in its own thread
(``run_embedding_worker``): each listing change is read from the outbox, its title and summary encoded in
batches, and the vector stored in ``text_embedding`` by text hash; then the host's matcher re-reads the listing,
now with its vector. When the worker starts, listings without a vector (a rebuild, a bulk load, a demo grow)
are encoded in the background, a batch at a time, while the outbox goes first.

When the service is down, encoding fails fast (``matching.e5.E5Client`` keeps a short cooldown), the outbox
consumer backs off and retries, and everything else goes on: listings are matched and found without their
e5 vector, and recommendations and searches say so. When it returns, the retry encodes the backlog.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from flask import Flask
from sqlmodel import Session, col, select

from app.market.services.index_documents import (
    documents_for,
    is_indexed,
    listing_from_document,
    load_documents,
)
from indexing.sync import OutboxWorker, Sink
from matching import e5
from models.embedding import TextEmbedding
from models.kinds import LISTING_KINDS

log = logging.getLogger(__name__)

E5_SINK = "e5"
MODEL = "multilingual-e5-small-q4"
# Listings per outbox batch and per background step: about a second of encoding on one core.
BATCH = 32
# Texts per request from the worker: the service answers one request at a time, so a typed search waits
# behind at most one of these (a few tenths of a second), not behind a whole batch.
WORKER_REQUEST = 8
# The worker may wait this long for a request of passages (a busy service is slow, not down; a request
# given up on is still worked through by the service, so giving up early only queues more work).
WORKER_TIMEOUT = 120.0
POLL_SECONDS = 0.25
# Rows read per query when looking for listings without a vector (see `missing_steps`).
SCAN_PAGE = 1000


def client(app: Flask) -> e5.E5Client | None:
    """This app's embeddings client, or None when E5_URL is not set."""
    if not app.config.get("E5_URL"):
        return None
    if "e5_client" not in app.extensions:
        app.extensions["e5_client"] = e5.E5Client(app.config["E5_URL"], timeout=app.config["E5_TIMEOUT"])
    return app.extensions["e5_client"]


class DatabaseSource:
    """Stored vectors by text key, in the ``text_embedding`` table (shared by every host)."""

    def __init__(self, engine):
        self.engine = engine

    def lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(dict.fromkeys(keys))
        with Session(self.engine) as session:
            for start in range(0, len(wanted), 500):
                rows = session.exec(
                    select(TextEmbedding.key, TextEmbedding.vector).where(
                        col(TextEmbedding.key).in_(wanted[start : start + 500])
                    )
                ).all()
                found.update({key: np.frombuffer(vector, dtype=np.float32) for key, vector in rows})
        return found

    def store(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep these vectors; one already stored under a key stays (the same text gives the same vector)."""
        if not vectors:
            return
        with Session(self.engine) as session:
            present = set(
                session.exec(select(TextEmbedding.key).where(col(TextEmbedding.key).in_(list(vectors)))).all()
            )
            for key, vector in vectors.items():
                if key not in present:
                    session.add(
                        TextEmbedding(key=key, model=MODEL, vector=np.asarray(vector, np.float32).tobytes())
                    )
            session.commit()


def configure(app: Flask) -> None:
    """Point this process's e5 encoders at the database and the service (or at nothing without E5_URL)."""
    found = client(app)
    e5.configure(DatabaseSource(app.extensions["db_engine"]) if found else None, found)


def listing_text(doc: dict) -> str:
    """What the matcher encodes for a listing document (see matching.e5.e5_text: title, then summary)."""
    return listing_from_document(doc).full_text


class EmbeddingSink(Sink):
    """Encodes the listings of an outbox batch that have no stored vector; raises E5Unavailable to be retried."""

    name = E5_SINK

    def __init__(
        self, client: e5.E5Client, source: DatabaseSource, publish: Callable[[list[dict]], None] | None = None
    ):
        self.client = client
        self.source = source
        self.publish = publish
        # Encoded by this sink in this process: (listings, seconds), for `index status` and the benchmark.
        self.encoded = 0
        self.seconds = 0.0

    def missing(self, docs: list[dict]) -> list[dict]:
        """The documents whose current text has no stored vector."""
        keys = {e5.passage_key(listing_text(doc)): doc for doc in docs}
        stored = self.source.lookup(list(keys))
        return [doc for key, doc in keys.items() if key not in stored]

    def encode(self, docs: list[dict]) -> int:
        """Encode and store the documents' vectors (those not stored yet); return how many were encoded."""
        import time

        todo = self.missing(docs)
        if not todo:
            return 0
        started = time.perf_counter()
        texts = [listing_text(doc) for doc in todo]
        # Small requests with a long timeout: the client's own timeout is the typed query's (about a second),
        # and a request given up on is still encoded by the single-threaded service, so a batch that timed
        # out and was retried only queued the same work again behind itself.
        vectors = self.client.embed(texts, "passage", timeout=WORKER_TIMEOUT, batch=WORKER_REQUEST)
        self.source.store({e5.passage_key(t): v for t, v in zip(texts, vectors, strict=True)})
        self.encoded += len(todo)
        self.seconds += time.perf_counter() - started
        if self.publish is not None:
            self.publish(todo)
        return len(todo)

    def apply(self, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        # A deleted listing's vector may serve an identical text later; stored vectors are never wrong.
        for start in range(0, len(upserts), BATCH):
            self.encode(upserts[start : start + BATCH])

    def reset(self) -> None:
        """Nothing to empty: vectors are keyed by text, so a rebuild keeps every one that still fits."""


def _publish(app: Flask) -> Callable[[list[dict]], None]:
    """Have this host's matcher re-read listings whose vectors were just stored (the writer only)."""

    def publish(docs: list[dict]) -> None:
        from app.market.services.indexes import NotTheWriter, vector_index

        try:
            vector_index(app).apply(docs, [])
        except NotTheWriter:
            pass

    return publish


def make_worker(app: Flask, publish: bool = True) -> tuple[OutboxWorker, EmbeddingSink] | None:
    """The e5 consumer of the outbox (None without E5_URL): its own cursor, so a slow or absent service never
    holds up search and the matcher."""
    found = client(app)
    if found is None:
        return None
    sink = EmbeddingSink(
        found, DatabaseSource(app.extensions["db_engine"]), _publish(app) if publish else None
    )
    worker = OutboxWorker(
        app.extensions["db_engine"],
        app.config["INDEX_CONSUMER"],
        load_documents,
        [sink],
        backoff_base=1.0,
        backoff_max=15.0,
    )
    return worker, sink


def missing_steps(app: Flask, sink: EmbeddingSink, page: int | None = None) -> Iterator[list[dict]]:
    """The public listings without a stored vector, in steps of at most BATCH, read a page of rows at a time
    (by kind, by id): the worker drains the outbox between two steps, so a listing posted meanwhile waits for one
    page's scan and one step's encoding, not for a scan of the whole market (several seconds at 100k)."""
    page = page or SCAN_PAGE
    engine = app.extensions["db_engine"]
    announced = False
    for kind in LISTING_KINDS.values():
        table: Any = kind.table
        after = 0
        while True:
            with Session(engine) as session:
                rows = session.exec(
                    select(table).where(col(table.id) > after).order_by(col(table.id)).limit(page)
                ).all()
                if not rows:
                    break
                after = rows[-1].id
                docs = documents_for(session, [row for row in rows if is_indexed(row)])
            missing = sink.missing(docs) if docs else []
            if missing and not announced:
                log.info("e5: listings without a vector; encoding them in the background")
                announced = True
            for start in range(0, len(missing), BATCH):
                yield missing[start : start + BATCH]


def run_embedding_worker(app: Flask, stop: threading.Event, poll_interval: float = POLL_SECONDS) -> None:
    """Encode listings until stopped: outbox changes first, then, when it is quiet, listings never encoded."""
    made = make_worker(app)
    if made is None:
        return
    worker, sink = made
    backlog: Iterator[list[dict]] | None = None
    wait = 0.0
    while not stop.wait(wait):
        wait = 0.0
        try:
            retry_in = worker.retry_in(sink.name)
            if retry_in > 0:
                wait = min(retry_in, 1.0)
                continue
            if worker.drain_once(batch_size=BATCH):
                continue
            if worker.retry_in(sink.name) > 0:
                continue
            if backlog is None:
                backlog = missing_steps(app, sink)
            step = next(backlog, None)
            if step is not None:
                try:
                    sink.encode(step)
                except e5.E5Unavailable as error:
                    backlog = itertools.chain([step], backlog)
                    log.warning("e5 channel skipped: %s; retrying in %.0f s", error, worker.backoff_max)
                    wait = worker.backoff_max
                continue
            wait = poll_interval
        except Exception:  # noqa: BLE001 - the database may be away; this thread must not die
            log.exception("the e5 encoding worker failed; retrying")
            # A scan that failed (the database away) starts again; what was stored meanwhile is skipped.
            backlog = None
            wait = 5.0


def start(app: Flask, stop: threading.Event) -> threading.Thread | None:
    """Start the encoding thread beside the host's writer (None without E5_URL)."""
    if client(app) is None:
        return None
    thread = threading.Thread(target=run_embedding_worker, args=(app, stop), name="e5-encoder", daemon=True)
    thread.start()
    return thread


def service_state(app: Flask) -> str:
    """The embeddings service as /healthz reports it: "up", "down" or "not configured"."""
    found = client(app)
    if found is None:
        return "not configured"
    return "up" if found.health(timeout=0.5) else "down"
