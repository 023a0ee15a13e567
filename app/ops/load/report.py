"""The run's summary from Locust's statistics: one row per endpoint, and the one JSON line a script reads.

Input is Locust's own `--csv` statistics file (`<prefix>_stats.csv`), the form its results leave the Locust
process in. The targets (p95 of every read endpoint, zero errors) are checked here too.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

READ_P95_TARGET_MS = 150.0
AGGREGATE = "Aggregated"


@dataclass(frozen=True)
class EndpointStats:
    """One row of Locust's statistics: an endpoint (method and path pattern) and its latencies in ms."""

    name: str
    requests: int
    errors: int
    rps: float
    p50: float
    p95: float
    p99: float

    @property
    def is_read(self) -> bool:
        return self.name.startswith("GET ")

    @property
    def meets_target(self) -> bool:
        return self.errors == 0 and (not self.is_read or self.p95 <= READ_P95_TARGET_MS)


def _number(value: str) -> float:
    # Locust writes "N/A" for a percentile of an endpoint with no successful request.
    try:
        return float(value)
    except ValueError:
        return 0.0


def read_stats(path: Path) -> tuple[list[EndpointStats], EndpointStats]:
    """The endpoints (sorted by name) and the aggregate row of a Locust `_stats.csv` file."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            # The locustfile names each request "METHOD /pattern", so the name alone identifies an endpoint.
            rows.append(
                EndpointStats(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    errors=int(row["Failure Count"]),
                    rps=_number(row["Requests/s"]),
                    p50=_number(row["50%"]),
                    p95=_number(row["95%"]),
                    p99=_number(row["99%"]),
                )
            )
    total = next((r for r in rows if r.name == AGGREGATE), None)
    if total is None:
        raise ValueError(f"{path} has no {AGGREGATE} row: not a Locust statistics file")
    return sorted((r for r in rows if r.name != AGGREGATE), key=lambda r: r.name), total


def table(endpoints: list[EndpointStats], total: EndpointStats) -> str:
    """A fixed-width table, one endpoint a line, the aggregate last; reads missing a target are marked."""
    width = max(len(r.name) for r in [*endpoints, total])
    lines = [
        f"{'endpoint':<{width}}  {'requests':>8}  {'errors':>6}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}",
        "-" * (width + 46),
    ]
    for row in [*endpoints, total]:
        flag = "" if row is total or row.meets_target else "  << target missed"
        lines.append(
            f"{row.name:<{width}}  {row.requests:>8}  {row.errors:>6}  {row.p50:>7.0f}  {row.p95:>7.0f}"
            f"  {row.p99:>7.0f}{flag}"
        )
    return "\n".join(lines)


def summary_line(total: EndpointStats, *, users: int, seconds: float) -> str:
    """The last line of the run's output: the whole mix as one JSON object."""
    return json.dumps(
        {
            "users": users,
            "seconds": seconds,
            "requests": total.requests,
            "rps": round(total.requests / seconds, 1) if seconds else 0.0,
            "errors": total.errors,
            "p50_ms": total.p50,
            "p95_ms": total.p95,
            "p99_ms": total.p99,
        }
    )


def verdict(endpoints: list[EndpointStats]) -> str:
    missed = [r.name for r in endpoints if not r.meets_target]
    return (
        "targets met: every read endpoint p95 <= 150 ms, no errors"
        if not missed
        else f"targets missed by: {', '.join(missed)}"
    )
