"""The `deals` blueprint, shared by its page modules (deals, contract_text), and what their views share."""

from flask import Blueprint

bp = Blueprint("deals", __name__)


def error_text(exc) -> str:
    """A refusal in one line: the message, then what it says about each field."""
    return " ".join([exc.message, *exc.fields.values()]) if exc.fields else exc.message
