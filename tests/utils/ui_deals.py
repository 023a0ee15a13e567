"""Factories for the deal and profile page tests: centers, and interests and contracts made through the services."""

from datetime import date

from sqlmodel import Session

from app.deals.services import contracts, interests
from models import Center, CenterMember, User
from tests.utils.factories import in_app


def create_center(
    session: Session, user: User, *, status: str = "filed", members: tuple[User, ...] = (), **fields
) -> Center:
    """A center run by `user`'s organization, with other users' organizations as member units."""
    values = {
        "name": "长春市汽车轻量化制造业创新中心",
        "level": "province",
        "industry": "automotive",
        "domain": "铝镁合金压铸与异种材料连接",
        "description": "中心建有压铸工艺中试线。",
        "offers_incubation": True,
        "established": date(2019, 5, 1),
        **fields,
    }
    center = Center(org_id=user.org_id, lead_org_id=user.org_id, status=status, **values)
    session.add(center)
    session.flush()
    for member in members:
        session.add(CenterMember(center_id=center.id, org_id=member.org_id))
    session.commit()
    session.refresh(center)
    return center


def express(
    session: Session, user: User, target_type: str, target_id: int, message: str = "希望合作。", **via
):
    with in_app(session):
        return interests.express_interest(
            session=session, user=user, target_type=target_type, target_id=target_id, message=message, **via
        )


def accept(session: Session, user: User, interest_id: int):
    with in_app(session):
        return interests.accept_interest(session=session, user=user, interest_id=interest_id)


def contract_data(interest_id: int, **overrides) -> dict:
    return {
        "interest_id": interest_id,
        "kind": "commissioned_development",
        "title": "激光焊接工艺委托开发合同",
        "amount": 1_200_000,
        "technology_amount": 1_000_000,
        "currency": "CNY",
        "milestones": [
            {"title": "工艺方案", "due_on": "2027-02-01", "amount": 400_000},
            {"title": "中试验证", "due_on": "2027-06-01", "amount": 800_000},
        ],
        **overrides,
    }


def create_contract(session: Session, user: User, interest_id: int, **overrides):
    """A draft through the service. A `signed_on` older than the service's window (an offline contract of a
    past year, which only the bureau could confirm) is written to the row afterwards, for the indicator worlds."""
    signed_on = overrides.get("signed_on")
    backdated = signed_on is not None and not contracts.signed_on_allowed(date.fromisoformat(str(signed_on)))
    if backdated:
        overrides.pop("signed_on")
    with in_app(session):
        contract = contracts.create_contract(
            session=session, user=user, data=contract_data(interest_id, **overrides)
        )
    if backdated:
        contract.signed_on = date.fromisoformat(str(signed_on))
        session.add(contract)
        session.commit()
        session.refresh(contract)
    return contract
