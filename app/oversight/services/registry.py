"""The centers' registry: every center with its status, and one center's whole record."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.oversight.services.access import get_center
from app.oversight.services.promotion import promotions_of
from app.platform import audit
from app.platform.errors import Forbidden, Invalid
from app.platform.permissions import may_see_center_records, require_bureau
from models import (
    AuditEvent,
    Center,
    CenterApplication,
    CenterExpert,
    CenterFounder,
    CenterStatus,
    Promotion,
    User,
)


def registry(*, session: Session, user: User | None, status: str | None = None) -> list[Center]:
    """Every center in every status, for the bureau."""
    require_bureau(user)
    query = select(Center).order_by(Center.status, Center.industry, Center.name)
    if status:
        if status not in CenterStatus.__members__:
            raise Invalid(_("Some fields are not valid."), {"status": _("Not one of the allowed values.")})
        query = query.where(Center.status == status)
    return list(session.exec(query).all())


@dataclass
class CenterRecord:
    center: Center
    founders: list[CenterFounder]
    experts: list[CenterExpert]
    applications: list[CenterApplication]
    promotions: list[Promotion]
    history: list[AuditEvent]


def center_record(*, session: Session, user: User | None, center_id: int) -> CenterRecord:
    """A center's registry entry with its history, for the bureau and the center's own users."""
    center = get_center(session, center_id)
    if not may_see_center_records(user, center):
        raise Forbidden(_("Only the bureau and the center itself may see its registry record."))
    assert center.id is not None  # a stored center
    return CenterRecord(
        center=center,
        founders=list(
            session.exec(
                select(CenterFounder)
                .where(CenterFounder.center_id == center.id)
                .order_by(col(CenterFounder.is_lead).desc(), col(CenterFounder.id))
            ).all()
        ),
        experts=list(session.exec(select(CenterExpert).where(CenterExpert.center_id == center.id)).all()),
        applications=list(
            session.exec(
                select(CenterApplication)
                .where(CenterApplication.center_id == center.id)
                .order_by(col(CenterApplication.id))
            ).all()
        ),
        promotions=promotions_of(session, center.id),
        history=audit.history(
            session,
            "center",
            center.id,
            parts={
                "application": [
                    application_id
                    for application_id in session.exec(
                        select(CenterApplication.id).where(CenterApplication.center_id == center.id)
                    ).all()
                    if application_id is not None  # stored applications: always
                ]
            },
        ),
    )


def status_counts(*, session: Session) -> dict[str, int]:
    rows = session.exec(select(Center.status, func.count()).group_by(Center.status)).all()
    return {status.value if hasattr(status, "value") else status: n for status, n in rows}


def filed_holder(session: Session, key: str) -> Center | None:
    return session.exec(select(Center).where(Center.filed_domain_key == key)).first()
