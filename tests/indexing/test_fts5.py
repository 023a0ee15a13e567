"""What only the FTS5 backend does: jieba tokens on disk, bounded ranking work, use from many threads."""

import threading

import pytest

from indexing import SearchQuery, fts5
from indexing.fts5 import FTS5Backend
from tests.indexing.test_contract import T0, ids, listing


@pytest.fixture
def fts(tmp_path):
    backend = FTS5Backend(tmp_path / "search.sqlite3")
    yield backend
    backend.close()


def test_stores_segmented_tokens_and_original_text(fts):
    fts.upsert([listing("need-1", "激光焊接机器人", "原文<保持>不变")])
    tokens = fts._conn.execute("SELECT title FROM search_fts").fetchone()[0]
    assert tokens.split() == ["激光", "焊接", "机器", "机器人"]
    assert fts.search(SearchQuery(text="机器人")).hits[0]["snippet"] == "原文&lt;保持&gt;不变"


def test_broad_words_rank_a_bounded_window_but_count_everything(fts, monkeypatch):
    monkeypatch.setattr(fts5, "RANK_LIMIT", 3)
    fts.upsert([listing(f"need-{i}", f"检测{i}", "检测服务", updated_at=T0 + i) for i in range(10)])
    pages = [fts.search(SearchQuery(text="检测", page=p, per_page=4)) for p in (1, 2, 3)]
    assert {p.total for p in pages} == {10}
    assert sorted(i for p in pages for i in ids(p)) == sorted(f"need-{i}" for i in range(10))


def test_concurrent_reads_and_writes(fts):
    errors = []

    def write(start):
        try:
            for i in range(start, start + 30):
                fts.upsert([listing(f"need-{i}", f"焊接需求{i}", "激光焊接")])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    def read():
        try:
            for _ in range(30):
                fts.search(SearchQuery(text="焊接"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n * 100,)) for n in range(3)]
    threads += [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fts.count() == 90
