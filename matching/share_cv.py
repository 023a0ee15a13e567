"""DENSE_SHARE checked where it was not chosen: `python -m matching.share_cv DIR [--shares 0,0.5,1,1.5,2,3]`.

The e5 reading's share (`matching.fusion.DENSE_SHARE`) was picked on ccf-pool-dev itself, so the figure it
gives there flatters it. This splits the judged queries in two halves (alternate queries, in the set's order),
evaluates the default configuration (with the embeddings service named by E5_URL) once per share, and for each
half picks the share that is best on it and reports that share's nDCG@10 on the *other* half, beside the
current DENSE_SHARE's and the lexical-only (share 0) figure on the same half: two-fold cross-validation. One
JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from matching import fusion
from matching.config import MatcherConfig
from matching.eval import evaluate


def _mean(rows: list[dict], half: int) -> float:
    picked = [row["ndcg@10"] for n, row in enumerate(rows) if n % 2 == half]
    return sum(picked) / max(1, len(picked))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.share_cv", description=__doc__)
    parser.add_argument("folder", help="BEIR folder (see matching.eval)")
    parser.add_argument("--shares", default="0,0.5,1,1.5,2,3", help="the DENSE_SHARE values tried")
    args = parser.parse_args(argv)
    if not os.environ.get("E5_URL"):
        print(
            "error: E5_URL names no embeddings service: there is no dense reading to weigh", file=sys.stderr
        )
        return 2
    shares = sorted({float(value) for value in args.shares.split(",")} | {0.0, fusion.DENSE_SHARE})
    config = MatcherConfig.from_mapping({"E5_URL": os.environ["E5_URL"]})
    current = fusion.DENSE_SHARE
    halves: dict[float, tuple[float, float]] = {}
    try:
        for share in shares:
            fusion.DENSE_SHARE = share
            rows: list[dict] = []
            result = evaluate(args.folder, config, rows)
            if result.get("e5") != "used":
                print("error: the e5 channel was skipped (service down?)", file=sys.stderr)
                return 2
            halves[share] = (_mean(rows, 0), _mean(rows, 1))
    finally:
        fusion.DENSE_SHARE = current
    folds = []
    for tuned, held in ((0, 1), (1, 0)):
        best = max(shares, key=lambda s: (halves[s][tuned], -abs(s - current)))
        folds.append(
            {
                "tuned_on_half": tuned,
                "share_picked": best,
                "ndcg@10_held_out": round(halves[best][held], 4),
                "current_share_held_out": round(halves[current][held], 4),
                "lexical_only_held_out": round(halves[0.0][held], 4),
            }
        )
    report = {
        "set": os.path.basename(os.path.normpath(args.folder)),
        "current_share": current,
        "by_share": {str(s): [round(a, 4), round(b, 4)] for s, (a, b) in halves.items()},
        "folds": folds,
        "cv_ndcg@10": round(sum(f["ndcg@10_held_out"] for f in folds) / 2, 4),
        "cv_lexical_only": round(sum(f["lexical_only_held_out"] for f in folds) / 2, 4),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
