"""One listing kind's indexes as readers see them: compiled base indexes plus a small delta, never mutated.

Readers share a ``KindIndex`` across threads without a lock because nothing in it changes after it is built:
a write makes a new ``KindIndex`` that shares the big compiled base (BM25 matrix, FAISS stores, items) and
carries a new small ``Delta`` (listings upserted since the base was compiled, and base ids hidden since).
Scoring the delta costs milliseconds, so a write never waits for a 100k-row recompile; once the delta
grows past ``MatcherConfig.delta_limit`` the writer folds it into a fresh base (``compacted``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matching.analysis import analysed
from matching.lexical import COLUMN_MASK, K1, B, LexicalIndex, term_counts
from matching.scoring import Columns, MatchItem, columns_of
from matching.text import lexical_terms, normalize
from matching.vectorstore import VectorStore


@dataclass(frozen=True)
class Delta:
    """Listings changed since the base was compiled: BM25 rows against the base's statistics, and vectors."""

    items: dict[int, MatchItem] = field(default_factory=dict)
    # Per listing: (term columns in `vocab`, term frequencies). The vocabulary only grows until compaction,
    # so a write adds its own rows and reuses everyone else's.
    terms: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    vocab: dict[str, int] = field(default_factory=dict)
    vectors: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    # Base ids no reader may see any more: removed, or replaced by a delta item.
    hidden: frozenset[int] = frozenset()
    # Compiled from the above when the delta is made: row order, tf-weight matrix, doc frequencies, vectors.
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: sp.csc_matrix | None = None
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    dense: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


def _compile_delta(items, terms, vocab, vectors, hidden, average_length: float, dims: dict[str, int]) -> Delta:
    ids = np.fromiter(items, dtype=np.int64, count=len(items))
    rows = [terms[i] for i in ids.tolist()]
    sizes = np.array([len(cols) for cols, _ in rows], dtype=np.int64)
    row = np.repeat(np.arange(len(ids)), sizes)
    col = np.concatenate([cols for cols, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    tf = np.concatenate([tfs for _, tfs in rows]) if rows else np.zeros(0, dtype=np.float32)
    lengths = np.add.reduceat(tf, np.r_[0, np.cumsum(sizes)[:-1]]) if len(tf) else np.zeros(len(ids))
    norm = K1 * (1 - B + B * lengths[row] / max(average_length, 1e-9))
    weight = tf * (K1 + 1) / (tf + norm)
    matrix = sp.csc_matrix((weight, (row, col)), shape=(len(ids), len(vocab)), dtype=np.float32)
    df = np.bincount(col, minlength=len(vocab)).astype(np.float32)
    dense = {name: (np.stack([vectors[name][i] for i in ids.tolist()]) if len(ids)
                    else np.zeros((0, dim), dtype=np.float32)) for name, dim in dims.items()}
    return Delta(items, terms, vocab, vectors, frozenset(hidden), ids, matrix, df, dense)


@dataclass(frozen=True)
class _Base:
    """What the compiled base rows say, computed once per compaction: ids, positions, industries, incubators."""

    row_ids: np.ndarray
    # row_ids sorted, and the row of each: finding rows by id is a binary search, not a dict of a million ints.
    sorted_ids: np.ndarray
    sorted_rows: np.ndarray
    industry_names: list[str]
    code_of: dict[str, int]
    codes: np.ndarray
    incubators: np.ndarray
    average_length: float
    columns: Columns


class KindIndex:
    """The listings of one kind with their BM25 and vector indexes; immutable once constructed."""

    def __init__(self, listing_kind: str, items: dict[int, MatchItem], lexical: LexicalIndex,
                 stores: dict[str, VectorStore], delta: Delta | None = None, same_base: KindIndex | None = None):
        self.listing_kind = listing_kind
        self.base_items = items
        self.lexical = lexical
        self.stores = stores
        if same_base is not None:
            # A write shares the base, and everything derived from it: only the delta is new.
            self._base = same_base._base
        else:
            # Compile now, in the writer: a reader must never be the one to build (and race on) the matrix.
            row_ids = lexical.compiled()[0]
            names = sorted({item.industry for item in items.values() if item.industry})
            code_of = {name: i for i, name in enumerate(names)}
            rows = [items[int(i)] for i in row_ids.tolist()]
            order = np.argsort(row_ids, kind="stable")
            self._base = _Base(
                row_ids, row_ids[order], order, names, code_of,
                np.array([code_of.get(item.industry, len(names)) for item in rows], dtype=np.int64),
                np.array([item.offers_incubation for item in rows], dtype=bool),
                lexical.average_length if lexical.docs else 1.0,
                columns_of(rows))
        self.row_ids = self._base.row_ids
        self.industry_names, self.codes = self._base.industry_names, self._base.codes
        self.average_length = self._base.average_length
        self.delta = delta if delta is not None else _compile_delta(
            {}, {}, {}, {n: {} for n in stores}, frozenset(), self.average_length,
            {n: s.dim for n, s in stores.items()})
        self._hidden_ids = np.array(sorted(self.delta.hidden), dtype=np.int64)
        hidden_rows = self._base_rows(self._hidden_ids)
        self._hidden_rows = hidden_rows[hidden_rows >= 0]
        fresh = [self.delta.items[i] for i in self.delta.ids.tolist()]
        self._delta_columns = columns_of(fresh)
        unknown = len(self.industry_names)
        self._delta_position = {i: len(self.row_ids) + r for r, i in enumerate(self.delta.ids.tolist())}
        self._all_ids = np.concatenate([self.row_ids, self.delta.ids])
        self._all_codes = np.concatenate([self.codes, np.array([self._base.code_of.get(item.industry, unknown)
                                                                for item in fresh], dtype=np.int64)])
        self.incubators = np.concatenate([self._base.incubators,
                                          np.array([item.offers_incubation for item in fresh], dtype=bool)])
        if len(self._hidden_rows):
            self.incubators[self._hidden_rows] = False

    # ---- building ---------------------------------------------------------------------------------

    @classmethod
    def build(cls, listing_kind: str, items: list[MatchItem], encoders: dict, make_store, batch: int = 2048,
              pool=None):
        """Index these listings from scratch with fitted encoders (one store insert per encoder).

        With a `matching.analysis` pool, workers cut and encode batches while this process maps their terms.
        """
        lexical = LexicalIndex()
        stores = {name: make_store(encoder.dim) for name, encoder in encoders.items()}
        ids = [int(item.id) for item in items]
        vectors = {name: [] for name in encoders}
        batches = ([item.full_text for item in items[start : start + batch]]
                   for start in range(0, len(items), batch))
        start = 0
        for counted, encoded in analysed(batches, encoders, pool):
            size = len(counted[2])
            lexical.add_batch(ids[start : start + size], *counted)
            start += size
            for name, part in encoded.items():
                vectors[name].append(part)
        if items:
            for name, parts in vectors.items():
                stores[name].upsert(ids, np.concatenate(parts))
                parts.clear()
        return cls(listing_kind, dict(zip(ids, items, strict=True)), lexical, stores)

    def with_changes(self, upserts: list[MatchItem], removed: list[int], encoders: dict) -> KindIndex:
        """Return a new index with these listings added or replaced and these ids removed; self is unchanged."""
        items, terms, vocab = dict(self.delta.items), dict(self.delta.terms), dict(self.delta.vocab)
        vectors = {name: dict(v) for name, v in self.delta.vectors.items()}
        hidden = set(self.delta.hidden)
        for listing_id in removed:
            listing_id = int(listing_id)
            items.pop(listing_id, None)
            terms.pop(listing_id, None)
            for by_id in vectors.values():
                by_id.pop(listing_id, None)
            if listing_id in self.base_items:
                hidden.add(listing_id)
        if upserts:
            texts = [item.full_text for item in upserts]
            encoded = {name: encoder.encode(texts) for name, encoder in encoders.items()}
            for row, item in enumerate(upserts):
                listing_id = int(item.id)
                counts = term_counts(item.full_text)
                items[listing_id] = item
                terms[listing_id] = (
                    np.fromiter((vocab.setdefault(t, len(vocab)) for t in counts), dtype=np.int64, count=len(counts)),
                    np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
                for name in encoders:
                    vectors[name][listing_id] = encoded[name][row]
                if listing_id in self.base_items:
                    hidden.add(listing_id)
        delta = _compile_delta(items, terms, vocab, vectors, hidden, self.average_length,
                               {n: s.dim for n, s in self.stores.items()})
        return KindIndex(self.listing_kind, self.base_items, self.lexical, self.stores, delta, same_base=self)

    def compacted(self) -> KindIndex:
        """Return an index whose base holds the delta (costs a recompile: the writer calls it, off requests)."""
        if not len(self.delta) and not self.delta.hidden:
            return self
        # A shallow copy keeps the index's settings; its two dicts are copied so the base stays untouched.
        lexical = copy.copy(self.lexical)
        lexical.vocab = dict(self.lexical.vocab)
        lexical.docs = dict(self.lexical.docs)
        gone = list(self.delta.hidden)
        lexical.remove(gone)
        fresh = self.delta.ids.tolist()
        lexical.upsert(fresh, [self.delta.items[i].full_text for i in fresh])
        stores = {}
        for name, store in self.stores.items():
            patched = store.copy()
            patched.remove(np.array(gone, dtype=np.int64))
            if fresh:
                patched.upsert(self.delta.ids, self.delta.dense[name])
            stores[name] = patched
        items = {i: item for i, item in self.base_items.items() if i not in self.delta.hidden}
        items.update(self.delta.items)
        return KindIndex(self.listing_kind, items, lexical, stores)

    # ---- reading ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.base_items) - len(self.delta.hidden) + len(self.delta)

    def item(self, listing_id: int) -> MatchItem | None:
        """The indexed listing of this id, or None."""
        found = self.delta.items.get(listing_id)
        if found is not None or listing_id in self.delta.hidden:
            return found
        return self.base_items.get(listing_id)

    def items(self):
        """Every indexed listing."""
        yield from (item for i, item in self.base_items.items() if i not in self.delta.hidden)
        yield from self.delta.items.values()

    def lexical_scores(self, text: str, title: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (ids, normalised BM25 score, industry code) of every listing, base rows then delta rows.

        A need is scored by its whole text and, when it has a title that is not the whole text, by its title
        alone: the lexical index's query channels, fused by their spread. Delta rows are scored with the base's
        term weights; a query term only the delta knows gets an idf from the delta's own counts and joins its
        channel's weights, so base and delta rows share one normaliser.
        """
        sources = [text]
        if title and normalize(title) != normalize(text):
            sources.append(title)
        # A query with a title is a posted listing: drop the words every need uses (see LexicalIndex.query_channels).
        channels = [self.lexical.query_weights(source, drop_genre=bool(title)) for source in sources]
        raw = self.lexical.channel_scores(channels)
        if len(self._hidden_rows):
            raw = raw.copy()
            raw[self._hidden_rows] = 0.0
        if len(self.delta):
            n = max(len(self.row_ids), 1)
            weights_in_delta = np.zeros((len(self.delta.vocab), len(channels)), dtype=np.float32)
            extended = []
            for c, (source, (cols, weights, known)) in enumerate(zip(sources, channels, strict=True)):
                for term, weight in zip(known, weights.tolist(), strict=True):
                    col = self.delta.vocab.get(term)
                    if col is not None:
                        weights_in_delta[col, c] = weight
                known_set, extra = set(known), []
                for term in dict.fromkeys(lexical_terms(source)):
                    col = self.delta.vocab.get(term)
                    if col is not None and term not in known_set and self.delta.df[col] > 0:
                        df = float(self.delta.df[col])
                        weights_in_delta[col, c] = float(np.log1p((n - df + 0.5) / (df + 0.5)))
                        extra.append(weights_in_delta[col, c])
                extended.append((cols, np.concatenate([weights, np.asarray(extra, dtype=np.float32)]), known))
            raw = np.vstack([raw, np.asarray(self.delta.matrix @ weights_in_delta, dtype=np.float32)])
            channels = extended
        kept = [c for c, (_, weights, _) in enumerate(channels) if len(weights)]
        return (self._all_ids, self.lexical.fuse_channels(raw[:, kept], [channels[c] for c in kept]),
                self._all_codes)

    def columns(self, positions: np.ndarray) -> Columns:
        """The structured columns of the listings at these positions of lexical_scores' arrays."""
        n = len(self.row_ids)
        if not len(positions) or positions.max() < n:
            return self._base.columns.take(positions)
        # Delta rows were put in columns by the write that added them: a read only gathers.
        base_rows = positions < n
        parts = {}
        for name in Columns.__dataclass_fields__:
            base, fresh = getattr(self._base.columns, name), getattr(self._delta_columns, name)
            column = np.empty(len(positions), dtype=base.dtype)
            column[base_rows] = base[positions[base_rows]]
            column[~base_rows] = fresh[positions[~base_rows] - n]
            parts[name] = column
        return Columns(**parts)

    def _base_rows(self, ids: np.ndarray) -> np.ndarray:
        """Return the base row of each id, -1 for ids the base does not hold (hidden ones included)."""
        sorted_ids = self._base.sorted_ids
        if not len(sorted_ids) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
        return np.where(sorted_ids[at] == ids, self._base.sorted_rows[at], -1)

    def positions(self, ids: list[int], missing: int | None = None) -> np.ndarray:
        """Return where each id sits in lexical_scores' arrays (`missing` for ids not indexed, else KeyError)."""
        wanted = np.asarray(ids, dtype=np.int64).reshape(-1)
        out = self._base_rows(wanted)
        if len(self._hidden_ids):
            out[np.isin(wanted, self._hidden_ids)] = -1
        if self._delta_position:
            for n, listing_id in enumerate(wanted.tolist()):
                position = self._delta_position.get(listing_id)
                if position is not None:
                    out[n] = position
        absent = out < 0
        if absent.any():
            if missing is None:
                raise KeyError(int(wanted[absent][0]))
            out[absent] = missing
        return out

    def evidence_scores(self, words: list[str], positions: np.ndarray) -> np.ndarray:
        """Return BM25 over the given query words only, for listings at positions of lexical_scores' arrays.

        Normalised by every one of the words, unknown ones at the highest idf: a kind whose vocabulary knows
        few of the query's words (a handful of services) cannot make a weak match look strong.
        """
        n = max(len(self.row_ids), 1)
        scores = np.zeros(len(positions), dtype=np.float32)
        if not words or not len(positions):
            return scores
        df = self.lexical.compiled()[2]
        highest = float(np.log1p((n + 0.5) / 0.5))
        base_cols, base_idf, delta_cols, delta_idf, total = [], [], [], [], 0.0
        for word in words:
            col = self.lexical.vocab.get(word)
            known = col is not None and col < len(df) and df[col] > 0
            idf = float(np.log1p((n - df[col] + 0.5) / (df[col] + 0.5))) if known else highest
            total += idf
            if known:
                base_cols.append(col)
                base_idf.append(idf)
            if word in self.delta.vocab:
                delta_cols.append(self.delta.vocab[word])
                delta_idf.append(idf)
        base_rows = positions < len(self.row_ids)
        if base_cols and base_rows.any():
            matrix = self.lexical.compiled()[1][:, base_cols][positions[base_rows]]
            scores[base_rows] = np.asarray(matrix @ np.array(base_idf, dtype=np.float32)).ravel()
        if delta_cols and (~base_rows).any():
            matrix = self.delta.matrix[:, delta_cols][positions[~base_rows] - len(self.row_ids)]
            scores[~base_rows] = np.asarray(matrix @ np.array(delta_idf, dtype=np.float32)).ravel()
        return scores / (total * (K1 + 1))

    def dense_hits(self, name: str, vector: np.ndarray, k: int) -> list[int]:
        """Return ids of the k nearest vectors of one encoder, base and delta together (unordered)."""
        hits = [int(i) for i in self.stores[name].search(vector, k + len(self.delta.hidden))[0].tolist()
                if int(i) not in self.delta.hidden]
        fresh = self.delta.dense.get(name)
        if fresh is not None and len(fresh):
            scores = fresh @ vector
            top = np.argsort(-scores)[:k]
            hits.extend(int(i) for i in self.delta.ids[top].tolist())
        return hits

    def vectors(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Return the stored vectors of one encoder for these ids (all must be indexed)."""
        by_id = self.delta.vectors.get(name, {})
        base_ids = [i for i in ids.tolist() if i not in by_id]
        out = np.zeros((len(ids), self.stores[name].dim), dtype=np.float32)
        if base_ids:
            base = self.stores[name].vectors(np.array(base_ids, dtype=np.int64))
            rows = [r for r, i in enumerate(ids.tolist()) if i not in by_id]
            out[rows] = base
        for r, i in enumerate(ids.tolist()):
            if i in by_id:
                out[r] = by_id[i]
        return out

    def has_term(self, listing_id: int, term: str) -> bool:
        """Whether the listing's indexed text contains this term (for explanations)."""
        fresh = self.delta.terms.get(listing_id)
        if fresh is not None:
            col = self.delta.vocab.get(term)
            return col is not None and bool((fresh[0] == col).any())
        col = self.lexical.vocab.get(term)
        doc = self.lexical.docs.get(listing_id)
        return col is not None and doc is not None and bool(((doc & COLUMN_MASK) == col).any())
