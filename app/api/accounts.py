"""Accounts in the JSON API: bearer tokens, registration, organizations and the claims to a credit code, and the
caller's rights over their own data (`/me/export`, `/me/deletion`)."""

from datetime import datetime
from typing import Literal

from flask import jsonify
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from app.accounts.labels import ACCOUNT_EVENTS
from app.accounts.services import accounts, confirmation, deletion, organizations, personal_data, size_class
from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_token_id, api_user, dump_as, json_body, token_required, token_ttl_hours
from app.db import get_session
from app.platform.errors import Forbidden, Unauthorized
from app.platform.legal import legal_version
from app.platform.notifications import mail_enabled
from app.platform.validation import parse
from app.web import limits
from app.web.labels import label
from models import (
    ApiTokenPublic,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    UserPublic,
)


class SizeClassIn(BaseModel):
    """Name the class, or give employees and revenue for the class the national classification suggests."""

    size_class: Literal["large", "medium", "small", "micro"] | None = Field(
        description="企业规模; null: not given (universities, institutes and the bureau have none)"
    )
    employees: int | SkipJsonSchema[None] = Field(
        None, ge=0, description="with `revenue`, when no class is named"
    )
    revenue: int | SkipJsonSchema[None] = Field(None, ge=0, description="yearly operating revenue, yuan")


class TokenIn(BaseModel):
    email: str
    password: str


class TokenIssued(BaseModel):
    token: str
    token_type: Literal["bearer"]
    expires_at: datetime


class TokenListed(ApiTokenPublic):
    current: bool


class TokenList(BaseModel):
    items: list[TokenListed]


class Registered(BaseModel):
    user: UserPublic
    organization: OrganizationPublic


class ConfirmationSent(BaseModel):
    """With email configured: the answer to every acceptable registration, whether the address was new (a
    confirmation link went to it) or already had an account (its owner was told)."""

    status: Literal["confirmation_sent"]


class ClaimFiled(BaseModel):
    id: int
    status: str


class ClaimList(BaseModel):
    items: list[OrganizationClaimPublic]


class ClaimDecisionIn(BaseModel):
    decision: Literal["transfer", "reject"]


class DataExport(BaseModel):
    """A copy of everything the platform holds about the caller (see app/accounts/services/personal_data.py)."""

    model_config = ConfigDict(extra="allow")
    format: int
    generated_at: datetime
    account: dict
    organization: dict | None
    listings: dict[str, list[dict]]
    interests: list[dict]
    messages: list[dict]
    contracts: list[dict]
    detail_views_of_our_needs: list[dict]
    notifications: list[dict]


class DeletionIn(BaseModel):
    password: str


class DeletionStatus(BaseModel):
    scheduled: bool
    requested_at: datetime | None
    due_at: datetime | None


class OrganizationEvent(BaseModel):
    id: int
    subject: Literal["organization", "claim"]
    subject_id: int
    action: str
    label: str
    from_state: str | None
    to_state: str | None
    at: datetime
    actor: str | None


class OrganizationHistory(BaseModel):
    items: list[OrganizationEvent]


@bp.post("/auth/token")
@documented(json=TokenIn, responses={200: TokenIssued})
@limits.login_by_address
@limits.login_by_account
@limits.token_creation
def issue_token():
    """Exchange email and password for a bearer token."""
    data = json_body()
    user = accounts.authenticate(
        session=get_session(), email=str(data.get("email", "")), password=str(data.get("password", ""))
    )
    if user is None:
        raise Unauthorized(_("Wrong email or password."))
    if user.email_confirmed_at is None:
        raise Forbidden(
            _("Your email is not confirmed yet: follow the link in the email we sent at registration.")
        )
    token, row = accounts.issue_token(session=get_session(), user=user, ttl_hours=token_ttl_hours())
    return jsonify(token=token, token_type="bearer", expires_at=row.expires_at.isoformat())


@bp.delete("/auth/token")
@documented(responses={204: None})
@token_required
def revoke_current_token():
    """Revoke the token this request came with (log out of the API)."""
    accounts.revoke_token(session=get_session(), user=api_user(), token_id=api_token_id())
    return "", 204


@bp.get("/auth/tokens")
@documented(responses={200: TokenList})
@token_required
def list_tokens():
    """The caller's live tokens: when each was created, expires and was last used."""
    rows = accounts.list_tokens(session=get_session(), user=api_user())
    return jsonify(
        items=[dump_as(ApiTokenPublic, row) | {"current": row.id == api_token_id()} for row in rows]
    )


@bp.delete("/auth/tokens/<int:token_id>")
@documented(responses={204: None})
@token_required
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens."""
    accounts.revoke_token(session=get_session(), user=api_user(), token_id=token_id)
    return "", 204


@bp.post("/register")
@documented(json=RegistrationIn, responses={201: Registered, 202: ConfirmationSent})
@limits.registration
def register():
    """Register an organization and its first user. With email configured the answer is 202 whether the address
    is new or known (the address's owner is mailed either way), and the account logs in once confirmed."""
    if mail_enabled():
        confirmation.register_pending(
            session=get_session(),
            registration=parse(RegistrationIn, json_body()),
            consent_version=legal_version(),
        )
        return jsonify(status="confirmation_sent"), 202
    user = accounts.register(
        session=get_session(),
        registration=parse(RegistrationIn, json_body()),
        consent_version=legal_version(),
    )
    org = accounts.get_organization(session=get_session(), org_id=user.org_id)
    return jsonify(user=dump_as(UserPublic, user), organization=dump_as(OrganizationPublic, org)), 201


@bp.get("/organizations/<int:org_id>")
@documented(responses={200: OrganizationPublic})
def organization(org_id: int):
    """An organization's public profile."""
    org = accounts.get_organization(session=get_session(), org_id=org_id)
    return jsonify(dump_as(OrganizationPublic, org))


@bp.post("/organizations/<int:org_id>/verify")
@documented(responses={200: OrganizationPublic})
@limits.writes
@token_required
def verify_organization(org_id: int):
    """The bureau confirms an organization is who it says it is."""
    org = organizations.verify(session=get_session(), user=api_user(), org_id=org_id)
    return jsonify(dump_as(OrganizationPublic, org))


@bp.patch("/organizations/<int:org_id>")
@documented(json=SizeClassIn, responses={200: OrganizationPublic})
@limits.writes
@token_required
def edit_organization(org_id: int):
    """The organization's own users or the bureau change its enterprise size class."""
    org = size_class.change_size_class(
        session=get_session(), user=api_user(), org_id=org_id, data=json_body()
    )
    return jsonify(dump_as(OrganizationPublic, org))


@bp.post("/organization-claims")
@documented(json=OrganizationClaimIn, responses={201: ClaimFiled})
@limits.registration  # a claim is filed without an account, like a registration
def file_organization_claim():
    """A firm whose credit code someone else registered asks the bureau for its organization."""
    claim = organizations.file_claim(session=get_session(), data=json_body())
    return jsonify(id=claim.id, status=claim.status.value), 201


@bp.get("/organization-claims")
@documented(responses={200: ClaimList})
@token_required
def list_organization_claims():
    """Claims waiting for the bureau."""
    rows = organizations.claims(session=get_session(), user=api_user())
    return jsonify(items=[dump_as(OrganizationClaimPublic, row) for row in rows])


@bp.post("/organization-claims/<int:claim_id>/resolve")
@documented(json=ClaimDecisionIn, responses={200: OrganizationClaimPublic})
@limits.writes
@token_required
def resolve_organization_claim(claim_id: int):
    """The bureau transfers the organization to the claimant or rejects the claim."""
    claim = organizations.resolve_claim(
        session=get_session(),
        user=api_user(),
        claim_id=claim_id,
        decision=str(json_body().get("decision", "")),
    )
    return jsonify(dump_as(OrganizationClaimPublic, claim))


@bp.get("/organizations/<int:org_id>/history")
@documented(responses={200: OrganizationHistory})
@token_required
def organization_history(org_id: int):
    """The bureau's record of an organization, newest first: verification, claims and their decisions."""
    rows = organizations.history(session=get_session(), user=api_user(), org_id=org_id)
    return jsonify(
        items=[
            {
                "id": row["id"],
                "subject": row["subject"],
                "subject_id": row["subject_id"],
                "action": row["action"],
                "label": label(ACCOUNT_EVENTS, f"{row['subject']}:{row['action']}"),
                "from_state": row["from"],
                "to_state": row["to"],
                "at": row["at"].isoformat(),
                "actor": row["actor"],
            }
            for row in rows
        ]
    )


def _deletion_status(user) -> dict:
    return {
        "scheduled": deletion.is_scheduled(user),
        "requested_at": user.deletion_requested_at.isoformat() if user.deletion_requested_at else None,
        "due_at": user.deletion_due_at.isoformat() if user.deletion_due_at else None,
    }


@bp.get("/me/export")
@documented(responses={200: DataExport})
@token_required
def export_my_data():
    """A copy of the caller's data: account, organization and its listings, interests, messages they wrote,
    contracts, who read their confidential needs, notifications (个人信息保护法 art. 45)."""
    return jsonify(personal_data.export(session=get_session(), user=api_user()))


@bp.get("/me/deletion")
@documented(responses={200: DeletionStatus})
@token_required
def my_deletion():
    """Whether the caller's account is scheduled for deletion, and when."""
    return jsonify(_deletion_status(api_user()))


@bp.post("/me/deletion")
@documented(json=DeletionIn, responses={202: DeletionStatus})
@limits.writes
@token_required
def request_my_deletion():
    """Ask to delete the caller's account (the password again in the body); it is carried out after
    ACCOUNT_DELETION_DAYS, and may be cancelled until then (个人信息保护法 art. 47)."""
    password = json_body().get("password")
    user = deletion.request_deletion(
        session=get_session(), user=api_user(), password=password if isinstance(password, str) else None
    )
    return jsonify(_deletion_status(user)), 202


@bp.delete("/me/deletion")
@documented(responses={200: DeletionStatus})
@limits.writes
@token_required
def cancel_my_deletion():
    """Keep the caller's account: cancel its scheduled deletion (409 when none is scheduled)."""
    user = deletion.cancel_deletion(session=get_session(), user=api_user())
    return jsonify(_deletion_status(user))
