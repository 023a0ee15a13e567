"""The outbox worker: every sink converges to the database's published listings, whatever happens."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from indexing import SearchQuery
from indexing.fts5 import FTS5Backend
from indexing.sync import OutboxWorker, SearchSink, Sink, record_change
from models.outbox import OutboxEvent
from tests.indexing.conftest import require_services
from tests.indexing.listings import load_documents, make_engine, published_documents, remove, save
from tests.utils.processes import app_env
from tests.utils.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


class MemorySink(Sink):
    """Holds documents in a dict; can be told to fail, and counts what it was asked to do."""

    def __init__(self, name):
        self.name = name
        self.docs = {}
        self.failing = False
        self.calls = 0

    def apply(self, upserts, deletes):
        if self.failing:
            raise ConnectionError(f"{self.name} is down")
        self.calls += 1
        for doc_id in deletes:
            self.docs.pop(doc_id, None)
        for doc in upserts:
            self.docs[doc["id"]] = doc

    def reset(self):
        self.docs.clear()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    """The outbox database: a SQLite file, and PostgreSQL (a private schema) when DATABASE_URL_TEST is set."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("DATABASE_URL_TEST")
    if not url:
        if require_services():
            pytest.fail("DATABASE_URL_TEST is not set (REQUIRE_SERVICES=1)")
        pytest.skip("DATABASE_URL_TEST is not set: no PostgreSQL")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    from sqlalchemy import create_engine

    schema = f"sync_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    from tests.indexing import listings

    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    OutboxEvent.metadata.create_all(engine, tables=[OutboxEvent.__table__, listings.SyncCursor.__table__])
    listings.metadata.create_all(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sinks():
    return [MemorySink("search"), MemorySink("vectors")]


@pytest.fixture
def worker(engine, sinks):
    return OutboxWorker(engine, "test", load_documents, sinks, backoff_base=0.01, backoff_max=0.05)


def drain(worker):
    while worker.drain_once(batch_size=7):
        pass


def test_drains_changes_into_every_sink(engine, worker, sinks):
    a = save(engine, title="激光焊接工艺", region="武汉")
    save(engine, title="电池检测", region="上海")
    save(engine, title="草稿需求", published=False)
    drain(worker)
    expected = published_documents(engine)
    assert len(expected) == 2
    for sink in sinks:
        assert sink.docs == expected
    assert sinks[0].docs[f"need-{a}"]["title"] == "激光焊接工艺"
    assert all(s["lag"] == 0 and s["cursor"] == 3 for s in worker.status().values())


def test_record_change_refuses_unknown_values(engine):
    with Session(engine) as session, pytest.raises(ValueError):
        record_change(session, "person", 1)
    with Session(engine) as session, pytest.raises(ValueError):
        record_change(session, "need", 1, "rename")


def test_rollback_leaves_no_event(engine, worker, sinks):
    with Session(engine) as session:
        record_change(session, "need", 1)
        session.rollback()
    assert worker.drain_once() == 0
    assert worker.status()["test:search"]["last_event_id"] == 0


def test_duplicate_events_collapse_to_the_latest_state(engine, worker, sinks):
    listing_id = save(engine, title="v0")
    for i in range(1, 10):
        save(engine, listing_id, title=f"v{i}")
    assert worker.drain_once(batch_size=100) == 10
    assert sinks[0].calls == 1
    assert sinks[0].docs[f"need-{listing_id}"]["title"] == "v9"


def test_replay_is_idempotent(engine, worker, sinks):
    for i in range(5):
        save(engine, title=f"需求{i}")
    drain(worker)
    before = {s.name: dict(s.docs) for s in sinks}
    for sink in sinks:
        worker._set_cursor(sink.name, 0, forward_only=False)
    drain(worker)
    assert {s.name: s.docs for s in sinks} == before


def test_deletes_and_unpublishing_propagate(engine, worker, sinks):
    kept = save(engine, title="保留")
    deleted = save(engine, title="删除")
    hidden = save(engine, title="下架")
    drain(worker)
    remove(engine, deleted)
    save(engine, hidden, published=False)
    drain(worker)
    for sink in sinks:
        assert set(sink.docs) == {f"need-{kept}"}


def test_failing_sink_retries_and_loses_nothing_while_the_other_advances(engine, worker, sinks):
    search, vectors = sinks
    save(engine, title="第一条")
    search.failing = True
    drain(worker)
    status = worker.status()
    assert status["test:vectors"]["lag"] == 0 and len(vectors.docs) == 1
    assert status["test:search"]["lag"] == 1 and status["test:search"]["cursor"] == 0
    assert "search is down" in status["test:search"]["last_error"]
    second = save(engine, title="第二条")
    remove(engine, second)
    save(engine, title="第三条")
    drain(worker)
    assert worker.status()["test:search"]["lag"] == 4 and search.docs == {}
    search.failing = False
    drain(worker)
    expected = published_documents(engine)
    assert search.docs == vectors.docs == expected
    assert worker.status()["test:search"] == {**worker.status()["test:search"], "lag": 0, "last_error": None}


def test_run_backs_off_and_recovers(engine, worker, sinks):
    search, vectors = sinks
    search.failing = True
    for i in range(30):
        save(engine, title=f"需求{i}")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.01, 10))
    thread.start()
    try:
        status = worker.status
        wait_for(
            lambda: status()["test:search"]["failures"] >= 3, timeout=10, interval=0.01, what="3 failures"
        )
        # The healthy sink drains everything while the failing one backs off.
        wait_for(
            lambda: not status()["test:vectors"]["lag"], timeout=10, interval=0.01, what="vectors drained"
        )
        assert worker.status()["test:search"]["lag"] > 0
        search.failing = False
        wait_for(lambda: not status()["test:search"]["lag"], timeout=10, interval=0.01, what="search drained")
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert search.docs == vectors.docs == published_documents(engine)


def add_event(engine, event_id, entity_id):
    """An outbox row with a chosen id, to make holes like PostgreSQL's out-of-order commits."""
    with Session(engine) as session:
        session.add(OutboxEvent(id=event_id, entity_type="need", entity_id=entity_id, op="upsert"))
        session.commit()


def test_cursor_waits_at_a_hole_then_moves_on(engine, sinks):
    ids = [save(engine, title=f"需求{i}") for i in range(5)]
    with Session(engine) as session:
        session.execute(text("DELETE FROM outbox_event WHERE id IN (3, 5)"))
        session.commit()
    worker = OutboxWorker(engine, "gap", load_documents, sinks, gap_timeout=60)
    worker.drain_once()
    # Event 4 is applied at once, but the cursor stays before the hole: event 3 may still commit.
    assert worker.status()["gap:search"]["cursor"] == 2
    assert f"need-{ids[3]}" in sinks[0].docs and f"need-{ids[2]}" not in sinks[0].docs
    calls = sinks[0].calls
    worker.drain_once()
    assert sinks[0].calls == calls, "events past a hole are not re-applied on every poll"
    add_event(engine, 3, ids[2])
    worker.drain_once()
    assert worker.status()["gap:search"]["cursor"] == 4
    assert f"need-{ids[2]}" in sinks[0].docs
    worker.gap_timeout = 0
    add_event(engine, 6, ids[4])
    worker.drain_once()
    assert worker.status()["gap:search"]["cursor"] == 6


def test_rebuild_replaces_everything_and_sets_the_cursor(engine, worker, sinks, tmp_path):
    for i in range(12):
        save(engine, title=f"需求{i}", published=i % 3 != 0)
    sinks[0].docs["need-999"] = {"id": "need-999"}
    expected = published_documents(engine)
    loaded = worker.rebuild(expected.values(), sinks=["search"], batch_size=5)
    assert loaded == len(expected)
    assert sinks[0].docs == expected
    status = worker.status()
    assert status["test:search"]["lag"] == 0 and status["test:vectors"]["lag"] == 12


def test_search_sink_into_fts5(engine, tmp_path):
    backend = FTS5Backend(tmp_path / "search.sqlite3")
    worker = OutboxWorker(engine, "fts", load_documents, [SearchSink(backend)])
    save(engine, title="激光焊接工艺", body="公开描述", secret="绝密配方甲乙丙")
    drain(worker)
    assert backend.search(SearchQuery(text="激光焊接")).total == 1
    # Confidential details never leave the database.
    assert backend.search(SearchQuery(text="绝密配方")).total == 0


def test_sigkill_mid_drain_then_restart_converges(tmp_path):
    db = tmp_path / "app.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    rng = random.Random(4)
    ids = []
    for i in range(1000):
        if len(ids) < 300 or rng.random() < 0.4:
            ids.append(save(engine, title=f"需求{i}", body=f"第{i}次变更", published=rng.random() < 0.8))
        elif rng.random() < 0.15:
            remove(engine, ids.pop(rng.randrange(len(ids))))
        else:
            save(engine, rng.choice(ids), title=f"修改{i}", published=rng.random() < 0.8)
    paths = [tmp_path / "search.sqlite3", tmp_path / "vectors.sqlite3"]
    args = [sys.executable, "-m", "tests.indexing.worker_process", f"sqlite:///{db}", *map(str, paths)]
    # An environment of its own: nothing the shell exports reaches the worker.
    env = app_env()
    proc = subprocess.Popen(args, cwd=REPO, env=env)

    def halfway() -> int:
        assert proc.poll() is None, "the worker finished before it could be killed"
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT min(last_event_id) FROM sync_cursor WHERE consumer LIKE 'crash:%'"
            ).fetchone()
        cursor = row[0] or 0
        return cursor if 200 < cursor < 800 else 0

    try:
        cursor = wait_for(halfway, timeout=30, interval=0.005, what="the worker halfway through its drain")
        assert proc.poll() is None, "the worker finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert 0 < cursor < 1000
    subprocess.run(args, cwd=REPO, env=env, check=True, timeout=60)
    expected = published_documents(engine)
    for path in paths:
        with sqlite3.connect(path) as conn:
            held = {row[0]: row[1] for row in conn.execute("SELECT id, title FROM search_doc")}
        assert held == {doc_id: doc["title"] for doc_id, doc in expected.items()}
