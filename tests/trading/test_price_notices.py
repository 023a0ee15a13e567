"""The price notice (公示) of a university's sale by agreement: the contract cannot be signed before the notice has
closed without an upheld objection; objections and answers show on /notices; a center's sale needs none."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.deals.services import contracts, interests
from models import AuditEvent, PriceNotice, PriceNoticeObjection
from tests.conftest import BACKENDS
from tests.utils.deal_world import current_sha256
from tests.utils.factories import PASSWORD, create_achievement, create_user, in_app, verify_org
from tests.utils.web import bearer, concurrently

OBJECTION = {"name": "张三", "contact": "zhang@example.cn", "text": "拟交易价格明显低于同类成果。"}
ZH = {"Accept-Language": "zh-CN"}


def _sale(session, seller_kind: str = "university"):
    """A verified seller's achievement, a verified enterprise's accepted interest and a draft license contract."""
    seller, buyer = create_user(session, seller_kind), create_user(session, "enterprise")
    verify_org(session, seller)
    verify_org(session, buyer)
    achievement = create_achievement(session, seller)
    with in_app(session):
        interest = interests.express_interest(
            session=session,
            user=buyer,
            target_type="achievement",
            target_id=achievement.id,
            message="希望许可",
        )
        interests.accept_interest(session=session, user=seller, interest_id=interest.id)
        contract = contracts.create_contract(
            session=session,
            user=buyer,
            data={
                "interest_id": interest.id,
                "kind": "license",
                "title": "激光-电弧复合焊接工艺许可合同",
                "amount": 800_000,
                "technology_amount": 800_000,
            },
        )
    return seller, buyer, achievement, contract


def _sign(client, session, headers, contract_id):
    return client.post(
        f"/api/v1/contracts/{contract_id}/transition",
        json={"to": "signed", "text_sha256": current_sha256(session, contract_id)},
        headers={**headers, **ZH},
    )


def _close_notice(session, notice_id):
    session.execute(
        update(PriceNotice)
        .where(PriceNotice.id == notice_id)
        .values(ends_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    session.commit()


def test_a_university_sale_is_signed_only_after_its_notice_closed_cleared(client, session):
    seller, buyer, achievement, contract = _sale(session)
    seller_h, buyer_h = bearer(client, seller.email, PASSWORD), bearer(client, buyer.email, PASSWORD)
    refused = _sign(client, session, buyer_h, contract.id)
    assert refused.status_code == 409 and "公示" in refused.json["error"]["message"]

    opened = client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice", json={"price": 800_000}, headers=seller_h
    )
    assert opened.status_code == 201 and opened.json["state"] == "running"
    page = client.get("/notices", headers=ZH).get_data(as_text=True)
    assert achievement.title in page and "80" in page

    running = _sign(client, session, buyer_h, contract.id)
    assert running.status_code == 409 and "公示至" in running.json["error"]["message"]

    objected = client.post(f"/api/v1/price-notices/{opened.json['id']}/objections", json=OBJECTION)
    assert objected.status_code == 201
    _close_notice(session, opened.json["id"])
    pending = _sign(client, session, buyer_h, contract.id)
    assert pending.status_code == 409 and "异议" in pending.json["error"]["message"]

    from tests.utils.factories import create_role_user

    bureau_h = bearer(client, create_role_user(session, "bureau").email, PASSWORD)
    answered = client.post(
        f"/api/v1/price-objections/{objected.json['id']}/answer",
        json={"answer": "价格经第三方评估，不予支持。", "upheld": False},
        headers=bureau_h,
    )
    assert answered.status_code == 200 and answered.json["upheld"] is False
    assert _sign(client, session, buyer_h, contract.id).status_code == 200
    assert _sign(client, session, seller_h, contract.id).json["status"] == "signed"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.subject_type == "achievement")).all()
    assert {"price_notice_opened", "price_objection", "price_objection_answered"} <= set(actions)


def test_a_contract_at_another_price_than_noticed_is_not_signed(client, session):
    seller, buyer, achievement, contract = _sale(session)
    seller_h, buyer_h = bearer(client, seller.email, PASSWORD), bearer(client, buyer.email, PASSWORD)
    notice = client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice", json={"price": 1_000_000}, headers=seller_h
    ).json
    _close_notice(session, notice["id"])
    refused = _sign(client, session, buyer_h, contract.id)
    assert refused.status_code == 409 and "1000000" in refused.json["error"]["message"]


def test_an_upheld_objection_stops_the_sale(client, session):
    seller, buyer, achievement, contract = _sale(session)
    seller_h, buyer_h = bearer(client, seller.email, PASSWORD), bearer(client, buyer.email, PASSWORD)
    notice = client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice", json={"price": 800_000}, headers=seller_h
    ).json
    objection = client.post(f"/api/v1/price-notices/{notice['id']}/objections", json=OBJECTION).json
    from tests.utils.factories import create_role_user

    bureau_h = bearer(client, create_role_user(session, "bureau").email, PASSWORD)
    client.post(
        f"/api/v1/price-objections/{objection['id']}/answer",
        json={"answer": "异议成立，价格偏低。", "upheld": True},
        headers=bureau_h,
    )
    _close_notice(session, notice["id"])
    refused = _sign(client, session, buyer_h, contract.id)
    assert refused.status_code == 409 and "异议成立" in refused.json["error"]["message"]


def test_a_centers_sale_needs_no_notice_and_only_universities_and_institutes_open_one(client, session):
    seller, buyer, achievement, contract = _sale(session, "center")
    seller_h, buyer_h = bearer(client, seller.email, PASSWORD), bearer(client, buyer.email, PASSWORD)
    assert _sign(client, session, buyer_h, contract.id).status_code == 200
    refused = client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice", json={"price": 800_000}, headers=seller_h
    )
    assert refused.status_code == 403


def test_a_notice_shorter_than_fifteen_days_is_refused(client, session):
    seller, _buyer, achievement, _contract = _sale(session)
    response = client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice",
        json={"price": 800_000, "days": 5},
        headers=bearer(client, seller.email, PASSWORD),
    )
    assert response.status_code == 422 and "days" in response.json["error"]["fields"]


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_two_notices_at_once_and_two_answers_at_once(app, session):
    seller, _buyer, achievement, _contract = _sale(session)
    client = app.test_client()
    seller_h = bearer(client, seller.email, PASSWORD)
    clients = [app.test_client() for _ in range(2)]
    responses = concurrently(
        *(
            lambda c=c: c.post(
                f"/api/v1/achievements/{achievement.id}/price-notice",
                json={"price": 800_000},
                headers=seller_h,
            )
            for c in clients
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert len(session.exec(select(PriceNotice)).all()) == 1
    notice_id = next(r.json["id"] for r in responses if r.status_code == 201)
    objection = client.post(f"/api/v1/price-notices/{notice_id}/objections", json=OBJECTION).json
    from tests.utils.factories import create_role_user

    bureau_h = bearer(client, create_role_user(session, "bureau").email, PASSWORD)
    answers = concurrently(
        *(
            lambda c=c, up=up: c.post(
                f"/api/v1/price-objections/{objection['id']}/answer",
                json={"answer": "答复意见。", "upheld": up},
                headers=bureau_h,
            )
            for c, up in zip(clients, (True, False), strict=True)
        )
    )
    assert sorted(r.status_code for r in answers) == [200, 409]
    session.expire_all()
    row = session.get(PriceNoticeObjection, objection["id"])
    winner = next(r for r in answers if r.status_code == 200)
    assert row.upheld is winner.json["upheld"]


def test_an_objection_from_the_notices_page(client, session):
    seller, _buyer, achievement, _contract = _sale(session)
    client.post(
        f"/api/v1/achievements/{achievement.id}/price-notice",
        json={"price": 800_000},
        headers=bearer(client, seller.email, PASSWORD),
    )
    notice = session.exec(select(PriceNotice)).one()
    from tests.utils.web import csrf_token

    token = csrf_token(client, "/notices")
    response = client.post(f"/price-notices/{notice.id}/objections", data={**OBJECTION, "csrf_token": token})
    assert response.status_code == 302
    assert len(session.exec(select(PriceNoticeObjection)).all()) == 1
    empty = client.post(f"/price-notices/{notice.id}/objections", data={"csrf_token": token, "name": "李四"})
    assert empty.status_code == 422
