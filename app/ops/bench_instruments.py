"""Shared instruments at a real market's size: `python -m app.ops.bench_instruments` (one JSON line).

Grows a fresh database with `demo grow`'s generator (app/ops/grow.py: a tenth of the listings are instruments, each
with 20 bookings, so `--listings 100000` gives 10,000 instruments and 200,000 bookings), then, through the app in
this process (the WSGI test client: no network, no server threads), times

- booking POST: `POST /api/v1/instruments/<id>/bookings` of a free two-hour slot, each on another instrument;
- availability: `GET /api/v1/instruments/<id>/availability` over 14 days, on random instruments;
- the list `GET /instruments?free=next_week` (stored free time, app/instruments/services/free_time.py);
- `flask instruments refresh-free-time` (every live instrument's free time recomputed: the daily job, and the
  worst case of a read that finds them all stale).

Each is repeated `--runs` times; the figures are the medians over the runs of each run's p50 and p95. SQLite by
default (a temporary file); `--database-url postgresql+psycopg://...` with `--reset` uses (and empties) that
PostgreSQL database instead. Nothing of an existing instance is touched without `--reset`.
"""

import argparse
import json
import logging
import random
import secrets
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, col, select

from app import create_app
from app.db import make_engine
from app.instruments import rules
from app.instruments.services import free_time
from app.migrate import upgrade
from app.ops import grow
from app.ops.demo import DEMO_PASSWORD
from app.platform import taxonomy
from models import Instrument, Organization, OrgKind, User
from models.common import utcnow


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _summary(runs: list[list[float]]) -> dict:
    return {
        "p50_ms": _ms(statistics.median(_percentile(r, 0.5) for r in runs)),
        "p95_ms": _ms(statistics.median(_percentile(r, 0.95) for r in runs)),
        "requests": sum(map(len, runs)),
    }


def _reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def measure(url: str, folder: Path, listings: int, runs: int, samples: int, seed: int = 7) -> dict:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            "SEARCH_PATH": str(folder / "search.sqlite3"),
            "VECTOR_DIR": str(folder / "vectors"),
            "RATELIMIT_ENABLED": False,
        }
    )
    engine = app.extensions["db_engine"]
    result: dict = {"database": engine.dialect.name, "listings": listings}
    started = time.perf_counter()
    with app.app_context(), Session(engine) as session:
        counts = grow.grow(
            session=session,
            listings=listings,
            seed=seed,
            ttl_days=app.config["LISTING_TTL_DAYS"],
            industries=taxonomy.industries(),
        )
        result["grow_s"] = round(time.perf_counter() - started, 1)
        result["instruments"], result["bookings"] = counts["instruments"], counts["bookings"]
        booker = session.exec(
            select(User)
            .join(Organization, col(Organization.id) == User.org_id)
            .where(col(Organization.kind) == OrgKind.enterprise)
            .order_by(col(User.id))
        ).first()
        assert booker is not None and booker.org_id is not None  # grow makes enterprises with users
        ids = list(
            session.exec(
                select(Instrument.id)
                .where(col(Instrument.org_id) != booker.org_id)
                .order_by(col(Instrument.id))
            ).all()
        )
        email = booker.email
    rng = random.Random(seed)
    client = app.test_client()
    answer = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}).json
    assert answer is not None, "no token for the grown booker"
    headers = {"Authorization": f"Bearer {answer['token']}"}
    today = utcnow().astimezone(rules.LOCAL).date()
    # Grown bookings reach 35 days ahead: from day 42 on every weekday 09:00-11:00 is free.
    days = [today + timedelta(days=d) for d in range(42, 400) if (today + timedelta(days=d)).weekday() < 5]
    booking_runs, availability_runs, free_runs = [], [], []
    for run in range(runs):
        chosen = rng.sample(ids, min(samples, len(ids)))
        day = days[run]
        timings = []
        for instrument_id in chosen:
            start = datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=rules.LOCAL)
            body = {
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "work": "按 GB/T 3075 进行轴向疲劳试验，样品 2 件。",
                "samples": 2,
            }
            began = time.perf_counter()
            response = client.post(
                f"/api/v1/instruments/{instrument_id}/bookings", json=body, headers=headers
            )
            timings.append(time.perf_counter() - began)
            assert response.status_code == 201, (response.status_code, response.json)
        booking_runs.append(timings)
        timings = []
        window = f"from={today.isoformat()}&to={(today + timedelta(days=13)).isoformat()}"
        for instrument_id in rng.sample(ids, min(samples, len(ids))):
            began = time.perf_counter()
            response = client.get(f"/api/v1/instruments/{instrument_id}/availability?{window}")
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        availability_runs.append(timings)
        timings = []
        for _ in range(5):
            began = time.perf_counter()
            response = client.get("/instruments?free=next_week")
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        free_runs.append(timings)
    result["booking_post"] = _summary(booking_runs)
    result["availability_14_days"] = _summary(availability_runs)
    result["free_next_week_page"] = _summary(free_runs)
    refreshes = []
    for _ in range(runs):
        with app.app_context(), Session(engine) as session:
            began = time.perf_counter()
            free_time.refresh_all(session)
            refreshes.append(time.perf_counter() - began)
    result["refresh_all_s"] = round(statistics.median(refreshes), 2)
    result["runs"] = runs
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.bench_instruments", description=__doc__)
    parser.add_argument(
        "--listings", type=int, default=100_000, help="listings grown; a tenth are instruments"
    )
    parser.add_argument("--runs", type=int, default=3, help="repetitions; medians are reported")
    parser.add_argument("--samples", type=int, default=50, help="requests of each kind per run")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database to use instead of a temporary SQLite file"
    )
    parser.add_argument("--reset", action="store_true", help="empty --database-url first (all its tables)")
    args = parser.parse_args(argv)
    if args.database_url and not args.reset:
        parser.error("--database-url needs --reset: the benchmark empties that database")
    logging.disable(logging.INFO)  # one request log line per timed request would drown the answer
    try:
        with tempfile.TemporaryDirectory(prefix="mic-bench-instruments-") as tmp:
            folder = Path(tmp)
            url = args.database_url or f"sqlite:///{folder / 'mic.sqlite3'}"
            if args.database_url:
                _reset(url)
            figures = measure(url, folder, args.listings, args.runs, args.samples)
    finally:
        logging.disable(logging.NOTSET)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
