"""Accounts in the JSON API: bearer tokens, registration, organizations and the claims to a credit code."""

from datetime import datetime
from typing import Literal

from flask import jsonify
from flask_babel import gettext as _
from pydantic import BaseModel

from app.accounts.services import accounts, organizations
from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_token_id, api_user, dump_as, json_body, token_required, token_ttl_hours
from app.db import get_session
from app.platform.errors import Unauthorized
from app.platform.legal import legal_version
from app.platform.validation import parse
from app.web import limits
from models import (
    ApiTokenPublic,
    OrganizationClaimIn,
    OrganizationClaimPublic,
    OrganizationPublic,
    RegistrationIn,
    UserPublic,
)


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


class ClaimFiled(BaseModel):
    id: int
    status: str


class ClaimList(BaseModel):
    items: list[OrganizationClaimPublic]


class ClaimDecisionIn(BaseModel):
    decision: Literal["transfer", "reject"]


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
@documented(json=RegistrationIn, responses={201: Registered})
@limits.registration
def register():
    """Register an organization and its first user."""
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
