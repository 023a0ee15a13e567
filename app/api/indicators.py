"""The bureau's indicators as JSON: the figures of a year (for one center or industry, if asked) and the records
behind each figure."""

from flask import jsonify, request

from app.api import bp
from app.api.helpers import api_user, token_required
from app.db import get_session
from app.oversight.services import indicators


@bp.get("/indicators")
@token_required
def get_indicators():
    """The indicators of `year`, optionally of one `center_id` and one `industry`."""
    scope = indicators.parse_scope(request.args)
    return jsonify(indicators.indicators(session=get_session(), user=api_user(), scope=scope))


@bp.get("/indicators/<indicator>/records")
@token_required
def indicator_records(indicator: str):
    """The contracts, incubations, achievements, trainings or projects behind one figure."""
    scope = indicators.parse_scope(request.args)
    rows = indicators.records(session=get_session(), user=api_user(), scope=scope, indicator=indicator)
    return jsonify(
        year=scope.year, center_id=scope.center_id, industry=scope.industry, indicator=indicator, items=rows
    )
