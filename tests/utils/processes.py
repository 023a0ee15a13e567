"""Real processes for the fault tests: the app under gunicorn, `flask index worker`, a private PostgreSQL server.

Each class starts its process in `start()` and ends it in `stop()`; the fixtures in tests/faults/conftest.py call
`stop()` in a finally, so a failing test leaves nothing running.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from tests.utils.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
PG_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A key as long as the app asks of a process that is not in testing mode (never a real deployment's).
PROCESS_SECRET_KEY = "process-test-key-not-a-secret-0123456789"


def app_env(**settings: str) -> dict[str, str]:
    """The environment of an app process: nothing inherited but PATH, rate limits off, plain HTTP.

    Built from nothing rather than from os.environ, so a setting exported in the shell never reaches the process.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HF_HUB_OFFLINE": "1",
        "SECRET_KEY": PROCESS_SECRET_KEY,
        "RATELIMIT_ENABLED": "0",
        "SESSION_COOKIE_SECURE": "0",
        "SEARCH_BACKEND": "fts5",
        "LOG_LEVEL": "WARNING",
    }
    env.update(settings)
    return env


def children(pid: int) -> set[int]:
    """The ids of a process's direct children (Linux /proc)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return found


def _end(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


class AppServer:
    """`gunicorn -w N` serving create_app() on a free port of 127.0.0.1, with its log in a file."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2):
        self.env, self.log, self.workers = env, log, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> AppServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    str(self.workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    "app:create_app()",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._answers, timeout, interval=0.2, what=f"gunicorn on {self.url} (log {self.log})")
        wait_for(lambda: len(self.worker_pids()) == self.workers, timeout, what="gunicorn workers")
        return self

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(
                f"gunicorn exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}"
            )
        try:
            # The first request of a worker loads the text analyser's dictionaries: seconds on a busy machine.
            return requests.get(self.url + "/healthz", timeout=20).status_code in (200, 503)
        except requests.RequestException:
            return False

    def worker_pids(self) -> set[int]:
        return children(self.proc.pid) if self.proc is not None and self.proc.poll() is None else set()

    def stop(self) -> None:
        if self.proc is not None:
            _end(self.proc)


class IndexWorker:
    """`flask index worker` with its output in a file, so a test can read what it said."""

    def __init__(self, env: dict[str, str], log: Path, poll: float = 0.1):
        self.env, self.log, self.poll = env, log, poll
        self.proc: subprocess.Popen | None = None

    def start(self) -> IndexWorker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-u",
                    "-m",
                    "flask",
                    "--app",
                    "app",
                    "index",
                    "worker",
                    "--poll",
                    str(self.poll),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGINT) -> int:
        """End the worker (SIGINT lets it save its generation); return its exit code."""
        if self.proc is not None:
            _end(self.proc, sig, timeout=30)
            return self.proc.returncode
        return 0


def postgres_missing() -> str | None:
    """Why this machine cannot run a private PostgreSQL server, or None when it can."""
    if os.geteuid() != 0:
        return "not root: cannot run initdb as the postgres user"
    if not PG_ROOTS or not (PG_ROOTS[0] / "initdb").exists():
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres system user"
    return None


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory on a free port, owned by the postgres user.

    Trust authentication on 127.0.0.1 only; it never touches any other cluster on the machine.
    """

    def __init__(self):
        self.bin = PG_ROOTS[0]
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mic-faults-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "server.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/mic"
        self._started = False

    def _as_postgres(self, *args: str, timeout: float = 120) -> None:
        command = " ".join(f"'{arg}'" for arg in args)
        result = subprocess.run(
            ["su", "postgres", "-s", "/bin/sh", "-c", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> PostgresServer:
        pw = pwd.getpwnam("postgres")
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        self._started = True
        self.up()
        self._as_postgres(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "mic"
        )
        return self

    def up(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c shared_buffers=16MB -c max_connections=40"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "start",
        )

    def down(self) -> None:
        """Stop the server the way an administrator's restart does: active sessions are terminated."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            if self._started and (self.data / "postmaster.pid").exists():
                self._as_postgres(
                    str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
                )
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
