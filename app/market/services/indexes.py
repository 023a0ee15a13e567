"""The market's search backend and vector store on this host, and the outbox sinks that keep both current
(app.ops.index_worker runs the worker, elects the writer and does the upkeep).

Concurrency design of the vector side:

- Readers (requests) call ``VectorIndex.matcher()``: one attribute read of an immutable ``Matcher`` snapshot,
  which the request keeps for as long as it needs it. A request never loads, saves, fits or waits for a lock.
- One writer per VECTOR_DIR, decided by an fcntl lock (``matching.persistence.WriterLock``). The writer
  applies outbox batches by deriving a new snapshot (``Matcher.with_changes``: milliseconds, the big compiled
  indexes are shared) and swapping the reference; its upkeep thread saves a generation every
  ``PERSIST_SECONDS`` with the outbox cursor it holds, and refits the feedback ranker every
  ``RANKER_REFIT_SECONDS``. After a crash the writer loads the newest generation and replays the outbox from
  that generation's cursor, so nothing applied only in memory is lost.
- Every other process on the directory follows: a background thread loads each newer generation and swaps
  it in, and tries now and then to become the writer (when the writer process is gone). Between two
  generations it replays, in memory, the outbox events the writer has applied since the one it holds
  (``VectorIndex.catch_up``), so a listing reaches every process's recommendations within a fraction of a
  second after the writer, not at the writer's next save; such a follower loads a newer generation only
  now and then (``FOLLOWER_REFRESH_SECONDS``) or when its replayed delta grows large.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import update
from sqlmodel import Session, col

from app.market.services.index_documents import all_documents, listing_from_document, load_documents
from indexing import SearchBackend, make_backend
from indexing.sync import OutboxWorker, SearchSink, Sink, applied_changes
from matching import Matcher, MatcherConfig, persistence
from matching.text import search_synonyms
from models.outbox import SyncCursor

log = logging.getLogger(__name__)
# A follower's view of the outbox: the changes the writer applied after an event id (indexing.sync.applied_changes).
Changes = Callable[[int], tuple[int, list[dict], list[str]]]

# How often a follower looks for a generation the writer saved, and tries to take over writing.
RELOAD_CHECK_SECONDS = 2.0
# How often a follower replays what the writer applied since the generation it holds.
CATCH_UP_SECONDS = 0.25
# A follower that replays the outbox needs a saved generation only to start, to shed a grown delta, or to pick
# up what only generations carry (a refitted ranker, a rebuild): loading one costs seconds of CPU at 100k
# listings, so it does not take each one the writer saves (every PERSIST_SECONDS while changes come in).
FOLLOWER_REFRESH_SECONDS = 300.0
VECTOR_SINK = "vectors"


def _backend_options(config) -> dict:
    if config["SEARCH_BACKEND"] == "meilisearch":
        # The embedded index expands queries itself; Meilisearch is told the same vocabulary as synonyms.
        return {
            "url": config["MEILI_URL"],
            "key": config["MEILI_KEY"],
            "index_prefix": config["MEILI_INDEX_PREFIX"],
            "synonyms": search_synonyms(),
        }
    return {"path": config["SEARCH_PATH"]}


def search_backend(app: Flask | None = None) -> SearchBackend:
    """The configured search backend, created once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    if "search_backend" not in app.extensions:
        app.extensions["search_backend"] = make_backend(
            app.config["SEARCH_BACKEND"], **_backend_options(app.config)
        )
    return app.extensions["search_backend"]


class NotTheWriter(RuntimeError):
    """Another process holds VECTOR_DIR's writer lock."""


class VectorIndex:
    """This process's matcher snapshot, its writer role on VECTOR_DIR (if it has it), and its upkeep."""

    def __init__(self, config: MatcherConfig, store_dir: str, changes: Changes | None = None):
        self.config = config
        # For a follower: the changes the writer applied after an outbox event (see `catch_up`).
        self.changes = changes
        # The last outbox event the held snapshot contains, as far as this process knows (follower side).
        self._followed_to: int | None = None
        # Listings a follower replayed since it loaded its generation, and when it loaded it.
        self._followed_changes = 0
        self._loaded_at = float("-inf")
        self.store_dir = Path(store_dir)
        self.writer = persistence.WriterLock(self.store_dir)
        self._snapshot: Matcher | None = None
        # Serialises this process's writes (outbox batches, ranker refits, rebuilds); readers never take it.
        self._write_lock = threading.Lock()
        self._generation: str | None = None
        # The last outbox event the held snapshot is known to contain, when it came from a saved generation.
        self.saved_cursor: int | None = None
        self._pin: persistence.Pin | None = None
        self._dirty = False
        self._load_lock = threading.Lock()
        self._follower: threading.Thread | None = None

    # ---- readers ------------------------------------------------------------------------------------

    def matcher(self) -> Matcher | None:
        """The current snapshot, or None until one is built or loaded (loading happens in the background)."""
        snapshot = self._snapshot
        if self._follower is None and not self.writer.held:
            self.follow()
        return snapshot

    def follow(self) -> None:
        """Start the background thread that loads each generation the writer saves (once per process)."""
        with self._write_lock:
            if self._follower is not None:
                return
            self._follower = threading.Thread(
                target=_follow, args=(weakref.ref(self),), name="vector-follow", daemon=True
            )
        self._follower.start()

    # ---- loading and publishing ---------------------------------------------------------------------

    def load_newest(self) -> dict | None:
        """Load the newest saved generation if it is not the one held; return its manifest when loaded."""
        with self._load_lock:
            generation = persistence.current_generation(self.store_dir)
            if generation is None or generation == self._generation:
                return None
            matcher, manifest, pin = persistence.load(self.config, self.store_dir)
            with self._write_lock:
                self._snapshot = matcher
                old_pin, self._pin = self._pin, pin
                self._generation = pin.folder.name
                self.saved_cursor = self._followed_to = int(manifest.get("cursor", 0))
                self._followed_changes, self._loaded_at = 0, time.monotonic()
            if old_pin is not None:
                old_pin.release()
            return manifest

    def catch_up(self) -> int:
        """Follower: publish, in memory only, what the writer applied since the held snapshot; return how many
        listings changed. A newer generation, when one loads, replaces the result (and the replay restarts
        from its cursor)."""
        if self.changes is None:
            return 0
        with self._load_lock:
            snapshot, after = self._snapshot, self._followed_to
            if snapshot is None or after is None:
                return 0
            upto, upserts, deletes = self.changes(after)
            if upto == after:
                return 0
            removals = defaultdict(list)
            for doc_id in deletes:
                listing_kind, _sep, entity_id = doc_id.rpartition("-")
                removals[listing_kind].append(int(entity_id))
            if upserts or removals:
                snapshot = snapshot.with_changes(
                    [listing_from_document(doc) for doc in upserts], dict(removals)
                )
            with self._write_lock:
                self._snapshot, self._followed_to = snapshot, upto
                self._followed_changes += len(upserts) + len(deletes)
        return len(upserts) + len(deletes)

    def wants_generation(self) -> bool:
        """Follower: whether to load the newest saved generation now (see FOLLOWER_REFRESH_SECONDS)."""
        if self._snapshot is None or self.changes is None:
            return True
        return (
            time.monotonic() - self._loaded_at >= FOLLOWER_REFRESH_SECONDS
            or self._followed_changes > self.config.delta_limit // 2
        )

    def _require_writer(self) -> None:
        if not self.writer.acquire():
            raise NotTheWriter(
                f"Another process is writing the vector store in {self.store_dir}; stop it or run this there."
            )

    def rebuild(self, docs: list[dict], cursor: int = 0, workers: int = 1) -> None:
        """Fit the encoders on every public listing, build each kind's index afresh, publish and save it.

        `workers` > 1 analyses texts in forked processes: for the command line only, never a web process.
        """
        self._require_writer()
        matcher = Matcher(self.config).rebuild([listing_from_document(doc) for doc in docs], workers=workers)
        with self._write_lock:
            if self._snapshot is not None:
                matcher = matcher.with_ranker(self._snapshot.ranker)
            self._snapshot = matcher
        self.persist(cursor)

    def apply(self, upserts: list[dict], deletes: list[str]) -> bool:
        """Publish a snapshot with these changes; False when there is nothing to change yet (rebuild first)."""
        self._require_writer()
        removals = defaultdict(list)
        for doc_id in deletes:
            listing_kind, _sep, entity_id = doc_id.rpartition("-")
            removals[listing_kind].append(int(entity_id))
        items = [listing_from_document(doc) for doc in upserts]
        with self._write_lock:
            if self._snapshot is None:
                return False
            self._snapshot = self._snapshot.with_changes(items, dict(removals))
            self._dirty = True
        return True

    def set_ranker(self, ranker) -> None:
        """Publish the current snapshot with a newly fitted feedback ranker."""
        with self._write_lock:
            if self._snapshot is not None and self._snapshot.ranker is not ranker:
                self._snapshot = self._snapshot.with_ranker(ranker)
                self._dirty = True

    def persist(self, cursor: int) -> str | None:
        """Save the current snapshot as the newest generation, holding the outbox up to `cursor`."""
        self._require_writer()
        with self._write_lock:
            snapshot, self._dirty = self._snapshot, False
        if snapshot is None:
            return None
        try:
            generation = persistence.save(snapshot, self.store_dir, cursor=cursor, lock=self.writer)
        except BaseException:
            self._dirty = True  # still unsaved: the next round tries again
            raise
        with self._write_lock:
            old_pin, self._pin, self._generation = self._pin, None, generation
            self.saved_cursor = cursor
        if old_pin is not None:
            old_pin.release()
        return generation

    @property
    def dirty(self) -> bool:
        """Whether changes were published since the last save."""
        return self._dirty


def _follow(ref: weakref.ref) -> None:
    """Load a saved generation when one is wanted and replay the writer's changes since, until this process
    writes, or its index is gone (the app was dropped)."""
    next_load = 0.0
    while (index := ref()) is not None and not index.writer.held:
        if time.monotonic() >= next_load and index.wants_generation():
            next_load = time.monotonic() + RELOAD_CHECK_SECONDS
            try:
                index.load_newest()
            except (FileNotFoundError, ValueError) as error:
                log.info("vector store at %s not loaded yet: %s", index.store_dir, error)
            except Exception:  # noqa: BLE001 - a bad generation must not end following; the next may load
                log.exception("loading the vector store at %s failed", index.store_dir)
        try:
            index.catch_up()
        except Exception:  # noqa: BLE001 - the database may be away for a moment; the next round retries
            log.exception("replaying the outbox into the vector store at %s failed", index.store_dir)
        del index
        time.sleep(CATCH_UP_SECONDS)


def vector_index(app: Flask | None = None) -> VectorIndex:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, which Flask annotates as the app
    if "vector_index" not in app.extensions:
        config = MatcherConfig.from_mapping(app.config)
        changes = functools.partial(
            applied_changes, app.extensions["db_engine"], _vector_consumer(app), load_documents=load_documents
        )
        app.extensions["vector_index"] = VectorIndex(config, app.config["VECTOR_DIR"], changes)
    return app.extensions["vector_index"]


class VectorSink(Sink):
    """The outbox sink for this host's FAISS stores; with no fitted matcher yet it rebuilds from the database."""

    name = VECTOR_SINK

    def __init__(self, app: Flask):
        self.app = app
        self._rebuilding: list[dict] | None = None

    def apply(self, upserts: list[dict], deletes: list[str]) -> None:
        if self._rebuilding is not None:
            self._rebuilding.extend(upserts)
            return
        index = vector_index(self.app)
        if not index.apply(upserts, deletes):
            with Session(self.app.extensions["db_engine"]) as session:
                index.rebuild(all_documents(session), cursor=vector_cursor(self.app))

    def reset(self) -> None:
        # A rebuild refits the encoders on the whole corpus, so collect every document first.
        self._rebuilding = []

    def finish_rebuild(self, cursor: int, workers: int = 1) -> None:
        docs, self._rebuilding = self._rebuilding or [], None
        vector_index(self.app).rebuild(docs, cursor=cursor, workers=workers)


def _vector_consumer(app: Flask) -> str:
    return f"{app.config['INDEX_CONSUMER']}:{VECTOR_SINK}"


def vector_cursor(app: Flask) -> int:
    """The last outbox event this host's vector sink has applied."""
    with Session(app.extensions["db_engine"]) as session:
        row = session.get(SyncCursor, _vector_consumer(app))
    return row.last_event_id if row is not None else 0


def _replay_from(app: Flask, cursor: int) -> None:
    """Move the vector sink's cursor to what the loaded generation holds, so the worker replays the rest."""
    with Session(app.extensions["db_engine"]) as session:
        session.exec(
            update(SyncCursor)
            .where(col(SyncCursor.consumer) == _vector_consumer(app))
            .values(last_event_id=cursor)
        )
        session.commit()


def make_worker(app: Flask) -> tuple[OutboxWorker, VectorSink]:
    vectors = VectorSink(app)
    worker = OutboxWorker(
        app.extensions["db_engine"],
        app.config["INDEX_CONSUMER"],
        load_documents,
        [SearchSink(search_backend(app)), vectors],
    )
    return worker, vectors


def rebuild(app: Flask, workers: int = 1) -> int:
    """Recreate the search index and the vector stores from the database (`workers`: see VectorIndex.rebuild)."""
    vector_index(app)._require_writer()
    worker, vectors = make_worker(app)
    with Session(app.extensions["db_engine"]) as session:
        docs = all_documents(session)
    count = worker.rebuild(docs)
    vectors.finish_rebuild(vector_cursor(app), workers=workers)
    return count
