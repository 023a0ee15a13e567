"""A gunicorn worker killed (SIGKILL) while requests are in flight: nothing acknowledged is lost, nothing is
half written, and the master's new worker carries on serving."""

import os
import signal

import pytest
import requests

from tests.faults.writes import WriteLoad, assert_nothing_lost_or_half_written
from tests.utils.factories import PASSWORD, create_user, verify_org
from tests.utils.processes import AppServer, app_env
from tests.utils.waiting import wait_for
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)
KILLS = 3


def test_killed_worker_loses_no_acknowledged_write(app, session, client, database_url, tmp_path, processes):
    poster, responder = create_user(session, "enterprise"), create_user(session, "center")
    for user in (poster, responder):
        verify_org(session, user)
    env = app_env(
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(tmp_path / "instance"),
        SEARCH_PATH=str(tmp_path / "search.sqlite3"),
        VECTOR_DIR=str(tmp_path / "vectors"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    server = processes(AppServer(env, tmp_path / "gunicorn.log", workers=2))
    load = WriteLoad(
        server.url,
        bearer(client, poster.email, PASSWORD),
        bearer(client, responder.email, PASSWORD),
        threads=4,
    ).start()
    killed = set()
    try:
        wait_for(lambda: load.ledger.acknowledged() >= 20, timeout=60, what="writes before the first kill")
        for _round in range(KILLS):
            victim = sorted(server.worker_pids())[0]
            os.kill(victim, signal.SIGKILL)
            killed.add(victim)
            # The master notices the death and forks a replacement; the other worker serves meanwhile.
            wait_for(lambda: len(server.worker_pids() - killed) == 2, timeout=30, what="a replacement worker")
            before = load.ledger.acknowledged()
            wait_for(
                lambda b=before: load.ledger.acknowledged() >= b + 10, timeout=30, what="writes after a kill"
            )
    finally:
        ledger = load.stop()
    assert server.proc.poll() is None, "the gunicorn master died"
    # Clients only ever saw a success or a dropped connection, never a 5xx of a half-done write.
    assert ledger.failures, "no request was in flight when a worker was killed"
    assert all(what.startswith("dropped") for _step, what in ledger.failures), ledger.failures
    assert len(ledger.failures) <= 2 * KILLS * 4
    assert_nothing_lost_or_half_written(app.extensions["db_engine"], ledger)
    assert requests.get(server.url + "/needs", timeout=10).status_code == 200
