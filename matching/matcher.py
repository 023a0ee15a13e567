"""The hybrid matcher: lexical, dense and structured channels fused into one explained ranking per kind.

A ``Matcher`` is an immutable snapshot. Readers on any thread call ``recommend`` and ``features`` on the
snapshot they hold; a writer calls ``with_changes`` (or ``compacted``, ``with_ranker``), which returns a new
snapshot sharing everything that did not change, and publishes it by swapping one reference. No reader can
see half of a write, and a reader keeps its snapshot for as long as it needs it.

Two kinds of "kind" appear here and are kept apart by name: a *listing kind* (need, achievement, service,
center: what a listing is) and a *recommendation kind* (commission, license, incubation, needs: what a
recommendation is for).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matching.analysis import analysis_pool
from matching.classifier import IndustryClassifier
from matching.config import MatcherConfig
from matching.e5 import E5Encoder
from matching.encoders import make_encoder
from matching.fusion import fuse_dense_reading
from matching.kindindex import KindIndex, LexicalHits
from matching.reasons import ReasonCode, is_evidence
from matching.schema import COLUMN, FEATURES, Feature
from matching.scoring import (
    Columns,
    MatchItem,
    budget_fit,
    columns_of,
    freshness,
    mode_fit,
    mode_mask,
    region_fit,
    trl_fit,
)
from matching.text import lexical_terms
from matching.vectorstore import VectorStore

LISTING_KINDS = ("need", "achievement", "service", "instrument", "financing", "finance_product", "center")


@dataclass(frozen=True)
class RecommendationKind:
    """What a recommendation kind searches and which deal it prepares."""

    targets: tuple[str, ...]
    modes: frozenset[str]
    # Only targets that say they incubate firms (a center with offers_incubation, an incubation service).
    incubators_only: bool = False


RECOMMENDATION_KINDS = {
    "commission": RecommendationKind(("center", "service"), frozenset({"commission", "joint", "service"})),
    "license": RecommendationKind(("achievement",), frozenset({"license", "transfer"})),
    "incubation": RecommendationKind(("center", "service"), frozenset({"incubation"}), incubators_only=True),
    "needs": RecommendationKind(("need",), frozenset()),
    # Shared instruments and facilities that perform the test or work a need asks for.
    "instruments": RecommendationKind(("instrument",), frozenset()),
    # Money for a financing request, and the requests a finance product may serve (app/financing/rules.py
    # decides eligibility; the matcher ranks by text, industry and region).
    "finance_products": RecommendationKind(("finance_product",), frozenset()),
    "financing_requests": RecommendationKind(("financing",), frozenset()),
}
# How many best lexical matches vote on the field of a need, and how much their vote counts.
NEIGHBOURS = 10
NEIGHBOUR_SHARE = 0.5
# The vote re-scores this many best lexical matches on the query's content words alone.
VOTE_CANDIDATES = 100
# With the multilingual vectors, the query's nearness to each field's centroid (the mean vector of the
# listings filed under it) reads its field from its meaning: a softmax of those cosines at FIELD_TEMPERATURE
# (they sit within a few hundredths of each other, so the temperature is small), mixed into the classifier's
# probabilities at CENTROID_SHARE before the best lexical matches vote. On csl-topical-dev the nearest centroid
# names the field of 44% of the queries, the classifier 34%. Chosen by two-fold cross-validation over shares
# 0.25-1 and temperatures 0.001-0.01 (both halves pick 1 and 0.001; held out 0.4417 vs 0.3187 without):
# `python -m matching.share_cv ../shared/eval/csl-topical-dev --knob centroid`. At 1 the classifier reads a
# need's field only while the service is down or no listing of the kind has a vector yet.
CENTROID_SHARE = 1.0
FIELD_TEMPERATURE = 0.001
# Predicted industries below this probability are not worth showing as a reason.
REASON_MIN_PROBABILITY = 0.2
# When the query states its industry, the prior is all-or-nothing; a candidate whose content words match
# the query (BM25 over evidence words, normalised over all of them) nearly as well as the best match does
# still fits the query's field whatever industry it was filed under: the laser cleaning filed under 光电
# answers a 汽车 welding need. The floor keeps a query whose best match is
# itself weak from lending field credit; below the bar, credit falls off linearly to none.
STRONG_EVIDENCE_SHARE = 0.9
STRONG_EVIDENCE_FLOOR = 0.05
# Below this share of the best match's evidence a candidate earns no field credit at all.
CREDIT_START_SHARE = 0.6


def evidence_words(text: str) -> list[str]:
    """The query's words that may count as evidence: no stop word, filler, number or single character."""
    return [t for t in dict.fromkeys(lexical_terms(text)) if is_evidence(t)]


def _best_rows(scores: np.ndarray, n: int) -> np.ndarray:
    return np.argpartition(-scores, n)[:n] if len(scores) > n else np.arange(len(scores))


@dataclass(frozen=True)
class _Evidence:
    """The query's content words against one listing kind: the field they vote for and the bar for credit."""

    words: list[str]
    probs: dict[str, float]
    bar: float
    start: float

    def credit(self, index: KindIndex, positions: np.ndarray) -> np.ndarray:
        """How far shared content words alone show that candidates work in the query's field, in [0, 1]."""
        evidence = index.evidence_scores(self.words, positions)
        return np.clip((evidence - self.start) / max(self.bar - self.start, 1e-9), 0.0, 1.0)


@dataclass
class Recommendation:
    """One recommended target with a score in [0, 1] and machine-readable reasons."""

    target_type: str
    target_id: int
    score: float
    reasons: list[dict] = field(default_factory=list)
    # How the ranking was made, for the API and logs: {"e5": "used" | "skipped" | "no vector"} when the
    # multilingual channel is configured.
    meta: dict = field(default_factory=dict)


def _check_listing_kind(listing_kind: str) -> str:
    if listing_kind not in LISTING_KINDS:
        raise ValueError(
            f"Unknown listing kind {listing_kind!r}; expected one of {', '.join(LISTING_KINDS)}."
        )
    return listing_kind


def _check_rec_kind(rec_kind: str) -> RecommendationKind:
    if rec_kind not in RECOMMENDATION_KINDS:
        raise ValueError(
            f"Unknown recommendation kind {rec_kind!r}; expected one of {', '.join(RECOMMENDATION_KINDS)}."
        )
    return RECOMMENDATION_KINDS[rec_kind]


@dataclass(frozen=True)
class _Pool:
    """The candidates of one target listing kind for one query, with their feature rows."""

    items: list[MatchItem]
    rows: np.ndarray


def wanted_modes(query: MatchItem, rec_kind: str) -> set[str]:
    """Return the cooperation modes a deal of this kind wants, narrowed to what the query asks for."""
    wanted = set(RECOMMENDATION_KINDS[rec_kind].modes)
    if query.cooperation_modes:
        wanted = (wanted & set(query.cooperation_modes)) or set(query.cooperation_modes)
    return wanted


@dataclass(frozen=True)
class Candidates:
    """What every feature of a pool of candidates is computed from, for one query and recommendation kind."""

    query: MatchItem
    rec_kind: str
    items: list[MatchItem]
    columns: Columns
    lexical: np.ndarray
    dense: np.ndarray
    field_probabilities: dict[str, float]
    field_credit: np.ndarray

    def industry(self) -> np.ndarray:
        """The field prior of each candidate, or the field its shared content words show, whichever is more."""
        prior = np.array(
            [
                self.field_probabilities.get(name, 0.0) if name else 0.0
                for name in self.columns.industry.tolist()
            ]
        )
        return np.maximum(prior, self.field_credit)


# How each feature column is computed for a pool of candidates. A new channel (another text index, another
# encoder) adds its Feature and FeatureSpec in matching.schema and one entry here; the fusion, the reasons'
# feature values and the feedback ranker pick it up by name.
CANDIDATE_FEATURES: dict[Feature, Callable[[Candidates], np.ndarray]] = {
    Feature.LEXICAL: lambda c: c.lexical,
    Feature.DENSE: lambda c: c.dense,
    Feature.INDUSTRY: Candidates.industry,
    Feature.MODE: lambda c: mode_fit(c.columns, mode_mask(wanted_modes(c.query, c.rec_kind))),
    Feature.TRL: lambda c: trl_fit(c.query, c.columns, c.rec_kind),
    Feature.BUDGET: lambda c: budget_fit(c.query, c.columns),
    Feature.REGION: lambda c: region_fit(c.query, c.columns),
    Feature.FRESHNESS: lambda c: freshness(c.columns),
}


class Matcher:
    """Per-listing-kind lexical and vector indexes, and recommendations for a query listing. Immutable once built."""

    def __init__(self, config: MatcherConfig | None = None):
        self.config = config or MatcherConfig()
        self.encoders = {
            name: make_encoder(name, **self.config.encoder_options(name)) for name in self.config.encoders
        }
        self.classifier = IndustryClassifier()
        self.ranker = None
        self.kinds: dict[str, KindIndex] = {}

    def _derive(self, **changes: Any) -> Matcher:
        """A shallow copy with some attributes replaced: what a writer publishes instead of mutating."""
        clone = object.__new__(Matcher)
        clone.__dict__.update(self.__dict__)
        clone.__dict__.update(changes)
        return clone

    # ---- building (writer side) ---------------------------------------------------------------------

    def _make_store(self, dim: int) -> VectorStore:
        return VectorStore(dim, self.config.exact_limit, self.config.nprobe)

    def rebuild(self, listings: Iterable[MatchItem], workers: int = 1) -> Matcher:
        """Fit the encoders and the classifier on these listings and index them all (before sharing self).

        `workers` > 1 analyses texts in that many forked processes (see matching.analysis): for a command-line
        build of a large market; a web process keeps the default.
        """
        listings = list(listings)
        for listing in listings:
            _check_listing_kind(listing.kind)
        texts = [item.full_text for item in listings]
        for encoder in self.encoders.values():
            encoder.fit(texts)
        self.classifier = IndustryClassifier().fit(texts, [item.industry for item in listings])
        del texts
        self.kinds = {}
        with analysis_pool(self.encoders, workers) as pool:
            for listing_kind in LISTING_KINDS:
                items = list({item.id: item for item in listings if item.kind == listing_kind}.values())
                self.kinds[listing_kind] = KindIndex.build(
                    listing_kind,
                    items,
                    self.encoders,
                    self._make_store,
                    pool=pool,
                    prune_above=self.config.scan_limit,
                )
        return self

    def with_changes(
        self, upserts: Iterable[MatchItem] = (), removals: dict[str, list[int]] | None = None
    ) -> Matcher:
        """Return a new snapshot with listings added or replaced by (kind, id) and others removed."""
        if not self.kinds:
            raise ValueError("The matcher has no indexes yet; call rebuild() or load a saved one first.")
        upserts = list(upserts)
        removals = removals or {}
        for listing_kind in [*removals, *(item.kind for item in upserts)]:
            _check_listing_kind(listing_kind)
        kinds = dict(self.kinds)
        for listing_kind in LISTING_KINDS:
            items = list({item.id: item for item in upserts if item.kind == listing_kind}.values())
            removed = [int(i) for i in removals.get(listing_kind, ())]
            if not items and not removed:
                continue
            changed = kinds[listing_kind].with_changes(items, removed, self.encoders)
            if len(changed.delta) > self.config.delta_limit:
                changed = changed.compacted()
            kinds[listing_kind] = changed
        return self._derive(kinds=kinds)

    def compacted(self) -> Matcher:
        """Return a snapshot whose compiled indexes hold every change (slow at scale: call it off requests)."""
        return self._derive(kinds={k: index.compacted() for k, index in self.kinds.items()})

    def with_ranker(self, ranker) -> Matcher:
        """Return a snapshot that reorders the top of each ranking with a fitted FeedbackRanker (None: don't)."""
        return self._derive(ranker=ranker)

    def with_scan_limit(self, scan_limit: int) -> Matcher:
        """Return a snapshot whose lexical first stage scores every listing of kinds up to this size (see
        MatcherConfig.scan_limit), sharing the indexes: raised, it compares a pruned read with a full scan. (A kind
        compiled without pruned postings is always scored whole.)"""
        return self._derive(config=replace(self.config, scan_limit=int(scan_limit)))

    # ---- reading ------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Return how many listings of each kind are indexed."""
        return {
            listing_kind: len(self.kinds[listing_kind]) if self.kinds else 0 for listing_kind in LISTING_KINDS
        }

    def listing(self, listing_kind: str, listing_id: int) -> MatchItem | None:
        """The indexed listing of this kind and id, or None."""
        index = self.kinds.get(_check_listing_kind(listing_kind))
        return index.item(int(listing_id)) if index is not None else None

    def industry_probabilities(self, query: MatchItem) -> tuple[dict[str, float], bool]:
        """Return (industry → probability, whether the query stated it) for a query listing."""
        if query.industry:
            return {query.industry: 1.0}, True
        return self.classifier.predict_proba(query.full_text), False

    def _query_vectors(self, query: MatchItem) -> dict[str, np.ndarray]:
        """Each encoder's vector of the query; e5 only when one is stored (an indexed listing's own vector, or
        one stored for its text): a recommendation never waits for the embeddings service."""
        vectors = {}
        for name, encoder in self.encoders.items():
            if isinstance(encoder, E5Encoder):
                vector = self._stored_vector(name, query)
                if vector is not None:
                    vectors[name] = vector
                continue
            vectors[name] = encoder.encode([query.full_text])[0]
        return vectors

    def _stored_vector(self, name: str, query: MatchItem) -> np.ndarray | None:
        """The query listing's indexed vector of one encoder, else the one stored for its text; None if neither."""
        index = self.kinds.get(query.kind)
        vector = None
        if index is not None and index.item(int(query.id)) is not None:
            vector = index.vectors(name, np.array([int(query.id)], dtype=np.int64))[0]
        if vector is None or not vector.any():
            vector = self.encoders[name].encode([query.full_text])[0]
        return vector if vector.any() else None

    def e5_state(self, vectors: dict[str, np.ndarray]) -> dict[str, str]:
        """What the answer says about the multilingual channel: used, or skipped (no vector for the query)."""
        if "e5" not in self.encoders:
            return {}
        return {"e5": "used" if "e5" in vectors else "skipped"}

    @staticmethod
    def _blend_neighbour_fields(
        probs: dict[str, float], lexical: np.ndarray, codes: np.ndarray, names: list[str]
    ) -> dict[str, float]:
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
        votes = (
            np.bincount(codes[top][known], weights=weight[known], minlength=len(names)) / weight[known].sum()
        )
        return _mix_fields(probs, votes, names, NEIGHBOUR_SHARE if probs else 1.0)

    @staticmethod
    def _blend_centroid_fields(
        probs: dict[str, float], index: KindIndex, vector: np.ndarray
    ) -> dict[str, float]:
        """Mix the field probabilities with the query's nearness to each field's centroid of multilingual
        vectors (see CENTROID_SHARE); unchanged while no listing of the kind has such a vector."""
        centroids = index.field_centroids("e5")
        if centroids is None or CENTROID_SHARE <= 0:
            return probs
        cosines = centroids @ vector
        known = np.isfinite(cosines)
        if not known.any():
            return probs
        weights = np.zeros(len(cosines), dtype=np.float64)
        weights[known] = np.exp((cosines[known] - cosines[known].max()) / FIELD_TEMPERATURE)
        return _mix_fields(probs, weights / weights.sum(), index.industry_names, CENTROID_SHARE)

    def _evidence(
        self,
        query: MatchItem,
        index: KindIndex,
        probs: dict[str, float],
        stated: bool,
        hits: LexicalHits,
        vectors: dict[str, np.ndarray] | None = None,
    ) -> _Evidence:
        """Re-score the best lexical matches without filler: they vote on the field (unless the query states
        it), and their content words set the bar for field credit.

        Filler every listing shares (中心, 技术, numbers) would otherwise let any listing that repeats it
        decide the field.
        """
        terms = list(dict.fromkeys(lexical_terms(query.full_text)))
        words = [t for t in terms if is_evidence(t)]
        best = _best_rows(hits.scores, VOTE_CANDIDATES)
        top = hits.positions[best]
        if not stated:
            # The characters of content words vote too: on short Chinese queries they carry much of the match.
            characters = {"#" + c for word in words for c in word}
            voters = index.evidence_scores([t for t in terms if t in characters or is_evidence(t)], top)
            if vectors and "e5" in vectors:
                # The meaning's field first, so the best lexical matches keep their say (an exact match's
                # field must still win).
                probs = self._blend_centroid_fields(probs, index, vectors["e5"])
            probs = self._blend_neighbour_fields(probs, voters, hits.codes[best], index.industry_names)
            # A predicted field is already a soft, blended prior; only a stated one is all-or-nothing.
            return _Evidence([], probs, 1.0, 0.0)
        strongest = float(index.evidence_scores(words, top).max(initial=0.0))
        return _Evidence(
            words,
            probs,
            max(STRONG_EVIDENCE_SHARE * strongest, STRONG_EVIDENCE_FLOOR),
            max(CREDIT_START_SHARE * strongest, STRONG_EVIDENCE_FLOOR / 2),
        )

    def lexical_hits(self, index: KindIndex, query: MatchItem, wanted: int) -> LexicalHits:
        """The query's lexical scores over one kind: every row up to `scan_limit` listings, else the pruned
        first stage's candidates."""
        return index.lexical_hits(
            query.full_text, title=query.title, wanted=wanted, exhaustive=len(index) <= self.config.scan_limit
        )

    def _pool(
        self,
        query: MatchItem,
        rec_kind: str,
        target_kind: str,
        probs: dict[str, float],
        stated: bool,
        vectors: dict[str, np.ndarray],
        size: int,
        weights: dict[Feature, float],
        exclude: set[tuple[str, int]],
        scored: dict[str, LexicalHits] | None = None,
    ) -> _Pool:
        """Score the best first-stage candidates of one target listing kind plus the dense hits.

        `scored` keeps each target kind's lexical scores of this query for the next recommendation kind that
        reads the same target kind (a need's commission and incubation panels both score centers and services).
        """
        index = self.kinds[target_kind]
        spec = RECOMMENDATION_KINDS[rec_kind]
        empty = _Pool([], np.zeros((0, len(FEATURES)), dtype=np.float32))
        if not len(index):
            return empty
        scored = {} if scored is None else scored
        if target_kind not in scored:
            scored[target_kind] = self.lexical_hits(index, query, size)
        hits = scored[target_kind]
        evidence = self._evidence(query, index, probs, stated, hits, vectors)
        probs = evidence.probs
        positions, lexical, codes = hits.positions, hits.scores, hits.codes
        if not hits.complete:
            # Listings of the likely fields enter on their field alone, as they do when every row is scored.
            likely = [
                index.code_of[name]
                for name, p in sorted(probs.items(), key=lambda kv: -kv[1])
                if p > 0 and name in index.code_of
            ]
            extra = index.field_rows(likely, size, spec.incubators_only)
            extra = extra[~np.isin(extra, positions)]
            if len(extra):
                positions = np.concatenate([positions, extra])
                lexical = np.concatenate([lexical, hits.at(extra)])
                codes = np.concatenate([codes, index.codes_at(extra)])
        # Every candidate gets lexical + industry prior at once (vectorised), so a listing of the predicted
        # field with no word in common can still enter the pool: that is what finds providers by field.
        prior = np.array([probs.get(name, 0.0) for name in index.industry_names] + [0.0], dtype=np.float32)
        first = weights[Feature.LEXICAL] * lexical + weights[Feature.INDUSTRY] * prior[codes]
        if spec.incubators_only:
            # Incubators can be few among many providers: choose among them only, not among all.
            first = np.where(index.incubators_at(positions), first, -np.inf)
        take = min(size, int(np.isfinite(first).sum()))
        if not take:
            return empty
        rows = np.argpartition(-first, take - 1)[:take] if take < len(first) else np.arange(len(first))
        chosen = dict.fromkeys(index.ids_at(positions[rows]).tolist())
        if weights[Feature.DENSE] > 0:
            for name, vector in vectors.items():
                chosen.update(dict.fromkeys(index.dense_hits(name, vector, take)))
        items, kept = [], []
        for listing_id in chosen:
            item = index.item(listing_id)
            if item is None or (target_kind, listing_id) in exclude:
                continue
            if spec.incubators_only and not item.offers_incubation:
                continue
            items.append(item)
            kept.append(listing_id)
        if not items:
            return empty
        chosen_ids = np.array(kept, dtype=np.int64)
        positions = index.positions(kept)
        dense = (
            self._dense(index, vectors, chosen_ids)
            if weights[Feature.DENSE] > 0
            else np.zeros(len(items), np.float32)
        )
        lexical = hits.at(positions)
        if "e5" in vectors and weights[Feature.DENSE] > 0:
            lexical = fuse_dense_reading(lexical, index.vectors("e5", chosen_ids) @ vectors["e5"])
        return _Pool(
            items,
            self._rows(
                query,
                rec_kind,
                items,
                lexical,
                dense,
                probs,
                weights,
                evidence.credit(index, positions),
                index.columns(positions),
            ),
        )

    def _dense(self, index: KindIndex, vectors: dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
        """Return the mean cosine over corpus-fit encoders between the query and stored listings (negatives as
        0). e5 is not among them: its ranking is fused with the lexical one (see fusion.fuse_dense_reading)."""
        total = np.zeros(len(ids), dtype=np.float32)
        names = [name for name in vectors if name != "e5"]
        for name in names:
            total += np.maximum(index.vectors(name, ids) @ vectors[name], 0.0)
        return total / max(1, len(names))

    def _rows(
        self,
        query: MatchItem,
        rec_kind: str,
        items: list[MatchItem],
        lexical: np.ndarray,
        dense: np.ndarray,
        probs: dict[str, float],
        weights: dict[Feature, float],
        field_credit: np.ndarray,
        columns: Columns | None = None,
    ) -> np.ndarray:
        """Return one feature row per candidate, columns named by Feature, the fused score included."""
        pool = Candidates(
            query,
            rec_kind,
            items,
            columns if columns is not None else columns_of(items),
            lexical,
            dense,
            probs,
            field_credit,
        )
        rows = np.zeros((len(items), len(FEATURES)), dtype=np.float32)
        for feature, score in CANDIDATE_FEATURES.items():
            rows[:, COLUMN[feature]] = score(pool)
        w = np.array([weights.get(f, 0.0) for f in FEATURES], dtype=np.float32)
        rows[:, COLUMN[Feature.FUSED]] = rows @ w / w.sum()
        return rows

    def recommend(
        self, query: MatchItem, rec_kind: str, k: int = 10, exclude: Iterable[tuple[str, int]] = frozenset()
    ) -> list[Recommendation]:
        """Return the k best targets of a recommendation kind for a query listing, with reasons."""
        return self.recommend_kinds(query, (rec_kind,), k=k, exclude=exclude)[rec_kind]

    def recommend_kinds(
        self,
        query: MatchItem,
        rec_kinds: Iterable[str],
        k: int = 10,
        exclude: Iterable[tuple[str, int]] = frozenset(),
    ) -> dict[str, list[Recommendation]]:
        """`recommend` for several kinds of one query (a listing page's panels), each the same as asked alone;
        the query is read once (field, vectors, and each target kind's lexical scores) for all of them."""
        specs = {rec_kind: _check_rec_kind(rec_kind) for rec_kind in rec_kinds}
        if k < 1 or not self.kinds:
            return {rec_kind: [] for rec_kind in specs}
        weights = self.config.weights()
        exclude = {(str(t), int(i)) for t, i in exclude} | {(query.kind, int(query.id))}
        probs, stated = self.industry_probabilities(query)
        vectors = self._query_vectors(query)
        size = max(self.config.pool, 3 * k)
        scored: dict[str, LexicalHits] = {}
        meta = self.e5_state(vectors)
        answer = {
            rec_kind: self._recommend(
                query, rec_kind, spec, k, weights, exclude, probs, stated, vectors, size, scored
            )
            for rec_kind, spec in specs.items()
        }
        for recs in answer.values():
            for rec in recs:
                rec.meta = dict(meta)
        return answer

    def _recommend(
        self,
        query: MatchItem,
        rec_kind: str,
        spec: RecommendationKind,
        k: int,
        weights: dict[Feature, float],
        exclude: set[tuple[str, int]],
        probs: dict[str, float],
        stated: bool,
        vectors: dict[str, np.ndarray],
        size: int,
        scored: dict[str, LexicalHits],
    ) -> list[Recommendation]:
        items: list[MatchItem] = []
        blocks = []
        for target_kind in spec.targets:
            pool = self._pool(
                query, rec_kind, target_kind, probs, stated, vectors, size, weights, exclude, scored
            )
            items.extend(pool.items)
            blocks.append(pool.rows)
        if not items:
            return []
        rows = np.concatenate(blocks)
        fused = rows[:, COLUMN[Feature.FUSED]]
        order = sorted(range(len(items)), key=lambda i: (-fused[i], items[i].kind, items[i].id))
        if self.ranker is not None and getattr(self.ranker, "fitted", False):
            head = order[: max(50, k)]
            learned = self.ranker.score(rows[head])
            order = [head[i] for i in np.argsort(-learned, kind="stable")] + order[len(head) :]
        query_words = [w for w in self._query_words(query, spec.targets) if is_evidence(w)]
        return [
            Recommendation(
                items[i].kind,
                int(items[i].id),
                round(float(fused[i]), 6),
                self._reasons(query, items[i], rec_kind, probs, stated, rows[i], query_words, weights),
            )
            for i in order[:k]
        ]

    # ---- explanations -------------------------------------------------------------------------------

    def _query_words(self, query: MatchItem, targets: tuple[str, ...]) -> list[str]:
        """The query's words rarest first, plus those only listings changed since the last compaction use."""
        words: dict[str, None] = {}
        for target_kind in targets:
            index = self.kinds[target_kind]
            if len(index):
                words.update(dict.fromkeys(index.lexical.top_terms(query.full_text)))
                words.update(
                    dict.fromkeys(w for w in evidence_words(query.full_text) if w in index.delta.vocab)
                )
        return list(words)

    def _reasons(
        self,
        query: MatchItem,
        candidate: MatchItem,
        rec_kind: str,
        probs: dict[str, float],
        stated: bool,
        row: np.ndarray,
        query_words: list[str],
        weights,
    ) -> list[dict]:
        reasons: list[dict[str, Any]] = []
        value = {f: float(row[COLUMN[f]]) for f in FEATURES}
        if value[Feature.LEXICAL] > 0:
            index = self.kinds[candidate.kind]
            terms = [w for w in query_words if index.has_term(candidate.id, w)][:5]
            if terms:
                reasons.append({"code": ReasonCode.SHARED_TERMS, "terms": terms})
        prior = probs.get(candidate.industry, 0.0) if candidate.industry else 0.0
        if prior > 0:
            if stated:
                reasons.append({"code": ReasonCode.SAME_INDUSTRY, "industry": candidate.industry})
            elif prior >= REASON_MIN_PROBABILITY:
                reasons.append(
                    {
                        "code": ReasonCode.PREDICTED_INDUSTRY,
                        "industry": candidate.industry,
                        "probability": round(prior, 3),
                    }
                )
        if value[Feature.MODE] >= 1.0:
            wanted = wanted_modes(query, rec_kind)
            reasons.append(
                {"code": ReasonCode.MODE_MATCH, "modes": sorted(wanted & set(candidate.cooperation_modes))}
            )
        trl_value = candidate.trl if rec_kind != "needs" else query.trl
        if value[Feature.TRL] >= 0.8 and trl_value is not None:
            reasons.append({"code": ReasonCode.TRL_FIT, "trl": trl_value})
        if value[Feature.BUDGET] >= 1.0:
            need, offer = (query, candidate) if query.kind == "need" else (candidate, query)
            reasons.append(
                {"code": ReasonCode.BUDGET_FIT, "price": offer.price, "budget_max": need.budget_max}
            )
        if value[Feature.REGION] >= 1.0:
            reasons.append({"code": ReasonCode.SAME_REGION, "region": candidate.region})
        if rec_kind == "incubation" and candidate.offers_incubation:
            reasons.append({"code": ReasonCode.OFFERS_INCUBATION})
        if weights[Feature.DENSE] > 0 and value[Feature.DENSE] >= 0.5:
            reasons.append({"code": ReasonCode.SEMANTIC, "similarity": round(value[Feature.DENSE], 3)})
        return reasons

    # ---- feedback features --------------------------------------------------------------------------

    def features(
        self, query: MatchItem, candidates: list[MatchItem], rec_kind: str | None = None
    ) -> np.ndarray:
        """Return one feature row (columns: schema.FEATURES) per (query, candidate) pair.

        Candidates need not be indexed (their lexical feature is then 0), so stored feedback stays usable.
        """
        rec_kind = rec_kind or ("needs" if query.kind in ("achievement", "service", "center") else "license")
        _check_rec_kind(rec_kind)
        if not candidates:
            return np.zeros((0, len(FEATURES)), dtype=np.float32)
        weights = self.config.weights()
        probs, stated = self.industry_probabilities(query)
        vectors = self._query_vectors(query)
        texts = [c.full_text for c in candidates]
        dense = np.zeros(len(candidates), dtype=np.float32)
        corpus_fit = [name for name in vectors if name != "e5"]
        for name in corpus_fit:
            dense += np.maximum(self.encoders[name].encode(texts) @ vectors[name], 0.0)
        dense /= max(1, len(corpus_fit))
        similarity = self.encoders["e5"].encode(texts) @ vectors["e5"] if "e5" in vectors else None
        rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
        for target_kind in {c.kind for c in candidates}:
            index = self.kinds[_check_listing_kind(target_kind)]
            positions = [i for i, c in enumerate(candidates) if c.kind == target_kind]
            hits = self.lexical_hits(index, query, len(positions))
            # The same field blend and credit recommend() uses, so a ranker learns on the features it scores.
            evidence = self._evidence(query, index, probs, stated, hits, vectors)
            found = index.positions([int(candidates[i].id) for i in positions], missing=-1)
            indexed = found >= 0
            lexical = np.zeros(len(found), dtype=np.float32)
            lexical[indexed] = hits.at(found[indexed])
            if similarity is not None and weights[Feature.DENSE] > 0:
                lexical = fuse_dense_reading(lexical, similarity[positions])
            credit = np.zeros(len(found), dtype=np.float32)
            credit[indexed] = evidence.credit(index, found[indexed])
            rows[positions] = self._rows(
                query,
                rec_kind,
                [candidates[i] for i in positions],
                lexical,
                dense[positions],
                evidence.probs,
                weights,
                credit,
            )
        return rows


def _mix_fields(
    probs: dict[str, float], votes: np.ndarray, names: list[str], share: float
) -> dict[str, float]:
    """Field probabilities with another reading's votes (one per name in `names`, summing to 1) mixed in at
    `share`."""
    mixed = {name: (1 - share) * p for name, p in probs.items()}
    for name, vote in zip(names, votes.tolist(), strict=True):
        if vote > 0:
            mixed[name] = mixed.get(name, 0.0) + share * vote
    return mixed
