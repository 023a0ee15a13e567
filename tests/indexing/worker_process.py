"""A worker process for the crash test: drains into two FTS5 files until the outbox is empty."""

import sys
import time

from indexing.fts5 import FTS5Backend
from indexing.sync import OutboxWorker, SearchSink
from tests.indexing.listings import load_documents, make_engine


class SlowSink(SearchSink):
    """Slow enough that the test can kill the process in the middle of draining."""

    def apply(self, upserts, deletes):
        time.sleep(0.01)  # a pace, not a wait: slow enough that the test can kill it mid-drain
        super().apply(upserts, deletes)


def main(db_url: str, search_path: str, vector_path: str) -> None:
    engine = make_engine(db_url)
    sinks = [SlowSink(FTS5Backend(search_path), "search"), SlowSink(FTS5Backend(vector_path), "vectors")]
    worker = OutboxWorker(engine, "crash", load_documents, sinks)
    while worker.drain_once(batch_size=20) or any(s["lag"] for s in worker.status().values()):
        pass


if __name__ == "__main__":
    main(*sys.argv[1:4])
