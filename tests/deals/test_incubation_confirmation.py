"""Issue 21 item 7: incubations typed in no longer inflate the city's `incubated_enterprises`.

One running incubation per firm (credit code) and center; the firm confirms it (or the bureau, for a firm
without an account here; or a signed incubation agreement does); only confirmed ones count."""

import pytest
from sqlmodel import func, select

from app.deals.services import incubations
from models import Incubation, Organization
from tests.conftest import BACKENDS
from tests.utils.deal_world import accepted_interest
from tests.utils.factories import PASSWORD, create_user, in_app
from tests.utils.indicator_world import sign
from tests.utils.ui_deals import create_contract
from tests.utils.web import bearer, concurrently, csrf_token

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
YEAR = 2026


def credit_code(session, user) -> str:
    return session.get(Organization, user.org_id).credit_code


def record(world, credit_code=None, name="长春轻量化材料科技有限公司", **fields) -> dict:
    body = {"center_id": world.center_id, "name": name, "started_on": f"{YEAR}-03-01", **fields}
    return {**body, "credit_code": credit_code} if credit_code else body


def incubated(client, world) -> int:
    headers = bearer(client, world.bureau.email, PASSWORD)
    body = client.get("/api/v1/indicators", query_string={"year": YEAR}, headers=headers).json
    return body["indicators"]["incubated_enterprises"]["count"]


def rows(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Incubation)).one()


def test_65_identical_posts_make_one_row_and_64_conflicts(client, session, world):
    firm = create_user(session, "enterprise")
    headers = bearer(client, world.center.email, PASSWORD)
    body = record(world, credit_code(session, firm))
    answers = [client.post("/api/v1/incubations", json=body, headers=headers) for _ in range(65)]
    assert [a.status_code for a in answers].count(201) == 1
    assert [a.status_code for a in answers].count(409) == 64
    assert "已在本中心孵化" in answers[-1].json["error"]["message"]
    assert rows(session) == 1
    # Nobody confirmed it: the city's figure does not move.
    assert incubated(client, world) == 0
    en = client.post("/api/v1/incubations", json=body, headers={**headers, "Accept-Language": "en"})
    assert en.status_code == 409 and "already incubates this enterprise" in en.json["error"]["message"]


def test_two_concurrent_identical_posts_make_one_row(app, client, session, world):
    firm = create_user(session, "enterprise")
    headers = bearer(client, world.center.email, PASSWORD)
    body = record(world, credit_code(session, firm))
    answers = concurrently(
        *[lambda: app.test_client().post("/api/v1/incubations", json=body, headers=headers)] * 2
    )
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert rows(session) == 1


def test_the_firm_confirms_and_only_then_it_counts(client, session, world):
    firm = create_user(session, "enterprise")
    created = client.post(
        "/api/v1/incubations",
        json=record(world, credit_code(session, firm).lower()),
        headers=bearer(client, world.center.email, PASSWORD),
    ).json
    assert created["confirmed_at"] is None and incubated(client, world) == 0
    firm_headers = bearer(client, firm.email, PASSWORD)
    asked = client.get("/api/v1/notifications", headers=firm_headers).json["items"]
    assert [n["kind"] for n in asked] == ["incubation_to_confirm"]
    # Neither the center that recorded it, nor the bureau (the firm has an account), nor a stranger confirms it.
    url = f"/api/v1/incubations/{created['id']}/confirm"
    for user, status in ((world.center, 403), (world.bureau, 403), (world.other, 404)):
        refused = client.post(url, json={"decision": "confirm"}, headers=bearer(client, user.email, PASSWORD))
        assert refused.status_code == status
    assert incubated(client, world) == 0
    assert client.post(url, json={"decision": "maybe"}, headers=firm_headers).status_code == 422
    confirmed = client.post(url, json={"decision": "confirm"}, headers=firm_headers)
    assert confirmed.status_code == 200 and confirmed.json["confirmed_at"] is not None
    assert incubated(client, world) == 1
    again = client.post(url, json={"decision": "reject"}, headers=firm_headers)
    assert again.status_code == 409 and "已确认" in again.json["error"]["message"]
    center_notices = client.get("/api/v1/notifications", headers=bearer(client, world.center.email, PASSWORD))
    assert "incubation_confirmed" in [n["kind"] for n in center_notices.json["items"]]


def test_a_rejected_record_ends_never_counts_and_frees_the_firm(client, session, world):
    firm = create_user(session, "enterprise")
    center = bearer(client, world.center.email, PASSWORD)
    body = record(world, credit_code(session, firm))
    created = client.post("/api/v1/incubations", json=body, headers=center).json
    rejected = client.post(
        f"/api/v1/incubations/{created['id']}/confirm",
        json={"decision": "reject"},
        headers=bearer(client, firm.email, PASSWORD),
    )
    assert rejected.status_code == 200
    assert rejected.json["status"] == "exited" and rejected.json["rejected_at"] is not None
    assert incubated(client, world) == 0
    assert client.post("/api/v1/incubations", json=body, headers=center).status_code == 201


def test_two_concurrent_confirmations_decide_once(app, client, session, world):
    firm = create_user(session, "enterprise")
    created = client.post(
        "/api/v1/incubations",
        json=record(world, credit_code(session, firm)),
        headers=bearer(client, world.center.email, PASSWORD),
    ).json
    headers = bearer(client, firm.email, PASSWORD)
    url = f"/api/v1/incubations/{created['id']}/confirm"
    answers = concurrently(
        lambda: app.test_client().post(url, json={"decision": "confirm"}, headers=headers),
        lambda: app.test_client().post(url, json={"decision": "reject"}, headers=headers),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    session.expire_all()
    row = session.get(Incubation, created["id"])
    assert (row.confirmed_at is None) != (row.rejected_at is None)
    assert incubated(client, world) == (1 if row.confirmed_at else 0)


def test_the_bureau_confirms_a_firm_without_an_account_on_the_page(client, session, world, auth):
    created = client.post(
        "/api/v1/incubations",
        json=record(world, name="尚未注册的孵化企业"),
        headers=bearer(client, world.center.email, PASSWORD),
    ).json
    auth.login(world.center.email)
    page = client.get("/incubations", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "尚未注册的孵化企业" in page and f"/incubations/{created['id']}/confirm" not in page
    auth.logout()
    auth.login(world.bureau.email)
    page = client.get("/incubations").get_data(as_text=True)
    assert f"/incubations/{created['id']}/confirm" in page
    token = csrf_token(client, "/incubations")
    done = client.post(f"/incubations/{created['id']}/confirm", data={"csrf_token": token})
    assert done.status_code == 302
    assert incubated(client, world) == 1


def test_a_signed_incubation_agreement_confirms_it_at_once(client, session, world):
    interest = accepted_interest(session, world)
    contract = create_contract(session, world.sme, interest.id, kind="incubation", milestones=[])
    sign(session, contract.id, world.sme, world.center)
    with in_app(session):
        row = incubations.create_incubation(
            session=session,
            user=world.center,
            data={
                "center_id": world.center_id,
                "name": "从孵化协议来的企业",
                "contract_id": contract.id,
                "started_on": f"{YEAR}-03-01",
            },
        )
    assert row.credit_code == credit_code(session, world.sme)  # taken from the agreement's other party
    assert row.confirmed_at is not None and incubated(client, world) == 1


def test_the_center_picks_a_registered_firm_instead_of_retyping_it(client, session, world, auth):
    accepted_interest(session, world)  # the center and the SME have dealt with each other
    auth.login(world.center.email)
    page = client.get("/incubations").get_data(as_text=True)
    sme = session.get(Organization, world.sme.org_id)
    assert f'<option value="{sme.id}">{sme.name} ({sme.credit_code})</option>' in page
    assert session.get(Organization, world.other.org_id).name not in page  # no dealings: not offered
    token = csrf_token(client, "/incubations")
    saved = client.post(
        "/incubations",
        data={
            "csrf_token": token,
            "center_id": world.center_id,
            "firm_org_id": sme.id,
            "started_on": f"{YEAR}-03-01",
        },
    )
    assert saved.status_code == 302
    row = session.exec(select(Incubation)).one()
    assert (row.name, row.credit_code, row.confirmed_at) == (sme.name, sme.credit_code, None)
    # A registered firm the center has not dealt with is found by its name or credit code, not retyped.
    other = session.get(Organization, world.other.org_id)
    for query in (other.name[2:8], other.credit_code[:10]):
        found = client.get("/incubations", query_string={"firm_q": query}).get_data(as_text=True)
        assert f'<option value="{other.id}">{other.name} ({other.credit_code})</option>' in found, query
    headers = bearer(client, world.center.email, PASSWORD)
    picked = client.post(
        "/api/v1/incubations", json={**record(world), "firm_org_id": other.id, "name": None}, headers=headers
    )
    assert picked.status_code == 201, picked.json
    # Only an enterprise is an incubated firm: not the center's own organization.
    own = client.post(
        "/api/v1/incubations", json={**record(world), "firm_org_id": world.center.org_id}, headers=headers
    )
    assert own.status_code == 422 and "firm_org_id" in own.json["error"]["fields"]
    nameless = client.post("/api/v1/incubations", json={**record(world), "name": None}, headers=headers)
    assert nameless.status_code == 422 and "name" in nameless.json["error"]["fields"]
