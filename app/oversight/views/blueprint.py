"""The oversight's one blueprint, shared by its page modules."""

from flask import Blueprint

from app.oversight import labels

bp = Blueprint("oversight", __name__)
bp.add_app_template_filter(labels.oversight_label, "oversight_label")
bp.app_context_processor(labels.inject_oversight_labels)
