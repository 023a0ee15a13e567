"""Deals in the browser: expressions of interest, NDA, conversation, contracts, incubations, notifications and
saved searches. Every rule lives in the services; these views parse a form, call one function and render."""

import io

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.deals import labels, registration_labels, registration_rules
from app.deals import rules as deal_rules
from app.deals.forms import (
    ActionForm,
    ContractForm,
    DeclineForm,
    IncubationForm,
    InterestForm,
    MessageForm,
    NdaForm,
    NdaTextForm,
    RegistrationForm,
    SavedSearchForm,
    TransitionForm,
)
from app.deals.services import (
    contracts,
    conversation,
    incubations,
    interests,
    registration,
    registration_exports,
)
from app.deals.views.blueprint import bp, error_text
from app.market.forms import choices, wan_to_yuan, yuan_to_wan
from app.market.services import need_access, profiles, saved_searches
from app.platform import notifications, permissions
from app.platform.errors import Conflict, Invalid, NotFound
from app.platform.regions import region_choices
from app.platform.taxonomy import industry_choices
from app.platform.validation import parse_id
from app.web import limits
from app.web.args import id_arg
from app.web.identity import current_user_or_none
from app.web.input_guards import accepts_upload, same_site_path
from app.web.labels import label
from app.web.templating import org_name
from models import Center, ContractStatus, Milestone, User

BOXES = ("in", "out")


@bp.app_context_processor
def inject_deal_helpers() -> dict:
    return {
        "unread_notifications": _unread_notifications,
        "user_label": _user_label,
        "center_name": _center_name,
        "audit_status": _audit_status,
        "open_interest": _open_interest,
        "contract_roles": deal_rules.roles,
    }


def _open_interest(target_type: str, target_id: int):
    """The user's organization's pending or accepted interest in this target, so a page links to it instead of
    offering a second one (the service would refuse it)."""
    user = current_user_or_none()
    if user is None or user.org_id is None:
        return None
    if "sent_interests" not in g:
        g.sent_interests = {
            (row.target_type, row.target_id): row
            for row in interests.list_interests(session=get_session(), user=user, box="out")
            if row.status in ("pending", "accepted")
        }
    return g.sent_interests.get((target_type, target_id))


def _user_label(user_id: int | None) -> str:
    """A person in an audit trail or a log: their name, and their organization's."""
    user = get_session().get(User, user_id) if user_id else None
    if user is None:
        return "—"
    return f"{user.name}（{org_name(user.org_id)}）" if user.org_id else user.name


def _center_name(center_id: int) -> str:
    center = get_session().get(Center, center_id)
    return center.name if center else ""


def _audit_status(event, value: str | None) -> str:
    """An audit row's from/to in the user's words: registration, milestone or contract statuses (the older
    one-box registration rows hold the contract's status, and their number is the row's note)."""
    if value is None:
        return ""
    if event.action.startswith("registration_"):
        return label(registration_labels.STATUSES, value)
    if event.action == "milestone":
        milestone_id = event.data.get("milestone_id")
        milestone = get_session().get(Milestone, milestone_id) if milestone_id else None
        return labels.milestone_status_label(milestone.kind if milestone else None, value)
    return label(labels.CONTRACT_STATUSES, value)


@bp.app_template_filter("notification_text")
def notification_text(notification) -> str:
    return notifications.notification_text(notification)


@bp.app_template_filter("notification_link")
def notification_link(notification) -> str | None:
    """The path of the notice's object (`notifications.SUBJECT_LINKS`), or None when it has no page."""
    return notifications.notification_link(notification)


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _unread_notifications() -> int:
    """The bell's count, asked for only by pages that draw the bell for a logged-in user."""
    user = current_user_or_none()
    if user is None:
        return 0
    if "unread_notifications" not in g:  # the header draws the bell twice (phone bar and account links)
        g.unread_notifications = notifications.unread_count(session=get_session(), user=user)
    return g.unread_notifications


# --- interests ------------------------------------------------------------------------------------------------


@bp.route("/interests/new", methods=["GET", "POST"])
@limits.writes
@login_required
def new_interest():
    """The small form that expresses interest in a need, achievement, service or center."""
    session, user = get_session(), current_user_or_none()
    interests.require_sender(user)
    target_id = id_arg("target_id", strict=False)
    if target_id is None:
        raise NotFound(_("No such listing."))
    target = profiles.target_of(
        session=session, user=user, target_type=request.args.get("target_type", ""), target_id=target_id
    )
    own = profiles.own_live_listings(session=session, user=user)
    form = InterestForm()
    form.via.choices = choices(
        [
            ("", _("No listing of ours")),
            *[(f"{kind}:{row.id}", f"{labels.TARGET_TYPES[kind]}: {row.title}") for kind, row in own],
        ]
    )
    if request.method == "GET" and request.args.get("via_type") and id_arg("via_id", strict=False):
        form.via.data = f"{request.args['via_type']}:{id_arg('via_id', strict=False)}"
    errors: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        try:
            interest = interests.express_interest(
                session=session, user=user, target_type=target.type, target_id=target.id, **form.to_data()
            )
        except (Invalid, Conflict) as exc:
            existing = parse_id(exc.fields.get("interest_id"))
            if isinstance(exc, Conflict) and existing is not None:
                flash(exc.message, "info")
                return redirect(url_for("deals.interest", interest_id=existing))
            errors, status = {**exc.fields, "__all__": exc.message}, exc.status
        else:
            flash(_("Your expression of interest was sent. You will be notified of the reply."), "success")
            return redirect(url_for("deals.interest", interest_id=interest.id))
    return render_template(
        "deals/interest_form.html",
        target=target,
        form=form,
        errors=errors,
        own_target=user.org_id == target.org_id,
    ), status


@bp.route("/interests")
@login_required
def inbox():
    """Expressions of interest received by the user's organization, or sent by it."""
    session, user = get_session(), current_user_or_none()
    box = request.args.get("box") if request.args.get("box") in BOXES else "in"
    rows = interests.list_interests(session=session, user=user, box=box)
    titles = profiles.target_titles(session=session, pairs={(row.target_type, row.target_id) for row in rows})
    return render_template("deals/inbox.html", box=box, interests=rows, titles=titles)


def _interest_page(
    interest_id: int,
    *,
    forms: dict | None = None,
    error: str | None = None,
    status: int = 200,
    field_errors: dict | None = None,
):
    session, user = get_session(), current_user_or_none()
    interest = interests.get_interest(session=session, user=user, interest_id=interest_id)
    accepted = interest.status == "accepted"
    nda = interests.nda_text_for(session=session, interest=interest)
    link = interests.nda_link(session=session, interest=interest)
    grant = (
        need_access.grant_of(session, link.need.id, link.acceptor_org_id)
        if link is not None and link.need.id is not None
        else None
    )
    side = interests.side_of(user, interest)
    # The grantee reads the details here once granted and the NDA accepted (a logged view, as on the need's page).
    shown_need = (
        link.need
        if link is not None
        and side == link.acceptor_side
        and need_access.reveal_details(session, user, link.need)
        else None
    )
    messages = (
        conversation.list_messages(session=session, user=user, interest_id=interest.id) if accepted else []
    )
    forms = {
        "decline": DeclineForm(formdata=None),
        "nda": NdaForm(formdata=None),
        "message": MessageForm(formdata=None),
        "action": ActionForm(formdata=None),
        "contract": ContractForm(formdata=None, industries=industry_choices()),
        **(forms or {}),
    }
    return render_template(
        "deals/interest.html",
        interest=interest,
        side=side,
        shown_need=shown_need,
        target_title=interests.target_title(session, interest.target_type, interest.target_id),
        via_title=interests.target_title(session, interest.via_type, interest.via_id)
        if interest.via_type
        else "",
        nda=nda,
        nda_acceptance=interests.nda_acceptance(session=session, interest=interest) if nda else None,
        nda_link=link,
        nda_grant=grant,
        may_accept_nda=interests.may_accept_nda(session=session, interest=interest),
        contacts=interests.counterpart_contacts(session=session, user=user, interest=interest),
        messages=messages,
        attachments=conversation.attachments_of(session=session, message_ids=[m.id for m in messages]),
        contracts=[
            c for c in contracts.list_contracts(session=session, user=user) if c.interest_id == interest.id
        ],
        contract_parties=interests.contract_side(interest),
        contract_kinds=labels.CONTRACT_KINDS,
        forms=forms,
        error=error,
        field_errors=field_errors or {},
    ), status


@bp.route("/interests/<int:interest_id>")
@login_required
def interest(interest_id: int):
    """One expression of interest: reply, NDA, contacts, conversation and contracts."""
    return _interest_page(interest_id)


def _interest_action(interest_id: int, form, do, success: str, form_name: str, anchor: str | None = None):
    """Run one step on an interest; a refused step shows the page again with the reason and what was typed."""
    if form.validate_on_submit():
        try:
            do()
        except (Invalid, Conflict) as exc:
            return _interest_page(
                interest_id,
                forms={form_name: form},
                error=error_text(exc),
                status=exc.status,
                field_errors=exc.fields,
            )
        flash(success, "success")
    return redirect(url_for("deals.interest", interest_id=interest_id, _anchor=anchor))


@bp.route("/interests/<int:interest_id>/accept", methods=["POST"])
@limits.writes
@login_required
def accept_interest(interest_id: int):
    """Accept an interest sent to the user's organization."""
    session, user = get_session(), current_user_or_none()
    return _interest_action(
        interest_id,
        ActionForm(),
        lambda: interests.accept_interest(session=session, user=user, interest_id=interest_id),
        _("Accepted. You can now see each other's contacts and talk here."),
        "action",
    )


@bp.route("/interests/<int:interest_id>/decline", methods=["POST"])
@limits.writes
@login_required
def decline_interest(interest_id: int):
    """Decline an interest, with a reason from the fixed list."""
    session, user = get_session(), current_user_or_none()
    form = DeclineForm()
    return _interest_action(
        interest_id,
        form,
        lambda: interests.decline_interest(
            session=session,
            user=user,
            interest_id=interest_id,
            reason=form.reason.data or "",
            note=(form.note.data or "").strip(),
        ),
        _("Declined. The sender has been told."),
        "decline",
    )


@bp.route("/interests/<int:interest_id>/withdraw", methods=["POST"])
@limits.writes
@login_required
def withdraw_interest(interest_id: int):
    """Take back a pending interest the user's organization sent."""
    session, user = get_session(), current_user_or_none()
    return _interest_action(
        interest_id,
        ActionForm(),
        lambda: interests.withdraw_interest(session=session, user=user, interest_id=interest_id),
        _("Withdrawn. You may express interest again later."),
        "action",
    )


@bp.route("/interests/<int:interest_id>/nda", methods=["POST"])
@limits.writes
@login_required
def accept_nda(interest_id: int):
    """Accept the confidential need's NDA by click-through."""
    session, user = get_session(), current_user_or_none()
    form = NdaForm()

    return _interest_action(
        interest_id,
        form,
        lambda: interests.accept_nda(
            session=session,
            user=user,
            interest_id=interest_id,
            agreed=bool(form.agree.data),
            # The version of the text the page showed: a newer one is refused and shown instead.
            version=request.form.get("version"),
        ),
        _("Confidentiality agreement accepted: the need's details are now visible to you."),
        "nda",
    )


@bp.route("/interests/<int:interest_id>/messages", methods=["POST"])
@accepts_upload
@limits.writes
@login_required
def post_message(interest_id: int):
    """Send a message, optionally with one attachment."""
    session, user = get_session(), current_user_or_none()
    form = MessageForm()
    upload = form.file.data if form.file.data and form.file.data.filename else None
    return _interest_action(
        interest_id,
        form,
        lambda: conversation.post_message(
            session=session,
            user=user,
            interest_id=interest_id,
            body=(form.body.data or "").strip(),
            upload=upload,
        ),
        _("Message sent."),
        "message",
        anchor="conversation",
    )


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Download an attachment of a conversation the user takes part in."""
    session, user = get_session(), current_user_or_none()
    path, name, mimetype = conversation.open_attachment(
        session=session, user=user, attachment_id=attachment_id
    )
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/interests/<int:interest_id>/contract", methods=["POST"])
@limits.writes
@login_required
def create_contract(interest_id: int):
    """Draft a technology contract from an accepted interest."""
    session, user = get_session(), current_user_or_none()
    form = ContractForm(industries=industry_choices())
    if not form.validate_on_submit():
        return redirect(url_for("deals.interest", interest_id=interest_id))
    try:
        contract = contracts.create_contract(session=session, user=user, data=form.to_data(interest_id))
    except (Invalid, Conflict) as exc:
        fields = form.explain(exc.fields)
        return _interest_page(
            interest_id,
            forms={"contract": form},
            error=" ".join([exc.message, *fields.values()]) if fields else exc.message,
            status=exc.status,
            field_errors=fields,
        )
    flash(_("Contract drafted. Both parties sign it on this page."), "success")
    return redirect(url_for("deals.contract", contract_id=contract.id))


@bp.route("/needs/<int:need_id>/views")
@login_required
def detail_views(need_id: int):
    """Who read a confidential need's details, and when: for the need's owner."""
    session, user = get_session(), current_user_or_none()
    views = need_access.detail_views(session=session, user=user, need_id=need_id)
    need = profiles.target_of(session=session, user=user, target_type="need", target_id=need_id)
    return render_template("deals/detail_views.html", need=need, views=views)


def _back_to(need_id: int):
    """Where a grant or a revocation returns: the page it came from (the need's or a conversation), same-site only."""
    return redirect(
        same_site_path(request.form.get("next"))
        or url_for("listings.detail", segment="needs", listing_id=need_id, _anchor="grants")
    )


@bp.route("/needs/<int:need_id>/grants", methods=["POST"])
@limits.writes
@login_required
def grant_access(need_id: int):
    """The owner of a confidential need grants an organization access to its details (授权查看): one chosen among
    those it talks with, or one named exactly (name or 统一社会信用代码)."""
    session, user = get_session(), current_user_or_none()
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was not sent from this site. Please try again."), "error")
        return _back_to(need_id)
    raw = (request.form.get("org_id") or "").strip()
    named = (request.form.get("org") or "").strip()
    if named and not raw:
        found = need_access.find_organization(session=session, query=named)
        org_id: object = found.id if found is not None else 0
    else:
        org_id = parse_id(raw) if raw else None
        if raw and org_id is None:
            org_id = 0  # not an id: the service answers "no such organization"
    try:
        grant, created = need_access.grant_details(session=session, need_id=need_id, org_id=org_id, user=user)
    except (Invalid, Conflict) as exc:
        flash(error_text(exc), "error")
    else:
        if created:
            flash(_("Access granted to %(org)s.", org=org_name(grant.org_id)), "success")
        else:
            flash(_("%(org)s already has access.", org=org_name(grant.org_id)), "success")
    return _back_to(need_id)


@bp.route("/needs/<int:need_id>/grants/<int:grant_id>/revoke", methods=["POST"])
@limits.writes
@login_required
def revoke_access(need_id: int, grant_id: int):
    """The owner takes a grant back (撤销授权)."""
    session, user = get_session(), current_user_or_none()
    if ActionForm().validate_on_submit():
        need_access.revoke_details(session=session, need_id=need_id, grant_id=grant_id, user=user)
        flash(_("Access revoked."), "success")
    else:
        flash(_("The form expired or was not sent from this site. Please try again."), "error")
    return _back_to(need_id)


@bp.route("/needs/<int:need_id>/nda", methods=["GET", "POST"])
@limits.writes
@login_required
def need_nda(need_id: int):
    """The owner of a confidential need keeps the platform's NDA or writes its own (each edit is a new version)."""
    session, user = get_session(), current_user_or_none()
    need = interests.own_need(session=session, user=user, need_id=need_id)
    form = NdaTextForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        body = "" if form.use_platform.data else (form.body.data or "")
        try:
            interests.set_nda_text(session=session, user=user, need_id=need_id, body=body)
        except (Invalid, Conflict) as exc:
            errors = {**exc.fields, "__all__": exc.message}
        else:
            flash(_("Confidentiality agreement saved as a new version."), "success")
            return redirect(url_for("deals.need_nda", need_id=need_id))
    nda = interests.current_nda(session=session, need_id=need_id)
    if not form.is_submitted():
        form.body.data = nda.body
    return render_template("deals/need_nda.html", need=need, nda=nda, form=form, errors=errors), (
        422 if errors else 200
    )


# --- contracts ------------------------------------------------------------------------------------------------


@bp.route("/contracts")
@login_required
def contract_list():
    """The technology contracts of the user's organization (all of them for the bureau)."""
    session, user = get_session(), current_user_or_none()
    return render_template(
        "deals/contracts.html", contracts=contracts.list_contracts(session=session, user=user)
    )


def _contract_page(
    contract_id: int,
    *,
    forms: dict | None = None,
    error: str | None = None,
    status: int = 200,
    field_errors: dict | None = None,
):
    session, user = get_session(), current_user_or_none()
    contract = contracts.get_contract(session=session, user=user, contract_id=contract_id)
    forms = {
        "transition": TransitionForm(formdata=None),
        "registration": RegistrationForm(formdata=None),
        "action": ActionForm(formdata=None),
        **(forms or {}),
    }
    return render_template(
        "deals/contract.html",
        contract=contract,
        public=contracts.contract_to_public(session=session, user=user, contract=contract),
        side=contracts.side_of(user, contract),
        need_to_close=contracts.need_to_close(session=session, user=user, contract=contract),
        audit=contracts.contract_audit(session=session, user=user, contract_id=contract_id),
        forms=forms,
        error=error,
        field_errors=field_errors or {},
    ), status


@bp.route("/contracts/<int:contract_id>")
@login_required
def contract(contract_id: int):
    """One contract: parties, amounts, milestones, signatures, status changes and the audit trail."""
    return _contract_page(contract_id)


def _contract_action(contract_id: int, form, do, success, form_name: str):
    """Run one step on a contract; a refused step shows the page again with the reason. `success` is the
    message, or a function of what the step returned that gives it."""
    if form.validate_on_submit():
        try:
            result = do()
        except (Invalid, Conflict) as exc:
            return _contract_page(
                contract_id,
                forms={form_name: form},
                error=error_text(exc),
                status=exc.status,
                field_errors=exc.fields,
            )
        flash(success(result) if callable(success) else success, "success")
    return redirect(url_for("deals.contract", contract_id=contract_id))


@bp.route("/contracts/<int:contract_id>/transition", methods=["POST"])
@limits.writes
@login_required
def transition_contract(contract_id: int):
    """Sign, start, complete or terminate a contract."""
    session, user = get_session(), current_user_or_none()
    form = TransitionForm()
    to = form.to.data or ""
    return _contract_action(
        contract_id,
        form,
        lambda: contracts.transition_contract(
            session=session, user=user, contract_id=contract_id, to=to, note=(form.note.data or "").strip()
        ),
        lambda contract: (
            _("Your confirmation is recorded; awaiting the other party's confirmation.")
            if to == ContractStatus.completed and contract.status != ContractStatus.completed
            else _("Done: %(action)s.", action=labels.CONTRACT_ACTIONS.get(to, to))
        ),
        "transition",
    )


@bp.route("/contracts/<int:contract_id>/milestones/<int:milestone_id>/transition", methods=["POST"])
@limits.writes
@login_required
def transition_milestone(contract_id: int, milestone_id: int):
    """Move one milestone on: a deliverable delivered or accepted, a payment paid or its receipt confirmed."""
    session, user = get_session(), current_user_or_none()
    form = TransitionForm()
    to = form.to.data or ""
    return _contract_action(
        contract_id,
        form,
        lambda: contracts.transition_milestone(
            session=session, user=user, contract_id=contract_id, milestone_id=milestone_id, to=to
        ),
        lambda milestone: _(
            "Milestone updated: %(status)s.", status=labels.milestone_status_label(milestone.kind, to)
        ),
        "action",
    )


@bp.route("/contracts/<int:contract_id>/close-need", methods=["POST"])
@limits.writes
@login_required
def close_need(contract_id: int):
    """The need's owner closes the need a completed contract came from, as solved on this platform."""
    session, user = get_session(), current_user_or_none()
    return _contract_action(
        contract_id,
        ActionForm(),
        lambda: contracts.close_need_as_solved(session=session, user=user, contract_id=contract_id),
        _("The need is closed as solved on this platform."),
        "action",
    )


@bp.route("/contracts/<int:contract_id>/registration", methods=["POST"])
@limits.writes
@login_required
def set_registration(contract_id: int):
    """Record the registration number (登记编号) of the technology contract."""
    session, user = get_session(), current_user_or_none()
    form = RegistrationForm()
    return _contract_action(
        contract_id,
        form,
        lambda: contracts.set_registration_number(
            session=session, user=user, contract_id=contract_id, number=(form.number.data or "").strip()
        ),
        _("Registration number saved."),
        "registration",
    )


# --- technology contract registration (技术合同认定登记) ------------------------------------------------------


def _registration_choices(contract) -> dict:
    """The registration form's options for this contract, as (code, label) pairs in the user's language."""

    def pairs(codes, table) -> list[tuple[str, str]]:
        return [(code, label(table, code)) for code in codes]

    return {
        "sub_kind": pairs(registration_rules.sub_kinds_for(contract.kind), registration_labels.SUB_KINDS),
        "field": pairs(registration_rules.FIELDS, registration_labels.FIELDS),
        "ip_type": pairs(registration_rules.IP_TYPES, labels.IP_TYPES),
        "payment_method": pairs(registration_rules.PAYMENT_METHODS, registration_labels.PAYMENT_METHODS),
        "party_type": pairs(registration_rules.PARTY_TYPES, registration_labels.PARTY_TYPES),
        "objective": pairs(registration_rules.OBJECTIVES, registration_labels.OBJECTIVES),
        "region": [
            *region_choices(),
            (registration_rules.REGION_OUTSIDE, str(registration_labels.REGION_OUTSIDE)),
        ],
    }


@bp.app_context_processor
def inject_registration_helpers() -> dict:
    return {"registration_choices": _registration_choices, "yuan_to_wan": yuan_to_wan}


def _registration_step(contract_id: int, data: dict, success: str):
    """One change of the registration from a page form; errors re-render the contract page next to the fields."""
    session, user = get_session(), current_user_or_none()
    return _contract_action(
        contract_id,
        ActionForm(),
        lambda: registration.update_registration(
            session=session, user=user, contract_id=contract_id, data=data
        ),
        success,
        "action",
    )


@bp.route("/contracts/<int:contract_id>/registration/form", methods=["POST"])
@limits.writes
@login_required
def save_registration(contract_id: int):
    """A party saves the registration form (amounts in 10k yuan), and submits or withdraws it."""
    form = request.form
    # Only the fields the form sent: the withdraw button sends none, and an absent field keeps its value.
    data: dict = {name: form.get(name, "") for name in registration_rules.FORM_FIELDS if name in form}
    for name in ("deal_amount", "technology_amount"):
        if name in form:
            data[name] = wan_to_yuan(form.get(name))
    step = form.get("step", "")
    if step:
        data["status"] = step
    version = parse_id(form.get("version")) if form.get("version") != "0" else 0
    if version is not None:
        data["version"] = version
    done = registration_labels.STEPS.get(step) if step else _("Registration form saved.")
    return _registration_step(contract_id, data, _("Done: %(action)s.", action=done))


@bp.route("/contracts/<int:contract_id>/registration/decision", methods=["POST"])
@limits.writes
@login_required
def decide_registration(contract_id: int):
    """The registration office's decision, recorded by a party or the bureau: registered (number and office) or
    refused (with the reason)."""
    form = request.form
    data = {name: form.get(name, "") for name in ("status", "number", "office", "refusal_reason")}
    return _registration_step(
        contract_id,
        data,
        _("Done: %(action)s.", action=label(registration_labels.STEPS, data["status"])),
    )


@bp.route("/contracts/<int:contract_id>/registration.<any(pdf, xlsx):fmt>")
@login_required
def registration_form_file(contract_id: int, fmt: str):
    """The contract's registration form (登记表) as PDF or XLSX."""
    name, mimetype, data = registration_exports.form_file(
        session=get_session(), user=current_user_or_none(), contract_id=contract_id, fmt=fmt
    )
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


@bp.route("/contracts/registrations")
@login_required
def registrations():
    """The bureau's batch export of registrations: a period to download as XLSX."""
    permissions.require_bureau(current_user_or_none())
    return render_template("deals/registrations.html", errors={}, period={})


@bp.route("/contracts/registrations.xlsx")
@login_required
def registrations_xlsx():
    """Every contract submitted for registration in the period (XLSX, bureau); bad dates re-show the form."""
    session, user = get_session(), current_user_or_none()
    period = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        name, data = registration_exports.batch_file(
            session=session, user=user, start=period["from"], end=period["to"]
        )
    except Invalid as exc:
        return render_template("deals/registrations.html", errors=exc.fields, period=period), 422
    return send_file(
        io.BytesIO(data),
        mimetype=registration_exports.XLSX,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )


# --- incubations ----------------------------------------------------------------------------------------------


def _incubation_form(session, user, firm_query: str = ""):
    form = IncubationForm()
    form.center_id.choices = choices(
        [(str(c.id), c.name) for c in incubations.incubation_centers(session=session, user=user)]
    )
    achievements = [
        row for kind, row in profiles.own_live_listings(session=session, user=user) if kind == "achievement"
    ]
    form.achievement_id.choices = choices(
        [("", _("None")), *[(str(row.id), row.title) for row in achievements]]
    )
    form.firm_org_id.choices = choices(
        [
            ("", _("None: type the name below")),
            *[
                (str(org.id), f"{org.name} ({org.credit_code})")
                for org in (
                    incubations.find_firms(session=session, user=user, query=firm_query)
                    or incubations.firm_choices(session=session, user=user)
                )
            ],
        ]
    )
    agreements = [c for c in contracts.list_contracts(session=session, user=user) if c.kind == "incubation"]
    form.contract_id.choices = choices([("", _("None")), *[(str(c.id), c.title) for c in agreements]])
    return form


@bp.route("/incubations", methods=["GET", "POST"])
@limits.writes
@login_required
def incubation_list():
    """Enterprises incubated by the user's centers, and the form to record one."""
    session, user = get_session(), current_user_or_none()
    rows = incubations.list_incubations(session=session, user=user)
    # 查找已注册企业: a search by name or credit code fills the firm choices; typing is for firms with no account.
    firm_query = request.args.get("firm_q", "")[:60]
    form = _incubation_form(session, user, firm_query)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        try:
            incubations.create_incubation(session=session, user=user, data=form.to_data())
        except (Invalid, Conflict) as exc:
            errors = dict(exc.fields) or {"__all__": exc.message}
        else:
            flash(_("Incubated enterprise recorded."), "success")
            return redirect(url_for("deals.incubation_list"))
    return render_template(
        "deals/incubations.html",
        incubations=rows,
        managed={center.id for center in permissions.managed_centers(session, user)},
        may_confirm={
            incubation_id
            for incubation_id, firm in incubations.confirmers(session=session, rows=rows).items()
            if permissions.may_confirm_incubation(user, firm)
        },
        form=form,
        firm_query=firm_query,
        errors=errors,
        actions=ActionForm(formdata=None),
    ), (422 if errors else 200)


@bp.route("/incubations/<int:incubation_id>/<any(graduated, exited):to>", methods=["POST"])
@limits.writes
@login_required
def transition_incubation(incubation_id: int, to: str):
    """An incubated enterprise graduates or exits."""
    session, user = get_session(), current_user_or_none()
    if ActionForm().validate_on_submit():
        incubations.transition_incubation(session=session, user=user, incubation_id=incubation_id, to=to)
        flash(_("Incubation updated: %(status)s.", status=labels.INCUBATION_STATUSES[to]), "success")
    return redirect(url_for("deals.incubation_list"))


@bp.route("/incubations/<int:incubation_id>/<any(confirm, reject):decision>", methods=["POST"])
@limits.writes
@login_required
def confirm_incubation(incubation_id: int, decision: str):
    """The incubated firm (the bureau, for a firm without an account) confirms or rejects a center's record."""
    session, user = get_session(), current_user_or_none()
    if ActionForm().validate_on_submit():
        incubations.confirm_incubation(
            session=session, user=user, incubation_id=incubation_id, decision=decision
        )
        flash(
            _("Incubation confirmed.") if decision == "confirm" else _("Incubation record rejected."),
            "success",
        )
    return redirect(url_for("deals.incubation_list"))


# --- notifications and saved searches -------------------------------------------------------------------------


@bp.route("/notifications")
@login_required
def notification_list():
    """The user's notifications, newest first."""
    session, user = get_session(), current_user_or_none()
    rows = notifications.list_notifications(session=session, user=user)
    return render_template(
        "deals/notifications.html",
        notifications=rows,
        form=ActionForm(formdata=None),
    )


@bp.route("/notifications/read", methods=["POST"])
@limits.writes
@login_required
def mark_read():
    """Mark one notification (or all of them) read."""
    session, user = get_session(), current_user_or_none()
    if ActionForm().validate_on_submit():
        # No id means all of them; an id that can name no notification marks none, like an unknown one.
        raw = request.form.get("id", "").strip()
        one = parse_id(raw)
        notifications.mark_read(session=session, user=user, ids=None if not raw else [one] if one else [])
    return redirect(same_site_path(request.form.get("next")) or url_for("deals.notification_list"))


@bp.route("/saved-searches", methods=["GET", "POST"])
@limits.writes
@login_required
def saved_search_list():
    """The user's saved searches; the search page's "save search" button posts here."""
    session, user = get_session(), current_user_or_none()
    if request.method == "POST":
        form = SavedSearchForm()
        if form.validate_on_submit():
            saved_searches.create_saved_search(session=session, user=user, data=form.to_data())
            flash(_("Search saved. New matches will come in your daily digest."), "success")
        return redirect(url_for("deals.saved_search_list"))
    rows = saved_searches.list_saved_searches(session=session, user=user)
    return render_template("deals/saved_searches.html", saved=rows, form=ActionForm(formdata=None))


@bp.route("/saved-searches/<int:saved_id>/delete", methods=["POST"])
@limits.writes
@login_required
def delete_saved_search(saved_id: int):
    """Delete one of the user's saved searches."""
    session, user = get_session(), current_user_or_none()
    if ActionForm().validate_on_submit():
        saved_searches.delete_saved_search(session=session, user=user, saved_id=saved_id)
        flash(_("Saved search deleted."), "success")
    return redirect(url_for("deals.saved_search_list"))
