"""Evaluate the matcher on a BEIR-format set: `python -m matching.eval DIR [--channel ...]`, one JSON line."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from matching import e5
from matching.config import MatcherConfig
from matching.matcher import Matcher
from matching.schema import CHANNELS
from matching.scoring import MatchItem

CHANNEL_CHOICES = {"fused": CHANNELS, **{c: (c,) for c in CHANNELS}}


def load_beir(folder: str | Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    """Return (corpus, queries, qrels) of a BEIR folder."""
    folder = Path(folder)
    if not (folder / "corpus.jsonl").is_file():
        raise ValueError(f"{folder} is not a BEIR folder: corpus.jsonl is missing.")
    read = lambda name: [json.loads(line) for line in (folder / name).open(encoding="utf-8") if line.strip()]  # noqa: E731
    qrels: dict[str, dict[str, int]] = {}
    for i, line in enumerate((folder / "qrels" / "test.tsv").open(encoding="utf-8")):
        parts = line.rstrip("\n").split("\t")
        if i == 0 or len(parts) < 3:
            continue
        if int(parts[2]) > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return read("corpus.jsonl"), read("queries.jsonl"), qrels


def metrics(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """Return nDCG@10, Recall@10, MRR@10 and Recall@100 of one ranked list."""
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "recall@10": len(set(ranked[:10]) & set(relevant)) / len(relevant),
        "mrr@10": 1 / (first + 1) if first is not None else 0.0,
        "recall@100": len(set(ranked[:100]) & set(relevant)) / len(relevant),
    }


def need_of(query: dict, listing_id: int) -> MatchItem:
    """Return a query as a need listing: its title (when it has one) and its description apart, as posted."""
    title = (query.get("title") or "").strip()
    text = query.get("text") or ""
    if title and text.startswith(title):
        text = text[len(title) :].lstrip("。.：:，, \n")
    return MatchItem(id=listing_id, kind="need", title=title, text=text)


def evaluate(
    folder: str | Path, config: MatcherConfig, per_query: list[dict] | None = None
) -> dict[str, float | str]:
    """Index the corpus as achievements, run every judged query as a need, and average the metrics.

    When `per_query` is a list, one row of metrics per query is appended to it.
    """
    corpus, queries, qrels = load_beir(folder)
    started = time.perf_counter()
    achievements = [
        MatchItem(
            id=i,
            kind="achievement",
            title=doc.get("title") or "",
            text=doc.get("text") or "",
            industry=(doc.get("metadata") or {}).get("discipline"),
        )
        for i, doc in enumerate(corpus)
    ]
    doc_ids = [doc["_id"] for doc in corpus]
    judged = [q for q in queries if q["_id"] in qrels]
    e5_used = "e5" in config.encoders and _prepare_e5(
        config, [a.full_text for a in achievements], [need_of(q, 0).full_text for q in judged]
    )
    matcher = Matcher(config)
    matcher.rebuild(achievements)
    totals = dict.fromkeys(("ndcg@10", "recall@10", "mrr@10", "recall@100"), 0.0)
    for n, query in enumerate(judged):
        ranked = [
            doc_ids[r.target_id] for r in matcher.recommend(need_of(query, 10**9 + n), "license", k=100)
        ]
        scores = metrics(ranked, qrels[query["_id"]])
        for key, value in scores.items():
            totals[key] += value
        if per_query is not None:
            per_query.append(
                {
                    "query": query["_id"],
                    "relevant": len(qrels[query["_id"]]),
                    **{key: round(value, 4) for key, value in scores.items()},
                }
            )
    result: dict[str, float | str] = {
        key: round(value / max(1, len(judged)), 4) for key, value in totals.items()
    }
    result.update(queries=len(judged), seconds=round(time.perf_counter() - started, 1))
    if "e5" in config.encoders:
        result["e5"] = "used" if e5_used else "skipped"
    return result


# Vectors the evaluation encoded, by text hash: a rerun reads them instead of encoding for minutes again.
E5_CACHE = Path(".cache/e5/vectors.sqlite3")


def _prepare_e5(config: MatcherConfig, passages: list[str], needs: list[str]) -> bool:
    """Have a vector for every listing and need (from the cache, else encoded now, as the index worker would);
    with the service down, the e5 channel is skipped (no source), as the app does."""
    assert config.e5_url is not None  # the config refuses e5 without it
    client = e5.E5Client(config.e5_url, timeout=900.0)
    source = e5.EncodingSource(e5.FileCache(E5_CACHE), client)
    if not client.health(timeout=2.0):
        # As in the app while the service has been down: nothing was encoded, the channel is skipped.
        print(
            f"e5 channel skipped: the embeddings service at {config.e5_url} does not answer", file=sys.stderr
        )
        e5.configure(None, None)
        return False
    try:
        # Needs are listings too: the app stores their passage vectors at index time.
        source.vectors(needs + passages, "passage")
    except e5.E5Unavailable as error:
        print(f"e5 channel skipped: {error}", file=sys.stderr)
        e5.configure(None, None)
        return False
    e5.configure(source, client)
    return True


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, evaluate, print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m matching.eval", description=__doc__)
    parser.add_argument("folder", help="BEIR folder with corpus.jsonl, queries.jsonl, qrels/test.tsv")
    parser.add_argument(
        "--channel",
        choices=sorted(CHANNEL_CHOICES),
        default="fused",
        help="evaluate one channel alone (default: the fused ranking the app uses)",
    )
    parser.add_argument("--encoders", default=None, help="override MATCH_ENCODERS, e.g. lsa,st")
    parser.add_argument(
        "--scan-limit",
        type=int,
        default=None,
        help="override MATCH_SCAN_LIMIT (0: always use the pruned lexical first stage)",
    )
    parser.add_argument(
        "--per-query",
        metavar="FILE",
        default=None,
        help="also write each query's metrics to FILE, one JSON line per query",
    )
    args = parser.parse_args(argv)
    mapping = {"MATCH_CHANNELS": ",".join(CHANNEL_CHOICES[args.channel])}
    if os.environ.get("E5_URL"):
        # The embeddings service, when named, is part of the default configuration (see matching.config).
        mapping["E5_URL"] = os.environ["E5_URL"]
    if args.encoders:
        mapping["MATCH_ENCODERS"] = args.encoders
    if args.scan_limit is not None:
        mapping["MATCH_SCAN_LIMIT"] = args.scan_limit
    try:
        config = MatcherConfig.from_mapping(mapping)
        rows: list[dict] | None = [] if args.per_query else None
        result = evaluate(args.folder, config, rows)
        if rows is not None:
            with open(args.per_query, "w", encoding="utf-8") as out:
                out.writelines(json.dumps(row) + "\n" for row in rows)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {
                "set": Path(args.folder).name,
                "channel": args.channel,
                "encoders": ",".join(config.encoders),
                **result,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
