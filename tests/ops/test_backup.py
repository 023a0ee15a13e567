"""`flask backup create|restore`: a round trip gives back every row and upload, and a bad backup is refused."""

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlmodel import Session, SQLModel

from app import create_app
from app.market.services import indexes
from app.migrate import upgrade
from app.ops import demo
from indexing import SearchQuery
from models import Need
from tests.conftest import BACKENDS
from tests.utils.factories import create_need, create_user

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def search_config():
    return {"SEARCH_BACKEND": "fts5"}


def table_rows(app) -> dict[str, list[tuple]]:
    """Every row of every model table, in primary-key order."""
    rows = {}
    with app.extensions["db_engine"].connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in connection.execute(select(table).order_by(*key))]
    return rows


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def fresh(app, tmp_path, backend):
    """A second, empty instance: its own uploads and indexes, and an empty database at the current schema.

    On PostgreSQL it is the same database emptied (dropping the schema), which is what a fresh server looks like.
    """

    def make():
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        else:
            url = app.config["DATABASE_URL"]
            app.extensions["db_engine"].dispose()
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": url,
                "SEARCH_BACKEND": "fts5",
                "SEARCH_PATH": str(tmp_path / "restored-search.sqlite3"),
                "VECTOR_DIR": str(tmp_path / "restored-vectors"),
                "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
                "RATELIMIT_ENABLED": False,
            }
        )
        engine = other.extensions["db_engine"]
        if backend == "postgres":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        return other

    made = []
    yield lambda: made.append(make()) or made[-1]
    for other in made:
        other.extensions["db_engine"].dispose()


@pytest.fixture
def market(app, session):
    """The demo marketplace plus two conversation attachments on disk."""
    with app.app_context():
        demo.load_demo(session=session, ttl_days=180)
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / "ab").mkdir(parents=True)
    (uploads / "0123456789abcdef0123456789abcdef").write_bytes(b"%PDF-1.4 contract draft")
    (uploads / "ab" / "fedcba9876543210fedcba9876543210").write_bytes(bytes(range(256)) * 40)
    return app


def test_round_trip_gives_back_every_row_and_upload(market, runner, fresh, tmp_path):
    before, uploads_before = table_rows(market), files_under(Path(market.config["UPLOAD_DIR"]))
    result = runner.invoke(args=["backup", "create", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert manifest["tables"]["need"] == len(before["need"]) > 0
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}
    assert manifest["database"] in ("sqlite", "postgresql") and manifest["alembic_revision"]
    assert len(manifest["files"]) == 3

    restored = fresh()
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    after = table_rows(restored)
    # The rebuild after a restore sets this instance's outbox cursors; every other table comes back as it was.
    consumer = restored.config["INDEX_CONSUMER"]
    assert [row[0] for row in after.pop("sync_cursor")] == [f"{consumer}:search", f"{consumer}:vectors"]
    for name in after:
        assert after[name] == before[name], name
    assert files_under(Path(restored.config["UPLOAD_DIR"])) == uploads_before
    # Search and vectors were rebuilt from the restored rows.
    with restored.app_context():
        title = before["need"][0][list(Need.__table__.columns.keys()).index("title")]
        hits = indexes.search_backend(restored).search(SearchQuery(text=title, type="need"))
        assert hits.total > 0
        assert indexes.vector_index(restored).matcher() is not None


def test_a_corrupted_backup_is_refused_and_nothing_is_written(market, runner, fresh, tmp_path):
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0
    upload = tmp_path / "bk" / "uploads" / "0123456789abcdef0123456789abcdef"
    upload.write_bytes(upload.read_bytes().replace(b"draft", b"DRAFT"))
    restored = fresh()
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0
    assert "uploads/0123456789abcdef0123456789abcdef does not match its SHA-256" in result.output
    with Session(restored.extensions["db_engine"]) as session:
        assert session.exec(select(Need)).first() is None
    assert not Path(restored.config["UPLOAD_DIR"]).exists() or not files_under(
        Path(restored.config["UPLOAD_DIR"])
    )


def test_a_missing_file_or_manifest_is_refused(market, runner, fresh, tmp_path):
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0
    restored = fresh().test_cli_runner()
    (tmp_path / "bk" / "uploads" / "ab" / "fedcba9876543210fedcba9876543210").unlink()
    result = restored.invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "is missing from the backup" in result.output
    (tmp_path / "bk" / "manifest.json").unlink()
    result = restored.invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "not a finished backup" in result.output


def test_another_schema_revision_is_refused(market, runner, fresh, tmp_path):
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0
    path = tmp_path / "bk" / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "alembic_revision": "0000"}))
    result = fresh().test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "revision 0000" in result.output


def test_a_database_in_use_is_kept_unless_forced(market, runner, session, tmp_path):
    assert runner.invoke(args=["backup", "create", str(tmp_path / "bk")]).exit_code == 0
    user = create_user(session)
    extra_id = create_need(session, user, title="备份之后发布的需求").id
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "not empty" in result.output
    assert session.get(Need, extra_id) is not None
    # A restore replaces tables, so it waits for open transactions: the app is stopped while it runs.
    session.close()

    result = runner.invoke(args=["backup", "restore", "--force", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Need, extra_id) is None


def test_a_backup_taken_while_listings_are_written_is_consistent(market, runner, fresh, tmp_path):
    """A writer keeps adding needs during the backup; the copy holds one state, so its counts match its rows."""
    user_session = Session(market.extensions["db_engine"], info={"app": market})
    user = create_user(user_session)
    stop = threading.Event()

    def write():
        with Session(market.extensions["db_engine"], info={"app": market}) as session:
            n = 0
            while not stop.is_set():
                n += 1
                create_need(session, user, title=f"并发写入的需求{n}")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        results = [runner.invoke(args=["backup", "create", str(tmp_path / f"bk{i}")]) for i in range(2)]
    finally:
        stop.set()
        writer.join()
        user_session.close()
    assert all(r.exit_code == 0 for r in results), [r.output for r in results]
    restored = fresh()
    # The restore itself compares the restored row counts with the manifest and fails on any difference.
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path / "bk1")])
    assert result.exit_code == 0, result.output
    assert inspect(restored.extensions["db_engine"]).has_table("need")
