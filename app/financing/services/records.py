"""Financing records: what came of a financing request's or a finance product's interest and conversation.

The rule: the finance organization (the side of the interest whose organization is of the finance kind) records
the financing (type, amount, date) once the interest is accepted; the financed organization (the other side)
confirms or rejects it. Only confirmed records count in the bureau's indicators, so a finance organization
cannot inflate a firm's figures, nor a firm claim money it did not get. One record per interest (a unique
constraint): two records sent at once for one conversation give one 201 and one 409. The parties and the bureau
read records; to anyone else a record does not exist.
"""

import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from app.financing import rules
from app.platform import audit, permissions
from app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from app.platform.notifications import notify
from app.platform.validation import parse
from models import (
    FinancingDecisionIn,
    FinancingRecord,
    FinancingRecordIn,
    FinancingRecordStatus,
    Interest,
    InterestStatus,
    Organization,
    User,
)
from models.common import utcnow

log = logging.getLogger(__name__)

FINANCING_TARGETS = ("financing", "finance_product")


def _sides(session: Session, interest: Interest) -> tuple[int, int] | None:
    """(financed organization, finance organization) of an interest, or None when not exactly one is finance."""
    kinds = {
        side: (org.kind if (org := session.get(Organization, org_id)) is not None else None)
        for side, org_id in (("from", interest.from_org_id), ("to", interest.to_org_id))
    }
    side = rules.finance_side({side: str(kind) if kind else None for side, kind in kinds.items()})
    if side is None:
        return None
    finance = interest.from_org_id if side == "from" else interest.to_org_id
    financed = interest.to_org_id if side == "from" else interest.from_org_id
    return financed, finance


def recordable_interests(session: Session, user: User | None) -> list[Interest]:
    """The accepted financing conversations of the user's finance organization still without a record: what
    the record form offers."""
    if not permissions.is_finance_org(session, user):
        return []
    assert user is not None
    recorded = select(FinancingRecord.interest_id)
    return list(
        session.exec(
            select(Interest)
            .where(
                col(Interest.target_type).in_(FINANCING_TARGETS),
                Interest.status == InterestStatus.accepted,
                or_(Interest.from_org_id == user.org_id, Interest.to_org_id == user.org_id),
                col(Interest.id).not_in(recorded),
            )
            .order_by(col(Interest.id).desc())
        ).all()
    )


def create(*, session: Session, user: User | None, data) -> FinancingRecord:
    """Record a financing from one accepted conversation, as the finance organization."""
    user = permissions.require_member(user)
    record_in = parse(FinancingRecordIn, data)
    interest = session.get(Interest, record_in.interest_id)
    if interest is None or not permissions.may_see_deal(
        user, {"from": interest.from_org_id, "to": interest.to_org_id}
    ):
        raise Invalid(_("Some fields are not valid."), {"interest_id": _("No such conversation.")})
    if interest.target_type not in FINANCING_TARGETS:
        raise Invalid(
            _("Some fields are not valid."),
            {"interest_id": _("This conversation is not about a financing request or a finance product.")},
        )
    parties = _sides(session, interest)
    if parties is None:
        raise Invalid(
            _("Some fields are not valid."),
            {"interest_id": _("Exactly one side of this conversation must be a finance organization.")},
        )
    financed_org_id, finance_org_id = parties
    if user.org_id != finance_org_id:
        raise Forbidden(_("Only the finance organization records the financing; you confirm it."))
    if interest.status != InterestStatus.accepted:
        raise Conflict(_("Accept the interest first: a financing is recorded from an accepted conversation."))
    if record_in.financed_on > date.today():
        raise Invalid(
            _("Some fields are not valid."), {"financed_on": _("The date cannot be in the future.")}
        )
    assert interest.id is not None  # a stored interest
    record = FinancingRecord(
        interest_id=interest.id,
        # The request the money is for: the target, or the firm's own request it approached a product through.
        request_id=interest.target_id
        if interest.target_type == "financing"
        else (interest.via_id if interest.via_type == "financing" else None),
        product_id=interest.target_id if interest.target_type == "finance_product" else None,
        finance_type=record_in.finance_type,
        amount=record_in.amount,
        financed_on=record_in.financed_on,
        note=record_in.note,
        financed_org_id=financed_org_id,
        finance_org_id=finance_org_id,
        recorded_by=user.id,
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            _("A financing is already recorded for this conversation."),
            {"interest_id": _("A financing is already recorded for this conversation.")},
        ) from None
    assert record.id is not None
    audit.record(
        session,
        subject="financing_record",
        subject_id=record.id,
        action="record",
        actor=user,
        to_state=record.status,
        amount=record.amount,
        finance_type=str(record.finance_type),
        interest_id=interest.id,
    )
    notify(
        session=session,
        kind="financing_recorded",
        subject_type="financing_record",
        subject_id=record.id,
        text=_label(record),
        org_id=financed_org_id,
        state=str(record.status),
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            _("A financing is already recorded for this conversation."),
            {"interest_id": _("A financing is already recorded for this conversation.")},
        ) from None
    session.refresh(record)
    return record


def _label(record: FinancingRecord) -> str:
    from app.financing.labels import FINANCE_TYPES
    from app.platform.money import format_wan

    return f"{FINANCE_TYPES.get(str(record.finance_type), '')} {format_wan(record.amount)}"


def _visible(user: User | None, record: FinancingRecord) -> bool:
    return permissions.may_see_deal(
        user, {"financed": record.financed_org_id, "finance": record.finance_org_id}
    )


def get(*, session: Session, user: User | None, record_id: int) -> FinancingRecord:
    record = session.get(FinancingRecord, record_id)
    if record is None or not _visible(user, record):
        raise NotFound(_("No such financing record."))
    return record


def list_for(*, session: Session, user: User | None) -> list[FinancingRecord]:
    """The bureau reads every record; an organization's users the records it is a party to."""
    user = permissions.require_login(user)
    stmt = select(FinancingRecord).order_by(
        col(FinancingRecord.financed_on).desc(), col(FinancingRecord.id).desc()
    )
    if permissions.is_bureau(user):
        return list(session.exec(stmt).all())
    if not permissions.is_member(user):
        raise Forbidden(_("Only users of an organization can do this."))
    return list(
        session.exec(
            stmt.where(
                or_(
                    FinancingRecord.financed_org_id == user.org_id,
                    FinancingRecord.finance_org_id == user.org_id,
                )
            )
        ).all()
    )


def decide(*, session: Session, user: User | None, record_id: int, data) -> FinancingRecord:
    """The financed organization confirms or rejects a record, once: a compare-and-set on the status, so two
    answers at once leave one decision and a 409 for the other."""
    record = get(session=session, user=user, record_id=record_id)
    decision = parse(FinancingDecisionIn, data).decision
    assert user is not None
    if user.org_id != record.financed_org_id:
        raise Forbidden(_("Only the financed organization confirms a financing record."))
    try:
        to = rules.decide(str(record.status), decision)
    except ValueError:
        raise Conflict(_("This financing record has already been answered.")) from None
    now = utcnow()
    done = session.connection().execute(
        update(FinancingRecord)
        .where(
            col(FinancingRecord.id) == record_id,
            col(FinancingRecord.status) == FinancingRecordStatus.recorded,
        )
        .values(status=to, decided_by=user.id, decided_at=now)
    )
    if done.rowcount != 1:
        session.rollback()
        raise Conflict(_("This financing record has already been answered."))
    audit.record(
        session,
        subject="financing_record",
        subject_id=record_id,
        action=decision,
        actor=user,
        from_state=FinancingRecordStatus.recorded,
        to_state=to,
    )
    notify(
        session=session,
        kind="financing_decided",
        subject_type="financing_record",
        subject_id=record_id,
        text=_label(record),
        org_id=record.finance_org_id,
        state=to,
    )
    session.commit()
    session.refresh(record)
    return record


def to_public(session: Session, record: FinancingRecord) -> dict:
    names = {
        org.id: org.name
        for org in session.exec(
            select(Organization).where(
                col(Organization.id).in_((record.financed_org_id, record.finance_org_id))
            )
        ).all()
    }
    return {
        "id": record.id,
        "interest_id": record.interest_id,
        "request_id": record.request_id,
        "product_id": record.product_id,
        "finance_type": str(record.finance_type),
        "amount": record.amount,
        "financed_on": record.financed_on.isoformat(),
        "note": record.note,
        "status": str(record.status),
        "financed_org": {"id": record.financed_org_id, "name": names.get(record.financed_org_id, "")},
        "finance_org": {"id": record.finance_org_id, "name": names.get(record.finance_org_id, "")},
        "created_at": record.created_at.isoformat(),
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
    }
