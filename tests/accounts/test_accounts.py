"""Accounts: login costs the same for unknown emails, logout ends the session everywhere, tokens can be
listed and revoked, and a registration race answers 409."""

import threading

import pytest
from sqlmodel import func, select

from app.accounts.services import accounts
from models import ApiToken, Organization, User
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_user, registration_data
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def _count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def test_unknown_email_costs_one_password_check_like_a_wrong_password(client, enterprise, monkeypatch):
    checked = []
    real = accounts.check_password_hash

    def counting(pwhash, password):
        checked.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    for email in ("nobody@example.cn", enterprise.email):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": "wrong-password"})
        assert response.status_code == 401
    # Both paths hashed once, with the same method (hence the same cost): timing tells them apart no more.
    assert len(checked) == 2 and checked[0] == checked[1]


def test_a_session_cookie_copied_before_logout_no_longer_works(app, client, enterprise, auth):
    auth.login(enterprise.email)
    assert client.get("/my").status_code == 200
    stolen = client.get_cookie("session").value
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/my")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # Logging in again works, with a cookie of the new version.
    auth.login(enterprise.email)
    assert client.get("/my").status_code == 200


def test_tokens_are_listed_and_revoked_through_the_api(client, enterprise):
    first = bearer(client, enterprise.email, PASSWORD)
    second = bearer(client, enterprise.email, PASSWORD)
    listed = client.get("/api/v1/auth/tokens", headers=first)
    assert listed.status_code == 200
    items = listed.json["items"]
    assert len(items) == 2 and {"id", "created_at", "expires_at", "last_used_at"} <= set(items[0])
    assert [item["current"] for item in items].count(True) == 1
    assert all("token" not in item and "token_hash" not in item for item in items)
    other_id = next(item["id"] for item in items if not item["current"])
    assert client.delete(f"/api/v1/auth/tokens/{other_id}", headers=first).status_code == 204
    assert client.get("/api/v1/needs?mine=1", headers=second).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert client.get("/api/v1/auth/tokens", headers=first).status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, session, enterprise):
    other = create_user(session, "enterprise")
    theirs = bearer(client, other.email, PASSWORD)
    mine = bearer(client, enterprise.email, PASSWORD)
    their_id = client.get("/api/v1/auth/tokens", headers=theirs).json["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{their_id}", headers=mine).status_code == 404
    assert client.get("/api/v1/auth/tokens", headers=theirs).status_code == 200


def test_last_use_is_recorded(client, session, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    assert client.get("/api/v1/auth/tokens", headers=headers).json["items"][0]["last_used_at"] is not None


def test_tokens_page_lists_and_revokes(client, session, enterprise, auth):
    headers = bearer(client, enterprise.email, PASSWORD)
    auth.login(enterprise.email)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "API 令牌" in page.get_data(as_text=True)
    token_id = session.exec(select(ApiToken.id).where(ApiToken.user_id == enterprise.id)).one()
    response = client.post(
        f"/account/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "令牌已撤销" in response.get_data(as_text=True)
    assert client.get("/api/v1/needs?mine=1", headers=headers).status_code == 401
    assert (
        client.post(
            f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")}
        ).status_code
        == 404
    )


def test_two_concurrent_revocations_of_one_token(app, client, session, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    token_id = client.get("/api/v1/auth/tokens", headers=headers).json["items"][0]["id"]
    statuses = concurrently(
        *[lambda: app.test_client().delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code]
        * 2
    )
    # The first removes it; the second finds it gone (404) or, arriving later, the token already invalid (401).
    assert 204 in statuses and sorted(statuses)[1] in (401, 404)
    assert _count(session, ApiToken, ApiToken.user_id == enterprise.id) == 0


def test_two_concurrent_logouts(app, client, session, enterprise, auth):
    auth.login(enterprise.email)
    token = csrf_token(client, "/")
    cookie = client.get_cookie("session").value

    def logout():
        other = app.test_client()
        other.set_cookie("session", cookie)
        return other.post("/auth/logout", data={"csrf_token": token}).status_code

    statuses = concurrently(logout, logout)
    assert 302 in statuses  # one logs out; the other, if later, is already logged out (redirect to login)
    session.expire_all()
    assert session.get(User, enterprise.id).session_version >= 2
    assert client.get("/my").status_code == 302


@pytest.fixture
def registration_race(monkeypatch):
    """Make both of two concurrent registrations pass the uniqueness check before either inserts."""
    real_check = accounts._check_unique
    both_checked = threading.Barrier(2, timeout=10)

    def check_then_wait(*args, **kwargs):
        real_check(*args, **kwargs)
        both_checked.wait()

    monkeypatch.setattr(accounts, "_check_unique", check_then_wait)
    yield
    monkeypatch.setattr(accounts, "_check_unique", real_check)


@pytest.mark.parametrize("shared", ["credit_code", "email"])
def test_a_registration_race_answers_409_not_500(app, session, registration_race, shared):
    first, second = registration_data(), registration_data()
    if shared == "email":
        second["email"] = first["email"]
    else:
        second["organization"]["credit_code"] = first["organization"]["credit_code"]
    responses = concurrently(
        *[lambda body=body: app.test_client().post("/api/v1/register", json=body) for body in (first, second)]
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    field = "email" if shared == "email" else "organization.credit_code"
    assert field in next(r for r in responses if r.status_code == 409).json["error"]["fields"]
    # Whichever won, exactly one organization and one user came of the two.
    codes = [first["organization"]["credit_code"], second["organization"]["credit_code"]]
    assert _count(session, Organization, Organization.credit_code.in_(codes)) == 1
    assert _count(session, User, User.email.in_([first["email"], second["email"]])) == 1
