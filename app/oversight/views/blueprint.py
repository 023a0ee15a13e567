"""The oversight's one blueprint, shared by its page modules."""

from flask import Blueprint

bp = Blueprint("oversight", __name__)


@bp.record_once
def _indicator_definitions(state) -> None:
    """Every page may footnote an indicator with its definition; a global, so imported macros see it too."""
    from app.oversight.indicator_definitions import BY_KEY

    state.app.jinja_env.globals["indicator_definitions"] = BY_KEY
