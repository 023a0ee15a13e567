"""Fixtures of the fault tests: real processes, each stopped in a finally whatever the test did.

The faults of issue 12 and where each is tested:

1. a gunicorn worker killed mid-request: test_worker_kill.py
2. PostgreSQL restarted during load: test_postgres_restart.py (a private server, never the shared one)
3. the index worker killed and restarted: tests/indexing/test_sync.py::test_sigkill_mid_drain_then_restart_converges;
   two index workers on one VECTOR_DIR: test_index_workers.py
4. Meilisearch stopped and started: tests/indexing/test_meili_outage.py
5. the disk under VECTOR_DIR and UPLOAD_DIR full: test_disk_full.py
6. two app hosts over one database converge: test_two_hosts.py
"""

import os

import pytest

from tests.utils.processes import PostgresServer, postgres_missing


@pytest.fixture
def processes():
    """Start processes through `processes(thing)`; every one is stopped when the test ends, newest first."""
    started = []

    def start(thing, *args, **kwargs):
        started.append(thing)
        return thing.start(*args, **kwargs)

    yield start
    for thing in reversed(started):
        thing.stop()


@pytest.fixture
def private_postgres():
    """A PostgreSQL server of this test alone, on a free port, which the test may stop and start."""
    reason = postgres_missing()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"a private PostgreSQL server is required (REQUIRE_SERVICES=1): {reason}")
        pytest.skip(reason)
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()
