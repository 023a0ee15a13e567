"""The bureau's dashboard, the indicator pages with their drill-down, and the exports (CSV, XLSX, PDF)."""

from datetime import date

from flask import Response, abort, jsonify, render_template, request
from flask_login import login_required

from app.db import get_session
from app.instruments.services import usage_stats
from app.oversight.services import evaluations, exports, fund, indicators, targets
from app.oversight.services import registry as registry_service
from app.oversight.services.indicators import Scope
from app.oversight.views.blueprint import bp
from app.platform.permissions import is_bureau, require_bureau
from app.platform.taxonomy import industry_choices
from app.web.identity import current_user_or_none

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope() -> Scope:
    """The scope of the request; a center's user without a center_id gets their own (first) center."""
    scope = indicators.parse_scope(request.args)
    user = current_user_or_none()
    if scope.center_id is None and not is_bureau(user):
        own = indicators.own_center_ids(session=get_session(), user=user)
        if own:
            scope = Scope(year=scope.year, center_id=own[0], industry=scope.industry)
    return scope


def _attachment(body, mimetype: str, filename: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@bp.route("/bureau/dashboard")
@login_required
def dashboard():
    """The bureau's dashboard: trend by month, split by industry and center, top centers, funnel, districts."""
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    year = indicators.parse_scope(request.args).year
    data = indicators.dashboard(session=session, user=user, year=year)
    return render_template(
        "oversight/dashboard.html",
        data=data,
        progress=targets.plan_progress(session),  # the plan's targets (§一(二)) and where the city stands
        instrument_usage=usage_stats.summary(session=session, year=year),
        fund_calls=fund.figures_by_call(session),  # the development fund: asked, granted and paid, by call
        year=year,
        years=range(date.today().year, date.today().year - 6, -1),
    )


@bp.route("/bureau/dashboard.json")
@login_required
def dashboard_data():
    """The dashboard's figures as JSON, for its charts."""
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    return jsonify(
        indicators.dashboard(session=session, user=user, year=indicators.parse_scope(request.args).year)
    )


@bp.route("/indicators")
@login_required
def indicator_table():
    """The indicators of a year, for the city, a center or an industry, each opening to its records."""
    session, user = get_session(), current_user_or_none()
    scope = _scope()
    result = indicators.indicators(session=session, user=user, scope=scope)
    centers = registry_service.registry(session=session, user=user) if is_bureau(user) else []
    return render_template(
        "oversight/indicators.html",
        result=result,
        scope=scope,
        centers=centers,
        center_name=exports.scope_center_name(session, scope),
        industries=industry_choices(),
        names=indicators.INDICATOR_NAMES,
    )


@bp.route("/indicators/<indicator>")
@login_required
def indicator_records(indicator: str):
    """The records behind one figure."""
    if indicator not in indicators.INDICATOR_NAMES:
        abort(404)
    session, user = get_session(), current_user_or_none()
    scope = _scope()
    rows = indicators.records(session=session, user=user, scope=scope, indicator=indicator)
    result = indicators.indicators(session=session, user=user, scope=scope)
    return render_template(
        "oversight/indicator_records.html",
        rows=rows,
        indicator=indicator,
        scope=scope,
        figure=result["indicators"][indicator],
        center_name=exports.scope_center_name(session, scope),
    )


@bp.route("/indicators.<any('csv', 'xlsx', 'pdf'):fmt>")
@login_required
def indicator_export(fmt: str):
    """The indicators as CSV, XLSX or PDF: the same figures as the API, every breakdown of the dashboard and
    the definitions."""
    session, user = get_session(), current_user_or_none()
    scope = _scope()
    result = indicators.indicators(session=session, user=user, scope=scope)
    parts = indicators.breakdowns(session=session, user=user, scope=scope)
    name = exports.scope_center_name(session, scope)
    filename = f"indicators-{scope.year}{'-center-' + str(scope.center_id) if scope.center_id else ''}.{fmt}"
    if fmt == "csv":
        return _attachment(
            exports.indicators_csv(result, center_name=name, parts=parts), "text/csv; charset=utf-8", filename
        )
    if fmt == "pdf":
        return _attachment(
            exports.indicators_pdf(result, center_name=name, parts=parts), "application/pdf", filename
        )
    return _attachment(exports.indicators_xlsx(result, center_name=name, parts=parts), XLSX, filename)


@bp.route("/evaluations/<int:evaluation_id>/report.pdf")
@login_required
def evaluation_pdf(evaluation_id: int):
    """A center's annual evaluation report as PDF, for whoever may see the evaluation."""
    view = evaluations.evaluation_view(
        session=get_session(), user=current_user_or_none(), evaluation_id=evaluation_id
    )
    result = {
        "year": view.round.year,
        "center_id": view.center.id,
        "industry": None,
        "indicators": view.indicators,
    }
    return _attachment(
        exports.evaluation_pdf(view, result),
        "application/pdf",
        f"evaluation-{view.round.year}-center-{view.center.id}.pdf",
    )


@bp.route("/bureau/centers.pdf")
@login_required
def registry_pdf():
    """The centers' registry as PDF."""
    session, user = get_session(), current_user_or_none()
    require_bureau(user)
    return _attachment(
        exports.registry_pdf(registry_service.registry(session=session, user=user)),
        "application/pdf",
        "center-registry.pdf",
    )
