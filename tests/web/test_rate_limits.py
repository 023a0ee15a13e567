"""Rate limits: login per account and per address, registration, tokens, writes and feedback; 429 with Retry-After."""

import threading

import pytest
from flask_limiter.util import get_qualified_name

from app import create_app
from app.web import limits
from models import Role
from tests.utils.bureau import apply, carry, create_account, create_call
from tests.utils.factories import (
    PASSWORD,
    create_achievement,
    create_need,
    create_user,
    need_data,
    registration_data,
)
from tests.utils.ui_deals import accept, express
from tests.utils.web import bearer, csrf_token


@pytest.fixture
def limits_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATE_LIMIT_LOGIN_ADDRESS": "8 per minute",
        "RATE_LIMIT_LOGIN_ACCOUNT": "3 per minute",
        "RATE_LIMIT_REGISTRATION": "2 per hour",
        "RATE_LIMIT_TOKEN": "4 per hour",
        "RATE_LIMIT_WRITE": "3 per minute",
        "RATE_LIMIT_FEEDBACK": "2 per minute",
        "RATE_LIMIT_OBJECTION_ADDRESS": "3 per minute",
        "RATE_LIMIT_OBJECTION_APPLICATION": "5 per minute",
    }


def login_form(client, email: str, password: str):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/auth/login")},
    )


def assert_throttled(response, api: bool):
    assert response.status_code == 429
    seconds = response.headers["Retry-After"]
    assert 1 <= int(seconds) <= 3601
    if api:
        assert response.json["error"]["code"] == "rate_limited"
        assert f"等待 {seconds} 秒" in response.json["error"]["message"]
    else:
        assert "text/html" in response.content_type and f"等待 {seconds} 秒" in response.get_data(
            as_text=True
        )


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, enterprise):
    for _ in range(3):
        assert login_form(client, enterprise.email, "wrong-password").status_code == 422
    assert_throttled(login_form(client, enterprise.email, PASSWORD), api=False)
    # The API door shares the account's counter.
    token = client.post("/api/v1/auth/token", json={"email": enterprise.email, "password": PASSWORD})
    assert_throttled(token, api=True)


def test_successful_logins_do_not_count_against_the_account(client, enterprise):
    for _ in range(5):
        assert login_form(client, enterprise.email, PASSWORD).status_code == 302
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


def test_one_address_cannot_try_many_accounts(client):
    for n in range(8):
        assert login_form(client, f"nobody{n}@example.cn", "guess").status_code == 422
    assert_throttled(login_form(client, "another@example.cn", "guess"), api=False)


def test_the_limit_message_follows_the_language(client):
    for n in range(9):
        response = client.post(
            "/api/v1/auth/token",
            json={"email": f"x{n}@example.cn", "password": "guess"},
            headers={"Accept-Language": "en"},
        )
    assert response.status_code == 429
    assert f"wait {response.headers['Retry-After']} seconds" in response.json["error"]["message"]


def test_registration_is_limited_for_html_and_api_together(client):
    assert client.post("/api/v1/register", json=registration_data()).status_code == 201
    form = {
        "org_kind": "enterprise",
        "org_name": "表单注册单位",
        "credit_code": "bad",
        "name": "张三",
        "email": "form@example.cn",
        "password": PASSWORD,
        "password2": PASSWORD,
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    assert client.post("/auth/register", data=form).status_code == 422
    assert_throttled(client.post("/api/v1/register", json=registration_data()), api=True)
    assert_throttled(client.post("/auth/register", data=form), api=False)
    assert client.get("/auth/register").status_code == 200  # reading the form is never limited


def test_token_creation_is_limited(client, enterprise):
    for _ in range(4):
        assert (
            client.post(
                "/api/v1/auth/token", json={"email": enterprise.email, "password": PASSWORD}
            ).status_code
            == 200
        )
    assert_throttled(
        client.post("/api/v1/auth/token", json={"email": enterprise.email, "password": PASSWORD}), api=True
    )


def test_writes_are_limited_per_user_across_api_and_html(client, session, enterprise, auth):
    headers = bearer(client, enterprise.email, PASSWORD)
    for _ in range(2):
        assert client.post("/api/v1/needs", json=need_data(), headers=headers).status_code == 201
    auth.login(enterprise.email)
    need = create_need(session, enterprise)
    close = f"/needs/{need.id}/close"
    assert client.post(close, data={"csrf_token": csrf_token(client, f"/needs/{need.id}")}).status_code == 302
    assert_throttled(client.post("/api/v1/needs", json=need_data(), headers=headers), api=True)
    assert_throttled(
        client.patch(f"/api/v1/needs/{need.id}", json={"title": "再改一次"}, headers=headers), api=True
    )
    assert (
        client.get("/api/v1/needs?mine=1", headers=headers).json["total"] == 3
    )  # the refused write saved nothing
    other = create_user(session, "enterprise")
    assert (
        client.post(
            "/api/v1/needs", json=need_data(), headers=bearer(client, other.email, PASSWORD)
        ).status_code
        == 201
    )


def test_concurrent_writes_beyond_the_limit_are_refused(app, enterprise):
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    barrier, statuses = threading.Barrier(6), []

    def post():
        barrier.wait()
        statuses.append(
            app.test_client().post("/api/v1/needs", json=need_data(), headers=headers).status_code
        )

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 201, 201, 429, 429, 429]
    assert app.test_client().get("/api/v1/needs?mine=1", headers=headers).json["total"] == 3


def test_feedback_is_limited(client, session, enterprise):
    need = create_need(session, enterprise)
    achievement = create_achievement(session, create_user(session, "university"))
    headers = bearer(client, enterprise.email, PASSWORD)
    body = {
        "query_type": "need",
        "query_id": need.id,
        "rec_kind": "license",
        "target_type": "achievement",
        "target_id": achievement.id,
    }
    # Distinct verdicts: a repeated one is answered from the stored row, but still counts against the limit.
    for label in ("interested", "dismissed"):
        response = client.post(
            "/api/v1/recommendations/feedback", json={**body, "label": label}, headers=headers
        )
        assert response.status_code == 201
    assert_throttled(
        client.post(
            "/api/v1/recommendations/feedback", json={**body, "label": "contracted"}, headers=headers
        ),
        api=True,
    )


def test_a_limit_setting_that_is_not_a_limit_stops_the_start(database_url, tmp_path):
    with pytest.raises(ValueError, match="RATE_LIMIT_WRITE"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": database_url,
                "SEARCH_PATH": str(tmp_path / "s.sqlite3"),
                "VECTOR_DIR": str(tmp_path / "v"),
                "RATELIMIT_ENABLED": True,
                "RATE_LIMIT_WRITE": "lots",
            }
        )


def test_a_body_the_limits_cannot_read_is_still_a_clear_400(client):
    response = client.post(
        "/api/v1/auth/token", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400


def test_claims_share_the_registration_limit(client, session):
    # A claim is filed without an account, so one address cannot flood the bureau with them either.
    from tests.accounts.test_organizations import claim_data

    squatter = create_user(session, "enterprise")
    for n in (1, 2):
        client.post(
            "/api/v1/organization-claims", json=claim_data(session, squatter, email=f"c{n}@real-firm.cn")
        )
    assert_throttled(
        client.post(
            "/api/v1/organization-claims", json=claim_data(session, squatter, email="c3@real-firm.cn")
        ),
        api=True,
    )


@pytest.mark.parametrize("trusted", [0, 1])
def test_behind_a_trusted_proxy_each_client_has_its_own_login_limit(
    database_url, tmp_path, limits_config, trusted
):
    # Every request comes from the proxy's address; only a proxy the settings name may say who the client is.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": database_url,
            "SEARCH_PATH": str(tmp_path / "s.sqlite3"),
            "VECTOR_DIR": str(tmp_path / "v"),
            **limits_config,
            "TRUSTED_PROXIES": trusted,
        }
    )
    client = app.test_client()

    def attempt(address: str, n: int):
        return client.post(
            "/auth/login",
            headers={"X-Forwarded-For": address},
            data={
                "email": f"p{n}@example.cn",
                "password": "guess",
                "csrf_token": csrf_token(client, "/auth/login"),
            },
        )

    try:
        for n in range(8):
            assert attempt("203.0.113.7", n).status_code == 422
        assert attempt("203.0.113.7", 8).status_code == 429
        # Trusted: another client is not held back by the first one's attempts. Untrusted: the header is a claim
        # anyone can make, so it changes nothing and the shared address stays throttled.
        assert attempt("198.51.100.9", 99).status_code == (422 if trusted else 429)
    finally:
        app.extensions["db_engine"].dispose()


# The routes a limit must never stand between a user and: leaving, and cutting off a leaked token.
UNLIMITED_WRITES = {
    "auth.logout",
    "account.revoke_token",
    "api.revoke_current_token",
    "api.revoke_token",
}


def test_every_write_route_has_a_rate_limit(app):
    """A route that changes something and has no limit is how 65 messages in a few seconds got through."""
    unlimited = []
    with app.app_context():
        named = limits.limiter.limit_manager.decorated_limits
        limited = {
            endpoint for endpoint, view in app.view_functions.items() if named(get_qualified_name(view))
        }
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH", "DELETE"} or rule.endpoint in UNLIMITED_WRITES:
            continue
        if rule.endpoint not in limited:
            unlimited.append(rule.endpoint)
    assert unlimited == []


def test_deal_writes_are_limited_per_user_on_pages_and_api(client, session, auth):
    firm, lab = create_user(session, "enterprise"), create_user(session, "university")
    need = create_need(session, firm, confidential=True, details="保密参数")
    achievement = create_achievement(session, lab)
    interest = express(session, lab, "need", need.id, via_type="achievement", via_id=achievement.id)
    accept(session, firm, interest.id)
    # Messages: three through the API, the fourth is refused on the page too.
    lab_api = bearer(client, lab.email, PASSWORD)
    for n in range(3):
        sent = client.post(
            f"/api/v1/interests/{interest.id}/messages", json={"body": f"第{n}条"}, headers=lab_api
        )
        assert sent.status_code == 201
    assert_throttled(
        client.post(f"/api/v1/interests/{interest.id}/messages", json={"body": "再一条"}, headers=lab_api),
        api=True,
    )
    auth.login(lab.email)
    token = csrf_token(client, f"/interests/{interest.id}")
    assert_throttled(
        client.post(f"/interests/{interest.id}/messages", data={"body": "网页再发", "csrf_token": token}),
        api=False,
    )
    assert_throttled(
        client.post("/saved-searches", data={"q": "焊接", "name": "焊接", "csrf_token": token}), api=False
    )
    auth.logout()
    # The need's owner: NDA edits (PUT on the API, POST on the page) and saved searches share one counter.
    firm_api = bearer(client, firm.email, PASSWORD)
    for n in range(2):
        edited = client.put(
            f"/api/v1/needs/{need.id}/nda", json={"body": f"保密期{n + 1}年"}, headers=firm_api
        )
        assert edited.status_code == 200
    assert client.post("/api/v1/saved-searches", json={"query": "焊接"}, headers=firm_api).status_code == 201
    assert_throttled(
        client.put(f"/api/v1/needs/{need.id}/nda", json={"body": "保密期九年"}, headers=firm_api), api=True
    )
    assert_throttled(
        client.post("/api/v1/saved-searches", json={"query": "激光"}, headers=firm_api), api=True
    )
    auth.login(firm.email)
    page = client.get(f"/needs/{need.id}/nda").get_data(as_text=True)
    assert "保密期2年" in page and "保密期九年" not in page  # the refused edit saved nothing


def test_objections_are_limited_per_address_and_per_application(client, session):
    """65 anonymous objections in 0.6 s each had to be answered before the center could be filed."""
    bureau = create_account(session, Role.bureau, "市工信局审核员")
    call = create_call(session, bureau)
    application = carry(session, bureau, apply(session, call), "notice")
    other = carry(session, bureau, apply(session, call), "notice")
    body = {"name": "王", "contact": "wang@example.cn", "text": "请核实发起单位资质。"}
    api = f"/api/v1/bureau/applications/{application.id}/objections"
    for _ in range(3):
        assert client.post(api, json=body).status_code == 201
    assert_throttled(client.post(f"/api/v1/bureau/applications/{other.id}/objections", json=body), api=True)
    page = f"/notices/{other.id}/objections"
    assert_throttled(
        client.post(page, data={**body, "csrf_token": csrf_token(client, "/notices")}), api=False
    )
    # From other addresses, the application still takes only so many in all.
    statuses = [
        client.post(api, json=body, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    assert (
        client.post(
            f"/api/v1/bureau/applications/{other.id}/objections",
            json=body,
            environ_base={"REMOTE_ADDR": "10.0.1.1"},
        ).status_code
        == 201
    )
