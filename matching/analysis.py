"""The costly part of indexing, text analysis and encoding, optionally spread over worker processes.

A build spends nearly all its time in jieba and in turning texts into vectors, one text at a time under the
GIL; at a million listings that is half an hour on one core. ``analysis_pool`` forks workers that inherit the
fitted encoders and the loaded dictionary, so each batch of texts is cut and encoded beside the others while
the building process maps terms to columns. Results are the same as analysing in the building process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from matching.lexical import counted_batch

# The encoders the workers use: set by analysis_pool just before it forks them, so they inherit them.
_worker_encoders: dict | None = None


def analyse(
    texts: Sequence[str], encoders: dict
) -> tuple[tuple[list[str], np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """Return the texts' lexical analysis (`counted_batch`) and every encoder's vectors of them."""
    return counted_batch(list(texts)), {name: enc.encode(texts) for name, enc in encoders.items()}


def _analyse_in_worker(texts: list[str]):
    assert _worker_encoders is not None  # a worker is forked only after analysis_pool sets them
    return analyse(texts, _worker_encoders)


def forkable(encoders: dict) -> bool:
    """Whether workers can encode with these encoders: corpus-fit ones only (a torch model after fork can hang)."""
    return all(getattr(encoder, "forkable", False) for encoder in encoders.values())


@contextmanager
def analysis_pool(encoders: dict, workers: int) -> Iterator[object | None]:
    """Yield a process pool of `workers` that analyses batches, or None when analysis stays in this process.

    Forking needs the fork start method and encoders that survive it; otherwise (or with workers ≤ 1, the
    default for a web process, whose threads a fork would copy mid-work) the build runs in-process.
    """
    global _worker_encoders
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods() or not forkable(encoders):
        yield None
        return
    _worker_encoders = encoders
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield pool
    finally:
        _worker_encoders = None


def analysed(batches: Iterable[list[str]], encoders: dict, pool) -> Iterator:
    """Yield analyse() of each batch in order, in the pool's workers when there is a pool."""
    if pool is None:
        return (analyse(texts, encoders) for texts in batches)
    return pool.imap(_analyse_in_worker, batches)
