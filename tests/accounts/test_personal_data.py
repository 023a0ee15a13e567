"""A person's rights over their data (个人信息保护法 arts. 45 and 47): a copy of their data, and deleting their
account after a waiting period, keeping what the other parties and the bureau must keep under a pseudonym."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.services import deletion
from app.deals.services import contracts, conversation
from app.market.services import need_access
from models import ApiToken, AuditEvent, Contract, Need, Notification, Organization, SavedSearch, User
from models.common import utcnow
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest, draft_contract, make_world
from tests.utils.factories import PASSWORD, create_role_user, create_user, in_app
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

SME_SAYS = "我方希望先看样件的检测报告。"
CENTER_SAYS = "检测报告下周发给贵方。"
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def deal(session):
    """Two verified organizations with an accepted interest in the SME's confidential need, whose details the
    center read, a message from each side and a contract both signed."""
    world = make_world(session)
    interest = accepted_interest(session, world)
    with in_app(session):
        need_access.log_detail_view(session=session, user=world.center, need=session.get(Need, world.need_id))
        conversation.post_message(session=session, user=world.sme, interest_id=interest.id, body=SME_SAYS)
        conversation.post_message(
            session=session, user=world.center, interest_id=interest.id, body=CENTER_SAYS
        )
        contract = draft_contract(session, world, interest)
        for user in (world.sme, world.center):
            contracts.transition_contract(session=session, user=user, contract_id=contract.id, to="signed")
    return world, interest, contract


def audit_actions(session, user_id: int) -> list[str]:
    session.expire_all()
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user_id)
        .order_by(col(AuditEvent.id))
    ).all()
    return [row.action for row in rows]


def login(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/auth/login")},
    )
    return client, response


# --- the copy of one's data ------------------------------------------------------------------------------------


def test_the_export_holds_the_persons_own_data(client, session, deal):
    world, interest, contract = deal
    need = session.get(Need, world.need_id)
    data = client.get("/api/v1/me/export", headers=bearer(client, world.sme.email, PASSWORD)).json
    assert data["account"]["email"] == world.sme.email and data["account"]["name"] == world.sme.name
    assert (
        data["account"]["role"] == "enterprise"
        and {"consent_at", "consent_version"} <= data["account"].keys()
    )
    assert data["account"]["api_tokens"]  # the token this call came with
    assert data["organization"]["credit_code"] == session.get(Organization, world.sme.org_id).credit_code
    # The organization's own confidential need, details included: they are its own.
    assert [(n["id"], n["details"]) for n in data["listings"]["need"]] == [(need.id, need.details)]
    assert [(i["id"], i["direction"]) for i in data["interests"]] == [(interest.id, "received")]
    assert [m["body"] for m in data["messages"]] == [SME_SAYS]  # what they wrote, not the other side's
    assert [(c["id"], c["status"], c["your_side"]) for c in data["contracts"]] == [
        (contract.id, "signed", "a")
    ]
    center_org = session.get(Organization, world.center.org_id).name
    assert [(v["need_id"], v["organization"]) for v in data["detail_views_of_our_needs"]] == [
        (need.id, center_org)
    ]
    assert data["notifications"]  # the interest and the contract were notified
    assert audit_actions(session, world.sme.id) == ["data_exported"]


def test_the_export_leaves_out_other_organizations_confidential_details(client, session, deal):
    world, _interest, _contract = deal
    need = session.get(Need, world.need_id)
    data = client.get("/api/v1/me/export", headers=bearer(client, world.center.email, PASSWORD)).json
    text = json.dumps(data, ensure_ascii=False)
    # The center read the SME's details and is party to its deal, yet the details are the SME's to give.
    assert need.details not in text and SME_SAYS not in text
    assert [m["body"] for m in data["messages"]] == [CENTER_SAYS]
    assert [i["target_title"] for i in data["interests"]] == [need.title]
    assert [r["need_title"] for r in data["details_you_read"]] == [need.title]
    assert data["detail_views_of_our_needs"] == []


def test_the_export_page_and_download_show_the_same_data(app, session, deal):
    world, _interest, contract = deal
    client, _ = login(app, world.sme.email)
    page = client.get("/account/data", headers=ZH)
    assert page.status_code == 200 and "下载我的数据" in page.get_data(as_text=True)
    readable = client.get("/account/data/export", headers=ZH).get_data(as_text=True)
    assert SME_SAYS in readable and contract.title in readable and CENTER_SAYS not in readable
    download = client.get("/account/data/export.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data(as_text=True))["account"]["email"] == world.sme.email
    assert audit_actions(session, world.sme.id) == ["data_exported", "data_exported"]


def test_a_visitor_gets_no_export(client, session):
    assert client.get("/api/v1/me/export").status_code == 401
    for path in ("/account/data", "/account/data/export", "/account/data/export.json"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert session.exec(select(AuditEvent)).all() == []


# --- deleting one's account ------------------------------------------------------------------------------------


def test_a_wrong_password_schedules_nothing(app, client, session, enterprise):
    headers = {**bearer(client, enterprise.email, PASSWORD), **ZH}
    for body in ({"password": "not-my-password"}, {}, {"password": 12345}):
        refused = client.post("/api/v1/me/deletion", json=body, headers=headers)
        assert refused.status_code == 422 and refused.json["error"]["fields"]["password"] == "密码不正确。"
    browser, _ = login(app, enterprise.email)
    page = browser.post(
        "/account/deletion",
        data={"password": "not-my-password", "csrf_token": csrf_token(browser, "/account/data")},
        headers=ZH,
    )
    assert page.status_code == 422 and "密码不正确" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, enterprise.id).deletion_due_at is None
    assert audit_actions(session, enterprise.id) == []


def test_a_deletion_is_scheduled_shown_and_cancelled_in_the_browser(app, session, enterprise):
    client, _ = login(app, enterprise.email)
    asked = client.post(
        "/account/deletion",
        data={"password": PASSWORD, "csrf_token": csrf_token(client, "/account/data")},
        headers=ZH,
    )
    assert asked.status_code == 302
    scheduled = client.get("/account/data", headers=ZH).get_data(as_text=True)
    assert "保留我的账号" in scheduled and 'name="password"' not in scheduled
    session.expire_all()
    user = session.get(User, enterprise.id)
    assert timedelta(days=14, hours=23) < user.deletion_due_at - utcnow() <= timedelta(days=15)
    # The account still works, and every page says when it will be deleted, with the button that keeps it.
    again, response = login(app, enterprise.email)
    assert response.status_code == 302
    home = again.get("/", headers=ZH).get_data(as_text=True)
    assert f"您的账号将于 {user.deletion_due_at:%Y-%m-%d} 注销" in home and "保留我的账号" in home
    kept = again.post("/account/deletion/cancel", data={"csrf_token": csrf_token(again, "/")})
    assert kept.status_code == 302
    session.expire_all()
    assert session.get(User, enterprise.id).deletion_due_at is None
    assert "保留我的账号" not in again.get("/", headers=ZH).get_data(as_text=True)
    assert audit_actions(session, enterprise.id) == ["deletion_requested", "deletion_cancelled"]


def test_a_deletion_is_scheduled_and_cancelled_through_the_api(client, session, enterprise):
    headers = bearer(client, enterprise.email, PASSWORD)
    assert client.get("/api/v1/me/deletion", headers=headers).json["scheduled"] is False
    asked = client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers)
    assert asked.status_code == 202 and asked.json["scheduled"] is True and asked.json["due_at"]
    assert client.get("/api/v1/me/deletion", headers=headers).json["due_at"] == asked.json["due_at"]
    assert client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers).status_code == 409
    cancelled = client.delete("/api/v1/me/deletion", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json == {
        "scheduled": False,
        "requested_at": None,
        "due_at": None,
    }
    assert client.delete("/api/v1/me/deletion", headers=headers).status_code == 409
    assert audit_actions(session, enterprise.id) == ["deletion_requested", "deletion_cancelled"]


def test_two_deletion_requests_at_once_make_one_schedule(app, session, enterprise):
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c: c.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers)
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [202, 409]
    assert audit_actions(session, enterprise.id) == ["deletion_requested"]


def test_two_cancellations_at_once_cancel_once(app, session, enterprise):
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    app.test_client().post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(*(lambda c=c: c.delete("/api/v1/me/deletion", headers=headers) for c in clients))
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert audit_actions(session, enterprise.id) == ["deletion_requested", "deletion_cancelled"]


def test_two_purges_at_once_delete_an_account_once(app, session, enterprise):
    headers = bearer(app.test_client(), enterprise.email, PASSWORD)
    app.test_client().post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers)
    later = utcnow() + timedelta(days=16)

    def purge():
        with app.app_context(), Session(app.extensions["db_engine"]) as own:
            return deletion.purge_due(session=own, now=later)

    assert sorted(concurrently(purge, purge)) == [[], [enterprise.id]]
    assert audit_actions(session, enterprise.id) == ["deletion_requested", "deleted"]


def test_the_database_refuses_a_deletion_date_without_a_request(session, enterprise):
    with pytest.raises(IntegrityError):
        session.exec(update(User).where(col(User.id) == enterprise.id).values(deletion_due_at=utcnow()))
        session.commit()
    session.rollback()


def test_nothing_is_purged_before_its_day(app, runner, session, enterprise):
    client = app.test_client()
    headers = bearer(client, enterprise.email, PASSWORD)
    client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers)
    result = runner.invoke(args=["users", "purge-deletions"])
    assert result.exit_code == 0 and "0 accounts deleted" in result.output
    session.expire_all()
    user = session.get(User, enterprise.id)
    assert user.name == enterprise.name and user.active and user.deleted_at is None
    assert client.get("/api/v1/me/deletion", headers=headers).status_code == 200
    assert bearer(client, enterprise.email, PASSWORD)


def _make_due(session, user_id: int) -> None:
    past = utcnow() - timedelta(minutes=1)
    session.exec(update(User).where(col(User.id) == user_id).values(deletion_due_at=past))
    session.commit()


def test_a_due_deletion_removes_the_person_and_keeps_the_deal_under_a_pseudonym(app, runner, session, deal):
    world, interest, contract = deal
    sme_id, email, name = world.sme.id, world.sme.email, world.sme.name
    client = app.test_client()
    headers = bearer(client, email, PASSWORD)
    assert (
        client.post("/api/v1/saved-searches", json={"query": "激光焊接"}, headers=headers).status_code == 201
    )
    assert client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers).status_code == 202
    _make_due(session, sme_id)

    result = runner.invoke(args=["users", "purge-deletions"])
    assert result.exit_code == 0 and "1 accounts deleted" in result.output
    session.expire_all()
    user = session.get(User, sme_id)
    with app.app_context():
        alias = deletion.pseudonym(sme_id)
    assert re.fullmatch(r"已注销用户-[0-9a-f]{10}", alias) and user.name == alias
    assert email not in user.email and user.email.endswith(".invalid") and user.password_hash == ""
    assert not user.active and user.deleted_at is not None
    # Cannot log in, and nothing issued before works.
    assert client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).status_code == 401
    assert client.get("/api/v1/me/export", headers=headers).status_code == 401
    _browser, page_login = login(app, email)
    assert page_login.status_code == 422
    for table in (ApiToken, SavedSearch, Notification):
        assert session.exec(select(table).where(col(table.user_id) == sme_id)).all() == []
    # The other party keeps the signed contract, its audit trail and the conversation, under the pseudonym.
    assert session.get(Contract, contract.id).status == "signed"
    assert session.get(Organization, world.sme.org_id) is not None and session.get(Need, world.need_id)
    center = bearer(client, world.center.email, PASSWORD)
    trail = client.get(f"/api/v1/contracts/{contract.id}/audit", headers=center).json["items"]
    assert alias in [e["user"] for e in trail] and len(trail) >= 3  # created, and signed by each side
    assert name not in json.dumps(trail, ensure_ascii=False)
    messages = client.get(f"/api/v1/interests/{interest.id}/messages", headers=center).json["items"]
    assert [(m["body"], m["sender"]["name"]) for m in messages] == [
        (SME_SAYS, alias),
        (CENTER_SAYS, world.center.name),
    ]
    assert audit_actions(session, sme_id)[-1] == "deleted"
    # Run again: nothing more happens, and the pseudonym stays what it was.
    again = runner.invoke(args=["users", "purge-deletions"])
    assert "0 accounts deleted" in again.output
    session.expire_all()
    assert session.get(User, sme_id).name == alias and audit_actions(session, sme_id).count("deleted") == 1


@pytest.mark.parametrize("role", ["expert", "bureau"])
def test_bureau_and_expert_accounts_are_deleted_by_the_same_rules(app, session, role):
    person = create_role_user(session, role)
    client = app.test_client()
    headers = bearer(client, person.email, PASSWORD)
    assert client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=headers).status_code == 202
    with app.app_context():
        assert deletion.purge_due(session=session) == []  # not yet
        assert deletion.purge_due(session=session, now=utcnow() + timedelta(days=16)) == [person.id]
        alias = deletion.pseudonym(person.id)
    session.expire_all()
    assert session.get(User, person.id).name == alias
    assert (
        client.post("/api/v1/auth/token", json={"email": person.email, "password": PASSWORD}).status_code
        == 401
    )


# --- the bureau's record of an organization (item 20) -----------------------------------------------------------


def test_the_bureau_sees_verification_and_claim_decisions_on_the_organizations_page(app, client, session):
    bureau = create_role_user(session, "bureau")
    firm = create_user(session, "enterprise")
    code = session.get(Organization, firm.org_id).credit_code
    bureau_headers = {**bearer(client, bureau.email, PASSWORD), **ZH}
    claim = client.post(
        "/api/v1/organization-claims",
        json={
            "credit_code": code,
            "org_name": "长春真正的汽车零部件有限公司",
            "contact_name": "王经理",
            "email": "wang@real-firm.cn",
            "password": "real-firm-pass",
            "evidence": "营业执照原件可供核验，法定代表人可电话确认。",
        },
    ).json
    client.post(
        f"/api/v1/organization-claims/{claim['id']}/resolve",
        json={"decision": "reject"},
        headers=bureau_headers,
    )
    client.post(f"/api/v1/organizations/{firm.org_id}/verify", headers=bureau_headers)

    history = client.get(f"/api/v1/organizations/{firm.org_id}/history", headers=bureau_headers).json["items"]
    assert [(row["subject"], row["action"], row["label"]) for row in history] == [
        ("organization", "verified", "经市工信局认证"),
        ("claim", "reject", "申诉被驳回"),
        ("claim", "filed", "提交申诉"),
    ]
    assert history[0]["actor"] == bureau.name and history[2]["actor"] is None

    desk, _ = login(app, bureau.email)
    page = desk.get(f"/organizations/{firm.org_id}", headers=ZH).get_data(as_text=True)
    assert page.index("经市工信局认证") < page.index("申诉被驳回") < page.index("提交申诉")
    member, _ = login(app, firm.email)
    own = member.get(f"/organizations/{firm.org_id}", headers=ZH).get_data(as_text=True)
    assert "认证与申诉" not in own and "申诉被驳回" not in own
    assert (
        client.get(
            f"/api/v1/organizations/{firm.org_id}/history", headers=bearer(client, firm.email, PASSWORD)
        ).status_code
        == 403
    )
