"""Whether this host can serve: its database, its search backend and its vector store."""

from flask import Flask
from sqlalchemy import text

from app.market.services import embeddings
from app.market.services.indexes import search_backend, vector_index


def _database(app: Flask) -> str:
    with app.extensions["db_engine"].connect() as connection:
        connection.execute(text("SELECT 1"))
    return "ok"


def _search(app: Flask) -> str:
    search_backend(app).count()
    return "ok"


def _vectors(app: Flask) -> str:
    # Until the first rebuild there is nothing to recommend from: the host is up but not ready.
    return "ok" if vector_index(app).matcher() is not None else "not built"


CHECKS = {"database": _database, "search": _search, "vectors": _vectors}
# Parts the host serves without: reported, never a reason to take the host out of the load balancer.
OPTIONAL = {"embeddings": embeddings.service_state}


def check(*, app: Flask) -> tuple[bool, dict[str, str]]:
    """Each part's state ("ok" or what is wrong); healthy only when every required part is ok.

    The embeddings service is optional: "up", "down" (the host serves without the multilingual channel:
    degraded, still healthy) or "not configured".
    """
    states = {}
    for name, probe in CHECKS.items():
        try:
            states[name] = probe(app)
        except Exception as exc:  # noqa: BLE001 - a failing part is what this reports, not a crash
            app.logger.warning("health check %s failed: %s", name, exc)
            states[name] = "error"
    healthy = all(state == "ok" for state in states.values())
    for name, probe in OPTIONAL.items():
        states[name] = probe(app)
    return healthy, states


def status_word(healthy: bool, states: dict[str, str]) -> str:
    """ "ok", "degraded" (serving, an optional part down) or "unavailable"."""
    if not healthy:
        return "unavailable"
    return "degraded" if states.get("embeddings") == "down" else "ok"
