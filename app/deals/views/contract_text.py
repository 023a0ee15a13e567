"""A contract's text in the browser: edit the clauses of a draft, sign after reading the exact text and typing
the password again, download the contract as a PDF. Routes of the "deals" blueprint; the rules live in
`contract_texts`, `contracts` and `signing`."""

import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField

from app.db import get_session
from app.deals import contract_templates as templates
from app.deals.forms import ActionForm
from app.deals.services import contract_document, contract_texts, contracts
from app.deals.views.blueprint import bp, error_text
from app.platform.errors import Conflict, Forbidden, Invalid
from app.web import limits
from app.web.identity import current_user_or_none
from models import Contract, ContractStatus, User


class SignForm(FlaskForm):
    text_sha256 = HiddenField()
    password = PasswordField(
        _l("Your password"),
        render_kw={"autocomplete": "current-password", "required": True, "maxlength": 200},
    )


@bp.app_context_processor
def inject_contract_text() -> dict:
    return {"contract_text_view": _text_view}


def _text_view(contract: Contract) -> dict:
    """What the contract page shows of the text: the current version, the live signatures, the last change."""
    session, user = get_session(), current_user_or_none()
    assert contract.id is not None  # a stored contract
    return {
        "text": contract_texts.current(session, contract),
        "order": templates.CLAUSES[contract.kind],
        "signatures": {s.party: s for s in contract_texts.live_signatures(session, contract.id)},
        "change": contract_texts.last_change(session, contract),
        "editable": contracts.side_of(user, contract) is not None and contract.status == ContractStatus.draft,
    }


def _party_contract(contract_id: int) -> tuple[Contract, User]:
    session, user = get_session(), current_user_or_none()
    contract = contracts.get_contract(session=session, user=user, contract_id=contract_id)
    if contracts.side_of(user, contract) is None:
        raise Forbidden(_("Only the parties of the contract can change it."))
    assert user is not None  # a party is logged in
    return contract, user


# --- editing ---------------------------------------------------------------------------------------------------


def _text_page(
    contract: Contract, *, bodies: dict | None = None, errors: dict | None = None, status: int = 200
):
    text = contract_texts.current(get_session(), contract)
    return render_template(
        "deals/contract_text.html",
        contract=contract,
        text=text,
        order=templates.CLAUSES[contract.kind],
        optional=templates.OPTIONAL,
        bodies=bodies or text.clauses,
        form=ActionForm(formdata=None),
        errors=errors or {},
        body_max=templates.BODY_MAX,
    ), status


@bp.route("/contracts/<int:contract_id>/text", methods=["GET", "POST"])
@limits.writes
@login_required
def edit_contract_text(contract_id: int):
    """Edit the clauses of a draft's text (a party): every save is a new version the other party sees."""
    contract, user = _party_contract(contract_id)
    if contract.status != ContractStatus.draft:
        raise Conflict(
            _("The text can be edited only in a draft; once both parties have signed it is frozen.")
        )
    if request.method == "GET":
        return _text_page(contract)
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("deals.edit_contract_text", contract_id=contract_id))
    # The form sends every clause; what it does not send stays as it is.
    bodies = {
        code: request.form[f"clause-{code}"]
        for code in templates.CLAUSES[contract.kind]
        if f"clause-{code}" in request.form
    }
    try:
        text = contract_texts.edit_text(
            session=get_session(), user=user, contract_id=contract_id, clauses=bodies
        )
    except (Invalid, Conflict) as exc:
        return _text_page(
            contract, bodies=bodies, errors={"_": error_text(exc), **exc.fields}, status=exc.status
        )
    flash(_("Saved as version %(n)s. The other party will see what changed.", n=text.version), "success")
    return redirect(url_for("deals.contract", contract_id=contract_id, _anchor="contract-text"))


# --- signing ---------------------------------------------------------------------------------------------------


def _sign_page(contract: Contract, form: SignForm, *, error: str | None = None, status: int = 200):
    text = contract_texts.current(get_session(), contract)
    form.text_sha256.data = text.sha256
    return render_template(
        "deals/contract_sign.html",
        contract=contract,
        canonical=templates.canonical_text(contract.kind, text.clauses),
        text=text,
        form=form,
        error=error,
    ), status


@bp.route("/contracts/<int:contract_id>/sign", methods=["GET", "POST"])
@limits.writes
@limits.password_confirmation
@login_required
def sign_contract(contract_id: int):
    """Sign: the exact text and its SHA-256 first, then the signer's password again; a wrong one signs nothing."""
    contract, user = _party_contract(contract_id)
    if ContractStatus.signed not in contracts.allowed_for(user, contract):
        raise Conflict(
            _("There is nothing for you to sign: your organization has signed, or this is not a draft.")
        )
    if request.method == "GET":
        return _sign_page(contract, SignForm(formdata=None))
    form = SignForm()
    if not form.validate_on_submit():
        return redirect(url_for("deals.sign_contract", contract_id=contract_id))
    try:
        contracts.transition_contract(
            session=get_session(),
            user=user,
            contract_id=contract_id,
            to=ContractStatus.signed,
            text_sha256=form.text_sha256.data,
            credential=form.password.data,
            address=request.remote_addr or "",
        )
    except (Invalid, Conflict) as exc:
        get_session().rollback()
        fresh = contracts.get_contract(session=get_session(), user=user, contract_id=contract_id)
        return _sign_page(fresh, SignForm(formdata=None), error=error_text(exc), status=exc.status)
    signed = contract_texts.current(
        get_session(), contracts.get_contract(session=get_session(), user=user, contract_id=contract_id)
    )
    flash(_("Signed. Your signature names version %(n)s of the text.", n=signed.version), "success")
    return redirect(url_for("deals.contract", contract_id=contract_id))


# --- the document ----------------------------------------------------------------------------------------------


@bp.route("/contracts/<int:contract_id>/document.pdf")
@login_required
def contract_document_pdf(contract_id: int):
    """The contract as a PDF, for its parties and the bureau."""
    data, name = contract_document.contract_pdf(
        session=get_session(), user=current_user_or_none(), contract_id=contract_id
    )
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name)
