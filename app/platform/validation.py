"""Turn pydantic validation errors into field messages in the user's language."""

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from app.platform.errors import Invalid
from models.common import ID_MAX, is_id

M = TypeVar("M", bound=BaseModel)

# Messages raised by our own validators, keyed by the text they raise.
CUSTOM = {
    "invalid_credit_code": lambda: _(
        "Not a valid unified social credit code (18 characters with a check character)."
    ),
    "budget_order": lambda: _("The minimum budget is above the maximum."),
    "amount_order": lambda: _("The minimum amount is above the maximum."),
    "objection_contact": lambda: _("Give a phone number or an email address where the bureau can reach you."),
    "bureau_not_self_registered": lambda: _("Bureau accounts are created by an administrator."),
    "size_class_unknown": lambda: _("Choose the size class: large, medium, small or micro."),
    # Opening hours (models/instrument.py check_opening_hours): what a period must look like, with an example.
    "time_format": lambda: _("Opening hours: write each time as HH:MM, from 00:00 to 24:00, e.g. 08:30."),
    "opening_hours_format": lambda: _(
        'Opening hours: give each period as [weekday, "HH:MM", "HH:MM"], e.g. [0, "08:30", "17:30"].'
    ),
    "opening_hours_weekday": lambda: _(
        "Opening hours: the weekday is a number from 0 (Monday) to 6 (Sunday)."
    ),
    "opening_hours_order": lambda: _(
        "Opening hours: each period must open before it closes, e.g. 08:30 to 17:30."
    ),
    "opening_hours_too_many": lambda: _("Opening hours: at most 50 periods a week."),
}


def _message(error: Mapping[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_short":
        return _("Too short: at least %(n)s characters.", n=ctx.get("min_length"))
    if kind == "too_short":
        return _("Choose at least %(n)s.", n=ctx.get("min_length"))
    if kind == "string_too_long":
        return _("Too long: at most %(n)s characters.", n=ctx.get("max_length"))
    if kind in ("greater_than_equal", "greater_than"):
        return _("Must be at least %(n)s.", n=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _("Must be at most %(n)s.", n=ctx.get("le", ctx.get("lt")))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Must be a whole number.")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("Must be a date like 2027-06-30.")
    if kind == "enum":
        return _("Not one of the allowed values.")
    if kind == "value_error":
        reason = str(ctx.get("error", ""))
        if reason in CUSTOM:
            return CUSTOM[reason]()
        if "email" in reason.lower():
            return _("Not a valid email address.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Must be true or false.")
    if kind in ("list_type", "string_type", "dict_type", "model_type"):
        return _("Wrong type of value.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    return _("Invalid value.")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Map each failing field (dotted path, list indexes dropped) to one message."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        loc = ".".join(str(part) for part in error["loc"] if not isinstance(part, int)) or "__root__"
        fields.setdefault(loc, _message(error))
    return fields


# C0 controls other than tab, newline and carriage return (and DEL): a stored NUL breaks PostgreSQL text
# columns and exports, and none of them has a place in text a person typed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_fields(data: Any) -> dict[str, str]:
    """Each text value holding a control character, by dotted path; walked without recursion, so
    however deep the input nests, it cannot exhaust the stack."""
    fields: dict[str, str] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                fields.setdefault(path or "__root__", _("Control characters are not allowed."))
        elif isinstance(value, dict):
            stack.extend((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((path, item) for item in value)
    return fields


def parse(model: type[M], data: Any) -> M:
    """Validate `data` into `model` or raise `Invalid` with per-field messages."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    control = control_character_fields(data)
    if control:
        raise Invalid(_("Some fields are not valid."), control)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("Some fields are not valid."), field_errors(exc)) from None


def parse_id(raw: str | None) -> int | None:
    """``raw`` (a query, form or path value) as an id that can name a row, or None for anything else."""
    raw = (raw or "").strip()
    # ASCII digits only (int() takes "١" and refuses "²"), and never longer than ID_MAX before converting.
    if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > len(str(ID_MAX)):
        return None
    value = int(raw)
    return value if is_id(value) else None
