"""The development fund in the browser: the calls (the bureau opens one), a call's page (a filed center's users
apply there; the bureau sees every application), and an application's page (the bureau forms the panel, decides
and records payments; the center follows its status). Amounts are typed and shown in 万元."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.market.forms import wan_to_yuan
from app.oversight.forms import expert_ids, form_data
from app.oversight.services import experts as expert_service
from app.oversight.services import fund
from app.oversight.views.blueprint import bp
from app.oversight.views.pages import attempt
from app.platform.errors import Forbidden
from app.platform.permissions import is_bureau, managed_centers, require_bureau
from app.web import limits
from app.web.identity import current_user_or_none
from models import CenterStatus

BUDGET_ROWS = 5


def _calls_page(*, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    return render_template(
        "oversight/fund_calls.html",
        calls=[(call, fund.is_open(call)) for call in fund.list_calls(session=session)],
        bureau=is_bureau(user),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/fund")
@login_required
def fund_calls():
    """The development fund's calls; the bureau opens them here."""
    return _calls_page()


def _call_data() -> dict:
    data = form_data()
    return {**data, "budget": wan_to_yuan(data.get("budget"))}


@bp.route("/bureau/fund/calls", methods=["POST"])
@limits.writes
@login_required
def open_fund_call():
    """The bureau opens a fund call."""
    require_bureau(current_user_or_none())
    return attempt(
        lambda: fund.open_call(session=get_session(), user=current_user_or_none(), data=_call_data()),
        _("The fund call is open; the filed centers have been told."),
        lambda call: url_for("oversight.fund_call", call_id=call.id),
        _calls_page,
    )


def _call_page(call_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    call = fund.get_call(session=session, call_id=call_id)
    applications = fund.applications_of_call(session=session, user=user, call_id=call_id)
    applied = {a.center_id for a in applications}
    centers = [c for c in managed_centers(session, user) if c.status == CenterStatus.filed]
    names = {c.id: c.name for c in fund.center_names(session, [a.center_id for a in applications])}
    return render_template(
        "oversight/fund_call.html",
        call=call,
        open=fund.is_open(call),
        applications=applications,
        names=names,
        may_apply=[c for c in centers if c.id not in applied],
        bureau=is_bureau(user),
        rows=range(BUDGET_ROWS),
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/fund/calls/<int(max=2147483647):call_id>")
@login_required
def fund_call(call_id: int):
    """One fund call: its terms, the apply form for a filed center's users, the applications one may see."""
    return _call_page(call_id)


def _application_data() -> dict:
    data = form_data()
    lines = []
    for i in range(BUDGET_ROWS):
        item = request.form.get(f"line_item_{i}", "").strip()
        amount = request.form.get(f"line_amount_{i}", "").strip()
        if item or amount:
            lines.append({"item": item, "amount": wan_to_yuan(amount)})
    return {"center_id": data.get("center_id", ""), "plan": data.get("plan", ""), "budget_lines": lines}


@bp.route("/fund/calls/<int(max=2147483647):call_id>/applications", methods=["POST"])
@limits.writes
@login_required
def apply_fund(call_id: int):
    """A filed center's users apply with a plan and budget lines."""
    return attempt(
        lambda: fund.apply(
            session=get_session(), user=current_user_or_none(), call_id=call_id, data=_application_data()
        ),
        _("Your application is submitted; the bureau will have it reviewed."),
        lambda row: url_for("oversight.fund_application", application_id=row.id),
        lambda **kw: _call_page(call_id, **kw),
    )


def _application_page(application_id: int, *, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    view = fund.application_view(session=session, user=user, application_id=application_id)
    return render_template(
        "oversight/fund_application.html",
        view=view,
        bureau=is_bureau(user),
        experts=expert_service.experts(session=session) if is_bureau(user) else [],
        remaining=(view.application.granted_amount or 0) - view.application.disbursed,
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/fund/applications/<int(max=2147483647):application_id>")
@login_required
def fund_application(application_id: int):
    """One application: plan, budget, panel, decision and payments."""
    return _application_page(application_id)


def _decision_data() -> dict:
    data = form_data()
    return {
        "grant": data.get("grant", ""),
        "amount": wan_to_yuan(data.get("amount")),
        "reason": data.get("reason", ""),
    }


def _payment_data() -> dict:
    data = form_data()
    return {**data, "amount": wan_to_yuan(data.get("amount"))}


FUND_STEPS = {
    "panel": (
        fund.assign_panel,
        lambda: {"expert_ids": expert_ids()},
        lambda: _("The experts are assigned."),
    ),
    "decision": (
        fund.decide,
        _decision_data,
        lambda: _("The decision is recorded; the center has been told."),
    ),
    "disbursements": (fund.disburse, _payment_data, lambda: _("The payment is recorded.")),
}


@bp.route(
    "/fund/applications/<int(max=2147483647):application_id>/<any('panel', 'decision', 'disbursements'):step>",
    methods=["POST"],
)
@limits.writes
@login_required
def fund_application_step(application_id: int, step: str):
    """The bureau forms the panel, decides, or records a payment."""
    if not is_bureau(current_user_or_none()):
        raise Forbidden(_("Only the bureau may do this."))
    service, read_form, message = FUND_STEPS[step]
    return attempt(
        lambda: service(
            session=get_session(),
            user=current_user_or_none(),
            application_id=application_id,
            data=read_form(),
        ),
        message(),
        lambda _r: url_for("oversight.fund_application", application_id=application_id),
        lambda **kw: _application_page(application_id, **kw),
    )
