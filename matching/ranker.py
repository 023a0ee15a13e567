"""Learning the ranking from feedback (dismissed 0, interested 1, contracted 2) and checking it helps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from matching.schema import COLUMN, FEATURE_NAMES, Feature

LABELS = {"dismissed": 0, "interested": 1, "contracted": 2}
# Below this many labelled pairs, or with a single label, a learned model only memorises noise.
MIN_PAIRS = 30
FUSED = COLUMN[Feature.FUSED]
# One organization's feedback together weighs at most this many rows (each of its rows weighs
# min(1, ORG_WEIGHT_CAP / its row count)): 34 verdicts from one account teach no more than 20 from another.
ORG_WEIGHT_CAP = 20.0
# The learned order goes live only when it beats the unlearned one on held-back feedback of this many
# organizations, each organization's held-back queries averaged first so that none outvotes the others.
MIN_HELDOUT_ORGS = 3
# ...and by at least this much mean nDCG@10 (a tie keeps the unlearned order: it needs no explaining).
MIN_GAIN = 0.005


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

    def fit(
        self, rows, labels: Sequence[str | int] | np.ndarray, sample_weight: np.ndarray | None = None
    ) -> FeedbackRanker:
        """Learn from feature rows (Matcher.features) and their labels, if there is enough to learn from;
        `sample_weight` bounds what each organization's rows weigh together (see org_weights)."""
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
        ).fit(rows, y, sample_weight=sample_weight)
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


def org_weights(orgs: Sequence | np.ndarray, cap: float = ORG_WEIGHT_CAP) -> np.ndarray:
    """Each row's weight: an organization's rows share at most `cap` rows' worth of weight."""
    org_of = np.asarray(orgs)
    values, inverse, counts = np.unique(org_of, return_inverse=True, return_counts=True)
    return np.minimum(1.0, cap / counts[inverse]).astype(np.float64) if len(values) else np.zeros(0)


@dataclass(frozen=True)
class GateDecision:
    """Whether a ranker fitted on feedback goes live, and the numbers the operator reads to see why."""

    live: bool
    reason: str
    pairs: int
    orgs: int
    heldout_orgs: int
    heldout_queries: int
    learned_ndcg: float | None
    unlearned_ndcg: float | None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"feedback ranker {'LIVE' if self.live else 'off'} ({self.reason}): held-out nDCG@10 "
            f"unlearned={self.unlearned_ndcg} learned={self.learned_ndcg} over {self.heldout_queries} queries of "
            f"{self.heldout_orgs} organizations; {self.pairs} pairs from {self.orgs} organizations counted"
        )


def _split_by_org(query_of: np.ndarray, org_of: np.ndarray, holdout: float, seed: int) -> set:
    """Hold back about `holdout` of each organization's queries (one at least, of those with two or more), so
    the held-back part has as many organizations as the feedback allows and the split does not depend on one
    organization's volume."""
    rng = np.random.default_rng(seed)
    held: set = set()
    for org in sorted(set(org_of.tolist()), key=str):
        queries = sorted(set(query_of[org_of == org].tolist()), key=str)
        if len(queries) < 2:
            continue
        count = max(1, int(round(len(queries) * holdout)))
        held.update(rng.choice(np.array(queries, dtype=object), count, replace=False).tolist())
    return held


def gate_ranker(
    rows,
    labels: Sequence[str | int],
    groups: Sequence,
    orgs: Sequence,
    holdout: float = 0.3,
    seed: int = 0,
    min_pairs: int = MIN_PAIRS,
    min_orgs: int = MIN_HELDOUT_ORGS,
    min_gain: float = MIN_GAIN,
) -> tuple[FeedbackRanker | None, GateDecision]:
    """Fit on the counted feedback and decide whether the learned order goes live.

    `groups` name a query as one organization saw it (each group belongs to one organization, `orgs` per row).
    About `holdout` of each organization's queries are held back; a ranker fitted on the rest, each
    organization weighing at most ORG_WEIGHT_CAP rows, must beat the unlearned fused order by `min_gain` mean
    nDCG@10 (per organization first, then across organizations) on held-back queries of at least `min_orgs`
    organizations. Then the ranker fitted on all of it is returned; otherwise None (the unlearned order).
    """
    rows = _rows(rows) if len(rows) else np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    y = np.array([label_value(v) for v in labels], dtype=np.float32)
    query_of, org_of = np.asarray(groups, dtype=object), np.asarray(orgs, dtype=object)
    if not (len(rows) == len(y) == len(query_of) == len(org_of)):
        raise ValueError("rows, labels, groups and orgs must have the same length.")
    weights = org_weights(org_of)
    held = _split_by_org(query_of, org_of, holdout, seed)
    test = np.array([q in held for q in query_of.tolist()], dtype=np.bool_)
    trial = FeedbackRanker(min_pairs=min_pairs, seed=seed).fit(rows[~test], y[~test], weights[~test])
    learned: dict = {}
    unlearned: dict = {}
    for query in held:
        mask = query_of == query
        if y[mask].max() <= 0:  # nothing relevant: every order scores the same
            continue
        org = org_of[mask][0]
        learned.setdefault(org, []).append(ndcg(trial.score(rows[mask]), y[mask]))
        unlearned.setdefault(org, []).append(ndcg(rows[mask][:, FUSED], y[mask]))
    learned_mean = float(np.mean([np.mean(v) for v in learned.values()])) if learned else None
    unlearned_mean = float(np.mean([np.mean(v) for v in unlearned.values()])) if unlearned else None
    if len(learned) < min_orgs:
        reason = f"held-back feedback from {len(learned)} organizations, {min_orgs} needed"
    elif not trial.fitted:
        reason = f"too little training feedback (fewer than {min_pairs} pairs or one label)"
    elif learned_mean is None or unlearned_mean is None or learned_mean < unlearned_mean + min_gain:
        reason = "the learned order does not beat the unlearned one on held-back feedback"
    else:
        reason = "beats the unlearned order on held-back feedback"
    live = reason.startswith("beats")
    decision = GateDecision(
        live=live,
        reason=reason,
        pairs=int(len(y)),
        orgs=len(set(org_of.tolist())),
        heldout_orgs=len(learned),
        heldout_queries=sum(len(v) for v in learned.values()),
        learned_ndcg=round(learned_mean, 4) if learned_mean is not None else None,
        unlearned_ndcg=round(unlearned_mean, 4) if unlearned_mean is not None else None,
    )
    if not live:
        return None, decision
    final = FeedbackRanker(min_pairs=min_pairs, seed=seed).fit(rows, y, weights)
    return (final if final.fitted else None), decision
