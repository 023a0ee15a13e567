"""The multilingual channel through the app: `python -m app.ops.bench_e5` (one JSON line; needs E5_URL).

Loads the demo marketplace into a temporary database, builds the indexes, has the index worker's e5 consumer
encode every listing (encoding throughput, listings/s), then times typed searches through the search API with
the query encoded online (p50/p95 of the whole request, over the searches that used the channel; a search
whose query could not be encoded in the app's E5_TIMEOUT is counted apart, as `e5_skipped`), English and
Chinese words alike, each beside the same search with the channel off just before it (the baseline in
the same run: `lexical_p95_ms`, `p95_ratio_to_lexical`), and reports how many English words find a
listing. Last, with the host's writer and e5 encoder running as in production (`index_worker.start_background_worker`), it posts `--probes`
achievements that fit a need and times commit → in the need's recommendations with the listing's e5 vector
(freshness), beside commit → first in the recommendations (with or without the vector, the baseline).
With ``--grow N`` the market is first grown by N listings (`demo grow`) that get stand-in vectors (see
`stand_in_vectors`), so the searches run over N + the demo's listings in FTS5 and in FAISS. Requests to the
service are sequential, each with a client timeout, and the number of queries
is bounded (`--rounds` × 20): the service is single-threaded and may be shared. Nothing of an existing
instance is touched.
"""

import argparse
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from sqlmodel import Session

from app import create_app
from app.db import make_engine
from app.market.services import embeddings, indexes
from app.market.services.index_documents import all_documents
from app.migrate import upgrade
from app.ops import demo, grow
from app.platform import taxonomy
from matching.e5 import DIM as e5_dim
from matching.e5 import E5Unavailable
from matching.e5 import passage_key as e5_passage_key

# The host's background threads (index_worker, embeddings) that the freshness probes start.
BACKGROUND_THREADS = ("outbox-worker", "vector-upkeep", "e5-encoder")
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


def stand_in_vectors(source: embeddings.DatabaseSource, docs: list[dict]) -> None:
    """Store a random unit vector for each grown listing, as if the worker had encoded it: the service encodes
    about 9 listings a second here, so a 100k market would take hours; the searches' cost (FAISS over every
    stored vector, the online query encoding) does not depend on what the vectors say."""
    rng = np.random.default_rng(0)
    for start in range(0, len(docs), 5000):
        chunk = docs[start : start + 5000]
        vectors = rng.standard_normal((len(chunk), e5_dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        keys = [e5_passage_key(embeddings.listing_text(doc)) for doc in chunk]
        source.store(dict(zip(keys, vectors, strict=True)))


def measure(folder: Path, url: str, rounds: int, probes: int, grow_to: int = 0) -> dict:
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
        # Only the demo's listings are encoded by the service (read before growing: the same documents after).
        docs = all_documents(session)
        demo_keys = {doc["id"] for doc in docs}
        if grow_to:
            grow.grow(
                session=session,
                listings=grow_to,
                seed=1,
                ttl_days=app.config["LISTING_TTL_DAYS"],
                industries=taxonomy.industries(),
            )
            grown = [doc for doc in all_documents(session) if doc["id"] not in demo_keys]
            stand_in_vectors(embeddings.DatabaseSource(app.extensions["db_engine"]), grown)
    count = indexes.rebuild(app)
    made = embeddings.make_worker(app)
    assert made is not None  # E5_URL is set
    _worker, sink = made
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
    times: list[float] = []
    lexical_times: list[float] = []
    skipped = 0
    found: dict[str, tuple[int, str | None]] = {}
    for _ in range(rounds):
        for query in QUERIES:
            if sink.client._down_until:
                # A timed-out query put the client in its cooldown: wait it out, or every search would skip.
                time.sleep(max(0.0, sink.client._down_until - time.monotonic()))
            # The baseline in the same run, just before: the same search with the channel off (lexical only).
            app.config["E5_URL"] = None
            started = time.perf_counter()
            client.get("/api/v1/search", query_string={"q": query})
            lexical_times.append((time.perf_counter() - started) * 1000)
            app.config["E5_URL"] = url
            started = time.perf_counter()
            body = client.get("/api/v1/search", query_string={"q": query}).json or {}
            elapsed = (time.perf_counter() - started) * 1000
            state = body["meta"].get("e5")
            if state == "used":
                times.append(elapsed)
            else:
                skipped += 1
            found[query] = (max(body["total"], found.get(query, (0, None))[0]), state)
    english = [q for q in QUERIES if q.isascii()]
    fresh = freshness(app, probes)
    return {
        "listings": count,
        "grown_with_stand_in_vectors": grow_to,
        "encoded": sink.encoded,
        "encoding_listings_per_s": round(sink.encoded / max(sink.seconds, 1e-9), 1),
        "search_p50_ms": round(float(np.percentile(times, 50)), 1) if times else None,
        "search_p95_ms": round(float(np.percentile(times, 95)), 1) if times else None,
        "searches": len(times),
        "lexical_p50_ms": round(float(np.percentile(lexical_times, 50)), 1),
        "lexical_p95_ms": round(float(np.percentile(lexical_times, 95)), 1),
        "p95_ratio_to_lexical": round(float(np.percentile(times, 95) / np.percentile(lexical_times, 95)), 2)
        if times
        else None,
        "e5_skipped": skipped,
        "english_queries_with_hits": sum(1 for q in english if found[q][0] > 0),
        "english_queries": len(english),
        **fresh,
    }


def freshness(app, probes: int, wait: float = 30.0) -> dict:
    """Commit → recommendable with the e5 vector, with the host's writer and encoder threads running: each
    probe is an achievement of another organization than a demo need's, written like the need; it counts
    when the need's recommendations list it and the matcher holds its e5 vector."""
    from sqlmodel import col, select

    from app.market.services import listings
    from app.market.services.indexes import vector_index
    from app.ops.index_worker import start_background_worker
    from models import Achievement, Need, User

    stop = start_background_worker(app, poll_interval=0.1)
    client = app.test_client()
    seconds: list[float] = []
    listed_seconds: list[float] = []
    missed = 0
    try:
        # Requests are made outside any app context of ours: a request inside one would share its `g` (and
        # the matcher snapshot a request takes once) with every other request made inside it.
        with app.app_context(), Session(app.extensions["db_engine"]) as session:
            need = session.exec(select(Need).where(Need.status == "published").order_by(col(Need.id))).first()
            assert need is not None  # the demo has needs
            other = session.exec(select(Achievement).where(Achievement.org_id != need.org_id)).first()
            assert other is not None
            poster = session.exec(select(User).where(User.org_id == other.org_id)).first()
            assert poster is not None
            need_id, title, industry, description = need.id, need.title, need.industry, need.description
        path = f"/api/v1/needs/{need_id}/recommendations"
        client.get(path)  # the writer's first drain and the ranker's first fit are not a probe's
        time.sleep(2.0)
        for n in range(probes + 1):
            with app.app_context(), Session(app.extensions["db_engine"]) as session:
                user = session.get(User, poster.id)
                assert user is not None
                listing = listings.create_listing(
                    session=session,
                    kind="achievement",
                    data={
                        "title": f"{title}（第{n}版）"[:200],
                        "description": f"{description} 第{n}版。",
                        "industry": industry,
                        "cooperation_modes": ["license", "transfer"],
                        "trl": 7,
                    },
                    user=user,
                    publish=True,
                )
                listing_id = listing.id
            started = time.perf_counter()
            assert listing_id is not None  # saved
            took = None
            first: float | None = None
            listed = False
            while time.perf_counter() - started < wait:
                recs = client.get(path, query_string={"kind": "license", "k": 10}).json or []
                listed = any(rec.get("target_id") == listing_id for rec in recs)
                if listed and first is None:
                    first = time.perf_counter() - started
                if listed and _has_e5_vector(vector_index(app), listing_id):
                    took = time.perf_counter() - started
                    break
                time.sleep(0.05)
            if n == 0:
                continue  # a warm-up
            if took is None:
                missed += 1
                print(
                    f"freshness probe {n} not recommendable with its e5 vector in {wait:.0f} s "
                    f"(in the recommendations: {listed}; "
                    f"e5 vector: {_has_e5_vector(vector_index(app), listing_id)})",
                    file=sys.stderr,
                )
            else:
                seconds.append(took)
                listed_seconds.append(first if first is not None else took)
    finally:
        stop.set()
        # Let the host's threads finish what they hold (at 100k the writer may be folding its delta in native
        # code): a daemon thread still inside FAISS when the interpreter exits crashes it on the way out.
        for thread in threading.enumerate():
            if thread.name in BACKGROUND_THREADS:
                thread.join(timeout=120)
    return {
        "freshness_p50_s": round(float(np.percentile(seconds, 50)), 2) if seconds else None,
        "freshness_p95_s": round(float(np.percentile(seconds, 95)), 2) if seconds else None,
        "listed_p50_s": round(float(np.percentile(listed_seconds, 50)), 2) if listed_seconds else None,
        "listed_p95_s": round(float(np.percentile(listed_seconds, 95)), 2) if listed_seconds else None,
        "freshness_probes": len(seconds),
        "freshness_missed": missed,
    }


def _has_e5_vector(index, listing_id: int) -> bool:
    """Whether the host's matcher holds a (non-zero) e5 vector for this achievement."""
    matcher = index.matcher()
    kind = matcher.kinds.get("achievement") if matcher is not None else None
    if kind is None or "e5" not in kind.stores or kind.item(listing_id) is None:
        return False
    return bool(np.any(kind.vectors("e5", np.array([listing_id], dtype=np.int64))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.bench_e5", description=__doc__)
    parser.add_argument("--url", default=os.environ.get("E5_URL"), help="the embeddings service (E5_URL)")
    parser.add_argument("--rounds", type=int, default=3, help="times each of the 20 queries is searched")
    parser.add_argument("--probes", type=int, default=10, help="listings posted to time freshness")
    parser.add_argument(
        "--grow",
        type=int,
        default=0,
        help="grow the market by this many listings (stand-in vectors: only the demo's are encoded)",
    )
    args = parser.parse_args(argv)
    if not args.url:
        print("error: E5_URL (or --url) names no embeddings service", file=sys.stderr)
        return 2
    # The writer thread may still be saving a generation as it stops: its files need not block the cleanup.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        print(json.dumps(measure(Path(folder), args.url, args.rounds, args.probes, args.grow)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
