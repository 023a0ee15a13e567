"""The matcher pairs financing requests and finance products: a request's page and API recommend the products it
is eligible for, never an ineligible one, with the structured fit and the firm's history as reasons; a product's
page recommends the requests it may serve."""

import pytest
from sqlmodel import Session

from models import Achievement, Contract, ContractKind, ContractStatus, Interest, InterestStatus
from tests.conftest import BACKENDS
from tests.financing.helpers import finance_user, headers, post, product_data, request_data, sme_user
from tests.utils.factories import create_user

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def _history(session: Session, org_id: int, other) -> None:
    """Two signed contracts and an achievement with two patents: the firm's record on the platform."""
    other_org_id = other.org_id
    for n, amount in enumerate((800_000, 1_600_000), start=1):
        interest = Interest(
            from_org_id=other_org_id,
            from_user_id=other.id,
            target_type="need",
            target_id=n,
            to_org_id=org_id,
            message="合作",
            status=InterestStatus.accepted,
        )
        session.add(interest)
        session.flush()
        session.add(
            Contract(
                interest_id=interest.id,
                title="技术开发合同",
                kind=ContractKind.commissioned_development,
                status=ContractStatus.signed,
                amount=amount,
                technology_amount=amount,
                party_a_org_id=other_org_id,
                party_b_org_id=org_id,
            )
        )
    session.add(
        Achievement(
            title="激光焊接工艺",
            description="铝合金激光焊接",
            org_id=org_id,
            patent_numbers=["ZL202310000001.1", "ZL202310000002.X"],
        )
    )
    session.commit()


def test_a_request_is_recommended_the_products_it_is_eligible_for(client, session):
    sme, fund, bank = sme_user(session), finance_user(session), finance_user(session)
    other = create_user(session, "enterprise")
    _history(session, sme.org_id, other)
    h = {"sme": headers(client, sme), "fund": headers(client, fund), "bank": headers(client, bank)}
    request = post(client, h["sme"], "financing-requests", request_data())
    fits = post(client, h["fund"], "finance-products", product_data())
    too_ready = post(client, h["fund"], "finance-products", product_data(title="成长期基金", trl_min=8))
    loan = post(client, h["bank"], "finance-products", product_data(title="科技贷", finance_type="tech_loan"))
    open_fund = post(
        client,
        h["bank"],
        "finance-products",
        product_data(title="天使投资", size_classes=[], industries=[], trl_min=None, amount_min=None),
    )

    response = client.get(f"/api/v1/financing-requests/{request['id']}/recommendations")
    assert response.status_code == 200, response.json
    items = response.json
    ids = [item["target_id"] for item in items]
    assert fits["id"] in ids and open_fund["id"] in ids
    assert too_ready["id"] not in ids and loan["id"] not in ids
    # The product meeting every stated condition first, its reasons saying so, with the firm's history.
    assert ids[0] == fits["id"]
    codes = [reason["code"] for reason in items[0]["reasons"]]
    assert {"type_fit", "amount_fit", "trl_fit", "size_fit", "industry_fit", "contracts", "patents"} <= set(
        codes
    )
    texts = " ".join(reason["text"] for reason in items[0]["reasons"])
    assert "TRL 6" in texts and "2" in texts

    page = client.get(f"/financing-requests/{request['id']}").get_data(as_text=True)
    assert "科创种子基金股权投资" in page and "成长期基金" not in page and "科技贷" not in page

    # From the product's side: the request, with the same evidence.
    response = client.get(f"/api/v1/finance-products/{fits['id']}/recommendations")
    assert [item["target_id"] for item in response.json] == [request["id"]]
    response = client.get(f"/api/v1/finance-products/{too_ready['id']}/recommendations")
    assert response.json == []
