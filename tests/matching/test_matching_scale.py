"""What lets the matcher hold a large market: builds in worker processes, compact documents and vectors, and
reads that cost the same with pending changes as without."""

import copy
import pickle

import numpy as np
import pytest

from matching import Matcher, MatcherConfig, MatchItem
from matching.analysis import analysis_pool
from matching.bench import full_scan_comparison, memory_bytes, recall_at_10
from matching.kindindex import KindIndex
from matching.lexical import MAX_FREQUENCY, LexicalIndex, term_counts, unpack_document
from matching.scoring import columns_of
from matching.vectorstore import VectorStore


def test_a_build_in_worker_processes_indexes_exactly_what_one_process_does(listings, need):
    alone = Matcher(MatcherConfig()).rebuild(listings)
    achievements = [item for item in listings if item.kind == "achievement"]
    with analysis_pool(alone.encoders, 2) as pool:
        assert pool is not None
        # Batches of three: several batches, answered by different workers, must land in the listings' order.
        spread = KindIndex.build(
            "achievement", achievements, alone.encoders, alone._make_store, batch=3, pool=pool
        )
    single = alone.kinds["achievement"]
    assert spread.lexical.vocab == single.lexical.vocab
    assert spread.lexical.docs.keys() == single.lexical.docs.keys()
    assert spread.lexical.docs == single.lexical.docs
    ids = np.array(sorted(single.lexical.docs))
    # Batches of another size only reorder the float sums of the projection.
    np.testing.assert_allclose(
        spread.stores["lsa"].vectors(ids), single.stores["lsa"].vectors(ids), atol=1e-6
    )
    together = Matcher(MatcherConfig()).rebuild(listings, workers=2)
    assert [(r.target_id, r.score) for r in together.recommend(need, "license")] == [
        (r.target_id, r.score) for r in alone.recommend(need, "license")
    ]


def test_a_web_process_builds_without_forking():
    encoders = Matcher(MatcherConfig()).encoders
    with analysis_pool(encoders, 1) as pool:
        assert pool is None


def test_documents_keep_each_terms_frequency_in_one_number():
    index = LexicalIndex()
    texts = ["激光焊接 激光焊接 车身", "锂电池 " + "正极 " * 300]
    index.upsert([5, 6], texts)
    for listing_id, text in zip([5, 6], texts, strict=True):
        cols, tfs = unpack_document(index.docs[listing_id])
        expected = {index.vocab[t]: min(n, MAX_FREQUENCY) for t, n in term_counts(text).items()}
        assert dict(zip(cols.tolist(), tfs.tolist(), strict=True)) == expected
    # The 300 repetitions count as 255: the listing still ranks first for its word.
    ids, scores = index.score_all("正极")
    assert ids[np.argmax(scores)] == 6


def test_positions_and_columns_mix_compiled_rows_and_pending_changes(matcher):
    changed = matcher.with_changes(
        [
            MatchItem(
                id=77,
                kind="achievement",
                title="激光焊接变形控制",
                text="车身激光焊接变形控制",
                trl=8,
                region="苏州",
                cooperation_modes=["license"],
                price=1e5,
            )
        ],
        removals={"achievement": [9]},
    )
    index = changed.kinds["achievement"]
    positions = index.positions([77, 1, 10])
    assert positions[0] == len(index.row_ids)  # the first pending change sits right after the compiled rows
    assert index.positions([9, 4242], missing=-7).tolist() == [-7, -7]
    with pytest.raises(KeyError):
        index.positions([9])
    got, want = index.columns(positions), columns_of([index.item(i) for i in (77, 1, 10)])
    for name in want.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))


def unit(rng, n, dim=16):
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_store_keeps_a_byte_per_dimension_and_scans_more_lists_as_it_grows(tmp_path):
    rng = np.random.default_rng(3)
    vectors = unit(rng, 6000, dim=32)
    store = VectorStore(32, exact_limit=1000, nprobe=2)
    store.upsert(np.arange(6000) + 10, vectors)
    assert store.approximate
    nlist = store.index.nlist
    assert store.index.nprobe == nlist // 16 > 2
    stored = len(__import__("faiss").serialize_index(store.index)) / len(store)
    assert stored < 32 * 4 / 2  # well under a float per dimension
    # Recall against exact search is the bench's to measure on real text vectors; here: each finds itself.
    assert all(store.search(vectors[q], 1)[0][0] == q + 10 for q in range(0, 6000, 600))
    assert store.copy().index.nprobe == store.index.nprobe
    store.save(tmp_path / "v.faiss")
    assert (
        VectorStore.load(tmp_path / "v.faiss", 32, exact_limit=1000, nprobe=2).index.nprobe
        == store.index.nprobe
    )


def test_the_bench_counts_every_part_of_a_listing_and_the_recall_of_the_approximate_index(listings, need):
    exact = Matcher(MatcherConfig(scan_limit=0)).rebuild(listings)
    assert recall_at_10(exact, [need]) is None  # nothing approximate to check
    parts = memory_bytes(exact)
    assert all(
        parts[name] > 0
        for name in ("vectors", "lexical_documents", "lexical_matrix", "first_stage", "listings", "row_maps")
    )
    assert parts["total"] == sum(value for name, value in parts.items() if name != "total")
    approximate = Matcher(MatcherConfig(exact_limit=5)).rebuild(listings)
    assert approximate.kinds["achievement"].stores["lsa"].approximate
    assert 0.0 <= recall_at_10(approximate, [need]) <= 1.0
    # Past the scan limit the bench compares the pruned first stage with scoring every listing.
    comparison = full_scan_comparison(exact, [need])
    assert comparison["pruned_recall_at_10"] == 1.0 and comparison["full_scan_p95_ms"] > 0


def test_a_saved_index_from_before_documents_were_bytes_loads_and_scores_the_same():
    index = LexicalIndex()
    index.upsert([1, 2], ["激光焊接 车身", "锂电池 正极材料"])
    before = index.score_all("激光焊接")[1]
    old = copy.copy(index)
    old.docs = {i: np.frombuffer(doc, dtype=np.uint32).copy() for i, doc in index.docs.items()}
    loaded = pickle.loads(pickle.dumps(old))
    assert all(isinstance(doc, bytes) for doc in loaded.docs.values())
    np.testing.assert_array_equal(loaded.score_all("激光焊接")[1], before)
