"""Settings: validated once at start-up, a secret required outside debug and tests, each knob reaches its user."""

import pytest

from app import create_app
from app.config import PUBLIC_DEV_SECRET, ConfigError, Settings, load_settings
from app.market.services.indexes import vector_index
from indexing.meili import MeiliBackend


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No configuration from the machine running the tests; the instance folder in tmp_path."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    return monkeypatch


def test_refuses_to_start_without_secret_key_in_production(clean_env):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    clean_env.setenv("SECRET_KEY", PUBLIC_DEV_SECRET)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("key", ["x", "short-but-not-empty", "y" * 31])
def test_refuses_a_secret_key_short_enough_to_guess(clean_env, key):
    clean_env.setenv("SECRET_KEY", key)
    with pytest.raises(
        ConfigError, match=f"SECRET_KEY is too short \\({len(key)} characters\\): use at least 32"
    ):
        create_app()
    clean_env.setenv("FLASK_DEBUG", "1")
    assert create_app().config["SECRET_KEY"] == key  # debug (and tests) take any key


def test_starts_with_a_configured_secret_and_secure_cookies(clean_env):
    clean_env.setenv("SECRET_KEY", "a-long-random-production-value-0123456789")
    app = create_app()
    assert app.config["SECRET_KEY"] == "a-long-random-production-value-0123456789"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    clean_env.setenv("SESSION_COOKIE_SECURE", "0")
    assert create_app().config["SESSION_COOKIE_SECURE"] is False


def test_debug_without_secret_gets_a_private_random_key(clean_env):
    clean_env.setenv("FLASK_DEBUG", "1")
    first, second = create_app(), create_app()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"] != PUBLIC_DEV_SECRET
    assert first.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAGE_SIZE", "abc"),
        ("PAGE_SIZE", "0"),
        ("LISTING_TTL_DAYS", "-3"),
        ("SEARCH_BACKEND", "elastic"),
        ("INDEX_WORKER_IN_PROCESS", "maybe"),
        ("LOG_FORMAT", "xml"),
        ("MATCH_EXACT_LIMIT", "many"),
        ("MATCH_POOL", "3"),
        ("MATCH_CHANNELS", "lexical,magic"),
        ("MATCH_ENCODERS", "bert"),
        ("MATCH_MODEL", "/no/such/model"),
        ("MEILI_INDEX_PREFIX", "a b"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_setting(clean_env, name, value):
    clean_env.setenv("SECRET_KEY", "x" * 32)
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        create_app()
    assert name in str(error.value)


def test_meilisearch_needs_its_url(clean_env):
    clean_env.setenv("SEARCH_BACKEND", "meilisearch")
    with pytest.raises(ConfigError, match="MEILI_URL"):
        load_settings("/tmp")


def test_defaults_are_the_ones_their_users_have(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    # The app and the backend name the same index when nothing is configured.
    assert MeiliBackend(url="http://127.0.0.1:9").uid == f"{settings.MEILI_INDEX_PREFIX}listings"
    assert settings.DATABASE_URL == f"sqlite:///{tmp_path}/mic.sqlite3"
    assert settings.VECTOR_DIR == f"{tmp_path}/vectors"
    assert settings.PAGE_SIZE == 20 and settings.INDEX_WORKER_IN_PROCESS is False


def test_matcher_settings_reach_the_matcher(clean_env):
    clean_env.setenv("SECRET_KEY", "x" * 32)
    for name, value in {
        "MATCH_EXACT_LIMIT": "777",
        "MATCH_LSA_DIM": "64",
        "MATCH_NPROBE": "4",
        "MATCH_POOL": "50",
        "MATCH_CHANNELS": "lexical,structured",
    }.items():
        clean_env.setenv(name, value)
    app = create_app()
    config = vector_index(app).config
    assert (config.exact_limit, config.lsa_dim, config.nprobe, config.pool) == (777, 64, 4, 50)
    assert config.channels == ("lexical", "structured")
