"""An achievement's trading mode: 协议定价 (negotiated, the default), 挂牌 (listed at a public asking price) or 拍卖
(auction, set by opening one). The listing page shows the asking price of a listed achievement."""

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.platform import audit
from app.platform.errors import Conflict, Invalid
from app.platform.validation import parse
from app.trading.services.sellers import own_achievement
from models import Achievement, AchievementTrading, Auction, AuctionStatus, TradingMode, TradingModeIn, User
from models.common import utcnow


def mode_of(session: Session, achievement_id: int) -> AchievementTrading | None:
    return session.exec(
        select(AchievementTrading).where(AchievementTrading.achievement_id == achievement_id)
    ).first()


def mode_name(session: Session, achievement_id: int) -> str:
    row = mode_of(session, achievement_id)
    return row.mode if row is not None else TradingMode.negotiated


def store(
    session: Session, achievement: Achievement, mode: str, asking_price: int | None, user: User | None
) -> AchievementTrading:
    """Write the mode in the caller's transaction (with its audit row); the caller commits."""
    assert achievement.id is not None  # a stored achievement
    row = mode_of(session, achievement.id)
    before = row.mode if row is not None else TradingMode.negotiated
    if row is None:
        row = AchievementTrading(achievement_id=achievement.id, mode=mode)
    row.mode, row.asking_price = mode, asking_price
    row.updated_by, row.updated_at = (user.id if user else None), utcnow()
    session.add(row)
    session.flush()
    audit.record(
        session,
        subject="achievement",
        subject_id=achievement.id,
        action="trading_mode",
        actor=user,
        from_state=before,
        to_state=mode,
        asking_price=asking_price,
    )
    return row


def set_mode(*, session: Session, user: User | None, achievement_id: int, data: dict) -> AchievementTrading:
    """The seller chooses 协议定价 or 挂牌 (with its price); 拍卖 is chosen by opening an auction."""
    achievement = own_achievement(session, user, achievement_id)
    mode_in = parse(TradingModeIn, data)
    if mode_in.mode == TradingMode.auction:
        raise Invalid(_("Some fields are not valid."), {"mode": _("Open an auction to sell by auction.")})
    if mode_in.mode == TradingMode.listed and mode_in.asking_price is None:
        raise Invalid(
            _("Some fields are not valid."), {"asking_price": _("A listing needs its asking price.")}
        )
    assert achievement.id is not None
    running = session.exec(
        select(Auction.id).where(
            Auction.achievement_id == achievement.id, Auction.status == AuctionStatus.open
        )
    ).first()
    if running is not None:
        raise Conflict(_("This achievement is being auctioned; its mode changes when the auction ends."))
    price = mode_in.asking_price if mode_in.mode == TradingMode.listed else None
    try:
        row = store(session, achievement, mode_in.mode, price, user)
        session.commit()
    except IntegrityError:  # two first choices at once: the other one stands, this one is applied over it
        session.rollback()
        row = store(session, achievement, mode_in.mode, price, user)
        session.commit()
    session.refresh(row)
    return row
