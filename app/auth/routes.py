from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import LoginForm, RegisterForm
from app.db import get_session
from app.listings.forms import choices
from app.services import accounts
from app.services.errors import ServiceError
from app.services.legal import legal_version
from app.services.regions import region_choices
from app.services.taxonomy import industry_choices
from app.services.validation import parse
from models import RegistrationIn

# Service field paths that the registration form names differently.
FORM_FIELD = {"organization.kind": "org_kind", "organization.name": "org_name",
              "organization.name_en": "org_name_en", "organization.description": "org_description"}


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login page an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(session=get_session(), email=form.email.data, password=form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong email or password."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register an organization and its first user."""
    form = RegisterForm()
    form.industries.choices = choices(industry_choices())
    form.region.choices = choices([("", _("Choose a region")), *region_choices()])
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        data = {
            "organization": {
                "kind": form.org_kind.data, "name": form.org_name.data, "name_en": form.org_name_en.data or None,
                "credit_code": form.credit_code.data, "region": form.region.data or None,
                "industries": form.industries.data, "description": form.org_description.data or None,
                "contact_name": form.contact_name.data or None, "contact_phone": form.contact_phone.data or None,
            },
            "email": form.email.data, "password": form.password.data, "name": form.name.data,
            "consent": bool(form.consent.data),
        }
        try:
            user = accounts.register(session=get_session(), registration=parse(RegistrationIn, data),
                                     consent_version=legal_version())
        except ServiceError as exc:
            errors = {FORM_FIELD.get(key, key.removeprefix("organization.")): msg
                      for key, msg in exc.fields.items()} or {"__all__": exc.message}
        else:
            login_user(user)
            flash(_("Welcome! Your organization is registered."), "success")
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if (form.errors or errors) else 200
    return render_template("auth/register.html", form=form, errors=errors, legal_version=legal_version()), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out."""
    logout_user()
    return redirect(url_for("main.index"))
