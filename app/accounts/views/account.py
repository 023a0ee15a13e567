"""The signed-in user's own account: API tokens, a copy of their data, and deleting the account."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.accounts.forms import DeletionForm, SizeClassForm
from app.accounts.services import accounts, deletion, personal_data, size_class
from app.db import get_session
from app.platform.errors import ServiceError
from app.platform.money import YUAN_PER_WAN
from app.web import limits
from app.web.identity import current_user_or_none

bp = Blueprint("account", __name__)


@bp.route("/tokens")
@login_required
def tokens():
    """The user's API tokens, each with a button to revoke it."""
    rows = accounts.list_tokens(session=get_session(), user=current_user_or_none())
    return render_template("accounts/tokens.html", tokens=rows)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of the user's API tokens."""
    accounts.revoke_token(session=get_session(), user=current_user_or_none(), token_id=token_id)
    flash(_("Token revoked: programs using it can no longer call the API."), "success")
    return redirect(url_for("account.tokens"))


@bp.route("/organization", methods=["GET", "POST"])
@login_required
@limits.writes
def organization():
    """The user's organization: its enterprise size class, which its users may change."""
    session, user = get_session(), current_user_or_none()
    assert user is not None  # login_required
    if user.org_id is None:
        flash(_("Your account belongs to no organization."), "error")
        return redirect(url_for("account.tokens"))
    org = accounts.get_organization(session=session, org_id=user.org_id)
    form = SizeClassForm(data={"size_class": org.size_class or ""})
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        revenue = form.revenue_wan.data
        data = {
            "size_class": form.size_class.data or None,
            "employees": form.employees.data,
            "revenue": int(revenue * YUAN_PER_WAN) if revenue is not None else None,
        }
        try:
            size_class.change_size_class(session=session, user=user, org_id=org.id, data=data)
        except ServiceError as exc:
            errors = {("revenue_wan" if k == "revenue" else k): v for k, v in exc.fields.items()} or {
                "__all__": exc.message
            }
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("account.organization"))
    status = 422 if (form.errors or errors) else 200
    return render_template("accounts/organization.html", form=form, errors=errors, org=org), status


def _data_page(form: DeletionForm, errors: dict[str, str] | None = None, status: int = 200):
    return render_template(
        "accounts/data.html",
        form=form,
        errors=errors or {},
        user=current_user_or_none(),
        waiting_days=deletion.waiting_days(),
    ), status


@bp.route("/data")
@login_required
def data():
    """The user's data: download a copy, and delete the account (or keep it while a deletion is scheduled)."""
    return _data_page(DeletionForm())


@bp.route("/data/export")
@login_required
def export_page():
    """A readable, printable copy of the user's data (the same as the JSON download)."""
    copy = personal_data.export(session=get_session(), user=current_user_or_none())
    return render_template("accounts/export.html", data=copy)


@bp.route("/data/export.json")
@login_required
def export_json():
    """The user's data as a JSON file to keep or take elsewhere."""
    copy = personal_data.export(session=get_session(), user=current_user_or_none())
    body = json.dumps(copy, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mic-exchange-my-data.json"'},
    )


@bp.route("/deletion", methods=["POST"])
@limits.writes
@login_required
def request_deletion():
    """Ask to delete the account, with the password again; it is deleted after the waiting period."""
    form = DeletionForm()
    if not form.validate_on_submit():
        return _data_page(form, status=422)
    try:
        user = deletion.request_deletion(
            session=get_session(), user=current_user_or_none(), password=form.password.data
        )
    except ServiceError as exc:
        return _data_page(form, exc.fields or {"__all__": exc.message}, status=exc.status)
    assert user.deletion_due_at is not None  # just scheduled
    flash(
        _(
            "Your account will be deleted on %(date)s. Until then you can keep it with one click.",
            date=user.deletion_due_at.strftime("%Y-%m-%d"),
        ),
        "warning",
    )
    return redirect(url_for("account.data"))


@bp.route("/deletion/cancel", methods=["POST"])
@limits.writes
@login_required
def cancel_deletion():
    """Keep the account: cancel the scheduled deletion."""
    deletion.cancel_deletion(session=get_session(), user=current_user_or_none())
    flash(_("Your account will not be deleted."), "success")
    return redirect(url_for("account.data"))
