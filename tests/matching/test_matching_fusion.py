"""Fusing channels of scores: ordered by standardised sum, valued as a mean fraction of the best possible."""

import numpy as np
import pytest

from matching.fusion import fuse_standardized


def test_one_channel_is_its_fraction_of_the_best_possible():
    fused = fuse_standardized([np.array([0.0, 1.0, 2.0])], [4.0])
    assert fused.tolist() == pytest.approx([0.0, 0.25, 0.5])


def test_a_channel_with_large_raw_scores_does_not_drown_the_other():
    rng = np.random.default_rng(0)
    long_query = rng.random(200) * 50
    title = rng.random(200)
    long_query[:2] = [50.0, 45.0]
    title[:2] = [0.0, 1.0]
    fused = fuse_standardized([long_query, title], [60.0, 1.0])
    # Row 1 is strong in both channels, row 0 only in the one with large numbers.
    assert fused[1] > fused[0]
    z = lambda s: (s - s.mean()) / s.std()  # noqa: E731
    assert np.argsort(-fused).tolist() == np.argsort(-(z(long_query) + z(title))).tolist()
    assert fused.min() >= 0.0 and fused.max() <= 1.0


def test_channels_without_evidence_are_left_out():
    fused = fuse_standardized([np.array([0.0, 2.0, 1.0]), np.zeros(3)], [4.0, 0.0])
    assert fused.tolist() == pytest.approx([0.0, 0.5, 0.25])
    assert fuse_standardized([np.zeros(3), np.ones(3)], [1.0, 1.0]).tolist() == [0.0, 0.0, 0.0]


def test_no_channel_is_a_value_error():
    with pytest.raises(ValueError, match="at least one channel"):
        fuse_standardized([], [])
