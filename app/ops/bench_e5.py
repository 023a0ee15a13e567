"""The multilingual channel through the app: `python -m app.ops.bench_e5` (one JSON line; needs E5_URL).

Loads the demo marketplace into a temporary database, builds the indexes, has the index worker's e5 consumer
encode every listing (encoding throughput, listings/s), then times typed searches through the search API with
the query encoded online (p50/p95 of the whole request), English and Chinese words alike, and reports how
many English words find a listing. Nothing of an existing instance is touched.
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlmodel import Session

from app import create_app
from app.db import make_engine
from app.market.services import embeddings, indexes
from app.market.services.index_documents import all_documents
from app.migrate import upgrade
from app.ops import demo
from matching.e5 import E5Unavailable

QUERIES = [
    "battery",
    "laser",
    "welding",
    "lightweight body",
    "rail bogie",
    "vaccine",
    "fermentation",
    "sensor",
    "robot",
    "coating",
    "电池",
    "激光",
    "焊接",
    "轻量化",
    "转向架",
    "疫苗",
    "发酵",
    "传感器",
    "机器人",
    "涂层",
]


def measure(folder: Path, url: str, rounds: int) -> dict:
    database = f"sqlite:///{folder / 'mic.sqlite3'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database,
            "SEARCH_PATH": str(folder / "search.sqlite3"),
            "VECTOR_DIR": str(folder / "vectors"),
            "INDEX_CONSUMER": "bench",
            "E5_URL": url,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        demo.load_demo(session=session, ttl_days=180)
    count = indexes.rebuild(app)
    made = embeddings.make_worker(app)
    assert made is not None  # E5_URL is set
    _worker, sink = made
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        docs = all_documents(session)
    # As the worker's background step does: BATCH listings at a time (a busy service is retried).
    for start in range(0, len(docs), embeddings.BATCH):
        for attempt in range(5):
            try:
                sink.encode(docs[start : start + embeddings.BATCH])
                break
            except E5Unavailable:
                if attempt == 4:
                    raise
                time.sleep(sink.client.cooldown + 1.0)
    client = app.test_client()
    client.get("/api/v1/search?q=warm")
    times, found = [], {}
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            body = client.get("/api/v1/search", query_string={"q": query}).json or {}
            times.append((time.perf_counter() - started) * 1000)
            found[query] = (body["total"], body["meta"].get("e5"))
    english = [q for q in QUERIES if q.isascii()]
    return {
        "listings": count,
        "encoded": sink.encoded,
        "encoding_listings_per_s": round(sink.encoded / max(sink.seconds, 1e-9), 1),
        "search_p50_ms": round(float(np.percentile(times, 50)), 1),
        "search_p95_ms": round(float(np.percentile(times, 95)), 1),
        "searches": len(times),
        "english_queries_with_hits": sum(1 for q in english if found[q][0] > 0),
        "english_queries": len(english),
        "e5": sorted({state for _total, state in found.values()}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.bench_e5", description=__doc__)
    parser.add_argument("--url", default=os.environ.get("E5_URL"), help="the embeddings service (E5_URL)")
    parser.add_argument("--rounds", type=int, default=5, help="times each of the 20 queries is searched")
    args = parser.parse_args(argv)
    if not args.url:
        print("error: E5_URL (or --url) names no embeddings service", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(measure(Path(folder), args.url, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
