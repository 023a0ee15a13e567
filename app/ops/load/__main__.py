"""`python -m app.ops.load --users 20 --seconds 60`: the load run behind `make load` (see app/ops/load/__init__.py).

Needs a running PostgreSQL cluster on PG_TEST_PORT (default 54329) and root to create the `mic_load` role and
database on it (`make load` starts the cluster with `.ci/postgres.sh cluster` first). Progress goes to
stderr; stdout gets the table, the freshness figures and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from app.config import ROOT
from app.ops.load import report, stack
from app.ops.load.freshness import Api, Freshness, probe
from app.ops.load.plan import build_plan

# Requests before the measured run, so each gunicorn worker has loaded its dictionaries and vectors.
WARMUP_ROUNDS = 6


def _write_plan(env: dict[str, str], path: Path, seed: int) -> dict:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from sqlmodel import Session

        from app import create_app
        from app.db import get_engine
        from app.platform import regions, taxonomy

        app = create_app()
        with app.app_context(), Session(get_engine()) as session:
            plan = build_plan(
                session=session,
                industries=taxonomy.industries(),
                regions=sorted(regions.regions()),
                seed=seed,
            )
            get_engine().dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return plan


def _warm_up(url: str, plan: dict) -> None:
    api = Api(url)
    for _ in range(WARMUP_ROUNDS):
        need = random.choice(plan["listings"]["need"])
        api.call("GET", "/search", q=random.choice(plan["queries"]))
        api.call("GET", f"/needs/{need}/recommendations", kind="license")
        api.call("GET", "/needs", sort="newest")


def _probes(url: str, plan: dict, seconds: float, results: list[Freshness], errors: list[str]) -> None:
    """Post a probe a third and two thirds of the way into the run."""
    api = Api(url)
    try:
        account = plan["providers"][-1]
        api.login(account["email"], plan["password"])
        started = time.monotonic()
        for fraction in (1 / 3, 2 / 3):
            time.sleep(max(0.0, started + seconds * fraction - time.monotonic()))
            results.append(
                probe(api, need_id=random.choice(plan["listings"]["need"]), wait=max(10.0, seconds / 3 - 2))
            )
    except Exception as exc:  # noqa: BLE001 - a failed probe is reported, it does not stop the run
        errors.append(f"{type(exc).__name__}: {exc}")


def _locust(url: str, env: dict[str, str], users: int, seconds: int, prefix: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "app" / "ops" / "load" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(max(1, users // 4)),
        "-t",
        f"{seconds}s",
        "-H",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
    ]
    with open(f"{prefix}.log", "wb") as log:
        # Locust exits 1 when any request failed; the report says which, so that is not the harness failing.
        result = subprocess.run(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"locust exited with {result.returncode}; see {prefix}.log")


def run(users: int, seconds: int, listings: int) -> int:
    url = stack.ensure_database(port=stack.cluster_port())
    env = stack.app_environment(url)
    stack.prepare(env=env, listings=listings)
    run_dir = stack.CACHE_DIR / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    plan_path = run_dir / "plan.json"
    plan = _write_plan(env, plan_path, seed=random.randrange(2**31))
    services = stack.Stack(env)
    try:
        stack.log("starting gunicorn -w 2 and flask index worker")
        services.start()
        _warm_up(services.url, plan)
        stack.log(f"{users} users for {seconds} s against {services.url}")
        freshness: list[Freshness] = []
        probe_errors: list[str] = []
        prober = threading.Thread(
            target=_probes, args=(services.url, plan, seconds, freshness, probe_errors), daemon=True
        )
        started = time.perf_counter()
        prober.start()
        _locust(services.url, {**env, "LOAD_PLAN": str(plan_path)}, users, seconds, run_dir / "locust")
        elapsed = time.perf_counter() - started
        prober.join(timeout=60)
    finally:
        stack.log("stopping gunicorn and the index worker")
        services.stop()
    endpoints, total = report.read_stats(run_dir / "locust_stats.csv")
    print(report.table(endpoints, total))
    print(report.verdict(endpoints))
    for result in freshness:
        print(result.describe())
    for error in probe_errors:
        print(f"freshness probe failed: {error}")
    load1, load5, load15 = os.getloadavg()
    print(
        f"load average at the end: {load1:.2f} {load5:.2f} {load15:.2f}; {len(plan['listings']['need'])} "
        f"sampled needs; measured {elapsed:.0f} s including ramp-up"
    )
    print(report.summary_line(total, users=users, seconds=seconds))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.load", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--listings", type=int, default=100_000, help="how many listings to grow, once")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds < 5 or args.listings < 1:
        parser.error("--users and --listings must be at least 1, --seconds at least 5")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    # `make` passes a Ctrl-C or a kill on as SIGINT/SIGTERM: either way the finally clause stops the stack.
    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run(args.users, args.seconds, args.listings)
    except KeyboardInterrupt:
        stack.log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
