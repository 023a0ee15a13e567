"""The pruned lexical first stage: what a kind past MATCH_SCAN_LIMIT listings reads instead of every posting.
It must find the listings that scoring every one finds, and score them the same."""

import random

import numpy as np
import pytest
import scipy.sparse as sp

from matching import Matcher, MatcherConfig, MatchItem, firststage
from matching.firststage import PrunedPostings, weights_at
from matching.lexical import LexicalIndex
from tests.matching.conftest import ACHIEVEMENTS


def random_matrix(rows=3000, cols=400, seed=0):
    """A BM25-like matrix: a few terms in most rows (single characters), most terms in few (words)."""
    rng = np.random.default_rng(seed)
    df = np.minimum(rows, (rows * 0.8 / np.arange(1, cols + 1) ** 1.1).astype(int) + 1)
    entries = [(rng.choice(rows, n, replace=False), np.full(n, c)) for c, n in enumerate(df)]
    row = np.concatenate([r for r, _ in entries])
    col = np.concatenate([c for _, c in entries])
    data = rng.uniform(0.2, 2.2, len(row)).astype(np.float32)
    return sp.csc_matrix((data, (row, col)), shape=(rows, cols), dtype=np.float32)


def test_entries_are_found_by_binary_search_as_a_dense_lookup_finds_them():
    matrix = random_matrix()
    dense = matrix.toarray()
    rows, cols = np.array([0, 7, 7, 2999, 1500]), np.array([0, 3, 399, 120])
    np.testing.assert_array_equal(weights_at(matrix, cols, rows), dense[np.ix_(rows, cols)])
    assert weights_at(matrix, cols, np.array([], dtype=np.int64)).shape == (0, 4)


def test_the_pruned_read_finds_the_best_rows():
    matrix = random_matrix()
    dense = matrix.toarray()
    pruned = PrunedPostings.build(matrix, head=64, sample=500)
    rng = np.random.default_rng(1)
    found = 0
    for _ in range(20):
        # A query: two frequent terms (characters) and three rarer ones (words), weighted by rarity.
        cols = np.sort(np.concatenate([rng.choice(10, 2, replace=False), rng.choice(np.arange(10, 400), 3)]))
        weights = (1.0 + np.log1p(cols)).astype(np.float32)
        exact = dense[:, cols] @ weights
        truth = set(np.argsort(-exact)[:10].tolist())
        # A budget of 300 postings reads the rare terms whole and only the heads of the frequent ones.
        rows = pruned.best(cols, weights, wanted=10, budget=300)
        assert np.all(np.diff(rows) > 0) and len(rows) <= firststage.CANDIDATES
        scores = exact[rows]
        found += len(truth & set(rows[np.argsort(-scores)[:10]].tolist()))
        # An unlimited budget reads every posting: the best rows are exactly those of a full scan.
        rows = pruned.best(cols, weights, wanted=10, budget=10**9)
        scores = exact[rows]
        assert (
            set(rows[np.argsort(-scores)[:10]].tolist()) == truth
            or np.sort(scores)[-10] == np.sort(exact)[-10]
        )  # only a tie at the cut may swap rows
    assert found / 200 >= 0.9


def test_rows_are_scored_from_their_documents_as_the_compiled_matrix_scores_them():
    index = LexicalIndex()
    texts = [t for _, title, text, _, _ in ACHIEVEMENTS for t in (title, text)] + ["", "激光焊接 " * 300]
    index.upsert(list(range(100, 100 + len(texts))), texts)
    _, matrix, _ = index.compiled()
    cols = np.sort(np.array([index.vocab[t] for t in ("激光", "焊接", "#焊", "锂电池", "#的")]))
    weights = np.array([1.5, 0.2, 2.0, 0.7, 1.1], dtype=np.float32)
    rows = np.array([0, 3, len(texts) - 2, len(texts) - 1, 5])
    np.testing.assert_allclose(
        index.row_scores(rows, cols, weights), np.asarray(matrix[rows][:, cols] @ weights).ravel(), rtol=1e-6
    )
    assert index.row_scores(np.array([], dtype=np.int64), cols, weights).shape == (0,)


def test_the_spread_of_scores_is_estimated_on_a_sample_of_rows():
    matrix = random_matrix(rows=20000, cols=200, seed=2)
    cols = np.array([0, 5, 40, 150])
    per_channel = np.array([[1.0, 0.0], [0.5, 0.0], [2.0, 3.0], [1.0, 1.0]], dtype=np.float32)
    truth = np.asarray(matrix[:, cols] @ per_channel, dtype=np.float64).std(axis=0)
    estimate = PrunedPostings.build(matrix, sample=4000).spreads(cols, per_channel)
    np.testing.assert_allclose(estimate, truth, rtol=0.05)
    # A kind smaller than the sample is measured on all its rows.
    np.testing.assert_allclose(
        PrunedPostings.build(matrix, sample=20000).spreads(cols, per_channel), truth, rtol=1e-5
    )


def market(n, seed=0):
    """n achievements, each recombining the fixture's sentences of one field, in random fields."""
    rng = random.Random(seed)
    by_field = {}
    for _, title, text, industry, _ in ACHIEVEMENTS:
        by_field.setdefault(industry, []).extend([title, text])
    fields = sorted(by_field)
    items = []
    for i in range(n):
        field = rng.choice(fields)
        parts = rng.sample(by_field[field], 2) + [rng.choice(by_field[rng.choice(fields)])]
        items.append(
            MatchItem(
                id=i + 1,
                kind="achievement",
                title=parts[0][:20],
                text="，".join(parts),
                industry=field,
                trl=rng.randint(1, 9),
                cooperation_modes=["license"],
                offers_incubation=rng.random() < 0.05,
            )
        )
    return items


QUERIES = [
    MatchItem(
        id=10**6, kind="need", title="车身焊接变形大", text="希望找到汽车车身激光焊接工艺，减少焊接变形。"
    ),
    MatchItem(id=10**6 + 1, kind="need", title="", text="需要棉织物抗菌整理技术，要求耐洗涤。"),
    MatchItem(id=10**6 + 2, kind="need", title="电池寿命", text="锂电池循环寿命短", industry="new_energy"),
]


@pytest.fixture(scope="module")
def built():
    """A market compiled with pruned postings (as if past the scan limit)."""
    return Matcher(MatcherConfig(scan_limit=0)).rebuild(market(3000))


@pytest.fixture(scope="module")
def scanned(built):
    """The same indexes, every listing scored."""
    return built.with_scan_limit(10**9)


def test_only_a_kind_past_the_scan_limit_keeps_pruned_postings(built, scanned):
    assert built.kinds["achievement"]._base.pruned is not None
    small = Matcher(MatcherConfig(scan_limit=2999)).rebuild(market(3000))
    assert small.kinds["achievement"]._base.pruned is not None
    assert (
        Matcher(MatcherConfig(scan_limit=3000)).rebuild(market(3000)).kinds["achievement"]._base.pruned
        is None
    )
    # Compaction keeps the kind's limit.
    changed = small.with_changes([market(1)[0]]).compacted()
    assert changed.kinds["achievement"]._base.pruned is not None


def test_past_the_scan_limit_recommendations_are_those_of_a_full_scan(built, scanned):
    # Smaller than the sample and the candidate budget: the pruned read must give exactly the same answers.
    cut = built
    for query in QUERIES:
        for rec_kind in ("license",):
            assert [(r.target_id, r.score) for r in cut.recommend(query, rec_kind, k=10)] == [
                (r.target_id, r.score) for r in scanned.recommend(query, rec_kind, k=10)
            ]
    # With pending changes and removals too.
    fresh = MatchItem(
        id=5000,
        kind="achievement",
        title="车身激光焊接变形控制",
        industry="automotive",
        text="汽车车身激光焊接变形控制工艺，减少焊接变形。",
        cooperation_modes=["license"],
    )
    best = scanned.recommend(QUERIES[0], "license", k=1)[0].target_id
    changed = built.with_changes([fresh], removals={"achievement": [best]})
    got = changed.recommend(QUERIES[0], "license", k=10)
    want = changed.with_scan_limit(10**9).recommend(QUERIES[0], "license", k=10)
    # The spread is estimated on the compiled rows alone, so scores may differ in the fourth decimal.
    assert [r.target_id for r in got] == [r.target_id for r in want]
    assert [r.score for r in got] == pytest.approx([r.score for r in want], abs=1e-3)
    assert got[0].target_id == 5000 and best not in [r.target_id for r in got]


def test_a_query_without_a_known_word_is_answered_from_its_field(built, scanned):
    unknown = MatchItem(id=10**6 + 3, kind="need", title="", text="ZZZ QQQ", industry="textiles")
    got = built.recommend(unknown, "license", k=5)
    assert len(got) == 5 and all(
        scanned.listing("achievement", r.target_id).industry == "textiles" for r in got
    )


def test_a_small_budget_still_finds_what_a_full_scan_finds(built, scanned, monkeypatch):
    monkeypatch.setattr(firststage, "POSTING_BUDGET", 400)
    monkeypatch.setattr(firststage, "CANDIDATES", 60)
    cut = built
    for query in QUERIES:
        want = [r.target_id for r in scanned.recommend(query, "license", k=10)]
        got = [r.target_id for r in cut.recommend(query, "license", k=10)]
        assert len(set(got) & set(want)) >= 8
        assert got[0] == want[0]
    # Features for the learned ranker agree with a full scan too (the pruned scores are exact).
    candidates = [scanned.listing("achievement", i) for i in (1, 2, 3, 2999)]
    np.testing.assert_allclose(
        cut.features(QUERIES[0], candidates), scanned.features(QUERIES[0], candidates), atol=1e-5
    )


def test_incubation_past_the_scan_limit_still_lists_incubators_only(monkeypatch):
    services = [
        MatchItem(
            id=item.id,
            kind="service",
            title=item.title,
            text=item.text,
            industry=item.industry,
            cooperation_modes=["service", "incubation"] if item.offers_incubation else ["service"],
            offers_incubation=item.offers_incubation,
        )
        for item in market(2000, seed=5)
    ]
    built = Matcher(MatcherConfig(scan_limit=0)).rebuild(services)
    need = MatchItem(
        id=10**6 + 4,
        kind="need",
        title="",
        text="锂电池初创企业寻求孵化和正极材料中试",
        industry="new_energy",
    )
    # Few candidates: most of the lexical ones are not incubators, which must still be found by their field.
    monkeypatch.setattr(firststage, "CANDIDATES", 20)
    monkeypatch.setattr(firststage, "CANDIDATES_PER_WANTED", 1)
    got = built.recommend(need, "incubation", k=10)
    want = built.with_scan_limit(10**9).recommend(need, "incubation", k=10)
    assert len(got) == 10 and all(built.listing("service", r.target_id).offers_incubation for r in got)
    assert len({r.target_id for r in got} & {r.target_id for r in want}) >= 8
