"""One market, two languages, typos forgiven: English queries find Chinese listings (and the reverse) through
the taxonomy's English names, a hit found across languages says so, and a search that finds little offers
您是不是要找 from the market's own vocabulary. Every test runs on FTS5 and on a real Meilisearch server."""

import os
import re
import uuid

import pytest

from app.market.services import indexes, suggestions
from tests.conftest import BACKENDS, require_service
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user, in_app
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


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


ENGLISH_LASER = {
    "title": "Laser cleaning of aluminium parts before welding",
    "description": "A pulsed laser cleaning head removes the oxide film from aluminium alloy sheets before "
    "welding, cutting porosity in the weld seam.",
    "industry": "optoelectronics",
    "kind": "process",
}


@pytest.fixture
def market(app, session):
    firm = create_user(session, "enterprise")
    uni = create_user(session, "university", industries=["new_energy"])
    partner = create_user(session, "university", industries=["optoelectronics"])
    battery = create_need(
        session,
        firm,
        title="储能电池低温加热与热管理",
        description="储能电池系统在严寒地区需要低温加热方案，电池温差控制在5℃以内。",
        industry="new_energy",
    )
    pack = create_achievement(
        session,
        uni,
        title="动力电池包液冷板设计",
        description="电池包液冷板流道优化，电芯温差小于3℃。",
        industry="new_energy",
    )
    car = create_need(
        session,
        firm,
        title="新能源汽车电驱动总成噪声抑制",
        description="新能源汽车电驱动总成高速啸叫，寻求降噪方案。",
        industry="automotive",
    )
    english = create_achievement(session, partner, **ENGLISH_LASER)
    with in_app(session):
        indexes.rebuild(app)
    return {
        "firm": firm,
        "battery": battery,
        "pack": pack,
        "car": car,
        "english": english,
        "partner": partner,
    }


def search(client, q: str, **args) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_an_english_query_finds_the_chinese_listings_and_says_it_crossed_languages(client, market):
    result = search(client, "battery")
    titles = {hit["title"] for hit in result["hits"]}
    assert {market["battery"].title, market["pack"].title} <= titles
    assert market["car"].title not in titles
    assert all(hit["cross_language"] and hit["language"] == "zh" for hit in result["hits"])
    # The same words in Chinese find the same listings, not across languages.
    chinese = search(client, "电池")
    assert {hit["title"] for hit in chinese["hits"]} == titles
    assert not any(hit["cross_language"] for hit in chinese["hits"])
    # A plural is the same word.
    assert {hit["title"] for hit in search(client, "batteries")["hits"]} == titles


def test_a_chinese_query_finds_a_listing_written_in_english(client, market):
    assert market["english"].language == "en" and market["battery"].language == "zh"
    hits = search(client, "激光清洗")["hits"]
    english = [
        hit for hit in hits if hit["entity_id"] == market["english"].id and hit["type"] == "achievement"
    ]
    assert english and english[0]["language"] == "en" and english[0]["cross_language"] is True
    # The English listing's page shows its language to a reader; the API returns it.
    public = search(client, "laser cleaning")["hits"]
    assert any(hit["entity_id"] == market["english"].id and not hit["cross_language"] for hit in public)


def test_the_results_page_marks_a_hit_found_across_languages(client, market):
    page = client.get("/search", query_string={"q": "battery"}).get_data(as_text=True)
    assert f'href="/needs/{market["battery"].id}"' in page
    assert page.count('class="badge cross-language"') == 2
    plain = client.get("/search", query_string={"q": "电池"}).get_data(as_text=True)
    assert 'class="badge cross-language"' not in plain


def test_a_pinyin_slip_gets_the_intended_word_first(client, market):
    result = search(client, "新能原汽车")
    assert result["suggestions"][0] == "新能源汽车"
    assert search(client, "转像架")["suggestions"][0] == "转向架"
    # The corrected search finds what was meant.
    assert market["car"].title in {hit["title"] for hit in search(client, "新能源汽车")["hits"]}
    # A search that finds enough, or a word the market knows, offers nothing.
    assert search(client, "电池")["suggestions"] == []
    assert search(client, "", type="need")["suggestions"] == []


def test_the_suggestion_is_a_link_that_runs_the_corrected_search(client, market):
    page = client.get("/search", query_string={"q": "新能原汽车", "type": "need"}).get_data(as_text=True)
    assert "您是不是要找" in page
    link = re.search(r'<a href="([^"]+)"[^>]*class="suggestion"', page)
    assert link is not None
    corrected = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f'href="/needs/{market["car"].id}"' in corrected
    # The list pages offer the same suggestion through the same search.
    listing_page = client.get("/needs", query_string={"q": "转像架"}).get_data(as_text=True)
    assert "您是不是要找" in listing_page and "转向架" in listing_page


def test_the_list_api_carries_the_same_suggestions_as_the_search(client, market):
    for kinds in ("needs", "achievements"):
        body = client.get(f"/api/v1/{kinds}", query_string={"q": "新能原汽车"}).json
        assert body["suggestions"][0] == "新能源汽车", (kinds, body)
        assert body["suggestions"] == search(client, "新能原汽车", type=kinds[:-1])["suggestions"]
    # A keyword list that finds enough, and a list without keywords, offer nothing (the key is always there).
    assert client.get("/api/v1/needs", query_string={"q": "电池"}).json["suggestions"] == []
    plain = client.get("/api/v1/needs").json
    assert plain["suggestions"] == [] and plain["total"] == 2


def test_a_list_filtered_on_the_database_offers_the_suggestion_too(client, market):
    # A category keeps a service list's keyword match on the database: the suggestion is the search's all the same.
    page = client.get("/services", query_string={"q": "转像架", "category": "testing"}).get_data(as_text=True)
    assert "您是不是要找" in page and "转向架" in page


def test_titles_words_join_the_vocabulary_at_index_time(app, client, session, market):
    # A word only a listing title holds is learned when the index is rebuilt, not inside a request.
    create_need(session, market["firm"], title="磁流变抛光工艺开发", description="大口径非球面磁流变抛光。")
    assert search(client, "磁流便")["suggestions"] == []
    with in_app(session):
        indexes.rebuild(app)
    assert suggestions.suggestions_path(app).exists()
    assert search(client, "磁流便")["suggestions"][0] == "磁流变"


def test_an_english_listing_posted_through_the_api_records_its_language(app, client, market):
    headers = bearer(client, market["partner"].email, PASSWORD)
    created = client.post(
        "/api/v1/achievements",
        json={**ENGLISH_LASER, "title": "Fatigue test rig for bogie frames", "status": "published"},
        headers=headers,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["language"] == "en"
    renamed = client.patch(
        f"/api/v1/achievements/{created.json['id']}",
        json={"title": "转向架构架疲劳试验台", "description": "转向架构架静强度与疲劳试验验证。"},
        headers=headers,
    )
    assert renamed.json["language"] == "zh"
