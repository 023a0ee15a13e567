"""Industry classifier: predicts the field of a listing that states none, with calibrated probabilities."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from matching.encoders import tfidf_row
from matching.text import semantic_terms

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

# Training on more labelled listings than this adds little accuracy and minutes of fitting at 100k.
FIT_SAMPLE = 5000
CALIBRATION_SAMPLE = 2000
TEMPERATURES = (0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Return row-wise softmax of scores / temperature."""
    scaled = scores / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


class IndustryClassifier:
    """Linear SVM over words and character n-grams; a softmax temperature chosen by cross-validation."""

    def __init__(self, c: float = 0.5, seed: int = 0):
        self.c = c
        self.seed = seed
        self.classes: list[str] = []
        self.temperature = 0.1
        self.vectorizer: TfidfVectorizer | None = None
        self.model: LinearSVC | None = None
        self.weights_t: np.ndarray | None = None

    @property
    def fitted(self) -> bool:
        """Whether there were at least two industries to learn from."""
        return self.model is not None

    def fit(self, texts: Sequence[str], labels: Sequence[str | None]) -> IndustryClassifier:
        """Learn from listings that carry an industry; with fewer than two industries stay unfitted."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        pairs = [(t, y) for t, y in zip(texts, labels, strict=True) if y and t and t.strip()]
        if len(pairs) > FIT_SAMPLE:
            pairs = random.Random(self.seed).sample(pairs, FIT_SAMPLE)
        self.model = None
        if len({y for _, y in pairs}) < 2:
            return self
        # Every term counts here, rare ones included: dropping once-seen terms cost exact matches on CSL.
        self.vectorizer = TfidfVectorizer(analyzer=semantic_terms, sublinear_tf=True, dtype=np.float32)
        matrix = self.vectorizer.fit_transform([t for t, _ in pairs])
        y = np.array([label for _, label in pairs])
        self.temperature = self._calibrate(matrix, y)
        self.model = self._model().fit(matrix, y)
        # A C-contiguous (terms × classes) copy: decision_function re-copies coef_.T on every call.
        self.weights_t = np.ascontiguousarray(self.model.coef_.T, dtype=np.float32)
        self.classes = [str(c) for c in self.model.classes_]
        return self

    def _model(self):
        from sklearn.svm import LinearSVC

        # SGD and naive Bayes fit faster but rank exact matches worse on CSL once mixed with BM25.
        return LinearSVC(C=self.c, random_state=self.seed)

    @staticmethod
    def _scores(model, matrix) -> np.ndarray:
        """Return per-class decision scores, two columns even for two classes."""
        scores = model.decision_function(matrix)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        return scores

    def _calibrate(self, matrix, y: np.ndarray) -> float:
        """Pick the softmax temperature with the lowest held-out log-loss (3-fold), so probabilities mean something."""
        from sklearn.model_selection import StratifiedKFold

        if len(y) > CALIBRATION_SAMPLE:
            keep = np.random.default_rng(self.seed).choice(len(y), CALIBRATION_SAMPLE, replace=False)
            matrix, y = matrix[keep], y[keep]
        counts = Counter(y)
        if min(counts.values()) < 3:
            return 0.1
        losses = np.zeros(len(TEMPERATURES))
        for train, test in StratifiedKFold(3, shuffle=True, random_state=self.seed).split(matrix, y):
            model = self._model().fit(matrix[train], y[train])
            scores = self._scores(model, matrix[test])
            if scores.ndim == 1:
                scores = np.column_stack([-scores, scores])
            truth = np.searchsorted(model.classes_, y[test])
            for i, temperature in enumerate(TEMPERATURES):
                probs = softmax(scores, temperature)
                losses[i] -= np.log(np.maximum(probs[np.arange(len(truth)), truth], 1e-9)).sum()
        return float(TEMPERATURES[int(np.argmin(losses))])

    def predict_proba(self, text: str) -> dict[str, float]:
        """Return industry → probability for a text ({} when unfitted or the text is empty)."""
        model, weights_t = self.model, self.weights_t  # set together by a fit with two industries or more
        if model is None or weights_t is None or not text or not text.strip():
            return {}
        cols, weights = tfidf_row(self.vectorizer, text)
        if not len(cols):
            return {}
        scores = (weights @ weights_t[cols] + model.intercept_).reshape(1, -1)
        if scores.shape[1] == 1:
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        probs = softmax(scores, self.temperature)[0]
        return dict(zip(self.classes, probs.tolist(), strict=True))
