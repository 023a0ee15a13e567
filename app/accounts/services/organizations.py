"""Whether an organization is who it says it is: the bureau's verification, and claims to a taken credit code.

Anyone can register any credit code, so registration proves nothing. Until the bureau verifies an
organization it is marked as unverified and may not sign contracts or be filed as a center
(`can_sign_contracts`, `can_be_filed_as_center`: later features call these). A firm that finds its code
taken files a claim; the bureau transfers the organization to it (the earlier registrant's accounts are
closed) or rejects the claim.
"""

import logging

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from app.accounts.services import accounts
from app.accounts.services.passwords import check_password
from app.platform import audit as audit_log
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.permissions import require_bureau
from app.platform.validation import parse
from models import ClaimStatus, Organization, OrganizationClaim, OrganizationClaimIn, User
from models.common import utcnow

DECISIONS = {"transfer": ClaimStatus.transferred, "reject": ClaimStatus.rejected}
# Who verified what and who decided which claim: the bureau's decisions must be traceable.
audit = logging.getLogger("mic.audit")


def is_verified(org: Organization | None) -> bool:
    return org is not None and org.verified_at is not None


def can_sign_contracts(org: Organization | None) -> bool:
    """Only an organization the bureau has verified may sign a technology contract."""
    return is_verified(org)


def can_be_filed_as_center(org: Organization | None) -> bool:
    """Only a verified organization may be filed (备案) as an innovation center."""
    return is_verified(org)


def _require_bureau(user: User | None) -> None:
    require_bureau(user, _("Only the city bureau may do this."))


def verify(*, session: Session, user: User | None, org_id: int) -> Organization:
    """Mark the organization verified; verifying it again changes nothing."""
    _require_bureau(user)
    accounts.get_organization(session=session, org_id=org_id)
    # Conditional, so two bureau clerks verifying at once keep the first time.
    verified = session.exec(
        update(Organization)
        .where(col(Organization.id) == org_id, col(Organization.verified_at).is_(None))
        .values(verified_at=utcnow())
    )
    if verified.rowcount == 1:
        audit_log.record(
            session,
            subject="organization",
            subject_id=org_id,
            action="verified",
            actor=user,
            to_state="verified",
        )
    session.commit()
    org = session.get(Organization, org_id)
    assert org is not None  # get_organization found it above
    session.refresh(org)
    assert user is not None  # _require_bureau let only the bureau through
    audit.info("organization %s verified by user %s", org_id, user.id)
    return org


def history(*, session: Session, user: User | None, org_id: int) -> list[dict]:
    """The bureau's record of one organization, newest first: its verification, the claims filed on it and how
    each was decided, transfers. Each row names its step (`action`, labelled in the reader's language by the
    page), who took it (None: the system or an anonymous claimant) and when."""
    _require_bureau(user)
    accounts.get_organization(session=session, org_id=org_id)
    claim_ids = [
        claim_id
        for claim_id in session.exec(
            select(OrganizationClaim.id).where(OrganizationClaim.org_id == org_id)
        ).all()
        if claim_id is not None
    ]
    rows = audit_log.history(session, "organization", org_id, parts={"claim": claim_ids})
    actors = {row.actor_id for row in rows if row.actor_id is not None}
    names = (
        {
            person.id: person.name
            for person in session.exec(select(User).where(col(User.id).in_(actors))).all()
        }
        if actors
        else {}
    )
    return [
        {
            "id": row.id,
            "subject": row.subject_type,
            "subject_id": row.subject_id,
            "action": row.action,
            "from": row.from_state,
            "to": row.to_state,
            "at": row.occurred_at,
            "actor": names.get(row.actor_id) if row.actor_id is not None else None,
        }
        for row in reversed(rows)
    ]


def unverified(*, session: Session) -> list[Organization]:
    """Organizations waiting for the bureau, oldest first."""
    return list(
        session.exec(
            select(Organization)
            .where(col(Organization.verified_at).is_(None))
            .order_by(col(Organization.created_at), col(Organization.id))
        ).all()
    )


def file_claim(*, session: Session, data: dict) -> OrganizationClaim:
    """Record a firm's claim to the organization registered under its credit code."""
    claim_in = parse(OrganizationClaimIn, data)
    check_password(claim_in.password, email=claim_in.email)
    org = session.exec(select(Organization).where(Organization.credit_code == claim_in.credit_code)).first()
    if org is None:
        raise Invalid(
            _("No organization is registered with this credit code: you can register it yourself."),
            {"credit_code": _("Not registered yet.")},
        )
    if session.exec(select(User).where(User.email == claim_in.email.lower())).first() is not None:
        raise Conflict(_("An account with this email already exists."), {"email": _("Already registered.")})
    assert org.id is not None  # a stored organization
    claim = OrganizationClaim(
        org_id=org.id,
        org_name=claim_in.org_name,
        contact_name=claim_in.contact_name,
        contact_phone=claim_in.contact_phone,
        email=claim_in.email.lower(),
        password_hash=generate_password_hash(claim_in.password),
        evidence=claim_in.evidence,
    )
    session.add(claim)
    session.flush()
    assert claim.id is not None  # given by the flush
    audit_log.record(
        session,
        subject="claim",
        subject_id=claim.id,
        action="filed",
        actor=None,
        to_state=claim.status,
        org_id=org.id,
    )
    session.commit()
    session.refresh(claim)
    return claim


def claims(
    *, session: Session, user: User | None, status: ClaimStatus | None = ClaimStatus.pending
) -> list[OrganizationClaim]:
    _require_bureau(user)
    query = select(OrganizationClaim).order_by(col(OrganizationClaim.created_at), col(OrganizationClaim.id))
    if status is not None:
        query = query.where(OrganizationClaim.status == status)
    return list(session.exec(query).all())


def resolve_claim(*, session: Session, user: User | None, claim_id: int, decision: str) -> OrganizationClaim:
    """Transfer the organization to the claimant, or reject the claim; a claim is decided once."""
    _require_bureau(user)
    if decision not in DECISIONS:
        raise Invalid(_("Some fields are not valid."), {"decision": _("Not one of the allowed values.")})
    claim = session.get(OrganizationClaim, claim_id)
    if claim is None:
        raise NotFound(_("No such claim."))
    assert user is not None  # _require_bureau let only the bureau through
    # Only the request that moves the claim out of pending goes on: a second decision is a conflict.
    taken = session.exec(
        update(OrganizationClaim)
        .where(col(OrganizationClaim.id) == claim_id, col(OrganizationClaim.status) == ClaimStatus.pending)
        .values(status=DECISIONS[decision], resolved_at=utcnow(), resolved_by=user.id)
    )
    if taken.rowcount != 1:
        session.rollback()
        raise Conflict(_("This claim has already been decided."))
    audit_log.record(
        session,
        subject="claim",
        subject_id=claim_id,
        action=decision,
        actor=user,
        from_state=ClaimStatus.pending,
        to_state=DECISIONS[decision],
        org_id=claim.org_id,
    )
    if decision == "transfer":
        _transfer(session, claim)
        audit_log.record(
            session,
            subject="organization",
            subject_id=claim.org_id,
            action="transferred",
            actor=user,
            claim_id=claim_id,
        )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            _("An account with this email already exists."), {"email": _("Already registered.")}
        ) from None
    session.refresh(claim)
    audit.info("claim %s on organization %s: %s by user %s", claim_id, claim.org_id, decision, user.id)
    return claim


def _transfer(session: Session, claim: OrganizationClaim) -> None:
    """In the caller's transaction: close the earlier registrant's accounts, open the claimant's, verify."""
    org = session.get(Organization, claim.org_id)
    assert org is not None  # a claim's organization is never deleted
    if session.exec(select(User).where(User.email == claim.email)).first() is not None:
        session.rollback()
        raise Conflict(_("An account with this email already exists."), {"email": _("Already registered.")})
    previous = session.exec(select(User).where(col(User.org_id) == org.id, col(User.active).is_(True))).all()
    role = previous[0].role if previous else accounts.ROLE_OF_KIND[org.kind]
    for old in previous:
        old.active = False
        old.session_version += 1
        session.add(old)
    new_user = User(
        email=claim.email,
        name=claim.contact_name,
        password_hash=claim.password_hash,
        role=role,
        org_id=org.id,
    )
    session.add(new_user)
    org.name, org.contact_name, org.contact_phone = claim.org_name, claim.contact_name, claim.contact_phone
    org.verified_at = utcnow()
    session.add(org)
    session.flush()
    claim.user_id = new_user.id
    session.add(claim)
    for old in previous:
        assert old.id is not None  # a stored user
        accounts.revoke_tokens_in(session=session, user_id=old.id)
