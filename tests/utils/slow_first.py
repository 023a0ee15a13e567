"""Under `pytest -n N --dist loadfile` the longest test files are handed out first (a `-p` plugin, pyproject's
addopts).

xdist hands a worker one file at a time from a queue, and by default orders that queue by the number of tests in
each file, most first. The browser walks are files of one to three tests that take 30-70 s each, so they came
last: a worker could start a 70 s walk when the other had nothing left, and the run waited for it. Longest first
(the classic rule for spreading jobs over machines) leaves the short files for the end, where they even out the
workers' finishing times. Only the queue's order changes: every test runs, in its file's order, as before.

How long a file takes comes from the last run on this checkout (each run writes every file's seconds, setup and
teardown included, to .cache/test-durations.json); a file not timed yet is estimated from `KNOWN`, measured on
the 2-core machine, or else from its number of tests. `pytest --durations=25` lists the slowest tests;
.cache/test-durations.json the slowest files.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / ".cache" / "test-durations.json"
# Seconds per file in a whole run (-n 2 on the shared 2-core machine, another job beside it): the files that
# set the run's length.
KNOWN = {
    "tests/e2e/test_finding_posting.py": 144.0,
    "tests/e2e/test_bureau.py": 128.0,
    "tests/api/test_api_fuzz.py": 106.0,
    "tests/e2e/test_contract_path.py": 105.0,
    "tests/ops/test_backup.py": 91.0,
    "tests/e2e/test_deals.py": 90.0,
    "tests/platform/test_access_matrix.py": 70.0,
    "tests/e2e/test_instruments.py": 63.0,
    "tests/ops/test_load.py": 59.0,
    "tests/e2e/test_price_notice.py": 41.0,
    "tests/e2e/test_walkthrough.py": 36.0,
    "tests/e2e/test_financing.py": 36.0,
    "tests/ops/test_grow.py": 36.0,
    "tests/e2e/test_challenge.py": 36.0,
    "tests/market/test_search_and_recommendations.py": 35.0,
    "tests/deals/test_deals_pages.py": 34.0,
    "tests/faults/test_index_workers.py": 32.0,
    "tests/e2e/test_fund.py": 32.0,
    "tests/market/test_languages_and_suggestions.py": 31.0,
    "tests/oversight/test_indicators.py": 30.0,
    "tests/indexing/test_contract.py": 29.0,
    "tests/e2e/test_auction.py": 28.0,
    "tests/web/test_hardening.py": 27.0,
    "tests/api/test_deals_api.py": 26.0,
}
# A file not timed yet and not in KNOWN: this much per test (the suite's mean outside the browser tests).
PER_TEST = 0.4


def estimate(path: str, tests: int, recorded: dict[str, float]) -> float:
    """Seconds the file `path` (of `tests` tests) is expected to take."""
    if path in recorded:
        return recorded[path]
    return KNOWN.get(path, tests * PER_TEST)


def recorded() -> dict[str, float]:
    try:
        data = json.loads(RECORD.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items()} if isinstance(data, dict) else {}


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):
        """xdist's file scheduling, its queue ordered by expected seconds, longest first, before the first
        file is handed out."""

        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:
                self.ordered = True
                seconds = recorded()
                queue = sorted(
                    self.workqueue.items(), key=lambda unit: -estimate(unit[0], len(unit[1]), seconds)
                )
                self.workqueue.clear()
                self.workqueue.update(queue)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


_seconds: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Every phase of every test (the workers' reports reach the controller too), summed by file."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    _seconds[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") or not _seconds:
        return
    merged = {**recorded(), **{path: round(seconds, 2) for path, seconds in _seconds.items()}}
    try:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(dict(sorted(merged.items())), indent=0) + "\n", encoding="utf-8")
    except OSError:
        pass  # a read-only checkout runs in xdist's order by KNOWN alone
