"""FAISS vector store: id-stable upsert and removal, exact and approximate search, persistence."""

import numpy as np
import pytest

from matching.vectorstore import VectorStore


def unit(rng, n, dim=16):
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_search_returns_our_ids_best_first(rng):
    store = VectorStore(16)
    vectors = unit(rng, 5)
    store.upsert([10, 20, 30, 40, 50], vectors)
    ids, scores = store.search(vectors[2], 3)
    assert ids[0] == 30 and scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_update_replaces_vector_under_same_id(rng):
    store = VectorStore(16)
    vectors = unit(rng, 3)
    store.upsert([1, 2, 3], vectors)
    store.upsert([2], vectors[[0]])  # listing 2 now says what listing 1 says
    assert len(store) == 3
    ids, _ = store.search(vectors[1], 3)
    assert ids[0] != 2
    np.testing.assert_allclose(store.vectors([2])[0], vectors[0], atol=1e-6)


def test_remove_keeps_other_ids_stable(rng):
    store = VectorStore(16)
    vectors = unit(rng, 4)
    store.upsert([7, 8, 9, 10], vectors)
    assert store.remove([8, 999]) == 1
    assert sorted(store.ids().tolist()) == [7, 9, 10]
    assert store.search(vectors[3], 1)[0][0] == 10
    assert store.search(vectors[1], 3)[0].tolist().count(8) == 0


def test_beyond_exact_limit_switches_to_ivf_and_still_updates(rng):
    store = VectorStore(16, exact_limit=400, nprobe=64)
    vectors = unit(rng, 1000)
    store.upsert(np.arange(1000) + 5000, vectors)
    assert store.approximate and len(store) == 1000
    assert store.search(vectors[123], 1)[0][0] == 5123
    store.remove([5123])
    assert 5123 not in store.search(vectors[123], 10)[0]
    store.upsert([5123], vectors[[123]])
    assert store.search(vectors[123], 1)[0][0] == 5123 and len(store) == 1000


def test_bad_shapes_raise_value_error(rng):
    store = VectorStore(16)
    with pytest.raises(ValueError, match="shape"):
        store.upsert([1], unit(rng, 1, dim=8))
    with pytest.raises(ValueError, match="twice"):
        store.upsert([1, 1], unit(rng, 2))
    with pytest.raises(ValueError, match="positive"):
        VectorStore(0)


@pytest.mark.parametrize("exact_limit", [10000, 50])
def test_save_load_round_trip(tmp_path, rng, exact_limit):
    store = VectorStore(16, exact_limit=exact_limit, nprobe=64)
    vectors = unit(rng, 200)
    store.upsert(np.arange(200) * 3, vectors)
    path = tmp_path / "v.faiss"
    store.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]  # the temp file was renamed into place
    loaded = VectorStore.load(path, 16, exact_limit=exact_limit, nprobe=64)
    assert loaded.approximate == store.approximate
    assert sorted(loaded.ids().tolist()) == sorted((np.arange(200) * 3).tolist())
    assert loaded.search(vectors[17], 1)[0][0] == 51


def test_load_checks_dimension_and_presence(tmp_path, rng):
    store = VectorStore(16)
    store.upsert([1], unit(rng, 1))
    store.save(tmp_path / "v.faiss")
    with pytest.raises(ValueError, match="dimension 16"):
        VectorStore.load(tmp_path / "v.faiss", 32)
    with pytest.raises(FileNotFoundError, match="rebuild"):
        VectorStore.load(tmp_path / "missing.faiss", 16)
