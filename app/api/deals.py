"""Deals in the JSON API: interests, NDA, messages, attachments, contracts, incubations, notifications, saved
searches. Every route needs a bearer token; anything of another pair of organizations is a 404."""

from flask import jsonify, request, send_file
from flask_babel import gettext as _

from app.api import bp
from app.api.helpers import api_user, token_required
from app.api.routes import json_body
from app.db import get_session
from app.deals.services import contracts, conversation, incubations, interests
from app.market.services import need_access, saved_searches
from app.platform import notifications
from app.platform.errors import Invalid
from app.web.input_guards import accepts_upload

# Ids beyond the database's integer range are routed to a plain 404 (`int(max=...)` in the URL rules below).


def _interest(interest) -> dict:
    return interests.interest_to_public(session=get_session(), user=api_user(), interest=interest)


def _contract(contract) -> dict:
    return contracts.contract_to_public(session=get_session(), user=api_user(), contract=contract)


@bp.post("/interests")
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
@token_required
def list_interests():
    """Interests received (box=in, the default) or sent (box=out) by the caller's organization."""
    rows = interests.list_interests(session=get_session(), user=api_user(), box=request.args.get("box", "in"))
    return jsonify(items=[_interest(row) for row in rows])


@bp.get("/interests/<int(max=2147483647):interest_id>")
@token_required
def get_interest(interest_id: int):
    """One interest, to its two parties and the bureau."""
    return jsonify(
        _interest(interests.get_interest(session=get_session(), user=api_user(), interest_id=interest_id))
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/accept")
@token_required
def accept_interest(interest_id: int):
    """The target's owner accepts."""
    return jsonify(
        _interest(interests.accept_interest(session=get_session(), user=api_user(), interest_id=interest_id))
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/decline")
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
@token_required
def withdraw_interest(interest_id: int):
    """The interested side takes back a pending interest."""
    return jsonify(
        _interest(
            interests.withdraw_interest(session=get_session(), user=api_user(), interest_id=interest_id)
        )
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/nda")
@token_required
def accept_nda(interest_id: int):
    """The interested side accepts the confidential need's NDA."""
    if json_body().get("accept") is not True:
        raise Invalid(_("Some fields are not valid."), {"accept": _("Send true to accept the NDA.")})
    acceptance = interests.accept_nda(session=get_session(), user=api_user(), interest_id=interest_id)
    return jsonify(
        interest_id=acceptance.interest_id,
        need_id=acceptance.need_id,
        text_version=acceptance.text_version,
        text_sha256=acceptance.text_sha256,
        accepted_at=acceptance.accepted_at.isoformat(),
    ), 201


@bp.get("/interests/<int(max=2147483647):interest_id>/messages")
@token_required
def list_messages(interest_id: int):
    """The conversation of an interest."""
    rows = conversation.list_messages(session=get_session(), user=api_user(), interest_id=interest_id)
    return jsonify(
        items=conversation.messages_to_public(session=get_session(), user=api_user(), messages=rows)
    )


@bp.post("/interests/<int(max=2147483647):interest_id>/messages")
@accepts_upload
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
@token_required
def attachment(attachment_id: int):
    """Download an attachment (the two parties and the bureau)."""
    path, name, mimetype = conversation.open_attachment(
        session=get_session(), user=api_user(), attachment_id=attachment_id
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.get("/needs/<int(max=2147483647):need_id>/detail-views")
@token_required
def need_detail_views(need_id: int):
    """Who read the confidential details of the caller's need."""
    rows = need_access.detail_views(session=get_session(), user=api_user(), need_id=need_id)
    return jsonify(items=[need_access.detail_view_to_public(session=get_session(), view=row) for row in rows])


@bp.put("/needs/<int(max=2147483647):need_id>/nda")
@token_required
def set_need_nda(need_id: int):
    """The need's owner writes its own NDA text (an empty body restores the platform text)."""
    body = json_body().get("body", "")
    if not isinstance(body, str):
        raise Invalid(_("Some fields are not valid."), {"body": _("Wrong type of value.")})
    nda = interests.set_nda_text(session=get_session(), user=api_user(), need_id=need_id, body=body)
    return jsonify(version=nda.version, text=nda.body, custom=nda.custom)


@bp.post("/contracts")
@token_required
def create_contract():
    """Create a draft contract from an accepted interest."""
    contract = contracts.create_contract(session=get_session(), user=api_user(), data=json_body())
    return jsonify(_contract(contract)), 201


@bp.get("/contracts")
@token_required
def list_contracts():
    """The caller's organization's contracts (party=me); the bureau sees all."""
    if request.args.get("party", "me") != "me":
        raise Invalid(_("Some fields are not valid."), {"party": _("Not one of the allowed values.")})
    return jsonify(
        items=[_contract(c) for c in contracts.list_contracts(session=get_session(), user=api_user())]
    )


@bp.get("/contracts/<int(max=2147483647):contract_id>")
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
@token_required
def transition_contract(contract_id: int):
    """Sign, start, complete or terminate (with a reason in `note`)."""
    data = json_body()
    contract = contracts.transition_contract(
        session=get_session(),
        user=api_user(),
        contract_id=contract_id,
        to=_string(data, "to"),
        note=_string(data, "note", required=False),
    )
    return jsonify(_contract(contract))


@bp.post(
    "/contracts/<int(max=2147483647):contract_id>/milestones/<int(max=2147483647):milestone_id>/transition"
)
@token_required
def transition_milestone(contract_id: int, milestone_id: int):
    """Deliver, accept or mark paid one milestone."""
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
@token_required
def contract_registration(contract_id: int):
    """Record the registration number (登记编号) of a signed contract."""
    contract = contracts.set_registration_number(
        session=get_session(), user=api_user(), contract_id=contract_id, number=_string(json_body(), "number")
    )
    return jsonify(_contract(contract))


@bp.get("/contracts/<int(max=2147483647):contract_id>/audit")
@token_required
def contract_audit(contract_id: int):
    """Every change of the contract, oldest first."""
    rows = contracts.contract_audit(session=get_session(), user=api_user(), contract_id=contract_id)
    return jsonify(items=[contracts.event_to_public(session=get_session(), event=row) for row in rows])


@bp.get("/incubations")
@token_required
def list_incubations():
    """The incubated enterprises of the caller's centers (all of them for the bureau)."""
    center_id = request.args.get("center_id", type=int)
    rows = incubations.list_incubations(session=get_session(), user=api_user(), center_id=center_id)
    return jsonify(items=[incubations.incubation_to_public(row) for row in rows])


@bp.post("/incubations")
@token_required
def create_incubation():
    """Record an enterprise incubated by the caller's center."""
    row = incubations.create_incubation(session=get_session(), user=api_user(), data=json_body())
    return jsonify(incubations.incubation_to_public(row)), 201


@bp.post("/incubations/<int(max=2147483647):incubation_id>/transition")
@token_required
def transition_incubation(incubation_id: int):
    """The incubated enterprise graduated or exited."""
    row = incubations.transition_incubation(
        session=get_session(), user=api_user(), incubation_id=incubation_id, to=_string(json_body(), "to")
    )
    return jsonify(incubations.incubation_to_public(row))


@bp.get("/notifications")
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
@token_required
def read_notifications():
    """Mark notifications read: {"ids": [...]} for some, {} for all."""
    ids = json_body().get("ids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
        raise Invalid(_("Some fields are not valid."), {"ids": _("Wrong type of value.")})
    changed = notifications.mark_read(session=get_session(), user=api_user(), ids=ids)
    return jsonify(marked=changed, unread=notifications.unread_count(session=get_session(), user=api_user()))


@bp.get("/saved-searches")
@token_required
def list_saved_searches():
    """The caller's saved searches."""
    rows = saved_searches.list_saved_searches(session=get_session(), user=api_user())
    return jsonify(items=[saved_searches.saved_search_to_public(row) for row in rows])


@bp.post("/saved-searches")
@token_required
def create_saved_search():
    """Save a query and filters for the daily digest."""
    row = saved_searches.create_saved_search(session=get_session(), user=api_user(), data=json_body())
    return jsonify(saved_searches.saved_search_to_public(row)), 201


@bp.delete("/saved-searches/<int(max=2147483647):saved_id>")
@token_required
def delete_saved_search(saved_id: int):
    """Delete one of the caller's saved searches."""
    saved_searches.delete_saved_search(session=get_session(), user=api_user(), saved_id=saved_id)
    return "", 204
