"""Financing records in the browser: one page lists the records the user's organization is a party to (every
record for the bureau); a finance organization records a financing there from an accepted conversation, the
financed organization confirms or rejects it there. Thin: app.financing.services.records decides."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.deals.services.interests import target_title
from app.financing.forms import FinancingRecordForm
from app.financing.services import records
from app.market.forms import parse_wan
from app.platform.errors import Conflict, Invalid
from app.web import limits
from app.web.identity import current_user_or_none

bp = Blueprint("financing", __name__)


def _form_choices(form: FinancingRecordForm, interests) -> None:
    session = get_session()
    form.interest_id.choices = [("", _("Please choose"))] + [
        (str(i.id), target_title(session, i.target_type, i.target_id)) for i in interests
    ]


@bp.route("/financing-records", methods=["GET", "POST"])
@limits.writes
@login_required
def records_page():
    """The records; a finance organization's form to record one (prefilled from ?interest_id=)."""
    session, user = get_session(), current_user_or_none()
    rows = records.list_for(session=session, user=user)
    interests = records.recordable_interests(session, user)
    form = FinancingRecordForm(
        data={"interest_id": request.args.get("interest_id", "")} if request.method == "GET" else None
    )
    _form_choices(form, interests)
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        yuan, problem = parse_wan(form.amount.data)
        data = {
            "interest_id": form.interest_id.data or None,
            "finance_type": form.finance_type.data or None,
            "amount": yuan if problem is None else "",
            "financed_on": form.financed_on.data or None,
            "note": (form.note.data or "").strip(),
        }
        try:
            records.create(session=session, user=user, data=data)
        except (Invalid, Conflict) as exc:
            errors = dict(exc.fields) or {"__all__": exc.message}
            if problem is not None:
                errors["amount"] = problem
            elif not form.amount.data:
                errors["amount"] = _("Please enter an amount.")
        else:
            flash(_("Financing recorded. The financed organization is asked to confirm it."), "success")
            return redirect(url_for("financing.records_page"))
    elif request.method == "POST":
        errors = {"__all__": _("The form has expired. Please try again.")}
    return render_template(
        "financing/records.html",
        rows=[records.to_public(session, row) for row in rows],
        form=form if interests else None,
        errors=errors,
        user_org_id=user.org_id if user else None,
    ), (422 if errors else 200)


@bp.route("/financing-records/<int:record_id>/<any(confirm, reject):decision>", methods=["POST"])
@limits.writes
@login_required
def decide(record_id: int, decision: str):
    """The financed organization confirms or rejects a record (CSRF is checked for every form by the app)."""
    try:
        records.decide(
            session=get_session(),
            user=current_user_or_none(),
            record_id=record_id,
            data={"decision": decision},
        )
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Confirmed.") if decision == "confirm" else _("Rejected."), "success")
    return redirect(url_for("financing.records_page"))
