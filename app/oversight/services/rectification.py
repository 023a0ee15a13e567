"""Rectification (整改) after a failing three-year assessment, and the revocation of a center's filing (撤销备案).

The bureau orders it with a deadline and reasons; the center reports by the deadline; the bureau accepts the
report (the center carries on as filed) or revokes the filing when it rejects the report or the deadline passed
without one. Orders and revocations are public on /notices, with their reasons. Every step is a compare-and-set
on the order's status, so of two decisions at once exactly one lands; each goes to the center's history and
tells the center's users."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import assessments, notices
from app.oversight.services.access import commit_unique, get_center, log
from app.platform.concurrency import versioned_update
from app.platform.errors import Conflict, Forbidden, NotFound
from app.platform.permissions import manages, may_see_center_records, require_bureau
from app.platform.validation import parse
from models import (
    Center,
    CenterStatus,
    Rectification,
    RectificationDecisionIn,
    RectificationIn,
    RectificationReportIn,
    RectificationStatus,
    User,
)
from models.common import utcnow


def _load(session: Session, rectification_id: int) -> Rectification:
    row = session.get(Rectification, rectification_id)
    if row is None:
        raise NotFound(_("No such rectification."))
    return row


def order(*, session: Session, user: User | None, center_id: int, data: dict) -> Rectification:
    """The bureau orders a center whose latest assessment failed to rectify by a deadline."""
    user = require_bureau(user)
    order_in = parse(RectificationIn, data)
    center = get_center(session, center_id)
    assert center.id is not None  # a stored center
    latest = assessments.latest(session, center.id)
    rules.order_rectification(
        latest=latest.grade if latest else None,
        status=center.status,
        deadline=order_in.deadline,
        today=date.today(),
    )
    assert latest is not None and latest.id is not None  # the rule requires a failed one
    row = Rectification(
        center_id=center.id,
        assessment_id=latest.id,
        open_center_id=center.id,
        deadline=order_in.deadline,
        reasons=order_in.reasons,
        ordered_by=user.id,
    )

    def write() -> None:
        session.add(row)
        session.flush()  # a second order of the same assessment, or a second open one, fails here
        assert center.id is not None and row.id is not None
        log(
            session,
            center_id=center.id,
            event_type="rectification_ordered",
            actor=user,
            data={"rectification_id": row.id, "deadline": row.deadline.isoformat(), "reason": row.reasons},
        )
        notices.center_step(
            session,
            center,
            kind="rectification_ordered",
            detail=row.deadline.isoformat(),
            subject=("rectification", row.id),
        )

    commit_unique(session, _("A rectification of this assessment is already ordered."), write)
    session.refresh(row)
    return row


def submit_report(*, session: Session, user: User | None, rectification_id: int, data: dict) -> Rectification:
    """The center's report on its rectification, once, by the deadline."""
    row = _load(session, rectification_id)
    center = get_center(session, row.center_id)
    if not manages(user, center):
        raise Forbidden(_("Only the center's own users may report on its rectification."))
    assert user is not None and row.id is not None and center.id is not None
    report_in = parse(RectificationReportIn, data)
    new = rules.rectification_report(status=row.status, deadline=row.deadline, today=date.today())
    versioned_update(
        session,
        Rectification,
        row.id,
        where=[col(Rectification.status) == row.status],
        values={"status": new, "report": report_in.report, "reported_by": user.id, "reported_at": utcnow()},
        conflict=Conflict(_("This rectification is not awaiting a report.")),
    )
    log(
        session,
        center_id=center.id,
        event_type="rectification_reported",
        actor=user,
        data={"rectification_id": row.id},
    )
    notices.center_step(session, center, kind="rectification_reported", subject=("rectification", row.id))
    session.commit()
    session.refresh(row)
    return row


def decide(*, session: Session, user: User | None, rectification_id: int, data: dict) -> Rectification:
    """The bureau accepts the report, or revokes the filing (report rejected, or none by the deadline)."""
    user = require_bureau(user)
    decision_in = parse(RectificationDecisionIn, data)
    row = _load(session, rectification_id)
    center = get_center(session, row.center_id)
    assert row.id is not None and center.id is not None
    new = rules.rectification_decision(
        status=row.status, accept=decision_in.accept, deadline=row.deadline, today=date.today()
    )
    if new == RectificationStatus.revoked:
        rules.revoke(center.status)
    # Only from the status the rule was asked about: of two decisions at once, the first is recorded.
    versioned_update(
        session,
        Rectification,
        row.id,
        where=[col(Rectification.status) == row.status],
        values={
            "status": new,
            "decision_reasons": decision_in.reasons,
            "decided_by": user.id,
            "decided_at": utcnow(),
            "open_center_id": None,
        },
        conflict=Conflict(_("This rectification is already decided.")),
    )
    data_out = {"rectification_id": row.id, "reason": decision_in.reasons}
    if new == RectificationStatus.revoked:
        versioned_update(
            session,
            Center,
            center.id,
            where=[col(Center.status) == CenterStatus.filed],
            values={"status": CenterStatus.revoked, "filed_domain_key": None, "updated_at": utcnow()},
            conflict=Conflict(_("Only a filed center's filing can be revoked.")),
        )
        log(
            session,
            center_id=center.id,
            event_type="filing_revoked",
            actor=user,
            data=data_out,
            from_state=CenterStatus.filed.value,
            to_state=CenterStatus.revoked.value,
        )
        notices.center_step(
            session,
            center,
            kind="filing_revoked",
            detail=decision_in.reasons,
            subject=("rectification", row.id),
        )
    else:
        log(session, center_id=center.id, event_type="rectification_accepted", actor=user, data=data_out)
        notices.center_step(
            session,
            center,
            kind="rectification_accepted",
            detail=decision_in.reasons,
            subject=("rectification", row.id),
        )
    session.commit()
    session.refresh(row)
    return row


def rectifications_of(*, session: Session, user: User | None, center_id: int) -> list[Rectification]:
    """A center's rectification orders, newest first, for the bureau and the center itself."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its rectifications."))
    return list(
        session.exec(
            select(Rectification)
            .where(Rectification.center_id == center_id)
            .order_by(col(Rectification.ordered_at).desc(), col(Rectification.id).desc())
        ).all()
    )


def get(*, session: Session, user: User | None, rectification_id: int) -> Rectification:
    row = _load(session, rectification_id)
    if not may_see_center_records(user, get_center(session, row.center_id)):
        raise Forbidden(_("Only the bureau and the center itself may see its rectifications."))
    return row


@dataclass
class PublicEntry:
    center_name: str
    rectification: Rectification


def public(*, session: Session) -> tuple[list[PublicEntry], list[PublicEntry]]:
    """What the public sees on /notices: rectification orders still open, and revocations, with their reasons."""
    rows = session.exec(
        select(Rectification, Center.name)
        .join(Center, col(Center.id) == Rectification.center_id)
        .where(col(Rectification.status).in_([s.value for s in RectificationStatus if s != "accepted"]))
        .order_by(col(Rectification.ordered_at).desc(), col(Rectification.id).desc())
    ).all()
    open_ = [PublicEntry(name, r) for r, name in rows if r.status != RectificationStatus.revoked]
    revoked = [PublicEntry(name, r) for r, name in rows if r.status == RectificationStatus.revoked]
    return open_, revoked
