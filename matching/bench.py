"""Latency, freshness and build benchmark: `python -m matching.bench` (10k and 100k synthetic listings, one JSON
line each): recommendation latency against brute force, latency while a writer applies changes, the cost of
a write against a recompile, and the time from a committed listing to its first appearance."""

from __future__ import annotations

import argparse
import gc
import json
import os
import queue
import random
import re
import sys
import threading
import time
from pathlib import Path

import numpy as np

from matching.config import MatcherConfig
from matching.matcher import Matcher
from matching.schema import COLUMN, Feature
from matching.scoring import MatchItem

# The shared evaluation sets sit beside the project: ../shared/eval from the repository root.
EVAL_DIR = Path(os.environ.get("MIC_EVAL_DIR", Path(__file__).resolve().parents[2] / "shared" / "eval"))
REGIONS = ("朝阳区", "南关区", "长春新区", "净月高新区", "汽开区")
MODES = ("commission", "license", "transfer", "joint", "service", "incubation")
# Brute force over every vector with the re-scoring in Python: seconds per query at a million listings.
BASELINE_LIMIT = 200_000


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
        listings.append(
            MatchItem(
                id=i + 1,
                kind="achievement",
                title=body[0][:30],
                text="。".join(body),
                industry=field,
                cooperation_modes=rng.sample(MODES, rng.randint(1, 3)),
                trl=rng.randint(1, 9),
                price=float(rng.choice([None, 5e4, 2e5, 1e6, 5e6]) or 0) or None,
                region=rng.choice(REGIONS),
                updated_at=time.time() - rng.uniform(0, 730) * 86400,
            )
        )
    return listings


def synthetic_needs(n: int, seed: int = 1) -> list[MatchItem]:
    """Return n needs whose text is a real paper title (short, like a firm's stated need)."""
    titles = [
        json.loads(line)["text"] for line in (EVAL_DIR / "csl-dev" / "queries.jsonl").open(encoding="utf-8")
    ]
    rng = random.Random(seed)
    return [
        MatchItem(
            id=10**9 + i,
            kind="need",
            title="",
            text=t,
            budget_max=rng.choice([None, 1e5, 1e6]),
            region=rng.choice(REGIONS),
            cooperation_modes=["license"],
        )
        for i, t in enumerate(rng.sample(titles, n))
    ]


def baseline_recommend(
    matcher: Matcher, knn, knn_ids: np.ndarray, need: MatchItem, k: int = 10
) -> list[tuple]:
    """Brute force: scikit-learn NearestNeighbors over every vector, then the matcher's re-scoring in Python."""
    weights = matcher.config.weights()
    probs, _ = matcher.industry_probabilities(need)
    vector = matcher.encoders["lsa"].encode([need.full_text])
    _, rows = knn.kneighbors(vector, n_neighbors=min(matcher.config.pool, len(knn_ids)))
    ids = knn_ids[rows[0]]
    index = matcher.kinds["achievement"]
    lexical = index.lexical.score_ids(need.full_text, ids)
    dense = matcher._dense(index, {"lsa": vector[0]}, ids)
    evidence = matcher._evidence(
        need, index, probs, False, matcher.lexical_hits(index, need, matcher.config.pool)
    )
    features = matcher._rows(
        need,
        "license",
        [index.base_items[int(i)] for i in ids],  # a freshly built index: every listing is in its base
        lexical,
        dense,
        evidence.probs,
        weights,
        evidence.credit(index, index.positions(ids.tolist())),
    )
    fused = features[:, COLUMN[Feature.FUSED]]
    order = np.argsort(-fused)[:k]
    return [(int(ids[i]), float(fused[i])) for i in order]


def full_scan_comparison(matcher: Matcher, needs: list[MatchItem], k: int = 10) -> dict:
    """Time the lexical first stage scoring every listing, and how many of the pruned top k it finds too."""
    full = matcher.with_scan_limit(10**12)
    seconds, found = [], 0
    for need in needs:
        started = time.perf_counter()
        want = {r.target_id for r in full.recommend(need, "license", k=k)}
        seconds.append(time.perf_counter() - started)
        found += len(want & {r.target_id for r in matcher.recommend(need, "license", k=k)})
    p50, p95 = percentiles(seconds)
    return {
        "full_scan_p50_ms": p50,
        "full_scan_p95_ms": p95,
        "pruned_recall_at_10": round(found / (k * len(needs)), 4),
    }


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """Return (p50, p95) in milliseconds."""
    ms = np.array(seconds) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def _deep_item_bytes(item: MatchItem) -> int:
    """One listing object with its own strings, lists and numbers (values shared by many listings excluded)."""
    size = sys.getsizeof(item)
    size += sys.getsizeof(item.title) + sys.getsizeof(item.text) + sys.getsizeof(item.cooperation_modes)
    size += sum(
        sys.getsizeof(v)
        for v in (item.price, item.budget_min, item.budget_max, item.updated_at)
        if isinstance(v, float)
    )
    return size


def _dict_bytes(mapping: dict) -> int:
    """A dict's table plus its int keys (values are counted by the caller)."""
    return sys.getsizeof(mapping) + sum(sys.getsizeof(k) for k in _sample(list(mapping))) * len(
        mapping
    ) // max(1, min(len(mapping), SAMPLE))


SAMPLE = 2000


def _sample(values: list) -> list:
    return values if len(values) <= SAMPLE else random.Random(0).sample(values, SAMPLE)


def memory_bytes(matcher: Matcher) -> dict[str, int]:
    """Return what the matcher holds for its listings, by part, in bytes.

    Counted: the FAISS stores (codes, ids and the id map that lets them update in place), the BM25 documents
    (packed term columns and frequencies, kept for updates and explanations), the compiled BM25 matrix and document
    frequencies, the listing objects the matcher keeps (title, text, structured fields), and the per-row
    arrays and id maps of each kind. Python objects are measured with sys.getsizeof on a sample of listings
    and scaled; strings shared by many listings (industries, regions, modes) and the fitted encoders and
    classifier (a fixed size, not per listing) are left out.
    """
    import faiss

    parts = {
        "vectors": 0,
        "lexical_documents": 0,
        "lexical_matrix": 0,
        "first_stage": 0,
        "listings": 0,
        "row_maps": 0,
    }
    for index in matcher.kinds.values():
        if not len(index):
            continue
        for store in index.stores.values():
            if len(store):
                parts["vectors"] += int(faiss.serialize_index(store.index).nbytes)
                if store.approximate:
                    # The id map is a hash table in memory; serialised it is two int64 per entry.
                    parts["vectors"] += (HASH_ENTRY_BYTES - 16) * len(store)
        docs = index.lexical.docs
        sample = _sample(list(docs.values()))
        per_doc = sum(map(sys.getsizeof, sample))
        parts["lexical_documents"] += _dict_bytes(docs) + per_doc * len(docs) // max(1, len(sample))
        _, matrix, df = index.lexical.compiled()
        parts["lexical_matrix"] += (
            matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes + df.nbytes
        )
        pruned = index._base.pruned
        parts["first_stage"] += (pruned.nbytes if pruned is not None else 0) + sum(
            rows.nbytes
            for by_field in (index._base.by_field, index._base.incubators_by_field)
            for rows in by_field.values()
        )
        items = index.base_items
        sample = _sample(list(items.values()))
        parts["listings"] += _dict_bytes(items) + sum(map(_deep_item_bytes, sample)) * len(items) // len(
            sample
        )
        base = index._base
        columns = sum(getattr(base.columns, name).nbytes for name in base.columns.__dataclass_fields__)
        parts["row_maps"] += (
            base.row_ids.nbytes
            + base.sorted_ids.nbytes
            + base.sorted_rows.nbytes
            + base.codes.nbytes
            + base.incubators.nbytes
            + columns
        )
    parts["total"] = sum(parts.values())
    return parts


# What one entry of the IVF index's id map (std::unordered_map<int64, int64>) costs in memory: node, hash
# bucket and allocator overhead.
HASH_ENTRY_BYTES = 48


def recall_at_10(matcher: Matcher, needs: list[MatchItem], k: int = 10) -> float | None:
    """Recall@k of the achievement store's search against exact search over the vectors it holds."""
    import faiss

    store = matcher.kinds["achievement"].stores["lsa"]
    if not store.approximate:
        return None
    ids, vectors = store.all_vectors()
    exact = faiss.IndexFlatIP(store.dim)
    exact.add(vectors)
    del vectors
    queries = matcher.encoders["lsa"].encode([need.full_text for need in needs])
    _, truth = exact.search(queries, k)
    found = 0
    for query, rows in zip(queries, truth, strict=True):
        found += len(set(store.search(query, k)[0].tolist()) & set(ids[rows].tolist()))
    return round(found / (k * len(needs)), 4)


def _progress(message: str) -> None:
    """A line on stderr, so a long run shows where it is (the results stay one JSON line on stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Published:
    """The one reference a writer swaps and readers read, as the app's VectorIndex holds it."""

    def __init__(self, matcher: Matcher):
        self.matcher = matcher


def _time_queries(published: Published, needs: list[MatchItem]) -> list[float]:
    timings = []
    for need in needs:
        started = time.perf_counter()
        published.matcher.recommend(need, "license", k=10)
        timings.append(time.perf_counter() - started)
    return timings


def under_writes(
    published: Published, groups, needs: list[MatchItem], rate: float, seconds: float = 20.0
) -> dict:
    """Time recommendations with and without a writer publishing `rate` changed listings a second.

    The writer works one second and rests the next, and each query is counted with the phase it started in:
    on a shared machine both phases then meet the same background load, so their ratio is the writes' cost.
    """
    fresh = iter(synthetic_listings(int(rate * seconds) + 10, groups, seed=7))
    stop, writing = threading.Event(), threading.Event()
    write_seconds: list[float] = []

    def write():
        next_id = 10**8
        phase_started = time.perf_counter()
        while not stop.wait(1.0 / rate):
            if time.perf_counter() - phase_started >= 1.0:
                phase_started = time.perf_counter()
                if writing.is_set():
                    writing.clear()
                else:
                    writing.set()
            if not writing.is_set():
                continue
            item = next(fresh)
            item.id = next_id
            next_id += 1
            started = time.perf_counter()
            published.matcher = published.matcher.with_changes([item])
            write_seconds.append(time.perf_counter() - started)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    timings: dict[bool, list[float]] = {True: [], False: []}
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < seconds:
            for need in needs:
                phase = writing.is_set()
                began = time.perf_counter()
                published.matcher.recommend(need, "license", k=10)
                timings[phase].append(time.perf_counter() - began)
    finally:
        stop.set()
        writer.join()
    p50, p95 = percentiles(timings[True])
    q50, q95 = percentiles(timings[False])
    w50, w95 = percentiles(write_seconds or [0.0])
    return {
        "writes": len(write_seconds),
        "p50_ms": p50,
        "p95_ms": p95,
        "quiet_p50_ms": q50,
        "quiet_p95_ms": q95,
        "write_p50_ms": w50,
        "write_p95_ms": w95,
    }


def freshness_run(published: Published, groups, listings: int, poll_interval: float, seed: int = 11) -> dict:
    """Seconds from a committed listing to its first appearance in recommendations, with a polling worker.

    Commits go to a queue the way the app's transactions write outbox rows; a worker thread drains it every
    `poll_interval` (as the in-process outbox worker does), publishes a new snapshot, and a reader repeats the
    recommendation that should find the listing until it does.
    """
    commits: queue.Queue = queue.Queue()
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            batch = []
            while not commits.empty():
                batch.append(commits.get())
            if batch:
                published.matcher = published.matcher.with_changes(batch)
            else:
                stop.wait(poll_interval)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    rng = random.Random(seed)
    latencies = []
    try:
        for n, item in enumerate(synthetic_listings(listings, groups, seed=seed)):
            time.sleep(rng.uniform(0, poll_interval))
            # Synthetic listings of a small field repeat each other: a model number and a fitting deal (mode,
            # readiness) make this one deserve the top ten, so the timing measures visibility, not ranking.
            item.id, item.text = 2 * 10**8 + n, f"{item.text} 型号fx{n}q"
            item.cooperation_modes, item.trl = ["license"], 8
            query = MatchItem(id=3 * 10**8 + n, kind="need", title=item.title, text=item.text)
            committed = time.perf_counter()
            commits.put(item)
            while item.id not in {r.target_id for r in published.matcher.recommend(query, "license", k=10)}:
                if time.perf_counter() - committed > 30:
                    raise RuntimeError(f"listing {item.id} did not appear within 30 s")
                time.sleep(0.01)
            latencies.append(time.perf_counter() - committed)
    finally:
        stop.set()
        thread.join()
    p50, p95 = percentiles(latencies)
    return {"freshness_p50_ms": p50, "freshness_p95_ms": p95, "freshness_listings": len(latencies)}


def run(
    size: int,
    groups,
    needs: list[MatchItem],
    config: MatcherConfig,
    write_rate: float = 10.0,
    fresh_listings: int = 20,
    poll_interval: float = 1.0,
    workers: int = 1,
    baseline_limit: int = BASELINE_LIMIT,
) -> dict:
    """Build a matcher over `size` listings; time it against brute force, under writes, and for freshness.

    Brute force is skipped above `baseline_limit` listings (at a million it would take longer than the rest);
    the approximate vector index is then checked by its recall against exact search instead.
    """
    from sklearn.neighbors import NearestNeighbors

    listings = synthetic_listings(size, groups, seed=size)
    started = time.perf_counter()
    matcher = Matcher(config).rebuild(listings, workers=workers)
    build_seconds = time.perf_counter() - started
    _progress(f"{size} listings built in {build_seconds:.0f} s")
    del listings
    # The build's objects live as long as the matcher: the collector need not keep walking them.
    gc.collect()
    gc.freeze()
    for need in needs[:5]:
        matcher.recommend(need, "license", k=10)
    published = Published(matcher)
    timings = _time_queries(published, needs)
    p50, p95 = percentiles(timings)
    index = matcher.kinds["achievement"]
    baseline = {}
    if size <= baseline_limit:
        knn_ids, vectors = index.stores["lsa"].all_vectors()
        knn = NearestNeighbors(algorithm="brute", metric="cosine").fit(vectors)
        for need in needs[:5]:
            baseline_recommend(matcher, knn, knn_ids, need)
        base = []
        for need in needs:
            started = time.perf_counter()
            baseline_recommend(matcher, knn, knn_ids, need)
            base.append(time.perf_counter() - started)
        del knn, vectors
        b50, b95 = percentiles(base)
        baseline = {
            "baseline_p50_ms": b50,
            "baseline_p95_ms": b95,
            "speedup_p50": round(b50 / p50, 1),
            "speedup_p95": round(b95 / p95, 1),
        }
    recall = recall_at_10(matcher, needs)
    _progress(f"timed: p50 {p50} ms, p95 {p95} ms, recall@10 {recall}")
    scan = {}
    if size > config.scan_limit:
        scan = full_scan_comparison(matcher, needs)
        _progress(f"against scoring every listing: {scan}")
    writes = under_writes(published, groups, needs, write_rate)
    _progress(f"under writes: {writes}")
    # What a write cost before the delta: folding one change into the compiled indexes (a recompile).
    one = published.matcher.with_changes([synthetic_listings(1, groups, seed=5)[0]])
    started = time.perf_counter()
    one.compacted()
    recompile_ms = round((time.perf_counter() - started) * 1000, 1)
    del one
    # The dearest write the delta allows: one more change when it is just below the compaction limit.
    backlog = synthetic_listings(config.delta_limit, groups, seed=6)
    for n, item in enumerate(backlog):
        item.id = 4 * 10**8 + n
    full = matcher.with_changes(backlog[:-1])
    started = time.perf_counter()
    full.with_changes(backlog[-1:])
    full_delta_write_ms = round((time.perf_counter() - started) * 1000, 1)
    del full
    _progress(f"recompile {recompile_ms} ms, write at full delta {full_delta_write_ms} ms")
    fresh = freshness_run(published, groups, fresh_listings, poll_interval)
    memory = memory_bytes(matcher)
    return {
        "listings": size,
        "approximate": index.stores["lsa"].approximate,
        "build_workers": workers,
        "p50_ms": p50,
        "p95_ms": p95,
        **baseline,
        "recall_at_10": recall,
        **scan,
        "under_writes_per_s": write_rate,
        "under_writes_p50_ms": writes["p50_ms"],
        "under_writes_p95_ms": writes["p95_ms"],
        "between_writes_p50_ms": writes["quiet_p50_ms"],
        "between_writes_p95_ms": writes["quiet_p95_ms"],
        "under_writes_p95_ratio": round(writes["p95_ms"] / writes["quiet_p95_ms"], 2),
        "writes_applied": writes["writes"],
        "write_p50_ms": writes["write_p50_ms"],
        "write_p95_ms": writes["write_p95_ms"],
        "write_at_full_delta_ms": full_delta_write_ms,
        "recompile_per_write_ms": recompile_ms,
        "write_speedup": round(recompile_ms / max(writes["write_p50_ms"], 1e-3), 1),
        **fresh,
        "poll_interval_s": poll_interval,
        "build_listings_per_s": round(size / build_seconds, 1),
        "build_seconds": round(build_seconds, 1),
        "bytes_per_listing": round(memory["total"] / size, 1),
        **{
            f"{part}_bytes_per_listing": round(value / size, 1)
            for part, value in memory.items()
            if part != "total"
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at each size and print one JSON line per size."""
    parser = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated listing counts")
    parser.add_argument("--queries", type=int, default=200, help="needs timed per size")
    parser.add_argument("--write-rate", type=float, default=10.0, help="changes a second during the timing")
    parser.add_argument("--fresh", type=int, default=20, help="listings committed for the freshness timing")
    parser.add_argument("--poll", type=float, default=1.0, help="the worker's poll interval, seconds")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes that analyse texts during the build"
    )
    parser.add_argument(
        "--baseline-limit",
        type=int,
        default=BASELINE_LIMIT,
        help="skip the brute-force comparison above this many listings",
    )
    args = parser.parse_args(argv)
    groups = sentences_by_field(EVAL_DIR)
    needs = synthetic_needs(args.queries)
    # MATCH_* settings from the environment, as the app reads them (MATCH_SCAN_LIMIT, MATCH_NPROBE, ...).
    config = MatcherConfig.from_mapping(os.environ)
    for size in (int(s) for s in args.sizes.split(",")):
        print(
            json.dumps(
                run(
                    size,
                    groups,
                    needs,
                    config,
                    args.write_rate,
                    args.fresh,
                    args.poll,
                    args.workers,
                    args.baseline_limit,
                )
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
