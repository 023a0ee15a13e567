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


# How much the multilingual dense reading counts beside the lexical one, in units of their spreads over the
# candidates (tuned on ccf-pool-dev, see README "Matching and search, measured").
DENSE_SHARE = 1.5
# With no lexical evidence at all (a query in another language than the listings), the dense reading alone
# orders the candidates, scaled to at most this lexical score.
DENSE_ALONE = 0.5


def fuse_dense_reading(lexical: np.ndarray, similarity: np.ndarray, share: float | None = None) -> np.ndarray:
    """Return lexical scores with a dense encoder's cosine similarities fused in, over one pool of candidates.

    The lexical readings are fused by their spread (`standardized_coefficients`); the dense reading joins the
    same way: its cosines, centred on the pool's mean (a multilingual encoder's cosines sit in a narrow band
    well above 0, so their level says nothing), are brought to the lexical scores' spread and added at
    `share`, then weighed by the channel's evidence: how far its best candidate stands above the pool, in
    spreads (a flat reading, one that finds nothing in particular, adds little). The lexical scale is kept, so
    the structured features weigh as before. Without lexical spread (no shared word: another language), the
    dense reading alone orders the pool, as a fraction of its best, up to DENSE_ALONE.
    """
    share = DENSE_SHARE if share is None else share
    lexical = np.asarray(lexical, dtype=np.float32)
    similarity = np.asarray(similarity, dtype=np.float32)
    if not len(lexical) or share <= 0:
        return lexical
    centred = np.maximum(similarity - float(similarity.mean()), 0.0)
    spread = float(similarity.std())
    top = float(centred.max())
    if spread <= 0 or top <= 0:
        return lexical
    evidence = min(1.0, top / spread / 3.0)
    lexical_spread = float(lexical.std())
    if lexical_spread <= 0:
        return np.clip(lexical + DENSE_ALONE * evidence * centred / top, 0.0, 1.0).astype(np.float32)
    fused = lexical + share * evidence * (lexical_spread / spread) * centred
    return np.clip(fused, 0.0, 1.0).astype(np.float32)
