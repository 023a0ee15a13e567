"""Feedback ranker: falls back to the fusion without data, learns a preference the fusion misses."""

import numpy as np
import pytest

from matching import FEATURE_NAMES, MatchItem
from matching.ranker import FeedbackRanker, evaluate_ranker, label_value

REGION = FEATURE_NAMES.index("region")
FUSED = FEATURE_NAMES.index("fused")


def feedback(n_queries=60, per_query=8, seed=3):
    """Rows where firms contract nearby providers, which the fused score barely weighs."""
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for q in range(n_queries):
        block = rng.uniform(0, 1, size=(per_query, len(FEATURE_NAMES))).astype(np.float32)
        block[:, REGION] = rng.integers(0, 2, per_query)
        block[:, FUSED] = rng.uniform(0.2, 0.6, per_query)
        for row in block:
            label = 2 if row[REGION] == 1 and row[FUSED] > 0.3 else (1 if row[REGION] == 1 else 0)
            rows.append(row)
            labels.append(label)
            groups.append(q)
    return np.array(rows), labels, groups


def test_without_enough_feedback_the_fused_score_is_kept():
    rows, labels, _ = feedback(n_queries=2)
    ranker = FeedbackRanker().fit(rows, labels)
    assert not ranker.fitted
    np.testing.assert_allclose(ranker.score(rows), rows[:, FUSED])


def test_learned_ranking_beats_unlearned_on_held_back_queries():
    rows, labels, groups = feedback()
    report = evaluate_ranker(rows, labels, groups, holdout=0.3)
    assert report["learned"] and report["pairs"] == len(labels)
    assert report["learned_ndcg"] > report["unlearned_ndcg"] + 0.1


def test_labels_and_shapes_are_checked():
    assert [label_value(x) for x in ("dismissed", "interested", "contracted")] == [0, 1, 2]
    with pytest.raises(ValueError, match="Unknown feedback label"):
        label_value("liked")
    with pytest.raises(ValueError, match="columns"):
        FeedbackRanker().fit(np.zeros((3, 2)), [0, 1, 2])


def test_matcher_features_and_a_set_ranker_reorder_results(matcher, need):
    candidates = [matcher.listing("achievement", i) for i in (1, 7, 10)]
    rows = matcher.features(need, candidates, "license")
    assert rows.shape == (3, len(FEATURE_NAMES))
    assert rows[0, FUSED] > rows[1, FUSED]  # welding beats textile printing without feedback
    unseen = MatchItem(id=5000, kind="achievement", title="激光焊接", text="激光焊接")
    assert matcher.features(need, [unseen], "license")[0, FEATURE_NAMES.index("dense")] > 0

    class PreferTextiles:
        fitted = True

        def score(self, rows):
            return rows[:, FEATURE_NAMES.index("lexical")] * -1.0

    reordered = matcher.with_ranker(PreferTextiles()).recommend(need, "license", k=3)
    assert reordered[0].target_id != 1
    assert matcher.recommend(need, "license", k=1)[0].target_id == 1
