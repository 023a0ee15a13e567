"""Open challenges (揭榜挂帅) are found where needs are: site search and the search API find a need by its
challenge's goals or by 揭榜挂帅 and label it with the reward and deadline; a provider's recommended needs say the
need has an open challenge. On the embedded FTS5 index and on a real Meilisearch server; once a proposal is
selected the challenge is no longer offered."""

import os
import uuid
from datetime import timedelta

import pytest

from app.trading.services import challenges
from models.common import utcnow
from tests.conftest import require_service
from tests.utils.factories import (
    PASSWORD,
    create_achievement,
    create_need,
    create_user,
    drain_index,
    in_app,
)
from tests.utils.web import bearer

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture(params=["fts5", "meilisearch"])
def search_config(request):
    if request.param == "fts5":
        yield {"SEARCH_BACKEND": "fts5"}
        return
    url = require_service("MEILI_URL", "Meilisearch")
    yield {
        "SEARCH_BACKEND": "meilisearch",
        "MEILI_URL": url,
        "MEILI_KEY": os.environ.get("MEILI_KEY", ""),
        "MEILI_INDEX_PREFIX": f"test_{uuid.uuid4().hex[:8]}_",
    }


@pytest.fixture(autouse=True)
def _drop_meili_index(app):
    yield
    backend = app.extensions.get("search_backend")
    if backend is not None and hasattr(backend, "drop_index"):
        backend.drop_index()


@pytest.fixture
def posted(app, session):
    firm = create_user(session, "enterprise")
    team = create_user(session, "university")
    need = create_need(
        session,
        firm,
        title="铝合金电池托盘焊接变形控制",
        description="铝合金电池托盘焊后变形超差，寻求焊接工艺优化。",
    )
    plain = create_need(session, firm, title="铝合金轮毂表面涂装", description="轮毂涂层附着力不足。")
    achievement = create_achievement(
        session,
        team,
        title="铝合金薄板低变形激光焊接工艺",
        description="摆动激光焊接控制铝合金电池托盘焊接变形，平面度优于0.5毫米。",
    )
    with in_app(session):
        challenge = challenges.create_challenge(
            session=session,
            user=firm,
            data={
                "need_id": need.id,
                "goals": "托盘平面度控制在0.5毫米以内，实现量产节拍。",
                "acceptance_criteria": "连续三批次检测报告合格。",
                "reward": 1_800_000,
                "deadline": (utcnow() + timedelta(days=30)).date().isoformat(),
            },
        )
    drain_index(app)
    return {
        "firm": firm,
        "team": team,
        "need": need,
        "plain": plain,
        "achievement": achievement,
        "challenge": challenge,
    }


def test_search_finds_the_challenge_by_its_goals_and_by_its_name_and_labels_it(client, posted):
    need, challenge = posted["need"], posted["challenge"]
    for q in ("平面度", "揭榜挂帅"):
        hits = client.get("/api/v1/search", query_string={"q": q}).json["hits"]
        assert [hit["entity_id"] for hit in hits if hit["type"] == "need"] == [need.id], q
        found = next(hit for hit in hits if hit["id"] == f"need-{need.id}")
        assert found["challenge"] == {
            "id": challenge.id,
            "reward": 1_800_000,
            "deadline": challenge.deadline.isoformat(),
            "url": f"/challenges/{challenge.id}",
        }
    other = client.get("/api/v1/search", query_string={"q": "涂装"}).json["hits"]
    assert other and all("challenge" not in hit or hit["challenge"] is None for hit in other)
    page = client.get("/search", query_string={"q": "揭榜挂帅"}, headers=ZH).get_data(as_text=True)
    assert "铝合金电池托盘焊接变形控制" in page and "180 万元" in page
    assert f'href="/challenges/{challenge.id}"' in page and challenge.deadline.isoformat() in page


def test_a_provider_is_recommended_the_need_with_its_open_challenge(app, client, auth, session, posted):
    headers = {**bearer(client, posted["team"].email, PASSWORD), **ZH}
    recs = client.get(
        f"/api/v1/achievements/{posted['achievement'].id}/recommendations?kind=needs", headers=headers
    ).json
    top = next(rec for rec in recs if (rec["target_type"], rec["target_id"]) == ("need", posted["need"].id))
    assert top["challenge"]["reward"] == 1_800_000
    assert top["reasons"][0]["code"] == "open_challenge"
    assert "揭榜挂帅" in top["reasons"][0]["text"] and "180" in top["reasons"][0]["text"]
    assert all("challenge" not in rec for rec in recs if rec is not top)

    auth.login(posted["team"].email, PASSWORD)
    html = client.get("/my", headers=ZH).get_data(as_text=True)
    assert "铝合金电池托盘焊接变形控制" in html and "揭榜挂帅：悬赏 180 万元" in html


def test_a_selected_challenge_is_no_longer_offered(app, client, session, posted):
    with in_app(session):
        proposal = challenges.submit_proposal(
            session=session,
            user=posted["team"],
            challenge_id=posted["challenge"].id,
            data={"plan": "摆动激光焊接加随焊冷却，三个月内完成样件验证。", "price": 1_500_000, "months": 6},
        )
        challenges.select_proposal(
            session=session,
            user=posted["firm"],
            challenge_id=posted["challenge"].id,
            data={"proposal_id": proposal.id},
        )
    drain_index(app)
    hits = client.get("/api/v1/search", query_string={"q": "揭榜挂帅"}).json["hits"]
    assert all(hit["id"] != f"need-{posted['need'].id}" for hit in hits)
    found = client.get("/api/v1/search", query_string={"q": "电池托盘"}).json["hits"]
    assert any(hit["id"] == f"need-{posted['need'].id}" and not hit.get("challenge") for hit in found)
