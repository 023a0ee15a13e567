"""Fusing the scores several query channels give the same listings into one score in [0, 1]."""

from __future__ import annotations

import numpy as np


def fuse_standardized(scores: list[np.ndarray], best: list[float]) -> np.ndarray:
    """Return one score per listing from several channels' raw scores and each channel's best possible score.

    Channels are put on one scale by their spread over all listings, so a long query whose raw scores are
    large does not drown a short one (ordering by the sum of z-scores). The value is written as a
    weighted mean of each channel's fraction of its best possible score, which keeps it in [0, 1] and
    equal to that fraction when only one channel has evidence: the mean shifts every listing alike and so
    drops out of the ordering, leaving weights proportional to best / spread.
    """
    if not scores:
        raise ValueError("Fusing needs at least one channel of scores.")
    total = np.zeros(len(scores[0]), dtype=np.float64)
    weight_sum = 0.0
    for channel, top in zip(scores, best, strict=True):
        spread = float(np.std(channel)) if len(channel) else 0.0
        if top <= 0 or spread <= 0:
            continue
        weight = top / spread
        total += weight * (np.asarray(channel, dtype=np.float64) / top)
        weight_sum += weight
    if weight_sum == 0:
        return np.zeros(len(scores[0]), dtype=np.float32)
    return (total / weight_sum).astype(np.float32)
