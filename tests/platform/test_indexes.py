"""The vector index of a host: consistent snapshots under concurrent writes, upkeep beside requests."""

import threading

import pytest

from app import create_app
from app.market.services import indexes, listings
from app.market.services.indexes import VectorIndex
from app.ops import index_worker
from matching import MatcherConfig, MatchItem, persistence
from tests.conftest import BACKENDS
from tests.market.test_search_and_recommendations import drain
from tests.utils.factories import create_achievement, create_need, create_user, in_app
from tests.utils.waiting import wait_for

ON_BOTH_DATABASES = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
WORDS = [
    "激光焊接",
    "铝合金",
    "气孔",
    "锂电池",
    "涂布",
    "数控机床",
    "热误差",
    "纺织",
    "抗菌",
    "机器人",
    "视觉",
    "压铸",
]


def document(kind: str, entity_id: int, title: str, body: str, **extra) -> dict:
    """A search document as the outbox worker hands it to the vector sink."""
    return {
        "id": f"{kind}-{entity_id}",
        "type": kind,
        "entity_id": entity_id,
        "title": title,
        "body": body,
        "industry": extra.get("industry"),
        "cooperation_modes": extra.get("modes", ["license"]),
        "trl": extra.get("trl"),
        "region": None,
        "status": "published",
        "org_name": "",
        "updated_at": 0.0,
        "budget_min": None,
        "budget_max": None,
        "price": None,
        "offers_incubation": extra.get("offers_incubation", False),
    }


def corpus(start: int, count: int) -> list[dict]:
    return [
        document(
            "achievement",
            i,
            f"{WORDS[i % len(WORDS)]}成果{i}",
            f"{WORDS[i % len(WORDS)]}{WORDS[(i * 7) % len(WORDS)]}工艺，编号{i}。",
        )
        for i in range(start, start + count)
    ]


def test_readers_see_one_consistent_snapshot_while_a_writer_applies_outbox_batches(tmp_path):
    index = VectorIndex(MatcherConfig(), str(tmp_path / "vectors"))
    index.rebuild(corpus(1, 300) + [document("need", 1, "激光焊接气孔", "铝合金激光焊接气孔控制")])
    query = MatchItem(id=1, kind="need", title="激光焊接气孔", text="铝合金激光焊接气孔控制")
    errors, answered = [], [0]
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                recs = index.matcher().recommend(query, "license", k=10)
                assert recs and all(r.target_type == "achievement" for r in recs)
                answered[0] += 1
            except Exception as error:  # noqa: BLE001 - every failure a reader meets is the finding
                errors.append(repr(error))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        # Each batch replaces a stretch of listings and deletes another, as outbox batches do.
        for batch in range(40):
            base = 1 + (batch * 7) % 280
            index.apply(
                corpus(base, 10) + corpus(1000 + batch * 10, 10),
                [f"achievement-{base + 10 + j}" for j in range(3)],
            )
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors, f"{len(errors)} of {len(errors) + answered[0]} reads failed, first: {errors[0]}"
    assert answered[0] > 0


def test_concurrent_writers_lose_no_change(tmp_path):
    index = VectorIndex(MatcherConfig(), str(tmp_path / "vectors"))
    index.rebuild(corpus(1, 50))

    def write(start):
        for batch in range(10):
            index.apply(corpus(start + batch * 5, 5), [])

    writers = [threading.Thread(target=write, args=(start,)) for start in (1000, 2000)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    snapshot = index.matcher()
    assert snapshot.counts()["achievement"] == 50 + 2 * 50
    assert all(snapshot.listing("achievement", i) for i in [*range(1000, 1050), *range(2000, 2050)])


@ON_BOTH_DATABASES
def test_the_next_writer_replays_what_the_last_applied_only_in_memory(app, session):
    firm, uni = (
        create_user(session, "enterprise"),
        create_user(session, "university", industries=["new_materials"]),
    )
    create_need(session, firm, title="铝合金车身激光焊接气孔控制", description="铝合金激光焊接气孔率偏高。")
    with in_app(session):
        indexes.rebuild(app)
    late = create_achievement(
        session, uni, title="摆动激光焊接气孔抑制", description="摆动激光焊接，气孔率低于0.3%。"
    )
    drain(app)
    assert indexes.vector_index(app).matcher().listing("achievement", late.id) is not None
    assert indexes.vector_index(app).dirty  # applied in memory, not saved yet

    follower = create_app({**app.config, "TESTING": True})
    indexes.vector_index(follower).load_newest()  # following the writer: it holds the last saved generation
    indexes.vector_index(app).writer.release()  # the writer dies before its next save
    with follower.app_context():
        index_worker.start_writing(follower)
        assert indexes.vector_index(follower).matcher().listing("achievement", late.id) is None
        drain(follower)
        assert indexes.vector_index(follower).matcher().listing("achievement", late.id) is not None
    follower.extensions["db_engine"].dispose()


@ON_BOTH_DATABASES
def test_upkeep_saves_pending_changes_and_fits_the_ranker_beside_requests(app, session):
    firm, uni = (
        create_user(session, "enterprise"),
        create_user(session, "university", industries=["new_materials"]),
    )
    create_need(session, firm)
    with in_app(session):
        indexes.rebuild(app)
    create_achievement(session, uni)
    drain(app)
    index = indexes.vector_index(app)
    generation = persistence.current_generation(index.store_dir)
    with app.app_context():
        index_worker.upkeep_once(app, last_fit=float("-inf"))
    assert not index.dirty and persistence.current_generation(index.store_dir) != generation
    assert index.matcher().ranker is None  # no feedback yet: nothing learned, nothing reordered
    assert [p.name for p in index.store_dir.glob("gen-*")] == [
        persistence.current_generation(index.store_dir)
    ]


@ON_BOTH_DATABASES
def test_in_process_workers_on_one_directory_elect_one_writer_and_the_others_follow(app, session, tmp_path):
    """Several gunicorn workers with INDEX_WORKER_IN_PROCESS=1: one writes, the rest load its generations."""
    firm = create_user(session, "enterprise")
    need = create_need(
        session, firm, title="铝合金车身激光焊接气孔控制", description="铝合金激光焊接气孔率偏高。"
    )
    shared = {
        **app.config,
        "TESTING": True,
        "INDEX_WORKER_IN_PROCESS": True,
        "VECTOR_DIR": str(tmp_path / "one"),
    }
    workers = [create_app(shared) for _ in range(3)]
    try:
        assert wait_for(lambda: sum(indexes.vector_index(w).writer.held for w in workers) == 1)
        assert wait_for(
            lambda: all(
                indexes.vector_index(w).matcher() is not None
                and indexes.vector_index(w).matcher().listing("need", need.id)
                for w in workers
            )
        )
        assert sum(indexes.vector_index(w).writer.held for w in workers) == 1
        writer = next(w for w in workers if indexes.vector_index(w).writer.held)
        writer.extensions["index_worker_stop"].set()
        assert wait_for(
            lambda: not any(t.name == "vector-upkeep" and t.is_alive() for t in threading.enumerate())
        )
        indexes.vector_index(writer).writer.release()  # what the writer's death does to its lock
        others = [w for w in workers if w is not writer]
        assert wait_for(lambda: sum(indexes.vector_index(w).writer.held for w in others) == 1)
    finally:
        for worker in workers:
            worker.extensions["index_worker_stop"].set()
        for worker in workers:
            indexes.vector_index(worker).writer.release()
            worker.extensions["db_engine"].dispose()


def test_index_commands_rebuild_report_and_refuse_a_second_writer(app, session, runner):
    firm = create_user(session, "enterprise")
    create_need(session, firm)
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert rebuilt.exit_code == 0 and "indexed 1 listings" in rebuilt.output
    status = runner.invoke(args=["index", "status"])
    assert status.exit_code == 0 and "need=1" in status.output
    other_process = persistence.WriterLock(app.config["VECTOR_DIR"])
    indexes.vector_index(app).writer.release()
    assert other_process.acquire()
    try:
        refused = runner.invoke(args=["index", "rebuild"])
        assert refused.exit_code != 0 and "Another process is writing" in refused.output
    finally:
        other_process.release()


def test_a_rebuild_in_worker_processes_recommends_as_one_process_does(app, session, runner):
    university = create_user(session, "university")
    for title, summary in (
        ("车身激光焊接工艺", "高强钢车身激光焊接，焊缝强度高、变形小。"),
        ("锂电池正极包覆", "高镍三元正极材料表面包覆改性，提升循环寿命。"),
        ("纺织品数码印花", "活性染料数码喷墨印花工艺，节水减排。"),
    ):
        create_achievement(session, university, title=title, description=summary)
    need = MatchItem(id=10**9, kind="need", title="焊接变形", text="汽车车身激光焊接变形大，希望降低返修。")
    answers = []
    for args in (["index", "rebuild"], ["index", "rebuild", "--workers", "2"]):
        rebuilt = runner.invoke(args=args)
        assert rebuilt.exit_code == 0 and "indexed 3 listings" in rebuilt.output
        answers.append(
            [(r.target_id, r.score) for r in indexes.vector_index(app).matcher().recommend(need, "license")]
        )
    assert answers[0] == answers[1] and len(answers[0]) == 3
    refused = runner.invoke(args=["index", "rebuild", "--workers", "0"])
    assert refused.exit_code == 2 and "--workers" in refused.output


def test_each_host_follows_the_outbox_under_its_own_name_by_default(monkeypatch, tmp_path):
    import socket

    from app.config import load_settings

    assert load_settings(str(tmp_path), {}).INDEX_CONSUMER == socket.gethostname()[:40]
    assert load_settings(str(tmp_path), {"INDEX_CONSUMER": "web-2"}).INDEX_CONSUMER == "web-2"


@ON_BOTH_DATABASES
def test_a_follower_serves_what_the_writer_applied_before_the_writer_saves_it(app, session):
    """gunicorn workers beside `flask index worker`: each replays the writer's applied changes in memory, so a
    new listing reaches their recommendations within a second, long before the writer's next saved generation."""
    firm, lab = create_user(session, "enterprise"), create_user(session, "university")
    need = create_need(
        session, firm, title="铝合金车身激光焊接气孔控制", description="铝合金激光焊接气孔率偏高。"
    )
    indexes.rebuild(app)  # this app writes; the generation it saves holds the need
    generation = persistence.current_generation(indexes.vector_index(app).store_dir)
    follower_app = create_app({**app.config, "TESTING": True})
    follower = indexes.vector_index(follower_app)
    try:
        assert wait_for(
            lambda: follower.matcher() is not None and follower.matcher().listing("need", need.id)
        )
        achievement = create_achievement(
            session, lab, title="激光焊接气孔抑制工艺", description="铝合金焊接气孔控制工艺。"
        )
        # One round of the follower's thread, run here rather than waited for: it replays what the writer applied.
        # Committed, but the writer has not applied it: its cursor, not the outbox, says what is safe to read.
        follower.catch_up()
        assert not follower.matcher().listing("achievement", achievement.id)
        drain(app)
        assert wait_for(lambda: follower.matcher().listing("achievement", achievement.id), timeout=2)
        assert persistence.current_generation(follower.store_dir) == generation  # nothing saved meanwhile
        query = follower.matcher().listing("need", need.id)
        assert [r.target_id for r in follower.matcher().recommend(query, "license", k=5)] == [achievement.id]
        with in_app(session):
            listings.delete_listing(session=session, kind="achievement", listing_id=achievement.id, user=lab)
        drain(app)
        assert wait_for(lambda: not follower.matcher().listing("achievement", achievement.id), timeout=2)
    finally:
        follower_app.extensions["db_engine"].dispose()


def test_a_follower_replaying_the_outbox_loads_a_generation_to_start_then_only_now_and_then(
    app, session, monkeypatch
):
    """Loading a generation costs seconds at 100k listings; a follower that replays the outbox skips most."""
    lab = create_user(session, "university")
    create_achievement(session, lab)
    indexes.rebuild(app)
    follower_app = create_app({**app.config, "TESTING": True, "MATCH_DELTA_LIMIT": 4})
    follower = indexes.vector_index(follower_app)
    try:
        assert follower.wants_generation()  # nothing held yet
        follower.load_newest()
        assert not follower.wants_generation()
        monkeypatch.setattr(indexes, "FOLLOWER_REFRESH_SECONDS", 0.0)
        assert follower.wants_generation()  # held long enough: pick up what only generations carry
        monkeypatch.setattr(indexes, "FOLLOWER_REFRESH_SECONDS", 300.0)
        for n in range(3):
            create_achievement(session, lab, title=f"激光焊接气孔抑制工艺{n}")
        drain(app)
        assert follower.catch_up() == 3
        assert follower.wants_generation()  # its replayed delta outgrew half the limit
    finally:
        follower_app.extensions["db_engine"].dispose()
