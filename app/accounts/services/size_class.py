"""An organization's enterprise size class (企业规模), entered at registration (`accounts.register`) and changed
here, by the organization's own users or the bureau. The bureau counts the SMEs the centers serve from it
(app/oversight/services/indicators.py), so every change is in the organization's audit history.

A change names the class, or gives the firm's employees and yearly operating revenue (yuan) and takes the class
the national classification suggests for an industrial firm (`models.size_class.suggest_size_class`).
"""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts.services.accounts import check_size_class, get_organization
from app.platform import audit
from app.platform.errors import Conflict, Forbidden, Invalid
from app.platform.permissions import is_bureau
from models import Organization, User, suggest_size_class
from models.organization import checked_size_class

# Bounds of the figures a suggestion is computed from: beyond them it is a typing mistake.
MAX_EMPLOYEES = 10_000_000
MAX_REVENUE = 10**15


def may_edit(user: User | None, org: Organization) -> bool:
    return user is not None and (is_bureau(user) or (user.org_id is not None and user.org_id == org.id))


def _whole(data: dict, name: str, high: int, errors: dict[str, str]) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        errors[name] = _("Must be a whole number.")
    elif value < 0:
        errors[name] = _("Must be at least %(n)s.", n=0)
    elif value > high:
        errors[name] = _("Must be at most %(n)s.", n=high)
    else:
        return value
    return None


def parse_change(data: Any) -> str | None:
    """The size class a change asks for (None: empty), or Invalid naming the field at fault."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    errors: dict[str, str] = {}
    employees = _whole(data, "employees", MAX_EMPLOYEES, errors)
    revenue = _whole(data, "revenue", MAX_REVENUE, errors)
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    if data.get("size_class") in (None, "") and employees is not None and revenue is not None:
        return suggest_size_class(employees, revenue)
    if "size_class" not in data:
        raise Invalid(_("Some fields are not valid."), {"size_class": _("This field is required.")})
    try:
        return checked_size_class(data["size_class"])
    except ValueError:
        raise Invalid(
            _("Some fields are not valid."),
            {"size_class": _("Choose the size class: large, medium, small or micro.")},
        ) from None


RETRIES = 3


def change_size_class(*, session: Session, user: User | None, org_id: int, data: Any) -> Organization:
    """Set the organization's size class; the same class again changes (and records) nothing. The write is a
    compare-and-set on the class read, so of two concurrent changes the second is applied (and recorded) on top
    of the first, never from the class both read."""
    org = get_organization(session=session, org_id=org_id)
    if not may_edit(user, org):
        raise Forbidden(_("Only the organization's own users and the bureau may change its size class."))
    wanted = parse_change(data)
    check_size_class(org.kind, wanted)
    for _try in range(RETRIES):
        session.expire_all()
        before = session.exec(select(Organization.size_class).where(col(Organization.id) == org_id)).one()
        if before == wanted:
            session.rollback()
            return get_organization(session=session, org_id=org_id)
        same = (
            col(Organization.size_class).is_(None)
            if before is None
            else col(Organization.size_class) == before
        )
        written = session.exec(
            update(Organization).where(col(Organization.id) == org_id, same).values(size_class=wanted)
        )
        if written.rowcount == 1:
            audit.record(
                session,
                subject="organization",
                subject_id=org_id,
                action="size_class_changed",
                actor=user,
                from_state=before,
                to_state=wanted,
            )
            session.commit()
            return get_organization(session=session, org_id=org_id)
        session.rollback()
    raise Conflict(_("The organization was changed at the same time; please reload and try again."))
