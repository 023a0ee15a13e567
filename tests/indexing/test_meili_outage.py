"""Meilisearch goes down while listings are edited; once it is back, every edit arrives."""

import os
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from indexing.meili import MeiliBackend
from indexing.sync import OutboxWorker, SearchSink
from tests.indexing.listings import load_documents, make_engine, published_documents, remove, save
from tests.indexing.test_sync import MemorySink
from tests.utils.waiting import wait_for

pytestmark = pytest.mark.meili
SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "meilisearch.sh"


def read_env(path):
    return dict(line.split("=", 1) for line in path.read_text().split())


def healthy(url) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def private_meili(meili_env, tmp_path):
    """A Meilisearch of our own (the shared one must stay up), started and stopped by the CI script."""
    envfile = tmp_path / "meili.env"
    subprocess.run([str(SCRIPT), "start", str(envfile)], check=True, timeout=120)
    try:
        yield envfile
    finally:
        subprocess.run([str(SCRIPT), "stop", str(envfile)], check=False, timeout=30)


def test_edits_made_while_meilisearch_is_down_arrive_after_restart(private_meili, tmp_path):
    env = read_env(private_meili)
    engine = make_engine(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    meili = MeiliBackend(url=env["MEILI_URL"], key=env["MEILI_KEY"], index_prefix="outage_", timeout=2)
    vectors = MemorySink("vectors")
    worker = OutboxWorker(
        engine, "outage", load_documents, [SearchSink(meili), vectors], backoff_base=0.05, backoff_max=0.5
    )
    ids = [save(engine, title=f"需求{i}", region="武汉") for i in range(20)]
    worker.drain_once()
    assert meili.count() == 20

    os.kill(int(env["MEILI_PID"]), signal.SIGTERM)
    wait_for(lambda: not Path(f"/proc/{env['MEILI_PID']}").exists(), timeout=10, what="Meilisearch stopped")
    for i in ids[:5]:
        save(engine, i, title=f"停机期间修改{i}")
    for i in ids[5:8]:
        remove(engine, i)
    for i in ids[8:10]:
        save(engine, i, published=False)
    added = [save(engine, title=f"停机期间新增{i}") for i in range(4)]
    worker.drain_once()
    status = worker.status()
    assert status["outage:vectors"]["lag"] == 0
    assert status["outage:search"]["lag"] == 5 + 3 + 2 + 4
    assert "unreachable" in status["outage:search"]["last_error"]

    binary = subprocess.run(
        [str(SCRIPT), "install"], check=True, capture_output=True, text=True
    ).stdout.strip()
    db = env["MEILI_DB"]
    server = subprocess.Popen(
        [
            binary,
            "--db-path",
            f"{db}/data.ms",
            "--dump-dir",
            f"{db}/dumps",
            "--snapshot-dir",
            f"{db}/snapshots",
            "--http-addr",
            env["MEILI_URL"].removeprefix("http://"),
            "--no-analytics",
            "--master-key",
            env["MEILI_KEY"],
            "--env",
            "development",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Let the script's stop find and kill the restarted server.
    private_meili.write_text(
        private_meili.read_text().replace(f"MEILI_PID={env['MEILI_PID']}", f"MEILI_PID={server.pid}")
    )
    wait_for(lambda: healthy(env["MEILI_URL"]), timeout=15, what="Meilisearch back")

    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.02))
    thread.start()
    try:
        wait_for(
            lambda: not worker.status()["outage:search"]["lag"], timeout=30, what="the search sink drained"
        )
    finally:
        stop.set()
        thread.join(10)
    expected = published_documents(engine)
    held = {d.id: d.title for d in meili.index.get_documents({"limit": 1000}).results}
    assert held == {doc_id: doc["title"] for doc_id, doc in expected.items()}
    assert {f"need-{i}" for i in added} <= held.keys()
    assert vectors.docs == expected
