"""The e5 channel's settings checked where they were not chosen: `python -m matching.share_cv DIR`.

Two settings of the multilingual channel were picked on the evaluation sets themselves, so the figures they give
there flatter them:
- ``--knob dense`` (default): the e5 reading's share of the ranking (`matching.fusion.DENSE_SHARE`), values from
  ``--shares`` (default 0,0.5,1,1.5,2,3);
- ``--knob centroid``: how much the query's nearness to each field's centroid counts in its predicted field
  (`matching.matcher.CENTROID_SHARE`, values from ``--shares``, default 0,0.25,0.5,0.75,1) and the softmax
  temperature of those cosines (`FIELD_TEMPERATURE`, from ``--temperatures``, default 0.001,0.002,0.005,0.01).

This splits the judged queries in two halves (alternate queries, in the set's order), evaluates the default
configuration (with the embeddings service named by E5_URL) once per setting, and for each half picks the setting
that is best on it and reports that setting's nDCG@10 on the *other* half, beside the current setting's and the
channel-off setting's (share 0) on the same half: two-fold cross-validation. One JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from typing import Any

from matching import fusion, matcher
from matching.config import MatcherConfig
from matching.eval import evaluate

# Each knob: the module attributes a setting assigns, in the order of a setting's values.
KNOBS: dict[str, tuple[tuple[Any, str], ...]] = {
    "dense": ((fusion, "DENSE_SHARE"),),
    "centroid": ((matcher, "CENTROID_SHARE"), (matcher, "FIELD_TEMPERATURE")),
}
DEFAULT_SHARES = {"dense": "0,0.5,1,1.5,2,3", "centroid": "0,0.25,0.5,0.75,1"}


def _mean(rows: list[dict], half: int) -> float:
    picked = [row["ndcg@10"] for n, row in enumerate(rows) if n % 2 == half]
    return sum(picked) / max(1, len(picked))


def _values(text: str) -> list[float]:
    return sorted({float(value) for value in text.split(",")})


def settings(
    knob: str, shares: str | None, temperatures: str
) -> tuple[list[tuple[float, ...]], tuple[float, ...]]:
    """The settings tried (each a tuple of the knob's values) and the current one (always among them)."""
    attributes = KNOBS[knob]
    current = tuple(float(getattr(module, name)) for module, name in attributes)
    share_values = _values(shares or DEFAULT_SHARES[knob])
    tried: list[tuple[float, ...]]
    if knob == "dense":
        tried = [(share,) for share in share_values]
    else:
        tried = [
            (share, t) for share, t in itertools.product(share_values, _values(temperatures)) if share > 0
        ]
        tried.append((0.0, current[1]))
    return sorted(set(tried) | {current}), current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.share_cv", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="BEIR folder (see matching.eval)")
    parser.add_argument("--knob", choices=sorted(KNOBS), default="dense")
    parser.add_argument("--shares", help="the share values tried (see above for the defaults)")
    parser.add_argument("--temperatures", default="0.001,0.002,0.005,0.01", help="centroid knob only")
    args = parser.parse_args(argv)
    if not os.environ.get("E5_URL"):
        print(
            "error: E5_URL names no embeddings service: there is no dense reading to weigh", file=sys.stderr
        )
        return 2
    tried, current = settings(args.knob, args.shares, args.temperatures)
    attributes = KNOBS[args.knob]
    config = MatcherConfig.from_mapping({"E5_URL": os.environ["E5_URL"]})
    halves: dict[tuple[float, ...], tuple[float, float]] = {}
    try:
        for setting in tried:
            for (module, name), value in zip(attributes, setting, strict=True):
                setattr(module, name, value)
            rows: list[dict] = []
            result = evaluate(args.folder, config, rows)
            if result.get("e5") != "used":
                print("error: the e5 channel was skipped (service down?)", file=sys.stderr)
                return 2
            halves[setting] = (_mean(rows, 0), _mean(rows, 1))
    finally:
        for (module, name), value in zip(attributes, current, strict=True):
            setattr(module, name, value)
    off = next(setting for setting in tried if setting[0] == 0.0)
    folds: list[dict[str, Any]] = []
    for tuned, held in ((0, 1), (1, 0)):
        best = max(tried, key=lambda s: (halves[s][tuned], s == current))
        folds.append(
            {
                "tuned_on_half": tuned,
                "picked": list(best),
                "ndcg@10_held_out": round(halves[best][held], 4),
                "current_held_out": round(halves[current][held], 4),
                "channel_off_held_out": round(halves[off][held], 4),
            }
        )
    report = {
        "set": os.path.basename(os.path.normpath(args.folder)),
        "knob": args.knob,
        "settings": [name for _module, name in attributes],
        "current": list(current),
        "by_setting": {
            ",".join(str(v) for v in s): [round(a, 4), round(b, 4)] for s, (a, b) in halves.items()
        },
        "folds": folds,
        "cv_ndcg@10": round(sum(float(f["ndcg@10_held_out"]) for f in folds) / 2, 4),
        "cv_channel_off": round(sum(float(f["channel_off_held_out"]) for f in folds) / 2, 4),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
