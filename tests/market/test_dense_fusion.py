"""The order a typed search shows when the multilingual vectors join it: the backend's lexical hits keep their
order, and the listings only the vectors found come after them (measured on the cross-lingual set, letting the
vectors reorder the lexical hits put the other language's listings out of the first ten)."""

from app.market.services import dense_search


def test_the_vectors_never_reorder_the_lexical_hits():
    keys, added = dense_search.fused_order(["zh-1", "en-1", "zh-2"], ["zh-2", "zh-1", "zh-9"], overflow=False)
    assert keys == ["zh-1", "en-1", "zh-2", "zh-9"]
    assert added == ["zh-9"]


def test_with_more_lexical_hits_than_the_window_nothing_is_added():
    keys, added = dense_search.fused_order(["a", "b"], ["c", "a"], overflow=True)
    assert (keys, added) == (["a", "b"], [])


def test_at_most_max_added_vector_hits_each_once():
    near = [f"v{n}" for n in range(dense_search.MAX_ADDED + 5)]
    keys, added = dense_search.fused_order([], near + near[:3], overflow=False)
    assert added == near[: dense_search.MAX_ADDED] and keys == added


def test_only_neighbours_near_the_nearest_count_as_hits():
    found = [("far", 0.70), ("b", 0.80), ("a", 0.81), ("c", 0.792)]
    assert dense_search.close(found) == [("a", 0.81), ("b", 0.80)]
    assert dense_search.close([("far", 0.70)]) == []
