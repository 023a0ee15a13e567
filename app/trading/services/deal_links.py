"""How a trade becomes a deal: the buyer's accepted interest in what was sold (its open one, or a new one) and a
draft contract from it through `app.deals.services.contracts`, so an auction's winner and a challenge's selected
team land in the same contract, text, signature and audit chain as a negotiated deal."""

from sqlmodel import Session, col, select

from app.deals.services import contracts
from models import Contract, Interest, InterestStatus, User
from models.common import utcnow


def accepted_interest(
    session: Session, *, from_org: int, target_type: str, target_id: int, to_org: int, message: str
) -> Interest:
    """The open interest of `from_org` in the target, accepted now if it was pending, or a new accepted one
    (flushed in the caller's transaction)."""
    interest = session.exec(
        select(Interest).where(
            Interest.from_org_id == from_org,
            Interest.target_type == target_type,
            Interest.target_id == target_id,
            col(Interest.status).in_((InterestStatus.pending, InterestStatus.accepted)),
        )
    ).first()
    if interest is None:
        sender = session.exec(select(User).where(User.org_id == from_org).order_by(col(User.id))).first()
        assert sender is not None and sender.id is not None  # an organization that bid or proposed has users
        interest = Interest(
            from_org_id=from_org,
            from_user_id=sender.id,
            target_type=target_type,
            target_id=target_id,
            to_org_id=to_org,
            message=message,
            status=InterestStatus.accepted,
            decided_at=utcnow(),
        )
    elif interest.status != InterestStatus.accepted:
        interest.status, interest.decided_at = InterestStatus.accepted, utcnow()
    session.add(interest)
    session.flush()
    return interest


def member_of(session: Session, org_id: int, preferred: int | None) -> User:
    """A user acting for `org_id`: the preferred one when still active there, else its first user."""
    user = session.get(User, preferred) if preferred else None
    if user is None or user.org_id != org_id or not user.is_active:
        user = session.exec(select(User).where(User.org_id == org_id).order_by(col(User.id))).first()
    assert user is not None  # the organization acted here through a user
    return user


def draft_contract(
    session: Session,
    *,
    creator: User,
    interest: Interest,
    kind: str,
    title: str,
    amount: int,
    field: str | None,
) -> Contract:
    """A draft contract of `kind` at `amount` from the interest; `create_contract` commits the caller's work."""
    assert interest.id is not None  # flushed
    return contracts.create_contract(
        session=session,
        user=creator,
        data={
            "interest_id": interest.id,
            "kind": kind,
            "title": title,
            "amount": amount,
            "technology_amount": amount,
            "field": field,
        },
    )
