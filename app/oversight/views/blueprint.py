"""The oversight's one blueprint, shared by its page modules."""

from flask import Blueprint

bp = Blueprint("oversight", __name__)
