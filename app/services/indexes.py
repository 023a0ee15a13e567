"""The search backend and the vector store of this host, and the outbox worker that keeps both current."""

import threading
import time
from collections import defaultdict
from pathlib import Path

from flask import Flask, current_app
from sqlmodel import Session

from app.services.documents import all_documents, listing_from_document, load_documents
from indexing import SearchBackend, make_backend
from indexing.sync import OutboxWorker, SearchSink, Sink
from matching import Matcher, MatcherConfig
from matching.text import search_synonyms

# How often a web process looks for a vector store that another process (`flask index worker`) saved.
RELOAD_CHECK_SECONDS = 2.0


def _backend_options(config) -> dict:
    if config["SEARCH_BACKEND"] == "meilisearch":
        # The embedded index expands queries itself; Meilisearch is told the same vocabulary as synonyms.
        return {"url": config["MEILI_URL"], "key": config["MEILI_KEY"], "index_prefix": config["MEILI_INDEX_PREFIX"],
                "synonyms": search_synonyms()}
    return {"path": config["SEARCH_PATH"]}


def search_backend(app: Flask | None = None) -> SearchBackend:
    """The configured search backend, created once per app."""
    app = app or current_app._get_current_object()
    if "search_backend" not in app.extensions:
        app.extensions["search_backend"] = make_backend(app.config["SEARCH_BACKEND"], **_backend_options(app.config))
    return app.extensions["search_backend"]


class VectorIndex:
    """This process's matcher, guarded by a lock, reloaded when another process saved a newer copy."""

    def __init__(self, config: MatcherConfig, store_dir: str):
        self.config = config
        self.store_dir = Path(store_dir)
        self.lock = threading.RLock()
        self._matcher: Matcher | None = None
        self._loaded_mtime = 0.0
        self._checked_at = 0.0

    def _store_mtime(self) -> float:
        files = list(self.store_dir.glob("*")) if self.store_dir.is_dir() else []
        return max((f.stat().st_mtime for f in files), default=0.0)

    def matcher(self) -> Matcher | None:
        """The current matcher, or None until the first rebuild."""
        with self.lock:
            now = time.monotonic()
            if self._matcher is None or now - self._checked_at > RELOAD_CHECK_SECONDS:
                self._checked_at = now
                mtime = self._store_mtime()
                if mtime > self._loaded_mtime:
                    try:
                        self._matcher = Matcher.load(self.config, self.store_dir)
                        self._loaded_mtime = mtime
                    except (FileNotFoundError, ValueError):
                        current_app.logger.warning("vector store at %s is missing or unreadable", self.store_dir)
            return self._matcher

    def rebuild(self, docs: list[dict]) -> None:
        """Fit the encoders on every public listing and build each kind's index afresh."""
        with self.lock:
            matcher = Matcher(self.config, self.store_dir)
            matcher.rebuild([listing_from_document(doc) for doc in docs])
            matcher.save()
            self._matcher, self._loaded_mtime = matcher, self._store_mtime()

    def apply(self, upserts: list[dict], deletes: list[str]) -> bool:
        """Apply changes in place; False when there is no fitted matcher yet (a rebuild is needed)."""
        with self.lock:
            matcher = self.matcher()
            if matcher is None:
                return False
            if upserts:
                matcher.upsert([listing_from_document(doc) for doc in upserts])
            removed = defaultdict(list)
            for doc_id in deletes:
                kind, _sep, entity_id = doc_id.rpartition("-")
                removed[kind].append(int(entity_id))
            for kind, ids in removed.items():
                matcher.remove(kind, ids)
            matcher.save()
            self._loaded_mtime = self._store_mtime()
            return True


def vector_index(app: Flask | None = None) -> VectorIndex:
    app = app or current_app._get_current_object()
    if "vector_index" not in app.extensions:
        config = MatcherConfig.from_mapping(app.config)
        app.extensions["vector_index"] = VectorIndex(config, app.config["VECTOR_DIR"])
    return app.extensions["vector_index"]


class VectorSink(Sink):
    """The outbox sink for this host's FAISS stores; with no fitted matcher yet it rebuilds from the database."""

    name = "vectors"

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
                index.rebuild(all_documents(session))

    def reset(self) -> None:
        # A rebuild refits the encoders on the whole corpus, so collect every document first.
        self._rebuilding = []

    def finish_rebuild(self) -> None:
        docs, self._rebuilding = self._rebuilding or [], None
        vector_index(self.app).rebuild(docs)


def make_worker(app: Flask) -> tuple[OutboxWorker, VectorSink]:
    vectors = VectorSink(app)
    worker = OutboxWorker(app.extensions["db_engine"], app.config["INDEX_CONSUMER"], load_documents,
                          [SearchSink(search_backend(app)), vectors])
    return worker, vectors


def rebuild(app: Flask) -> int:
    """Recreate the search index and the vector stores from the database."""
    worker, vectors = make_worker(app)
    with Session(app.extensions["db_engine"]) as session:
        docs = all_documents(session)
    count = worker.rebuild(docs)
    vectors.finish_rebuild()
    return count


def start_background_worker(app: Flask, poll_interval: float = 1.0) -> threading.Event:
    """Drain the outbox in a daemon thread of this process (the embedded path); returns its stop switch."""
    stop = threading.Event()
    worker, _vectors = make_worker(app)

    def _run():
        with app.app_context():
            worker.run(stop, poll_interval=poll_interval)

    threading.Thread(target=_run, name="outbox-worker", daemon=True).start()
    return stop
