"""How a matcher is built, read once from MATCH_* settings (app config or environment)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.encoders import ENCODERS
from matching.schema import CHANNELS, FEATURE_SPECS, Feature


def _as_int(mapping: Mapping[str, Any], key: str, default: int, minimum: int = 1) -> int:
    value = mapping.get(key, default)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be an integer, not {value!r}.") from None
    if number < minimum:
        raise ValueError(f"{key} must be at least {minimum}, not {number}.")
    return number


def _as_names(mapping: Mapping[str, Any], key: str, default: tuple[str, ...], allowed) -> tuple[str, ...]:
    value = mapping.get(key) or default
    names = tuple(n.strip() for n in (value.split(",") if isinstance(value, str) else value) if n.strip())
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise ValueError(f"{key} must list some of {', '.join(sorted(allowed))}, not {value!r}.")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class MatcherConfig:
    """How the matcher is built: encoders, the sentence-transformers model, exact-search limit, channels."""

    model: str | None = None
    encoders: tuple[str, ...] = ("lsa",)
    # The multilingual embeddings service (see matching.e5); with it the default encoders are lsa,e5.
    e5_url: str | None = None
    exact_limit: int = 20000
    lsa_dim: int = 256
    nprobe: int = 16
    pool: int = 100
    channels: tuple[str, ...] = CHANNELS
    # Listings changed since the last compaction are scored beside the compiled indexes; past this many a
    # kind's indexes are recompiled (in the writer, never in a request).
    delta_limit: int = 2000
    # Up to this many listings of a kind the lexical first stage scores every one; above it, the best
    # candidates found through pruned postings (`matching.firststage`).
    scan_limit: int = 200_000

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None = None) -> MatcherConfig:
        """Read MATCH_* keys (app config or environment); unknown values raise ValueError."""
        mapping = mapping or {}
        model = mapping.get("MATCH_MODEL") or None
        e5_url = str(mapping.get("E5_URL") or "").strip() or None
        # The service, when configured, is part of the default: its channel is skipped while it is down.
        default = (*cls.encoders, "e5") if e5_url else cls.encoders
        encoders = _as_names(mapping, "MATCH_ENCODERS", default, ENCODERS)
        if "e5" in encoders and not e5_url:
            raise ValueError("MATCH_ENCODERS names e5, which needs E5_URL (the embeddings service).")
        if model is not None:
            if not Path(str(model)).is_dir():
                raise ValueError(
                    f"MATCH_MODEL must be a local sentence-transformers directory; {model} is not."
                )
            # Naming a model means wanting it used.
            encoders = tuple(dict.fromkeys((*encoders, "st")))
        return cls(
            model=str(model) if model else None,
            encoders=encoders,
            e5_url=e5_url,
            exact_limit=_as_int(mapping, "MATCH_EXACT_LIMIT", cls.exact_limit),
            lsa_dim=_as_int(mapping, "MATCH_LSA_DIM", cls.lsa_dim),
            nprobe=_as_int(mapping, "MATCH_NPROBE", cls.nprobe),
            pool=_as_int(mapping, "MATCH_POOL", cls.pool, minimum=10),
            channels=_as_names(mapping, "MATCH_CHANNELS", CHANNELS, CHANNELS),
            delta_limit=_as_int(mapping, "MATCH_DELTA_LIMIT", cls.delta_limit),
            scan_limit=_as_int(mapping, "MATCH_SCAN_LIMIT", cls.scan_limit, minimum=0),
        )

    def encoder_options(self, name: str) -> dict[str, Any]:
        """Return the constructor options of a registered encoder."""
        options: dict[str, dict[str, Any]] = {
            "lsa": {"dim": self.lsa_dim},
            "st": {"model_path": self.model},
            "e5": {"url": self.e5_url},
        }
        return options[name]

    def weights(self) -> dict[Feature, float]:
        """Return the fusion weight of each feature, with disabled channels zeroed."""
        weights = {
            f: (spec.weight if spec.channel in self.channels else 0.0) for f, spec in FEATURE_SPECS.items()
        }
        if "lexical" not in self.channels:
            # Structured features alone tie often; a trace of lexical evidence orders the ties.
            weights[Feature.LEXICAL] = 1e-3
        return weights
