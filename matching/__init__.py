"""The matcher: text analysis, encoders, FAISS vector store, ranking, explanations, evaluation."""

from matching.config import MatcherConfig
from matching.matcher import RECOMMENDATION_KINDS, Matcher, Recommendation
from matching.reasons import ReasonCode
from matching.schema import FEATURE_NAMES, Feature
from matching.scoring import MatchItem

__all__ = [
    "FEATURE_NAMES",
    "RECOMMENDATION_KINDS",
    "Feature",
    "MatchItem",
    "Matcher",
    "MatcherConfig",
    "ReasonCode",
    "Recommendation",
]
