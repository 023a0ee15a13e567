"""What only the FTS5 backend does: jieba tokens on disk, bounded ranking work, use from many threads."""

import sqlite3
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


def _expected_facets(docs):
    """Facet counts computed the obvious way, to check the combo-id counting against."""
    expected = {"type": {}, "industry": {}, "cooperation_modes": {}, "region": {}, "status": {}}
    for doc in docs:
        for name in ("type", "industry", "region", "status"):
            if doc[name] is not None:
                expected[name][doc[name]] = expected[name].get(doc[name], 0) + 1
        for mode in set(doc["cooperation_modes"]):
            expected["cooperation_modes"][mode] = expected["cooperation_modes"].get(mode, 0) + 1
    return expected


def _many_listings(n):
    kinds = ("need", "achievement", "service")
    return [
        listing(
            f"{kinds[i % 3]}-{i}",
            f"检测设备{i}",
            "焊接" if i % 2 else "涂装",
            industry=(None, "汽车制造", "新能源")[i % 3],
            region=("武汉", "襄阳", None, "上海")[i % 4],
            cooperation_modes=[("joint", "license", "transfer")[i % 3], ("joint", "service")[i % 2]],
            status=("published", "draft")[i % 5 == 0],
            trl=1 + i % 9,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="焊接", facets=list(fts5.FACETABLE)),
        SearchQuery(
            text="检测", filters={"region": ["武汉", "上海"], "trl_min": 3}, facets=list(fts5.FACETABLE)
        ),
        SearchQuery(
            text="检测", type="need", filters={"cooperation_modes": "service"}, facets=list(fts5.FACETABLE)
        ),
        SearchQuery(filters={"industry": "新能源"}, facets=list(fts5.FACETABLE)),
    ],
)
def test_facets_are_exact_over_the_filtered_matches(fts, query):
    docs = _many_listings(60)
    fts.upsert(docs)
    result = fts.search(SearchQuery(text=query.text, type=query.type, filters=query.filters, per_page=100))
    matched = [d for d in docs if d["id"] in set(ids(result))]
    assert result.total == len(matched) > 0
    assert fts.search(query).facets == _expected_facets(matched)


def test_facets_follow_edits_made_through_another_connection(tmp_path):
    reader, writer = FTS5Backend(tmp_path / "s.sqlite3"), FTS5Backend(tmp_path / "s.sqlite3")
    writer.upsert([listing("need-1", "焊接", "", region="武汉")])
    assert reader.search(SearchQuery(text="焊接")).facets["region"] == {"武汉": 1}
    # A value the reader has never seen (a new facet combination) and a moved document.
    writer.upsert(
        [listing("need-1", "焊接", "", region="宜昌"), listing("need-2", "焊接", "", region="武汉")]
    )
    assert reader.search(SearchQuery(text="焊接")).facets["region"] == {"宜昌": 1, "武汉": 1}
    reader.close()
    writer.close()


def test_an_index_written_before_facet_combos_is_upgraded_on_open(tmp_path):
    path = tmp_path / "old.sqlite3"
    docs = _many_listings(12)
    backend = FTS5Backend(path)
    backend.upsert(docs)
    backend.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE search_doc DROP COLUMN facet_combo")
    conn.execute("DROP TABLE search_facet_combo")
    conn.commit()
    conn.close()
    reopened = FTS5Backend(path)
    assert reopened.search(SearchQuery(facets=list(fts5.FACETABLE))).facets == _expected_facets(docs)
    reopened.close()
