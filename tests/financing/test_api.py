"""Financing through the API: an SME posts a financing request, a finance organization a product; only finance
organizations post products; the request's figures open to the owner, the bureau and finance organizations only;
a record follows an accepted conversation, is confirmed by the financed side, counts in the bureau's indicators
by type; two records for one conversation give one 201 and one 409 on both databases."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import FinancingRecord
from tests.conftest import BACKENDS
from tests.financing.helpers import (
    accepted_interest,
    finance_user,
    headers,
    post,
    product_data,
    request_data,
    sme_user,
)
from tests.utils.audit import actions
from tests.utils.factories import create_role_user, create_user
from tests.utils.web import concurrently

on_both_databases = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
pytestmark = on_both_databases


@pytest.fixture
def world(client, session):
    sme, fund = sme_user(session), finance_user(session)
    bureau = create_role_user(session, "bureau")
    h = {"sme": headers(client, sme), "fund": headers(client, fund), "bureau": headers(client, bureau)}
    request = post(client, h["sme"], "financing-requests", request_data())
    product = post(client, h["fund"], "finance-products", product_data())
    return {"sme": sme, "fund": fund, "h": h, "request": request, "product": product}


def record(client, world, interest_id, **overrides):
    body = {
        "interest_id": interest_id,
        "finance_type": "equity",
        "amount": 3_000_000,
        "financed_on": date.today().isoformat(),
        **overrides,
    }
    return client.post("/api/v1/financing-records", json=body, headers=world["h"]["fund"])


def test_only_finance_organizations_post_products(client, session, world):
    response = client.post("/api/v1/finance-products", json=product_data(), headers=world["h"]["sme"])
    assert response.status_code == 403
    # ...and a finance organization asks for no money here.
    response = client.post("/api/v1/financing-requests", json=request_data(), headers=world["h"]["fund"])
    assert response.status_code == 403
    # A center-side organization may post its own round.
    university = create_user(session, "university")
    response = client.post(
        "/api/v1/financing-requests", json=request_data(), headers=headers(client, university)
    )
    assert response.status_code == 201, response.json


def test_bad_input_is_422_naming_the_fields(client, world):
    response = client.post(
        "/api/v1/finance-products",
        json=product_data(amount_min=5_000_000, amount_max=1_000_000, size_classes=["giant"]),
        headers=world["h"]["fund"],
    )
    assert response.status_code == 422
    response = client.post(
        "/api/v1/finance-products", json=product_data(size_classes=["giant"]), headers=world["h"]["fund"]
    )
    assert response.status_code == 422 and "size_classes" in response.json["error"]["fields"]
    response = client.post(
        "/api/v1/financing-requests",
        json=request_data(amount=0, finance_type="gift"),
        headers=world["h"]["sme"],
    )
    assert response.status_code == 422
    assert {"amount", "finance_type"} <= set(response.json["error"]["fields"])


def test_figures_open_to_owner_bureau_and_finance_organizations_only(client, session, world):
    rid = world["request"]["id"]
    other = headers(client, create_user(session, "enterprise"))
    seen = {
        name: client.get(f"/api/v1/financing-requests/{rid}", headers=h).json
        for name, h in (
            ("sme", world["h"]["sme"]),
            ("fund", world["h"]["fund"]),
            ("bureau", world["h"]["bureau"]),
        )
    }
    for body in seen.values():
        assert body["traction"] == "2025 年营收 800 万元，签约客户 6 家。" and body["use_of_funds"]
    for h in (other, {}):
        body = client.get(f"/api/v1/financing-requests/{rid}", headers=h).json
        assert body["traction"] is None and body["use_of_funds"] is None
        assert body["description"] and body["amount"] == 3_000_000
    # The page says the same.
    page = client.get(f"/financing-requests/{rid}").get_data(as_text=True)
    assert "签约客户 6 家" not in page and "激光焊接装备企业种子轮融资" in page


def test_a_record_follows_an_accepted_conversation_and_counts_once_confirmed(client, session, world):
    interest_id = accepted_interest(
        client, world["h"]["fund"], world["h"]["sme"], "financing", world["request"]["id"]
    )
    # The financed side cannot record it: the finance organization does.
    wrong = client.post(
        "/api/v1/financing-records",
        json={"interest_id": interest_id, "finance_type": "equity", "amount": 1, "financed_on": "2026-01-01"},
        headers=world["h"]["sme"],
    )
    assert wrong.status_code == 403
    created = record(client, world, interest_id)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "recorded" and body["request_id"] == world["request"]["id"]
    assert (
        body["financed_org"]["id"] == world["sme"].org_id
        and body["finance_org"]["id"] == world["fund"].org_id
    )
    year = date.today().year
    figures = client.get(f"/api/v1/indicators?year={year}", headers=world["h"]["bureau"]).json
    assert figures["indicators"]["financing"] == {"count": 0, "amount": 0}
    # Only the financed organization confirms.
    assert (
        client.post(
            f"/api/v1/financing-records/{body['id']}/decision",
            json={"decision": "confirm"},
            headers=world["h"]["fund"],
        ).status_code
        == 403
    )
    confirmed = client.post(
        f"/api/v1/financing-records/{body['id']}/decision",
        json={"decision": "confirm"},
        headers=world["h"]["sme"],
    )
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    again = client.post(
        f"/api/v1/financing-records/{body['id']}/decision",
        json={"decision": "reject"},
        headers=world["h"]["sme"],
    )
    assert again.status_code == 409
    figures = client.get(f"/api/v1/indicators?year={year}", headers=world["h"]["bureau"]).json
    assert figures["indicators"]["financing"] == {"count": 1, "amount": 3_000_000}
    assert figures["financing_by_type"]["equity"] == {"count": 1, "amount": 3_000_000}
    assert figures["financing_by_type"]["tech_loan"] == {"count": 0, "amount": 0}
    assert actions(session, "financing_record", body["id"]) == ["record", "confirm"]
    # Parties and the bureau read it; anyone else is told it does not exist.
    for h in (world["h"]["sme"], world["h"]["fund"], world["h"]["bureau"]):
        listed = client.get("/api/v1/financing-records", headers=h).json["items"]
        assert [item["id"] for item in listed] == [body["id"]]
        assert client.get(f"/api/v1/financing-records/{body['id']}", headers=h).status_code == 200
    stranger = headers(client, create_user(session, "enterprise"))
    assert client.get(f"/api/v1/financing-records/{body['id']}", headers=stranger).status_code == 404
    assert client.get("/api/v1/financing-records", headers=stranger).json["items"] == []


def test_record_refusals_say_why(client, session, world):
    pending = client.post(
        "/api/v1/interests",
        json={"target_type": "financing", "target_id": world["request"]["id"], "message": "你好"},
        headers=world["h"]["fund"],
    ).json["id"]
    assert record(client, world, pending).status_code == 409  # not accepted yet
    client.post(f"/api/v1/interests/{pending}/accept", headers=world["h"]["sme"])
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = record(client, world, pending, financed_on=tomorrow, amount=-5)
    assert response.status_code == 422 and "amount" in response.json["error"]["fields"]
    response = record(client, world, pending, financed_on=tomorrow)
    assert response.status_code == 422 and "financed_on" in response.json["error"]["fields"]
    response = record(client, world, 999_999)
    assert response.status_code == 422 and "interest_id" in response.json["error"]["fields"]
    session.expire_all()
    assert session.exec(select(FinancingRecord)).all() == []


def test_two_records_for_one_conversation_give_one_201_and_one_409(app, session, world, client):
    interest_id = accepted_interest(
        client, world["h"]["sme"], world["h"]["fund"], "finance_product", world["product"]["id"]
    )
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(*(lambda c=c: record(c, world, interest_id) for c in clients))
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json["error"]["message"]
    session.expire_all()
    assert len(session.exec(select(FinancingRecord)).all()) == 1


def test_two_answers_to_one_record_decide_it_once(app, session, world, client):
    interest_id = accepted_interest(
        client, world["h"]["fund"], world["h"]["sme"], "financing", world["request"]["id"]
    )
    record_id = record(client, world, interest_id).json["id"]
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c, d=d: c.post(
                f"/api/v1/financing-records/{record_id}/decision",
                json={"decision": d},
                headers=world["h"]["sme"],
            )
            for c, d in zip(clients, ("confirm", "reject"), strict=True)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert len(actions(session, "financing_record", record_id)) == 2
