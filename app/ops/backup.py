"""Backups: one directory holding the database, the uploads and a manifest that vouches for both.

The database copy is consistent on its own (pg_dump reads one snapshot; SQLite's online backup API copies one
committed state), and the row counts in the manifest come from that same state. Uploads are copied after the
database, so every file a backed-up row names is already on disk; a file uploaded meanwhile is merely extra.
A restore checks everything it can before it touches the target: the manifest, every file's SHA-256, the schema
revision and that the target is empty.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlmodel import SQLModel

from app.config import ROOT
from app.db import make_engine
from app.market.services import indexes
from app.migrate import alembic_config

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
RESTORE_LOCK_TIMEOUT = "30s"


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why and what to do."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def code_revision(engine: Engine) -> str | None:
    """The newest migration this code knows: a backup must be at this revision to be restored by it."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def row_counts(connection: Connection) -> dict[str, int]:
    """Rows of every table the models define (and the schema holds), by table name."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
        if table.name in present
    }


def _kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {kind}")
    return kind


# --- PostgreSQL tools -------------------------------------------------------------------------------------------


def _pg_tool(name: str, server_major: int) -> str:
    """The client tool of the server's major version, or a newer one: pg_dump refuses an older server's
    sibling only when it is older than the server, and pg_restore reads the dumps of its own and older versions."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    for path in candidates:
        if int(path.parts[-3]) >= server_major:
            return str(path)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL {server_major} client (postgresql-client)"
        )
    return found


def _pg_env(url: URL) -> dict[str, str]:
    """libpq settings in the environment, so the password never appears in a process listing."""
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[var] = str(value)
    if "sslmode" in url.query:
        env["PGSSLMODE"] = str(url.query["sslmode"])
    return env


def _server_major(connection: Connection) -> int:
    return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")


# --- create -----------------------------------------------------------------------------------------------------


def create(*, app: Flask, directory: Path) -> dict:
    """Write a backup into `directory` (new or empty) and return its manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup")
    directory.mkdir(parents=True, exist_ok=True)
    engine: Engine = app.extensions["db_engine"]
    kind = _kind(engine)
    database_file = directory / DATABASE_FILES[kind]
    if kind == "postgresql":
        revision, counts = _dump_postgres(engine, database_file)
    else:
        revision, counts = _copy_sqlite(engine, database_file)
    files = {database_file.name: sha256(database_file)}
    uploads = Path(app.config["UPLOAD_DIR"])
    target = directory / "uploads"
    target.mkdir()
    if uploads.is_dir():
        for path in sorted(p for p in uploads.rglob("*") if p.is_file()):
            relative = path.relative_to(uploads)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            files[f"uploads/{relative.as_posix()}"] = sha256(target / relative)
    manifest = {
        "format": FORMAT,
        "app_version": app_version(),
        "alembic_revision": revision,
        "database": kind,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": counts,
        "files": files,
    }
    # Written last and renamed into place: a directory with a manifest is a finished backup.
    partial = directory / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    partial.replace(directory / MANIFEST)
    return manifest


def _dump_postgres(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump from a snapshot exported by a transaction that also counts the rows, so both see the same state."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            revision, counts = _revision(connection), row_counts(connection)
            pg_dump = _pg_tool("pg_dump", _server_major(connection))
            # The snapshot lives only while this transaction is open, so pg_dump runs inside it.
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(target),
                ],
                _pg_env(engine.url),
                "pg_dump",
            )
    return revision, counts


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _copy_sqlite(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    source = sqlite3.connect(_sqlite_path(engine))
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()
    # Counted from the copy itself, which no one else writes to.
    copy = make_engine(f"sqlite:///{target}")
    try:
        with copy.connect() as connection:
            return _revision(connection), row_counts(connection)
    finally:
        copy.dispose()


# --- restore ----------------------------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} holds no {MANIFEST}: not a finished backup")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{MANIFEST} is unreadable ({exc}): the backup is damaged") from None
    missing = [k for k in ("format", "alembic_revision", "database", "tables", "files") if k not in manifest]
    if missing or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} is not a backup manifest of format {FORMAT}: the backup is damaged")
    return manifest


def verify(directory: Path) -> dict:
    """The manifest, once every file it lists is present with its recorded SHA-256."""
    directory = Path(directory).resolve()
    manifest = read_manifest(directory)
    for name, expected in manifest["files"].items():
        path = (directory / name).resolve()
        if not path.is_relative_to(directory):
            raise BackupError(f"the manifest names a file outside the backup: {name}")
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if sha256(path) != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup is damaged")
    if DATABASE_FILES.get(manifest["database"]) not in manifest["files"]:
        raise BackupError("the manifest lists no database file: the backup is damaged")
    return manifest


def restore(*, app: Flask, directory: Path, force: bool = False) -> dict:
    """Restore the backup in `directory` into this app's database and upload folder, then rebuild the search
    index and the vector stores; returns the manifest."""
    directory = Path(directory).resolve()
    manifest = verify(directory)
    engine: Engine = app.extensions["db_engine"]
    kind = _kind(engine)
    if manifest["database"] != kind:
        raise BackupError(
            f"this is a {manifest['database']} backup and the database here is {kind}: "
            "restore it into the same kind of database"
        )
    expected = code_revision(engine)
    if manifest["alembic_revision"] != expected:
        raise BackupError(
            f"the backup's schema is at revision {manifest['alembic_revision']} but this code "
            f"expects {expected}: restore with the release that made the backup"
        )
    uploads = Path(app.config["UPLOAD_DIR"])
    if not force:
        with engine.connect() as connection:
            filled = sorted(name for name, n in row_counts(connection).items() if n)
        if filled:
            shown = ", ".join(filled[:5]) + (", ..." if len(filled) > 5 else "")
            raise BackupError(
                f"the database is not empty ({shown}): restore into a fresh instance, or pass --force "
                "to replace everything in it"
            )
        if uploads.is_dir() and any(p.is_file() for p in uploads.rglob("*")):
            raise BackupError(f"the upload folder {uploads} is not empty: use a fresh one or pass --force")
    database_file = directory / DATABASE_FILES[kind]
    if kind == "postgresql":
        _restore_postgres(engine, database_file)
    else:
        _restore_sqlite(engine, database_file)
    with engine.connect() as connection:
        counts = row_counts(connection)
    if counts != manifest["tables"]:
        differ = sorted(
            t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t)
        )
        raise BackupError(f"the restored row counts differ from the manifest in {', '.join(differ)}")
    _restore_uploads(manifest, directory, uploads)
    indexes.rebuild(app)
    return manifest


def _restore_postgres(engine: Engine, dump: Path) -> None:
    with engine.connect() as connection:
        pg_restore = _pg_tool("pg_restore", _server_major(connection))
    engine.dispose()
    # One transaction: a failure leaves the database as it was. --clean drops what the dump recreates, which waits
    # for every open transaction on those tables; the lock timeout turns a running app into a clear failure.
    env = {**_pg_env(engine.url), "PGOPTIONS": f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}"}
    assert engine.url.database is not None  # a PostgreSQL URL names its database
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            engine.url.database,
            str(dump),
        ],
        env,
        "pg_restore (stop the app and its index worker before restoring)",
    )


def _restore_sqlite(engine: Engine, copy: Path) -> None:
    engine.dispose()
    source = sqlite3.connect(copy)
    destination = sqlite3.connect(_sqlite_path(engine), timeout=30)
    try:
        # The backup API replaces the whole target database in one step, under its write lock.
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _restore_uploads(manifest: dict, directory: Path, uploads: Path) -> None:
    if uploads.is_dir():
        for path in uploads.rglob("*"):
            if path.is_file():
                path.unlink()
    uploads.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        if name.startswith("uploads/"):
            target = uploads / name.removeprefix("uploads/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(directory / name, target)
