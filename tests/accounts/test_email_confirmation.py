"""With email configured, registration confirms the address and tells no one whether it has an account."""

import re
import threading
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import func, select

from app.accounts.services import accounts, confirmation
from models import Organization, User
from tests.conftest import BACKENDS
from tests.utils.deal_world import SmtpSink, mail_settled
from tests.utils.factories import PASSWORD, create_user, registration_data
from tests.utils.web import concurrently, csrf_token

both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
CSRF = re.compile(
    r'(name="csrf_token"[^>]*value=")[^"]+|(value=")[^"]+("[^>]*name="csrf_token")|'
    r'(<meta name="csrf-token" content=")[^"]+'
)


@pytest.fixture
def sink():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def mail(app, sink):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, PUBLIC_BASE_URL="https://mic.example.cn")
    return sink


def _count(session, table, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table).where(*where)).one()


def _form(data: dict) -> dict:
    org = data["organization"]
    return {
        "org_kind": org["kind"],
        "org_name": org["name"],
        "credit_code": org["credit_code"],
        "region": "2201Z01",
        "industries": org["industries"],
        "name": data["name"],
        "email": data["email"],
        "password": data["password"],
        "password2": data["password"],
        "consent": "y",
    }


def _page_register(app, data: dict):
    client = app.test_client()
    form = {**_form(data), "csrf_token": csrf_token(client, "/auth/register")}
    response = client.post("/auth/register", data=form)
    return response, CSRF.sub("", response.get_data(as_text=True))


def _link(message) -> str:
    found = re.search(r"https://mic\.example\.cn(/auth/register/confirm/\S+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def _user(session, email) -> User | None:
    session.expire_all()
    return session.exec(select(User).where(User.email == email)).first()


@both_databases
def test_the_page_answers_a_known_email_as_a_new_one_and_mails_its_owner(app, session, mail):
    known = create_user(session)
    new, again = registration_data(), registration_data()
    again["email"] = known.email.upper()
    new_response, new_body = _page_register(app, new)
    known_response, known_body = _page_register(app, again)

    assert new_response.status_code == known_response.status_code == 200
    assert new_body == known_body and "请查收邮件完成注册" in new_body
    # The known address created nothing; the new one an organization and a user who cannot log in yet.
    assert (
        _count(session, Organization, Organization.credit_code == again["organization"]["credit_code"]) == 0
    )
    assert _count(session, User, User.email == known.email) == 1
    pending = _user(session, new["email"])
    assert pending is not None and pending.email_confirmed_at is None
    mails = {m["To"]: m for m in mail.wait_for(2)}
    assert set(mails) == {new["email"], known.email}
    assert mails[new["email"]]["Subject"] == "请确认邮箱以完成注册"
    warning = mails[known.email]
    assert warning["Subject"] == "有人尝试使用您的邮箱注册"
    assert "https://mic.example.cn/auth/login" in warning.get_content()
    assert "/auth/register/confirm/" not in warning.get_content()


@both_databases
def test_the_api_answers_a_known_email_as_a_new_one(app, client, session, mail):
    known = create_user(session)
    new, again = registration_data(), registration_data()
    again["email"] = known.email
    answers = [client.post("/api/v1/register", json=body) for body in (new, again)]
    assert [(r.status_code, r.get_data()) for r in answers] == [(202, answers[0].get_data())] * 2
    assert answers[0].json == {"status": "confirmation_sent"}
    assert {m["To"] for m in mail.wait_for(2)} == {new["email"], known.email}
    # A taken credit code stays a visible conflict: organizations are public.
    clash = registration_data()
    clash["organization"]["credit_code"] = new["organization"]["credit_code"]
    response = client.post("/api/v1/register", json=clash)
    assert response.status_code == 409 and "organization.credit_code" in response.json["error"]["fields"]


def test_a_known_email_still_costs_a_password_hash(app, client, session, mail, monkeypatch):
    known = create_user(session)
    hashed = []
    real = confirmation.generate_password_hash
    monkeypatch.setattr(confirmation, "generate_password_hash", lambda pw: hashed.append(pw) or real(pw))
    for body in (registration_data(), {**registration_data(), "email": known.email}):
        assert client.post("/api/v1/register", json=body).status_code == 202
    assert hashed == [PASSWORD, PASSWORD]


@both_databases
def test_the_link_confirms_logs_in_and_lands_home_once(app, session, mail):
    data = registration_data()
    client = app.test_client()
    assert client.post("/api/v1/register", json=data).status_code == 202
    link = _link(mail.wait_for(1)[0])

    refused = client.post(
        "/auth/login",
        data={"email": data["email"], "password": PASSWORD, "csrf_token": csrf_token(client, "/auth/login")},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "您的邮箱尚未确认" in page and "/auth/register/resend" in page
    token = client.post("/api/v1/auth/token", json={"email": data["email"], "password": PASSWORD})
    assert token.status_code == 403 and "尚未确认" in token.json["error"]["message"]

    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "邮箱已确认" in client.get("/").get_data(as_text=True)
    assert client.get("/my").status_code == 200  # logged in
    assert _user(session, data["email"]).email_confirmed_at is not None
    # Used once: a second visit is a bad link, with the form for a new one.
    again = app.test_client().get(link)
    assert again.status_code == 400 and "确认链接无效或已过期" in again.get_data(as_text=True)
    assert (
        app.test_client()
        .post("/api/v1/auth/token", json={"email": data["email"], "password": PASSWORD})
        .status_code
        == 200
    )


@both_databases
def test_a_forged_or_expired_link_is_a_400_with_a_way_to_a_new_one(app, session, mail, monkeypatch):
    data = registration_data()
    client = app.test_client()
    client.post("/api/v1/register", json=data)
    link = _link(mail.wait_for(1)[0])
    user = _user(session, data["email"])
    forged = URLSafeTimedSerializer("not-the-secret", salt=confirmation.SALT).dumps(
        {"u": user.id, "f": link.rsplit("/", 1)[1]}
    )
    real_time = time.time
    answers = [client.get(f"/auth/register/confirm/{forged}"), client.get(link[:-3] + "xyz")]
    monkeypatch.setattr(time, "time", lambda: real_time() + 49 * 3600)  # past EMAIL_CONFIRM_HOURS (48)
    answers.append(client.get(link))
    monkeypatch.setattr(time, "time", real_time)
    for response in answers:
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "确认链接无效或已过期" in page
        assert 'action="/auth/register/resend"' in page
    assert _user(session, data["email"]).email_confirmed_at is None
    assert client.get("/my").status_code == 302  # not logged in


@both_databases
def test_resend_answers_the_same_whatever_the_email(app, session, mail):
    confirmed = create_user(session)
    data = registration_data()
    app.test_client().post("/api/v1/register", json=data)
    mail.wait_for(1)
    bodies = []
    for email in (data["email"], confirmed.email, "nobody@example.cn"):
        client = app.test_client()
        response = client.post(
            "/auth/register/resend",
            data={"email": email, "csrf_token": csrf_token(client, "/auth/register/resend")},
        )
        bodies.append((response.status_code, CSRF.sub("", response.get_data(as_text=True))))
    assert bodies[0] == bodies[1] == bodies[2] and bodies[0][0] == 200
    mail_settled(app)
    # Only the account waiting for its confirmation got a new link.
    assert [m["To"] for m in mail.messages] == [data["email"], data["email"]]
    link = _link(mail.messages[1])
    assert app.test_client().get(link).status_code == 302


@both_databases
def test_without_mail_server_registration_logs_in_at_once_and_a_known_email_is_409(
    app, client, session, sink
):
    data = registration_data()
    response, _body = _page_register(app, data)
    assert response.status_code == 302
    assert _user(session, data["email"]).email_confirmed_at is not None
    created = client.post("/api/v1/register", json=registration_data())
    assert created.status_code == 201 and created.json["user"]["email"]
    again = client.post("/api/v1/register", json={**registration_data(), "email": data["email"]})
    assert again.status_code == 409 and "email" in again.json["error"]["fields"]
    mail_settled(app)
    assert sink.messages == []


@both_databases
def test_two_concurrent_registrations_of_one_new_email_make_one_account(app, session, mail, monkeypatch):
    first, second = registration_data(), registration_data()
    second["email"] = first["email"]
    real_create = accounts.create_registered
    both_checked = threading.Barrier(2, timeout=10)

    def wait_then_create(*args, **kwargs):
        both_checked.wait()  # both found no account with the address before either inserts
        return real_create(*args, **kwargs)

    monkeypatch.setattr(accounts, "create_registered", wait_then_create)
    responses = concurrently(
        *[lambda body=body: app.test_client().post("/api/v1/register", json=body) for body in (first, second)]
    )
    assert [r.status_code for r in responses] == [202, 202]
    assert responses[0].json == responses[1].json == {"status": "confirmation_sent"}
    assert _count(session, User, User.email == first["email"]) == 1
    codes = [first["organization"]["credit_code"], second["organization"]["credit_code"]]
    assert _count(session, Organization, Organization.credit_code.in_(codes)) == 1
    subjects = sorted(m["Subject"] for m in mail.wait_for(2))
    assert subjects == ["有人尝试使用您的邮箱注册", "请确认邮箱以完成注册"]
