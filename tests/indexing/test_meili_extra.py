"""What only the Meilisearch backend does: clear errors, hybrid search, browser tokens."""

import meilisearch
import pytest

from indexing import SearchBackendError, SearchQuery
from indexing.meili import MeiliBackend
from tests.indexing.test_contract import DOCS, ids

pytestmark = pytest.mark.meili


def test_unreachable_server_gives_a_clear_error():
    backend = MeiliBackend(url="http://127.0.0.1:9", key="x", timeout=1)
    with pytest.raises(SearchBackendError, match="unreachable"):
        backend.search(SearchQuery(text="激光"))
    assert backend.health()["ok"] is False


def test_wrong_key_gives_a_clear_error(meili_env):
    backend = MeiliBackend(url=meili_env[0], key="not-the-key", index_prefix="test_wrongkey_")
    with pytest.raises(SearchBackendError, match="refused"):
        backend.count()


def test_settings_include_chinese_locale(meili_backend):
    meili_backend.ensure_index()
    settings = meili_backend.index.get_settings()
    assert any("cmn" in rule["locales"] for rule in settings["localizedAttributes"])
    assert "cooperation_modes" in str(settings["filterableAttributes"])


def test_hybrid_search_with_user_provided_vectors(meili_env):
    url, key = meili_env
    backend = MeiliBackend(
        url=url, key=key, index_prefix="test_hybrid_", embedding_dimensions=3, semantic_ratio=1.0
    )
    try:
        vectors = {d["id"]: [0.0, 0.0, 1.0] for d in DOCS}
        vectors["achievement-2"] = [1.0, 0.0, 0.0]
        # Documents without a vector are accepted and simply not found by the semantic half.
        backend.upsert(DOCS[:-1], vectors=vectors)
        backend.upsert(DOCS[-1:])
        result = backend.search(SearchQuery(text="新材料"), vector=[0.9, 0.1, 0.0])
        assert ids(result)[0] == "achievement-2"
    finally:
        backend.drop_index()


def test_browser_token_sees_only_published_listings(meili_backend, meili_env):
    meili_backend.upsert(DOCS)
    search_key = meili_backend.create_search_key()
    token = meili_backend.tenant_token(search_key)
    browser = meilisearch.Client(meili_env[0], token).index(meili_backend.uid)
    found = {h["id"] for h in browser.search("", {"limit": 50})["hits"]}
    assert found == {d["id"] for d in DOCS if d["status"] == "published"}
    with pytest.raises(meilisearch.errors.MeilisearchApiError):
        browser.add_documents([{"id": "need-99", "title": "x"}])
    meili_backend.client.delete_key(search_key["uid"])
