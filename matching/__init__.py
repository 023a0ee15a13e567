"""The matcher: text analysis, encoders, FAISS vector store, ranking, explanations, evaluation."""

from matching.matcher import (
    FEATURE_NAMES,
    RECOMMENDATION_KINDS,
    Matcher,
    MatcherConfig,
    Recommendation,
)
from matching.scoring import Listing

__all__ = ["FEATURE_NAMES", "RECOMMENDATION_KINDS", "Listing", "Matcher", "MatcherConfig", "Recommendation"]
