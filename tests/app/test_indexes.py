"""The vector index of a host: consistent snapshots under concurrent writes, upkeep beside requests."""

import threading

from app.services.indexes import VectorIndex
from matching import MatcherConfig, MatchItem

WORDS = ["激光焊接", "铝合金", "气孔", "锂电池", "涂布", "数控机床", "热误差", "纺织", "抗菌", "机器人", "视觉", "压铸"]


def document(kind: str, entity_id: int, title: str, body: str, **extra) -> dict:
    """A search document as the outbox worker hands it to the vector sink."""
    return {"id": f"{kind}-{entity_id}", "type": kind, "entity_id": entity_id, "title": title, "body": body,
            "industry": extra.get("industry"), "cooperation_modes": extra.get("modes", ["license"]),
            "trl": extra.get("trl"), "region": None, "status": "published", "org_name": "", "updated_at": 0.0,
            "budget_min": None, "budget_max": None, "price": None,
            "offers_incubation": extra.get("offers_incubation", False)}


def corpus(start: int, count: int) -> list[dict]:
    return [document("achievement", i, f"{WORDS[i % len(WORDS)]}成果{i}",
                     f"{WORDS[i % len(WORDS)]}{WORDS[(i * 7) % len(WORDS)]}工艺，编号{i}。") for i in
            range(start, start + count)]


def test_readers_see_one_consistent_snapshot_while_a_writer_applies_outbox_batches(tmp_path):
    index = VectorIndex(MatcherConfig(), str(tmp_path / "vectors"))
    index.rebuild(corpus(1, 300) + [document("need", 1, "激光焊接气孔", "铝合金激光焊接气孔控制")])
    query = MatchItem(id=1, kind="need", title="激光焊接气孔", text="铝合金激光焊接气孔控制")
    errors, answered = [], [0]
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                recs = index.matcher().recommend(query, "license", k=10)
                assert recs and all(r.target_type == "achievement" for r in recs)
                answered[0] += 1
            except Exception as error:  # noqa: BLE001 - every failure a reader meets is the finding
                errors.append(repr(error))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        # Each batch replaces a stretch of listings and deletes another, as outbox batches do.
        for batch in range(40):
            base = 1 + (batch * 7) % 280
            index.apply(corpus(base, 10) + corpus(1000 + batch * 10, 10),
                        [f"achievement-{base + 10 + j}" for j in range(3)])
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors, f"{len(errors)} of {len(errors) + answered[0]} reads failed, first: {errors[0]}"
    assert answered[0] > 0
