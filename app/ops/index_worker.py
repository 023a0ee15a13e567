"""The host's index worker: who writes VECTOR_DIR (an fcntl lock elects one process), the outbox drain, and the
upkeep beside it (saving generations, refitting the feedback ranker). See app.market.services.indexes for the
concurrency design of the vector side."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlmodel import Session

from app.market.services import embeddings, suggestions
from app.market.services.indexes import (
    RELOAD_CHECK_SECONDS,
    _replay_from,
    make_worker,
    vector_cursor,
    vector_index,
)
from app.market.services.recommendations import fit_feedback_ranker
from matching import persistence

log = logging.getLogger(__name__)

# How often the writer saves a generation while changes keep coming (a follower lags at most this much).
PERSIST_SECONDS = 30.0
# How often the writer refits the ranker on all stored feedback.
RANKER_REFIT_SECONDS = 600.0


def refit_ranker(app: Flask) -> None:
    """Fit the feedback ranker on all stored feedback and publish it (the writer's upkeep, never a request)."""
    index = vector_index(app)
    matcher = index.matcher()
    if matcher is None:
        return
    with Session(app.extensions["db_engine"]) as session:
        index.set_ranker(fit_feedback_ranker(session=session, matcher=matcher))


def start_writing(app: Flask) -> None:
    """Become VECTOR_DIR's writer: hold the newest generation and replay the outbox from its cursor.

    The database cursor may be ahead of the generation (the last writer applied batches it never saved),
    so it is moved back to what the generation holds.
    """
    index = vector_index(app)
    index._require_writer()
    try:
        index.load_newest()
    except (FileNotFoundError, ValueError) as error:
        log.warning("no usable vector store in %s (%s): the first batch rebuilds it", index.store_dir, error)
        return
    if index.saved_cursor is not None:
        _replay_from(app, index.saved_cursor)


def upkeep_once(app: Flask, last_fit: float) -> float:
    """Refit the ranker when due, then save a generation if changes are pending; return the last fit time."""
    index = vector_index(app)
    if time.monotonic() - last_fit >= RANKER_REFIT_SECONDS:
        refit_ranker(app)
        last_fit = time.monotonic()
    changed = index.dirty
    if changed:
        # The cursor is read before the snapshot is taken, so the snapshot holds at least that much.
        index.persist(vector_cursor(app))
    suggestions.rebuild_if_due(app, changed)
    return last_fit


def run_writer(app: Flask, stop: threading.Event, poll_interval: float = 1.0) -> None:
    """Drain the outbox into the indexes until stopped, with upkeep beside the drain (this process writes)."""
    worker, _vectors = make_worker(app)
    start_writing(app)

    def upkeep():
        last_fit = float("-inf")
        while not stop.wait(PERSIST_SECONDS if last_fit > float("-inf") else 0.0):
            try:
                last_fit = upkeep_once(app, last_fit)
            except Exception:  # noqa: BLE001 - upkeep failing must not stop the drain; it retries next round
                # A failed save (a full disk) leaves CURRENT on the last good generation; the changes stay in
                # memory, served, and are saved by a later round.
                log.exception(
                    "vector upkeep failed; %s stays the saved generation",
                    persistence.current_generation(vector_index(app).store_dir),
                )
                last_fit = time.monotonic()

    saver = threading.Thread(target=upkeep, name="vector-upkeep", daemon=True)
    saver.start()
    # The multilingual encoder's consumer: its own thread, so encoding never holds up search or the matcher.
    encoder = embeddings.start(app, stop)
    try:
        worker.run(stop, poll_interval=poll_interval)
    finally:
        stop.set()
        saver.join()
        if encoder is not None:
            encoder.join(timeout=10)
        if vector_index(app).dirty:
            try:
                vector_index(app).persist(vector_cursor(app))
            except Exception:  # noqa: BLE001 - stopping anyway; the next writer replays from the saved cursor
                log.exception(
                    "saving the vector store on stopping failed; the next writer replays the outbox"
                )


def start_background_worker(app: Flask, poll_interval: float = 1.0) -> threading.Event:
    """The embedded path: write from a daemon thread if this process wins VECTOR_DIR's lock, else follow.

    Under gunicorn with several workers each process calls this; the lock lets one of them write, the others
    load each newer generation in the background and take over if the writer goes away.
    """
    stop = threading.Event()

    def _run():
        index = vector_index(app)
        with app.app_context():
            while not stop.is_set():
                if index.writer.acquire():
                    run_writer(app, stop, poll_interval)
                    return
                index.follow()
                stop.wait(RELOAD_CHECK_SECONDS)

    threading.Thread(target=_run, name="outbox-worker", daemon=True).start()
    return stop
