"""Finding instruments: site search by the standards they perform, the matcher recommending them for a need that
asks for a test (with reasons), a center's profile listing its instruments."""

from tests.instruments.helpers import post_instrument
from tests.utils.factories import PASSWORD, create_need, drain_index
from tests.utils.web import bearer


def test_search_finds_an_instrument_by_the_standard_it_performs(app, client, university):
    post_instrument(client, university, title="电液伺服疲劳试验机", standards=["GB/T 3075-2021", "ISO 1099"])
    post_instrument(
        client,
        university,
        title="电感耦合等离子体发射光谱仪",
        standards=["GB/T 20975.25"],
        category="analysis",
        description="铝合金化学成分分析。",
    )
    drain_index(app)
    hits = client.get("/api/v1/search?q=GB/T 3075").json["hits"]
    assert hits and hits[0]["type"] == "instrument" and hits[0]["title"] == "电液伺服疲劳试验机"
    assert all(hit["title"] != "电感耦合等离子体发射光谱仪" for hit in hits[:1])
    typed = client.get("/api/v1/search?q=ISO 1099&type=instrument").json["hits"]
    assert [hit["title"] for hit in typed][:1] == ["电液伺服疲劳试验机"]


def test_a_need_for_a_fatigue_test_is_recommended_the_fatigue_testing_machine(
    app, client, session, university, enterprise
):
    post_instrument(client, university)
    post_instrument(
        client,
        university,
        title="激光共聚焦显微镜",
        category="analysis",
        standards=["GB/T 33523"],
        description="材料表面三维形貌与粗糙度测量，分辨率 10 nm。",
    )
    need = create_need(
        session,
        enterprise,
        title="轮毂轴承单元疲劳寿命试验",
        description="需要对轮毂轴承单元按 GB/T 3075 进行轴向疲劳试验，载荷 100 kN，约两天。",
    )
    drain_index(app)
    recs = client.get(f"/api/v1/needs/{need.id}/recommendations?kind=instruments")
    assert recs.status_code == 200, recs.json
    assert recs.json and recs.json[0]["target_type"] == "instrument"
    assert recs.json[0]["title"] == "电液伺服疲劳试验机" and recs.json[0]["reasons"]
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "电液伺服疲劳试验机" in page


def test_a_centers_profile_lists_its_instruments(app, client, session, university):
    from models import Center, CenterStatus
    from tests.instruments.helpers import instrument_data

    center = Center(
        name="长春汽车零部件检测创新中心",
        industry="automotive",
        domain="汽车零部件可靠性",
        org_id=university.org_id,
        status=CenterStatus.filed,
    )
    session.add(center)
    session.commit()
    headers = bearer(client, university.email, PASSWORD)
    made = client.post("/api/v1/instruments", json=instrument_data(center_id=center.id), headers=headers)
    assert made.status_code == 201, made.json
    page = client.get(f"/centers/{center.id}").get_data(as_text=True)
    assert "电液伺服疲劳试验机" in page and f"/instruments/{made.json['id']}" in page
