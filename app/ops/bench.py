"""Freshness through the whole app: `python -m app.ops.bench` (one JSON line).

Loads the demo marketplace into a temporary database, runs the outbox worker in this process as
INDEX_WORKER_IN_PROCESS=1 does, then commits achievements one at a time through the listing service and
times each from its commit to its first appearance in the license recommendations of the need it answers.
Nothing of an existing instance is touched.
"""

import argparse
import json
import random
import secrets
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from sqlmodel import Session, select

from app import create_app
from app.db import make_engine
from app.market.services import indexes, listings, recommendations
from app.migrate import upgrade
from app.ops import demo, index_worker
from models import Need, Role, User

QUERY_NEED = "铝合金车身激光焊接气孔缺陷控制技术开发"


def _wait(condition, seconds: float = 600.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the index did not catch up in time")
        time.sleep(0.01)


def measure(folder: Path, count: int, poll_interval: float, seed: int = 0) -> dict:
    """Commit `count` achievements and return the commit-to-recommendation latencies' p50 and p95."""
    url = f"sqlite:///{folder / 'mic.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            "SEARCH_PATH": str(folder / "search.sqlite3"),
            "VECTOR_DIR": str(folder / "vectors"),
            "INDEX_CONSUMER": "bench",
        }
    )
    engine = app.extensions["db_engine"]
    with app.app_context(), Session(engine) as session:
        demo.load_demo(session=session, ttl_days=180)
        need = session.exec(select(Need).where(Need.title == QUERY_NEED)).one()
        poster = session.exec(select(User).where(User.role == Role.center)).first()
        assert poster is not None and need.id is not None  # the demo data has a center's user and the need
        need_id = need.id
    stop = index_worker.start_background_worker(app, poll_interval=poll_interval)
    index = indexes.vector_index(app)
    try:
        _wait(
            lambda: (matcher := index.matcher()) is not None and matcher.listing("need", need_id) is not None
        )
        rng = random.Random(seed)
        latencies = []
        for n in range(count):
            time.sleep(rng.uniform(0, poll_interval))
            with app.test_request_context(), Session(engine) as session:
                user = session.get(User, poster.id)
                assert user is not None and user.id is not None  # the poster read above
                row = listings.create_listing(
                    session=session,
                    kind="achievement",
                    user=user,
                    publish=True,
                    data={
                        "title": f"铝合金激光焊接气孔抑制工艺 型号fx{n}q",
                        "kind": "process",
                        "industry": "automotive",
                        "description": "摆动激光与焊前清洗组合，铝合金车身焊缝气孔率降至0.5%以下，可工艺验证后导入。",
                        "trl": 8,
                        "cooperation_modes": ["license"],
                        "price": 800000,
                    },
                )
                committed, listing_id = time.perf_counter(), row.id

            def appeared(listing_id=listing_id):
                # Each poll is a request of its own, reading the snapshot of its time.
                with app.test_request_context(), Session(engine) as session:
                    recs = recommendations.recommend(
                        session=session,
                        query_type="need",
                        query_id=need_id,
                        rec_kind="license",
                        user=None,
                        k=10,
                    )
                return listing_id in {r["target_id"] for r in recs}

            _wait(appeared, 60)
            latencies.append(time.perf_counter() - committed)
    finally:
        stop.set()
        # The worker saves what it holds on the way out; let it finish before the folder goes.
        _wait(
            lambda: (
                not any(
                    t.name in ("outbox-worker", "vector-upkeep") and t.is_alive()
                    for t in threading.enumerate()
                )
            )
        )
        index.writer.release()
        engine.dispose()
    ms = np.array(latencies) * 1000
    matcher = index.matcher()
    assert matcher is not None  # waited for above
    return {
        "listings": count,
        "poll_interval_s": poll_interval,
        "indexed": sum(matcher.counts().values()),
        "freshness_p50_ms": round(float(np.percentile(ms, 50)), 1),
        "freshness_p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m app.ops.bench", description=__doc__)
    parser.add_argument("--listings", type=int, default=20, help="achievements committed and timed")
    parser.add_argument("--poll", type=float, default=1.0, help="the worker's poll interval, seconds")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(measure(Path(folder), args.listings, args.poll)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
