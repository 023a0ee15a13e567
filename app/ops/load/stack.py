"""The system under load: a cached PostgreSQL database grown to a large market, and the processes that serve it.

The database (`mic_load`) and its indexes (search file, vector stores, under `CACHE_DIR`) persist between runs:
growth and the index rebuild happen once; later runs apply only what earlier runs posted, through the outbox.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from app.config import ROOT

CACHE_DIR = ROOT / ".cache" / "load"
DATABASE = "mic_load"
GROW_SEED = 1
# The outbox cursors of this stack's index worker; fixed so a later run resumes where the last one stopped.
CONSUMER = "load"


def log(message: str) -> None:
    # Progress goes to stderr: stdout carries the report, whose last line a script may parse.
    print(f"load: {message}", file=sys.stderr, flush=True)


def _psql(port: int, sql: str) -> str:
    """Run SQL as the cluster's superuser (over its local trust, as root), returning unaligned output."""
    command = ["psql", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-c", sql]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def ensure_database(*, port: int, cache_dir: Path = CACHE_DIR) -> str:
    """Create the role and database `mic_load` if missing; return its URL. Never drops anything.

    The role's password is made once and kept (mode 0600) beside the cached indexes; only a role with no
    known password (its file was deleted) gets a new one.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    secret = cache_dir / "pg-password"
    known = secret.exists()
    password = secret.read_text().strip() if known else secrets.token_hex(16)
    exists = _psql(port, f"SELECT 1 FROM pg_roles WHERE rolname = '{DATABASE}'") == "1"
    if not exists:
        _psql(port, f"CREATE ROLE {DATABASE} LOGIN PASSWORD '{password}'")
    elif not known:
        _psql(port, f"ALTER ROLE {DATABASE} PASSWORD '{password}'")
    if not known:
        secret.touch(mode=0o600)
        secret.write_text(password)
    if _psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'") != "1":
        _psql(port, f"CREATE DATABASE {DATABASE} OWNER {DATABASE}")
    return f"postgresql+psycopg://{DATABASE}:{password}@127.0.0.1:{port}/{DATABASE}"


def app_environment(database_url: str, cache_dir: Path = CACHE_DIR) -> dict[str, str]:
    """The environment of every app process of the stack: production settings, this stack's paths and names."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(cache_dir / "instance"),
            "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_hex(32),
            "INDEX_CONSUMER": CONSUMER,
            # Plain HTTP on 127.0.0.1, as under `make run`; production keeps the cookie Secure.
            "SESSION_COOKIE_SECURE": "0",
            "LOG_LEVEL": env.get("LOG_LEVEL") or "WARNING",
            # Every simulated user comes from 127.0.0.1, so the per-address limits meant for one person would
            # count the whole crowd as one: they are raised here, and nothing else (per-account, per-user write
            # and feedback limits stay as configured).
            "RATE_LIMIT_LOGIN_ADDRESS": env.get("RATE_LIMIT_LOGIN_ADDRESS") or "1000 per minute",
            "RATE_LIMIT_TOKEN": env.get("RATE_LIMIT_TOKEN") or "1000 per hour",
        }
    )
    return env


def flask(env: dict[str, str], *args: str) -> str:
    """Run one `flask --app app` command of the stack, failing loudly; returns its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def _index_marker(env: dict[str, str]) -> str:
    # What the cached indexes were built from: the database and the search backend they belong to.
    url = env["DATABASE_URL"].split("@", 1)[-1]
    return f"{url} {env.get('SEARCH_BACKEND') or 'fts5'} {env.get('MEILI_INDEX_PREFIX') or ''}"


def prepare(*, env: dict[str, str], listings: int) -> None:
    """Migrate, load the demo, grow it to `listings` once, and rebuild the indexes when they are not current."""
    log(flask(env, "db", "upgrade"))
    log(flask(env, "demo", "load").splitlines()[0])
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        grown = (
            connection.execute(
                text("SELECT 1 FROM organization WHERE demo_key = :k"), {"k": f"grow-{GROW_SEED}-0"}
            ).first()
            is not None
        )
    engine.dispose()
    marker = Path(env["INSTANCE_PATH"]) / "load-indexes"
    if grown:
        log(f"database already grown (seed {GROW_SEED}): growth skipped")
    else:
        log(f"growing the market by {listings} listings (seed {GROW_SEED})")
        log(
            flask(env, "demo", "grow", "--listings", str(listings), "--seed", str(GROW_SEED)).splitlines()[-1]
        )
        marker.unlink(missing_ok=True)
    if marker.exists() and marker.read_text() == _index_marker(env):
        log("indexes cached: the index worker applies what changed since")
        return
    log("rebuilding the search index and vector stores (once; several minutes at 100k)")
    started = time.perf_counter()
    log(flask(env, "index", "rebuild") + f" in {time.perf_counter() - started:.0f} s")
    marker.write_text(_index_marker(env))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """gunicorn (`-w 2`) and one `flask index worker`, started together and stopped together."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        logfile = open(Path(self.env["INSTANCE_PATH"]) / f"{name}.log", "ab")
        # Its own process group, so stopping it reaches every child (gunicorn's workers).
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        logfile.close()
        self.processes.append(process)
        return process

    def start(self, *, timeout: float = 180.0) -> None:
        """Start both and wait until the app answers healthy; threads let a quick request pass a slow one."""
        bin_dir = Path(sys.executable).parent
        self._spawn("index-worker", [sys.executable, "-m", "flask", "--app", "app", "index", "worker"])
        self._spawn(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--threads",
                "4",
                "--timeout",
                "60",
                "app:create_app()",
            ],
        )
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float) -> None:
        """Until several health checks in a row pass (each may meet either worker, each loads its vectors)."""
        deadline, streak = time.monotonic() + timeout, 0
        while streak < 6:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{process.args[0]} exited with {process.returncode}; see "  # type: ignore[index, str-bytes-safe]  # started from a list of str
                        f"{self.env['INSTANCE_PATH']}/*.log"
                    )
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not become healthy in {timeout:.0f} s")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    streak = streak + 1 if response.status == 200 else 0
            except OSError:
                streak = 0
            time.sleep(0.5)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def cluster_port() -> int:
    return int(os.environ.get("PG_TEST_PORT") or 54329)
