"""One listing kind's indexes as readers see them: compiled base indexes plus a small delta, never mutated.

Readers share a ``KindIndex`` across threads without a lock because nothing in it changes after it is built:
a write makes a new ``KindIndex`` that shares the big compiled base (BM25 matrix, FAISS stores, items) and
carries a new small ``Delta`` (listings upserted since the base was compiled, and base ids hidden since).
Scoring the delta costs milliseconds, so a write never waits for a 100k-row recompile; once the delta
grows past ``MatcherConfig.delta_limit`` the writer folds it into a fresh base (``compacted``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matching.analysis import analysed
from matching.firststage import PrunedPostings, weights_at
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
    matrix: sp.csc_matrix = field(default_factory=lambda: sp.csc_matrix((0, 0), dtype=np.float32))
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    dense: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


def _compile_delta(
    items, terms, vocab, vectors, hidden, average_length: float, dims: dict[str, int]
) -> Delta:
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
    dense = {
        name: (
            np.stack([vectors[name][i] for i in ids.tolist()])
            if len(ids)
            else np.zeros((0, dim), dtype=np.float32)
        )
        for name, dim in dims.items()
    }
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
    # Only for a kind past the matcher's scan limit (see KindIndex.prune_above).
    pruned: PrunedPostings | None
    # Per industry code, the first rows filed under it (and those of incubators): what the pruned first stage
    # lets in on their field alone.
    by_field: dict[int, np.ndarray]
    incubators_by_field: dict[int, np.ndarray]
    # Per encoder in CENTROID_ENCODERS, each industry's mean vector (see KindIndex.field_centroids).
    centroids: dict[str, np.ndarray]


# How many rows per industry can enter a pruned first stage on their field alone.
FIELD_ROWS = 1024
# The encoders whose vectors give each industry a centroid, and how many vectors are read at a time to
# sum them (a million stored vectors are never copied out at once).
CENTROID_ENCODERS = ("e5",)
CENTROID_CHUNK = 20_000


def _field_centroids(
    stores: dict[str, VectorStore],
    sorted_ids: np.ndarray,
    sorted_rows: np.ndarray,
    codes: np.ndarray,
    fields: int,
) -> dict[str, np.ndarray]:
    """Per encoder in CENTROID_ENCODERS with stored vectors, each industry's mean vector, unit length (NaN rows
    for an industry with none). Vectors not yet encoded (zero rows) and listings of no industry count nowhere."""
    centroids: dict[str, np.ndarray] = {}
    for name in CENTROID_ENCODERS:
        store = stores.get(name)
        if store is None or not len(store) or not fields:
            continue
        sums = np.zeros((fields, store.dim), dtype=np.float64)
        counts = np.zeros(fields, dtype=np.int64)
        ids = store.ids()
        for start in range(0, len(ids), CENTROID_CHUNK):
            chunk = ids[start : start + CENTROID_CHUNK]
            found = np.searchsorted(sorted_ids, chunk)
            known = found < len(sorted_ids)
            known[known] = sorted_ids[found[known]] == chunk[known]
            chunk_codes = codes[sorted_rows[found[known]]].astype(np.int64)
            vectors = store.vectors(chunk[known])
            keep = np.flatnonzero((chunk_codes < fields) & (np.linalg.norm(vectors, axis=1) > 0))
            # A (fields × rows) 0/1 matrix times the rows' vectors: every field's sum in one product.
            members = sp.csr_matrix(
                (np.ones(len(keep), dtype=np.float32), (chunk_codes[keep], keep)),
                shape=(fields, len(vectors)),
            )
            sums += members @ vectors
            counts += np.bincount(chunk_codes[keep], minlength=fields)
        if not counts.any():
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / np.linalg.norm(sums, axis=1, keepdims=True)
        means[counts == 0] = np.nan
        centroids[name] = means.astype(np.float32)
    return centroids


def _rows_by_field(codes: np.ndarray, eligible: np.ndarray) -> dict[int, np.ndarray]:
    rows = np.flatnonzero(eligible)
    order = rows[np.argsort(codes[rows], kind="stable")]
    if not len(order):
        return {}
    bounds = np.searchsorted(codes[order], np.unique(codes[order]))
    starts = bounds.tolist()
    ends = starts[1:] + [len(order)]
    return {
        int(codes[order[a]]): order[a : min(b, a + FIELD_ROWS)].copy()
        for a, b in zip(starts, ends, strict=True)
    }


@dataclass(frozen=True)
class LexicalHits:
    """A query's normalised BM25 scores over one kind's rows (base rows, then delta rows).

    When the kind is scanned whole, `positions` is every row; otherwise (`complete` False) it holds the pruned
    first stage's candidates (`matching.firststage`). `at` scores any rows exactly, either way.
    """

    positions: np.ndarray
    scores: np.ndarray
    codes: np.ndarray
    complete: bool
    at: Callable[[np.ndarray], np.ndarray]


class KindIndex:
    """The listings of one kind with their BM25 and vector indexes; immutable once constructed."""

    def __init__(
        self,
        listing_kind: str,
        items: dict[int, MatchItem],
        lexical: LexicalIndex,
        stores: dict[str, VectorStore],
        delta: Delta | None = None,
        same_base: KindIndex | None = None,
        prune_above: int | None = None,
    ):
        self.listing_kind = listing_kind
        # A base of more rows than this gets pruned postings (MatcherConfig.scan_limit); None: never.
        self.prune_above: int | None = same_base.prune_above if same_base is not None else prune_above
        self.base_items = items
        self.lexical = lexical
        self.stores = stores
        if same_base is not None:
            # A write shares the base, and everything derived from it: only the delta is new.
            self._base: _Base = same_base._base
        else:
            # Compile now, in the writer: a reader must never be the one to build (and race on) the matrix.
            row_ids, matrix, _ = lexical.compiled()
            names = sorted({item.industry for item in items.values() if item.industry})
            code_of = {name: i for i, name in enumerate(names)}
            rows = [items[int(i)] for i in row_ids.tolist()]
            order = np.argsort(row_ids, kind="stable").astype(np.int32)
            # The narrowest type that holds every code (and len(names), the code of no industry).
            codes = np.array(
                [code_of[item.industry] if item.industry else len(names) for item in rows],
                dtype=np.min_scalar_type(len(names)),
            )
            incubators = np.array([item.offers_incubation for item in rows], dtype=bool)
            self._base = _Base(
                row_ids,
                row_ids[order],
                order,
                names,
                code_of,
                codes,
                incubators,
                lexical.average_length if lexical.docs else 1.0,
                columns_of(rows),
                PrunedPostings.build(matrix)
                if prune_above is not None and len(row_ids) > prune_above
                else None,
                _rows_by_field(codes, np.ones(len(codes), dtype=bool)),
                _rows_by_field(codes, incubators),
                _field_centroids(stores, row_ids[order], order, codes, len(names)),
            )
        self.row_ids = self._base.row_ids
        self.industry_names, self.codes = self._base.industry_names, self._base.codes
        self.code_of = self._base.code_of
        self.average_length = self._base.average_length
        self.delta = (
            delta
            if delta is not None
            else _compile_delta(
                {},
                {},
                {},
                {n: {} for n in stores},
                frozenset(),
                self.average_length,
                {n: s.dim for n, s in stores.items()},
            )
        )
        self._hidden_ids = np.array(sorted(self.delta.hidden), dtype=np.int64)
        hidden_rows = self._base_rows(self._hidden_ids)
        self._hidden_rows = hidden_rows[hidden_rows >= 0]
        fresh = [self.delta.items[i] for i in self.delta.ids.tolist()]
        self._delta_columns = columns_of(fresh)
        unknown = len(self.industry_names)
        self._delta_position = {i: len(self.row_ids) + r for r, i in enumerate(self.delta.ids.tolist())}
        # Delta rows' own arrays: a write never copies the base's million-row ones (see the *_at methods).
        self._delta_codes = np.array(
            [self._base.code_of.get(item.industry, unknown) if item.industry else unknown for item in fresh],
            dtype=self.codes.dtype,
        )
        self._delta_incubators = np.array([item.offers_incubation for item in fresh], dtype=bool)

    # ---- building ---------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        listing_kind: str,
        items: list[MatchItem],
        encoders: dict,
        make_store,
        batch: int = 2048,
        pool=None,
        prune_above: int | None = None,
    ):
        """Index these listings from scratch with fitted encoders (one store insert per encoder).

        With a `matching.analysis` pool, workers cut and encode batches while this process maps their terms.
        """
        lexical = LexicalIndex()
        stores = {name: make_store(encoder.dim) for name, encoder in encoders.items()}
        ids = [int(item.id) for item in items]
        vectors: dict[str, list[np.ndarray]] = {name: [] for name in encoders}
        batches = (
            [item.full_text for item in items[start : start + batch]] for start in range(0, len(items), batch)
        )
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
        return cls(listing_kind, dict(zip(ids, items, strict=True)), lexical, stores, prune_above=prune_above)

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
                    np.fromiter(
                        (vocab.setdefault(t, len(vocab)) for t in counts), dtype=np.int64, count=len(counts)
                    ),
                    np.fromiter(counts.values(), dtype=np.float32, count=len(counts)),
                )
                for name in encoders:
                    vectors[name][listing_id] = encoded[name][row]
                if listing_id in self.base_items:
                    hidden.add(listing_id)
        delta = _compile_delta(
            items,
            terms,
            vocab,
            vectors,
            hidden,
            self.average_length,
            {n: s.dim for n, s in self.stores.items()},
        )
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
        return KindIndex(self.listing_kind, items, lexical, stores, prune_above=self.prune_above)

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

    def lexical_hits(
        self, text: str, title: str | None = None, wanted: int = 100, exhaustive: bool = True
    ) -> LexicalHits:
        """Return the normalised BM25 scores of a query text and optional title over this kind's rows.

        A need is scored by its whole text and, when it has a title that is not the whole text, by its title
        alone: the lexical index's query channels, fused by their spread. Delta rows are scored with the base's
        term weights; a query term only the delta knows gets an idf from the delta's own counts and joins its
        channel's weights, so base and delta rows share one normaliser.

        `exhaustive` scores every row; otherwise the base is read through its pruned postings for candidates
        of the `wanted` best, with the spreads estimated on a sample (`matching.firststage`). A base built
        without pruned postings (not past `prune_above` rows) is always scored whole.
        """
        sources = [text]
        if title and normalize(title) != normalize(text):
            sources.append(title)
        # A query with a title is a posted listing: drop the words every need uses (see LexicalIndex.query_channels).
        channels = [self.lexical.query_weights(source, drop_genre=bool(title)) for source in sources]
        weights_in_delta = np.zeros((len(self.delta.vocab), len(channels)), dtype=np.float32)
        if len(self.delta):
            n = max(len(self.row_ids), 1)
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
            channels = extended
        kept = [c for c, (_, weights, _) in enumerate(channels) if len(weights)]
        channels, weights_in_delta = [channels[c] for c in kept], weights_in_delta[:, kept]
        total = len(self.row_ids) + len(self.delta.ids)
        exhaustive = exhaustive or self._base.pruned is None
        if not exhaustive and not channels:
            # No known term: nothing to read; the likely fields' rows still enter (see Matcher._pool).
            none = np.zeros(0, dtype=np.int64)
            return LexicalHits(
                none,
                np.zeros(0, dtype=np.float32),
                none,
                False,
                lambda positions: np.zeros(len(positions), dtype=np.float32),
            )
        if exhaustive:
            raw = self.lexical.channel_scores(channels)
            raw[self._hidden_rows] = 0.0
            if len(self.delta):
                raw = np.vstack([raw, np.asarray(self.delta.matrix @ weights_in_delta, dtype=np.float32)])
            scores = self.lexical.fuse_channels(raw, channels)
            return LexicalHits(
                np.arange(total),
                scores,
                np.concatenate([self.codes, self._delta_codes]),
                True,
                scores.__getitem__,
            )
        pruned = self._base.pruned
        assert pruned is not None  # without pruned postings the scan above was exhaustive
        union, per_channel = self.lexical.channel_weights(channels)
        coefficients = self.lexical.channel_coefficients(channels, pruned.spreads(union, per_channel))
        base_weights = (per_channel @ coefficients).astype(np.float32)
        delta_weights = (weights_in_delta @ coefficients).astype(np.float32)
        n = len(self.row_ids)

        rows = pruned.best(union, base_weights, wanted)
        scores = self.lexical.row_scores(rows, union, base_weights)
        if len(self._hidden_rows):
            visible = ~np.isin(rows, self._hidden_rows)
            rows, scores = rows[visible], scores[visible]
        if len(self.delta):
            fresh = np.asarray(self.delta.matrix @ delta_weights, dtype=np.float32)
            matched = np.flatnonzero(fresh > 0)
            rows, scores = np.concatenate([rows, n + matched]), np.concatenate([scores, fresh[matched]])
        scores = np.minimum(scores, 1.0)

        def at(positions: np.ndarray) -> np.ndarray:
            # Candidates keep their scores (rows are sorted: base rows, then delta rows); others are scored now.
            positions = np.asarray(positions, dtype=np.int64)
            out = np.zeros(len(positions), dtype=np.float32)
            found = np.minimum(np.searchsorted(rows, positions), max(len(rows) - 1, 0))
            known = (rows[found] == positions) if len(rows) else np.zeros(len(positions), dtype=bool)
            out[known] = scores[found[known]]
            base = ~known & (positions < n)
            if len(self._hidden_rows):
                base &= ~np.isin(positions, self._hidden_rows)
            out[base] = self.lexical.row_scores(positions[base], union, base_weights)
            fresh = ~known & (positions >= n)
            if fresh.any():
                out[fresh] = self.delta.matrix[positions[fresh] - n] @ delta_weights
            return np.minimum(out, 1.0)

        return LexicalHits(rows, scores, self.codes_at(rows), False, at)

    def field_rows(self, codes: list[int], count: int, incubators_only: bool = False) -> np.ndarray:
        """Return up to `count` base rows filed under these industry codes, the first codes first (visible rows
        only; with `incubators_only`, incubators only)."""
        by_field = self._base.incubators_by_field if incubators_only else self._base.by_field
        parts, found = [], 0
        for code in codes:
            rows = by_field.get(code)
            if rows is None:
                continue
            if len(self._hidden_rows):
                rows = rows[~np.isin(rows, self._hidden_rows)]
            parts.append(rows[: count - found])
            found += len(parts[-1])
            if found >= count:
                break
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _at(self, positions: np.ndarray, base: np.ndarray, delta: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        n = len(self.row_ids)
        if not len(positions) or positions.max() < n:
            return base[positions]
        in_base = positions < n
        out = np.empty(len(positions), dtype=base.dtype)
        out[in_base] = base[positions[in_base]]
        out[~in_base] = delta[positions[~in_base] - n]
        return out

    def ids_at(self, positions: np.ndarray) -> np.ndarray:
        """The listing ids at these positions of a LexicalHits' rows."""
        return self._at(positions, self.row_ids, self.delta.ids)

    def codes_at(self, positions: np.ndarray) -> np.ndarray:
        """The industry codes (len(industry_names) for none) at these positions of a LexicalHits' rows."""
        return self._at(positions, self.codes, self._delta_codes)

    def incubators_at(self, positions: np.ndarray) -> np.ndarray:
        """Whether the visible listings at these positions of a LexicalHits' rows offer incubation."""
        found = self._at(positions, self._base.incubators, self._delta_incubators)
        if len(self._hidden_rows):
            found &= ~np.isin(positions, self._hidden_rows)
        return found

    def columns(self, positions: np.ndarray) -> Columns:
        """The structured columns of the listings at these positions of LexicalHits' rows."""
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
        """Return where each id sits among LexicalHits' rows (`missing` for ids not indexed, else KeyError)."""
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
        """Return BM25 over the given query words only, for listings at positions of LexicalHits' rows.

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
            found = weights_at(self.lexical.compiled()[1], np.array(base_cols), positions[base_rows])
            scores[base_rows] = found @ np.array(base_idf, dtype=np.float32)
        if delta_cols and (~base_rows).any():
            matrix = self.delta.matrix[:, delta_cols][positions[~base_rows] - len(self.row_ids)]
            scores[~base_rows] = np.asarray(matrix @ np.array(delta_idf, dtype=np.float32)).ravel()
        return scores / (total * (K1 + 1))

    def dense_hits(self, name: str, vector: np.ndarray, k: int) -> list[int]:
        """Return ids of the k nearest vectors of one encoder, base and delta together (unordered)."""
        hits = [
            int(i)
            for i in self.stores[name].search(vector, k + len(self.delta.hidden))[0].tolist()
            if int(i) not in self.delta.hidden
        ]
        fresh = self.delta.dense.get(name)
        if fresh is not None and len(fresh):
            scores = fresh @ vector
            top = np.argsort(-scores)[:k]
            hits.extend(int(i) for i in self.delta.ids[top].tolist())
        return hits

    def field_centroids(self, name: str) -> np.ndarray | None:
        """Each industry's centroid of one encoder's vectors (rows in `industry_names` order, unit length, NaN
        for an industry none of whose listings has a vector), as of the base; None without such vectors."""
        return self._base.centroids.get(name)

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
        return (
            col is not None
            and doc is not None
            and bool(((np.frombuffer(doc, dtype=np.uint32) & COLUMN_MASK) == col).any())
        )
