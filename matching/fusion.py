"""Fusing the scores several query channels give the same listings into one score in [0, 1]."""

from __future__ import annotations

import numpy as np


def standardized_coefficients(spreads, best) -> np.ndarray:
    """Return one coefficient per channel such that Σ coefficient × raw score is the fused score.

    Channels are put on one scale by their spread over all listings, so a long query whose raw scores are
    large does not drown a short one (ordering by the sum of z-scores). The value is written as a
    weighted mean of each channel's fraction of its best possible score, which keeps it in [0, 1] and
    equal to that fraction when only one channel has evidence: the mean shifts every listing alike and so
    drops out of the ordering, leaving weights proportional to best / spread. A channel without spread (or
    without a best score) gets no weight.
    """
    weights = np.array(
        [top / spread if top > 0 and spread > 0 else 0.0 for spread, top in zip(spreads, best, strict=True)],
        dtype=np.float64,
    )
    if not len(weights):
        raise ValueError("Fusing needs at least one channel of scores.")
    total = float(weights.sum())
    if total == 0:
        return np.zeros(len(weights), dtype=np.float64)
    return np.array([w / (top * total) if w else 0.0 for w, top in zip(weights, best, strict=True)])


def fuse_standardized(scores: list[np.ndarray], best: list[float]) -> np.ndarray:
    """Return one score per listing from several channels' raw scores and each channel's best possible score
    (see `standardized_coefficients`; the spreads are the channels' own)."""
    if not scores:
        raise ValueError("Fusing needs at least one channel of scores.")
    coefficients = standardized_coefficients([float(np.std(s)) if len(s) else 0.0 for s in scores], best)
    total = np.zeros(len(scores[0]), dtype=np.float64)
    for channel, coefficient in zip(scores, coefficients.tolist(), strict=True):
        if coefficient:
            total += coefficient * np.asarray(channel, dtype=np.float64)
    return total.astype(np.float32)
