"""Who may see a center application: the bureau, the applicant and the panel's experts."""

from flask_babel import gettext as _
from sqlmodel import Session

from app.oversight.services import experts as expert_service
from app.platform.errors import Forbidden, NotFound
from app.platform.permissions import acts_for, is_bureau
from models import (
    AssignmentSubject,
    CenterApplication,
    User,
)


def load_application(session: Session, application_id: int) -> CenterApplication:
    application = session.get(CenterApplication, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    return application


def can_view_application(session: Session, user: User | None, application: CenterApplication) -> bool:
    if is_bureau(user):
        return True
    if acts_for(user, application.applicant_org_id):
        return True
    assert application.id is not None  # a stored application
    return expert_service.is_assigned(
        session, user, subject=AssignmentSubject.application, subject_id=application.id
    )


def get_application(*, session: Session, user: User | None, application_id: int) -> CenterApplication:
    """The application, for the bureau, the applicant and the panel's experts."""
    application = load_application(session, application_id)
    if not can_view_application(session, user, application):
        raise Forbidden(
            _("Only the bureau, the applicant and the assigned experts may see this application.")
        )
    return application
