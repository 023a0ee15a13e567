"""The backend-independent parts of the contract: query validation and choosing a backend by name."""

import pytest

from indexing import BACKENDS, SearchQuery, make_backend
from indexing.fts5 import FTS5Backend


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page": 0},
        {"page": -1},
        {"page": "2"},
        {"per_page": 0},
        {"per_page": 1000},
        {"per_page": True},
        {"page": 10_000},
        {"sort": "price"},
        {"type": "person"},
        {"facets": ["title"]},
        {"filters": {"colour": "red"}},
        {"filters": {"trl_min": "high"}},
        {"filters": {"trl_min": 12}},
        {"filters": {"region": [1, 2]}},
    ],
)
def test_nonsense_queries_are_refused(kwargs):
    with pytest.raises(ValueError):
        SearchQuery(**kwargs)


def test_filters_are_normalised():
    q = SearchQuery(
        text="  激光 ", filters={"region": "武汉", "industry": None, "trl_min": "4", "status": []}
    )
    assert q.text == "激光"
    assert q.filters == {"region": ["武汉"], "trl_min": 4}
    assert q.effective_sort == "relevance"
    assert SearchQuery().effective_sort == "updated_at"


def test_backends_are_chosen_by_name():
    assert set(BACKENDS) == {"fts5", "meilisearch"}
    assert isinstance(make_backend("fts5"), FTS5Backend)
    with pytest.raises(ValueError, match="unknown search backend"):
        make_backend("elasticsearch")
