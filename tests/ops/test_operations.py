"""Operations: security headers, request logging, /healthz, stored sync failures and outbox pruning."""

import io
import json
import re
import urllib.request

import pytest
from sqlalchemy import text
from sqlmodel import select

from app.db import make_engine
from app.market.services import indexes
from app.web import logs
from indexing.sync import OutboxWorker, Sink, prune_applied, record_change
from models import OutboxEvent, SyncCursor
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need
from tests.utils.serving import serving
from tests.utils.web import bearer, concurrently

PAGES = [
    "/",
    "/needs",
    "/search?q=焊接",
    "/auth/login",
    "/auth/register",
    "/auth/claim",
    "/no-such-page",
    "/api/v1/needs",
    "/api/v1/openapi.json",
    "/static/css/app.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: a browser would ignore it anyway


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://mic.example.cn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/", "/needs", "/auth/login", "/auth/register", "/auth/claim"])
def test_pages_have_no_inline_script_or_style_the_policy_would_block(client, enterprise, auth, path):
    auth.login(enterprise.email)
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and not re.search(r"\sstyle=", html) and not re.search(r"\son[a-z]+=", html)


def test_the_server_header_names_no_software(app):
    with serving(app) as base, urllib.request.urlopen(f"{base}/auth/login") as response:
        servers = response.headers.get_all("Server")
    assert servers == ["mic-exchange"]


@pytest.fixture
def log_stream(app):
    handler = logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def test_one_text_line_per_request_with_request_id_status_duration_and_user(client, enterprise, log_stream):
    headers = bearer(client, enterprise.email, PASSWORD)
    response = client.get("/api/v1/needs?mine=1", headers={**headers, "X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    line = [entry for entry in log_stream.getvalue().splitlines() if "req-42" in entry]
    assert len(line) == 1
    assert re.search(rf"GET /api/v1/needs 200 [\d.]+ms user={enterprise.id} id=req-42", line[0])


def test_json_lines_when_configured(app, client, log_stream):
    logs.configure("json", "INFO")
    client.get("/no-such-page", headers={"X-Request-ID": "bad id with spaces"})
    entry = json.loads(log_stream.getvalue().strip().splitlines()[-1])
    assert entry["method"] == "GET" and entry["path"] == "/no-such-page" and entry["status"] == 404
    assert entry["user_id"] is None and isinstance(entry["duration_ms"], float)
    assert re.fullmatch(r"[0-9a-f]{32}", entry["request_id"])  # a hostile id is replaced, not logged


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_healthz_reports_each_part(app, client, session, enterprise):
    create_need(session, enterprise)
    before = client.get("/healthz")
    assert before.status_code == 503
    assert before.json["checks"] == {
        "database": "ok",
        "search": "ok",
        "vectors": "not built",
        "embeddings": "not configured",
    }
    indexes.rebuild(app)
    after = client.get("/healthz")
    assert after.status_code == 200 and after.json == {
        "status": "ok",
        "checks": {"database": "ok", "search": "ok", "vectors": "ok", "embeddings": "not configured"},
    }


def test_healthz_is_503_when_the_database_is_gone(app, client):
    app.extensions["db_engine"].dispose()
    app.extensions["db_engine"] = make_engine("sqlite:////nonexistent/dir/mic.sqlite3")
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["checks"]["database"] == "error"


class BrokenSink(Sink):
    name = "search"

    def apply(self, upserts, deletes):
        raise ConnectionError("search is down")

    def reset(self):
        pass


def _load(session, keys):
    return {key: {"id": f"{key[0]}-{key[1]}"} for key in keys}


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_index_status_shows_failures_recorded_by_the_worker_process(app, runner, session):
    record_change(session, "need", 1)
    session.commit()
    engine = app.extensions["db_engine"]
    # The worker process records its failure; `index status` runs in another process with its own worker.
    OutboxWorker(engine, app.config["INDEX_CONSUMER"], _load, [BrokenSink()]).drain_once()
    output = runner.invoke(args=["index", "status"]).output
    assert "failures=1" in output and "search is down" in output
    session.expire_all()
    row = session.get(SyncCursor, f"{app.config['INDEX_CONSUMER']}:search")
    assert row.failures == 1 and "ConnectionError" in row.last_error


def test_a_success_clears_the_stored_failure(app, session):
    engine = app.extensions["db_engine"]
    record_change(session, "need", 1)
    session.commit()
    OutboxWorker(engine, "w", _load, [BrokenSink()]).drain_once()

    class GoodSink(BrokenSink):
        def apply(self, upserts, deletes):
            pass

    worker = OutboxWorker(engine, "w", _load, [GoodSink()])
    worker.drain_once()
    assert worker.status()["w:search"]["failures"] == 0 and worker.status()["w:search"]["last_error"] is None


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_prune_deletes_applied_events_but_keeps_the_newest(app, runner, session):
    for entity_id in range(1, 6):
        record_change(session, "need", entity_id)
    session.commit()
    ids = session.exec(select(OutboxEvent.id).order_by(OutboxEvent.id)).all()
    session.add(SyncCursor(consumer="a:search", last_event_id=ids[-1]))
    session.add(SyncCursor(consumer="b:search", last_event_id=ids[2]))
    session.commit()
    result = runner.invoke(args=["index", "prune"])
    assert result.exit_code == 0 and "pruned 3 outbox rows" in result.output and "b:search" in result.output
    # Everything applied: only the newest row stays, so the next event cannot reuse an applied id.
    session.exec(text("UPDATE sync_cursor SET last_event_id = :v"), params={"v": ids[-1]})
    session.commit()
    assert "pruned 1 outbox rows" in runner.invoke(args=["index", "prune"]).output
    session.expire_all()
    assert session.exec(select(OutboxEvent.id)).all() == [ids[-1]]
    new = record_change(session, "need", 9)
    session.commit()
    assert new.id > ids[-1]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_two_concurrent_prunes_delete_each_row_once_and_keep_the_newest(app, session):
    for entity_id in range(1, 9):
        record_change(session, "need", entity_id)
    session.commit()
    ids = session.exec(select(OutboxEvent.id).order_by(OutboxEvent.id)).all()
    session.add(SyncCursor(consumer="a:search", last_event_id=ids[-1]))
    session.commit()
    engine = app.extensions["db_engine"]
    results = concurrently(lambda: prune_applied(engine), lambda: prune_applied(engine))
    assert sum(count for count, _slowest in results) == len(ids) - 1
    session.expire_all()
    assert session.exec(select(OutboxEvent.id)).all() == [ids[-1]]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_two_concurrent_calls_with_one_token_both_work_and_note_its_use(app, client, session, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    responses = concurrently(*[lambda: app.test_client().get("/api/v1/auth/tokens", headers=headers)] * 2)
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json["items"][0]["last_used_at"] is not None
