"""Learning the ranking from feedback (dismissed 0, interested 1, contracted 2) and checking it helps."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matching.schema import COLUMN, FEATURE_NAMES, Feature

LABELS = {"dismissed": 0, "interested": 1, "contracted": 2}
# Below this many labelled pairs, or with a single label, a learned model only memorises noise.
MIN_PAIRS = 30
FUSED = COLUMN[Feature.FUSED]


def label_value(label: str | int) -> int:
    """Return the graded relevance of a feedback label."""
    if isinstance(label, str):
        if label not in LABELS:
            raise ValueError(f"Unknown feedback label {label!r}; expected one of {', '.join(LABELS)}.")
        return LABELS[label]
    if int(label) not in LABELS.values():
        raise ValueError(f"Feedback labels are 0, 1 or 2, not {label!r}.")
    return int(label)


def _rows(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"Feature rows must have {len(FEATURE_NAMES)} columns ({', '.join(FEATURE_NAMES)}).")
    return rows


class FeedbackRanker:
    """Gradient-boosted regression of graded feedback on match features; the unlearned fusion until fitted."""

    def __init__(self, min_pairs: int = MIN_PAIRS, seed: int = 0):
        self.min_pairs = min_pairs
        self.seed = seed
        self.model = None

    @property
    def fitted(self) -> bool:
        """Whether a model was learned (otherwise score() returns the unlearned fused score)."""
        return self.model is not None

    def fit(self, rows, labels: Sequence[str | int] | np.ndarray) -> FeedbackRanker:
        """Learn from feature rows (Matcher.features) and their labels, if there is enough to learn from."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        rows = _rows(rows)
        y = np.array([label_value(v) for v in labels], dtype=np.float32)
        if len(y) != len(rows):
            raise ValueError(f"Got {len(rows)} feature rows for {len(y)} labels.")
        self.model = None
        if len(y) < self.min_pairs or len(np.unique(y)) < 2:
            return self
        self.model = HistGradientBoostingRegressor(
            max_iter=150,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=5,
            l2_regularization=1.0,
            random_state=self.seed,
        ).fit(rows, y)
        return self

    def score(self, rows) -> np.ndarray:
        """Return a relevance score per row: learned if fitted, else the fused score itself."""
        rows = _rows(rows)
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        if self.model is None:
            return rows[:, FUSED].copy()
        # The fused score breaks ties the trees leave (equal leaves for similar candidates).
        return self.model.predict(rows).astype(np.float32) + 1e-3 * rows[:, FUSED]


def ndcg(scores: np.ndarray, gains: np.ndarray, k: int = 10) -> float:
    """Return nDCG@k of one query's candidates ordered by scores (1.0 when nothing is relevant)."""
    order = np.argsort(-scores, kind="stable")[:k]
    dcg = sum((2 ** gains[i] - 1) / math.log2(r + 2) for r, i in enumerate(order))
    ideal = sorted(gains, reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg else 1.0


def evaluate_ranker(
    rows,
    labels: Sequence[str | int],
    groups: Sequence,
    holdout: float = 0.3,
    seed: int = 0,
    min_pairs: int = MIN_PAIRS,
) -> dict[str, float | None]:
    """Fit on some queries' feedback, compare learned vs unlearned nDCG@10 on the held-back queries."""
    rows = _rows(rows)
    y = np.array([label_value(v) for v in labels], dtype=np.float32)
    query_of = np.asarray(groups)
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be between 0 and 1, not {holdout}.")
    if not (len(rows) == len(y) == len(query_of)):
        raise ValueError("rows, labels and groups must have the same length.")
    unique = np.unique(query_of)
    rng = np.random.default_rng(seed)
    test_groups = (
        set(rng.choice(unique, max(1, int(round(len(unique) * holdout))), replace=False).tolist())
        if len(unique) > 1
        else set()
    )
    test = np.array([g in test_groups for g in query_of.tolist()], dtype=np.bool_)
    ranker = FeedbackRanker(min_pairs=min_pairs, seed=seed).fit(rows[~test], y[~test])
    learned, unlearned = [], []
    for group in test_groups:
        mask = query_of == group
        if y[mask].max() <= 0:
            continue
        learned.append(ndcg(ranker.score(rows[mask]), y[mask]))
        unlearned.append(ndcg(rows[mask][:, FUSED], y[mask]))
    return {
        "learned_ndcg": round(float(np.mean(learned)), 4) if learned else None,
        "unlearned_ndcg": round(float(np.mean(unlearned)), 4) if unlearned else None,
        "pairs": int(len(y)),
        "train_pairs": int((~test).sum()),
        "test_queries": len(learned),
        "learned": ranker.fitted,
    }
