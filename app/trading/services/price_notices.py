"""The price notice (成果转化公示) a university or institute runs before selling an achievement by agreement: the
achievement's name and intended price on `/notices` for an objection period, objections from anyone, the bureau's
answers (an upheld objection stops the sale). The contract of such a sale cannot be signed until its notice has
closed cleared (`require_cleared`, called by contract signing).

The objections take the same input as the centers' notice (`ObjectionIn`), and the page shows both on `/notices`.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.market.rules import is_live
from app.platform import audit
from app.platform.errors import Conflict, Forbidden, NotFound
from app.platform.notifications import notify
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from app.trading import rules
from app.trading.services import modes
from app.trading.services.sellers import own_achievement
from models import (
    Achievement,
    Contract,
    Interest,
    ObjectionIn,
    Organization,
    PriceNotice,
    PriceNoticeAnswerIn,
    PriceNoticeIn,
    PriceNoticeObjection,
    User,
)
from models.common import utcnow


def latest(session: Session, achievement_id: int) -> PriceNotice | None:
    return session.exec(
        select(PriceNotice)
        .where(PriceNotice.achievement_id == achievement_id)
        .order_by(col(PriceNotice.id).desc())
    ).first()


def objections_of(session: Session, notice_id: int) -> list[PriceNoticeObjection]:
    return list(
        session.exec(
            select(PriceNoticeObjection)
            .where(PriceNoticeObjection.notice_id == notice_id)
            .order_by(col(PriceNoticeObjection.id))
        ).all()
    )


def state_of(session: Session, notice: PriceNotice | None, now: datetime | None = None) -> str:
    """none, running, blocked, pending or cleared (see `rules.notice_state`)."""
    if notice is None:
        return "none"
    assert notice.id is not None
    objections = objections_of(session, notice.id)
    return rules.notice_state(
        ends_at=notice.ends_at,
        upheld=sum(1 for o in objections if o.upheld),
        unanswered=sum(1 for o in objections if o.answer is None),
        now=now or utcnow(),
    )


def open_notice(*, session: Session, user: User | None, achievement_id: int, data: dict) -> PriceNotice:
    """The seller (a university or institute) publishes the achievement's name and intended price."""
    achievement = own_achievement(session, user, achievement_id)
    assert user is not None and achievement.id is not None
    notice_in = parse(PriceNoticeIn, data)
    org = session.get(Organization, achievement.org_id)
    if org is None or org.kind not in rules.NOTICE_SELLERS:
        raise Forbidden(_("Only universities and institutes publish a price notice before selling."))
    if modes.mode_name(session, achievement.id) != "negotiated":
        raise Conflict(_("A price notice is for sales by agreement (协议定价)."))
    # One read for both the check and the round: read twice, a notice opened in between would pass the check
    # as "none" and then number this one after it, and both would stand.
    previous = latest(session, achievement.id)
    if state_of(session, previous) in ("running", "pending"):
        raise Conflict(_("A price notice for this achievement is already running."))
    now = utcnow()
    notice = PriceNotice(
        achievement_id=achievement.id,
        round=previous.round + 1 if previous is not None else 1,
        seller_org_id=achievement.org_id,
        title=achievement.title,
        price=notice_in.price,
        opened_at=now,
        ends_at=now + timedelta(days=notice_in.days),
        created_by=user.id,
    )
    session.add(notice)
    try:
        session.flush()
    except IntegrityError:  # opened twice at once: the other one stands
        session.rollback()
        raise Conflict(_("A price notice for this achievement is already running.")) from None
    audit.record(
        session,
        subject="achievement",
        subject_id=achievement.id,
        action="price_notice_opened",
        actor=user,
        price=notice.price,
        ends_at=notice.ends_at.isoformat(),
    )
    session.commit()
    session.refresh(notice)
    return notice


def on_notice(*, session: Session, now: datetime | None = None) -> list[PriceNotice]:
    """Notices running now, the soonest to close first."""
    now = now or utcnow()
    rows = session.exec(
        select(PriceNotice).where(col(PriceNotice.ends_at) > now).order_by(col(PriceNotice.ends_at))
    ).all()
    return [row for row in rows if _live(session, row)]


def _live(session: Session, notice: PriceNotice) -> bool:
    achievement = session.get(Achievement, notice.achievement_id)
    return achievement is not None and is_live(achievement)


def get_notice(session: Session, notice_id: int) -> PriceNotice:
    notice = session.get(PriceNotice, notice_id)
    if notice is None:
        raise NotFound(_("No such notice."))
    return notice


def raise_objection(*, session: Session, notice_id: int, data: dict) -> PriceNoticeObjection:
    """Anyone may object while the notice runs; the seller learns one came in."""
    objection_in = parse(ObjectionIn, data)
    notice = get_notice(session, notice_id)
    if utcnow() >= notice.ends_at:
        raise Conflict(_("The objection period of this notice has ended."))
    assert notice.id is not None
    objection = PriceNoticeObjection(notice_id=notice.id, **objection_in.model_dump())
    session.add(objection)
    audit.record(
        session, subject="achievement", subject_id=notice.achievement_id, action="price_objection", actor=None
    )
    notify(
        session=session,
        org_id=notice.seller_org_id,
        kind="price_notice_objection",
        subject_type="achievement",
        subject_id=notice.achievement_id,
        text=notice.title,
    )
    session.commit()
    session.refresh(objection)
    return objection


def answer_objection(
    *, session: Session, user: User | None, objection_id: int, data: dict
) -> PriceNoticeObjection:
    """The bureau answers an objection once; upholding it stops the sale by agreement."""
    user = require_bureau(user)
    answer_in = parse(PriceNoticeAnswerIn, data)
    objection = session.get(PriceNoticeObjection, objection_id)
    if objection is None:
        raise NotFound(_("No such objection."))
    result = session.execute(
        update(PriceNoticeObjection)
        .where(col(PriceNoticeObjection.id) == objection.id, col(PriceNoticeObjection.answer).is_(None))
        .values(answer=answer_in.answer, answered_at=utcnow(), answered_by=user.id, upheld=answer_in.upheld)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        session.rollback()
        raise Conflict(_("This objection has already been answered."))
    notice = get_notice(session, objection.notice_id)
    audit.record(
        session,
        subject="achievement",
        subject_id=notice.achievement_id,
        action="price_objection_answered",
        actor=user,
        upheld=answer_in.upheld,
    )
    session.commit()
    session.refresh(objection)
    return objection


def require_cleared(session: Session, contract: Contract) -> None:
    """Refuse to sign a university's or institute's sale by agreement until its price notice has cleared."""
    interest = session.get(Interest, contract.interest_id)
    if interest is None or interest.target_type != "achievement":
        return
    achievement = session.get(Achievement, interest.target_id)
    seller = session.get(Organization, interest.to_org_id)
    if achievement is None or seller is None or achievement.id is None:
        return
    if not rules.needs_price_notice(
        seller_kind=seller.kind, mode=modes.mode_name(session, achievement.id), contract_kind=contract.kind
    ):
        return
    notice = latest(session, achievement.id)
    state = state_of(session, notice)
    if state == "cleared":
        assert notice is not None
        if contract.amount != notice.price:
            raise Conflict(
                _(
                    "The contract amount (%(amount)s yuan) differs from the price on notice (%(price)s yuan): "
                    "publish a new notice at this price first.",
                    amount=contract.amount,
                    price=notice.price,
                )
            )
        return
    if state == "none":
        raise Conflict(
            _(
                "A university or institute selling by agreement must first publish the achievement's name and "
                "price (公示): the seller opens the price notice on the achievement's page."
            )
        )
    assert notice is not None
    if state == "running":
        raise Conflict(
            _(
                "The price notice runs until %(day)s; the contract can be signed once it has closed.",
                day=notice.ends_at.date().isoformat(),
            )
        )
    if state == "pending":
        raise Conflict(_("The price notice has closed, but the bureau has not yet answered every objection."))
    raise Conflict(_("An objection to the price notice was upheld: this sale cannot be signed as noticed."))
