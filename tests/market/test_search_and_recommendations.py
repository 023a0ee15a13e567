"""Search and recommendations through the app: outbox → indexes → API, with confidentiality kept."""

import os
import uuid

import pytest

from app.market.services import indexes
from tests.conftest import BACKENDS, require_service
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app
from tests.utils.web import bearer


@pytest.fixture(params=["fts5", "meilisearch"])
def search_config(request):
    """Every test here runs on the embedded FTS5 index and on a real Meilisearch server."""
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


def drain(app) -> None:
    """Run the outbox worker once, as the background worker would."""
    worker, _vectors = indexes.make_worker(app)
    with app.app_context():
        worker.drain_once()


def token(client, user) -> dict:
    return bearer(client, user.email, PASSWORD)


@pytest.fixture
def market(app, session):
    """A small marketplace: two enterprises' needs and a university's achievements, indexed."""
    firm, other_firm = create_user(session, "enterprise"), create_user(session, "enterprise")
    uni = create_user(session, "university", industries=["new_materials"])
    welding = create_need(
        session,
        firm,
        title="铝合金车身激光焊接气孔控制",
        description="铝合金车身激光焊接焊缝气孔率偏高，寻求焊接工艺优化。",
        details="保密参数：焊接速度4m/min，钛酸锶涂层秘方。",
        confidential=True,
    )
    battery = create_need(
        session,
        other_firm,
        title="动力电池极片涂布厚度均匀性",
        description="锂电池极片涂布面密度波动大，需在线测厚与闭环控制。",
        industry="new_energy",
        cooperation_modes=["license"],
        details="",
    )
    draft = create_need(
        session, firm, publish=False, title="尚未发布的需求草稿", description="草稿内容不应被检索到。"
    )
    laser = create_achievement(
        session,
        uni,
        title="铝合金摆动激光焊接气孔抑制方法",
        description="摆动激光焊接配合焊前清洗，铝合金焊缝气孔率降至0.3%以下。",
        cooperation_modes=["license", "commission"],
    )
    coating = create_achievement(
        session,
        uni,
        title="锂电池极片在线面密度测量系统",
        description="β射线在线测厚，极片涂布面密度闭环控制精度±1%。",
        industry="new_energy",
        kind="product",
        cooperation_modes=["license"],
    )
    with in_app(session):
        indexes.rebuild(app)
    return {
        "firm": firm,
        "other_firm": other_firm,
        "uni": uni,
        "welding": welding,
        "battery": battery,
        "draft": draft,
        "laser": laser,
        "coating": coating,
    }


def test_search_finds_chinese_words_with_highlights_and_facets(client, market):
    result = client.get("/api/v1/search", query_string={"q": "激光焊接"}).json
    titles = [hit["title"] for hit in result["hits"]]
    assert titles and set(titles[:2]) == {market["welding"].title, market["laser"].title}
    assert market["battery"].title not in titles
    assert any("<mark>" in hit["snippet"] for hit in result["hits"])
    assert result["facets"]["type"] == {"need": 1, "achievement": 1}
    only_needs = client.get("/api/v1/search", query_string={"q": "激光焊接", "type": "need"}).json
    assert [hit["type"] for hit in only_needs["hits"]] == ["need"]


def test_search_never_finds_confidential_details_or_drafts(client, market):
    assert client.get("/api/v1/search", query_string={"q": "钛酸锶"}).json["total"] == 0
    assert client.get("/api/v1/search", query_string={"q": "草稿"}).json["total"] == 0
    page = client.get("/search", query_string={"q": "钛酸锶"})
    assert page.status_code == 200 and "钛酸锶" not in page.get_data(as_text=True).split("</h1>", 1)[1]


def test_search_follows_edits_through_the_outbox(app, client, market):
    headers = token(client, market["other_firm"])
    renamed = client.patch(
        f"/api/v1/needs/{market['battery'].id}", json={"title": "固态电池电解质界面阻抗降低"}, headers=headers
    )
    assert renamed.status_code == 200 and renamed.json["title"] == "固态电池电解质界面阻抗降低"
    drain(app)
    hits = client.get("/api/v1/search", query_string={"q": "固态电池"}).json["hits"]
    assert hits[0]["title"] == "固态电池电解质界面阻抗降低"
    assert client.delete(f"/api/v1/needs/{market['battery'].id}", headers=headers).status_code == 204
    drain(app)
    hits = client.get("/api/v1/search", query_string={"q": "固态电池"}).json["hits"]
    assert "固态电池电解质界面阻抗降低" not in [h["title"] for h in hits]


def test_search_bad_parameters_are_a_clear_4xx(client, market):
    assert client.get("/api/v1/search", query_string={"type": "spaceship"}).status_code == 422
    assert client.get("/api/v1/search", query_string={"page": "-3"}).status_code == 422
    assert client.get("/api/v1/search", query_string={"q": '"AND(激光 OR'}).status_code == 200


def test_recommendations_rank_the_fitting_listing_first_with_reasons(client, market):
    recs = client.get(
        f"/api/v1/needs/{market['welding'].id}/recommendations", query_string={"kind": "license"}
    ).json
    assert recs[0]["target_id"] == market["laser"].id and recs[0]["target_type"] == "achievement"
    assert recs[0]["reasons"] and all(reason["text"] for reason in recs[0]["reasons"])
    needs = client.get(f"/api/v1/achievements/{market['coating'].id}/recommendations").json
    assert needs[0]["target_id"] == market["battery"].id


def test_recommendations_never_leak_confidential_details(client, market):
    recs = client.get(f"/api/v1/achievements/{market['laser'].id}/recommendations").json
    text = str(recs)
    assert "钛酸锶" not in text and "4m/min" not in text
    assert all(rec["target_id"] != market["draft"].id for rec in recs)


def test_recommendation_errors(client, market):
    need_id = market["welding"].id
    assert (
        client.get(f"/api/v1/needs/{need_id}/recommendations", query_string={"kind": "astrology"}).status_code
        == 422
    )
    assert client.get(f"/api/v1/needs/{market['draft'].id}/recommendations").status_code == 404
    assert (
        client.get(f"/api/v1/needs/{need_id}/recommendations", query_string={"k": "1000"}).status_code == 422
    )


def test_dismissed_recommendations_disappear_for_that_user(client, market):
    headers = token(client, market["firm"])
    url = f"/api/v1/needs/{market['welding'].id}/recommendations"
    first = client.get(url, query_string={"kind": "license"}, headers=headers).json[0]
    response = client.post(
        "/api/v1/recommendations/feedback",
        headers=headers,
        json={
            "query_type": "need",
            "query_id": market["welding"].id,
            "rec_kind": "license",
            "target_type": first["target_type"],
            "target_id": first["target_id"],
            "label": "dismissed",
        },
    )
    assert response.status_code == 201
    after = client.get(url, query_string={"kind": "license"}, headers=headers).json
    assert (first["target_type"], first["target_id"]) not in {
        (r["target_type"], r["target_id"]) for r in after
    }
    bad = client.post("/api/v1/recommendations/feedback", headers=headers, json={"label": "loved"})
    assert bad.status_code == 422


def test_need_page_shows_the_recommendations_panel(client, market):
    html = client.get(f"/needs/{market['welding'].id}", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )
    assert 'id="recommendations"' in html
    assert market["laser"].title in html
    assert "钛酸锶" not in html


def test_feedback_evaluation_command_reports_on_stored_feedback(app, client, market):
    headers = token(client, market["firm"])
    for target, label in ((market["laser"], "contracted"), (market["coating"], "dismissed")):
        stored = client.post(
            "/api/v1/recommendations/feedback",
            headers=headers,
            json={
                "query_type": "need",
                "query_id": market["welding"].id,
                "rec_kind": "license",
                "target_type": "achievement",
                "target_id": target.id,
                "label": label,
            },
        )
        assert stored.status_code == 201 and stored.json["label"] == label
    result = app.test_cli_runner().invoke(args=["match", "evaluate-feedback"])
    assert result.exit_code == 0, result.output
    assert '"pairs": 2' in result.output and "not enough feedback" in result.output


@pytest.fixture
def after_expiry(monkeypatch):
    """The clock moved past every listing's expiry, before `flask listings expire` has run."""
    from datetime import timedelta

    from app.market import rules as listing_rules
    from app.market.services import listings as listing_service
    from app.market.services import search as search_service
    from models.common import utcnow

    def later():
        return utcnow() + timedelta(days=10_000)

    monkeypatch.setattr(search_service, "utcnow", later)
    monkeypatch.setattr(listing_service, "utcnow", later)
    monkeypatch.setattr(listing_rules, "utcnow", later)


def test_expired_listings_are_neither_found_nor_recommended(client, market, after_expiry):
    assert client.get("/api/v1/search", query_string={"q": "涂布"}).json["total"] == 0
    assert client.get("/api/v1/search").json["total"] == 0
    page = client.get("/search", query_string={"q": "涂布"})
    assert page.status_code == 200 and market["battery"].title not in page.get_data(as_text=True)
    headers = token(client, market["uni"])
    needs = client.get(f"/api/v1/achievements/{market['coating'].id}/recommendations", headers=headers).json
    assert market["battery"].id not in [rec["target_id"] for rec in needs]


def test_live_listings_are_still_found(client, market):
    assert client.get("/api/v1/search", query_string={"q": "涂布"}).json["total"] >= 1


@pytest.fixture
def providers(app, session, market):
    """Beside the market: a welding center, an incubating center, and an incubation and a testing service."""
    from app.market.services import listings
    from models import Center, CenterStatus

    uni = market["uni"]
    centers = {
        "welding_center": Center(
            name="汽车轻量化连接技术创新中心",
            industry="automotive",
            domain="激光焊接与连接工艺",
            description="铝合金激光焊接、搅拌摩擦焊工艺研发与委托开发。",
            org_id=uni.org_id,
            status=CenterStatus.filed,
        ),
        "incubator_center": Center(
            name="汽车零部件孵化创新中心",
            industry="automotive",
            domain="汽车零部件企业孵化",
            description="为汽车零部件初创企业提供场地、中试线和融资对接。",
            org_id=uni.org_id,
            status=CenterStatus.filed,
            offers_incubation=True,
        ),
    }
    session.add_all(centers.values())
    session.commit()
    services = {}
    with in_app(session):
        for key, category, title, text in (
            (
                "incubation_service",
                "incubation",
                "汽车零部件初创企业孵化服务",
                "提供孵化场地、创业辅导与投融资对接。",
            ),
            ("testing_service", "testing", "焊缝气孔X射线检测服务", "铝合金激光焊缝气孔率X射线无损检测。"),
        ):
            services[key] = listings.create_listing(
                session=session,
                kind="service",
                user=uni,
                publish=True,
                data={
                    "title": title,
                    "description": text,
                    "industry": "automotive",
                    "category": category,
                    "cooperation_modes": ["incubation"] if category == "incubation" else ["service"],
                },
            )
        indexes.rebuild(app)
    return {**market, **centers, **services}


def pairs(recs) -> set[tuple[str, int]]:
    return {(r["target_type"], r["target_id"]) for r in recs}


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_each_kind_of_recommendation_lists_what_it_is_for(client, providers):
    url = f"/api/v1/needs/{providers['welding'].id}/recommendations"
    lists = {
        kind: client.get(url, query_string={"kind": kind}).json
        for kind in ("commission", "license", "incubation")
    }
    assert {r["target_type"] for r in lists["license"]} == {"achievement"}
    assert ("center", providers["welding_center"].id) in pairs(lists["commission"])
    assert pairs(lists["incubation"]) == {
        ("center", providers["incubator_center"].id),
        ("service", providers["incubation_service"].id),
    }
    assert not pairs(lists["incubation"]) & (
        pairs(lists["license"]) | {("center", providers["welding_center"].id)}
    )
    center = next(r for r in lists["incubation"] if r["target_type"] == "center")
    assert center["url"] == f"/centers/{providers['incubator_center'].id}"
    assert all(r["org_name"] for kind in lists.values() for r in kind)
    where = client.get(
        f"/api/v1/achievements/{providers['laser'].id}/recommendations", query_string={"kind": "incubation"}
    ).json
    # The achievement's own organization runs that center and offers that service: never recommended to itself.
    assert not pairs(where) & pairs(lists["incubation"])


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_services_get_matched_needs_and_feedback_on_them(client, providers):
    recs = client.get(f"/api/v1/services/{providers['testing_service'].id}/recommendations").json
    assert recs[0]["target_type"] == "need" and recs[0]["target_id"] == providers["welding"].id
    assert recs[0]["org_name"] and recs[0]["url"] == f"/needs/{providers['welding'].id}"
    page = client.get(f"/services/{providers['testing_service'].id}", headers={"Accept-Language": "zh-CN"})
    assert providers["welding"].title in page.get_data(as_text=True).split('id="recommendations"', 1)[1]
    wrong = client.get(
        f"/api/v1/services/{providers['testing_service'].id}/recommendations",
        query_string={"kind": "license"},
    )
    assert wrong.status_code == 422
    feedback = client.post(
        "/api/v1/recommendations/feedback",
        headers=token(client, providers["uni"]),
        json={
            "query_type": "service",
            "query_id": providers["testing_service"].id,
            "rec_kind": "needs",
            "target_type": "need",
            "target_id": providers["welding"].id,
            "label": "interested",
        },
    )
    assert feedback.status_code == 201


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_my_listings_show_the_needs_matched_to_all_of_them_in_one_view(client, auth, providers):
    auth.login(providers["uni"].email)
    html = client.get("/my", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    section = html.split('id="matched-needs"', 1)[1]
    # The welding need fits the laser achievement and the testing service; the battery need fits the coating.
    assert providers["welding"].title in section and providers["battery"].title in section
    assert section.count(providers["welding"].title) == 1
    assert providers["laser"].title in section and providers["coating"].title in section


def test_a_failing_matcher_costs_the_panel_not_the_page(app, client, market, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise IndexError("row cache out of step")

    monkeypatch.setattr(indexes.vector_index(app).matcher(), "recommend_kinds", broken)
    url = f"/api/v1/needs/{market['welding'].id}/recommendations"
    response = client.get(url, query_string={"kind": "license"})
    assert response.status_code == 200 and response.json == []
    page = client.get(f"/needs/{market['welding'].id}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "暂无推荐" in page.get_data(as_text=True)
    assert "recommendations failed" in caplog.text and "row cache out of step" in caplog.text
