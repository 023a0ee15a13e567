"""Fixtures for the indexing tests: a real Meilisearch when MEILI_URL is set, else a skip."""

import os
import uuid

import pytest


def require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def meili_env() -> tuple[str, str]:
    """(MEILI_URL, MEILI_KEY) of the test server; CI sets REQUIRE_SERVICES=1 so a missing one fails."""
    url, key = os.environ.get("MEILI_URL"), os.environ.get("MEILI_KEY")
    if not url:
        message = "MEILI_URL is not set: run `.ci/meilisearch.sh start` and export .ci/.meili.env"
        if require_services():
            pytest.fail(message + " (REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return url, key or ""


@pytest.fixture
def meili_backend(meili_env):
    """A Meilisearch backend on a fresh, uniquely named index, dropped afterwards."""
    from indexing.meili import MeiliBackend

    url, key = meili_env
    backend = MeiliBackend(url=url, key=key, index_prefix=f"test_{uuid.uuid4().hex[:10]}_")
    yield backend
    backend.drop_index()
