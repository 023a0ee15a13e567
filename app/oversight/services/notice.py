"""The public notice (公示) of centers about to be filed: objections and the bureau's answers."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import notices
from app.oversight.services.access import log
from app.oversight.services.application_access import load_application
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from models import (
    AnswerIn,
    Center,
    CenterApplication,
    CenterStatus,
    NoticeObjection,
    ObjectionDismissalIn,
    ObjectionIn,
    User,
)
from models.common import utcnow


def on_notice(*, session: Session, now: datetime | None = None) -> list[tuple[CenterApplication, Center]]:
    """Applications whose public notice is running now."""
    now = now or utcnow()
    rows = session.exec(
        select(CenterApplication, Center)
        .join(Center, col(Center.id) == CenterApplication.center_id)
        .where(CenterApplication.status == CenterStatus.notice)
        .order_by(col(CenterApplication.notice_ends))
    ).all()
    return [(a, c) for a, c in rows if a.notice_ends is None or a.notice_ends > now]


def raise_objection(*, session: Session, application_id: int, data: dict) -> NoticeObjection:
    """Anyone may object while the notice runs."""
    objection_in = parse(ObjectionIn, data)
    application = load_application(session, application_id)
    rules.accepts_objection(status=application.status, notice_ends=application.notice_ends, now=utcnow())
    assert application.id is not None  # a stored application
    objection = NoticeObjection(application_id=application.id, **objection_in.model_dump())
    session.add(objection)
    log(
        session,
        center_id=application.center_id,
        application_id=application.id,
        event_type="objection_raised",
        actor=None,
        data={},
    )
    center = session.get(Center, application.center_id)
    assert center is not None  # an application's center is never deleted
    # The applicant learns an objection came in, not who raised it or what it says (the bureau answers it).
    notices.application_step(
        session, application, center, event="objection_raised", status=application.status, data={}
    )
    session.commit()
    session.refresh(objection)
    return objection


def objections_of(session: Session, application_id: int) -> list[NoticeObjection]:
    return list(
        session.exec(
            select(NoticeObjection)
            .where(NoticeObjection.application_id == application_id)
            .order_by(col(NoticeObjection.id))
        ).all()
    )


@dataclass(frozen=True)
class PublicAnswer:
    """An answered objection as the public notice shows it: what was objected and the bureau's answer, never who
    objected (their name and contact stay with the bureau)."""

    text: str
    raised_on: date
    answer: str
    answered_on: date | None


def public_answers(*, session: Session, application_ids: list[int]) -> dict[int, list[PublicAnswer]]:
    """The bureau's answers to the objections of these applications, by application, oldest first; objections
    set aside as duplicates or spam are left out."""
    if not application_ids:
        return {}
    rows = session.exec(
        select(NoticeObjection)
        .where(
            col(NoticeObjection.application_id).in_(application_ids),
            col(NoticeObjection.answer).is_not(None),
            col(NoticeObjection.dismissed).is_(False),
        )
        .order_by(col(NoticeObjection.id))
    ).all()
    answers: dict[int, list[PublicAnswer]] = {}
    for row in rows:
        answers.setdefault(row.application_id, []).append(
            PublicAnswer(
                text=row.text,
                raised_on=row.created_at.date(),
                answer=row.answer or "",
                answered_on=row.answered_at.date() if row.answered_at else None,
            )
        )
    return answers


def unanswered(session: Session, application_id: int) -> list[NoticeObjection]:
    return [o for o in objections_of(session, application_id) if o.answer is None]


def answer_objection(
    *, session: Session, user: User | None, objection_id: int, data: dict
) -> NoticeObjection:
    """The bureau answers an objection, once."""
    user = require_bureau(user)
    answer_in = parse(AnswerIn, data)
    objection = session.get(NoticeObjection, objection_id)
    if objection is None:
        raise NotFound(_("No such objection."))
    result = session.execute(
        update(NoticeObjection)
        .where(col(NoticeObjection.id) == objection.id, col(NoticeObjection.answer).is_(None))
        .values(answer=answer_in.answer, answered_at=utcnow(), answered_by=user.id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult, typed as Result
        session.rollback()
        raise Conflict(_("This objection has already been answered."))
    application = session.get(CenterApplication, objection.application_id)
    assert application is not None  # an objection's application is never deleted
    log(
        session,
        center_id=application.center_id,
        application_id=application.id,
        event_type="objection_answered",
        actor=user,
        data={"objection_id": objection.id},
    )
    session.commit()
    session.refresh(objection)
    return objection


def dismiss_objections(
    *, session: Session, user: User | None, application_id: int, data: dict
) -> list[NoticeObjection]:
    """The bureau sets aside a batch of duplicate or spam objections with one reason, so a flood of them cannot
    hold up filing; each dismissal is an audit row. Objections already answered or dismissed stay as they are."""
    user = require_bureau(user)
    dismissal = parse(ObjectionDismissalIn, data)
    application = load_application(session, application_id)
    ids = sorted(set(dismissal.ids))  # in one order, so two batches lock rows alike and never deadlock
    known = set(
        session.exec(
            select(NoticeObjection.id).where(
                NoticeObjection.application_id == application.id, col(NoticeObjection.id).in_(ids)
            )
        ).all()
    )
    strangers = [i for i in ids if i not in known]
    if strangers:
        raise Invalid(
            _("Some fields are not valid."),
            {"ids": _("Not an objection to this application: %(ids)s.", ids=", ".join(map(str, strangers)))},
        )
    dismissed = []
    for objection_id in ids:
        # One row at a time, only while unanswered: two bureau members dismissing together dismiss each once.
        result = session.execute(
            update(NoticeObjection)
            .where(col(NoticeObjection.id) == objection_id, col(NoticeObjection.answer).is_(None))
            .values(answer=dismissal.reason, answered_at=utcnow(), answered_by=user.id, dismissed=True)
        )
        if cast("CursorResult[Any]", result).rowcount == 1:
            dismissed.append(objection_id)
            log(
                session,
                center_id=application.center_id,
                application_id=application.id,
                event_type="objection_dismissed",
                actor=user,
                data={"objection_id": objection_id, "reason": dismissal.reason},
            )
    session.commit()
    return [row for i in dismissed if (row := session.get(NoticeObjection, i)) is not None]
