"""The named feature schema of a (query, candidate) pair: one enum instead of positions in a dict.

A feature row is a float32 vector whose column i holds ``FEATURES[i]``; every consumer (fusion, reasons, the
feedback ranker, the benchmark's baseline) looks columns up by name through ``COLUMN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Feature(StrEnum):
    """What one column of a feature row measures, each in [0, 1]."""

    LEXICAL = "lexical"
    DENSE = "dense"
    INDUSTRY = "industry"
    MODE = "mode"
    TRL = "trl"
    BUDGET = "budget"
    REGION = "region"
    FRESHNESS = "freshness"
    # The unlearned fusion of the others; the ranker learns on top of it.
    FUSED = "fused"


@dataclass(frozen=True)
class FeatureSpec:
    """How much a feature counts in the fusion and which channel (MATCH_CHANNELS) provides it."""

    weight: float
    channel: str


# Lexical evidence leads; the industry prior (stated or predicted) lifts candidates of the right field
# without overruling an exact match; the rest only break near-ties.  Measured on CSL (see matching.eval):
# the LSA vector adds little beside BM25 on Chinese text, so it mainly serves candidate generation.
FEATURE_SPECS: dict[Feature, FeatureSpec] = {
    Feature.LEXICAL: FeatureSpec(1.0, "lexical"),
    Feature.DENSE: FeatureSpec(0.05, "dense"),
    Feature.INDUSTRY: FeatureSpec(0.5, "structured"),
    Feature.MODE: FeatureSpec(0.1, "structured"),
    Feature.TRL: FeatureSpec(0.1, "structured"),
    Feature.BUDGET: FeatureSpec(0.1, "structured"),
    Feature.REGION: FeatureSpec(0.05, "structured"),
    Feature.FRESHNESS: FeatureSpec(0.05, "structured"),
}
CHANNELS = tuple(dict.fromkeys(spec.channel for spec in FEATURE_SPECS.values()))
FEATURES: tuple[Feature, ...] = tuple(Feature)
FEATURE_NAMES: tuple[str, ...] = tuple(f.value for f in FEATURES)
COLUMN: dict[Feature, int] = {f: i for i, f in enumerate(FEATURES)}
