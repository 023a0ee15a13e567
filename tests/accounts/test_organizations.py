"""Organizations start unverified; the bureau verifies them; a firm whose credit code was taken claims it back."""

import pytest
from sqlmodel import func, select

from app.accounts.services import organizations
from models import ApiToken, ClaimStatus, Organization, OrganizationClaim, User
from tests.conftest import BACKENDS
from tests.utils.factories import PASSWORD, create_need, create_role_user, create_user
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def bureau(session):
    return create_role_user(session, "bureau")


@pytest.fixture
def squatter(session):
    """An enterprise that registered a real firm's credit code first."""
    return create_user(session, "enterprise")


def claim_data(session, squatter, **overrides) -> dict:
    org = session.get(Organization, squatter.org_id)
    return {
        "credit_code": org.credit_code.lower(),
        "org_name": "长春真正的汽车零部件有限公司",
        "contact_name": "王经理",
        "contact_phone": "0431-88886666",
        "email": "wang@real-firm.cn",
        "password": "real-firm-pass",
        "evidence": "营业执照原件可供核验，法定代表人可电话确认。",
        **overrides,
    }


def test_a_new_organization_is_unverified_everywhere(client, session, enterprise):
    need = create_need(session, enterprise)
    org = client.get(f"/api/v1/organizations/{enterprise.org_id}").json
    assert org["verified"] is False
    for path in (f"/needs/{need.id}", "/needs"):
        assert "未认证" in client.get(path).get_data(as_text=True)
    assert not organizations.can_sign_contracts(session.get(Organization, enterprise.org_id))
    assert not organizations.can_be_filed_as_center(session.get(Organization, enterprise.org_id))


def test_the_bureau_verifies_through_the_api(client, session, bureau, enterprise):
    need = create_need(session, enterprise)
    url = f"/api/v1/organizations/{enterprise.org_id}/verify"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=bearer(client, enterprise.email, PASSWORD)).status_code == 403
    response = client.post(url, headers=bearer(client, bureau.email, PASSWORD))
    assert response.status_code == 200 and response.json["verified"] is True
    assert "未认证" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    session.expire_all()
    assert organizations.can_sign_contracts(session.get(Organization, enterprise.org_id))
    assert (
        client.post(
            "/api/v1/organizations/99999/verify", headers=bearer(client, bureau.email, PASSWORD)
        ).status_code
        == 404
    )


def test_the_bureau_verifies_on_its_desk(client, session, bureau, enterprise, auth):
    center = create_user(session, "center")
    auth.login(bureau.email)
    desk = client.get("/bureau/organizations").get_data(as_text=True)
    org = session.get(Organization, center.org_id)
    assert org.name in desk and org.credit_code in desk  # centers too: anyone could register as one
    response = client.post(
        f"/bureau/organizations/{center.org_id}/verify",
        data={"csrf_token": csrf_token(client, "/bureau/organizations")},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "已认证" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Organization, center.org_id).verified


def test_only_the_bureau_sees_the_desk(client, enterprise, auth):
    auth.login(enterprise.email)
    assert client.get("/bureau/organizations").status_code == 403
    assert (
        client.post(
            f"/bureau/organizations/{enterprise.org_id}/verify", data={"csrf_token": csrf_token(client, "/")}
        ).status_code
        == 403
    )


def test_two_concurrent_verifications_keep_the_first_time(app, client, session, bureau, enterprise):
    headers = bearer(client, bureau.email, PASSWORD)
    url = f"/api/v1/organizations/{enterprise.org_id}/verify"
    statuses = concurrently(*[lambda: app.test_client().post(url, headers=headers).status_code] * 2)
    assert statuses == [200, 200]
    session.expire_all()
    first = session.get(Organization, enterprise.org_id).verified_at
    client.post(url, headers=headers)
    session.expire_all()
    assert session.get(Organization, enterprise.org_id).verified_at == first


def test_a_claim_is_transferred_to_the_real_firm(client, session, bureau, squatter):
    old_token = bearer(client, squatter.email, PASSWORD)
    filed = client.post("/api/v1/organization-claims", json=claim_data(session, squatter))
    assert filed.status_code == 201 and filed.json["status"] == "pending"
    bureau_headers = bearer(client, bureau.email, PASSWORD)
    pending = client.get("/api/v1/organization-claims", headers=bureau_headers).json["items"]
    assert [c["id"] for c in pending] == [filed.json["id"]] and "password_hash" not in pending[0]
    assert client.get("/api/v1/organization-claims", headers=old_token).status_code == 403
    resolved = client.post(
        f"/api/v1/organization-claims/{filed.json['id']}/resolve",
        json={"decision": "transfer"},
        headers=bureau_headers,
    )
    assert resolved.status_code == 200 and resolved.json["status"] == "transferred"
    # The squatter is out: no login, no token. The firm logs in and owns its verified organization.
    assert client.get("/api/v1/needs?mine=1", headers=old_token).status_code == 401
    assert (
        client.post("/api/v1/auth/token", json={"email": squatter.email, "password": PASSWORD}).status_code
        == 401
    )
    new_token = bearer(client, "wang@real-firm.cn", "real-firm-pass")
    org = client.get(f"/api/v1/organizations/{squatter.org_id}").json
    assert org["verified"] is True and org["name"] == "长春真正的汽车零部件有限公司"
    assert client.get("/api/v1/needs?mine=1", headers=new_token).status_code == 200
    again = client.post(
        f"/api/v1/organization-claims/{filed.json['id']}/resolve",
        json={"decision": "reject"},
        headers=bureau_headers,
    )
    assert again.status_code == 409


def test_a_claim_is_rejected(client, session, bureau, squatter):
    filed = client.post("/api/v1/organization-claims", json=claim_data(session, squatter)).json
    headers = bearer(client, bureau.email, PASSWORD)
    response = client.post(
        f"/api/v1/organization-claims/{filed['id']}/resolve", json={"decision": "reject"}, headers=headers
    )
    assert response.status_code == 200 and response.json["status"] == "rejected"
    assert (
        client.post("/api/v1/auth/token", json={"email": squatter.email, "password": PASSWORD}).status_code
        == 200
    )
    assert (
        client.post(
            "/api/v1/auth/token", json={"email": "wang@real-firm.cn", "password": "real-firm-pass"}
        ).status_code
        == 401
    )
    bad = client.post(
        f"/api/v1/organization-claims/{filed['id']}/resolve", json={"decision": "maybe"}, headers=headers
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91350100M000100Y43"}, "credit_code"),  # valid, but nobody registered it
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),  # wrong check character
        ({"email": "not-an-email"}, "email"),
        ({"evidence": "short"}, "evidence"),
    ],
)
def test_a_bad_claim_is_refused_with_a_reason(client, session, squatter, overrides, field):
    response = client.post("/api/v1/organization-claims", json=claim_data(session, squatter, **overrides))
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert session.exec(select(func.count()).select_from(OrganizationClaim)).one() == 0


def test_a_claim_with_an_email_already_registered_is_refused(client, session, squatter, enterprise):
    response = client.post(
        "/api/v1/organization-claims", json=claim_data(session, squatter, email=enterprise.email)
    )
    assert response.status_code == 409 and "email" in response.json["error"]["fields"]


def test_a_transfer_to_an_email_registered_since_the_claim_is_a_conflict_and_changes_nothing(
    client, session, bureau, squatter
):
    filed = client.post("/api/v1/organization-claims", json=claim_data(session, squatter))
    enterprise = create_user(session, "enterprise")
    enterprise.email = "wang@real-firm.cn"
    session.add(enterprise)
    session.commit()
    response = client.post(
        f"/api/v1/organization-claims/{filed.json['id']}/resolve",
        json={"decision": "transfer"},
        headers=bearer(client, bureau.email, PASSWORD),
    )
    assert response.status_code == 409
    session.expire_all()
    assert session.get(OrganizationClaim, filed.json["id"]).status == ClaimStatus.pending
    assert session.get(User, squatter.id).active


def test_claim_form_and_desk_in_the_browser(client, session, bureau, squatter, auth):
    page = client.get("/auth/register").get_data(as_text=True)
    assert "/auth/claim" in page
    form = {**claim_data(session, squatter), "csrf_token": csrf_token(client, "/auth/claim")}
    response = client.post("/auth/claim", data=form, follow_redirects=True)
    assert response.status_code == 200 and "申诉已提交" in response.get_data(as_text=True)
    refused = client.post(
        "/auth/claim",
        data={**form, "credit_code": "91350100M000100Y43", "csrf_token": csrf_token(client, "/auth/claim")},
    )
    assert refused.status_code == 422 and "尚未注册" in refused.get_data(as_text=True)
    claim = session.exec(select(OrganizationClaim)).one()
    auth.login(bureau.email)
    assert "长春真正的汽车零部件有限公司" in client.get("/bureau/organizations").get_data(as_text=True)
    done = client.post(
        f"/bureau/claims/{claim.id}/transfer",
        data={"csrf_token": csrf_token(client, "/bureau/organizations")},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "已移交" in done.get_data(as_text=True)
    assert session.exec(select(User).where(User.email == "wang@real-firm.cn")).one().org_id == squatter.org_id


def test_two_concurrent_decisions_on_one_claim(app, client, session, bureau, squatter):
    bearer(client, squatter.email, PASSWORD)
    filed = client.post("/api/v1/organization-claims", json=claim_data(session, squatter)).json
    headers = bearer(client, bureau.email, PASSWORD)
    url = f"/api/v1/organization-claims/{filed['id']}/resolve"
    responses = concurrently(
        *[
            lambda decision=decision: app.test_client().post(
                url, json={"decision": decision}, headers=headers
            )
            for decision in ("transfer", "transfer")
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    session.expire_all()
    assert (
        session.exec(select(func.count()).select_from(User).where(User.email == "wang@real-firm.cn")).one()
        == 1
    )
    assert (
        session.exec(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == squatter.id)).one()
        == 0
    )


def test_two_concurrent_claims_are_both_recorded(app, session, squatter):
    bodies = [claim_data(session, squatter, email=f"claimant{n}@real-firm.cn") for n in (1, 2)]
    responses = concurrently(
        *[
            lambda body=body: app.test_client().post("/api/v1/organization-claims", json=body)
            for body in bodies
        ]
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert session.exec(select(func.count()).select_from(OrganizationClaim)).one() == 2


def test_demo_organizations_are_verified(runner, session):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    orgs = session.exec(select(Organization)).all()
    assert orgs and all(org.verified for org in orgs)
