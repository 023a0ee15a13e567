"""Fixtures shared by every test: an app on a migrated database, a client, a session, logins, factories.

The database is SQLite by default; a module opts into PostgreSQL too with
`pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)`.

Whatever the shell exports, every app here is built from the mapping its fixture gives: the settings the app would
read from the environment are removed for the whole run (see `_no_settings_from_the_shell`).
"""

import os
import shutil

import pytest
from sqlalchemy import make_url, text
from sqlmodel import Session, SQLModel

from app import create_app
from app.config import Settings
from app.db import make_engine
from app.migrate import upgrade
from matching.text import set_user_dictionary

# The deal tests' `world` and `tokens` (a module may define its own of the same name).
pytest_plugins = ["tests.utils.deal_fixtures", "tests.utils.compile_caches"]

BACKENDS = ["sqlite", "postgres"]

# Read by the suite itself (the services it is given, and whether their absence fails or skips): kept.
SUITE_VARIABLES = frozenset(
    {"DATABASE_URL_TEST", "MEILI_URL", "MEILI_KEY", "REQUIRE_SERVICES", "E5_URL_TEST"}
)
# Everything create_app would take from the environment: every setting, the instance folder, Flask's debug switch.
APP_VARIABLES = frozenset(Settings.model_fields) | {"INSTANCE_PATH", "FLASK_DEBUG", "FLASK_APP"}


@pytest.fixture(scope="session", autouse=True)
def _no_settings_from_the_shell():
    """A production shell (SEARCH_BACKEND=meilisearch, DATABASE_URL, MATCH_*...) must not reach the apps under test.

    The suite's own service variables stay: the fixtures that need Meilisearch pass its URL to the app explicitly.
    Everything removed is put back when the run ends.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in APP_VARIABLES - SUITE_VARIABLES:
            patch.delenv(name, raising=False)
        yield


def require_service(env: str, what: str) -> str:
    """The service's URL from the environment; skipped without it, failed under `make test`."""
    value = os.environ.get(env)
    if not value:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{env} is not set: {what} is required (make test starts it)")
        pytest.skip(f"{env} not set: no {what}")
    return value


@pytest.fixture(autouse=True)
def _plain_text_analysis():
    """Every test starts from jieba's own dictionary: an app made earlier must not change how text is cut."""
    set_user_dictionary()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _worker_database(url: str) -> str:
    """Under `pytest -n`, each worker gets a database of its own beside the given one, made on first use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url():
    url = _worker_database(require_service("DATABASE_URL_TEST", "PostgreSQL"))
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_emptier(postgres_url):
    """Empties the test database between tests, as TRUNCATE ... RESTART IDENTITY of every table would.

    TRUNCATE of all the tables takes about a second a test (each table gets new files); a test writes to a
    handful, so only the tables holding rows are emptied, and only the sequences that moved are restarted: a few
    milliseconds. DELETE, in reverse dependency order, except for the tables whose triggers refuse it (the
    append-only logs), which are truncated first.
    """
    engine = make_engine(postgres_url)
    tables = SQLModel.metadata.sorted_tables
    holding = text(
        " UNION ALL ".join(
            f"SELECT '{t.name}' FROM (SELECT 1 FROM \"{t.name}\" LIMIT 1) AS t{i}"
            for i, t in enumerate(tables)
        )
    )
    moved = text("SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
    with engine.connect() as conn:
        # Tables with a trigger on DELETE (tgtype bit 3) of their own.
        guarded = {
            row[0]
            for row in conn.execute(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal AND (t.tgtype & 8) <> 0"
                )
            )
        }

    def empty() -> None:
        with engine.begin() as conn:
            full = {row[0] for row in conn.execute(holding)}
            if full & guarded:
                names = ", ".join(f'"{name}"' for name in sorted(full & guarded))
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            for table in reversed(tables):
                if table.name in full - guarded:
                    conn.execute(text(f'DELETE FROM "{table.name}"'))
            for schema, sequence in conn.execute(moved).all():
                conn.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))

    yield empty
    engine.dispose()


@pytest.fixture
def backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(backend, request, tmp_path, sqlite_template):
    if backend == "sqlite":
        path = tmp_path / "mic.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    request.getfixturevalue("postgres_emptier")()
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def search_config():
    """Search settings of the app under test; modules override it to run on Meilisearch too."""
    return {}


@pytest.fixture
def limits_config():
    """Rate limits of the app under test: off, so the suite never trips them; modules that test them override."""
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def app(database_url, tmp_path, search_config, limits_config):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "SEARCH_PATH": str(tmp_path / "search.sqlite3"),
            "VECTOR_DIR": str(tmp_path / "vectors"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            # The suite's Meilisearch is read from the environment only by the modules that ask for it.
            "SEARCH_BACKEND": "fts5",
            "MEILI_URL": "",
            "MEILI_KEY": "",
            **search_config,
            **limits_config,
        }
    )
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session on the app's database; factories find the app in `session.info` to call services.

    No app context stays pushed here: requests made by the test client must each get their own `g`.
    """
    with Session(app.extensions["db_engine"], expire_on_commit=False, info={"app": app}) as session:
        yield session


@pytest.fixture
def enterprise(session):
    """A registered enterprise's first user."""
    from tests.utils.factories import create_user

    return create_user(session, "enterprise")


@pytest.fixture
def university(session):
    """A registered university's first user (a center-side poster)."""
    from tests.utils.factories import create_user

    return create_user(session, "university", industries=["new_materials"])


class AuthActions:
    """Log in and out through the real forms (CSRF included)."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str | None = None):
        from tests.utils.factories import PASSWORD
        from tests.utils.web import csrf_token

        password = password or PASSWORD

        token = csrf_token(self._client, "/auth/login")
        return self._client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        from tests.utils.web import csrf_token

        return self._client.post("/auth/logout", data={"csrf_token": csrf_token(self._client, "/")})


@pytest.fixture
def auth(client):
    return AuthActions(client)
