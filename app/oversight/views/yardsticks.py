"""The policy's yardsticks in the browser: the plan's targets (a bureau page), a center's annual targets, its
three-year assessments and rectification on the bureau's center page, the rectification report on the center's
own page, per-center weights on the evaluation page. Thin views: parse the form, call one service, redirect or
show the page again with the message and what was typed."""

from decimal import Decimal, InvalidOperation

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from app.db import get_session
from app.oversight import rules
from app.oversight.forms import form_data
from app.oversight.services import assessments, rectification, targets, weights
from app.oversight.services import indicators as indicator_service
from app.oversight.views.blueprint import bp
from app.platform.permissions import require_bureau
from app.web import limits
from app.web.identity import current_user_or_none
from models import CenterLevel

YUAN_PER_WAN = 10_000


def _center_page(center_id: int, **kw):
    from app.oversight.views.pages import _center_page as page

    return page(center_id, **kw)


def _attempt(action, success, target, page):
    from app.oversight.views.pages import attempt

    return attempt(action, success, target, page)


@bp.route("/bureau/centers/<int:center_id>/assessments", methods=["POST"])
@limits.writes
@login_required
def decide_assessment(center_id: int):
    """Record a center's three-year assessment: period, grade, reasons."""
    return _attempt(
        lambda: assessments.decide(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        _("The three-year assessment is recorded."),
        lambda _r: url_for("oversight.center", center_id=center_id) + "#assessment",
        lambda **kw: _center_page(center_id, **kw),
    )


@bp.route("/bureau/centers/<int:center_id>/rectification", methods=["POST"])
@limits.writes
@login_required
def order_rectification(center_id: int):
    """Order a center whose latest assessment failed to rectify by a deadline."""
    return _attempt(
        lambda: rectification.order(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=form_data()
        ),
        _("The rectification is ordered and published on the notices page."),
        lambda _r: url_for("oversight.center", center_id=center_id) + "#assessment",
        lambda **kw: _center_page(center_id, **kw),
    )


@bp.route("/bureau/rectifications/<int:rectification_id>/decision", methods=["POST"])
@limits.writes
@login_required
def rectification_decision(rectification_id: int):
    """Accept a rectification, or revoke the center's filing."""
    session, user = get_session(), current_user_or_none()
    row = rectification.get(session=session, user=require_bureau(user), rectification_id=rectification_id)
    return _attempt(
        lambda: rectification.decide(
            session=session, user=user, rectification_id=rectification_id, data=form_data()
        ),
        _("The decision is recorded."),
        lambda _r: url_for("oversight.center", center_id=row.center_id) + "#assessment",
        lambda **kw: _center_page(row.center_id, **kw),
    )


def _targets_data() -> dict:
    """The targets form: a count and (for money indicators) an amount in 万元 per indicator; blank rows are none."""
    rows = []
    for name in indicator_service.INDICATOR_NAMES:
        count = request.form.get(f"count_{name}", "").strip()
        amount = request.form.get(f"amount_{name}", "").strip()
        if not count and not amount:
            continue
        row: dict = {"indicator": name, "target_count": count or None}
        if amount:
            try:
                row["target_amount"] = int(Decimal(amount) * YUAN_PER_WAN)
            except InvalidOperation:
                row["target_amount"] = amount  # the service names the field
        rows.append(row)
    return {"year": request.form.get("year", ""), "targets": rows}


@bp.route("/bureau/centers/<int:center_id>/targets", methods=["POST"])
@limits.writes
@login_required
def set_center_targets(center_id: int):
    """Set a center's targets of a year."""
    return _attempt(
        lambda: targets.set_center_targets(
            session=get_session(), user=current_user_or_none(), center_id=center_id, data=_targets_data()
        ),
        _("The targets are saved."),
        lambda _r: url_for("oversight.center", center_id=center_id) + "#targets",
        lambda **kw: _center_page(center_id, **kw),
    )


@bp.route("/my-center/rectifications/<int:rectification_id>/report", methods=["POST"])
@limits.writes
@login_required
def rectification_report(rectification_id: int):
    """The center reports on its rectification."""
    from app.oversight.views.pages import _my_center_page

    session, user = get_session(), current_user_or_none()
    row = rectification.get(session=session, user=user, rectification_id=rectification_id)
    return _attempt(
        lambda: rectification.submit_report(
            session=session, user=user, rectification_id=rectification_id, data=form_data()
        ),
        _("The rectification report is submitted; the bureau will decide."),
        lambda _r: url_for("oversight.my_center") + f"#center-{row.center_id}",
        lambda **kw: _my_center_page(center_id=row.center_id, **kw),
    )


@bp.route("/evaluations/<int:evaluation_id>/weights", methods=["POST"])
@limits.writes
@login_required
def evaluation_weights(evaluation_id: int):
    """Weight a center's evaluation by its function, within the round's bounds."""
    from app.oversight.views.pages import _evaluation_page

    data = {"weights": {}}
    for name in rules.EVALUATION_CRITERIA:
        raw = request.form.get(f"weight_{name}", "").strip()
        data["weights"][name] = int(raw) if raw.isdigit() else raw
    return _attempt(
        lambda: weights.set_weights(
            session=get_session(), user=current_user_or_none(), evaluation_id=evaluation_id, data=data
        ),
        _("The weights are saved."),
        lambda _e: url_for("oversight.evaluation", evaluation_id=evaluation_id) + "#weights",
        lambda **kw: _evaluation_page(evaluation_id, **kw),
    )


def _targets_page(*, errors=None, error_message=None, status=200):
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    return render_template(
        "oversight/targets.html",
        progress=targets.plan_progress(session),
        counts=targets.level_counts(session),
        levels=[(level.value, level) for level in CenterLevel],
        errors=errors or {},
        error_message=error_message,
        form=request.form,
    ), status


@bp.route("/bureau/targets", methods=["GET", "POST"])
@limits.writes
@login_required
def plan_targets():
    """The plan's targets by target year and level, with progress, and a form to record or correct one."""
    if request.method == "GET":
        return _targets_page()
    return _attempt(
        lambda: targets.set_plan_target(session=get_session(), user=current_user_or_none(), data=form_data()),
        _("The target is saved."),
        lambda _r: url_for("oversight.plan_targets"),
        _targets_page,
    )
