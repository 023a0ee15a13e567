"""PostgreSQL restarted under load (a private server, never the shared one): requests in flight fail with a clean
503, the same gunicorn workers reconnect by themselves, and every acknowledged write is still there."""

import threading
import time

import pytest
import requests

from app.db import make_engine
from app.migrate import upgrade
from tests.faults.writes import WriteLoad, assert_nothing_lost_or_half_written
from tests.utils.factories import PASSWORD, create_user, verify_org
from tests.utils.processes import AppServer, app_env
from tests.utils.waiting import wait_for
from tests.utils.web import bearer

# How long the server stays down: long enough for requests to arrive while nothing listens.
DOWN_SECONDS = 1.5


@pytest.fixture
def database_url(private_postgres):
    engine = make_engine(private_postgres.url)
    upgrade(engine)
    engine.dispose()
    return private_postgres.url


class Reader:
    """A visitor reloading the home page and the API's list of needs; keeps every answer that is not a 200."""

    def __init__(self, url: str):
        self.url, self.failures, self.served = url, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        http = requests.Session()
        while not self._stop.is_set():
            for path in ("/", "/api/v1/needs"):
                response = http.get(self.url + path, timeout=30)
                if response.status_code == 200:
                    self.served += 1
                else:
                    self.failures.append(
                        (path, response.status_code, response.headers.get("Content-Type"), response.text)
                    )

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=60)
        return self.failures


def test_postgres_restart_under_load(app, session, client, private_postgres, tmp_path, processes):
    poster, responder = create_user(session, "enterprise"), create_user(session, "center")
    for user in (poster, responder):
        verify_org(session, user)
    env = app_env(
        DATABASE_URL=private_postgres.url,
        INSTANCE_PATH=str(tmp_path / "instance"),
        SEARCH_PATH=str(tmp_path / "search.sqlite3"),
        VECTOR_DIR=str(tmp_path / "vectors"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    server = processes(AppServer(env, tmp_path / "gunicorn.log", workers=2))
    workers = server.worker_pids()
    load = WriteLoad(
        server.url,
        bearer(client, poster.email, PASSWORD),
        bearer(client, responder.email, PASSWORD),
        threads=3,
    ).start()
    reader = Reader(server.url).start()
    try:
        wait_for(lambda: load.ledger.acknowledged() >= 20, timeout=60, what="writes before the restart")
        private_postgres.down()
        # The outage itself, not a wait for something: requests must meet a database that stays away this long.
        time.sleep(DOWN_SECONDS)
        private_postgres.up()
        restarted = load.ledger.acknowledged()
        wait_for(
            lambda: load.ledger.acknowledged() >= restarted + 20, timeout=60, what="writes after the restart"
        )
        served = reader.served
        wait_for(lambda: reader.served >= served + 4, timeout=30, what="reads after the restart")
    finally:
        ledger, read_failures = load.stop(), reader.stop()
    # The same processes serve again: their pools replaced the dead connections without a restart.
    assert server.worker_pids() == workers
    assert ledger.failures and read_failures, "no request met the restart"
    for _step, what in ledger.failures:
        assert what.startswith("503 application/json") and '"code":"unavailable"' in what.replace(" ", ""), (
            what
        )
    for path, status, content_type, body in read_failures:
        assert status == 503, (path, status, body[:300])
        assert ("text/html" if path == "/" else "application/json") in content_type
        assert "Traceback" not in body and "psycopg" not in body and "sqlalchemy" not in body
    assert "服务暂时不可用" in next(body for path, *_rest, body in read_failures if path == "/")
    assert_nothing_lost_or_half_written(app.extensions["db_engine"], ledger)
