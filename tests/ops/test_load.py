"""`make load`'s pieces, fast: the plan read from a grown market, the locustfile's users driving a served app
through real Locust, the report made from Locust's own statistics, and the freshness probe."""

import json
import subprocess
import sys

import pytest
from sqlmodel import Session

from app.config import ROOT
from app.market.services import indexes
from app.ops import demo, grow, index_worker
from app.ops.load import report
from app.ops.load.freshness import Api, probe
from app.ops.load.plan import build_plan
from app.platform import regions, taxonomy
from tests.conftest import BACKENDS
from tests.utils.processes import app_env
from tests.utils.serving import serving

ON_BOTH_DATABASES = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
# Endpoints every run has: each user logs in once, by form or for a token, before anything else.
LOGINS = {"POST /auth/login", "POST /api/v1/auth/token"}


@pytest.fixture
def search_config():
    return {"SEARCH_BACKEND": "fts5"}


@pytest.fixture
def plan(app):
    """The demo plus 300 grown listings, and the plan a run would read from it (the plan reads the database)."""
    with app.app_context(), Session(app.extensions["db_engine"]) as session:
        demo.load_demo(session=session, ttl_days=180)
        grow.grow(session=session, listings=300, seed=1, ttl_days=180, industries=taxonomy.industries())
        return build_plan(
            session=session,
            industries=taxonomy.industries(),
            regions=sorted(regions.regions()),
            listings_per_kind=40,
            accounts=20,
        )


@pytest.fixture
def market(app, plan):
    """`plan`'s marketplace indexed, as a run meets it: the index fit is the costly part, so only the tests
    that search or match pay for it."""
    with app.app_context():
        indexes.rebuild(app)
    return plan


@pytest.fixture
def served(app, market):
    """The app on a real socket, with its outbox worker in a thread, as the load generator meets it."""
    stop = index_worker.start_background_worker(app, poll_interval=0.1)
    try:
        with serving(app) as base:
            yield base
    finally:
        stop.set()


@ON_BOTH_DATABASES
def test_the_plan_holds_live_listings_search_words_and_accounts_of_each_role(plan):
    assert all(plan["listings"][kind] for kind in ("need", "achievement", "service"))
    assert plan["instruments"]
    assert plan["queries"] and all(isinstance(word, str) for word in plan["queries"])
    firm = plan["dealers"][0]
    assert firm["email"].startswith("grow-1-") and firm["contracts"]
    assert plan["enterprises"] and plan["providers"]
    assert {d["email"] for d in plan["dealers"]}.isdisjoint({p["email"] for p in plan["providers"]})


@ON_BOTH_DATABASES
def test_locust_drives_every_kind_of_user_without_errors_and_the_report_reads_its_statistics(
    served, market, tmp_path
):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(market, ensure_ascii=False), encoding="utf-8")
    prefix = tmp_path / "locust"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "app" / "ops" / "load" / "locustfile.py"),
            "--headless",
            "-u",
            "8",
            "-r",
            "8",
            "-t",
            "6s",
            "-H",
            served,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
        ],
        # Its own environment: the load generator reads only these, and nothing the shell exports.
        env=app_env(LOAD_PLAN=str(plan), LOAD_THINK_SECONDS="0.02,0.1"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    endpoints, total = report.read_stats(prefix.with_name("locust_stats.csv"))
    names = {row.name for row in endpoints}
    failures = prefix.with_name("locust_failures.csv").read_text(encoding="utf-8")
    assert result.returncode == 0 and total.errors == 0, failures + result.stdout[-3000:]
    assert LOGINS <= names
    assert {"GET /", "GET /search", "GET /api/v1/search"} <= names
    # The booker's endpoints (each of its tasks but a cancellation without a request sends one).
    assert names & {
        "GET /instruments?free=next_week",
        "GET /api/v1/instruments/[id]/availability",
        "POST /api/v1/instruments/[id]/bookings",
    }
    assert any(name.startswith("POST /api/v1/") and name not in LOGINS for name in names)
    assert total.requests == sum(row.requests for row in endpoints) > 50

    lines = report.table(endpoints, total).splitlines()
    assert lines[0].split()[:4] == ["endpoint", "requests", "errors", "p50"]
    assert lines[-1].startswith("Aggregated")
    summary = json.loads(report.summary_line(total, users=8, seconds=6))
    assert list(summary) == ["users", "seconds", "requests", "rps", "errors", "p50_ms", "p95_ms", "p99_ms"]
    assert summary["requests"] == total.requests and summary["errors"] == 0
    assert 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]


def test_the_report_marks_reads_over_150_ms_and_any_errors_as_missing_the_target():
    fast = report.EndpointStats("GET /needs", 100, 0, 10.0, 20, 140, 300)
    slow = report.EndpointStats("GET /search", 100, 0, 10.0, 40, 160, 400)
    slow_write = report.EndpointStats("POST /api/v1/needs", 10, 0, 1.0, 90, 400, 500)
    failing = report.EndpointStats("GET /", 100, 1, 10.0, 5, 10, 20)
    assert [r.meets_target for r in (fast, slow, slow_write, failing)] == [True, False, True, False]
    assert report.verdict([fast, slow_write]).startswith("targets met")
    assert report.verdict([fast, slow, failing]) == "targets missed by: GET /search, GET /"


@ON_BOTH_DATABASES
def test_a_listing_posted_while_serving_is_found_by_search_and_by_the_need_it_fits(served, market):
    api = Api(served)
    api.login(market["providers"][-1]["email"], market["password"])
    result = probe(api, need_id=market["listings"]["need"][0], wait=20.0)
    assert result.search_s is not None and result.recommendations_s is not None, result.describe()
    assert "found by search in" in result.describe()
    with pytest.raises(Exception, match="404"):
        api.call("GET", f"/achievements/{result.listing_id}")  # the probe cleans up after itself
