"""Lexical channel: BM25 over jieba words and single Chinese characters, with id-stable add and remove.

A query listing is read twice when it has a title beside its description: its whole text finds listings
that share its subject in any words, its title alone finds listings named like it (short achievement titles
against a need's paragraph). The two orderings are fused by `matching.fusion`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp

from matching.fusion import standardized_coefficients
from matching.query_terms import query_frequency_weight, query_term_frequencies
from matching.text import lexical_terms, normalize

K1 = 1.2
B = 0.75


def term_counts(text: str) -> Counter:
    """Return the term frequencies the lexical channel indexes for a text."""
    return Counter(lexical_terms(text))


def counted_batch(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Analyse texts for `LexicalIndex.add_batch`: (the batch's distinct terms, every text's packed document
    with columns into those terms, one after the other, and each text's number of distinct terms).

    Terms are numbered within the batch, so a worker process can do this without the index's vocabulary.
    """
    local: dict[str, int] = {}
    parts, sizes = [], np.zeros(len(texts), dtype=np.int64)
    for n, text in enumerate(texts):
        counts = term_counts(text)
        cols = np.fromiter(
            (local.setdefault(t, len(local)) for t in counts), dtype=np.uint32, count=len(counts)
        )
        parts.append(pack_document(cols, np.fromiter(counts.values(), dtype=np.float32, count=len(counts))))
        sizes[n] = len(counts)
    packed = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    return list(local), packed, sizes


# A document is kept as one uint32 per distinct term: its column in the low 24 bits, its frequency in the high
# 8. One small array per listing instead of a tuple of two halves the memory the documents take at a million
# listings; a term repeated more than 255 times in one text (at most 4,000 characters) counts 255, where BM25's
# saturation makes the difference a fraction of a percent of that term's weight.
COLUMN_BITS = 24
COLUMN_MASK = (1 << COLUMN_BITS) - 1
MAX_FREQUENCY = 255


def pack_document(cols: np.ndarray, tfs: np.ndarray) -> np.ndarray:
    """Return one document's term columns and frequencies as packed uint32 (see COLUMN_BITS)."""
    frequencies = np.minimum(tfs, MAX_FREQUENCY).astype(np.uint32)
    return np.asarray(cols, dtype=np.uint32) | (frequencies << COLUMN_BITS)


def unpack_document(doc: bytes | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (term columns, frequencies as float32) of a packed document."""
    doc = np.frombuffer(doc, dtype=np.uint32)
    return (doc & COLUMN_MASK).astype(np.int32), (doc >> COLUMN_BITS).astype(np.float32)


class LexicalIndex:
    """BM25 over one listing kind; scores are divided by the query's best possible score, so in [0, 1]."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        # Listing id → packed document (pack_document) as bytes: at a million listings an array object per
        # listing would cost 80 bytes more each than the bytes object does.
        self.docs: dict[int, bytes] = {}
        self._compiled = None
        self._average_length = 1.0
        self._average_terms = 1

    def __len__(self) -> int:
        return len(self.docs)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_compiled"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        # Saves from before documents were bytes held arrays.
        if self.docs and not isinstance(next(iter(self.docs.values())), bytes):
            self.docs = {i: np.asarray(doc, dtype=np.uint32).tobytes() for i, doc in self.docs.items()}

    def upsert(self, ids: list[int], texts: list[str]) -> None:
        """Index texts under ids, replacing earlier texts of the same ids."""
        self.add_batch(ids, *counted_batch(texts))

    def add_batch(self, ids: list[int], terms: list[str], packed: np.ndarray, sizes: np.ndarray) -> None:
        """Index texts analysed by `counted_batch` under ids, replacing earlier texts of the same ids."""
        vocab = self.vocab
        columns = np.fromiter(
            (vocab.setdefault(t, len(vocab)) for t in terms), dtype=np.uint32, count=len(terms)
        )
        if len(vocab) > COLUMN_MASK:
            raise ValueError(
                f"The lexical vocabulary outgrew {COLUMN_MASK + 1} terms; the index cannot hold more."
            )
        docs = columns[packed & COLUMN_MASK] | (packed & ~np.uint32(COLUMN_MASK))
        ends = np.cumsum(sizes)
        for listing_id, start, end in zip(ids, (ends - sizes).tolist(), ends.tolist(), strict=True):
            self.docs[int(listing_id)] = docs[start:end].tobytes()
        self._compiled = None

    def remove(self, ids: list[int]) -> None:
        """Forget ids (unknown ids are ignored)."""
        for listing_id in ids:
            self.docs.pop(int(listing_id), None)
        self._compiled = None

    def compiled(self):
        """Return (row ids, BM25 tf-weight matrix in CSC, document frequencies), rebuilt after changes."""
        if self._compiled is None:
            row_ids = np.fromiter(self.docs, dtype=np.int64, count=len(self.docs))
            sizes = (
                np.fromiter((len(d) for d in self.docs.values()), dtype=np.int64, count=len(self.docs)) // 4
            )
            packed = np.frombuffer(b"".join(self.docs.values()), dtype=np.uint32)
            col, tf = unpack_document(packed)
            del packed
            starts = np.cumsum(sizes) - sizes
            lengths = np.add.reduceat(tf, starts[sizes > 0]) if len(tf) else np.zeros(0, dtype=np.float32)
            if (sizes == 0).any():
                # reduceat cannot give an empty document its zero length: place the others' lengths around it.
                full = np.zeros(len(sizes), dtype=np.float32)
                full[sizes > 0] = lengths
                lengths = full
            rows = np.repeat(np.arange(len(row_ids), dtype=np.int32), sizes)
            avg = float(lengths.mean()) if len(lengths) else 1.0
            norm = K1 * (1 - B + B * lengths[rows] / max(avg, 1e-9))
            weight = tf * (K1 + 1) / (tf + norm)
            matrix = sp.csc_matrix(
                (weight, (rows, col)), shape=(len(row_ids), len(self.vocab)), dtype=np.float32
            )
            df = np.bincount(col, minlength=len(self.vocab)).astype(np.float32)
            self._compiled = (row_ids, matrix, df)
            self._average_length = avg
            self._average_terms = max(1, round(float(sizes.mean()))) if len(sizes) else 1
        return self._compiled

    def row_scores(self, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return Σ weights · tf-weight of compiled rows over the distinct columns `cols`: the matrix product,
        computed from the rows' own documents, so a few hundred rows cost no search through long columns."""
        row_ids = self.compiled()[0]
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows) or not len(cols):
            return np.zeros(len(rows), dtype=np.float32)
        docs = [self.docs[i] for i in row_ids[rows].tolist()]
        sizes = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)) // 4
        col, tf = unpack_document(np.frombuffer(b"".join(docs), dtype=np.uint32))
        if not len(col):
            return np.zeros(len(rows), dtype=np.float32)
        owner = np.repeat(np.arange(len(rows)), sizes)
        # The lengths and weights exactly as compiled() computes them.
        lengths = np.zeros(len(rows), dtype=np.float32)
        lengths[sizes > 0] = np.add.reduceat(tf, (np.cumsum(sizes) - sizes)[sizes > 0])
        norm = K1 * (1 - B + B * lengths[owner] / max(self._average_length, 1e-9))
        weight = tf * (K1 + 1) / (tf + norm)
        # A query weight per vocabulary column: one gather instead of a search per document term.
        weight_of = np.zeros(len(self.vocab), dtype=np.float32)
        weight_of[cols] = weights
        return np.bincount(owner, weights=weight * weight_of[col], minlength=len(rows)).astype(np.float32)

    @property
    def average_length(self) -> float:
        """The mean number of term occurrences per indexed document (what BM25 normalises lengths by)."""
        self.compiled()
        return self._average_length

    def query_terms(self, text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Return (known term columns, their idf, known terms) of a query text."""
        row_ids, _, df = self.compiled()
        known = [t for t in dict.fromkeys(lexical_terms(text)) if t in self.vocab and df[self.vocab[t]] > 0]
        return self._columns_and_idf(known, len(row_ids), df)

    def _columns_and_idf(
        self, known: list[str], n: int, df: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        cols = np.array([self.vocab[t] for t in known], dtype=np.int64)
        idf = (
            np.log1p((n - df[cols] + 0.5) / (df[cols] + 0.5)) if len(cols) else np.zeros(0, dtype=np.float32)
        )
        return cols, idf.astype(np.float32), known

    def query_weights(self, text: str, drop_genre: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Return (known term columns, idf × query-frequency weight, known terms) of a query text.

        Unlike `query_terms`, a repeated term weighs more and, with `drop_genre`, words every need uses are left
        out (see `matching.query_terms`).
        """
        row_ids, _, df = self.compiled()
        counts = query_term_frequencies(lexical_terms(text), drop_genre=drop_genre)
        known = [t for t in counts if t in self.vocab and df[self.vocab[t]] > 0]
        cols, idf, known = self._columns_and_idf(known, len(row_ids), df)
        factor = query_frequency_weight(
            np.fromiter((counts[t] for t in known), dtype=np.float32, count=len(known))
        )
        return cols, (idf * factor).astype(np.float32), known

    def query_channels(
        self, text: str, title: str | None = None
    ) -> list[tuple[np.ndarray, np.ndarray, list[str]]]:
        """Return (columns, weights, terms) per query channel: the whole text, then the title if it adds one.

        A channel without a known term is left out, so the list may be empty. A query with a title is a posted
        listing, written in the platform's genre, so the words every need uses are dropped; a bare text keeps them.
        """
        drop_genre = bool(title)
        channels = [self.query_weights(text, drop_genre)]
        if title and normalize(title) != normalize(text):
            channels.append(self.query_weights(title, drop_genre))
        return [channel for channel in channels if len(channel[0])]

    @staticmethod
    def channel_weights(channels) -> tuple[np.ndarray, np.ndarray]:
        """Return (the union of the channels' columns, their weights: union × channels).

        A title's terms are mostly among its text's, so reading their union once is cheaper than twice. A
        channel's weights past its columns (terms only a delta knows) are left out.
        """
        if not channels:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        union = np.unique(np.concatenate([cols for cols, _, _ in channels]))
        per_channel = np.zeros((len(union), len(channels)), dtype=np.float32)
        for c, (cols, weights, _) in enumerate(channels):
            per_channel[np.searchsorted(union, cols), c] = weights[: len(cols)]
        return union, per_channel

    def channel_scores(self, channels) -> np.ndarray:
        """Return raw BM25 scores of every indexed row (rows × channels), one column slice for all channels."""
        _, matrix, _ = self.compiled()
        union, per_channel = self.channel_weights(channels)
        if not len(union):
            return np.zeros((matrix.shape[0], len(channels)), dtype=np.float32)
        return np.asarray(matrix[:, union] @ per_channel, dtype=np.float32)

    def fuse_channels(self, raw: np.ndarray, channels) -> np.ndarray:
        """Return scores in [0, 1] from raw channel scores (rows × channels, any rows scored like this index's),
        the channels put on one scale by their spread over these rows (see `channel_coefficients`)."""
        if not channels or not len(raw):
            return np.zeros(len(raw), dtype=np.float32)
        raw = raw.astype(np.float64)
        return np.minimum(raw @ self.channel_coefficients(channels, raw.std(axis=0)), 1.0).astype(np.float32)

    def channel_coefficients(self, channels, spreads) -> np.ndarray:
        """Return the coefficient of each channel's raw score in the fused one, given each one's spread.

        One channel: the BM25 score over the best a typical listing could reach. Several:
        `matching.fusion.standardized_coefficients`. The fused score is linear in the raw ones (then capped at 1),
        so it is also one BM25 sum whose term weights are the channels' weights times these coefficients.
        """
        best = [self._best_possible(weights) for _, weights, _ in channels]
        if len(channels) == 1:
            return np.array([1.0 / best[0]])
        return standardized_coefficients(list(spreads), best)

    def score_all(self, text: str, title: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (row ids, score in [0, 1] of every indexed listing) for a query text and optional title.

        A title that is not the whole text adds a title-only channel (see the module docstring).
        """
        row_ids = self.compiled()[0]
        channels = self.query_channels(text, title)
        return row_ids, self.fuse_channels(self.channel_scores(channels), channels)

    def _best_possible(self, weights: np.ndarray) -> float:
        """Return the score of a listing of typical size that holds the query's heaviest terms.

        A query longer than the listings (a need's paragraph against achievement titles) cannot be matched
        whole by any of them; measuring it against all its terms would make every score small and let the
        weaker channels outvote it.
        """
        heaviest = np.sort(weights)[::-1][: self._average_terms]
        return max(float(heaviest.sum()) * (K1 + 1), 1e-9)

    def score_ids(self, text: str, ids) -> np.ndarray:
        """Return normalised BM25 scores of given listings one by one (the brute-force path, for comparison)."""
        cols, weights, _ = self.query_weights(text)
        weight_of = dict(zip(cols.tolist(), weights.tolist(), strict=True))
        best = self._best_possible(weights)
        scores = np.zeros(len(ids), dtype=np.float32)
        for i, listing_id in enumerate(ids):
            doc_cols, tfs = unpack_document(self.docs[int(listing_id)])
            norm = K1 * (1 - B + B * float(tfs.sum()) / max(self._average_length, 1e-9))
            scores[i] = (
                sum(
                    weight_of[c] * tf * (K1 + 1) / (tf + norm)
                    for c, tf in zip(doc_cols.tolist(), tfs.tolist(), strict=True)
                    if c in weight_of
                )
                / best
            )
        return np.minimum(scores, 1.0)

    def top_terms(self, text: str, limit: int = 20) -> list[str]:
        """Return the query's content words (not single characters) ordered by their weight in this index."""
        _, weights, known = self.query_weights(text)
        order = np.argsort(-weights, kind="stable")
        return [known[i] for i in order if not known[i].startswith("#")][:limit]
