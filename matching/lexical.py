"""Lexical channel: BM25 over jieba words and single Chinese characters, with id-stable add and remove."""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.sparse as sp

from matching.text import lexical_terms

K1 = 1.2
B = 0.75


def term_counts(text: str) -> Counter:
    """Return the term frequencies the lexical channel indexes for a text."""
    return Counter(lexical_terms(text))


class LexicalIndex:
    """BM25 over one listing kind; scores are divided by the query's best possible score, so in [0, 1]."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.docs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._compiled = None
        self._average_length = 1.0

    def __len__(self) -> int:
        return len(self.docs)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_compiled"] = None
        return state

    def upsert(self, ids: list[int], texts: list[str]) -> None:
        """Index texts under ids, replacing earlier texts of the same ids."""
        for listing_id, text in zip(ids, texts, strict=True):
            counts = term_counts(text)
            cols = np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in counts), dtype=np.int32,
                               count=len(counts))
            self.docs[int(listing_id)] = (cols, np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
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
            cols = [c for c, _ in self.docs.values()]
            tfs = [t for _, t in self.docs.values()]
            lengths = np.array([t.sum() for t in tfs], dtype=np.float32)
            rows = np.repeat(np.arange(len(row_ids)), [len(c) for c in cols])
            col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
            tf = np.concatenate(tfs) if tfs else np.zeros(0, dtype=np.float32)
            avg = float(lengths.mean()) if len(lengths) else 1.0
            norm = K1 * (1 - B + B * lengths[rows] / max(avg, 1e-9))
            weight = tf * (K1 + 1) / (tf + norm)
            matrix = sp.csc_matrix((weight, (rows, col)), shape=(len(row_ids), len(self.vocab)), dtype=np.float32)
            df = np.bincount(col, minlength=len(self.vocab)).astype(np.float32)
            self._compiled = (row_ids, matrix, df)
            self._average_length = avg
        return self._compiled

    def query_terms(self, text: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Return (known term columns, their idf, known terms) of a query text."""
        row_ids, _, df = self.compiled()
        known = [t for t in dict.fromkeys(lexical_terms(text)) if t in self.vocab and df[self.vocab[t]] > 0]
        cols = np.array([self.vocab[t] for t in known], dtype=np.int64)
        n = len(row_ids)
        idf = np.log1p((n - df[cols] + 0.5) / (df[cols] + 0.5)) if len(cols) else np.zeros(0, dtype=np.float32)
        return cols, idf.astype(np.float32), known

    def score_all(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (row ids, normalised BM25 score of every indexed listing) for a query text."""
        row_ids, matrix, _ = self.compiled()
        cols, idf, _ = self.query_terms(text)
        if not len(cols) or not len(row_ids):
            return row_ids, np.zeros(len(row_ids), dtype=np.float32)
        scores = matrix[:, cols] @ idf
        return row_ids, (scores / (idf.sum() * (K1 + 1))).astype(np.float32)

    def score_ids(self, text: str, ids) -> np.ndarray:
        """Return normalised BM25 scores of given listings one by one (the brute-force path, for comparison)."""
        cols, idf, _ = self.query_terms(text)
        weight_of = dict(zip(cols.tolist(), idf.tolist(), strict=True))
        best = max(float(idf.sum()) * (K1 + 1), 1e-9)
        scores = np.zeros(len(ids), dtype=np.float32)
        for i, listing_id in enumerate(ids):
            doc_cols, tfs = self.docs[int(listing_id)]
            norm = K1 * (1 - B + B * float(tfs.sum()) / max(self._average_length, 1e-9))
            scores[i] = sum(weight_of[c] * tf * (K1 + 1) / (tf + norm)
                            for c, tf in zip(doc_cols.tolist(), tfs.tolist(), strict=True) if c in weight_of) / best
        return scores

    def top_terms(self, text: str, limit: int = 20) -> list[str]:
        """Return the query's words (not single characters) ordered by how rare they are in this index."""
        cols, idf, known = self.query_terms(text)
        order = np.argsort(-idf, kind="stable")
        return [known[i] for i in order if not known[i].startswith("#")][:limit]
