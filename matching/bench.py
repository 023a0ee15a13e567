"""Latency and build benchmark: `python -m matching.bench` (10k and 100k synthetic listings, one JSON line each)."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from matching.matcher import Matcher, MatcherConfig
from matching.scoring import MatchItem, columns_of

# The shared evaluation sets sit beside the project: ../shared/eval from the repository root.
EVAL_DIR = Path(os.environ.get("MIC_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared" / "eval"))
REGIONS = ("朝阳区", "南关区", "长春新区", "净月高新区", "汽开区")
MODES = ("commission", "license", "transfer", "joint", "service", "incubation")


def sentences_by_field(folder: Path) -> dict[str, list[str]]:
    """Return the sentences of every corpus under folder, grouped by discipline."""
    groups: dict[str, set[str]] = {}
    for corpus in sorted(folder.glob("*/corpus.jsonl")):
        for line in corpus.open(encoding="utf-8"):
            doc = json.loads(line)
            field = (doc.get("metadata") or {}).get("discipline") or "other"
            parts = [p.strip() for p in re.split(r"[。．.;；!?！？]", doc["text"]) if len(p.strip()) >= 8]
            groups.setdefault(field, set()).update(parts)
    return {field: sorted(parts) for field, parts in groups.items() if parts}


def synthetic_listings(n: int, groups: dict[str, list[str]], seed: int = 0) -> list[MatchItem]:
    """Return n achievements recombined from real sentences of one field each, with random structured fields."""
    rng = random.Random(seed)
    fields = sorted(groups)
    listings = []
    for i in range(n):
        field = rng.choice(fields)
        body = rng.sample(groups[field], min(3, len(groups[field])))
        listings.append(MatchItem(
            id=i + 1, kind="achievement", title=body[0][:30], text="。".join(body), industry=field,
            cooperation_modes=rng.sample(MODES, rng.randint(1, 3)), trl=rng.randint(1, 9),
            price=float(rng.choice([None, 5e4, 2e5, 1e6, 5e6]) or 0) or None, region=rng.choice(REGIONS),
            updated_at=time.time() - rng.uniform(0, 730) * 86400))
    return listings


def synthetic_needs(n: int, seed: int = 1) -> list[MatchItem]:
    """Return n needs whose text is a real paper title (short, like a firm's stated need)."""
    titles = [json.loads(line)["text"] for line in (EVAL_DIR / "csl-dev" / "queries.jsonl").open(encoding="utf-8")]
    rng = random.Random(seed)
    return [MatchItem(id=10**9 + i, kind="need", title="", text=t, budget_max=rng.choice([None, 1e5, 1e6]),
                    region=rng.choice(REGIONS), cooperation_modes=["license"])
            for i, t in enumerate(rng.sample(titles, n))]


def baseline_recommend(matcher: Matcher, knn, knn_ids: np.ndarray, need: MatchItem, k: int = 10) -> list[tuple]:
    """Brute force: scikit-learn NearestNeighbors over every vector, then the matcher's re-scoring in Python."""
    weights = matcher.config.weights()
    probs, _ = matcher.industry_probabilities(need)
    vector = matcher.encoders["lsa"].encode([need.full_text])
    _, rows = knn.kneighbors(vector, n_neighbors=min(matcher.config.pool, len(knn_ids)))
    ids = knn_ids[rows[0]]
    lexical = matcher.lexical["achievement"].score_ids(need.full_text, ids)
    dense = matcher._dense("achievement", {"lsa": vector[0]}, ids)
    candidates = [matcher.listings["achievement"][int(i)] for i in ids]
    structured = matcher._structured(need, columns_of(candidates), "license", probs)
    fused = matcher._fuse(lexical, dense, structured, weights)
    order = np.argsort(-fused)[:k]
    return [(int(ids[i]), float(fused[i])) for i in order]


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """Return (p50, p95) in milliseconds."""
    ms = np.array(seconds) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def vector_bytes(matcher: Matcher) -> int:
    """Return the serialised size of every FAISS index (what a listing costs in vector memory)."""
    import faiss

    return sum(int(faiss.serialize_index(store.index).nbytes) for store in matcher.stores.values() if len(store))


def run(size: int, groups, needs: list[MatchItem], config: MatcherConfig) -> dict:
    """Build a matcher over `size` listings and time recommendations against the brute-force baseline."""
    from sklearn.neighbors import NearestNeighbors

    listings = synthetic_listings(size, groups, seed=size)
    matcher = Matcher(config)
    started = time.perf_counter()
    matcher.rebuild(listings)
    build_seconds = time.perf_counter() - started
    for need in needs[:5]:
        matcher.recommend(need, "license", k=10)
    timings = []
    for need in needs:
        started = time.perf_counter()
        matcher.recommend(need, "license", k=10)
        timings.append(time.perf_counter() - started)
    knn_ids, vectors = matcher.stores[("lsa", "achievement")].all_vectors()
    knn = NearestNeighbors(algorithm="brute", metric="cosine").fit(vectors)
    for need in needs[:5]:
        baseline_recommend(matcher, knn, knn_ids, need)
    base = []
    for need in needs:
        started = time.perf_counter()
        baseline_recommend(matcher, knn, knn_ids, need)
        base.append(time.perf_counter() - started)
    p50, p95 = percentiles(timings)
    b50, b95 = percentiles(base)
    lexical = matcher.lexical["achievement"].compiled()[1]
    return {
        "listings": size, "approximate": matcher.stores[("lsa", "achievement")].approximate,
        "p50_ms": p50, "p95_ms": p95, "baseline_p50_ms": b50, "baseline_p95_ms": b95,
        "speedup_p50": round(b50 / p50, 1), "speedup_p95": round(b95 / p95, 1),
        "build_listings_per_s": round(size / build_seconds, 1), "build_seconds": round(build_seconds, 1),
        "vector_bytes_per_listing": round(vector_bytes(matcher) / size, 1),
        "lexical_bytes_per_listing": round((lexical.data.nbytes + lexical.indices.nbytes) / size, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at each size and print one JSON line per size."""
    parser = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated listing counts")
    parser.add_argument("--queries", type=int, default=200, help="needs timed per size")
    args = parser.parse_args(argv)
    groups = sentences_by_field(EVAL_DIR)
    needs = synthetic_needs(args.queries)
    config = MatcherConfig.from_mapping({})
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(size, groups, needs, config)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
