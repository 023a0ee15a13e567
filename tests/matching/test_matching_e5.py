"""The e5 channel without the app: the client against a fake service (up, down, slow), the encoder's stored
vectors, and how its ranking joins the lexical one."""

import time

import numpy as np
import pytest

from matching import Matcher, MatcherConfig, MatchItem, e5
from matching import matcher as matcher_module
from matching.fusion import fuse_dense_reading
from tests.utils.fake_e5 import FakeE5, embed


@pytest.fixture
def fake():
    server = FakeE5()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _unconfigured():
    yield
    e5.configure(None, None)


def test_client_sends_the_mode_and_gets_unit_vectors_in_order(fake):
    client = e5.E5Client(fake.url)
    vectors = client.embed(["动力电池", "激光焊接", "纺织"], "passage")
    assert vectors.shape == (3, e5.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[0], embed("动力电池"), atol=1e-6)
    assert fake.requests == [("passage", ["动力电池", "激光焊接", "纺织"])]
    # The service adds the "query: " prefix itself: the text goes as typed.
    client.embed(["battery"], "query")
    assert fake.requests[-1] == ("query", ["battery"])


def test_client_sends_batches_of_at_most_its_batch_size(fake):
    client = e5.E5Client(fake.url, batch=4)
    assert client.embed([f"电池{i}" for i in range(10)], "passage").shape == (10, e5.DIM)
    assert [len(texts) for _mode, texts in fake.requests] == [4, 4, 2]


def test_client_down_fails_fast_and_then_does_not_wait_again(fake):
    client = e5.E5Client(fake.url, cooldown=60)
    fake.stop()
    started = time.perf_counter()
    with pytest.raises(e5.E5Unavailable, match="failed"):
        client.embed(["电池"], "query")
    # Within the cooldown the client answers at once, without a connection attempt.
    with pytest.raises(e5.E5Unavailable, match="is down"):
        client.embed(["电池"], "query")
    assert time.perf_counter() - started < 1.0
    assert not client.health()


def test_client_times_out_on_a_slow_service(fake):
    fake.delay = 1.0
    client = e5.E5Client(fake.url, timeout=0.2)
    started = time.perf_counter()
    with pytest.raises(e5.E5Unavailable):
        client.embed(["电池"], "query")
    assert time.perf_counter() - started < 0.9


def test_client_recovers_when_the_service_returns(fake):
    client = e5.E5Client(fake.url, cooldown=0)
    fake.stop()
    with pytest.raises(e5.E5Unavailable):
        client.embed(["电池"], "passage")
    fake.start()
    assert client.embed(["电池"], "passage").shape == (1, e5.DIM)


def test_the_config_adds_e5_to_the_default_only_with_a_service():
    assert MatcherConfig.from_mapping({}).encoders == ("lsa",)
    assert MatcherConfig.from_mapping({"E5_URL": "http://127.0.0.1:8765"}).encoders == ("lsa", "e5")
    assert MatcherConfig.from_mapping({"E5_URL": "http://x", "MATCH_ENCODERS": "st"}).encoders == ("st",)
    with pytest.raises(ValueError, match="E5_URL"):
        MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa,e5"})


class DictSource:
    """Stored vectors as the index worker leaves them: by passage key."""

    def __init__(self, texts):
        self.vectors = {e5.passage_key(t): np.asarray(embed(t), dtype=np.float32) for t in texts}
        self.looked_up = 0

    def lookup(self, keys):
        self.looked_up += len(keys)
        return {k: self.vectors[k] for k in keys if k in self.vectors}


LISTINGS = [
    MatchItem(1, "achievement", "纺织品数码印花", "活性染料数码喷墨印花工艺", industry="textiles"),
    MatchItem(2, "achievement", "铝合金激光焊接", "车身铝合金激光焊接气孔控制", industry="automotive"),
    MatchItem(3, "achievement", "动力电池极片涂布", "锂电池极片涂布面密度在线控制", industry="new_energy"),
    MatchItem(4, "achievement", "微生物发酵工艺", "酶制剂发酵过程控制", industry="biomedicine"),
]


def build(encoders, stored=()):
    e5.configure(DictSource([item.full_text for item in stored]) if stored else None, None)
    config = MatcherConfig.from_mapping({"MATCH_ENCODERS": encoders, "E5_URL": "http://127.0.0.1:1"})
    return Matcher(config).rebuild(LISTINGS)


def test_an_english_need_finds_the_chinese_listing_through_its_stored_vector():
    need = MatchItem(
        99, "need", "Battery electrode coating", "We need thickness control for battery coating."
    )
    with_e5 = build("lsa,e5", stored=[*LISTINGS, need])
    results = with_e5.recommend(need, "license", k=4)
    assert (results[0].target_type, results[0].target_id) == ("achievement", 3)
    assert results[0].meta == {"e5": "used"}
    # Lexical and LSA alone have no word in common to go by: the battery listing is not first.
    without = build("lsa").recommend(need, "license", k=4)
    assert without[0].target_id != 3 and without[0].meta == {}


def test_a_need_without_a_stored_vector_skips_e5_and_ranks_as_without_it():
    need = MatchItem(99, "need", "激光焊接气孔", "铝合金激光焊接气孔率高")
    skipped = build("lsa,e5", stored=LISTINGS).recommend(need, "license", k=4)
    plain = build("lsa").recommend(need, "license", k=4)
    assert [r.meta for r in skipped] == [{"e5": "skipped"}] * len(skipped)
    assert [(r.target_id, r.score) for r in skipped] == [(r.target_id, r.score) for r in plain]


def test_an_indexed_need_uses_its_own_stored_vector_not_the_service():
    need = MatchItem(50, "need", "Battery coating", "battery coating thickness")
    source_texts = [*LISTINGS, need]
    matcher = build("lsa,e5", stored=source_texts).with_changes([need])
    # A recommendation reads the need's vector from the index: it still works once the source is gone.
    e5.configure(None, None)
    results = matcher.recommend(need, "license", k=2)
    assert results[0].target_id == 3 and results[0].meta == {"e5": "used"}


def test_listings_without_vectors_are_indexed_as_zero_rows_and_filled_by_a_later_write():
    matcher = build("lsa,e5")  # nothing stored yet: the service was down at index time
    kind = matcher.kinds["achievement"]
    assert not kind.vectors("e5", np.array([1, 2])).any()
    e5.configure(DictSource([item.full_text for item in LISTINGS]), None)
    refreshed = matcher.with_changes(LISTINGS[:1])
    assert refreshed.kinds["achievement"].vectors("e5", np.array([1]))[0] @ np.asarray(
        embed(LISTINGS[0].full_text)
    ) == (pytest.approx(1.0, abs=1e-5))


def test_each_field_has_the_centroid_of_its_listings_vectors():
    battery_cell = MatchItem(5, "achievement", "电池单体检测", "电池单体内阻检测", industry="new_energy")
    e5.configure(DictSource([item.full_text for item in [*LISTINGS[1:], battery_cell]]), None)
    config = MatcherConfig.from_mapping({"MATCH_ENCODERS": "lsa,e5", "E5_URL": "http://127.0.0.1:1"})
    kind = Matcher(config).rebuild([*LISTINGS, battery_cell]).kinds["achievement"]
    centroids = kind.field_centroids("e5")
    row = dict(zip(kind.industry_names, centroids, strict=True))
    # Two battery listings: their mean direction, unit length.
    mean = np.asarray(embed(LISTINGS[2].full_text)) + np.asarray(embed(battery_cell.full_text))
    assert np.allclose(row["new_energy"], mean / np.linalg.norm(mean), atol=1e-5)
    assert np.allclose(row["automotive"], embed(LISTINGS[1].full_text), atol=1e-5)
    # The textile listing has no vector yet: its field has no centroid (and is never near a query).
    assert np.isnan(row["textiles"]).all()
    assert build("lsa").kinds["achievement"].field_centroids("e5") is None


def test_a_need_that_states_no_field_is_read_into_the_field_its_meaning_is_nearest(monkeypatch):
    need = MatchItem(
        99, "need", "Accumulator pack for a delivery van", "We look for an accumulator supplier."
    )

    def scores() -> dict[int, float]:
        found = build("lsa,e5", stored=[*LISTINGS, need]).recommend(need, "license", k=4)
        return {result.target_id: result.score for result in found}

    by_meaning = scores()
    monkeypatch.setattr(matcher_module, "CENTROID_SHARE", 0.0)
    by_classifier = scores()
    # The battery listing's field is the need's by meaning: its match rises; the other fields' do not move.
    assert by_meaning[3] > by_classifier[3] + 0.1
    assert [by_meaning[i] for i in (1, 2, 4)] == pytest.approx([by_classifier[i] for i in (1, 2, 4)])


def test_fusing_the_dense_reading_keeps_the_lexical_scale_and_order_when_it_says_nothing():
    lexical = np.array([0.6, 0.3, 0.1, 0.0], dtype=np.float32)
    assert np.array_equal(fuse_dense_reading(lexical, np.full(4, 0.8)), lexical)  # flat: no evidence
    assert np.array_equal(fuse_dense_reading(lexical, np.array([0.9, 0.8, 0.7, 0.6]), share=0.0), lexical)
    fused = fuse_dense_reading(lexical, np.array([0.80, 0.80, 0.95, 0.80]))
    # The listing the vectors single out rises; the others keep their lexical scores and order.
    assert fused[2] > lexical[2] and np.array_equal(fused[[0, 1, 3]], lexical[[0, 1, 3]])
    assert fused.max() <= 1.0


def test_without_any_lexical_evidence_the_dense_reading_alone_orders_the_pool():
    fused = fuse_dense_reading(np.zeros(3, dtype=np.float32), np.array([0.70, 0.90, 0.80]))
    assert list(np.argsort(-fused)) == [1, 2, 0] and fused.max() <= 0.5
