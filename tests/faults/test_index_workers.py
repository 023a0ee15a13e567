"""Two `flask index worker` processes on one host (one VECTOR_DIR): the second waits and writes nothing; when
the first is killed it takes over, replays what the first applied but never saved, and the saved vectors hold
every published listing."""

import signal
from pathlib import Path

import pytest
from sqlmodel import select

from app.market.services import indexes
from matching import persistence
from models import Achievement, ListingStatus, Need
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user, in_app
from tests.utils.processes import IndexWorker, app_env
from tests.utils.waiting import wait_for

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
WELDS = ["铝合金激光焊接气孔抑制工艺", "激光-电弧复合焊接铝合金薄板", "焊缝气孔在线监测与激光功率调节"]


def drained(app, session) -> bool:
    """Whether this host's search and vector cursors have applied every outbox event."""
    with in_app(session):
        return all(state["lag"] == 0 for state in indexes.make_worker(app)[0].status().values())


def published(session, model) -> set[int]:
    return set(session.exec(select(model.id).where(model.status == ListingStatus.published)).all())


def test_second_worker_waits_then_takes_over(app, client, session, database_url, tmp_path, processes):
    firm, lab = (
        create_user(session, "enterprise"),
        create_user(session, "university", industries=["automotive"]),
    )
    need = create_need(session, firm)
    create_achievement(session, lab)
    store = Path(app.config["VECTOR_DIR"])
    env = app_env(
        DATABASE_URL=database_url,
        INSTANCE_PATH=str(tmp_path / "instance"),
        SEARCH_PATH=app.config["SEARCH_PATH"],
        VECTOR_DIR=str(store),
        INDEX_CONSUMER=app.config["INDEX_CONSUMER"],
    )
    first = processes(IndexWorker(env, tmp_path / "first.log"))
    wait_for(lambda: persistence.current_generation(store), timeout=60, what="the first worker's first save")
    second = processes(IndexWorker(env, tmp_path / "second.log"))
    wait_for(lambda: "waiting to take over" in second.output(), timeout=60, what="the second worker waiting")

    # Applied by the first worker in memory only: its next save is PERSIST_SECONDS away.
    for title in WELDS[:2]:
        create_achievement(session, lab, title=title)
    wait_for(lambda: drained(app, session), timeout=30, what="the first worker draining")
    assert (store / "writer.lock").read_text().split() == [str(first.pid)]
    assert not [g for g in store.glob("gen-*") if g.name.endswith(f"-{second.pid}")], (
        "the waiting worker wrote"
    )
    assert "index worker running" not in second.output()

    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(timeout=10)
    wait_for(
        lambda: "index worker running" in second.output(), timeout=30, what="the second worker taking over"
    )
    create_achievement(session, lab, title=WELDS[2])
    create_need(session, firm, title="车身焊点质量预测")
    wait_for(lambda: drained(app, session), timeout=30, what="the second worker draining")
    assert second.stop() == 0, second.output()

    matcher, _manifest, pin = persistence.load(None, store)
    try:
        assert {i for i in published(session, Achievement) if matcher.listing("achievement", i)} == published(
            session, Achievement
        )
        assert {i for i in published(session, Need) if matcher.listing("need", i)} == published(session, Need)
        assert matcher.counts()["achievement"] == len(published(session, Achievement))
    finally:
        pin.release()
    with in_app(session):
        indexes.vector_index(app).load_newest()
    recommended = client.get(f"/api/v1/needs/{need.id}/recommendations?kind=license&k=20").json
    assert published(session, Achievement) <= {hit["target_id"] for hit in recommended}
