"""Accounts in the browser: register an organization, log in, log out."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, logout_user

from app.accounts.forms import ClaimForm, LoginForm, RegisterForm, ResendConfirmationForm
from app.accounts.services import accounts, confirmation, organizations
from app.db import get_session
from app.market.forms import choices
from app.platform.errors import ServiceError
from app.platform.legal import legal_version
from app.platform.notifications import mail_enabled
from app.platform.regions import region_choices
from app.platform.taxonomy import industry_choices
from app.platform.validation import parse
from app.web import limits
from app.web.identity import current_user_or_none, start_session
from app.web.input_guards import same_site_path
from models import RegistrationIn

bp = Blueprint("auth", __name__)


FORM_FIELD = {
    "organization.kind": "org_kind",
    "organization.name": "org_name",
    "organization.name_en": "org_name_en",
    "organization.description": "org_description",
}


def _safe_next(target: str | None) -> str:
    # Only same-site paths: anything else would make the login page an open redirect.
    return same_site_path(target) or url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limits.login_by_address
@limits.login_by_account
def login():
    """Log in with email and password."""
    form = LoginForm()
    unconfirmed = False
    if form.validate_on_submit():
        user = accounts.authenticate(
            session=get_session(), email=form.email.data, password=form.password.data
        )
        if user is not None and user.email_confirmed_at is None:
            unconfirmed = True  # the right password: saying so tells nothing the person does not know
        elif user is not None:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        else:
            form.password.errors.append(_("Wrong email or password."))
    status = 422 if (form.errors or unconfirmed) else 200
    return render_template("accounts/login.html", form=form, unconfirmed=unconfirmed), status


@bp.route("/register", methods=["GET", "POST"])
@limits.registration
def register():
    """Register an organization and its first user."""
    form = RegisterForm()
    form.industries.choices = choices(industry_choices())
    form.region.choices = choices([("", _("Choose a region")), *region_choices()])
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        data = {
            "organization": {
                "kind": form.org_kind.data,
                "name": form.org_name.data,
                "name_en": form.org_name_en.data or None,
                "credit_code": form.credit_code.data,
                "region": form.region.data or None,
                "size_class": form.size_class.data or None,
                "industries": form.industries.data,
                "description": form.org_description.data or None,
                "contact_name": form.contact_name.data or None,
                "contact_phone": form.contact_phone.data or None,
            },
            "email": form.email.data,
            "password": form.password.data,
            "name": form.name.data,
            "consent": bool(form.consent.data),
        }
        try:
            if mail_enabled():
                confirmation.register_pending(
                    session=get_session(),
                    registration=parse(RegistrationIn, data),
                    consent_version=legal_version(),
                )
                # The same page whether the address was new or known: see confirmation.py.
                return render_template("accounts/check_email.html", resent=False)
            user = accounts.register(
                session=get_session(),
                registration=parse(RegistrationIn, data),
                consent_version=legal_version(),
            )
        except ServiceError as exc:
            errors = {
                FORM_FIELD.get(key, key.removeprefix("organization.")): msg for key, msg in exc.fields.items()
            } or {"__all__": exc.message}
        else:
            start_session(user)
            flash(_("Welcome! Your organization is registered."), "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if (form.errors or errors) else 200
    return render_template(
        "accounts/register.html", form=form, errors=errors, legal_version=legal_version()
    ), status


@bp.route("/register/confirm/<token>")
def confirm_email(token: str):
    """The link mailed at registration: confirms the address, logs the person in and opens the home page."""
    try:
        user = confirmation.confirm(session=get_session(), token=token)
    except confirmation.BadLink as exc:
        return render_template(
            "accounts/resend.html", form=ResendConfirmationForm(), problem=exc.message
        ), exc.status
    start_session(user)
    flash(_("Your email is confirmed. Welcome!"), "success")
    return redirect(url_for("main.index"))


@bp.route("/register/resend", methods=["GET", "POST"])
@limits.registration
def resend_confirmation():
    """A new confirmation link; the answer is the same whatever the address."""
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        confirmation.resend(session=get_session(), email=form.email.data)
        return render_template("accounts/check_email.html", resent=True)
    status = 422 if form.errors else 200
    return render_template("accounts/resend.html", form=form, problem=None), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out; a copy of the session cookie taken before stops working too."""
    accounts.end_sessions(session=get_session(), user_id=current_user_or_none().id)
    logout_user()
    return redirect(url_for("main.index"))


@bp.route("/claim", methods=["GET", "POST"])
@limits.registration  # a claim is filed without an account, like a registration
def claim():
    """Ask the bureau for an organization whose credit code someone else registered first."""
    form = ClaimForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        data = {
            name: form[name].data or None
            for name in (
                "credit_code",
                "org_name",
                "contact_name",
                "contact_phone",
                "email",
                "password",
                "evidence",
            )
        }
        try:
            organizations.file_claim(session=get_session(), data=data)
        except ServiceError as exc:
            errors = exc.fields or {"__all__": exc.message}
        else:
            flash(
                _(
                    "Your claim has been sent to the city bureau. Once it is approved, log in with this email."
                ),
                "success",
            )
            return redirect(url_for("main.index"))
    status = 422 if (form.errors or errors) else 200
    return render_template("accounts/claim.html", form=form, errors=errors), status
