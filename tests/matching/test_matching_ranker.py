"""Feedback ranker: falls back to the fusion without data, learns a preference the fusion misses."""

import numpy as np
import pytest

from matching import FEATURE_NAMES, MatchItem
from matching.ranker import (
    ORG_WEIGHT_CAP,
    FeedbackRanker,
    evaluate_ranker,
    gate_ranker,
    label_value,
    org_weights,
)

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


def test_one_organization_alone_never_switches_the_learned_order_on():
    """However much one organization says, held-back feedback of one organization cannot carry the gate."""
    rows, labels, groups = feedback(n_queries=40)
    ranker, decision = gate_ranker(rows, labels, groups, orgs=["fresh"] * len(labels))
    assert ranker is None and not decision.live
    assert decision.heldout_orgs == 1 and "3 needed" in decision.reason


def test_several_organizations_that_improve_held_out_order_switch_it_on():
    rows, labels, groups = feedback(n_queries=40)
    orgs = [f"org{q % 5}" for q in groups]
    ranker, decision = gate_ranker(
        rows, labels, [f"{o}:{q}" for o, q in zip(orgs, groups, strict=True)], orgs
    )
    assert decision.live and ranker is not None and ranker.fitted
    assert decision.heldout_orgs == 5 and decision.orgs == 5
    assert decision.learned_ndcg > decision.unlearned_ndcg + 0.1
    assert "LIVE" in decision.summary() and "5 organizations" in decision.summary()


def test_feedback_that_does_not_help_on_held_out_queries_keeps_the_unlearned_order():
    rows, labels, groups = feedback(n_queries=40)
    # Users agree with the fused score: a learned order can at best tie with it, so nothing changes.
    agree = [2 if row[FUSED] > 0.5 else (1 if row[FUSED] > 0.4 else 0) for row in rows]
    orgs = [f"org{q % 5}" for q in groups]
    ranker, decision = gate_ranker(rows, agree, [f"{o}:{q}" for o, q in zip(orgs, groups, strict=True)], orgs)
    assert ranker is None and not decision.live and decision.heldout_orgs == 5
    assert "does not beat" in decision.reason


def test_an_organization_weighs_at_most_a_bounded_number_of_rows():
    weights = org_weights(["big"] * 100 + ["small"] * 5)
    assert weights[:100].sum() == pytest.approx(ORG_WEIGHT_CAP)
    assert weights[100:].tolist() == [1.0] * 5
