"""Deals in the JSON API: interests, NDA, messages, attachments, contracts, incubations, notifications, saved
searches. Every route needs a bearer token; anything of another pair of organizations is a 404."""

import io
from datetime import date, datetime
from typing import Literal

from flask import jsonify, request, send_file
from flask_babel import gettext as _
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from app.api.blueprint import bp
from app.api.document import documented
from app.api.helpers import api_user, json_body, token_required
from app.db import get_session
from app.deals.services import contract_document as contract_document_service
from app.deals.services import (
    contract_texts,
    contracts,
    conversation,
    incubations,
    interests,
    registration,
    registration_exports,
)
from app.market.services import need_access, saved_searches
from app.platform import notifications
from app.platform.errors import Invalid
from app.platform.validation import parse
from app.web import limits
from app.web.args import id_arg
from app.web.input_guards import accepts_upload
from models import ContractIn, DeclineIn, IncubationIn, InterestIn, NotificationsReadIn, SavedSearchIn

# --- shapes ------------------------------------------------------------------------------------------------------


class OrgRef(BaseModel):
    id: int
    name: str | None


class NdaText(BaseModel):
    version: str = Field(description="what an acceptance names: the text's version")
    text: str
    custom: bool


class InterestView(BaseModel):
    id: int
    status: str
    side: str | None = Field(
        description="from (the interested side), to (the target's owner), or none (bureau)"
    )
    target_type: str
    target_id: int
    target_title: str | None
    via_type: str | None
    via_id: int | None
    from_org: OrgRef
    to_org: OrgRef
    message: str | None
    decline_reason: str | None
    decline_note: str | None
    created_at: datetime
    decided_at: datetime | None
    nda_required: bool
    nda: NdaText | None
    nda_accepted: bool
    nda_accepted_at: datetime | None
    nda_need_id: int | None = Field(
        description="the confidential need the interest is about (its target or its via), whose NDA applies"
    )
    access_granted: bool = Field(description="the need's owner granted the other side access to its details")
    contacts: dict[str, str | None] | None = Field(description="the other side's contact, once accepted")
    parties: dict[str, int] = Field(description="the organizations that become party a and b of a contract")


class InterestList(BaseModel):
    items: list[InterestView]


class NdaAcceptIn(BaseModel):
    accept: Literal[True]
    version: str = Field(
        description="the version accepted: nda.version of the interest (409 when not current)"
    )


class NdaAccepted(BaseModel):
    interest_id: int
    need_id: int
    text_version: str
    text_sha256: str
    accepted_at: datetime


class Sender(BaseModel):
    name: str | None
    organization: str | None


class MessageAttachment(BaseModel):
    id: int
    name: str
    size: int
    mimetype: str
    url: str


class MessageView(BaseModel):
    id: int
    interest_id: int
    body: str
    created_at: datetime
    mine: bool
    sender: Sender
    attachments: list[MessageAttachment]


class MessageList(BaseModel):
    items: list[MessageView]


class MessageIn(BaseModel):
    body: str


class MessageForm(BaseModel):
    body: str = ""
    file: bytes | SkipJsonSchema[None] = None


class DetailViewRow(BaseModel):
    id: int
    event: Literal["view", "grant", "revoke", "nda_accepted"] = Field(
        description="a view of the details, or a grant, a revocation or an NDA acceptance"
    )
    user: str | None
    organization: str | None
    bureau: bool
    viewed_at: datetime


class DetailViewList(BaseModel):
    items: list[DetailViewRow]


class GrantIn(BaseModel):
    org_id: int = Field(ge=1, description="the organization granted access to the need's details")


class GrantView(BaseModel):
    id: int
    org_id: int
    granted_at: datetime
    nda_required: bool = Field(description="the grantee must still accept the need's NDA to read the details")


class GrantList(BaseModel):
    items: list[GrantView]


class NdaTextIn(BaseModel):
    body: str = Field("", description="empty: the platform's text")


class Party(BaseModel):
    id: int
    name: str
    signed_at: datetime | None


class MilestoneView(BaseModel):
    id: int
    position: int
    title: str
    kind: Literal["deliverable", "payment"] = Field(
        description="deliverable: pending → delivered (b) → accepted (a); "
        "payment: pending → paid (a) → received (b)"
    )
    due_on: date
    amount: int | None
    status: str
    done: bool = Field(description="accepted (a deliverable) or received (a payment)")
    waits_for: str | None = Field(description="the earlier unfinished milestone this one waits for")
    allowed: list[str]


class ContractTextView(BaseModel):
    version: int
    sha256: str = Field(description="SHA-256 of the canonical text: what a signature names")
    clauses: dict[str, str] = Field(description="clause code -> body, the codes of the contract's kind")
    clause_order: list[str] = Field(description="the clause codes in the order of the text (and of its hash)")


class SignatureView(BaseModel):
    party: Literal["a", "b"]
    user_id: int
    signed_at: datetime
    text_sha256: str


class Roles(BaseModel):
    a: str = Field(
        description="side a's role code in this kind of contract (client, transferee, licensee, ...)"
    )
    b: str = Field(description="side b's role code (developer, transferor, licensor, ...)")


class Completion(BaseModel):
    a: bool = Field(description="side a confirmed completion")
    b: bool = Field(description="side b confirmed completion")


class ContractView(BaseModel):
    id: int
    interest_id: int | None
    kind: str
    title: str
    status: str
    amount: int | None
    technology_amount: int | None
    currency: str
    signed_on: date | None
    ends_on: date | None
    field: str | None
    ip_type: str | None
    registration_number: str | None
    party_a: Party
    party_b: Party
    terminated_reason: str | None
    side: str | None
    allowed: list[str] = Field(description="the statuses the caller may move it to now")
    roles: Roles
    completion: Completion = Field(description="completed once both sides confirmed")
    milestones: list[MilestoneView]
    registration: dict | None = Field(None, description="as GET /contracts/<id>/registration's PUT answers")
    text: ContractTextView
    signatures: list[SignatureView] = Field(description="the live (not voided) signatures")


class ContractList(BaseModel):
    items: list[ContractView]


class ContractQuery(BaseModel):
    party: Literal["me"] = "me"


class ContractTextIn(BaseModel):
    clauses: dict[str, str] = Field(description="the clauses to change (code -> body); the others stay")


class ContractTransitionIn(BaseModel):
    to: Literal["signed", "in_progress", "completed", "terminated"]
    note: str = Field("", description="the reason, when terminating")
    text_sha256: str | None = Field(
        None,
        description="required to sign: the SHA-256 of the current text (`text.sha256`); the bearer token is the "
        "signer's credential (method api_token)",
    )


class MilestoneTransitionIn(BaseModel):
    to: Literal["delivered", "accepted", "paid", "received"]


class RegistrationNumberIn(BaseModel):
    number: str


class NeedClosedView(BaseModel):
    need_id: int
    status: str
    close_reason: str | None
    solved_contract_id: int | None


class ContractEventView(BaseModel):
    model_config = {"populate_by_name": True}
    id: int
    action: str
    from_: str | None = Field(alias="from")
    to: str | None
    note: str | None
    milestone_id: int | None
    at: datetime
    user: str | None


class ContractEventList(BaseModel):
    items: list[ContractEventView]


class IncubationView(BaseModel):
    id: int
    center_id: int
    name: str
    credit_code: str | None
    achievement_id: int | None
    contract_id: int | None
    started_on: date
    status: str
    ended_on: date | None
    confirmed_at: datetime | None
    rejected_at: datetime | None


class IncubationList(BaseModel):
    items: list[IncubationView]


class IncubationQuery(BaseModel):
    center_id: int | SkipJsonSchema[None] = Field(None, ge=1, json_schema_extra=lambda s: s.pop("default"))


class IncubationTransitionIn(BaseModel):
    to: Literal["graduated", "exited"]


class IncubationConfirmIn(BaseModel):
    decision: Literal["confirm", "reject"]


class InterestQuery(BaseModel):
    box: Literal["in", "out"] = "in"


class NotificationView(BaseModel):
    id: int
    kind: str
    subject_type: str | None
    subject_id: int | None
    text: str
    state: str | None = Field(None, description="the object's new status code; its label is in `text`")
    link: str | None = Field(None, description="the path of the object's page")
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    items: list[NotificationView]
    unread: int


class NotificationQuery(BaseModel):
    unread: Literal["0", "1"] = Field("0", description="1: unread only")


class ReadIn(BaseModel):
    ids: list[int] | SkipJsonSchema[None] = Field(None, description="absent: all of them")


class ReadDone(BaseModel):
    marked: int
    unread: int


class SavedSearchView(BaseModel):
    id: int
    name: str
    query: str
    type: str | None
    industry: str | None
    mode: str | None
    region: str | None
    trl_min: int | None
    created_at: datetime


class SavedSearchList(BaseModel):
    items: list[SavedSearchView]


# Ids beyond the database's integer range are routed to a plain 404 (`int(max=...)` in the URL rules below).


def _interest(interest) -> dict:
    return interests.interest_to_public(session=get_session(), user=api_user(), interest=interest)


def _contract(contract) -> dict:
    return contracts.contract_to_public(session=get_session(), user=api_user(), contract=contract)


@bp.post("/interests")
@documented(json=InterestIn, responses={201: InterestView})
@limits.writes
@token_required
def express_interest():
    """Express interest in a need, achievement, service or center."""
    data = json_body()
    interest = interests.express_interest(
        session=get_session(),
        user=api_user(),
        target_type=data.get("target_type"),
        target_id=data.get("target_id"),
        message=data.get("message"),
        via_type=data.get("via_type"),
        via_id=data.get("via_id"),
    )
    return jsonify(_interest(interest)), 201


@bp.get("/interests")
@documented(query=InterestQuery, responses={200: InterestList})
@token_required
def list_interests():
    """Interests received (box=in, the default) or sent (box=out) by the caller's organization."""
    rows = interests.list_interests(session=get_session(), user=api_user(), box=request.args.get("box", "in"))
    return jsonify(items=[_interest(row) for row in rows])


@bp.get("/interests/<int(max=2147483647):interest_id>")
@documented(responses={200: InterestView})
@token_required
def get_interest(interest_id: int):
    """One interest, to its two parties and the bureau."""
    return jsonify(
        _interest(interests.get_interest(session=get_session(), user=api_user(), interest_id=interest_id))
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/accept")
@documented(responses={200: InterestView})
@limits.writes
@token_required
def accept_interest(interest_id: int):
    """The target's owner accepts."""
    return jsonify(
        _interest(interests.accept_interest(session=get_session(), user=api_user(), interest_id=interest_id))
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/decline")
@documented(json=DeclineIn, responses={200: InterestView})
@limits.writes
@token_required
def decline_interest(interest_id: int):
    """The target's owner declines, with a reason."""
    data = json_body()
    return jsonify(
        _interest(
            interests.decline_interest(
                session=get_session(),
                user=api_user(),
                interest_id=interest_id,
                reason=data.get("reason"),
                note=data.get("note") or "",
            )
        )
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/withdraw")
@documented(responses={200: InterestView})
@limits.writes
@token_required
def withdraw_interest(interest_id: int):
    """The interested side takes back a pending interest."""
    return jsonify(
        _interest(
            interests.withdraw_interest(session=get_session(), user=api_user(), interest_id=interest_id)
        )
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/nda")
@documented(json=NdaAcceptIn, responses={201: NdaAccepted})
@limits.writes
@token_required
def accept_nda(interest_id: int):
    """The organization on the other side of a confidential need's owner accepts the need's NDA, naming the
    version it read (the interest's nda.version)."""
    data = json_body()
    acceptance = interests.accept_nda(
        session=get_session(),
        user=api_user(),
        interest_id=interest_id,
        agreed=data.get("accept"),
        version=data.get("version"),
    )
    return jsonify(
        interest_id=acceptance.interest_id,
        need_id=acceptance.need_id,
        text_version=acceptance.text_version,
        text_sha256=acceptance.text_sha256,
        accepted_at=acceptance.accepted_at.isoformat(),
    ), 201


@bp.get("/interests/<int(max=2147483647):interest_id>/messages")
@documented(responses={200: MessageList})
@token_required
def list_messages(interest_id: int):
    """The conversation of an interest."""
    rows = conversation.list_messages(session=get_session(), user=api_user(), interest_id=interest_id)
    return jsonify(
        items=conversation.messages_to_public(session=get_session(), user=api_user(), messages=rows)
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/messages")
@documented(json=MessageIn, form=MessageForm, responses={201: MessageView})
@accepts_upload
@limits.writes
@token_required
def post_message(interest_id: int):
    """Send a message: JSON {"body"}, or multipart with `body` and a file field `file`."""
    if request.mimetype == "multipart/form-data":
        body, upload = request.form.get("body", ""), request.files.get("file")
    else:
        body, upload = json_body().get("body"), None
    if body is not None and not isinstance(body, str):
        raise Invalid(_("Some fields are not valid."), {"body": _("Wrong type of value.")})
    message = conversation.post_message(
        session=get_session(), user=api_user(), interest_id=interest_id, body=body or "", upload=upload
    )
    return jsonify(
        conversation.messages_to_public(session=get_session(), user=api_user(), messages=[message])[0]
    ), 201


@bp.get("/attachments/<int(max=2147483647):attachment_id>")
@documented(responses={200: None}, files={200: ("application/octet-stream",)})
@token_required
def attachment(attachment_id: int):
    """Download an attachment (the two parties and the bureau)."""
    path, name, mimetype = conversation.open_attachment(
        session=get_session(), user=api_user(), attachment_id=attachment_id
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/needs/<int(max=2147483647):need_id>/detail-views")
@documented(responses={200: DetailViewList})
@token_required
def need_detail_views(need_id: int):
    """Who read the confidential details of the caller's need."""
    rows = need_access.detail_views(session=get_session(), user=api_user(), need_id=need_id)
    return jsonify(items=[need_access.detail_view_to_public(session=get_session(), view=row) for row in rows])


@bp.put("/needs/<int(max=2147483647):need_id>/nda")
@documented(json=NdaTextIn, responses={200: NdaText})
@limits.writes
@token_required
def set_need_nda(need_id: int):
    """The need's owner writes its own NDA text (an empty body restores the platform text)."""
    body = json_body().get("body", "")
    if not isinstance(body, str):
        raise Invalid(_("Some fields are not valid."), {"body": _("Wrong type of value.")})
    nda = interests.set_nda_text(session=get_session(), user=api_user(), need_id=need_id, body=body)
    return jsonify(version=nda.version, text=nda.body, custom=nda.custom)


@bp.post("/needs/<int(max=2147483647):need_id>/grants")
@documented(json=GrantIn, responses={201: GrantView, 200: GrantView})
@limits.writes
@token_required
def grant_need_access(need_id: int):
    """The need's owner grants an organization access to its confidential details (授权查看); granting one
    already granted answers 200 with the same grant."""
    grant, created = need_access.grant_details(
        session=get_session(), need_id=need_id, org_id=json_body().get("org_id"), user=api_user()
    )
    return jsonify(need_access.grant_to_public(session=get_session(), grant=grant)), 201 if created else 200


@bp.get("/needs/<int(max=2147483647):need_id>/grants")
@documented(responses={200: GrantList})
@token_required
def list_need_grants(need_id: int):
    """The organizations granted access to the need's details: for its owner and the bureau."""
    rows = need_access.list_grants(session=get_session(), user=api_user(), need_id=need_id)
    return jsonify(items=[need_access.grant_to_public(session=get_session(), grant=row) for row in rows])


@bp.delete("/needs/<int(max=2147483647):need_id>/grants/<int(max=2147483647):grant_id>")
@documented(responses={204: None})
@limits.writes
@token_required
def revoke_need_access(need_id: int, grant_id: int):
    """The need's owner revokes a grant (撤销授权)."""
    need_access.revoke_details(session=get_session(), need_id=need_id, grant_id=grant_id, user=api_user())
    return "", 204


@bp.post("/contracts")
@documented(json=ContractIn, responses={201: ContractView})
@limits.writes
@token_required
def create_contract():
    """Create a draft contract from an accepted interest."""
    contract = contracts.create_contract(session=get_session(), user=api_user(), data=json_body())
    return jsonify(_contract(contract)), 201


@bp.get("/contracts")
@documented(query=ContractQuery, responses={200: ContractList})
@token_required
def list_contracts():
    """The caller's organization's contracts (party=me); the bureau sees all."""
    if request.args.get("party", "me") != "me":
        raise Invalid(_("Some fields are not valid."), {"party": _("Not one of the allowed values.")})
    return jsonify(
        items=[_contract(c) for c in contracts.list_contracts(session=get_session(), user=api_user())]
    )


@bp.get("/contracts/<int(max=2147483647):contract_id>")
@documented(responses={200: ContractView})
@token_required
def get_contract(contract_id: int):
    """One contract, to its parties and the bureau."""
    return jsonify(
        _contract(contracts.get_contract(session=get_session(), user=api_user(), contract_id=contract_id))
    )


def _string(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Invalid(
            _("Some fields are not valid."),
            {name: _("This field is required.") if value is None else _("Wrong type of value.")},
        )
    return value


@bp.post("/contracts/<int(max=2147483647):contract_id>/transition")
@documented(json=ContractTransitionIn, responses={200: ContractView})
@limits.writes
@token_required
def transition_contract(contract_id: int):
    """Sign, start, complete or terminate (with a reason in `note`). `completed` records the caller's side's
    confirmation (200 each time); the contract is completed once both sides have confirmed and every milestone
    is finished."""
    data = json_body()
    contract = contracts.transition_contract(
        session=get_session(),
        user=api_user(),
        contract_id=contract_id,
        to=_string(data, "to"),
        note=_string(data, "note", required=False),
        text_sha256=data.get("text_sha256"),
        method="api_token",
        address=request.remote_addr or "",
    )
    return jsonify(_contract(contract))


@bp.put("/contracts/<int(max=2147483647):contract_id>/text")
@documented(json=ContractTextIn, responses={200: ContractView})
@limits.writes
@token_required
def edit_contract_text(contract_id: int):
    """Change clauses of a draft's text (a party): a new version; a signature already given is voided."""
    contract_texts.edit_text(
        session=get_session(), user=api_user(), contract_id=contract_id, clauses=json_body().get("clauses")
    )
    return jsonify(
        _contract(contracts.get_contract(session=get_session(), user=api_user(), contract_id=contract_id))
    )


@bp.get("/contracts/<int(max=2147483647):contract_id>/document.pdf")
@documented(responses={200: None}, files={200: ("application/pdf",)})
@token_required
def contract_document(contract_id: int):
    """The contract as a PDF: its text, milestones, both signatures and the text's SHA-256."""
    data, name = contract_document_service.contract_pdf(
        session=get_session(), user=api_user(), contract_id=contract_id
    )
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.post(
    "/contracts/<int(max=2147483647):contract_id>/milestones/<int(max=2147483647):milestone_id>/transition"
)
@documented(json=MilestoneTransitionIn, responses={200: ContractView})
@limits.writes
@token_required
def transition_milestone(contract_id: int, milestone_id: int):
    """One step of one milestone, in order of position: a deliverable is delivered (b) then accepted (a); a
    payment is paid (a) then received (b)."""
    contracts.transition_milestone(
        session=get_session(),
        user=api_user(),
        contract_id=contract_id,
        milestone_id=milestone_id,
        to=_string(json_body(), "to"),
    )
    return jsonify(
        _contract(contracts.get_contract(session=get_session(), user=api_user(), contract_id=contract_id))
    )


@bp.post("/contracts/<int(max=2147483647):contract_id>/registration")
@documented(json=RegistrationNumberIn, responses={200: ContractView})
@limits.writes
@token_required
def contract_registration(contract_id: int):
    """Record the registration number (登记编号) of a signed contract."""
    contract = contracts.set_registration_number(
        session=get_session(), user=api_user(), contract_id=contract_id, number=_string(json_body(), "number")
    )
    return jsonify(_contract(contract))


@bp.post("/contracts/<int(max=2147483647):contract_id>/close-need")
@documented(responses={200: NeedClosedView})
@limits.writes
@token_required
def close_need(contract_id: int):
    """The need's owner closes the need a completed contract came from, as solved on this platform."""
    need = contracts.close_need_as_solved(session=get_session(), user=api_user(), contract_id=contract_id)
    return jsonify(
        need_id=need.id,
        status=need.status.value,
        close_reason=need.close_reason.value if need.close_reason else None,
        solved_contract_id=need.solved_contract_id,
    )


@bp.get("/contracts/<int(max=2147483647):contract_id>/audit")
@documented(responses={200: ContractEventList})
@token_required
def contract_audit(contract_id: int):
    """Every change of the contract, oldest first."""
    rows = contracts.contract_audit(session=get_session(), user=api_user(), contract_id=contract_id)
    return jsonify(items=[contracts.event_to_public(session=get_session(), event=row) for row in rows])


# --- technology contract registration (技术合同认定登记) ------------------------------------------------------


class ContractRegistrationIn(BaseModel):
    """Absent fields keep their value; null clears one. Amounts in yuan, dates YYYY-MM-DD."""

    sub_kind: str | None = None
    field: str | None = Field(None, description="技术领域 code")
    ip_type: str | None = None
    deal_amount: int | None = Field(None, description="合同成交额, yuan")
    technology_amount: int | None = Field(None, description="技术交易额, yuan, at most deal_amount")
    payment_method: Literal["lump_sum", "installments", "royalty", "other"] | None = None
    seller_type: Literal["enterprise", "university", "institute", "other"] | None = None
    buyer_type: Literal["enterprise", "university", "institute", "other"] | None = None
    seller_region: str | None = Field(None, description="a region code or name, or `outside`")
    buyer_region: str | None = None
    term_start: date | None = None
    term_end: date | None = None
    objective: str | None = Field(None, description="社会经济目标 code, where it applies")
    status: Literal["not_submitted", "submitted", "registered", "refused"] | None = None
    number: str | None = Field(
        None, description="登记编号, required for registered: year + 6-digit code + serial"
    )
    office: str | None = Field(None, description="登记机构, required for registered")
    refusal_reason: str | None = Field(None, description="required for refused")
    version: int | None = Field(None, description="the version read; a stale one is a 409")


class ContractRegistrationView(BaseModel):
    contract_id: int
    status: str
    sub_kind: str | None
    field: str | None
    ip_type: str | None
    deal_amount: int | None
    technology_amount: int | None
    payment_method: str | None
    seller_type: str | None
    buyer_type: str | None
    seller_region: str | None
    buyer_region: str | None
    term_start: date | None
    term_end: date | None
    objective: str | None
    number: str | None
    office: str | None
    refusal_reason: str | None
    submitted_at: datetime | None
    decided_at: datetime | None
    updated_at: datetime | None
    version: int = Field(description="0 until a party first saves the (prefilled) form")
    registrable: bool
    editable: bool = Field(description="the caller may change the fields now")
    allowed: list[str] = Field(description="the statuses the caller may move it to now")


class PeriodQuery(BaseModel):
    from_: str = Field(alias="from", description="YYYY-MM-DD, the first day of submission")
    to: str = Field(description="YYYY-MM-DD, the last day of submission")


def _registration(contract_id: int) -> dict:
    contract = registration.get_contract(session=get_session(), user=api_user(), contract_id=contract_id)
    return registration.registration_to_public(session=get_session(), user=api_user(), contract=contract)


@bp.put("/contracts/<int(max=2147483647):contract_id>/registration")
@documented(json=ContractRegistrationIn, responses={200: ContractRegistrationView})
@limits.writes
@token_required
def update_registration(contract_id: int):
    """Fill the registration form (a party), submit or withdraw it, or record the office's decision (a party or
    the bureau): `status` registered with `number` and `office`, or refused with `refusal_reason`."""
    registration.update_registration(
        session=get_session(), user=api_user(), contract_id=contract_id, data=json_body()
    )
    return jsonify(_registration(contract_id))


def _form_file(contract_id: int, fmt: str):
    name, mimetype, data = registration_exports.form_file(
        session=get_session(), user=api_user(), contract_id=contract_id, fmt=fmt
    )
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.get("/contracts/<int(max=2147483647):contract_id>/registration.pdf")
@documented(responses={200: None}, files={200: ("application/pdf",)})
@token_required
def registration_pdf(contract_id: int):
    """The contract's registration form (登记表) as PDF, to its parties and the bureau."""
    return _form_file(contract_id, "pdf")


@bp.get("/contracts/<int(max=2147483647):contract_id>/registration.xlsx")
@documented(responses={200: None}, files={200: (registration_exports.XLSX,)})
@token_required
def registration_xlsx(contract_id: int):
    """The contract's registration form (登记表) as XLSX, to its parties and the bureau."""
    return _form_file(contract_id, "xlsx")


@bp.get("/bureau/registrations.xlsx")
@documented(
    query=PeriodQuery,
    responses={200: None},
    files={200: (registration_exports.XLSX,)},
)
@token_required
def registrations_xlsx():
    """Every contract submitted for registration in the period (both days included), with its status, number
    and office (bureau)."""
    name, data = registration_exports.batch_file(
        session=get_session(), user=api_user(), start=request.args.get("from"), end=request.args.get("to")
    )
    return send_file(
        io.BytesIO(data), mimetype=registration_exports.XLSX, as_attachment=True, download_name=name
    )


@bp.get("/incubations")
@documented(query=IncubationQuery, responses={200: IncubationList})
@token_required
def list_incubations():
    """The incubated enterprises of the caller's centers (all of them for the bureau)."""
    center_id = id_arg("center_id", strict=True)
    rows = incubations.list_incubations(session=get_session(), user=api_user(), center_id=center_id)
    return jsonify(items=[incubations.incubation_to_public(row) for row in rows])


@bp.post("/incubations")
@documented(json=IncubationIn, responses={201: IncubationView})
@limits.writes
@token_required
def create_incubation():
    """Record an enterprise incubated by the caller's center."""
    row = incubations.create_incubation(session=get_session(), user=api_user(), data=json_body())
    return jsonify(incubations.incubation_to_public(row)), 201


@bp.post("/incubations/<int(max=2147483647):incubation_id>/transition")
@documented(json=IncubationTransitionIn, responses={200: IncubationView})
@limits.writes
@token_required
def transition_incubation(incubation_id: int):
    """The incubated enterprise graduated or exited."""
    row = incubations.transition_incubation(
        session=get_session(), user=api_user(), incubation_id=incubation_id, to=_string(json_body(), "to")
    )
    return jsonify(incubations.incubation_to_public(row))


@bp.post("/incubations/<int(max=2147483647):incubation_id>/confirm")
@documented(json=IncubationConfirmIn, responses={200: IncubationView})
@limits.writes
@token_required
def confirm_incubation(incubation_id: int):
    """The incubated firm (the bureau, for a firm without an account) confirms or rejects the record; only
    confirmed incubations count in the indicators."""
    row = incubations.confirm_incubation(
        session=get_session(),
        user=api_user(),
        incubation_id=incubation_id,
        decision=_string(json_body(), "decision"),
    )
    return jsonify(incubations.incubation_to_public(row))


@bp.get("/notifications")
@documented(query=NotificationQuery, responses={200: NotificationList})
@token_required
def list_notifications():
    """The caller's notifications, newest first (unread=1 for unread only), and the unread count."""
    rows = notifications.list_notifications(
        session=get_session(), user=api_user(), unread_only=request.args.get("unread") == "1"
    )
    return jsonify(
        items=[notifications.notification_to_public(row) for row in rows],
        unread=notifications.unread_count(session=get_session(), user=api_user()),
    )


@bp.post("/notifications/read")
@documented(json=ReadIn, responses={200: ReadDone})
@limits.writes
@token_required
def read_notifications():
    """Mark notifications read: {"ids": [...]} for some, {} for all."""
    ids = parse(NotificationsReadIn, json_body()).ids
    changed = notifications.mark_read(session=get_session(), user=api_user(), ids=ids)
    return jsonify(marked=changed, unread=notifications.unread_count(session=get_session(), user=api_user()))


@bp.get("/saved-searches")
@documented(responses={200: SavedSearchList})
@token_required
def list_saved_searches():
    """The caller's saved searches."""
    rows = saved_searches.list_saved_searches(session=get_session(), user=api_user())
    return jsonify(items=[saved_searches.saved_search_to_public(row) for row in rows])


@bp.post("/saved-searches")
@documented(json=SavedSearchIn, responses={201: SavedSearchView})
@limits.writes
@token_required
def create_saved_search():
    """Save a query and filters for the daily digest."""
    row = saved_searches.create_saved_search(session=get_session(), user=api_user(), data=json_body())
    return jsonify(saved_searches.saved_search_to_public(row)), 201


@bp.delete("/saved-searches/<int(max=2147483647):saved_id>")
@documented(responses={204: None})
@limits.writes
@token_required
def delete_saved_search(saved_id: int):
    """Delete one of the caller's saved searches."""
    saved_searches.delete_saved_search(session=get_session(), user=api_user(), saved_id=saved_id)
    return "", 204
