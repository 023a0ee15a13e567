"""Calls for center applications (申报通知): the bureau opens one, applicants apply while it runs."""

from datetime import date

from flask_babel import gettext as _
from sqlmodel import Session, col, select

from app.oversight import rules
from app.oversight.services import registry
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.permissions import require_bureau
from app.platform.taxonomy import is_industry
from app.platform.validation import parse
from models import (
    CallIn,
    CallStatus,
    CenterCall,
    User,
)


def create_call(*, session: Session, user: User | None, data: dict) -> CenterCall:
    """The bureau opens a domain for applications."""
    user = require_bureau(user)
    call_in = parse(CallIn, data)
    if not is_industry(call_in.industry):
        raise Invalid(_("Some fields are not valid."), {"industry": _("Unknown industry.")})
    weights = rules.check_weights(call_in.weights, rules.APPLICATION_CRITERIA)
    if registry.filed_holder(session, rules.domain_key(call_in.industry, call_in.domain)) is not None:
        raise Conflict(
            _("A filed center already holds this domain in the city."), {"domain": _("Already held.")}
        )
    call = CenterCall(**call_in.model_dump(exclude={"weights"}), weights=weights, created_by=user.id)
    session.add(call)
    session.commit()
    session.refresh(call)
    return call


def list_calls(*, session: Session, open_only: bool = False) -> list[CenterCall]:
    query = select(CenterCall).order_by(col(CenterCall.deadline).desc(), col(CenterCall.id).desc())
    if open_only:
        query = query.where(CenterCall.status == CallStatus.open, CenterCall.deadline >= date.today())
    return list(session.exec(query).all())


def get_call(*, session: Session, call_id: int) -> CenterCall:
    call = session.get(CenterCall, call_id)
    if call is None:
        raise NotFound(_("No such call for applications."))
    return call
