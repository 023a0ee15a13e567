"""Bookings of instruments: request, decide, cancel, no-show, complete; and the technical-service contract a
confirmed booking becomes.

Every write locks the instrument first (`instruments.lock`), so the bookings of one instrument are decided one
after the other on either database: of two requests for one slot, the second sees the first and is refused
(409). On PostgreSQL the exclusion constraint of migration 0026 holds the same rule whatever path writes.
"""

import logging
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.deals import rules as deal_rules
from app.deals.services import contract_access, contract_texts
from app.instruments import rules
from app.instruments.services import free_time, instruments
from app.market.rules import is_live
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from models import (
    ACTIVE_BOOKING_STATUSES,
    BookableBy,
    Booking,
    BookingIn,
    BookingStatus,
    CenterMember,
    Contract,
    ContractStatus,
    Instrument,
    Interest,
    InterestStatus,
    Organization,
    OrgKind,
    PriceCategory,
    User,
)
from models.center import Center
from models.common import utcnow
from models.deals import ContractKind
from models.size_class import SME_CLASSES

log = logging.getLogger(__name__)


def rule_message(rule: str, details: dict) -> str:
    """What a refused booking says: the rule by name, then what it asks."""
    texts = {
        "timezone": lambda: _("Booking rule “time zone”: give the times with their offset, e.g. +08:00."),
        "slot_order": lambda: _("Booking rule “slot”: the end must come after the start."),
        "min_slot": lambda: _(
            "Booking rule “minimum slot”: book at least %(minutes)s minutes.", minutes=details.get("minutes")
        ),
        "max_slot": lambda: _(
            "Booking rule “maximum slot”: book at most %(minutes)s minutes.", minutes=details.get("minutes")
        ),
        "lead_time": lambda: _(
            "Booking rule “lead time”: book at least %(hours)s hours ahead.", hours=details.get("hours")
        ),
        "opening_hours": lambda: _("Booking rule “opening hours”: the slot lies outside the opening hours."),
        "closed_period": lambda: _(
            "Booking rule “closed period”: the instrument is closed then (maintenance)."
        ),
        "no_show_blacklist": lambda: _(
            "Booking rule “no-shows”: your organization did not turn up for %(count)s booked slots in the last "
            "%(days)s days, so it may not book instruments until %(until)s.",
            count=details.get("count"),
            days=rules.NO_SHOW_WINDOW_DAYS,
            until=details.get("until"),
        ),
    }
    return texts[rule]()


def _refuse_slot(broken: rules.RuleBroken) -> Invalid:
    message = rule_message(broken.rule, broken.details)
    field = {"lead_time": "starts_at", "timezone": "starts_at", "no_show_blacklist": "org"}.get(
        broken.rule, "ends_at"
    )
    return Invalid(message, {field: message, "rule": broken.rule})


def _member(session: Session, org_id: int, instrument: Instrument) -> bool:
    if instrument.center_id is None:
        return False
    center = session.get(Center, instrument.center_id)
    if center is not None and center.org_id == org_id:
        return True
    return session.get(CenterMember, (instrument.center_id, org_id)) is not None


def _may_book(session: Session, org: Organization, instrument: Instrument) -> None:
    assert org.id is not None
    if org.id == instrument.org_id:
        raise Forbidden(_("Your organization owns this instrument: it need not book it."))
    if instrument.bookable_by == BookableBy.enterprises and org.kind != OrgKind.enterprise:
        raise Forbidden(_("Booking rule “who may book”: only enterprises may book this instrument."))
    if instrument.bookable_by == BookableBy.members and not _member(session, org.id, instrument):
        raise Forbidden(
            _("Booking rule “who may book”: only the center's member units may book this instrument.")
        )


def standing(session: Session, org_id: int, now=None) -> rules.Standing:
    """The organization's no-show standing (app/instruments/rules.py): its no-shows of the rules' window."""
    now = now or utcnow()
    since = now - timedelta(days=rules.NO_SHOW_WINDOW_DAYS)
    return rules.no_show_standing(
        session.exec(
            select(Booking.starts_at).where(
                col(Booking.org_id) == org_id,
                col(Booking.status) == BookingStatus.no_show,
                col(Booking.starts_at) >= since,
            )
        ).all(),
        now=now,
    )


def _check_standing(session: Session, org_id: int, now) -> rules.Standing:
    """Refuse a booker with too many no-shows (422 naming the rule); otherwise its standing."""
    current = standing(session, org_id, now)
    if current.level == "banned":
        assert current.until is not None
        until = current.until.astimezone(rules.LOCAL).date().isoformat()
        raise _refuse_slot(rules.RuleBroken("no_show_blacklist", count=current.count, until=until))
    return current


def is_sme(org: Organization, declared: bool) -> bool:
    """An organization whose size class is on record is an SME by that class (中型/小型/微型); the booker's own
    declaration counts only while none is recorded, so a large firm cannot book at the SME price by ticking a box."""
    if org.size_class is not None:
        return org.size_class in SME_CLASSES
    return declared


def quote_for(
    session: Session, instrument: Instrument, org: Organization, booking_in: BookingIn
) -> rules.Price:
    assert org.id is not None
    category = rules.price_category(
        member=_member(session, org.id, instrument), org_kind=org.kind.value, sme=is_sme(org, booking_in.sme)
    )
    return rules.quote(
        prices={
            PriceCategory.member: instrument.price_member,
            PriceCategory.sme: instrument.price_sme,
            PriceCategory.university: instrument.price_university,
            PriceCategory.enterprise: instrument.price,
        },
        list_price=instrument.price,
        category=category,
        unit=instrument.price_unit,
        minutes=(booking_in.ends_at - booking_in.starts_at).total_seconds() / 60,
        samples=booking_in.samples,
        subsidy_percent=instrument.subsidy_percent,
    )


def _commit(session: Session) -> None:
    """Commit; the exclusion constraint refusing an overlap (or any other constraint) is a 409, never a 500."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        log.warning("a booking change broke a database constraint", exc_info=True)
        raise Conflict(_("This slot has just been booked by someone else. Choose another time.")) from None


def booking_text(instrument: Instrument, booking: Booking) -> str:
    """A booking in a notice: the instrument and the slot's start."""
    start = booking.starts_at.astimezone(rules.LOCAL).strftime("%Y-%m-%d %H:%M")
    return f"{instrument.title} · {start}"


def request_booking(*, session: Session, user: User | None, instrument_id: int, data: dict) -> Booking:
    """Book a slot of a live instrument for the user's organization: confirmed at once when the instrument is
    instant (and its contract drafted), requested otherwise. 422 naming the rule the slot breaks, 409 when
    another booking holds any of it."""
    member = permissions.require_member(user, _("Log in with an organization's account to book."))
    booking_in = parse(BookingIn, data)
    instrument = instruments.lock(session, instrument_id)
    try:
        if instrument is None or not is_live(instrument):
            raise NotFound(_("No such listing."))
        org = session.get(Organization, member.org_id)
        assert org is not None and org.id is not None and instrument.id is not None
        _may_book(session, org, instrument)
        now = utcnow()
        booker_standing = _check_standing(session, org.id, now)
        start, end = booking_in.starts_at, booking_in.ends_at
        comparable = start.tzinfo is not None and end.tzinfo is not None and start < end
        closures = (
            [
                (c.starts_at, c.ends_at)
                for c in instruments.closures_between(session, instrument.id, start, end)
            ]
            if comparable
            else []
        )
        try:
            rules.check_slot(
                rules.Slot(booking_in.starts_at, booking_in.ends_at),
                now=now,
                min_minutes=instrument.min_slot_minutes,
                max_minutes=instrument.max_slot_minutes,
                lead_hours=instrument.lead_hours,
                opening_hours=instrument.opening_hours,
                closures=closures,
            )
        except rules.RuleBroken as broken:
            raise _refuse_slot(broken) from None
        if instruments.active_bookings_between(
            session, instrument.id, booking_in.starts_at, booking_in.ends_at
        ):
            raise Conflict(_("This slot has just been booked by someone else. Choose another time."))
    except (NotFound, Forbidden, Invalid, Conflict):
        session.rollback()
        raise
    price = quote_for(session, instrument, org, booking_in)
    assert org.id is not None  # a stored organization
    booking = Booking(
        instrument_id=instrument.id,
        org_id=org.id,
        user_id=member.id,
        starts_at=booking_in.starts_at,
        ends_at=booking_in.ends_at,
        work=booking_in.work.strip(),
        samples=booking_in.samples,
        contact=booking_in.contact.strip() or member.name,
        price_category=price.category,
        unit_price=price.unit_price,
        amount=price.amount,
        subsidy_amount=price.subsidy,
        status=BookingStatus.requested,
    )
    session.add(booking)
    session.flush()
    assert booking.id is not None
    audit.record(
        session,
        subject="booking",
        subject_id=booking.id,
        action="requested",
        actor=member,
        to_state=BookingStatus.requested,
        instrument_id=instrument.id,
    )
    notify(
        session=session,
        org_id=instrument.org_id,
        kind="booking_requested",
        subject_type="booking",
        subject_id=booking.id,
        text=booking_text(instrument, booking),
        state=BookingStatus.requested.value,
    )
    # Instant confirmation is for bookers in good standing; after no-shows every request waits for the owner.
    if not instrument.approval_required and booker_standing.level == "ok":
        _confirm(session, booking, instrument, member, note="")
    free_time.take(session, instrument.id, booking.starts_at, booking.ends_at)
    _commit(session)
    session.refresh(booking)
    return booking


def draft_service_contract(
    session: Session, booking: Booking, instrument: Instrument, user: User
) -> Contract:
    """The draft technical-service contract (技术服务合同) of a confirmed booking: the booker is party A (the
    client), the instrument's organization party B; the amount is the price table's; the text is the kind's
    model text, like any contract's version 1. It goes through the contract chain from there (text, signatures,
    milestones, registration) and counts in the indicators once signed."""
    assert instrument.id is not None and booking.id is not None
    interest = session.exec(
        select(Interest).where(
            col(Interest.from_org_id) == booking.org_id,
            col(Interest.target_type) == "instrument",
            col(Interest.target_id) == instrument.id,
            col(Interest.status).in_((InterestStatus.pending, InterestStatus.accepted)),
        )
    ).first()
    if interest is None:
        assert user.id is not None  # a stored user
        interest = Interest(
            from_org_id=booking.org_id,
            from_user_id=booking.user_id or user.id,
            target_type="instrument",
            target_id=instrument.id,
            to_org_id=instrument.org_id,
            message=booking.work[:2000],
            status=InterestStatus.accepted,
            decided_at=utcnow(),
        )
        session.add(interest)
        session.flush()
    assert interest.id is not None
    contract = Contract(
        interest_id=interest.id,
        kind=ContractKind.technical_service,
        title=_("Instrument service: %(title)s (booking %(id)s)", title=instrument.title, id=booking.id)[
            :200
        ],
        amount=booking.amount,
        technology_amount=booking.amount,
        ends_on=booking.ends_at.astimezone(rules.LOCAL).date(),
        field=instrument.industry,
        party_a_org_id=booking.org_id,
        party_b_org_id=instrument.org_id,
        created_by=user.id,
    )
    session.add(contract)
    session.flush()
    assert contract.id is not None
    contract_texts.first_version(session, contract, user)
    contract_access.event(
        session, contract, user, deal_rules.AuditEntry("created", None, ContractStatus.draft)
    )
    for org_id in (contract.party_a_org_id, contract.party_b_org_id):
        notify(
            session=session,
            org_id=org_id,
            kind="contract_created",
            subject_type="contract",
            subject_id=contract.id,
            text=contract.title,
        )
    return contract


def _confirm(session: Session, booking: Booking, instrument: Instrument, user: User, note: str) -> None:
    contract = draft_service_contract(session, booking, instrument, user)
    before = booking.status
    booking.status = BookingStatus.confirmed
    booking.contract_id = contract.id
    booking.note = note
    booking.updated_at = utcnow()
    booking.version += 1
    session.add(booking)
    assert booking.id is not None
    audit.record(
        session,
        subject="booking",
        subject_id=booking.id,
        action="confirmed",
        actor=user,
        from_state=before,
        to_state=BookingStatus.confirmed,
        contract_id=contract.id,
    )
    notify(
        session=session,
        org_id=booking.org_id,
        kind="booking_decided",
        subject_type="booking",
        subject_id=booking.id,
        text=booking_text(instrument, booking),
        state=BookingStatus.confirmed.value,
    )


# --- reading ---------------------------------------------------------------------------------------------------


def side_of(user: User | None, booking: Booking, instrument: Instrument) -> str | None:
    """owner, booker, or None; an organization that books its own instrument cannot exist (refused)."""
    if user is None or user.org_id is None:
        return None
    if user.org_id == instrument.org_id:
        return rules.OWNER
    if user.org_id == booking.org_id:
        return rules.BOOKER
    return None


def may_see(user: User | None, booking: Booking, instrument: Instrument) -> bool:
    return side_of(user, booking, instrument) is not None or permissions.is_bureau(user)


def get_booking(*, session: Session, user: User | None, booking_id: int) -> tuple[Booking, Instrument]:
    """A booking its two sides and the bureau may read; any other reader is told it does not exist."""
    permissions.require_login(user)
    booking = session.get(Booking, booking_id)
    instrument = session.get(Instrument, booking.instrument_id) if booking else None
    if booking is None or instrument is None or not may_see(user, booking, instrument):
        raise NotFound(_("No such booking."))
    return booking, instrument


def list_bookings(
    *, session: Session, user: User | None, role: str, limit: int = 200
) -> list[tuple[Booking, Instrument]]:
    """role=mine: the bookings the user's organization made; role=owner: those of its instruments."""
    member = permissions.require_member(user)
    if role not in ("mine", "owner"):
        raise Invalid(_("Some fields are not valid."), {"role": _("Not one of the allowed values.")})
    stmt = select(Booking, Instrument).join(Instrument, col(Instrument.id) == Booking.instrument_id)
    if role == "mine":
        stmt = stmt.where(col(Booking.org_id) == member.org_id)
    else:
        stmt = stmt.where(col(Instrument.org_id) == member.org_id)
    rows = session.exec(
        stmt.order_by(col(Booking.starts_at).desc(), col(Booking.id).desc()).limit(limit)
    ).all()
    return [(booking, instrument) for booking, instrument in rows]


def allowed_for(user: User | None, booking: Booking, instrument: Instrument) -> list[str]:
    """The transitions this user may take now (the pages' buttons, the API's `allowed`)."""
    side, now, result = side_of(user, booking, instrument), utcnow(), []
    for to in rules.TRANSITIONS:
        try:
            rules.check_transition(
                current=booking.status,
                to=to.value,
                side=side,
                now=now,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                cancel_hours=instrument.cancel_hours,
                note="reason",
            )
        except rules.TransitionRefused:
            continue
        result.append(to.value)
    return result


def to_public(*, session: Session, user: User | None, booking: Booking, instrument: Instrument) -> dict:
    org = session.get(Organization, booking.org_id)
    return {
        "id": booking.id,
        "instrument_id": instrument.id,
        "instrument_title": instrument.title,
        "org_id": booking.org_id,
        "org_name": org.name if org else "",
        "owner_org_id": instrument.org_id,
        "starts_at": rules.iso(booking.starts_at),
        "ends_at": rules.iso(booking.ends_at),
        "work": booking.work,
        "samples": booking.samples,
        "contact": booking.contact,
        "status": booking.status.value,
        "price_category": booking.price_category.value,
        "unit_price": booking.unit_price,
        "amount": booking.amount,
        "subsidy_amount": booking.subsidy_amount,
        "note": booking.note,
        "used_hours": round(booking.used_minutes / 60, 2) if booking.used_minutes is not None else None,
        "used_samples": booking.used_samples,
        "report_name": booking.report_name,
        "report_url": f"/api/v1/bookings/{booking.id}/report" if booking.report_stored_name else None,
        "contract_id": booking.contract_id,
        "created_at": rules.iso(booking.created_at),
        "allowed": allowed_for(user, booking, instrument),
    }


# --- deciding --------------------------------------------------------------------------------------------------

REFUSALS = {
    "unknown": lambda d: Invalid(
        _("Some fields are not valid."), {"to": _("Not one of the allowed values.")}
    ),
    "wrong_side": lambda d: Forbidden(_("You may not move this booking there.")),
    "wrong_state": lambda d: Conflict(_("The booking is no longer in a state that allows this. Reload it.")),
    "reason_required": lambda d: Invalid(
        _("Some fields are not valid."), {"note": _("Give the reason for declining.")}
    ),
    "past_deadline": lambda d: Invalid(
        _(
            "Booking rule “cancellation deadline”: cancel at least %(hours)s hours before the start.",
            hours=d["hours"],
        ),
        {
            "to": _(
                "Booking rule “cancellation deadline”: cancel at least %(hours)s hours before the start.",
                hours=d["hours"],
            ),
            "rule": "cancellation_deadline",
        },
    ),
    "not_started": lambda d: Invalid(
        _("A booking can be marked as a no-show once its slot has started."), {"to": _("Not yet.")}
    ),
    "not_ended": lambda d: Invalid(
        _("A booking can be completed once its slot has ended."), {"to": _("Not yet.")}
    ),
}


def _lock_booking(session: Session, booking_id: int) -> Booking | None:
    if session.get_bind().dialect.name == "sqlite":
        session.connection().execute(
            update(Booking).where(col(Booking.id) == booking_id).values(id=Booking.id)
        )
    return session.exec(
        select(Booking)
        .where(col(Booking.id) == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _usage(data: dict, booking: Booking) -> tuple[int | None, int | None]:
    """used_hours and used_samples of a completion, when given: the slot's hours and the booked samples else."""
    fields, hours, samples = {}, data.get("used_hours"), data.get("used_samples")
    minutes = None
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 24 * 14:
            fields["used_hours"] = _("Give the hours used, from 0 to 336.")
        else:
            minutes = int(round(hours * 60))
    if samples is not None and (
        isinstance(samples, bool) or not isinstance(samples, int) or not 0 <= samples <= 100_000
    ):
        fields["used_samples"] = _("Give the number of samples, from 0 to 100000.")
    if fields:
        raise Invalid(_("Some fields are not valid."), fields)
    if minutes is None:
        minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    return minutes, samples if samples is not None else booking.samples


def transition(*, session: Session, user: User | None, booking_id: int, data: dict) -> Booking:
    """Move a booking: the owner confirms (drafting its contract), declines with a reason, marks a no-show or
    completes it with the usage; either side cancels before the rules' deadline. Of two concurrent moves, the
    second finds the state the first left and is refused (409)."""
    member = permissions.require_member(user)
    to, note = data.get("to"), data.get("note") or ""
    if not isinstance(to, str) or not isinstance(note, str) or len(note) > 2000:
        raise Invalid(_("Some fields are not valid."), {"to": _("Not one of the allowed values.")})
    peek = session.get(Booking, booking_id)
    if peek is None:
        raise NotFound(_("No such booking."))
    instrument = instruments.lock(session, peek.instrument_id)
    booking = _lock_booking(session, booking_id)
    try:
        if booking is None or instrument is None or not may_see(member, booking, instrument):
            raise NotFound(_("No such booking."))
        try:
            target = rules.check_transition(
                current=booking.status,
                to=to,
                side=side_of(member, booking, instrument),
                now=utcnow(),
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                cancel_hours=instrument.cancel_hours,
                note=note,
            )
        except rules.TransitionRefused as refused:
            raise REFUSALS[refused.reason](refused.details) from None
        usage = _usage(data, booking) if target == BookingStatus.completed else None
    except (NotFound, Forbidden, Invalid, Conflict):
        session.rollback()
        raise
    assert booking.id is not None
    if target == BookingStatus.confirmed:
        _confirm(session, booking, instrument, member, note.strip())
    else:
        before = booking.status
        booking.status = target
        booking.note = note.strip()
        booking.updated_at = utcnow()
        booking.version += 1
        if usage is not None:
            booking.used_minutes, booking.used_samples = usage
        session.add(booking)
        audit.record(
            session,
            subject="booking",
            subject_id=booking.id,
            action=target.value,
            actor=member,
            from_state=before,
            to_state=target,
            note=note.strip() or None,
        )
        if target == BookingStatus.cancelled:
            other = instrument.org_id if member.org_id == booking.org_id else booking.org_id
            kind = "booking_cancelled"
        else:
            other, kind = booking.org_id, "booking_decided"
        notify(
            session=session,
            org_id=other,
            kind=kind,
            subject_type="booking",
            subject_id=booking.id,
            text=booking_text(instrument, booking),
            state=target.value,
        )
    free_time.refresh(session, instrument)
    _commit(session)
    session.refresh(booking)
    return booking


def due_reminders(*, session: Session, now=None) -> int:
    """Remind both sides of each confirmed booking that starts within the next day, once (`reminded_at`)."""
    now = now or utcnow()
    rows = session.exec(
        select(Booking, Instrument)
        .join(Instrument, col(Instrument.id) == Booking.instrument_id)
        .where(
            col(Booking.status) == BookingStatus.confirmed,
            col(Booking.reminded_at).is_(None),
            col(Booking.starts_at) > now,
            col(Booking.starts_at) <= now + timedelta(days=1),
        )
    ).all()
    for booking, instrument in rows:
        assert booking.id is not None
        notify(
            session=session,
            org_ids=[booking.org_id, instrument.org_id],
            kind="booking_reminder",
            subject_type="booking",
            subject_id=booking.id,
            text=booking_text(instrument, booking),
        )
        booking.reminded_at = now
        session.add(booking)
    session.commit()
    return len(rows)


__all__ = ["ACTIVE_BOOKING_STATUSES", "request_booking", "transition", "list_bookings", "get_booking"]
