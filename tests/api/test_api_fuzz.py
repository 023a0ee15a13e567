"""Property-based: requests generated from /api/v1/openapi.json (schemathesis), none may answer 5xx.

Deterministic (hypothesis derandomized, no example database) and bounded, so a run takes the same path every
time and stays short; raise FUZZ_EXAMPLES locally to search harder.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core import NotSet

from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_achievement, create_need, create_user
from tests.utils.web import bearer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


@pytest.fixture
def limits_config():
    """Limits on, so their key functions see the generated requests too, but far above what a run sends."""
    generous = "100000 per minute"
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        **dict.fromkeys(
            (
                "RATE_LIMIT_LOGIN_ADDRESS",
                "RATE_LIMIT_LOGIN_ACCOUNT",
                "RATE_LIMIT_REGISTRATION",
                "RATE_LIMIT_TOKEN",
                "RATE_LIMIT_WRITE",
                "RATE_LIMIT_FEEDBACK",
            ),
            generous,
        ),
    }


def test_generated_requests_never_get_a_server_error(app, client, session, enterprise):
    create_need(session, enterprise)
    create_achievement(session, create_user(session, "university"))
    headers = bearer(client, enterprise.email, PASSWORD)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # every documented operation is exercised, not an empty schema

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def no_server_error(case):
            response = case.call(headers={**headers, **(case.headers or {})})
            body = None if isinstance(case.body, NotSet) else case.body
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} query={case.query} body={body!r:.300} -> {response.status_code}"
            )

        try:
            no_server_error()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert failures == []
