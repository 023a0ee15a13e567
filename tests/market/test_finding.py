"""Finding as users expect: the list pages' keyword filter is site search, synonyms, sort orders, districts,
hits that say enough, out-of-range pages; on the embedded FTS5 index and on a real Meilisearch server."""

import os
import uuid
from datetime import date

import pytest

from app.market.services import indexes
from tests.conftest import require_service
from tests.utils.factories import create_achievement, create_need, create_user, in_app


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


@pytest.fixture
def market(app, session):
    """EV listings that never say 新能源汽车, a battery thermal need, and listings to sort."""
    firm, uni = create_user(session, "enterprise"), create_user(session, "university")
    rows = {
        "motor": create_need(
            session,
            firm,
            title="扁线电机高速啸叫噪声抑制",
            description="电驱动总成扁线电机高速工况啸叫明显。",
            budget_min=100000,
            budget_max=300000,
            trl=5,
            deadline=date(2031, 3, 1),
            region="高新区",
        ),
        "thermal": create_need(
            session,
            firm,
            title="储能电池系统低温热管理",
            description="电池包在严寒地区需要低温加热与热管理。",
            budget_min=None,
            budget_max=2000000,
            trl=7,
            deadline=date(2030, 6, 1),
            region="九台区",
        ),
        "mould": create_need(
            session,
            firm,
            title="压铸模具寿命提升",
            description="大型模具冷却水道设计与表面强化。",
            budget_min=None,
            budget_max=None,
            trl=None,
            deadline=None,
            region="经开区",
        ),
        "sic": create_achievement(
            session, uni, title="800V碳化硅电机控制器热设计", description="双面冷却功率模块。", price=0, trl=8
        ),
    }
    with in_app(session):
        indexes.rebuild(app)
    yield rows
    backend = app.extensions.get("search_backend")
    if backend is not None and hasattr(backend, "drop_index"):
        backend.drop_index()


def hit_titles(client, **params) -> list[str]:
    return [hit["title"] for hit in client.get("/api/v1/search", query_string=params).json["hits"]]


def card_titles(client, path: str, **params) -> list[str]:
    html = client.get(path, query_string=params).get_data(as_text=True)
    titles = []
    for chunk in html.split('class="card-title"')[1:]:
        anchor = chunk.split("</a>", 1)[0].split(">", 2)[-1]
        titles.append(anchor.replace("<mark>", "").replace("</mark>", ""))
    return titles


def test_list_keyword_and_site_search_agree_with_highlights(client, market):
    site = hit_titles(client, q="电池 热管理", type="need")
    listed = client.get("/api/v1/needs", query_string={"q": "电池 热管理"}).json
    assert site == [market["thermal"].title] == [item["title"] for item in listed["items"]]
    html = client.get("/needs", query_string={"q": "电池 热管理"}).get_data(as_text=True)
    assert "共 1 条" in html and "<mark>" in html


def test_a_synonym_finds_the_listings_of_its_narrower_words(client, market):
    found = set(hit_titles(client, q="新能源汽车"))
    assert {market["motor"].title, market["sic"].title} <= found
    assert market["mould"].title not in found
    assert set(hit_titles(client, q="电动汽车")) == found  # another spelling of the same word


def test_each_sort_order_in_api_and_pages(client, market):
    by = {
        name: [
            item["title"] for item in client.get("/api/v1/needs", query_string={"sort": name}).json["items"]
        ]
        for name in ("deadline", "price", "trl")
    }
    motor, thermal, mould = (market[k].title for k in ("motor", "thermal", "mould"))
    assert by["deadline"] == [thermal, motor, mould]
    assert by["price"] == [thermal, motor, mould]
    assert by["trl"] == [thermal, motor, mould]
    assert card_titles(client, "/needs", sort="deadline") == [thermal, motor, mould]
    searched = [
        hit["title"]
        for hit in client.get(
            "/api/v1/search", query_string={"q": "电池 OR 电机 OR 模具", "type": "need", "sort": "deadline"}
        ).json["hits"]
    ]
    assert searched == sorted(searched, key=[thermal, motor, mould].index)
    assert client.get("/api/v1/needs", query_string={"sort": "cheapest"}).status_code == 422
    assert client.get("/api/v1/search", query_string={"sort": "cheapest"}).status_code == 422


def test_district_select_filters_and_shows_names(client, market):
    html = client.get("/needs", query_string={"region": "220113"}).get_data(as_text=True)
    assert "共 1 条" in html and market["thermal"].title in html and "九台区" in html
    assert '<option value="2201Z01"' in html  # the select offers the development zones too
    api = client.get("/api/v1/needs", query_string={"region": "2201Z01"}).json
    assert [item["region"] for item in api["items"]] == ["2201Z01"]


def test_active_filters_show_as_removable_chips_with_clear_all(client, market):
    html = client.get("/needs", query_string={"region": "220113", "q": "热管理", "sort": "newest"}).get_data(
        as_text=True
    )
    chips = html.split('class="filter-chips"', 1)[1].split("</div>", 1)[0]
    # Each chip names its filter and links to the same list without it; 清除全部 keeps only the sort.
    assert "地区：九台区" in chips and "关键词：热管理" in chips
    assert 'href="/needs?q=%E7%83%AD%E7%AE%A1%E7%90%86&amp;sort=newest"' in chips
    assert 'href="/needs?region=220113&amp;sort=newest"' in chips
    assert '<a class="chip-clear" href="/needs?sort=newest">清除全部</a>' in chips
    assert 'class="filter-chips"' not in client.get("/needs").get_data(as_text=True)
    searched = client.get("/search", query_string={"q": "碳化硅", "type": "achievement"}).get_data(
        as_text=True
    )
    chips = searched.split('class="filter-chips"', 1)[1].split("</div>", 1)[0]
    assert (
        "类型：" in chips
        and '<a class="chip-clear" href="/search?q=%E7%A2%B3%E5%8C%96%E7%A1%85">清除全部</a>' in chips
    )


def test_hits_and_cards_tell_who_what_price_and_when(client, market):
    html = client.get("/search", query_string={"q": "碳化硅"}).get_data(as_text=True)
    assert "免费" in html and "0 万元" not in html and "TRL" in html
    assert f'href="/organizations/{market["sic"].org_id}"' in html
    assert "<h2>类型</h2>" in html and "成果类型" not in html
    hit = client.get("/api/v1/search", query_string={"q": "啸叫"}).json["hits"][0]
    assert hit["region"] == "2201Z01" and hit["budget_max"] == 300000 and hit["deadline"] == "2031-03-01"


def test_out_of_range_pages_go_to_the_last_page(client, market):
    listed = client.get("/needs?page=99&sort=trl")
    assert listed.status_code == 302 and "page=1" in listed.headers["Location"]
    assert "sort=trl" in listed.headers["Location"]
    searched = client.get("/search?q=电池&page=50")
    assert searched.status_code == 302 and "page=1" in searched.headers["Location"]


def test_the_matcher_reads_a_need_with_its_narrower_words(client, session, market):
    # The need says only 新能源汽车; the matcher's query also carries the words it finds (电机控制器, 电驱动...).
    from app.market.services.recommendations import _query_item

    need = create_need(
        session,
        create_user(session, "enterprise"),
        title="新能源汽车整车降噪",
        description="寻求新能源汽车方面的合作。",
    )
    query = _query_item(need)
    assert {"电机控制器", "电驱动"} <= set(query.text.split()) and query.title == need.title
    with in_app(session):
        indexes.rebuild(client.application)
    recs = client.get(f"/api/v1/needs/{need.id}/recommendations", query_string={"kind": "license"}).json
    assert [rec["target_id"] for rec in recs] == [market["sic"].id]
