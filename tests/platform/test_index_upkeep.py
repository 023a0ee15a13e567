"""Index upkeep of one host: the vector index, its outbox sink, the background worker and `flask index ...`."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from app.market.services import indexes
from app.market.services.index_documents import all_documents, listing_from_document
from app.ops import index_worker
from indexing import SearchQuery
from indexing.fts5 import FTS5Backend
from matching import MatcherConfig
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, in_app
from tests.utils.processes import app_env
from tests.utils.waiting import wait_for

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def search_config():
    """The embedded FTS5 index, whatever the shell says: the worker command's files are read directly."""
    return {"SEARCH_BACKEND": "fts5"}


def documents(app):
    with Session(app.extensions["db_engine"]) as session:
        return all_documents(session)


def found(app, words: str) -> list[str]:
    """Titles the app's search backend returns for these words."""
    return [hit["title"] for hit in indexes.search_backend(app).search(SearchQuery(text=words)).hits]


@pytest.fixture
def weld(session, enterprise, university):
    """A published welding need and a matching achievement, not yet indexed anywhere."""
    return {"need": create_need(session, enterprise), "achievement": create_achievement(session, university)}


def test_vector_index_is_empty_until_rebuilt_then_persists(app, weld):
    with app.app_context():
        index = indexes.VectorIndex(MatcherConfig(), app.config["VECTOR_DIR"])
        assert index.matcher() is None
        assert index.apply(documents(app), []) is False
        index.rebuild(documents(app))
        assert index.matcher().counts() == {
            "need": 1,
            "achievement": 1,
            "service": 0,
            "instrument": 0,
            "financing": 0,
            "finance_product": 0,
            "center": 0,
        }
        # Another reader of the same directory loads the generation this writer saved.
        other = indexes.VectorIndex(MatcherConfig(), app.config["VECTOR_DIR"])
        assert other.load_newest() is not None
        assert other.matcher().counts() == {
            "need": 1,
            "achievement": 1,
            "service": 0,
            "instrument": 0,
            "financing": 0,
            "finance_product": 0,
            "center": 0,
        }


def test_vector_index_applies_changes_in_place(app, weld):
    with app.app_context():
        index = indexes.VectorIndex(MatcherConfig(), app.config["VECTOR_DIR"])
        index.rebuild(documents(app))
        achievement = listing_from_document(
            next(doc for doc in documents(app) if doc["type"] == "achievement")
        )
        assert [r.target_id for r in index.matcher().recommend(achievement, "needs", k=5)] == [
            weld["need"].id
        ]
        assert index.apply([], [f"need-{weld['need'].id}"]) is True
        assert index.matcher().recommend(achievement, "needs", k=5) == []
        index.persist(0)
        other = indexes.VectorIndex(MatcherConfig(), app.config["VECTOR_DIR"])
        assert other.load_newest() is not None and other.matcher().counts()["need"] == 0


def test_vector_sink_builds_from_the_database_when_nothing_is_fitted(app, weld):
    sink = indexes.VectorSink(app)
    with app.app_context():
        sink.apply([], [f"service-{10**6}"])
        assert indexes.vector_index(app).matcher().counts() == {
            "need": 1,
            "achievement": 1,
            "service": 0,
            "instrument": 0,
            "financing": 0,
            "finance_product": 0,
            "center": 0,
        }


def test_vector_sink_rebuild_collects_every_document_before_fitting(app, weld):
    sink = indexes.VectorSink(app)
    docs = documents(app)
    with app.app_context():
        sink.reset()
        for doc in docs:
            sink.apply([doc], [])
        assert indexes.vector_index(app).matcher() is None
        sink.finish_rebuild(0)
        assert indexes.vector_index(app).matcher().counts()["achievement"] == 1


def test_background_worker_indexes_new_listings(app, session, enterprise):
    stop = index_worker.start_background_worker(app, poll_interval=0.05)
    try:
        create_need(session, enterprise, title="伺服电机振动抑制")
        assert wait_for(lambda: found(app, "伺服电机")) == ["伺服电机振动抑制"]
    finally:
        stop.set()


def test_background_worker_survives_a_failing_event_and_loses_nothing(
    app, session, enterprise, caplog, monkeypatch
):
    backend = indexes.search_backend(app)
    upsert, failed = backend.upsert, []

    def fails_once_on_the_poisoned_listing(docs):
        if any(doc["title"] == "涂层附着力检测" for doc in docs) and not failed:
            failed.append(True)
            raise RuntimeError("search service hiccup")
        upsert(docs)

    monkeypatch.setattr(backend, "upsert", fails_once_on_the_poisoned_listing)
    stop = index_worker.start_background_worker(app, poll_interval=0.05)
    try:
        create_need(session, enterprise, title="涂层附着力检测")
        wait_for(lambda: failed)
        create_need(session, enterprise, title="轴承寿命预测")
        assert wait_for(lambda: found(app, "轴承寿命")) == ["轴承寿命预测"]
        assert found(app, "涂层附着力") == ["涂层附着力检测"]
    finally:
        stop.set()
    assert "search service hiccup" in caplog.text


def test_index_rebuild_and_status_commands(app, runner, weld):
    before = runner.invoke(args=["index", "status"])
    assert before.exit_code == 0, before.output
    assert "vectors: not built" in before.output and "documents" in before.output
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 2 listings" in rebuilt.output
    assert found(app, "激光焊接")
    after = runner.invoke(args=["index", "status"])
    assert "search backend fts5: 2 documents" in after.output
    assert "need=1" in after.output and "achievement=1" in after.output
    assert "lag=0" in after.output


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def stop_signal(backend):
    """Ctrl-C, even when the worker was started in the background by a shell (which starts it with SIGINT
    ignored), and the service manager's SIGTERM both stop it after it saves what it holds. How it stops does not
    depend on the database, so each database meets one signal: both are covered at half the cost."""
    return signal.SIGINT if backend == "sqlite" else signal.SIGTERM


def test_index_worker_command_drains_until_interrupted(
    app, session, enterprise, database_url, tmp_path, stop_signal
):
    env = app_env(
        DATABASE_URL=database_url,
        SEARCH_PATH=app.config["SEARCH_PATH"],
        VECTOR_DIR=app.config["VECTOR_DIR"],
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "index", "worker", "--poll", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint,
    )
    try:
        create_need(session, enterprise, title="减速器齿轮磨损监测")
        with in_app(session):
            status = indexes.make_worker(app)[0].status
            # Both sinks (search and vectors) have applied the new listing's event.
            wait_for(
                lambda: all(state["lag"] == 0 and state["cursor"] for state in status().values()), timeout=60
            )
    finally:
        worker.send_signal(stop_signal)
        try:
            out, err = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()  # never leave it polling the test database for the tests after this one
            out, err = worker.communicate()
    assert worker.returncode == 0, err
    assert "index worker running" in out
    search = FTS5Backend(app.config["SEARCH_PATH"])
    assert search.search(SearchQuery(text="齿轮磨损")).total == 1
    search.close()
    with app.app_context():
        index = indexes.vector_index(app)
        index.load_newest()  # the generation the worker saved when it stopped
        assert index.matcher().counts()["need"] == 1
