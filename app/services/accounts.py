"""Organizations, users, login and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.services.errors import Conflict, Invalid, NotFound
from app.services.regions import resolve_region
from app.services.taxonomy import is_industry
from models import ApiToken, Organization, OrgKind, RegistrationIn, Role, User
from models.common import utcnow

ROLE_OF_KIND = {
    OrgKind.enterprise: Role.enterprise,
    OrgKind.finance: Role.enterprise,
    OrgKind.university: Role.center,
    OrgKind.institute: Role.center,
    OrgKind.center: Role.center,
}


def _check_unique(session: Session, *, email: str, credit_code: str | None = None) -> None:
    if session.exec(select(User).where(User.email == email.lower())).first():
        raise Conflict(_("An account with this email already exists."), {"email": _("Already registered.")})
    if credit_code and session.exec(select(Organization).where(Organization.credit_code == credit_code)).first():
        raise Conflict(_("This organization is already registered."),
                       {"organization.credit_code": _("Already registered.")})


def register(*, session: Session, registration: RegistrationIn, consent_version: str | None = None) -> User:
    """Create an organization and its first user, whose role follows the organization's kind; when the user
    consented, record when and to which version of the privacy notice and terms (``consent_version``)."""
    org_in = registration.organization
    unknown = [code for code in org_in.industries if not is_industry(code)]
    if unknown:
        raise Invalid(_("Some fields are not valid."), {"organization.industries": _("Unknown industry.")})
    region = resolve_region(org_in.region, "organization.region")
    _check_unique(session, email=registration.email, credit_code=org_in.credit_code)
    org = Organization.model_validate(org_in.model_copy(update={"region": region}))
    session.add(org)
    session.flush()
    consented = registration.consent and consent_version is not None
    user = User(email=registration.email.lower(), name=registration.name, org_id=org.id,
                password_hash=generate_password_hash(registration.password), role=ROLE_OF_KIND[org_in.kind],
                consent_at=utcnow() if consented else None, consent_version=consent_version if consented else None)
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def create_user(*, session: Session, email: str, password: str, name: str, role: Role,
                org_id: int | None = None) -> User:
    """Create a user directly (bureau and expert accounts, demo data)."""
    if len(password) < 8:
        raise Invalid(_("Some fields are not valid."), {"password": _("Too short: at least %(n)s characters.", n=8)})
    _check_unique(session, email=email)
    user = User(email=email.lower(), name=name, role=role, org_id=org_id,
                password_hash=generate_password_hash(password))
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def authenticate(*, session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, session: Session, user: User, ttl_hours: int) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored, so the caller sees the token once."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=_hash_token(token), user_id=user.id, expires_at=utcnow() + timedelta(hours=ttl_hours))
    session.add(row)
    session.commit()
    return token, row


def user_for_token(*, session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _hash_token(token))).first()
    if row is None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def get_organization(*, session: Session, org_id: int) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("No such organization."))
    return org
