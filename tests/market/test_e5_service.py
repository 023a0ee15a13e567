"""With the real embeddings service (multilingual-e5-small, started by `make test`): an English word finds the
Chinese listings it means. Skipped without E5_URL_TEST, failed under `make test` without it."""

import pytest

from app.market.services import embeddings, indexes
from tests.conftest import require_service
from tests.utils.factories import create_achievement, create_need, create_user
from tests.utils.web import card_titles


@pytest.fixture
def search_config():
    return {"SEARCH_BACKEND": "fts5", "E5_URL": require_service("E5_URL_TEST", "the e5 embeddings service")}


def test_battery_and_laser_find_the_chinese_listings(app, client, session):
    firm, uni = create_user(session, "enterprise"), create_user(session, "university")
    cell = create_need(
        session,
        firm,
        title="动力电池电芯热失控预警",
        description="需要锂离子电池电芯热失控早期预警技术。",
        industry="new_energy",
        details="",
    )
    pack = create_achievement(
        session,
        uni,
        title="电池包液冷热管理系统",
        description="电池包液冷板设计，电芯温差小于3℃。",
        industry="new_energy",
    )
    laser = create_achievement(
        session, uni, title="激光清洗除锈设备", description="脉冲激光清洗金属表面锈蚀与涂层。"
    )
    create_achievement(
        session,
        uni,
        title="乳酸菌发酵酸奶工艺",
        description="低温发酵乳制品菌种与工艺。",
        industry="agri_food",
    )
    create_achievement(
        session,
        uni,
        title="纺织品数码印花",
        description="活性染料喷墨印花，节水减排。",
        industry="new_materials",
    )
    indexes.rebuild(app)
    made = embeddings.make_worker(app)
    assert made is not None
    with app.app_context():
        made[0].drain_once(batch_size=embeddings.BATCH)

    body = client.get("/api/v1/search?q=battery").json
    assert body["meta"] == {"e5": "used"}
    found = {(hit["type"], hit["entity_id"]) for hit in body["hits"][:3]}
    assert {("need", cell.id), ("achievement", pack.id)} <= found
    laser_hits = client.get("/api/v1/search?q=laser").json["hits"]
    assert laser_hits and laser_hits[0]["entity_id"] == laser.id and laser_hits[0]["cross_language"]
    # What a reader of the site search and of the achievements list sees for `laser`: the 激光 listing first
    # (its title is highlighted, so it is read without the tags), marked as found across languages, and
    # nothing unrelated.
    for path in ("/search?q=laser", "/achievements?q=laser"):
        page = client.get(path).get_data(as_text=True)
        titles = card_titles(page)
        assert titles and titles[0] == "激光清洗除锈设备", (path, titles)
        assert not {"乳酸菌发酵酸奶工艺", "纺织品数码印花"} & set(titles), (path, titles)
        assert "跨语言匹配" in page, path
