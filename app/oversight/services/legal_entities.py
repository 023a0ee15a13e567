"""Completing a center's legal entity (法人信息) that was recorded without its business licence.

Centers filed before they were legal persons of their own got an organization of their own when the data moved
(migration 0021), named like the center and with a credit code marked as still to be completed: `待补` and the
center id, which can never be a real code. Until the bureau copies the real name and code from the business
licence, that organization is not verified, cannot sign, and the center's indicators cannot be tied to a
registered legal person. This module lists those centers and completes them, once: a completed code is the
organization's identity and is not edited here.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.oversight.services.access import get_center, log
from app.platform.errors import Conflict
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from models import Center, LegalEntityIn, Organization, User
from models.common import utcnow

# The mark migration 0021 gave the codes still to be completed (outside the credit-code alphabet).
PLACEHOLDER_PREFIX = "待补"


def is_placeholder(code: str | None) -> bool:
    return bool(code) and str(code).startswith(PLACEHOLDER_PREFIX)


def awaiting_licence(*, session: Session, user: User | None) -> list[tuple[Center, Organization]]:
    """Centers whose own organization still carries a placeholder code, by center name (bureau)."""
    require_bureau(user)
    rows = session.exec(
        select(Center, Organization)
        .join(Organization, col(Organization.id) == col(Center.org_id))
        .where(col(Organization.credit_code).startswith(PLACEHOLDER_PREFIX))
        .order_by(col(Center.name))
    ).all()
    return [(center, org) for center, org in rows]


def complete_legal_entity(
    *, session: Session, user: User | None, center_id: int, data: dict
) -> tuple[Center, Organization]:
    """The bureau copies the name and unified social credit code from the center's business licence.

    The organization becomes verified by this act (the bureau has just read the licence), as at filing. Two
    completions at once: the update is conditional on the placeholder still being there, so exactly one
    applies and the other gets a 409; a code already registered to another organization is a 409 naming it.
    """
    user = require_bureau(user)
    entity_in = parse(LegalEntityIn, data)
    center = get_center(session, center_id)
    org = session.get(Organization, center.org_id) if center.org_id is not None else None
    if org is None:
        raise Conflict(
            _("This center has no legal entity yet: it gets one when it is filed."),
            {"entity_credit_code": _("Name the legal entity in the filing decision.")},
        )
    if not is_placeholder(org.credit_code):
        raise Conflict(
            _(
                "The legal entity of %(center)s is already complete: %(name)s.",
                center=center.name,
                name=org.name,
            ),
            {"entity_credit_code": _("A registered credit code is not changed here.")},
        )
    holder = session.exec(
        select(Organization).where(Organization.credit_code == entity_in.entity_credit_code)
    ).first()
    if holder is not None:
        raise Conflict(
            _("%(name)s is already registered under this credit code.", name=holder.name),
            {"entity_credit_code": _("Already registered.")},
        )
    assert org.id is not None and center.id is not None  # stored rows
    placeholder = org.credit_code
    try:
        changed = (
            session.connection()
            .execute(
                update(Organization)
                .where(col(Organization.id) == org.id, col(Organization.credit_code) == placeholder)
                .values(
                    name=entity_in.entity_name,
                    credit_code=entity_in.entity_credit_code,
                    verified_at=utcnow(),
                )
            )
            .rowcount
        )
        if changed != 1:
            raise Conflict(_("The legal entity was just completed by someone else; reload to see it."))
        log(
            session,
            center_id=center.id,
            event_type="legal_entity_completed",
            actor=user,
            data={
                "org_id": org.id,
                "name": entity_in.entity_name,
                "credit_code": entity_in.entity_credit_code,
                "placeholder": placeholder,
            },
        )
        session.commit()
    except IntegrityError:
        # The same code registered a moment ago by someone else.
        session.rollback()
        raise Conflict(
            _("An organization with this credit code was registered meanwhile; look it up and try again."),
            {"entity_credit_code": _("Already registered.")},
        ) from None
    except Conflict:
        session.rollback()
        raise
    session.refresh(org)
    return center, org
