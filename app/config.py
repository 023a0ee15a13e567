"""Configuration, read from the environment once; code reads `current_app.config`."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Defaults for the embedded path; every one can be set in the environment."""

    def __init__(self, instance_path: str):
        instance = Path(instance_path)
        self.SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
        self.DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'mic.sqlite3'}")
        # Published listings expire unless their owner reconfirms them within this many days.
        self.LISTING_TTL_DAYS = _env_int("LISTING_TTL_DAYS", 180)
        self.API_TOKEN_TTL_HOURS = _env_int("API_TOKEN_TTL_HOURS", 24 * 30)
        self.PAGE_SIZE = _env_int("PAGE_SIZE", 20)
        self.INDUSTRY_TAXONOMY = os.environ.get("INDUSTRY_TAXONOMY", str(ROOT / "app" / "data" / "industries.yaml"))
        self.REGIONS_FILE = os.environ.get("REGIONS_FILE", str(ROOT / "app" / "data" / "regions.yaml"))
        # The privacy notice and terms of use shown at registration (see app/services/legal.py).
        self.LEGAL_DIR = os.environ.get("LEGAL_DIR", str(ROOT / "app" / "data" / "legal"))
        self.SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "fts5")
        self.SEARCH_PATH = os.environ.get("SEARCH_PATH", str(instance / "search.sqlite3"))
        self.MEILI_URL = os.environ.get("MEILI_URL", "")
        self.MEILI_KEY = os.environ.get("MEILI_KEY", "")
        self.MEILI_INDEX_PREFIX = os.environ.get("MEILI_INDEX_PREFIX", "mic")
        self.VECTOR_DIR = os.environ.get("VECTOR_DIR", str(instance / "vectors"))
        self.MATCH_MODEL = os.environ.get("MATCH_MODEL") or None
        self.MATCH_ENCODERS = os.environ.get("MATCH_ENCODERS", "")
        # This host's name for its outbox cursors: give each app host its own, so each keeps its FAISS copy current.
        self.INDEX_CONSUMER = os.environ.get("INDEX_CONSUMER", "main")
        # Run the outbox worker in a thread of the web process (the embedded path); production runs `flask index worker`.
        self.INDEX_WORKER_IN_PROCESS = os.environ.get("INDEX_WORKER_IN_PROCESS", "0") == "1"
        # Bodies above this are refused with 413 before they reach a view.
        self.MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
        self.BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
        self.LANGUAGES = ["zh_Hans_CN", "en"]
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.WTF_CSRF_TIME_LIMIT = None
