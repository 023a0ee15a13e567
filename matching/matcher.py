"""The hybrid matcher: lexical, dense and structured channels fused into one explained ranking per kind."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matching.classifier import IndustryClassifier
from matching.encoders import ENCODERS, make_encoder
from matching.lexical import LexicalIndex
from matching.scoring import (
    Columns,
    Listing,
    budget_fit,
    columns_of,
    freshness,
    mode_fit,
    mode_mask,
    region_fit,
    trl_fit,
)
from matching.vectorstore import VectorStore

LISTING_KINDS = ("need", "achievement", "service", "center")
CHANNELS = ("lexical", "dense", "structured")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RecommendationKind:
    """What a recommendation kind searches and which deal it prepares."""

    targets: tuple[str, ...]
    modes: frozenset[str]
    incubators_only: tuple[str, ...] = ()


RECOMMENDATION_KINDS = {
    "commission": RecommendationKind(("center", "service"), frozenset({"commission", "joint", "service"})),
    "license": RecommendationKind(("achievement",), frozenset({"license", "transfer"})),
    # Centers and services only count as incubators when they say they incubate firms.
    "incubation": RecommendationKind(("achievement", "center", "service"),
                                     frozenset({"incubation", "transfer", "license"}), ("center", "service")),
    "needs": RecommendationKind(("need",), frozenset()),
}

# Lexical evidence leads; the industry prior (stated or predicted) lifts candidates of the right field
# without overruling an exact match; the rest only break near-ties.  Measured on CSL (see matching.eval):
# the LSA vector adds little beside BM25 on Chinese text, so it mainly serves candidate generation.
FEATURE_WEIGHTS = {
    "lexical": 1.0, "dense": 0.05, "industry": 0.5,
    "mode": 0.1, "trl": 0.1, "budget": 0.1, "region": 0.05, "freshness": 0.05,
}
FEATURE_CHANNEL = {
    "lexical": "lexical", "dense": "dense", "industry": "structured", "mode": "structured", "trl": "structured",
    "budget": "structured", "region": "structured", "freshness": "structured",
}
FEATURE_NAMES = (*FEATURE_WEIGHTS, "fused")
# How many best lexical matches vote on the field of a need, and how much their vote counts.
NEIGHBOURS = 10
NEIGHBOUR_SHARE = 0.5
# Predicted industries below this probability are not worth showing as a reason.
REASON_MIN_PROBABILITY = 0.2


@dataclass
class Recommendation:
    """One recommended target with a score in [0, 1] and machine-readable reasons."""

    target_type: str
    target_id: int
    score: float
    reasons: list[dict] = field(default_factory=list)


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
    exact_limit: int = 20000
    lsa_dim: int = 256
    nprobe: int = 16
    pool: int = 100
    channels: tuple[str, ...] = CHANNELS

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None = None) -> MatcherConfig:
        """Read MATCH_* keys (app config or environment); unknown values raise ValueError."""
        mapping = mapping or {}
        model = mapping.get("MATCH_MODEL") or None
        encoders = _as_names(mapping, "MATCH_ENCODERS", cls.encoders, ENCODERS)
        if model is not None:
            if not Path(str(model)).is_dir():
                raise ValueError(f"MATCH_MODEL must be a local sentence-transformers directory; {model} is not.")
            # Naming a model means wanting it used.
            encoders = tuple(dict.fromkeys((*encoders, "st")))
        return cls(
            model=str(model) if model else None,
            encoders=encoders,
            exact_limit=_as_int(mapping, "MATCH_EXACT_LIMIT", cls.exact_limit),
            lsa_dim=_as_int(mapping, "MATCH_LSA_DIM", cls.lsa_dim),
            nprobe=_as_int(mapping, "MATCH_NPROBE", cls.nprobe),
            pool=_as_int(mapping, "MATCH_POOL", cls.pool, minimum=10),
            channels=_as_names(mapping, "MATCH_CHANNELS", CHANNELS, CHANNELS),
        )

    def encoder_options(self, name: str) -> dict[str, Any]:
        """Return the constructor options of a registered encoder."""
        return {"lsa": {"dim": self.lsa_dim}, "st": {"model_path": self.model}}[name]

    def weights(self) -> dict[str, float]:
        """Return the feature weights with disabled channels zeroed."""
        weights = {f: (w if FEATURE_CHANNEL[f] in self.channels else 0.0) for f, w in FEATURE_WEIGHTS.items()}
        if "lexical" not in self.channels:
            # Structured features alone tie often; a trace of lexical evidence orders the ties.
            weights["lexical"] = 1e-3
        return weights


def _check_kind(kind: str) -> str:
    if kind not in LISTING_KINDS:
        raise ValueError(f"Unknown listing kind {kind!r}; expected one of {', '.join(LISTING_KINDS)}.")
    return kind


class Matcher:
    """Keeps per-kind lexical and vector indexes of listings and recommends targets for a query listing."""

    def __init__(self, config: MatcherConfig | None = None, store_dir: str | Path | None = None):
        self.config = config or MatcherConfig()
        self.store_dir = Path(store_dir) if store_dir is not None else None
        self.encoders = {name: make_encoder(name, **self.config.encoder_options(name))
                         for name in self.config.encoders}
        self.classifier = IndustryClassifier()
        self.ranker = None
        self._reset()

    def _reset(self) -> None:
        self.listings: dict[str, dict[int, Listing]] = {k: {} for k in LISTING_KINDS}
        self.lexical: dict[str, LexicalIndex] = {k: LexicalIndex() for k in LISTING_KINDS}
        self.stores: dict[tuple[str, str], VectorStore] = {}
        self._rows: dict[str, tuple] = {}

    # ---- building -------------------------------------------------------------------------------------

    def rebuild(self, listings: Iterable[Listing]) -> None:
        """Fit the encoders and the classifier on these listings and index them all from scratch."""
        listings = list(listings)
        for listing in listings:
            _check_kind(listing.kind)
        texts = [item.full_text for item in listings]
        self._reset()
        for encoder in self.encoders.values():
            encoder.fit(texts)
        self.classifier = IndustryClassifier().fit(texts, [item.industry for item in listings])
        self.stores = {(name, kind): VectorStore(encoder.dim, self.config.exact_limit, self.config.nprobe)
                       for name, encoder in self.encoders.items() for kind in LISTING_KINDS}
        # One store insert per kind, so a large kind trains its approximate index once on all its vectors.
        for kind in LISTING_KINDS:
            items = list({item.id: item for item in listings if item.kind == kind}.values())
            if items:
                self._index(kind, items)

    def _index(self, kind: str, items: list[Listing], batch: int = 2048) -> None:
        ids = [int(item.id) for item in items]
        vectors = {name: [] for name in self.encoders}
        for start in range(0, len(items), batch):
            texts = [item.full_text for item in items[start : start + batch]]
            # Lexical first: the encoders then find this batch's jieba cuts in the cache.
            self.lexical[kind].upsert(ids[start : start + batch], texts)
            for name, encoder in self.encoders.items():
                vectors[name].append(encoder.encode(texts))
        for name, parts in vectors.items():
            self.stores[(name, kind)].upsert(ids, np.concatenate(parts))
        self.listings[kind].update(zip(ids, items, strict=True))
        self._rows.pop(kind, None)

    def upsert(self, listings: list[Listing]) -> None:
        """Add or replace listings by (kind, id) without refitting or rebuilding."""
        if not self.stores:
            raise ValueError("The matcher has no indexes yet; call rebuild() or Matcher.load() first.")
        for kind in LISTING_KINDS:
            items = list({item.id: item for item in listings if _check_kind(item.kind) == kind}.values())
            if items:
                self._index(kind, items)

    def remove(self, kind: str, ids: list[int]) -> None:
        """Remove listings of one kind by id (unknown ids are ignored)."""
        _check_kind(kind)
        ids = [int(i) for i in ids]
        self.lexical[kind].remove(ids)
        for name in self.encoders:
            if (name, kind) in self.stores:
                self.stores[(name, kind)].remove(ids)
        for listing_id in ids:
            self.listings[kind].pop(listing_id, None)
        self._rows.pop(kind, None)

    def counts(self) -> dict[str, int]:
        """Return how many listings of each kind are indexed."""
        return {kind: len(self.listings[kind]) for kind in LISTING_KINDS}

    def set_ranker(self, ranker) -> None:
        """Use a fitted FeedbackRanker to reorder the top of each ranking (None to stop)."""
        self.ranker = ranker

    # ---- scoring --------------------------------------------------------------------------------------

    def _row_data(self, kind: str):
        """Return (row ids, id → row, industry code per row, industry names), aligned with the lexical rows."""
        if kind not in self._rows:
            row_ids = self.lexical[kind].compiled()[0]
            names = sorted({item.industry for item in self.listings[kind].values() if item.industry})
            code_of = {name: i for i, name in enumerate(names)}
            codes = np.array([code_of.get(self.listings[kind][int(i)].industry, len(names)) for i in row_ids],
                             dtype=np.int64)
            columns = columns_of([self.listings[kind][int(i)] for i in row_ids])
            self._rows[kind] = (row_ids, {int(i): r for r, i in enumerate(row_ids)}, codes, names, columns)
        return self._rows[kind]

    def industry_probabilities(self, query: Listing) -> tuple[dict[str, float], bool]:
        """Return (industry → probability, whether the query stated it) for a query listing."""
        if query.industry:
            return {query.industry: 1.0}, True
        return self.classifier.predict_proba(query.full_text), False

    def _query_vectors(self, query: Listing) -> dict[str, np.ndarray]:
        return {name: encoder.encode([query.full_text])[0] for name, encoder in self.encoders.items()}

    def _dense(self, kind: str, vectors: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
        """Return the mean cosine over encoders between the query and stored listings (negatives as 0)."""
        total = np.zeros(len(ids), dtype=np.float32)
        for name, vector in vectors.items():
            total += np.maximum(self.stores[(name, kind)].vectors(ids) @ vector, 0.0)
        return total / max(1, len(vectors))

    def _blend_neighbour_fields(self, probs: dict[str, float], lexical: np.ndarray, codes: np.ndarray,
                                names: list[str]) -> dict[str, float]:
        """Mix the classifier's field probabilities with the fields of the closest lexical matches.

        The classifier reads the need alone; the best-matching listings say which field its words are used
        in here, and agree with an exact match where the classifier might not.
        """
        top = np.arange(len(lexical))
        if len(lexical) > NEIGHBOURS:
            top = np.argpartition(-lexical, NEIGHBOURS)[:NEIGHBOURS]
        weight = lexical[top] ** 2
        known = codes[top] < len(names)
        if not names or weight[known].sum() <= 0:
            return probs
        votes = np.bincount(codes[top][known], weights=weight[known], minlength=len(names)) / weight[known].sum()
        share = NEIGHBOUR_SHARE if probs else 1.0
        blended = {name: (1 - share) * p for name, p in probs.items()}
        for name, vote in zip(names, votes.tolist(), strict=True):
            if vote > 0:
                blended[name] = blended.get(name, 0.0) + share * vote
        return blended

    def _candidates(self, query: Listing, kind: str, probs: dict[str, float], stated: bool, vectors, pool: int,
                    weights) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """Return (candidate ids, lexical scores, field probabilities) of one target kind.

        Candidates are the best first-stage rows plus the dense hits.
        """
        row_ids, row_of, codes, names, _ = self._row_data(kind)
        if not len(row_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), probs
        _, lexical = self.lexical[kind].score_all(query.full_text, title=query.title)
        if not stated:
            probs = self._blend_neighbour_fields(probs, lexical, codes, names)
        # Every listing gets lexical + industry prior at once (vectorised), so a listing of the predicted
        # field with no word in common can still enter the pool: that is what finds providers by field.
        prior = np.array([probs.get(name, 0.0) for name in names] + [0.0], dtype=np.float32)
        first = weights["lexical"] * lexical + weights["industry"] * prior[codes]
        take = min(pool, len(row_ids))
        rows = np.argpartition(-first, take - 1)[:take] if take < len(row_ids) else np.arange(len(row_ids))
        chosen = set(row_ids[rows].tolist())
        if weights["dense"] > 0:
            for name, vector in vectors.items():
                hits, _ = self.stores[(name, kind)].search(vector, min(pool, len(row_ids)))
                chosen.update(int(h) for h in hits)
        ids = np.fromiter(chosen, dtype=np.int64, count=len(chosen))
        return ids, lexical[[row_of[int(i)] for i in ids]], probs

    @staticmethod
    def _wanted_modes(query: Listing, kind: str) -> set[str]:
        """Return the cooperation modes a deal of this kind wants, narrowed to what the query asks for."""
        wanted = set(RECOMMENDATION_KINDS[kind].modes)
        if query.cooperation_modes:
            wanted = (wanted & set(query.cooperation_modes)) or set(query.cooperation_modes)
        return wanted

    def _structured(self, query: Listing, columns: Columns, kind: str, probs: dict[str, float]) -> np.ndarray:
        """Return the structured features (industry, mode, trl, budget, region, freshness) of candidates."""
        wanted = self._wanted_modes(query, kind)
        industry = np.array([probs.get(name, 0.0) if name else 0.0 for name in columns.industry.tolist()])
        return np.column_stack([
            industry, mode_fit(columns, mode_mask(wanted)), trl_fit(query, columns, kind),
            budget_fit(query, columns), region_fit(query, columns), freshness(columns),
        ]).astype(np.float32)

    def _fuse(self, lexical, dense, structured: np.ndarray, weights) -> np.ndarray:
        """Return the weighted mean of features: one score in [0, 1]."""
        w = np.array(list(weights.values()), dtype=np.float32)
        features = np.column_stack([lexical, dense, structured])
        return features @ w / w.sum()

    def recommend(self, query: Listing, kind: str, k: int = 10,
                  exclude: Iterable[tuple[str, int]] = frozenset()) -> list[Recommendation]:
        """Return the k best targets of a recommendation kind for a query listing, with reasons."""
        if kind not in RECOMMENDATION_KINDS:
            raise ValueError(f"Unknown recommendation kind {kind!r}; expected one of "
                             f"{', '.join(RECOMMENDATION_KINDS)}.")
        if k < 1 or not self.stores:
            return []
        spec = RECOMMENDATION_KINDS[kind]
        weights = self.config.weights()
        exclude = {(str(t), int(i)) for t, i in exclude} | {(query.kind, int(query.id))}
        probs, stated = self.industry_probabilities(query)
        vectors = self._query_vectors(query)
        pool = max(self.config.pool, 3 * k)
        scored = []
        for target in spec.targets:
            ids, lexical, target_probs = self._candidates(query, target, probs, stated, vectors, pool, weights)
            keep = [i for i, listing_id in enumerate(ids.tolist())
                    if (target, listing_id) not in exclude
                    and (target not in spec.incubators_only or self.listings[target][listing_id].offers_incubation)]
            if not keep:
                continue
            ids, lexical = ids[keep], lexical[keep]
            dense = self._dense(target, vectors, ids) if weights["dense"] > 0 else np.zeros(len(ids), np.float32)
            candidates = [self.listings[target][int(i)] for i in ids]
            _, row_of, _, _, columns = self._row_data(target)
            structured = self._structured(query, columns.take([row_of[int(i)] for i in ids]), kind, target_probs)
            fused = self._fuse(lexical, dense, structured, weights)
            scored.extend(zip(fused.tolist(), candidates, lexical.tolist(), dense.tolist(), structured.tolist(),
                              strict=True))
        scored.sort(key=lambda s: (-s[0], s[1].kind, s[1].id))
        if self.ranker is not None and getattr(self.ranker, "fitted", False) and scored:
            head = scored[: max(50, k)]
            rows = np.array([[lx, dn, *st, f] for f, _, lx, dn, st in head], dtype=np.float32)
            order = np.argsort(-self.ranker.score(rows), kind="stable")
            scored = [head[i] for i in order] + scored[len(head):]
        query_words = self._query_words(query, spec.targets)
        return [
            Recommendation(c.kind, int(c.id), round(float(f), 6),
                           self._reasons(query, c, kind, probs, stated, lx, dn, st, query_words, weights))
            for f, c, lx, dn, st in scored[:k]
        ]

    # ---- explanations ---------------------------------------------------------------------------------

    def _query_words(self, query: Listing, targets: tuple[str, ...]) -> dict[str, list[str]]:
        return {t: self.lexical[t].top_terms(query.full_text) for t in targets if len(self.lexical[t])}

    def _reasons(self, query, candidate, kind, probs, stated, lexical, dense, structured, query_words, weights):
        industry, mode, trl, budget, region, _ = structured
        reasons = []
        if lexical > 0:
            cols = set(self.lexical[candidate.kind].docs[candidate.id][0].tolist())
            vocab = self.lexical[candidate.kind].vocab
            terms = [w for w in query_words.get(candidate.kind, []) if vocab.get(w) in cols][:5]
            if terms:
                reasons.append({"code": "shared_terms", "terms": terms})
        if candidate.industry and industry > 0:
            if stated:
                reasons.append({"code": "same_industry", "industry": candidate.industry})
            elif industry >= REASON_MIN_PROBABILITY:
                reasons.append({"code": "predicted_industry", "industry": candidate.industry,
                                "probability": round(float(industry), 3)})
        if mode >= 1.0:
            wanted = self._wanted_modes(query, kind)
            reasons.append({"code": "mode_match", "modes": sorted(wanted & set(candidate.cooperation_modes))})
        trl_value = candidate.trl if kind != "needs" else query.trl
        if trl >= 0.8 and trl_value is not None:
            reasons.append({"code": "trl_fit", "trl": trl_value})
        if budget >= 1.0:
            need, offer = (query, candidate) if query.kind == "need" else (candidate, query)
            reasons.append({"code": "budget_fit", "price": offer.price, "budget_max": need.budget_max})
        if region >= 1.0:
            reasons.append({"code": "same_region", "region": candidate.region})
        if kind == "incubation" and candidate.offers_incubation:
            reasons.append({"code": "offers_incubation"})
        if weights["dense"] > 0 and dense >= 0.5:
            reasons.append({"code": "semantic", "similarity": round(float(dense), 3)})
        return reasons

    # ---- feedback features ----------------------------------------------------------------------------

    def features(self, query: Listing, candidates: list[Listing], kind: str | None = None) -> np.ndarray:
        """Return one row of FEATURE_NAMES per (query, candidate) pair (lexical 0 for unindexed candidates)."""
        kind = kind or ("needs" if query.kind in ("achievement", "service", "center") else "license")
        if kind not in RECOMMENDATION_KINDS:
            raise ValueError(f"Unknown recommendation kind {kind!r}.")
        if not candidates:
            return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
        weights = self.config.weights()
        probs, stated = self.industry_probabilities(query)
        vectors = self._query_vectors(query)
        texts = [c.full_text for c in candidates]
        dense = np.zeros(len(candidates), dtype=np.float32)
        for name, vector in vectors.items():
            dense += np.maximum(self.encoders[name].encode(texts) @ vector, 0.0)
        dense /= max(1, len(vectors))
        lexical = np.zeros(len(candidates), dtype=np.float32)
        structured = np.zeros((len(candidates), len(FEATURE_WEIGHTS) - 2), dtype=np.float32)
        for target in {c.kind for c in candidates}:
            _check_kind(target)
            rows = [i for i, c in enumerate(candidates) if c.kind == target]
            _, row_of, codes, names, _ = self._row_data(target)
            _, scores = self.lexical[target].score_all(query.full_text, title=query.title)
            # The same field blend recommend() uses, so a ranker learns on the features it will score.
            target_probs = probs if stated or not len(scores) else \
                self._blend_neighbour_fields(probs, scores, codes, names)
            for i in rows:
                if candidates[i].id in row_of:
                    lexical[i] = scores[row_of[candidates[i].id]]
            structured[rows] = self._structured(query, columns_of([candidates[i] for i in rows]), kind,
                                                target_probs)
        fused = self._fuse(lexical, dense, structured, weights)
        return np.column_stack([lexical, dense, structured, fused]).astype(np.float32)

    # ---- persistence ----------------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "encoders": {n: e.dim for n, e in self.encoders.items()},
                "model": self.config.model, "kinds": list(LISTING_KINDS), "saved_at": time.time()}

    def save(self) -> None:
        """Write everything to a fresh generation folder, then switch CURRENT to it atomically."""
        if self.store_dir is None:
            raise ValueError("This matcher has no store_dir to save to.")
        if not self.stores:
            raise ValueError("Nothing to save: call rebuild() first.")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{time.time_ns()}"
        folder = self.store_dir / generation
        folder.mkdir()
        for (name, kind), store in self.stores.items():
            store.save(folder / f"vectors-{name}-{kind}.faiss")
        state = {"listings": self.listings, "lexical": self.lexical, "classifier": self.classifier,
                 "encoders": self.encoders}
        with open(folder / "state.pkl", "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        (folder / "manifest.json").write_text(json.dumps(self._manifest()))
        pointer = self.store_dir / f"CURRENT.tmp{os.getpid()}"
        pointer.write_text(generation)
        os.replace(pointer, self.store_dir / "CURRENT")
        for old in self.store_dir.glob("gen-*"):
            if old.name != generation:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, config: MatcherConfig | None, store_dir: str | Path) -> Matcher:
        """Read what save() wrote; raise FileNotFoundError if absent, ValueError if it does not fit config."""
        matcher = cls(config, store_dir)
        pointer = Path(store_dir) / "CURRENT"
        if not pointer.is_file():
            raise FileNotFoundError(f"No saved matcher in {store_dir}; run a rebuild first.")
        folder = Path(store_dir) / pointer.read_text().strip()
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
            with open(folder / "state.pkl", "rb") as handle:
                state = pickle.load(handle)
        except FileNotFoundError as error:
            raise FileNotFoundError(f"The saved matcher in {store_dir} is incomplete ({error.filename}); "
                                    "rebuild it.") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"The saved matcher in {store_dir} has format {manifest.get('format')}; rebuild it.")
        if list(manifest["encoders"]) != list(matcher.config.encoders) or \
                manifest.get("model") != matcher.config.model:
            raise ValueError(f"The saved matcher in {store_dir} used encoders {list(manifest['encoders'])} "
                             f"(model {manifest.get('model')}), but the configuration asks for "
                             f"{list(matcher.config.encoders)} (model {matcher.config.model}); rebuild it.")
        matcher.encoders = state["encoders"]
        matcher.classifier = state["classifier"]
        matcher.listings = state["listings"]
        matcher.lexical = state["lexical"]
        matcher.stores = {}
        for name, dim in manifest["encoders"].items():
            for kind in LISTING_KINDS:
                matcher.stores[(name, kind)] = VectorStore.load(folder / f"vectors-{name}-{kind}.faiss", dim,
                                                                matcher.config.exact_limit, matcher.config.nprobe)
        return matcher
