"""The lexical first stage at scale: a query's best BM25 matches without scoring every posting.

Scoring every listing costs every posting of every query term, and at a million listings a single Chinese
character is in most of them. Here the query's rarer terms are read in full, as many as a budget of postings
allows, and each remaining frequent term contributes only its impact head: the listings where it weighs most,
kept when the index is compiled. The best candidates of that partial sum are then scored exactly, over every
query term, from their own documents (`LexicalIndex.row_scores`).

A listing can be missed only when its score comes mostly from frequent terms it does not stand out in and
none of its rare terms puts it among the candidates; `matching.bench` reports how often the pruned top ten
differs from the exhaustive one.

The spread of a query's scores over all listings (which fuses a need's text and title channels, see
`matching.fusion`) is estimated on a fixed sample of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# Postings a query may read in full before its frequent terms fall back to their heads.
POSTING_BUDGET = 30_000
# The listings kept per frequent term: its highest tf-weights (a term in at most this many is read whole).
HEAD = 256
# Rows the spread of scores is estimated on.
SAMPLE = 8192
# Candidates scored exactly: at least this many, or this many per row the caller wants, if more.
CANDIDATES = 1000
CANDIDATES_PER_WANTED = 4


def weights_at(matrix: sp.csc_matrix, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the matrix's entries at these rows and columns (len(rows) × len(cols)), one binary search per
    column: a column's row indices are sorted, so no column is copied or scanned."""
    out = np.zeros((len(rows), len(cols)), dtype=np.float32)
    if not len(rows):
        return out
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    rows = np.asarray(rows, dtype=indices.dtype)
    for j, col in enumerate(np.asarray(cols).tolist()):
        start, end = int(indptr[col]), int(indptr[col + 1])
        if start == end:
            continue
        column = indices[start:end]
        at = np.minimum(np.searchsorted(column, rows), end - start - 1)
        found = column[at] == rows
        out[found, j] = data[start:end][at[found]]
    return out


@dataclass(frozen=True)
class PrunedPostings:
    """A compiled BM25 matrix (CSC with sorted row indices) with each frequent term's impact head and a
    sample of rows; immutable, built by the writer with the matrix."""

    matrix: sp.csc_matrix
    # Per column: where its head starts in head_rows/head_weights (columns without one: an empty range).
    head_ptr: np.ndarray
    head_rows: np.ndarray
    head_weights: np.ndarray
    sample: sp.csc_matrix

    @classmethod
    def build(
        cls, matrix: sp.csc_matrix, head: int | None = None, sample: int | None = None, seed: int = 0
    ) -> PrunedPostings:
        """Index a compiled matrix's frequent terms by impact (the matrix is not copied)."""
        head = HEAD if head is None else head
        sample = SAMPLE if sample is None else sample
        if not matrix.has_sorted_indices:
            matrix.sort_indices()
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        df = np.diff(indptr)
        frequent = np.flatnonzero(df > head)
        head_ptr = np.zeros(matrix.shape[1] + 1, dtype=np.int64)
        head_ptr[frequent + 1] = head
        head_ptr = np.cumsum(head_ptr)
        head_rows = np.empty(len(frequent) * head, dtype=indices.dtype)
        # Half precision: heads only choose candidates, which are then scored exactly.
        head_weights = np.empty(len(frequent) * head, dtype=np.float16)
        for n, col in enumerate(frequent.tolist()):
            start, end = int(indptr[col]), int(indptr[col + 1])
            top = np.argpartition(-data[start:end], head - 1)[:head]
            head_rows[n * head : (n + 1) * head] = indices[start:end][top]
            head_weights[n * head : (n + 1) * head] = data[start:end][top]
        n_rows = matrix.shape[0]
        chosen = (
            np.arange(n_rows)
            if n_rows <= sample
            else np.sort(np.random.default_rng(seed).choice(n_rows, sample, replace=False))
        )
        keep = np.zeros(n_rows, dtype=bool)
        keep[chosen] = True
        row_of = np.cumsum(keep) - 1
        entries = keep[indices]
        cols = np.repeat(np.arange(matrix.shape[1]), df)[entries]
        sampled = sp.csc_matrix(
            (data[entries], (row_of[indices[entries]], cols)),
            shape=(len(chosen), matrix.shape[1]),
            dtype=np.float32,
        )
        return cls(matrix, head_ptr, head_rows, head_weights, sampled)

    @property
    def nbytes(self) -> int:
        """What the heads and the sample add to the matrix."""
        return (
            self.head_ptr.nbytes
            + self.head_rows.nbytes
            + self.head_weights.nbytes
            + self.sample.data.nbytes
            + self.sample.indices.nbytes
            + self.sample.indptr.nbytes
        )

    def spreads(self, cols: np.ndarray, per_channel: np.ndarray) -> np.ndarray:
        """The standard deviation of each channel's raw scores (columns of per_channel) over the sample."""
        if not self.sample.shape[0]:
            return np.zeros(per_channel.shape[1], dtype=np.float64)
        raw = np.asarray(self.sample[:, cols] @ per_channel, dtype=np.float64)
        return raw.std(axis=0)

    def best(
        self, cols: np.ndarray, weights: np.ndarray, wanted: int, budget: int | None = None
    ) -> np.ndarray:
        """Return the candidates for the `wanted` best rows by Σ weights · tf-weight, to be scored exactly.

        Rows are sorted; only rows with some query term are returned, at most max(CANDIDATES,
        CANDIDATES_PER_WANTED × wanted).
        """
        budget = POSTING_BUDGET if budget is None else budget
        indptr, indices, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        cols = np.asarray(cols, dtype=np.int64)
        weights = np.asarray(weights, dtype=np.float32)
        df = indptr[cols + 1] - indptr[cols]
        spent, row_parts, value_parts = 0, [], []
        # Rarest first: they say most about a listing and cost least to read whole.
        for j in np.argsort(df, kind="stable").tolist():
            col, count = int(cols[j]), int(df[j])
            if not count or weights[j] <= 0:
                continue
            head_start, head_end = int(self.head_ptr[col]), int(self.head_ptr[col + 1])
            if spent + count <= budget or head_start == head_end:
                start = int(indptr[col])
                row_parts.append(indices[start : start + count])
                value_parts.append(data[start : start + count] * weights[j])
                spent += count
            else:
                row_parts.append(self.head_rows[head_start:head_end])
                value_parts.append(self.head_weights[head_start:head_end].astype(np.float32) * weights[j])
        if not row_parts:
            return np.zeros(0, dtype=np.int64)
        rows, inverse = np.unique(np.concatenate(row_parts), return_inverse=True)
        partial = np.bincount(inverse, weights=np.concatenate(value_parts), minlength=len(rows))
        keep = max(CANDIDATES, CANDIDATES_PER_WANTED * wanted)
        if len(rows) > keep:
            rows = np.sort(rows[np.argpartition(-partial, keep - 1)[:keep]])
        return rows.astype(np.int64)
