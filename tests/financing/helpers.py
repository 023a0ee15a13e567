"""Shared set-up of the financing tests: an SME asking for money, a finance organization offering it."""

from sqlmodel import Session

from models import Organization, SizeClass
from tests.utils.factories import PASSWORD, create_user
from tests.utils.web import bearer


def request_data(**overrides) -> dict:
    return {
        "title": "激光焊接装备企业种子轮融资",
        "description": "专注铝合金车身激光焊接装备，寻求种子轮股权投资。",
        "industry": "automotive",
        "finance_type": "equity",
        "stage": "seed",
        "amount": 3_000_000,
        "use_of_funds": "研发投入 60%，产线建设 40%。",
        "traction": "2025 年营收 800 万元，签约客户 6 家。",
        "trl": 6,
        "status": "published",
        **overrides,
    }


def product_data(**overrides) -> dict:
    return {
        "title": "科创种子基金股权投资",
        "description": "投资智能制造与汽车零部件领域的早期科技企业。",
        "industry": "automotive",
        "finance_type": "equity",
        "amount_min": 1_000_000,
        "amount_max": 10_000_000,
        "terms": "单笔 100–1000 万元，占股不超过 20%。",
        "trl_min": 5,
        "size_classes": ["small", "micro"],
        "industries": ["automotive"],
        "status": "published",
        **overrides,
    }


def finance_user(session: Session):
    return create_user(session, "finance")


def sme_user(session: Session, size: SizeClass = SizeClass.small):
    user = create_user(session, "enterprise")
    org = session.get(Organization, user.org_id)
    assert org is not None
    org.size_class = size
    session.add(org)
    session.commit()
    return user


def headers(client, user) -> dict:
    return bearer(client, user.email, PASSWORD)


def post(client, hdrs, segment: str, data: dict) -> dict:
    response = client.post(f"/api/v1/{segment}", json=data, headers=hdrs)
    assert response.status_code == 201, response.json
    return response.json


def accepted_interest(client, asker_headers, owner_headers, target_type: str, target_id: int) -> int:
    """An interest in a listing, accepted by its owner: the conversation a financing record comes from."""
    response = client.post(
        "/api/v1/interests",
        json={"target_type": target_type, "target_id": target_id, "message": "希望进一步沟通融资方案。"},
        headers=asker_headers,
    )
    assert response.status_code == 201, response.json
    interest_id = response.json["id"]
    accepted = client.post(f"/api/v1/interests/{interest_id}/accept", headers=owner_headers)
    assert accepted.status_code == 200, accepted.json
    return interest_id
