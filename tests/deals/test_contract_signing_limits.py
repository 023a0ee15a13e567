"""Typing the password again to sign a contract is slowed like a login to the same account: a stolen session
cannot guess the password at the signing form faster than at the login form."""

import re

import pytest
from sqlmodel import func, select

from models import ContractSignature
from tests.utils.deal_world import accepted_interest, draft_contract, make_world
from tests.utils.factories import PASSWORD
from tests.utils.web import csrf_token


@pytest.fixture
def limits_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMIT_LOGIN_ACCOUNT": "3 per minute",
        "RATE_LIMIT_WRITE": "100 per minute",
    }


def test_wrong_passwords_at_the_signing_form_count_as_failed_logins(client, auth, session):
    world = make_world(session)
    contract = draft_contract(session, world, accepted_interest(session, world))
    auth.login(world.sme.email)
    path = f"/contracts/{contract.id}/sign"

    def attempt(password: str):
        html = client.get(path).get_data(as_text=True)
        sha = re.search(r'name="text_sha256"[^>]*value="([0-9a-f]{64})"', html).group(1)
        return client.post(
            path, data={"csrf_token": csrf_token(client, path), "text_sha256": sha, "password": password}
        )

    assert [attempt("guess-1").status_code, attempt("guess-2").status_code] == [422, 422]
    assert attempt("guess-3").status_code == 422
    throttled = attempt(PASSWORD)
    assert throttled.status_code == 429 and "秒" in throttled.get_data(as_text=True)
    assert session.exec(select(func.count()).select_from(ContractSignature)).one() == 0
