"""The embedded default: SQLite FTS5 over jieba tokens, in its own SQLite file, no server needed."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from indexing.base import (
    FACETABLE,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
    validate_documents,
)
from indexing.highlight import highlight_pattern, mark, snippet
from matching.text import expansions, index_tokens, is_latin_word, query_words

# bm25() weights per FTS column (title, body, org_name): a word in the title says more than one in the body.
BM25_WEIGHTS = (5.0, 1.0, 2.0)
RANK_LIMIT = 2_000
MMAP_BYTES = 256 * 1024 * 1024
CACHE_KIB = 64 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_doc (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    industry TEXT,
    cooperation_modes TEXT NOT NULL DEFAULT '[]',
    trl INTEGER,
    region TEXT,
    status TEXT,
    org_name TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL DEFAULT 0,
    facet_combo INTEGER,
    expires_at REAL,
    deadline REAL,
    money REAL
);
-- Each distinct combination of a document's FACETABLE values gets a small id (search_doc.facet_combo).
-- Rows are only ever added, never changed or deleted, so a reader may cache them for good; counting
-- facets is then one pass over the matches' combo ids instead of one GROUP BY per facet.
CREATE TABLE IF NOT EXISTS search_facet_combo (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
-- Bodies live apart so search_doc rows stay narrow: facets and filters join thousands of them per query.
CREATE TABLE IF NOT EXISTS search_doc_body (rowid INTEGER PRIMARY KEY, body TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS search_doc_updated ON search_doc (updated_at DESC);
CREATE INDEX IF NOT EXISTS search_doc_type_updated ON search_doc (type, updated_at DESC);
-- One row per (document, mode) so "any of these modes" is an indexed lookup and facets a GROUP BY.
CREATE TABLE IF NOT EXISTS search_doc_mode (
    mode TEXT NOT NULL,
    doc_rowid INTEGER NOT NULL,
    PRIMARY KEY (mode, doc_rowid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_doc_mode_doc ON search_doc_mode (doc_rowid);
-- Holds jieba tokens joined by spaces, not the original text; rowid equals search_doc.rowid.
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    title, body, org_name, tokenize = 'unicode61 remove_diacritics 2'
);
"""

_DOC_COLUMNS = (
    "id",
    "type",
    "entity_id",
    "title",
    "industry",
    "cooperation_modes",
    "trl",
    "region",
    "status",
    "org_name",
    "updated_at",
    "expires_at",
    "deadline",
    "money",
    "facet_combo",
)
# search_doc columns copied into the temp ``hit`` table: the page's sort keys and the facet combination.
_HIT_COLUMNS = ("id", "updated_at", "trl", "deadline", "money", "facet_combo")
# ORDER BY of each sort over a row source aliased d; a missing sort key goes last, newest breaks ties.
_ORDER = {
    "relevance": "d.score DESC, d.updated_at DESC, d.id",
    "updated_at": "d.updated_at DESC, d.id",
    "deadline": "d.deadline IS NULL, d.deadline ASC, d.updated_at DESC, d.id",
    "money": "d.money IS NULL, d.money DESC, d.updated_at DESC, d.id",
    "trl": "d.trl IS NULL, d.trl DESC, d.updated_at DESC, d.id",
}


class FTS5Backend(SearchBackend):
    """Listings in an SQLite FTS5 table, ranked by BM25, title weighted above body."""

    name = "fts5"

    def __init__(self, path: str | Path = ":memory:", **_ignored: Any) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # One connection shared under a lock: ":memory:" must be one connection, and SQLite
        # serialises writers anyway; reads are short enough that the lock is not the bottleneck.
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, timeout=10.0, isolation_level=None
            )
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA temp_store = MEMORY")
            # A search at 100k listings touches thousands of search_doc and FTS pages; the default 2 MB
            # page cache cannot hold them, and re-reading each page through a syscall was a third of the
            # cost of a broad query. Map the file (pages shared with the OS cache) and keep a larger cache.
            self._conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self._conn.executescript(SCHEMA)
            self._add_sort_columns()
            self._add_facet_combos()
            self._add_expiry()
            # The matches of one text query, with copies of the sort keys and facet combination so that
            # paging and counting facets over ~12k matches of a broad word never re-join search_doc.
            self._conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS hit (rowid INTEGER PRIMARY KEY, score REAL, "
                f"{', '.join(_HIT_COLUMNS)})"
            )
        except sqlite3.Error as exc:
            raise SearchBackendError(f"cannot open the search index at {self.path}: {exc}") from exc
        self._combos = _FacetCombos()

    def _add_sort_columns(self) -> None:
        """Give an index written before the deadline and money sorts their columns (empty until reindexed)."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(search_doc)")}
        for column in ("deadline", "money"):
            if column not in columns:
                self._conn.execute(f"ALTER TABLE search_doc ADD COLUMN {column} REAL")

    def _add_facet_combos(self) -> None:
        """Give an index written before search_facet_combo existed its facet_combo column and values."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(search_doc)")}
        if (
            "facet_combo" in columns
            and not self._conn.execute(
                "SELECT 1 FROM search_doc WHERE facet_combo IS NULL LIMIT 1"
            ).fetchone()
        ):
            return
        with self._write() as conn:
            if "facet_combo" not in columns:
                conn.execute("ALTER TABLE search_doc ADD COLUMN facet_combo INTEGER")
            missing = conn.execute(
                "SELECT rowid, type, industry, cooperation_modes, region, status FROM search_doc "
                "WHERE facet_combo IS NULL"
            ).fetchall()
            resolved: dict[str, int] = {}
            for rowid, doc_type, industry, modes, region, status in missing:
                key = _combo_key(doc_type, industry, json.loads(modes or "[]"), region, status)
                combo = _resolve_combo(conn, key, resolved)
                conn.execute("UPDATE search_doc SET facet_combo = ? WHERE rowid = ?", (combo, rowid))

    def _add_expiry(self) -> None:
        """Give an index written before documents carried their expiry the column; its documents count as
        never expiring until they are written again (a reindex does it at once)."""
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(search_doc)")}
        if "expires_at" not in columns:
            with self._write() as conn:
                conn.execute("ALTER TABLE search_doc ADD COLUMN expires_at REAL")

    # -- writing ------------------------------------------------------------------------------------

    def upsert(self, docs: list[dict[str, Any]]) -> None:
        validate_documents(docs)
        # Segmenting is the slow part; do it before taking the lock so readers are not held up.
        rows = []
        for doc in docs:
            modes = [m for m in (doc.get("cooperation_modes") or []) if m]
            values = (
                str(doc["id"]),
                doc["type"],
                int(doc["entity_id"]),
                doc["title"],
                doc.get("industry"),
                json.dumps(modes, ensure_ascii=False),
                doc.get("trl"),
                doc.get("region"),
                doc.get("status"),
                doc.get("org_name") or "",
                float(doc.get("updated_at") or 0),
                None if doc.get("expires_at") is None else float(doc["expires_at"]),
                _number(doc.get("deadline")),
                _number(doc.get("money")),
            )
            tokens = (
                index_tokens(doc["title"]),
                index_tokens(doc.get("body")),
                index_tokens(doc.get("org_name")),
            )
            key = _combo_key(doc["type"], doc.get("industry"), modes, doc.get("region"), doc.get("status"))
            rows.append((values, key, doc.get("body") or "", modes, tokens))
        with self._write() as conn:
            resolved: dict[str, int] = {}
            for values, key, body, modes, tokens in rows:
                self._delete_one(conn, values[0])
                cur = conn.execute(
                    f"INSERT INTO search_doc ({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' * len(_DOC_COLUMNS))})",
                    (*values, _resolve_combo(conn, key, resolved)),
                )
                rowid = cur.lastrowid
                conn.execute("INSERT INTO search_doc_body (rowid, body) VALUES (?, ?)", (rowid, body))
                conn.execute(
                    "INSERT INTO search_fts (rowid, title, body, org_name) VALUES (?, ?, ?, ?)",
                    (rowid, *tokens),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO search_doc_mode (mode, doc_rowid) VALUES (?, ?)",
                    [(m, rowid) for m in modes],
                )

    def delete(self, ids: list[str]) -> None:
        with self._write() as conn:
            for doc_id in ids:
                self._delete_one(conn, str(doc_id))

    def clear(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM search_fts")
            conn.execute("DELETE FROM search_doc_mode")
            conn.execute("DELETE FROM search_doc_body")
            conn.execute("DELETE FROM search_doc")
            # search_facet_combo stays: readers cache it, and its ids must never change meaning.

    @staticmethod
    def _delete_one(conn: sqlite3.Connection, doc_id: str) -> None:
        row = conn.execute("SELECT rowid FROM search_doc WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return
        conn.execute("DELETE FROM search_fts WHERE rowid = ?", row)
        conn.execute("DELETE FROM search_doc_mode WHERE doc_rowid = ?", row)
        conn.execute("DELETE FROM search_doc_body WHERE rowid = ?", row)
        conn.execute("DELETE FROM search_doc WHERE rowid = ?", row)

    def _write(self) -> _Transaction:
        return _Transaction(self)

    # -- reading ------------------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return self._query("SELECT count(*) FROM search_doc")[0][0]

    def health(self) -> dict[str, Any]:
        try:
            return {"ok": True, "backend": self.name, "path": self.path, "documents": self.count()}
        except SearchBackendError as exc:
            return {"ok": False, "backend": self.name, "path": self.path, "error": str(exc)}

    def search(self, q: SearchQuery) -> SearchResult:
        where, params = _filter_sql(q)
        with self._lock:
            if q.text:
                # Every word first; if that finds nothing, any word, ranked by BM25 (like Meilisearch
                # dropping words), so a long pasted title still finds the listing it describes.
                for mode in ("all", "any"):
                    match = fts_match(q.text, mode)
                    if match is None:
                        return SearchResult(hits=[], total=0, facets={f: {} for f in q.facets})
                    total = self._collect(match, where, params)
                    if total:
                        break
                # hit already holds only filtered matches, with the columns facets and sorting need.
                source, src_where, src_params = "hit d", "1", []
            else:
                source, src_where, src_params = "search_doc d", where, params
                total = self._query(f"SELECT count(*) FROM search_doc d WHERE {where}", params)[0][0]
            facets = (
                self._facets(q.facets, source, src_where, src_params) if total else {f: {} for f in q.facets}
            )
            order = _ORDER[q.effective_sort]
            score = "d.score" if q.text else "0.0"
            keys = ", ".join(f"d.{c} AS {c}" for c in _HIT_COLUMNS if c != "facet_combo")
            # Pick the page's rowids first, then fetch titles for those few rows only.
            rows = self._query(
                f"SELECT s.rowid, s.id, s.type, s.entity_id, s.title, p.score FROM "
                f"(SELECT d.rowid AS rowid, {score} AS score, {keys} "
                f"FROM {source} WHERE {src_where} ORDER BY {order} LIMIT ? OFFSET ?) p "
                f"CROSS JOIN search_doc s ON s.rowid = p.rowid "
                f"ORDER BY {order.replace('d.', 'p.')}",
                [*src_params, q.per_page, q.offset],
            )
            marks = ", ".join("?" * len(rows))
            bodies = dict(
                self._query(
                    f"SELECT rowid, body FROM search_doc_body WHERE rowid IN ({marks})", [r[0] for r in rows]
                )
            )
        pattern = highlight_pattern(q.text) if q.text else None
        hits = [
            {
                "id": row[1],
                "type": row[2],
                "entity_id": row[3],
                "title": row[4],
                "title_html": mark(row[4], pattern),
                "snippet": snippet(bodies.get(row[0]), pattern),
                "score": round(row[5], 6),
            }
            for row in rows
        ]
        return SearchResult(hits=hits, total=total, facets=facets)

    def _collect(self, match: str, where: str, params: list[Any]) -> int:
        """Materialise the matching rowids and their scores into the temp ``hit`` table."""
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        # bm25() costs a docsize lookup per row; on a broad word (10k+ matches) ranking them all would
        # take 100 ms. Only the RANK_LIMIT most recently written matches (highest rowids, as an upsert
        # re-inserts) are ranked; the rest still count for the total and facets and sort after them.
        cutoff = self._query(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            [match, RANK_LIMIT - 1],
        )
        threshold = cutoff[0][0] if cutoff else 0
        self._query("DELETE FROM hit", [])
        self._query(
            f"INSERT INTO hit (rowid, score, {', '.join(_HIT_COLUMNS)}) SELECT d.rowid, "
            f"CASE WHEN search_fts.rowid >= ? THEN -bm25(search_fts, {weights}) ELSE -1e9 END, "
            f"{', '.join('d.' + c for c in _HIT_COLUMNS)} "
            f"FROM search_fts CROSS JOIN search_doc d ON d.rowid = search_fts.rowid "
            f"WHERE search_fts MATCH ? AND {where}",
            [threshold, match, *params],
        )
        return self._query("SELECT count(*) FROM hit", [])[0][0]

    def _facets(
        self, names: list[str], source: str, where: str, params: list[Any]
    ) -> dict[str, dict[str, int]]:
        # One pass in SQLite gathers the matches' combo ids as a single string (fetching ~12k rows one
        # by one into Python costs more than all the counting); numpy then counts each facet at once.
        (joined,) = self._query(f"SELECT group_concat(d.facet_combo) FROM {source} WHERE {where}", params)[0]
        combo_ids = np.fromstring(joined or "", dtype=np.int64, sep=",")
        if combo_ids.size and combo_ids.max() > self._combos.loaded:
            self._combos.load(
                self._query(
                    "SELECT id, key FROM search_facet_combo WHERE id > ? ORDER BY id", [self._combos.loaded]
                )
            )
        return {name: self._combos.count(name, combo_ids) for name in names}

    def _query(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise SearchBackendError(f"search index query failed ({self.path}): {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _quote(term: str) -> str:
    # A quoted FTS5 string is a literal: AND, OR, NEAR, ( and * inside it mean nothing.
    return '"' + term.replace('"', '""') + '"'


def fts_match(text: str, mode: str = "all") -> str | None:
    """An injection-safe FTS5 MATCH expression for user text; None when nothing is searchable.

    Each word matches as itself or as all its parts, because jieba may segment the same characters
    differently in a document's context. ``mode`` "all" requires every word, "any" one of them.
    """
    words = query_words(text)
    if not words:
        return None
    clauses = []
    for i, (word, parts) in enumerate(words):
        last = i == len(words) - 1
        # Prefix-match a trailing Latin word, as Meilisearch does, so "weld" finds "welding".
        if last and is_latin_word(word) and not text.endswith(" "):
            clause = _quote(word) + "*"
        else:
            clause = _word_clause(word, parts)
        # A broader word also finds its narrower ones (新能源汽车 → 电驱动), each as all of its own words;
        # whole words only, since 电池 (a part of 电池包) would find every battery listing.
        alternatives = [
            " AND ".join(_quote(w) for w, _parts in query_words(term)) for term in expansions(word)
        ]
        alternatives = [f"({a})" for a in alternatives if a]
        clauses.append(f"({' OR '.join([clause, *alternatives])})" if alternatives else clause)
    return (" AND " if mode == "all" else " OR ").join(clauses)


def _word_clause(word: str, parts: tuple[str, ...]) -> str:
    if parts:
        return f"({_quote(word)} OR ({' AND '.join(_quote(p) for p in parts)}))"
    return _quote(word)


def _combo_key(doc_type: str, industry: Any, modes: list[str], region: Any, status: Any) -> str:
    """The search_facet_combo key of one document: its FACETABLE values in that order, modes as a set."""
    values = {
        "type": doc_type,
        "industry": industry,
        "cooperation_modes": sorted(set(modes)),
        "region": region,
        "status": status,
    }
    return json.dumps([values[name] for name in FACETABLE], ensure_ascii=False)


def _resolve_combo(conn: sqlite3.Connection, key: str, resolved: dict[str, int]) -> int:
    """The id of a facet combination, adding it if new; ``resolved`` remembers ids within one write."""
    if key not in resolved:
        conn.execute("INSERT OR IGNORE INTO search_facet_combo (key) VALUES (?)", (key,))
        resolved[key] = conn.execute("SELECT id FROM search_facet_combo WHERE key = ?", (key,)).fetchone()[0]
    return resolved[key]


class _FacetCombos:
    """A reader's copy of search_facet_combo: for each facet, which of its values each combo id has.

    Safe to keep across writes by any process because combo rows are append-only: a combo id never
    changes meaning, and one not seen yet is loaded before counting.
    """

    def __init__(self) -> None:
        self.loaded = 0
        # Per facet: the distinct value groups seen (a value, None, or a frozenset of modes), and
        # for each combo id (array index) the position of its group in that list.
        self.groups: dict[str, list[Any]] = {name: [None] for name in FACETABLE}
        self._group_pos: dict[str, dict[Any, int]] = {name: {None: 0} for name in FACETABLE}
        self.codes: dict[str, np.ndarray] = {name: np.zeros(1, dtype=np.int64) for name in FACETABLE}

    def load(self, rows: list[tuple[int, str]]) -> None:
        if not rows:
            return
        size = rows[-1][0] + 1
        for name in FACETABLE:
            # Ids with no row (none are expected) keep group 0, which counts for nothing.
            self.codes[name] = np.concatenate(
                [self.codes[name], np.zeros(size - len(self.codes[name]), np.int64)]
            )
        for combo_id, key in rows:
            for name, value in zip(FACETABLE, json.loads(key), strict=True):
                group = frozenset(value) if name == "cooperation_modes" else value
                pos = self._group_pos[name].setdefault(group, len(self.groups[name]))
                if pos == len(self.groups[name]):
                    self.groups[name].append(group)
                self.codes[name][combo_id] = pos
        self.loaded = size - 1

    def count(self, name: str, combo_ids: np.ndarray) -> dict[str, int]:
        """Exact counts of one facet's values over the documents whose combo ids are given."""
        per_group = np.bincount(self.codes[name][combo_ids]) if combo_ids.size else np.zeros(0, np.int64)
        counts: dict[str, int] = {}
        for pos in np.flatnonzero(per_group):
            group, n = self.groups[name][pos], int(per_group[pos])
            # A document counts once for each of its modes; None (no value) counts for nothing.
            for value in group if isinstance(group, frozenset) else () if group is None else (group,):
                counts[value] = counts.get(value, 0) + n
        return dict(sorted(counts.items(), key=lambda vc: (-vc[1], vc[0])))


def _filter_sql(q: SearchQuery) -> tuple[str, list[Any]]:
    """A WHERE fragment over ``search_doc d`` and its parameters; values are always bound, never inlined."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if q.type:
        clauses.append("d.type = ?")
        params.append(q.type)
    if q.live_at is not None:
        clauses.append("(d.expires_at IS NULL OR d.expires_at > ?)")
        params.append(float(q.live_at))
    for key, values in q.filters.items():
        if key == "trl_min":
            clauses.append("d.trl >= ?")
            params.append(values)
        elif key == "cooperation_modes":
            marks = ", ".join("?" * len(values))
            clauses.append(f"d.rowid IN (SELECT doc_rowid FROM search_doc_mode WHERE mode IN ({marks}))")
            params.extend(values)
        else:
            marks = ", ".join("?" * len(values))
            clauses.append(f"d.{key} IN ({marks})")
            params.extend(values)
    return " AND ".join(clauses), params


class _Transaction:
    """Hold the backend lock for one write transaction; roll back and report on failure."""

    def __init__(self, backend: FTS5Backend) -> None:
        self.backend = backend

    def __enter__(self) -> sqlite3.Connection:
        self.backend._lock.acquire()
        try:
            self.backend._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self.backend._lock.release()
            raise SearchBackendError(f"cannot write the search index at {self.backend.path}: {exc}") from exc
        return self.backend._conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        conn = self.backend._conn
        try:
            if exc_type is None:
                conn.execute("COMMIT")
            else:
                conn.execute("ROLLBACK")
        finally:
            self.backend._lock.release()
        if isinstance(exc, sqlite3.Error):
            raise SearchBackendError(
                f"writing the search index at {self.backend.path} failed: {exc}"
            ) from exc
