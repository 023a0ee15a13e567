"""The multilingual channel through the app: listings encoded by the index worker (in batches, never in a
request), an English search that finds Chinese listings, the service going down and coming back, /healthz."""

import logging
import threading

import pytest
from sqlmodel import select

from app.market.services import dense_search, embeddings, indexes
from app.market.services.index_documents import all_documents, load_documents
from matching import e5
from models import TextEmbedding
from tests.conftest import BACKENDS
from tests.utils.factories import create_achievement, create_need, create_user
from tests.utils.fake_e5 import FakeE5
from tests.utils.waiting import wait_for

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def fake():
    server = FakeE5()
    yield server
    server.stop()


@pytest.fixture
def search_config(fake):
    return {"SEARCH_BACKEND": "fts5", "E5_URL": fake.url}


def encode_pending(app) -> None:
    """One round of the e5 consumer, as its thread runs it beside the host's writer."""
    made = embeddings.make_worker(app)
    assert made is not None
    worker, _sink = made
    with app.app_context():
        worker.drain_once(batch_size=embeddings.BATCH)


def drain(app) -> None:
    worker, _vectors = indexes.make_worker(app)
    with app.app_context():
        worker.drain_once()


@pytest.fixture
def market(app, session):
    firm, uni = create_user(session, "enterprise"), create_user(session, "university")
    battery = create_need(
        session,
        firm,
        title="动力电池极片涂布厚度控制",
        description="锂电池极片涂布面密度波动大，需在线测厚。",
        industry="new_energy",
        details="",
    )
    laser = create_achievement(
        session, uni, title="铝合金激光焊接气孔抑制", description="摆动激光焊接，焊缝气孔率低于0.3%。"
    )
    textile = create_achievement(
        session,
        uni,
        title="纺织品数码印花",
        description="活性染料数码喷墨印花，节水减排。",
        industry="new_materials",
    )
    indexes.rebuild(app)
    return {"battery": battery, "laser": laser, "textile": textile}


def test_listings_are_encoded_by_the_worker_not_by_requests(app, client, session, fake, market):
    assert fake.texts("passage") == []  # building the matcher encoded nothing
    encode_pending(app)
    encoded = fake.texts("passage")
    assert len(encoded) == 3 and any("动力电池" in t for t in encoded)
    assert len(session.exec(select(TextEmbedding)).all()) == 3
    # A replay finds every vector stored and encodes nothing again.
    before = len(fake.requests)
    made = embeddings.make_worker(app)
    assert made is not None
    assert made[1].encode(all_documents(session)) == 0
    assert len(fake.requests) == before
    # Reading a listing's recommendations asks the service nothing: its vector is stored.
    client.get(f"/api/v1/needs/{market['battery'].id}/recommendations")
    assert len(fake.requests) == before


def test_the_worker_encodes_in_batches(app, session, fake):
    uni = create_user(session, "university")
    for n in range(40):
        create_achievement(
            session, uni, title=f"激光焊接工艺第{n}号", description=f"第{n}种激光焊接气孔控制方法。"
        )
    indexes.rebuild(app)
    encode_pending(app)  # the outbox batch: BATCH listings
    encode_pending(app)  # the rest
    sizes = [len(texts) for mode, texts in fake.requests if mode == "passage"]
    assert sum(sizes) == 40 and max(sizes) <= embeddings.BATCH and len(sizes) >= 2


def test_an_english_search_finds_the_chinese_listing(app, client, fake, market):
    encode_pending(app)
    response = client.get("/api/v1/search?q=accumulator")
    assert response.status_code == 200
    body = response.json
    assert body["meta"] == {"e5": "used"}
    ids = [(hit["type"], hit["entity_id"]) for hit in body["hits"]]
    assert ids[0] == ("need", market["battery"].id)
    assert body["hits"][0]["found_by"] == "e5" and body["total"] >= 1
    assert ("achievement", market["textile"].id) not in ids
    # The site search and a list page's keyword filter read the same fusion.
    page = client.get("/search?q=accumulator")
    assert page.status_code == 200 and "动力电池极片涂布厚度控制" in page.get_data(as_text=True)
    listing = client.get("/needs?q=accumulator")
    assert listing.status_code == 200 and "动力电池极片涂布厚度控制" in listing.get_data(as_text=True)


def test_a_chinese_search_keeps_its_lexical_hits_first(app, client, fake, market):
    encode_pending(app)
    body = client.get("/api/v1/search?q=激光焊接").json
    assert body["hits"][0]["entity_id"] == market["laser"].id and "found_by" not in body["hits"][0]


@pytest.mark.parametrize("per_page", [3, 4])
def test_paging_a_fused_search_shows_every_lexical_hit_once(
    app, client, session, fake, monkeypatch, per_page
):
    """The fused pages read past the lexical window: a page that straddles its end, and the pages after it,
    show every hit the backend found, each once (a page straddling the window used to drop the hits between
    the window's end and the next page's offset)."""
    uni = create_user(session, "university")
    welds = [
        create_achievement(
            session, uni, title=f"激光焊接工艺第{n}号", description=f"第{n}种激光焊接气孔控制方法。"
        )
        for n in range(8)
    ]
    indexes.rebuild(app)
    encode_pending(app)
    monkeypatch.setattr(dense_search, "WINDOW", 5)
    seen: list[int] = []
    for number in range(1, 5):
        body = client.get(f"/api/v1/search?q=激光焊接&per_page={per_page}&page={number}").json
        assert body["total"] == 8 and body["meta"] == {"e5": "used"}
        seen += [hit["entity_id"] for hit in body["hits"]]
    assert sorted(seen) == sorted(weld.id for weld in welds)


def test_with_the_service_down_search_and_recommendations_work_and_say_so(app, client, fake, market, caplog):
    encode_pending(app)
    fake.stop()
    caplog.set_level(logging.WARNING)
    response = client.get("/api/v1/search?q=激光焊接")
    assert response.status_code == 200
    assert response.json["meta"] == {"e5": "skipped"}
    assert response.json["hits"][0]["entity_id"] == market["laser"].id
    assert "e5 channel skipped" in caplog.text
    assert client.get("/api/v1/search?q=accumulator").json["hits"] == []
    recs = client.get(f"/api/v1/needs/{market['battery'].id}/recommendations")
    assert recs.status_code == 200


def test_vectors_catch_up_when_the_service_returns(app, client, session, fake, market):
    fake.stop()
    made = embeddings.make_worker(app)
    assert made is not None
    worker, sink = made
    with app.app_context():
        worker.drain_once(batch_size=embeddings.BATCH)
    assert worker.retry_in(sink.name) > 0  # failed: retried later, with back-off
    assert session.exec(select(TextEmbedding)).all() == []
    assert client.get("/api/v1/search?q=accumulator").json["hits"] == []
    fake.start()
    sink.client.cooldown = 0
    sink.client._down_until = 0.0
    with app.app_context():
        worker.drain_once(batch_size=embeddings.BATCH)
    assert len(session.exec(select(TextEmbedding)).all()) == 3
    # The host's matcher re-read the listings with their vectors: the English search finds the battery need.
    hits = client.get("/api/v1/search?q=accumulator").json["hits"]
    assert hits and hits[0]["entity_id"] == market["battery"].id


def test_healthz_reports_the_service_without_failing_the_host(app, client, fake, market):
    up = client.get("/healthz")
    assert up.status_code == 200 and up.json["status"] == "ok"
    assert up.json["checks"]["embeddings"] == "up"
    fake.stop()
    down = client.get("/healthz")
    assert down.status_code == 200
    assert down.json["status"] == "degraded" and down.json["checks"]["embeddings"] == "down"


def test_listings_never_encoded_are_found_a_page_at_a_time_and_encoded_in_the_background(
    app, session, fake, market
):
    """A bulk load leaves listings without a vector: the worker finds them page by page (draining the outbox
    between two steps, so a fresh listing never waits for a scan of the whole market) and encodes them."""
    encode_pending(app)
    never = [market["laser"], market["textile"]]
    for listing in never:
        key = e5.passage_key(embeddings.listing_text(_document(app, "achievement", listing.id)))
        session.delete(session.get(TextEmbedding, key))
    session.commit()
    made = embeddings.make_worker(app)
    assert made is not None
    _worker, sink = made
    with app.app_context():
        steps = list(embeddings.missing_steps(app, sink, page=1))
    assert sorted(doc["entity_id"] for step in steps for doc in step) == sorted(item.id for item in never)
    assert all(0 < len(step) <= embeddings.BATCH for step in steps)
    stop = threading.Event()
    thread = threading.Thread(target=embeddings.run_embedding_worker, args=(app, stop, 0.05), daemon=True)
    thread.start()
    try:
        wait_for(lambda: len(session.exec(select(TextEmbedding)).all()) == 3, timeout=20)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def _document(app, kind: str, entity_id: int) -> dict:
    with app.app_context():
        from app.db import get_session

        return load_documents(get_session(), [(kind, entity_id)])[(kind, entity_id)]
