"""FAISS vector store for one listing kind: stable int64 ids, exact search when small, IVF beyond a size."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def _faiss():
    import faiss

    return faiss


# A query scans at least one list in this many (see VectorStore.probes).
PROBE_SHARE = 16


class _single_thread:
    """Run one faiss call on one OpenMP thread: for a single query, waking the thread pool costs ~40x the scan."""

    def __enter__(self):
        self.previous = _faiss().omp_get_max_threads()
        _faiss().omp_set_num_threads(1)

    def __exit__(self, *exc):
        _faiss().omp_set_num_threads(self.previous)


class VectorStore:
    """Inner product on unit vectors (= cosine), add/update/remove by listing id without a rebuild."""

    def __init__(self, dim: int, exact_limit: int = 20000, nprobe: int = 16):
        if dim < 1:
            raise ValueError(f"A vector store needs a positive dimension, not {dim}.")
        if exact_limit < 1:
            raise ValueError(f"The exact-search limit must be a positive integer, not {exact_limit}.")
        self.dim = dim
        self.exact_limit = exact_limit
        self.nprobe = nprobe
        self.index = self._exact_index()

    def _exact_index(self):
        faiss = _faiss()
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    @property
    def approximate(self) -> bool:
        """Whether the store currently uses the IVF index."""
        return not isinstance(self.index, _faiss().IndexIDMap2)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> np.ndarray:
        """Return every stored id."""
        faiss = _faiss()
        if not self.approximate:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = self.index.invlists
        parts = [
            faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if invlists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"Vectors must have shape (n, {self.dim}), not {vectors.shape}.")
        return vectors

    def upsert(self, ids, vectors: np.ndarray) -> None:
        """Add vectors under ids, replacing any vector already stored under the same id."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = self._check(vectors)
        if len(ids) != len(vectors):
            raise ValueError(f"Got {len(ids)} ids for {len(vectors)} vectors.")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("The same id appears twice in one upsert.")
        if not len(ids):
            return
        if not len(self) and not self.approximate and len(ids) > self.exact_limit:
            # A build's one big insert goes straight into the IVF index: no flat copy of a million vectors.
            self._promote(ids, vectors)
            return
        self.remove(ids)
        self.index.add_with_ids(vectors, ids)
        if not self.approximate and len(self) > self.exact_limit:
            self._promote(*self.all_vectors())

    def remove(self, ids) -> int:
        """Remove vectors by id (unknown ids are ignored); return how many were removed."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids) or not len(self):
            return 0
        return int(self.index.remove_ids(_faiss().IDSelectorArray(len(ids), _faiss().swig_ptr(ids))))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, vectors) of everything stored."""
        ids = self.ids()
        return ids, self.vectors(ids)

    def vectors(self, ids) -> np.ndarray:
        """Return the stored vectors of ids (all must be present)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def _promote(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Hold these vectors (all of them) in an IVF index with 8-bit codes: past the exact limit a full scan
        per query costs more than it is worth, and a float per dimension would make vectors most of what a
        listing costs in memory at a million."""
        faiss = _faiss()
        # About sqrt(n) lists (faiss' rule of thumb); a query scans nprobe of them.
        nlist = max(8, min(int(np.sqrt(len(ids))), len(ids) // 39))
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT, False
        )
        train = vectors
        if len(train) > 64 * nlist:
            train = vectors[np.random.default_rng(0).choice(len(vectors), 64 * nlist, replace=False)]
        index.train(train)
        # A hash-table direct map lets the IVF index remove and reconstruct by our own ids.
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.add_with_ids(vectors, ids)
        self._quantizer = quantizer  # the IVF index borrows it; keep it alive as long as the index
        self.index = index
        self.index.nprobe = self.probes(nlist)

    def probes(self, nlist: int) -> int:
        """The lists a query scans: at least `nprobe`, and a sixteenth of them as they grow with the corpus,
        which kept recall@10 against exact search at 0.95 or more from 20k to a million listings."""
        return min(nlist, max(self.nprobe, nlist // PROBE_SHARE))

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, cosine scores) of the k nearest stored vectors, best first."""
        if not len(self) or k < 1:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = self._check(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        with _single_thread():
            scores, ids = self.index.search(query, min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def copy(self) -> VectorStore:
        """Return an independent copy (the writer patches a copy while readers search the original)."""
        store = VectorStore(self.dim, self.exact_limit, self.nprobe)
        store.index = _faiss().clone_index(self.index)
        if store.approximate:
            store.index.nprobe = self.index.nprobe
        return store

    def save(self, path: str | Path) -> None:
        """Write the index atomically: a temp file next to it, then os.replace."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        faiss = _faiss()
        try:
            # Through a Python file, not a path: FAISS only prints a failed close (a full disk) and returns, so
            # a truncated index would pass for a saved one; Python raises.
            with open(tmp, "wb") as handle:
                faiss.write_index(self.index, faiss.PyCallbackIOWriter(handle.write))
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, dim: int, exact_limit: int = 20000, nprobe: int = 16) -> VectorStore:
        """Read an index written by save; raise if it is missing or its dimension is not `dim`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"The vector index {path} does not exist; rebuild the matcher.")
        index = _faiss().read_index(str(path))
        if index.d != dim:
            raise ValueError(
                f"The vector index {path} has dimension {index.d}, but the encoder produces {dim}; "
                "rebuild the matcher."
            )
        store = cls(dim, exact_limit, nprobe)
        store.index = index
        if store.approximate:
            store.index.nprobe = store.probes(index.nlist)
        return store
