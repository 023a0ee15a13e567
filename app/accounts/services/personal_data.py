"""A copy of what the platform holds about a person (个人信息保护法 art. 45): their account, their organization and
its listings, the interests and contracts their organization is party to, the messages they wrote, who read their
organization's confidential needs, their notifications and saved searches, and what they did (the audit rows they
are the actor of).

One function builds it as plain JSON-ready data; the API sends it as is and the page renders the same data, so
the two cannot disagree. What belongs to other organizations is left out: their confidential need details, their
messages, their contract drafts with others. Another party's name appears only where the person's own record names
it (the other side of an interest or a contract, who read a confidential need). Every export is an audit row.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.platform import audit
from app.platform.notifications import notification_to_public
from app.platform.permissions import require_login
from models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Contract,
    DetailView,
    ExpertProfile,
    Interest,
    Message,
    Milestone,
    NdaAcceptance,
    Need,
    Notification,
    Organization,
    SavedSearch,
    User,
)
from models.common import utcnow
from models.kinds import LISTING_KINDS, POSTED_KINDS

# Bumped when the shape changes, so a program reading an export knows which one it holds.
EXPORT_FORMAT = 1
# Columns of a listing that say nothing to its owner (internal keys).
LISTING_HIDDEN = {"demo_key"}


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


class _Names:
    """Organization names and listing titles, each read once per export."""

    def __init__(self, session: Session):
        self.session = session
        self._orgs: dict[int, str | None] = {}

    def org(self, org_id: int | None) -> str | None:
        if org_id is None:
            return None
        if org_id not in self._orgs:
            row = self.session.get(Organization, org_id)
            self._orgs[org_id] = row.name if row else None
        return self._orgs[org_id]

    def target(self, target_type: str, target_id: int) -> str | None:
        """A listing's or center's public title (never a confidential need's details)."""
        kind = LISTING_KINDS.get(target_type)
        row = self.session.get(kind.table, target_id) if kind else None
        if row is None:
            return None
        return getattr(row, "title", None) or getattr(row, "name", None)


def export(*, session: Session, user: User | None) -> dict[str, Any]:
    """Everything the platform holds about `user` that is theirs to have, and an audit row saying it was taken."""
    user = require_login(user)
    assert user.id is not None  # a stored user
    names = _Names(session)
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": utcnow().isoformat(),
        "account": _account(session, user),
        "organization": _organization(session, user.org_id),
        "expert_profile": _expert_profile(session, user.id),
        "listings": _listings(session, user),
        "interests": _interests(session, user, names),
        "messages": _messages(session, user.id),
        "contracts": _contracts(session, user, names),
        "nda_acceptances": _nda_acceptances(session, user.id, names),
        "detail_views_of_our_needs": _views_of_own_needs(session, user, names),
        "details_you_read": _details_read(session, user.id, names),
        "notifications": [
            notification_to_public(row)
            for row in session.exec(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            ).all()
        ],
        "saved_searches": _saved_searches(session, user.id),
        "activity": _activity(session, user.id),
    }
    audit.record(session, subject="user", subject_id=user.id, action="data_exported", actor=user)
    session.commit()
    return data


def _account(session: Session, user: User) -> dict[str, Any]:
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(col(ApiToken.created_at).desc())
    ).all()
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "organization_id": user.org_id,
        "active": user.active,
        "created_at": _when(user.created_at),
        "consent_at": _when(user.consent_at),
        "consent_version": user.consent_version,
        "deletion_requested_at": _when(user.deletion_requested_at),
        "deletion_due_at": _when(user.deletion_due_at),
        # The platform keeps no login history; these are the API tokens it knows (never the tokens themselves).
        "api_tokens": [
            {
                "id": token.id,
                "created_at": _when(token.created_at),
                "expires_at": _when(token.expires_at),
                "last_used_at": _when(token.last_used_at),
            }
            for token in tokens
        ],
    }


def _organization(session: Session, org_id: int | None) -> dict[str, Any] | None:
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None:
        return None
    return {
        "id": org.id,
        "kind": org.kind.value,
        "name": org.name,
        "name_en": org.name_en,
        "credit_code": org.credit_code,
        "region": org.region,
        "industries": list(org.industries),
        "description": org.description,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "created_at": _when(org.created_at),
        "verified_at": _when(org.verified_at),
    }


def _expert_profile(session: Session, user_id: int) -> dict[str, Any] | None:
    profile = session.get(ExpertProfile, user_id)
    if profile is None:
        return None
    return {
        "specialties": [getattr(item, "value", item) for item in profile.specialties],
        "affiliation": profile.affiliation,
        "title": profile.title,
    }


def _listings(session: Session, user: User) -> dict[str, list[dict[str, Any]]]:
    """The organization's listings (a member's), or those the user posted (bureau and expert accounts)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, kind in POSTED_KINDS.items():
        table = kind.table
        mine = col(table.org_id) == user.org_id if user.org_id is not None else col(table.owner_id) == user.id
        rows = session.exec(select(table).where(mine).order_by(col(table.id))).all()
        found[name] = [row.model_dump(mode="json", exclude=LISTING_HIDDEN, warnings=False) for row in rows]
    return found


def _interests(session: Session, user: User, names: _Names) -> list[dict[str, Any]]:
    wanted = [col(Interest.from_user_id) == user.id]
    if user.org_id is not None:
        wanted += [col(Interest.from_org_id) == user.org_id, col(Interest.to_org_id) == user.org_id]
    rows = session.exec(select(Interest).where(or_(*wanted)).order_by(col(Interest.id))).all()
    return [
        {
            "id": row.id,
            "direction": "received" if row.to_org_id == user.org_id else "sent",
            "sent_by_you": row.from_user_id == user.id,
            "from_organization": names.org(row.from_org_id),
            "to_organization": names.org(row.to_org_id),
            "target_type": row.target_type,
            "target_id": row.target_id,
            "target_title": names.target(row.target_type, row.target_id),
            "message": row.message,
            "status": row.status.value,
            "decline_reason": row.decline_reason.value if row.decline_reason else None,
            "decline_note": row.decline_note,
            "created_at": _when(row.created_at),
            "decided_at": _when(row.decided_at),
        }
        for row in rows
    ]


def _messages(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The messages the person wrote (the other side's stay theirs), with the files they sent: names, not bytes."""
    rows = session.exec(select(Message).where(Message.user_id == user_id).order_by(col(Message.id))).all()
    files: dict[int, list[dict[str, Any]]] = {}
    for item in session.exec(
        select(Attachment).where(Attachment.uploaded_by == user_id).order_by(col(Attachment.id))
    ).all():
        files.setdefault(item.message_id, []).append(
            {"name": item.original_name, "type": item.mimetype, "size": item.size, "sha256": item.sha256}
        )
    return [
        {
            "id": row.id,
            "interest_id": row.interest_id,
            "body": row.body,
            "created_at": _when(row.created_at),
            "attachments": files.get(row.id or 0, []),
        }
        for row in rows
    ]


def _contracts(session: Session, user: User, names: _Names) -> list[dict[str, Any]]:
    wanted = [col(Contract.created_by) == user.id]
    if user.org_id is not None:
        wanted += [col(Contract.party_a_org_id) == user.org_id, col(Contract.party_b_org_id) == user.org_id]
    rows = session.exec(select(Contract).where(or_(*wanted)).order_by(col(Contract.id))).all()
    milestones: dict[int, list[Milestone]] = {}
    ids = [row.id for row in rows if row.id is not None]
    if ids:
        for milestone in session.exec(
            select(Milestone).where(col(Milestone.contract_id).in_(ids)).order_by(col(Milestone.position))
        ).all():
            milestones.setdefault(milestone.contract_id, []).append(milestone)
    return [
        {
            "id": row.id,
            "interest_id": row.interest_id,
            "kind": row.kind.value,
            "title": row.title,
            "status": row.status.value,
            "amount": row.amount,
            "technology_amount": row.technology_amount,
            "currency": row.currency,
            "party_a": names.org(row.party_a_org_id),
            "party_b": names.org(row.party_b_org_id),
            "your_side": _side(row, user.org_id),
            "signed_on": _when(row.signed_on),
            "ends_on": _when(row.ends_on),
            "signed_by_a_at": _when(row.signed_by_a_at),
            "signed_by_b_at": _when(row.signed_by_b_at),
            "registration_number": row.registration_number,
            "created_by_you": row.created_by == user.id,
            "created_at": _when(row.created_at),
            "milestones": [
                {
                    "title": item.title,
                    "due_on": _when(item.due_on),
                    "amount": item.amount,
                    "status": item.status.value,
                }
                for item in milestones.get(row.id or 0, [])
            ],
        }
        for row in rows
    ]


def _side(contract: Contract, org_id: int | None) -> str | None:
    if org_id is not None and contract.party_a_org_id == org_id:
        return "a"
    if org_id is not None and contract.party_b_org_id == org_id:
        return "b"
    return None


def _nda_acceptances(session: Session, user_id: int, names: _Names) -> list[dict[str, Any]]:
    rows = session.exec(
        select(NdaAcceptance).where(NdaAcceptance.user_id == user_id).order_by(col(NdaAcceptance.id))
    ).all()
    return [
        {
            "need_id": row.need_id,
            "need_title": names.target("need", row.need_id),
            "interest_id": row.interest_id,
            "text_version": row.text_version,
            "text_sha256": row.text_sha256,
            "accepted_at": _when(row.accepted_at),
        }
        for row in rows
    ]


def _own_need_ids(session: Session, user: User) -> list[int]:
    if user.org_id is None:
        return []
    return [
        need_id
        for need_id in session.exec(select(Need.id).where(Need.org_id == user.org_id)).all()
        if need_id is not None
    ]


def _views_of_own_needs(session: Session, user: User, names: _Names) -> list[dict[str, Any]]:
    """The access log of the organization's confidential needs: who read the details, and when."""
    need_ids = _own_need_ids(session, user)
    if not need_ids:
        return []
    rows = session.exec(
        select(DetailView)
        .where(col(DetailView.need_id).in_(need_ids))
        .order_by(col(DetailView.viewed_at).desc(), col(DetailView.id).desc())
    ).all()
    viewers = _user_names(session, {row.user_id for row in rows})
    return [
        {
            "need_id": row.need_id,
            "need_title": names.target("need", row.need_id),
            "viewed_at": _when(row.viewed_at),
            "organization": names.org(row.org_id),
            "bureau": row.org_id is None,
            "user": viewers.get(row.user_id),
        }
        for row in rows
    ]


def _details_read(session: Session, user_id: int, names: _Names) -> list[dict[str, Any]]:
    """The confidential needs of others whose details the person opened: titles and times, never the details."""
    rows = session.exec(
        select(DetailView)
        .where(DetailView.user_id == user_id)
        .order_by(col(DetailView.viewed_at).desc(), col(DetailView.id).desc())
    ).all()
    return [
        {
            "need_id": row.need_id,
            "need_title": names.target("need", row.need_id),
            "viewed_at": _when(row.viewed_at),
        }
        for row in rows
    ]


def _user_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    if not ids:
        return {}
    return {
        row.id: row.name for row in session.exec(select(User).where(col(User.id).in_(ids))).all() if row.id
    }


def _saved_searches(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(col(SavedSearch.id))
    ).all()
    return [
        {
            "id": row.id,
            "name": row.name,
            "query": row.query,
            "type": row.type,
            "industry": row.industry,
            "mode": row.mode,
            "region": row.region,
            "trl_min": row.trl_min,
            "created_at": _when(row.created_at),
        }
        for row in rows
    ]


def _activity(session: Session, user_id: int) -> list[dict[str, Any]]:
    """What the person did, from the audit log: the subject and the step, not the details others wrote."""
    rows = session.exec(
        select(AuditEvent).where(AuditEvent.actor_id == user_id).order_by(col(AuditEvent.id).desc())
    ).all()
    return [
        {
            "subject": row.subject_type,
            "subject_id": row.subject_id,
            "action": row.action,
            "from": row.from_state,
            "to": row.to_state,
            "at": _when(row.occurred_at),
        }
        for row in rows
    ]
